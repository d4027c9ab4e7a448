"""Where a serve rebuild's time goes: ``python benchmarks/serve_phases.py CONTENT [--edits 5] [--kind cmoc-text]``.

Runs serve's full build of CONTENT (a synthetic base from benchmarks/synth.py) into a temporary
folder, then edits one file at a time (the kinds of :mod:`serve_edits`) and times each phase of
:func:`evidence_explorer.dev.incremental.rebuild` (re-read, re-link with the integrity checks, page
specs, render, dependency index, writes), wall and CPU, then the background refresh's exports
(:func:`~evidence_explorer.dev.incremental.write_extras`: the kept fragments joined, compared with
the files and written). ``--exports`` also times the cold export parts and the first fill of the
fragments; ``--profile`` prints a cProfile of three more rebuilds. The content is restored.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from serve_edits import EDITS

PHASES = ("_reread", "_relink", "_respec", "render_recorded", "update_users", "write_pages", "advance")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("content", type=Path)
    p.add_argument("--edits", type=int, default=5)
    p.add_argument("--kind", choices=list(EDITS), default="cmoc-text")
    p.add_argument("--exports", action="store_true")
    p.add_argument("--profile", action="store_true")
    args = p.parse_args(argv)
    from evidence_explorer.dev import incremental
    from evidence_explorer.pipeline import BuildOptions, extra_parts
    from evidence_explorer.site.views.memo import Memo
    times: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for name in PHASES:
        _time(incremental, name, times)
    content = args.content.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        state = incremental.full_build(BuildOptions(content=content, output=Path(tmp) / "site", search=False)).state
        assert state is not None
        print(f"full build {time.perf_counter() - start:.1f} s, load {os.getloadavg()}")
        times.clear()
        if args.exports:
            for part in extra_parts(state.corpus, tuple(state.pages.values()), state.base_url, Memo(state.memo)):
                with _timer() as took:
                    files = part()
                print(f"cold export part {sorted(files)[:3]}…: {took()}")
            with _timer() as took:
                incremental.write_extras(state)
            print(f"first fill of the fragments, compared and written: {took()}")
        folder, edit = EDITS[args.kind]
        files = sorted((content / folder).glob("*.md"))
        state = _edits(state, files, edit, content, args.edits, 0, args.exports, None)
        for name in PHASES:
            xs = times[name]
            print(f"  {name:16} median wall {statistics.median(x[0] for x in xs):7.1f} ms, "
                  f"cpu {statistics.median(x[1] for x in xs):7.1f} ms (n={len(xs)})")
        if args.profile:
            profiler = cProfile.Profile()
            _edits(state, files, edit, content, 3, 100, False, profiler)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


def _edits(state, files, edit, content: Path, n: int, offset: int, exports: bool, profiler):
    from evidence_explorer.dev import incremental
    from evidence_explorer.dev.changes import Changes
    walls, cpus = [], []
    for k in range(offset, offset + n):
        path = files[(k * 7919 + 11) % len(files)]
        rel, original = path.relative_to(content).as_posix(), path.read_text()
        try:
            path.write_text(edit(original, k))
            args = (state, Changes(frozenset({rel})), None, False)
            with _timer() as took:
                out = profiler.runcall(incremental.rebuild, *args) if profiler else incremental.rebuild(*args)
            wall, cpu = took.values
            walls.append(wall)
            cpus.append(cpu)
            print(f"edit {k} {rel}: {took()}, rendered {len(out.rendered)}, written {len(out.written)}")
            if exports:
                with _timer() as took:
                    incremental.write_extras(out.state)
                print(f"   exports after it: {took()}")
        finally:
            path.write_text(original)
            state = incremental.rebuild(out.state, Changes(frozenset({rel})), None, False).state
    print(f"median wall {statistics.median(walls):.0f} ms, cpu {statistics.median(cpus):.0f} ms, "
          f"load {os.getloadavg()[0]:.2f}")
    return state


class _timer:
    def __enter__(self):
        self.start = (time.perf_counter(), time.process_time())
        self.values = (0.0, 0.0)
        return self

    def __exit__(self, *_exc) -> None:
        self.values = ((time.perf_counter() - self.start[0]) * 1000, (time.process_time() - self.start[1]) * 1000)

    def __call__(self) -> str:
        return f"wall {self.values[0]:.0f} ms, cpu {self.values[1]:.0f} ms"


def _time(module, name: str, times) -> None:
    real = getattr(module, name)

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            times[name].append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    setattr(module, name, timed)


if __name__ == "__main__":
    sys.exit(main())
