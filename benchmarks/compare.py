"""Benchmark Evidence Explorer against Hugo and MkDocs on the same synthetic papers.

    .venv/bin/python benchmarks/compare.py                 # every figure of docs/performance.md
    .venv/bin/python benchmarks/compare.py --only compare  # just the Hugo/MkDocs comparison

Figures, all from this one run:

1. ``compare``, like for like: Hugo (Debian's ``hugo``) builds the same N papers (default
   5,000; ``--n 30000`` for the large figure), 2N CMOCs and N/50 theories as pages, each CMOC
   linking its source papers and theories, each paper and theory listing the CMOCs citing it
   (taxonomies; term pages not rendered); Hugo building the N papers alone is kept as a second
   reference. Evidence Explorer (search off) cold with default options, cold with ``--jobs 2``,
   nothing changed, one edited CMOC (``build``), and cold and one edited CMOC with
   ``--page-cache`` (the edit through the snapshot of the last build). Alternating rounds, medians, ratios to
   Hugo building the same pages, the load average after each round. MkDocs on a small N (its
   time grows quadratically with the navigation), when installed.
2. ``scale``: cold build time and peak memory at N = 1k, 5k, 10k, 30k papers.
3. ``serve``: at 30,000 entities (10k papers + 20k CMOCs + theories), the time from
   saving one CMOC to its page being rewritten on disk by ``serve`` (file event, settle, rebuild).

Peak memory (the ``scale`` figure) is the largest sum, over the build process and its workers,
of the proportional set size (PSS: shared copy-on-write pages counted once), sampled every 10 ms;
``compare``'s timed rounds run without that sampler. Every timed build, Hugo's and ours, starts
from a quiet disk: the previous outputs' background deletes done, written files flushed, and no
deleted inode still recent to the file system (:func:`settle`, ``quiet_disk.py``: on ext4 without
a journal, files created within a minute of a large delete cost up to 20 times the CPU); a cold
build starts without an output folder, as Hugo's does (previous outputs are moved aside and
deleted after the last round, not between rounds: ext4 keeps a freed inode "recent" for 300 s
more while its inode-table block is dirty, and a round's first cold build of ours, about 80 s
after a delete of the previous round's 150,000 inodes, took 2.5-2.9 s longer than the identical
`--jobs 2` build after it; about 1.2 GB of moved-aside outputs a round until then). MkDocs runs from ``benchmarks/.venv`` (``python -m venv
benchmarks/.venv && benchmarks/.venv/bin/pip install mkdocs``); it is skipped
when missing. Work files go to ``benchmarks/.work/`` (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import quiet_disk  # noqa: E402
import synth  # noqa: E402
from watching import drain, read, watch  # noqa: E402

HUGO_LAYOUT = {
    "config.yaml": "baseURL: /\ntitle: Synthetic evidence base\ndisableKinds: [taxonomy, term, RSS]\n",
    "layouts/_default/baseof.html": (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
        '<link rel="stylesheet" href="/style.css"></head>\n<body><header><a href="/">Home</a> '
        '<a href="/papers/">Papers</a></header>\n<main>{{ block "main" . }}{{ end }}</main></body></html>\n'),
    "layouts/_default/single.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>\n<p>{{ delimit .Params.authors ", " }} '
        '({{ .Params.year }}) <i>{{ .Params.journal }}</i>. doi:{{ .Params.doi }}</p>\n'
        '<dl><dt>Design</dt><dd>{{ .Params.design }}</dd><dt>Aim</dt><dd>{{ .Params.aim }}</dd>'
        '<dt>Results</dt><dd>{{ .Params.results }}</dd></dl>\n{{ .Content }}{{ end }}\n'),
    "layouts/_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">'
        '{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n'),
}
"""Hugo, papers only: the N paper files with a minimal layout (the earlier budget's reference)."""

_BACKLINKS = ('{{{{ with index site.Taxonomies.{taxonomy} (lower .File.ContentBaseName) }}}}<h2>CMOCs</h2>\n<ul>'
              '{{{{ range .Pages }}}}<li><a href="{{{{ .RelPermalink }}}}">{{{{ .Title }}}}</a></li>{{{{ end }}}}'
              '</ul>{{{{ end }}}}\n')
_NOT_RENDERED = "---\n_build: {render: never, list: never}\ncascade:\n  _build: {render: never, list: never}\n---\n"
HUGO_SAME_LAYOUT = {
    **HUGO_LAYOUT,
    # the taxonomies carry the backlinks; their term pages are never rendered (below). disableKinds for
    # taxonomy and term would empty site.Taxonomies in Hugo 0.111, so they are switched off by _build.
    "config.yaml": ("baseURL: /\ntitle: Synthetic evidence base\ndisableKinds: [RSS]\n"
                    "taxonomies:\n  cite: cites\n  support: supports\n"),
    "content/cites/_index.md": _NOT_RENDERED,
    "content/supports/_index.md": _NOT_RENDERED,
    "layouts/_default/single.html": HUGO_LAYOUT["layouts/_default/single.html"].replace(
        "{{ .Content }}", _BACKLINKS.format(taxonomy="cites") + "{{ .Content }}"),
    "layouts/theories/single.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>\n<p>{{ .Params.kind }}: {{ .Params.statement }}</p>\n'
        + _BACKLINKS.format(taxonomy="supports") + '{{ .Content }}{{ end }}\n'),
    "layouts/cmocs/single.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>\n<dl><dt>Context</dt><dd>{{ .Params.context }}</dd>'
        '{{ with .Params.mechanism }}<dt>Mechanism</dt><dd>{{ . }}</dd>{{ end }}'
        '{{ with .Params.resource }}<dt>Resource</dt><dd>{{ . }}</dd>{{ end }}'
        '{{ with .Params.reasoning }}<dt>Reasoning</dt><dd>{{ . }}</dd>{{ end }}'
        '<dt>Outcome</dt><dd>{{ .Params.outcome }}</dd></dl>\n<h2>Sources</h2>\n<ul>{{ range .Params.sources }}'
        '{{ $paper := site.GetPage (printf "/papers/%s" .paper) }}<li><a href="{{ $paper.RelPermalink }}">'
        '{{ $paper.Title }}</a>, {{ .locator }}{{ with .quote }}: <q>{{ . }}</q>{{ end }}</li>{{ end }}</ul>\n'
        '<h2>Theories</h2>\n<ul>{{ range .Params.theories }}{{ $t := site.GetPage (printf "/theories/%s" .theory) }}'
        '<li>{{ .relation }} <a href="{{ $t.RelPermalink }}">{{ $t.Title }}</a></li>{{ end }}</ul>\n'
        '{{ .Content }}{{ end }}\n'),
}
"""Hugo, the same pages: papers, CMOCs and theories; each CMOC links its source papers and theories (by
their titles), each paper and theory lists the CMOCs citing it (taxonomies ``cites`` and ``supports``)."""

HUGO_MISSING = ("error: hugo not found. The benchmark compares with Hugo, Debian's package (0.111): "
                "sudo apt-get install -y hugo  (or see https://gohugo.io/installation/); it is a benchmark "
                "tool only, never needed to build or test Evidence Explorer")


# --- measuring a command ------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_pss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _pss_kb(p)
        todo += _children(p)
    return total


SAMPLE_MEMORY = True
"""Whether :func:`run` samples the peak memory: the ``scale`` figure's; off for ``compare``'s timed
rounds. Reading every process's PSS every 10 ms costs CPU on a 2-core machine, and more for a
process with many threads (Hugo's): measured at N = 5,000, it made Hugo's like-for-like build
3.7-5.7 s slower and ours 4.4-8.5 s slower (docs/performance.md, "ninth pass")."""


def installed_env(work: Path) -> dict[str, str]:
    """The environment our builds run in: as installed, with the package's compiled bytecode kept
    (``pip install`` compiles it; an editable install writes it on first import). Where
    ``PYTHONDONTWRITEBYTECODE`` is set (this machine sets it), every build would compile the whole
    package from source again, 0.1 s that no installed copy pays: the bytecode goes into the work
    folder instead (``PYTHONPYCACHEPREFIX``), written by the untimed warm-up round."""
    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak MB of the process tree; 0 when not sampled)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_pss_kb(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    if SAMPLE_MEMORY:
        sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if SAMPLE_MEMORY:
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')}")
    return elapsed, peak[0] / 1024


# --- preparing the inputs -----------------------------------------------------------------

def corpus(work: Path, n: int) -> Path:
    """The synthetic evidence base for N papers (generated once, reused)."""
    content = work / f"ee-{n}" / "content"
    stamp = content / ".complete"
    if not stamp.exists():
        shutil.rmtree(content, ignore_errors=True)
        synth.write(n, content)
        stamp.write_text("ok\n")
    return content


def hugo_site(work: Path, n: int) -> Path:
    site = work / f"hugo-{n}"
    if not (site / ".complete").exists():
        shutil.rmtree(site, ignore_errors=True)
        for rel, text in HUGO_LAYOUT.items():
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_text(text)
        shutil.copytree(corpus(work, n) / "papers", site / "content" / "papers")
        (site / "static").mkdir()
        shutil.copy(ROOT / "evidence_explorer" / "site" / "static" / "style.css", site / "static" / "style.css")
        (site / ".complete").write_text("ok\n")
    return site


def hugo_same_site(work: Path, n: int) -> Path:
    """The like-for-like Hugo site: the same papers, CMOCs and theories (files unchanged but for two
    taxonomy lists added to each CMOC's front matter: the papers it cites and the theories it bears on)."""
    import yaml
    site = work / f"hugo-same-{n}"
    if not (site / ".complete").exists():
        shutil.rmtree(site, ignore_errors=True)
        for rel, text in HUGO_SAME_LAYOUT.items():
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_text(text)
        source = corpus(work, n)
        for kind in ("papers", "theories"):
            shutil.copytree(source / kind, site / "content" / kind)
        (site / "content" / "cmocs").mkdir()
        for path in sorted((source / "cmocs").glob("*.md")):
            head, body = path.read_text().removeprefix("---\n").split("\n---\n", 1)
            meta = yaml.safe_load(head)
            cites = "".join(f"- {s['paper']}\n" for s in meta["sources"])
            supports = "".join(f"- {t['theory']}\n" for t in meta["theories"])
            (site / "content" / "cmocs" / path.name).write_text(
                f"---\n{head}\ncites:\n{cites}supports:\n{supports}---\n{body}")
        (site / "static").mkdir()
        shutil.copy(ROOT / "evidence_explorer" / "site" / "static" / "style.css", site / "static" / "style.css")
        (site / ".complete").write_text("ok\n")
    return site


def mkdocs_site(work: Path, n: int) -> Path:
    site = work / f"mkdocs-{n}"
    if not (site / ".complete").exists():
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(corpus(work, n) / "papers", site / "docs" / "papers")
        (site / "docs" / "index.md").write_text("# Synthetic evidence base\n")
        (site / "mkdocs.yml").write_text("site_name: Synthetic evidence base\n")
        (site / ".complete").write_text("ok\n")
    return site


def ee_build(work: Path, n: int, jobs: int | None, cold: bool, *extra: str) -> tuple[float, float]:
    """``build --no-search`` of the synthetic base; ``jobs`` None: the default job count; ``cold``: the
    cache folder (Markdown, templates, page outputs, up-to-date manifest) deleted first."""
    from evidence_explorer.dev.snapshot import wait_for_writer
    from evidence_explorer.site.publish import spare_path
    from evidence_explorer.speed.cache import cache_root
    out = work / f"ee-{n}" / "site"
    if cold:  # untimed, as Hugo's ``public`` folder is moved away before its timed build
        wait_for_writer(out)  # (a ``--page-cache`` build's background writer may still write in it)
        for old in (cache_root(out), out, spare_path(out)):  # (the spare: the site a ``--page-cache`` build replaced)
            quiet_disk.discard(old, work)
    settle(out.parent)
    timed = run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(corpus(work, n)),
                 "--output", str(out), "--no-search", "--quiet", *(["--jobs", str(jobs)] if jobs else []), *extra],
                env=installed_env(work))
    settle(out.parent, wait=False)  # (untimed: notes the replaced site's background delete, if any)
    return timed


EDITED_CMOC = "cmocs/cmoc-000007.md"


def ee_edit_build(work: Path, n: int, jobs: int | None, *extra: str) -> tuple[float, float]:
    """One CMOC's outcome sentence changed (alternately edited and restored), then a warm ``build``:
    the author's loop. An untimed edit and build first (with ``--page-cache``, the first build after
    a cold one goes through the snapshot once the cold build's background writer has copied the
    site into the spare: dev/spare.py). Before the timed build, the untimed one's background writer
    is waited for, untimed: an author's edits are more than the writer's 2-3 s apart, and a build
    started sooner waits for it (docs/performance.md, "eighth pass")."""
    from evidence_explorer.dev.snapshot import wait_for_writer
    out = work / f"ee-{n}" / "site"
    _toggle_edit(work, n)
    wait_for_writer(out)
    ee_build(work, n, jobs, False, *extra)
    _toggle_edit(work, n)
    wait_for_writer(out)
    return ee_build(work, n, jobs, False, *extra)


def _toggle_edit(work: Path, n: int) -> None:
    path = corpus(work, n) / EDITED_CMOC
    text = path.read_text()
    marker = "outcome: 'Edited for the benchmark. "
    edited = text.replace(marker, "outcome: '", 1) if marker in text else text.replace("\noutcome: '", "\n" + marker, 1)
    path.write_text(edited)


def restore_edit(work: Path, n: int) -> None:
    path = corpus(work, n) / EDITED_CMOC
    path.write_text(path.read_text().replace("outcome: 'Edited for the benchmark. ", "outcome: '", 1))


def settle(folder: Path, timeout: float = 120.0, wait: bool = True) -> None:
    """Before a timed build, untimed: wait until no background remover of ours works in ``folder``
    (its ``.<name>.trash-<pid>`` folders are gone; such a delete is noted, see ``quiet_disk``), flush
    the written files to disk and, with ``wait``, wait until no deleted inode is recent to the file
    system (:func:`quiet_disk.wait_out_recent_deletes`), so that no tool's timed run pays for the
    previous one's deletes and dirty pages."""
    deadline = time.monotonic() + timeout
    seen = False
    while time.monotonic() < deadline and any(".trash-" in p.name for p in folder.iterdir()):
        seen = True
        time.sleep(0.2)
    if seen:
        quiet_disk.deleted_now()
    if wait:
        slept = quiet_disk.wait_out_recent_deletes(folder)
        if slept:
            log(f"    (waited {slept:.0f} s for the deleted files to age: quiet_disk)")
    else:
        os.sync()


def disk_probe(work: Path, count: int = 500) -> float:
    """Microseconds of CPU to create one folder with a 15 KB page in it, as a site build does, over
    ``count`` of them (deleted after, then flushed): on this machine's disk that cost swings from
    about 40 µs to 1 ms from one minute to the next, and both tools pay it per page
    (docs/performance.md, "ninth pass"), so each round reports it beside its times."""
    quiet_disk.wait_out_recent_deletes(work)
    root = work / ".disk-probe"
    quiet_disk.discard(root, work)
    root.mkdir()
    data = b"x" * 15_000
    start = time.process_time()
    for i in range(count):
        folder = root / f"p{i}"
        folder.mkdir()
        (folder / "index.html").write_bytes(data)
    spent = time.process_time() - start
    quiet_disk.discard(root, work)
    return spent / count * 1e6


def hugo_build(work: Path, n: int, same: bool = False) -> tuple[float, float]:
    site = hugo_same_site(work, n) if same else hugo_site(work, n)
    for old in (site / "public", site / "resources"):
        quiet_disk.discard(old, work)
    for ee in work.glob("ee-*"):
        settle(ee, wait=False)
    quiet_disk.wait_out_recent_deletes(work)
    return run(["hugo", "--quiet", "--source", str(site), "--destination", str(site / "public")])


def mkdocs_build(work: Path, n: int) -> tuple[float, float]:
    site = mkdocs_site(work, n)
    return run([str(HERE / ".venv" / "bin" / "mkdocs"), "build", "--quiet", "--clean",
                "--config-file", str(site / "mkdocs.yml"), "--site-dir", str(site / "public")])


# --- the three figures --------------------------------------------------------------------

COMPARED = {
    "hugo_same": "Hugo, same pages (papers, CMOCs, theories; source links and backlinks)",
    "hugo": "Hugo, papers only",
    "ee_cold": "Evidence Explorer, cold, default options",
    "ee_cold_j2": "Evidence Explorer, cold, `--jobs 2`",
    "ee_warm": "Evidence Explorer, nothing changed",
    "ee_edit": "Evidence Explorer, one edited CMOC (`build`, after an earlier edit)",
    "ee_cold_pc": "Evidence Explorer, cold, `--page-cache`",
    "ee_edit_pc": "Evidence Explorer, one edited CMOC (`build --page-cache`, after an earlier edit)",
}


def compare(work: Path, n: int, runs: int, jobs: int, mkdocs_n: int) -> dict:
    """Alternating rounds (one of each tool per round, after an untimed warm-up round); medians and
    ratios to Hugo building the same pages. ``ee_warm`` and ``ee_edit`` follow ``ee_cold_j2``."""
    tools = {"hugo_same": lambda: hugo_build(work, n, same=True), "hugo": lambda: hugo_build(work, n),
             "ee_cold": lambda: ee_build(work, n, None, cold=True),
             "ee_cold_j2": lambda: ee_build(work, n, jobs, cold=True),
             "ee_warm": lambda: ee_build(work, n, jobs, cold=False),
             "ee_edit": lambda: ee_edit_build(work, n, jobs),
             "ee_cold_pc": lambda: ee_build(work, n, None, True, "--page-cache"),
             "ee_edit_pc": lambda: ee_edit_build(work, n, None, "--page-cache")}
    if mkdocs_n and (HERE / ".venv" / "bin" / "mkdocs").exists():
        tools["mkdocs"] = lambda: mkdocs_build(work, mkdocs_n)
        tools["hugo_small"] = lambda: hugo_build(work, mkdocs_n)
        tools["ee_small"] = lambda: ee_build(work, mkdocs_n, jobs, cold=True)
        mkdocs_site(work, mkdocs_n)
        hugo_site(work, mkdocs_n)
    hugo_site(work, n)
    hugo_same_site(work, n)
    global SAMPLE_MEMORY
    SAMPLE_MEMORY = False  # (timed rounds: see SAMPLE_MEMORY)
    times: dict[str, list[float]] = {k: [] for k in tools}
    loads: list[float] = []
    disk: list[tuple[float, float]] = []
    try:
        quiet_disk.purge(work)  # (what an interrupted run left): deleted before the untimed warm-up round
        quiet_disk.waiting = False
        for f in tools.values():  # warm the file cache and the .pyc files; not counted
            f()
        quiet_disk.waiting = True
        for i in range(runs):
            # the previous round's outputs stay moved aside until the end (see the module's docstring)
            before = disk_probe(work)
            for name, f in tools.items():  # alternating: one of each per round
                times[name].append(f()[0])
                log(f"  round {i + 1}: {name} {times[name][-1]:.2f} s")
            loads.append(os.getloadavg()[0])
            disk.append((before, disk_probe(work)))
            log(f"  round {i + 1}: a folder and a page created in {disk[-1][0]:.0f} µs of CPU before, "
                f"{disk[-1][1]:.0f} µs after")
    finally:
        SAMPLE_MEMORY = True
        restore_edit(work, n)
        quiet_disk.purge(work)
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {"n": n, "runs": runs, "jobs": jobs, "times": times, "median": med, "loads": loads, "disk_us": disk,
              "ratio": {k: v / med["hugo_same"] for k, v in med.items()}}
    # The fastest round of each: this machine's disk adds seconds, never takes them away (Hugo's
    # like-for-like rounds ranged 7-16 s in one run), so the fastest rounds are the least disturbed.
    fastest = {k: min(v) for k, v in times.items()}
    result.update(fastest=fastest, ratio_fastest={k: v / fastest["hugo_same"] for k, v in fastest.items()})
    if "mkdocs" in med:
        result.update(mkdocs_n=mkdocs_n, ratio_mkdocs=med["mkdocs"] / med["hugo_small"],
                      ratio_ee_small=med["ee_small"] / med["hugo_small"])
    return result


def scale(work: Path, sizes: list[int], jobs: int) -> dict:
    rows = []
    for n in sizes:
        corpus(work, n)
        seconds, peak = ee_build(work, n, jobs, cold=True)
        entities = n + 2 * n + max(5, n // 50)
        rows.append({"n": n, "entities": entities, "seconds": seconds, "peak_mb": peak})
        log(f"  N={n}: {seconds:.2f} s, peak {peak:.0f} MB")
        quiet_disk.discard(work / f"ee-{n}" / "site", work)
        quiet_disk.purge(work)
    by_n = {r["n"]: r for r in rows}
    growth = by_n[10000]["seconds"] / by_n[1000]["seconds"] if 1000 in by_n and 10000 in by_n else None
    return {"rows": rows, "ratio_10k_1k": growth}


def serve_latency(work: Path, n: int, edits: int) -> dict:
    """Full build in a DevServer watching the content through file events (as ``serve`` does: the edited
    page shown first, the rest of the rebuild in the background), then edit one CMOC at a time: the time
    from writing the file until its page on disk shows the edit, end to end (event, settle, rebuild),
    and until the rest is written. Also the rebuild alone (``DevServer.build`` and the rest)."""
    from evidence_explorer.dev.changes import classify
    from evidence_explorer.pipeline import BuildOptions
    from evidence_explorer.dev.serve import DevServer, snapshot
    from evidence_explorer.dev.watch import QUIET_MS
    content = corpus(work, n)
    out = work / f"ee-{n}" / "serve-site"
    shutil.rmtree(out, ignore_errors=True)
    dev = DevServer(BuildOptions(content=content, output=out, search=False), log=lambda text: None, early=True)
    start = time.perf_counter()
    dev.build()
    full = time.perf_counter() - start
    watcher, lock, settled = watch(dev, log)  # the watcher thread builds; the timing loop waits for files
    latencies, completes, rebuilds, cpu, scans = [], [], [], [], []
    try:
        for k in range(edits):
            cmoc_id = f"cmoc-{(k * 7919) % (2 * n) + 1:06d}"
            path = content / "cmocs" / f"{cmoc_id}.md"
            page = out / "cmocs" / cmoc_id / "index.html"
            original = path.read_text()
            marker = f"Edited outcome {k} at {time.time_ns()}."
            edited = original.replace("\noutcome: '", f"\noutcome: '{marker} ", 1)
            try:
                start = time.perf_counter()
                path.write_text(edited)
                while marker.encode() not in read(page):
                    if time.perf_counter() - start > 120:
                        raise SystemExit(f"serve did not rewrite cmocs/{cmoc_id}/ with the edit")
                    time.sleep(0.001)
                latencies.append(time.perf_counter() - start)
                settled.get(timeout=120)  # the batch that showed the page: the rest completes in the background
                dev.settle()
                completes.append(time.perf_counter() - start)
                drain(settled)
                with lock:  # the same edit again, through DevServer.build alone (no watcher), the rest included
                    path.write_text(original)
                    dev.build(classify([path], content))
                    dev.settle()
                    path.write_text(edited)
                    start, cpu0 = time.perf_counter(), time.process_time()
                    dev.build(classify([path], content))
                    dev.settle()
                    rebuilds.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - cpu0)
                drain(settled)
                start = time.perf_counter()
                snapshot(dev.roots)
                scans.append(time.perf_counter() - start)
            finally:
                with lock:
                    path.write_text(original)
                    dev.build(classify([path], content))
                    dev.settle()
                drain(settled)
    finally:
        watcher.stop()
        dev.close()
    entities = n + 2 * n + max(5, n // 50)
    return {"n": n, "entities": entities, "full_build_s": full, "edits_ms": [x * 1000 for x in latencies],
            "median_ms": statistics.median(latencies) * 1000,
            "complete_ms": [x * 1000 for x in completes], "rebuild_ms": [x * 1000 for x in rebuilds],
            "rebuild_median_ms": statistics.median(rebuilds) * 1000, "rebuild_cpu_ms": [x * 1000 for x in cpu],
            "poll_scan_ms": statistics.median(scans) * 1000, "quiet_ms": QUIET_MS,
            "load_avg": os.getloadavg()}


# --- report -------------------------------------------------------------------------------

def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split(" ")[:2]
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "hugo": " ".join(hugo), "load_avg_at_start": os.getloadavg()}


def markdown_report(r: dict) -> str:
    lines = [f"Machine: {r['machine']['cpu']}, {r['machine']['cores']} cores, {r['machine']['memory_mb']} MB; "
             f"Python {r['machine']['python']}; {r['machine']['hugo']}; "
             f"load average at start {r['machine']['load_avg_at_start'][0]:.2f}, at the end "
             f"{r['machine'].get('load_avg_at_end', (float('nan'),))[0]:.2f}", ""]
    if "compare" in r:
        c = r["compare"]
        lines += [f"| N = {c['n']} papers, {c['runs']} alternating rounds, search off | median s | rounds | "
                  "ratio to Hugo, same pages | fastest s | ratio of the fastest |", "|---|---:|---|---:|---:|---:|"]
        for key, label in COMPARED.items():
            rounds = ", ".join(f"{x:.2f}" for x in c["times"][key])
            lines.append(f"| {label} | {c['median'][key]:.2f} | {rounds} | {c['ratio'][key]:.2f}× | "
                         f"{c['fastest'][key]:.2f} | {c['ratio_fastest'][key]:.2f}× |")
        lines.append("\nCreating a folder and a 15 KB page in it, µs of CPU before and after each round: "
                     + ", ".join(f"{a:.0f}/{b:.0f}" for a, b in c.get("disk_us", [])) + ".")
        lines.append(f"Load average after each round: {', '.join(f'{x:.2f}' for x in c['loads'])}; "
                     f"`--jobs` {c['jobs']} where given.")
        if "mkdocs" in c["median"]:
            lines += ["", "| small comparison | median s | ratio to Hugo |", "|---|---:|---:|",
                      f"| Hugo ({c['mkdocs_n']} papers) | {c['median']['hugo_small']:.2f} | 1.00 |",
                      f"| MkDocs ({c['mkdocs_n']} papers) | {c['median']['mkdocs']:.2f} | {c['ratio_mkdocs']:.2f} |",
                      f"| Evidence Explorer cold ({c['mkdocs_n']} papers + CMOCs + theories) | "
                      f"{c['median']['ee_small']:.2f} | {c['ratio_ee_small']:.2f} |"]
        lines.append("")
    if "scale" in r:
        lines += ["| N papers | entities | cold build s | peak memory MB |", "|---:|---:|---:|---:|"]
        lines += [f"| {x['n']} | {x['entities']} | {x['seconds']:.2f} | {x['peak_mb']:.0f} |" for x in r["scale"]["rows"]]
        if r["scale"]["ratio_10k_1k"]:
            lines.append(f"\n10k / 1k build time: {r['scale']['ratio_10k_1k']:.1f}× (linear would be 10×)")
        lines.append("")
    if "serve" in r:
        s = r["serve"]
        lines += [f"Serve at {s['entities']} entities: full build {s['full_build_s']:.1f} s; one edited CMOC "
                  f"visible on disk {s['median_ms']:.0f} ms after the write, end to end through file events "
                  f"(median of {len(s['edits_ms'])}; {', '.join(f'{x:.0f}' for x in s['edits_ms'])}; events "
                  f"settle in {s['quiet_ms']} ms; the rest of the site "
                  f"{', '.join(f'{x:.0f}' for x in s.get('complete_ms', ()))} ms); the rebuild alone {s['rebuild_median_ms']:.0f} ms "
                  f"({', '.join(f'{x:.0f}' for x in s['rebuild_ms'])}; CPU "
                  f"{', '.join(f'{x:.0f}' for x in s['rebuild_cpu_ms'])}); polling instead would stat every "
                  f"file in {s['poll_scan_ms']:.0f} ms per poll; load average {s['load_avg'][0]:.2f}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=["compare", "scale", "serve"], action="append")
    p.add_argument("--n", type=int, default=5000, help="papers for the Hugo comparison (default 5000; 30000 for "
                   "the large figure)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--jobs", type=int, default=2, help="--jobs of the builds that name one (default 2)")
    p.add_argument("--mkdocs-n", type=int, default=500, help="papers for MkDocs (0: skip)")
    p.add_argument("--scale", default="1000,5000,10000,30000")
    p.add_argument("--serve-n", type=int, default=10000, help="papers for the serve figure (3N entities)")
    p.add_argument("--edits", type=int, default=5)
    p.add_argument("--work", type=Path, default=HERE / ".work")
    p.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = p.parse_args(argv)
    if shutil.which("hugo") is None:
        print(HUGO_MISSING, file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    todo = args.only or ["compare", "scale", "serve"]
    result: dict = {"machine": machine()}
    if "compare" in todo:
        log(f"compare: N={args.n}")
        result["compare"] = compare(args.work, args.n, args.runs, args.jobs, args.mkdocs_n)
    if "scale" in todo:
        log("scale")
        result["scale"] = scale(args.work, [int(x) for x in args.scale.split(",")], args.jobs)
    if "serve" in todo:
        log(f"serve: N={args.serve_n}")
        result["serve"] = serve_latency(args.work, args.serve_n, args.edits)
    result["machine"]["load_avg_at_end"] = os.getloadavg()
    print(markdown_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
