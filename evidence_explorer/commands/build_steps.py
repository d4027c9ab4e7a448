"""``build`` and ``check`` once their options are known (``commands/build.py``): the up-to-date
check, the build through the snapshot or the pipeline, the report, the offline copy."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..content.diagnostics import Report, Severity
from ..content.textsafe import escape_controls
from ..options import BuildOptions
from ..dev import page_cache, snapshot, snapshot_build
from ..pipeline import build
from ..site.publish import remove_abandoned
from ..speed import uptodate
from ..speed.memory import collector_paused
from .head_start import HeadStart


def print_report(report: Report, strict: bool, quiet: bool, stream=None, verb: str = "build") -> None:
    stream = stream or sys.stderr
    shown = [d for d in report.sorted() if not (quiet and d.severity is Severity.NOTE)]  # notes aren't problems
    for d in shown:
        print(d.format(), file=stream)
    if shown or not quiet:
        if report.failed(strict) or shown:
            print(report.summary(strict, verb), file=stream)


def offline(args: argparse.Namespace) -> int:
    from ..site.offline import OfflineError, write_offline
    try:
        count = write_offline(Path(args.output), args.offline)
    except OfflineError as exc:
        print(escape_controls(f"error: {exc}"), file=sys.stderr)
        return 2
    except OSError as exc:
        print(escape_controls(f"error: cannot write the offline copy {args.offline}: {exc.strerror or exc}"), file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"wrote an offline copy of {count} files to {args.offline} (open its index.html)", file=sys.stderr)
    return 0


def run(args: argparse.Namespace, options: BuildOptions, write: bool, head: HeadStart, start: float,
        kept: list) -> int:
    """The build (``write``) or check asked for; ``head``: the probe and snapshot read begun
    (:mod:`.head_start`); ``kept``: where the build's state is kept to the end."""
    wanted = write and options.cache and getattr(args, "page_cache", False)
    if write:
        snapshot.wait_for_writer(options.output)  # the last build may still be saving its snapshot
    if write and not options.cache:
        uptodate.forget(options.output)
    if write and not wanted:  # off unless asked for: its state and spare site would only go stale
        page_cache.forget(options.output)
        snapshot.forget(options.output)
    probe = head.probe()  # (signed in a forked child while this process imported the build)
    if probe is not None and probe.fresh is not None:
        return _up_to_date(args, options, probe, start)
    inputs = probe.inputs if wanted and probe is not None else None
    if inputs is not None:
        quick = snapshot_build.try_build(options, inputs, head.payload)
        if quick is not None:
            kept[:] = [quick]
            return _built(args, options, inputs, quick.report, quick.pages, start, quick.snapshot, quick=True)
    if head.payload is not None:
        head.payload()  # (its thread gone, so that the build's workers can fork)
    pages = page_cache.PageCache(options, inputs) if inputs is not None else None
    result = build(options, write=write, render=pages.render if pages else None, spare=pages is not None,
                   export=snapshot_build.export_stage(options) if pages is not None else None)
    print_report(result.report, args.strict, args.quiet, verb="build" if write else "check")
    if result.config_failed:
        return 2
    if result.report.failed(args.strict) or (write and not result.written):
        return 1
    snap = None
    kept[:] = [result]
    if pages is not None and inputs is not None:
        with collector_paused():  # (as in :func:`_built`: 0.5 s walking the build's objects for nothing)
            pages.save()
            snap = snapshot_build.after_build(options, inputs, result, pages)
    if write:
        return _built(args, options, probe.inputs if probe else None, result.report, len(result.pages), start, snap,
                      shown=True)
    if not args.quiet:
        n = sum(1 for _ in result.corpus.all()) if result.corpus else 0
        print(f"checked {n} files in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


def _built(args: argparse.Namespace, options: BuildOptions, inputs: uptodate.Inputs | None, report: Report,
           pages: int, start: float, snap: snapshot.Snapshot | None = None, shown: bool = False,
           quick: bool = False) -> int:
    """The end of a build that wrote the site (``shown``: its report is printed already; ``pages`` < 0:
    failed): the up-to-date manifest and the snapshot saved (in the background with a snapshot)."""
    if not shown:
        print_report(report, args.strict, args.quiet)
        if pages < 0 or report.failed(args.strict):
            return 1
    if inputs is not None:
        with collector_paused():  # the manifest's few objects are no garbage; a collection here walked
            snapshot_build.finish(options, inputs, report, pages, snap, quick)  # the whole build's (0.6 s)
    if not args.quiet:
        print(f"built {pages} pages into {options.output} in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


def _up_to_date(args: argparse.Namespace, options: BuildOptions, probe: uptodate.Probe, start: float) -> int:
    """Nothing changed since the last successful build: its diagnostics again, nothing written."""
    manifest = probe.fresh
    assert manifest is not None and probe.inputs is not None
    remove_abandoned(options.output.resolve())  # a killed build's leftovers go even when nothing is built
    report = uptodate.replay(manifest)
    print_report(report, args.strict, args.quiet)
    if report.failed(args.strict):
        return 1
    if probe.refresh:  # touched files were re-hashed: remember their stat (the site is not touched)
        uptodate.write_manifest(uptodate.manifest_path(options.output), uptodate.refreshed(manifest, probe.inputs))
    if not args.quiet:
        print(f"{options.output} is up to date ({manifest.pages} pages, nothing changed since the last "
              f"build) in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0
