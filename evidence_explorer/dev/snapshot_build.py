"""``build --page-cache`` in proportion to the edit: ``serve``'s incremental engine, from a snapshot.

A build with the page cache ends by saving :mod:`.snapshot` (:func:`save_after_build`). The next one
(:func:`try_build`) takes this path only when nothing is in doubt:

- the snapshot verifies (sealed by this user, only admitted classes) and its key is this build's:
  the up-to-date check's key (the tool's code, templates and libraries, the options that shape the
  output, the content and output folders, git's HEAD and environment), ``site.yaml``'s digest and
  the fast paths;
- the published site and the spare site (the one the last build replaced) are as recorded: root
  inodes, every folder's stat and every spare file's stat (taken by a forked child while this
  process unpickles the rest of the snapshot: :func:`..speed.parallel.in_child`);
- the last build reported nothing but the integrity checks' findings (so the diagnostics of files
  not read again are known: none), and so does this one.

Then the content files whose digest changed (``uptodate``'s signature: a touched file is hashed, an
unchanged stat trusted) go through :func:`.incremental.advance`: re-read, re-link, re-specify and
render only what they affect, exactly as ``serve`` does (its rebuilds are tested equal to cold
builds). The spare is brought up to date and swapped in, as the page cache does: every page is
rendered now, or holds the bytes it had in the last build: left as it is when the spare has them,
else copied from the published site (after checking its stat and digest). The exports are joined
from per-entity fragments the snapshot keeps (:mod:`.export_memo`; after a text edit only the edited
entities' are computed; a full build's export stage writes them too, :func:`export_stage`), the
sitemap and charts computed in full.
The snapshot, the up-to-date manifest (the site signed from the build's record: :func:`signed`)
and the sites' record are saved by a forked child after the swap (:func:`.snapshot.in_background`);
the next build waits for it (about 2-3 s at 5,000 papers, so only a build started right after
another one does). When the build left no spare (a cold build into an empty output), that child
first copies the published pages into one (:mod:`.spare`: 4-17 s more at 5,000 papers on this
machine's disk), so the build after a cold build goes through the snapshot too. Anything else (no snapshot,
another key, an error or other warning, a spare not as recorded) means the page cache's full build,
which saves a new snapshot.
``tests/test_differential.py`` compares every build of generated edit sequences, through this path,
with a cold one-process build, byte for byte.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple

from ..content import integrity
from ..content.diagnostics import BuildError, Report
from ..content.link import Corpus
from ..exports.layout import Layout
from ..options import BuildOptions
from ..pipeline import PLAIN_ENV, BuildResult, ExportStage, corpus_layouts
from ..site.publish import (MARKER, OutputError, check_output, describe_os_error, is_mount_point, remove_folder,
                            remove_tree, spare_path, swap, write_staging)
from ..site.search_index import index_site
from ..site.static_files import static_outputs
from ..site.views.home import with_file_sizes
from ..site.views.memo import Memo, flat
from ..speed import uptodate
from ..speed.memory import aged, collector_paused, frozen_heap
from ..speed.parallel import beside, in_child
from . import page_cache, snapshot
from .changes import Changes
from .export_memo import ExportMemo, Placed, extra_layouts
from .export_memo import write_exports as memo_write_exports
from .incremental import SiteState, advance, by_rel, render_recorded
from .snapshot import Snapshot
from . import spare as spare_site
from .spare import copied as copied_spare

FORMAT = 1


@dataclass(frozen=True)
class Done:
    """A build made through the snapshot: its report and page count."""

    report: Report
    pages: int
    """How many pages the site has; -1 when the search index failed (reported, nothing published)."""
    snapshot: Snapshot | None = None
    """The snapshot to save (:func:`finish`)."""


def build_key(options: BuildOptions, inputs: uptodate.Inputs) -> str:
    site_yaml = inputs.content.get("site.yaml")
    return repr((FORMAT, inputs.key, site_yaml[1].hex() if site_yaml else None, str(options.output.resolve()),
                 options.fast_paths))


def usable(options: BuildOptions) -> bool:
    return options.cache and os.environ.get(PLAIN_ENV) != "1"


def only_integrity(corpus: Corpus, findings: tuple[integrity.Finding, ...], report: Report) -> bool:
    """Whether ``report`` holds exactly what the integrity checks report (nothing from loading or linking)."""
    expected = Report()
    integrity.report_findings(corpus, expected, findings)
    return Counter(report.items) == Counter(expected.items)


def changed_files(before: Mapping[str, bytes], now: uptodate.ContentSig) -> frozenset[str]:
    """Content files added, removed or edited (by digest) since the snapshot; site.yaml is in the key."""
    rels = {rel for rel, (_stat, digest) in now.items() if before.get(rel) != digest}
    return frozenset((rels | (before.keys() - now.keys())) - {"site.yaml"})


def try_build(options: BuildOptions, inputs: uptodate.Inputs, read: Callable[[], bytes | None] | None = None
              ) -> Done | None:
    """The build through the snapshot, or None: take the full path (nothing was written). ``read``:
    gives the snapshot's verified payload (read while the program was imported: ``commands/head_start.py``)."""
    output = options.output.resolve()
    if not usable(options) or is_mount_point(output):
        return None
    try:
        check_output(output, options.content.resolve())
    except BuildError:
        return None  # the full build refuses it, after reporting what it reports first
    path = snapshot.snapshot_path(output)
    payload = read() if read is not None else snapshot.payload_of(path)
    head = snapshot.head_of(payload) if payload is not None else None
    if head is None or head.key != build_key(options, inputs):
        return None
    # Beside the unpickling (half a second holding the interpreter lock): the sites' 38,000 stats in a
    # forked child (0.12 s), and the exports' fragments read and verified in a thread (87 MB, 0.06 s).
    with in_child(partial(spare_site.as_recorded, output, head.current, head.spare)) as recorded, \
            beside(snapshot.fragments_source(path.parent)) as fragments:
        snap = snapshot.load(path, head=head, payload=payload)
        del payload
        as_recorded = snap is not None and recorded()
    if snap is None or not (as_recorded or as_recorded is None and spare_site.as_recorded(output, snap.current, snap.spare)):
        return None  # (None: the child could not tell, so this process checks)
    if len(snap.state.exports):
        snap.state.exports.attach(fragments)  # (None: not this memo's file, every fragment computed again)
    with collector_paused():  # the edit's objects are no garbage either, and live to the end (aged)
        with frozen_heap():  # the snapshot lives to the end: collections skip it, workers share it
            ready = _prepare(options, inputs, snap)
            done = None if ready is None else _publish_ready(options, output, inputs, snap, ready)
        aged()  # (a young collection of them when the collector resumed: 17 ms)
    return done


class _Ready(NamedTuple):
    """The edit advanced (:func:`_prepare`): nothing written yet."""

    report: Report
    state: SiteState
    layouts: dict[str, Layout]
    """The exports, each written from its pieces by :func:`_publish` (:meth:`ExportMemo.write`)."""
    files: dict[str, str | bytes]
    """The other files that are not pages (the feed, the sitemap, the charts)."""
    html: dict[str, str]


def _prepare(options: BuildOptions, inputs: uptodate.Inputs, snap: Snapshot) -> _Ready | None:
    """The edit re-read, re-linked and its pages rendered, in memory; None when the full build is to
    report it."""
    report = Report()
    step = advance(replace(snap.state, options=options), Changes(content=changed_files(snap.content, inputs.content)),
                   report)
    if step is None or report.failed(options.strict) or not only_integrity(step.state.corpus, step.state.findings,
                                                                           report):
        return None  # the full build reports everything a cold build reports
    state = step.state
    layouts, files = _extras(state)
    return _Ready(report, replace(state, extras=frozenset({**layouts, **files})), layouts, files, dict(step.html))


def _publish_ready(options: BuildOptions, output: Path, inputs: uptodate.Inputs, snap: Snapshot,
                   ready: _Ready) -> Done:
    report, state = ready.report, ready.state
    snapshot.forget(output)  # from here on the site changes: a killed build leaves no snapshot behind
    page_cache.forget(output)
    try:
        current = _publish(options, output, snap, ready)
    except OSError as exc:
        raise OutputError(f"cannot write the site '{output}': {describe_os_error(exc)}; "
                          "the published site is unchanged") from exc
    if current is None:
        return Done(report, -1)
    spare = page_cache.file_stat(spare_path(output))
    kept = snap.current if spare and spare[3] == snap.current.get("root") else None
    return Done(report, len(state.pages), Snapshot(snapshot.FORMAT, snap.key, _digests(inputs), state, current, kept))


def _extras(state: SiteState) -> tuple[dict[str, Layout], dict[str, str | bytes]]:
    """:func:`pipeline.extra_files` of ``state`` before the joins (:func:`.export_memo.extra_layouts`):
    each export is joined from the exports' per-entity fragments as :func:`_publish` writes it,
    those the snapshot kept when the edit kept them (``incremental.advance``: a text edit), so only
    the edited entities' are computed; all of them after a full build or another edit, which fills
    ``state.exports`` for the next build (about as long as the parts in forked workers were: 3.5-4.1 s
    in one process, 2.6-4.6 s in two at 5,000 papers). Filling them in the snapshot's background
    writer instead was measured and dropped: a build started right after waited for it. The same
    files either way."""
    return extra_layouts(state.corpus, tuple(state.pages.values()), state.base_url, Memo(state.memo, flatten=True))


def _planned_exports(staging: Path, state: SiteState, layouts: Mapping[str, Layout]
                     ) -> tuple[dict[str, int], Callable[[], None]]:
    """Each export's size, and the call that writes them all into ``staging`` from their pieces
    (:meth:`.ExportMemo.planned`)."""
    sizes, writes = {}, []
    for rel, layout in layouts.items():
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        planned = state.exports.planned(layout, os.fspath(path))
        sizes[rel] = planned.size
        writes.append(planned.write)

    def write_all() -> None:
        for write in writes:
            write()
    return sizes, write_all


def _data_page(state: SiteState, sizes: Mapping[str, str | bytes | int]) -> dict[str, str]:
    """The data page, which gives each download's size, rendered with the sizes written."""
    data_page = state.pages.get("data/")
    if data_page is None:
        return {}
    sized = with_file_sizes((data_page,), sizes)
    return render_recorded(state.corpus, sized, state.base_url, state.nav, state.updated, state.env)[0]


def _publish(options: BuildOptions, output: Path, snap: Snapshot, ready: _Ready) -> dict[str, Any] | None:
    """Bring the spare up to date in its staging place, index it, swap it in; the new site's record,
    or None when the search index failed (reported; the published site is unchanged)."""
    report, state, files = ready.report, ready.state, ready.files
    staging = write_staging(output, files, reuse=True)
    try:
        root = page_cache.file_stat(staging)
        if root is None or root[3] != (snap.spare or {}).get("root"):
            raise OSError(0, "the spare site moved")  # not expected: checked just before
        remove_folder(staging / "pagefind")
        sizes, write_exports = _planned_exports(staging, state, ready.layouts)
        with beside(write_exports, raises=True):  # 73 MB at 5,000 papers, in system calls, beside the pages
            html = {**ready.html, **_data_page(state, {**files, **sizes})}
            written: set[str] = set()
            record = spare_site.updated_pages(staging, output, snap, state, html, written)
        expected = set(record)
        others = {MARKER, *files, *sizes, *(f"static/{rel}" for rel, _data in static_outputs())}
        spare = snap.spare or {}
        stale = (set(spare["files"]) | set(spare.get("others", ()))) - expected - others
        page_cache.delete_stale(staging, stale, expected | others)
        current = {"root": root[3], "others": sorted(others), "files": record,  # folders no file was put in or
                   "dirs": page_cache.dir_stats(staging, expected | others,  # taken from: as checked at the start
                                                spare.get("dirs", {}), others | written | stale)}
        if options.search and not index_site(staging, report):
            remove_tree(staging)
            return None
        swap(staging, output, keep=True)
    except BaseException:
        remove_tree(staging)
        raise
    return current


def _digests(inputs: uptodate.Inputs) -> dict[str, bytes]:
    return {rel: digest for rel, (_stat, digest) in inputs.content.items()}


def finish(options: BuildOptions, inputs: uptodate.Inputs | None, report: Report, pages: int,
           snap: Snapshot | None, quick: bool = False) -> None:
    """After a build that published the site: save ``snap`` and the up-to-date manifest, in the
    background (:func:`.snapshot.in_background`) when there is a snapshot, with a spare site copied
    from the published one first when the build left none (:mod:`.spare`: the next build can go
    through the snapshot). ``quick``: the build took this module's path, so the page cache's state
    is written too (the sites, for a full build after this one)."""
    output = options.output.resolve()

    def work() -> None:
        if snap is not None:
            saved = snap
            if saved.spare is None and not is_mount_point(output):
                saved = replace(saved, spare=copied_spare(output, saved.current))
            snapshot.save(snapshot.snapshot_path(output), saved)
            if quick:
                page_cache.write_state(output, "", saved.current, saved.spare)
        uptodate.record(options, inputs, report, pages, signed(output, snap.current) if quick and snap else None)

    if snap is None:
        work()
    else:
        snapshot.in_background(output, work)


def signed(output: Path, current: Mapping[str, Any]) -> uptodate.OutputSig | None:
    """:func:`uptodate.sign_output` of the site this path published, from its record (each page's and
    folder's stat as checked or written) and a stat of the root, the other files and the search
    index: 38,000 stats fewer at 5,000 papers. A record that missed a change only means that the
    next build is not taken to be up to date (``uptodate.same_output`` finds it)."""
    root = str(output)
    sig: uptodate.OutputSig = {rel: tuple(entry[1:]) for rel, entry in current["files"].items()}
    sig.update((f"{rel}/", tuple(stat)) for rel, stat in current["dirs"].items() if stat)
    index = uptodate.sign_output(output / "pagefind") if (output / "pagefind").is_dir() else {}
    if index is None:
        return None
    sig.update((f"pagefind/{rel}", stat) for rel, stat in index.items())
    for rel in ("", *current["others"]):
        stat = page_cache.file_stat(f"{root}/{rel}" if rel else root)
        if stat is None:
            return None
        sig[rel] = tuple(stat)
    return sig


def export_stage(options: BuildOptions) -> ExportStage | None:
    """The export stage of a full build with the page cache that will save a snapshot: it also
    writes the exports' fragments beside it (:func:`.export_memo.write_exports`), for
    :func:`after_build`. None (the default stage) when no snapshot can follow."""
    output = options.output.resolve()
    if not usable(options) or is_mount_point(output):
        return None
    return partial(memo_write_exports, path=snapshot.fragments_path(output), purpose=snapshot.FRAGMENTS)


def _exports(output: Path, result: BuildResult) -> ExportMemo:
    """The memo of the fragments the build's export stage wrote (:func:`export_stage`), its runs'
    items this process's; empty when it wrote none."""
    placed, corpus = result.exported, result.corpus
    if not isinstance(placed, Placed) or corpus is None:
        return ExportMemo()
    layouts = corpus_layouts(corpus, result.base_url, Memo(flat(result.memo))).values()
    return ExportMemo.restored(placed, layouts, snapshot.fragments_source(snapshot.fragments_path(output).parent))


def after_build(options: BuildOptions, inputs: uptodate.Inputs, result: BuildResult,
                pages: page_cache.PageCache) -> Snapshot | None:
    """After a full build with the page cache wrote the site: the snapshot the next build starts from,
    to save with :func:`finish` (none when the build reported more than the integrity findings, or
    rendered plainly). A full build that failed leaves the snapshot as it was: it still describes
    the published site and its spare (their root inodes and stats are checked before it is used)."""
    generation, corpus = pages.generation, result.corpus
    if generation is None or corpus is None or not usable(options) \
            or not only_integrity(corpus, result.findings, result.report):
        snapshot.forget(options.output)
        return None
    strings: dict[str, str] = {}
    deps = {url: tuple(strings.setdefault(i, i) for i in entry[1]) for url, entry in generation["pages"].items()}
    counted = {url: frozenset(strings.setdefault(i, i) for i in entry[2])  # (ids a page only counted)
               for url, entry in generation["pages"].items() if len(entry) > 2}
    specs = MappingProxyType({p.url: p for p in result.pages})
    state = SiteState(options, result.base_url, corpus, by_rel(corpus), specs, MappingProxyType(deps), result.nav,
                      frozenset(result.extras), result.updated, None,  # type: ignore[arg-type]  (no Jinja env)
                      result.memo, result.findings, counted=MappingProxyType(counted),
                      exports=_exports(options.output.resolve(), result))
    current = {k: v for k, v in generation.items() if k != "pages"}
    kept = pages.kept_spare()
    spare = {k: v for k, v in kept.items() if k != "pages"} if kept else None
    return Snapshot(snapshot.FORMAT, build_key(options, inputs), _digests(inputs), state, current, spare)
