"""Profile one build: ``python benchmarks/profile_build.py CONTENT [--jobs N] [--top 40]``.

Runs :func:`evidence_explorer.pipeline.build` (search off) under cProfile, into a
temporary output directory, and prints the functions with the most cumulative
and own time. Used to find the hot spots described in docs/performance.md.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("content", type=Path)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--sort", default="cumulative,tottime")
    args = p.parse_args(argv)
    from evidence_explorer.pipeline import BuildOptions, build
    with tempfile.TemporaryDirectory() as tmp:
        options = BuildOptions(content=args.content, output=Path(tmp) / "site", search=False, jobs=args.jobs)
        profiler = cProfile.Profile()
        result = profiler.runcall(build, options)
        print(f"written: {result.written}, pages: {len(result.pages)}", file=sys.stderr)
    stats = pstats.Stats(profiler)
    for key in args.sort.split(","):
        stats.sort_stats(key).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
