"""Rebuild time of ``serve`` per kind of edit: ``python benchmarks/serve_edits.py CONTENT [--runs 3]``.

Runs serve's full build (:func:`evidence_explorer.dev.incremental.full_build`) of CONTENT (a synthetic
base from benchmarks/synth.py) into a temporary folder, then for each kind of edit (a CMOC's outcome,
title, status, direction and theory relation, a paper's title, a theory's title) edits one file,
rebuilds (:func:`~evidence_explorer.dev.incremental.rebuild`, the exports left to the background as
``serve`` does) and restores it; the edit is applied ``--runs`` times on different entities. Prints wall
and CPU milliseconds per edit, their medians, whether the specs were recomputed in proportion, and the
load average. ``--profile KIND`` prints a cProfile of that kind's rebuilds instead. The content folder
is restored as it was.
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
from pathlib import Path
from typing import Callable

EDITS: dict[str, tuple[str, Callable[[str, int], str]]] = {
    "cmoc-text": ("cmocs", lambda t, k: t.replace("\noutcome: '", f"\noutcome: 'Edited {k}. ", 1)),
    "cmoc-title": ("cmocs", lambda t, k: t.replace("\ntitle: '", f"\ntitle: 'Edited {k} ", 1)),
    "cmoc-status": ("cmocs", lambda t, k: _swap_line(t, "status:", ("agreed", "contested", "proposed"))),
    "cmoc-direction": ("cmocs", lambda t, k: _swap_line(t, "direction:", ("enabler", "barrier"))),
    "cmoc-relation": ("cmocs", lambda t, k: _swap_line(t, "  relation:", ("supports", "refutes", "refines"))),
    "paper-title": ("papers", lambda t, k: t.replace("\ntitle: '", f"\ntitle: 'Edited {k} ", 1)),
    "theory-title": ("theories", lambda t, k: t.replace("\ntitle: '", f"\ntitle: 'Edited {k} ", 1)),
}


def _swap_line(text: str, key: str, values: tuple[str, ...]) -> str:
    """The first line ``key value`` with value replaced by the next one of ``values``."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(key + " "):
            value = line[len(key) + 1:].strip()
            new = values[(values.index(value) + 1) % len(values)] if value in values else values[0]
            lines[i] = f"{key} {new}"
            return "\n".join(lines)
    raise SystemExit(f"no line {key!r} to edit")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("content", type=Path)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", action="append", choices=list(EDITS))
    p.add_argument("--profile", choices=list(EDITS))
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args(argv)
    from evidence_explorer.dev.changes import Changes
    from evidence_explorer.dev.incremental import full_build, rebuild
    from evidence_explorer.pipeline import BuildOptions
    content = args.content.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        state = full_build(BuildOptions(content=content, output=Path(tmp) / "site", search=False)).state
        assert state is not None
        print(f"full build {time.perf_counter() - start:.1f} s, load {os.getloadavg()}", file=sys.stderr)
        profiler = cProfile.Profile() if args.profile else None
        for kind in [args.profile] if args.profile else args.only or list(EDITS):
            folder, edit = EDITS[kind]
            files = sorted((content / folder).glob("*.md"))
            walls, cpus, prop = [], [], []
            for k in range(args.runs):
                path = files[(k * 7919 + 11) % len(files)]
                rel = path.relative_to(content).as_posix()
                original = path.read_text()
                try:
                    path.write_text(edit(original, k))
                    wall, cpu = time.perf_counter(), time.process_time()
                    out = (profiler.runcall(rebuild, state, Changes(frozenset({rel})), None, False) if profiler
                           else rebuild(state, Changes(frozenset({rel})), None, False))
                    walls.append((time.perf_counter() - wall) * 1000)
                    cpus.append((time.process_time() - cpu) * 1000)
                    assert out.state is not None, out.report
                    prop.append(out.proportional)
                finally:
                    path.write_text(original)
                    state = rebuild(out.state, Changes(frozenset({rel})), None, False).state
            print(f"{kind:15} wall ms {statistics.median(walls):8.0f}  cpu ms {statistics.median(cpus):8.0f}  "
                  f"proportional {prop}  walls {[round(w) for w in walls]}  load {os.getloadavg()[0]:.2f}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
