"""serve: debounced incremental rebuilds, build status for the overlay, dev-only injection.

The browser round trip (edit → page updates, break → overlay, fix → overlay gone) is in
test_serve_browser.py; these tests drive :class:`DevServer` directly or over HTTP.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from evidence_explorer.pipeline import BuildOptions
from evidence_explorer.dev.serve import SETTLE_S, DevServer, snapshot

ROOT = Path(__file__).resolve().parents[1]

PAPER = "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\ntheories: [T1]\n---\nBody of the study.\n"
THEORY = "---\ntitle: Theory one\n---\nNarrative.\n"


@pytest.fixture
def dev(make_site, tmp_path):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    logs: list[str] = []
    server = DevServer(BuildOptions(content=content, output=tmp_path / "out", search=False), log=logs.append)
    assert server.build() is not None and server.state is not None, logs
    server.logs = logs  # type: ignore[attr-defined]
    return server


def touch_later(path: Path, text: str) -> None:
    """Write ``text`` with an mtime surely different from the previous write."""
    old = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == old:  # coarse file-system clock: make the change visible
        os.utime(path, ns=(old + 10_000_000, old + 10_000_000))


def test_poll_waits_for_a_burst_of_saves_to_settle(dev):
    paper = dev.options.content / "papers" / "doe-2020.md"
    t = 1000.0
    touch_later(paper, PAPER.replace("A study", "A first title"))
    assert dev.poll(now=t) is None  # change seen, not settled
    touch_later(paper, PAPER.replace("A study", "A second title"))
    assert dev.poll(now=t + SETTLE_S * 0.9) is None  # another save within the burst
    assert dev.poll(now=t + SETTLE_S * 1.5) is None  # quiet, but not for SETTLE_S since the last save
    outcome = dev.poll(now=t + SETTLE_S * 3)
    assert outcome is not None and outcome.state is not None
    assert "papers/doe-2020/" in outcome.rendered
    html = (dev.options.output / "papers/doe-2020/index.html").read_text(encoding="utf-8")
    assert "A second title" in html and "A first title" not in html
    assert dev.poll(now=t + 100) is None  # nothing new: no rebuild


def test_broken_content_keeps_the_last_good_site_and_reports_path_line_message(dev):
    paper = dev.options.content / "papers" / "doe-2020.md"
    good = (dev.options.output / "papers/doe-2020/index.html").read_text(encoding="utf-8")
    touch_later(paper, "---\ntitle: A study\nauthors: [Doe J\nyear: 2020\n---\n")
    dev.poll(now=0.0)
    assert dev.poll(now=10.0) is not None
    status = json.loads(dev.status.json())
    assert status["ok"] is False and status["title"] == "build failed: 1 error, 0 warnings"
    assert len(status["diagnostics"]) == 1
    assert re.fullmatch(rf"{re.escape(str(paper))}:\d+: error: YAML syntax error: .* \[yaml\.syntax\]",
                        status["diagnostics"][0]), status
    assert status["diagnostics"][0] in dev.logs  # the terminal shows the same line
    assert dev.logs[-2:] == ["build failed: 1 error, 0 warnings", "still serving the last good site"], dev.logs
    assert (dev.options.output / "papers/doe-2020/index.html").read_text(encoding="utf-8") == good

    # a second, unrelated edit while broken: both are applied once the file is fixed
    touch_later(dev.options.content / "theories" / "T1.md", THEORY.replace("Theory one", "Theory uno"))
    dev.poll(now=20.0)
    dev.poll(now=30.0)
    assert json.loads(dev.status.json())["ok"] is False
    touch_later(paper, PAPER.replace("A study", "A fixed study"))
    dev.poll(now=40.0)
    outcome = dev.poll(now=50.0)
    assert outcome is not None and outcome.state is not None
    status = json.loads(dev.status.json())
    assert status["ok"] is True and status["diagnostics"] == []
    assert "A fixed study" in (dev.options.output / "papers/doe-2020/index.html").read_text(encoding="utf-8")
    assert "Theory uno" in (dev.options.output / "theories/T1/index.html").read_text(encoding="utf-8")


def test_deleted_file_removes_its_page_and_links_to_it_become_diagnostics(dev):
    theory = dev.options.content / "theories" / "T1.md"
    theory.unlink()
    dev.poll(now=0.0)
    dev.poll(now=10.0)
    status = json.loads(dev.status.json())
    assert status["ok"] is False
    assert any(d.startswith(f"{dev.options.content}/papers/doe-2020.md:5: error: unknown theory id 'T1' "
                            "in 'theories'") for d in status["diagnostics"]), status
    assert (dev.options.output / "theories/T1/index.html").is_file()  # last good site
    paper = dev.options.content / "papers" / "doe-2020.md"
    touch_later(paper, PAPER.replace("theories: [T1]\n", ""))
    dev.poll(now=20.0)
    outcome = dev.poll(now=30.0)
    assert outcome is not None and "theories/T1/" in outcome.removed
    assert not (dev.options.output / "theories/T1").exists()


def test_snapshot_skips_hidden_and_editor_temp_files(tmp_path):
    (tmp_path / "papers").mkdir()
    for name in ("a.md", ".a.md.swp", "a.md~", ".#a.md"):
        (tmp_path / "papers" / name).write_text("x", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index").write_text("x", encoding="utf-8")
    assert sorted(Path(p).name for p in snapshot((tmp_path,))) == ["a.md"]


# --- over HTTP ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(content: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--content", str(content),
                             "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=str(content.parent))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            urllib.request.urlopen(url + "/__evidence-explorer__/status.json", timeout=2).read()
            return proc, url
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("serve did not start within 90 s")


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


def test_serve_injects_the_overlay_only_into_served_html(make_site, tmp_path):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    out = tmp_path / "served"
    proc, url = start_serve(content, "--output", str(out), "--no-search")
    try:
        html = urllib.request.urlopen(url + "/papers/doe-2020/", timeout=10).read().decode()
        head = html.split("</head>")[0]
        assert '<script src="/__evidence-explorer__/overlay.js" defer></script>' in head
        assert "livereload.js" in head
        on_disk = (out / "papers/doe-2020/index.html").read_text(encoding="utf-8")
        assert "__evidence-explorer__" not in on_disk and "livereload" not in on_disk
        js = urllib.request.urlopen(url + "/__evidence-explorer__/overlay.js", timeout=10).read().decode()
        assert "ee-dev-overlay" in js
        css = urllib.request.urlopen(url + "/static/style.css", timeout=10).read().decode()
        assert css == (out / "static/style.css").read_text(encoding="utf-8")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(url + "/no/such/page/", timeout=10)
        assert missing.value.code == 404 and b"overlay.js" in missing.value.read()
        with pytest.raises(urllib.error.HTTPError) as outside:
            urllib.request.urlopen(url + "/..%2f..%2fetc/passwd", timeout=10)
        assert outside.value.code in (403, 404)
    finally:
        log = stop(proc)
    assert "built" in log and f"serving on {url}/" in log


def test_serve_without_output_uses_a_temporary_folder(make_site, tmp_path):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    proc, url = start_serve(content, "--no-search")
    try:
        assert b"A study" in urllib.request.urlopen(url + "/papers/doe-2020/", timeout=10).read()
    finally:
        stop(proc)
    assert not (content.parent / "site").exists()  # nothing written next to the content


def wait_for(predicate, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


def test_exports_follow_in_the_background(dev):
    evidence = dev.options.output / "data" / "evidence.json"
    wait_for(lambda: dev.refresher.done >= 1)
    done = dev.refresher.done
    touch_later(dev.options.content / "papers" / "doe-2020.md", PAPER.replace("A study", "A retitled study"))
    dev.poll(now=0.0)
    outcome = dev.poll(now=10.0)
    assert outcome is not None and "data/evidence.json" not in outcome.written  # pages first…
    assert wait_for(lambda: dev.refresher.done > done)  # …then the exports
    paper = next(p for p in json.loads(evidence.read_text(encoding="utf-8"))["papers"] if p["id"] == "doe-2020")
    assert paper["title"] == "A retitled study"
    assert not list(dev.options.output.rglob(".*.refresh"))  # written beside, renamed into place


def test_search_index_is_refreshed_after_a_rebuild(make_site, tmp_path):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    logs: list[str] = []
    dev = DevServer(BuildOptions(content=content, output=tmp_path / "out", search=True), log=logs.append)
    dev.build()
    assert wait_for(lambda: dev.refresher.indexed >= 1), logs
    assert (dev.options.output / "pagefind" / "pagefind.js").is_file()
    entry = (dev.options.output / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8")
    touch_later(content / "papers" / "doe-2020.md", PAPER.replace("Body of the study.", "Zymurgyword appears."))
    dev.poll(now=0.0)
    assert dev.poll(now=10.0) is not None
    assert wait_for(lambda: dev.refresher.indexed >= 2), logs
    assert (dev.options.output / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8") != entry
    assert wait_for(lambda: not list(dev.options.output.parent.glob(".search-*")), 10)  # snapshots removed


def test_background_refresh_never_forks_and_reports_failures(dev, monkeypatch):
    """A process with threads must not fork (the child can hang on a lock another thread held:
    issue 14, item 3): the refresh runs in a thread of the serving process."""
    import evidence_explorer.dev.serve_refresh as refresh_module
    assert wait_for(lambda: not dev.refresher.running)
    ran_in: list[tuple[int, str]] = []

    def failing_write_extras(state, files=None, guard=None, write=None):
        import threading
        ran_in.append((os.getpid(), threading.current_thread().name))
        raise RuntimeError("exports exploded")

    def no_fork():
        raise AssertionError("serve forked")

    monkeypatch.setattr(refresh_module, "write_extras", failing_write_extras)
    monkeypatch.setattr(os, "fork", no_fork)
    done = dev.refresher.done
    dev.refresher.request(dev.state)
    assert wait_for(lambda: dev.refresher.done > done)
    assert "background refresh failed: RuntimeError: exports exploded" in dev.logs  # type: ignore[attr-defined]
    assert ran_in == [(os.getpid(), "site-refresh")]


def test_serve_on_a_busy_port_fails_before_building(make_site, tmp_path):
    """The port is bound first: a busy one is reported at once, with nothing built or written."""
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = tmp_path / "out"
        run = subprocess.run([sys.executable, str(ROOT / "build.py"), "serve", "--content", str(content),
                              "--output", str(out), "--port", str(port), "--no-search"],
                             capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert f"cannot serve on 127.0.0.1:{port}" in run.stderr
    assert "built" not in run.stderr and not out.exists()


def test_background_refresh_waits_while_a_build_runs(dev):
    """The refresh shares the interpreter with the builds (one thread runs Python at a time), so it
    pauses while one runs (``BackgroundRefresher.building``) and goes on after it."""
    import time
    assert wait_for(lambda: not dev.refresher.running)
    done = dev.refresher.done
    with dev.refresher.building():
        dev.refresher.request(dev.state)
        time.sleep(0.5)
        assert dev.refresher.running and dev.refresher.done == done
    assert wait_for(lambda: dev.refresher.done > done)
