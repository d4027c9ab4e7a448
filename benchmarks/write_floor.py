"""The floor of writing a site: ``python benchmarks/write_floor.py SITE [--jobs 2] [--cut BYTES]``.

Reads every file of an already-built site into memory, then writes them into a fresh sibling
directory with ``--jobs`` forked processes (interleaved shares, as the render workers do), and
prints the wall time. No generator can write that output faster on the same disk, so this bounds a
cold build from below (docs/performance.md, "Where we stand"). ``--cut`` writes only the first
BYTES of each file, to tell the cost of creating files from the cost of their bytes. Linux/macOS
(fork); the copy is deleted afterwards.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path


def write_share(files: list[tuple[str, bytes]], target: Path, cut: int | None) -> None:
    for rel, data in files:
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if cut is None else data[:cut])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("site", type=Path)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--cut", type=int, default=None, metavar="BYTES")
    args = p.parse_args(argv)
    files = [(path.relative_to(args.site).as_posix(), path.read_bytes())
             for path in sorted(args.site.rglob("*")) if path.is_file()]
    target = args.site.parent / f".{args.site.name}.write-floor-{os.getpid()}"
    shares = [files[k::args.jobs] for k in range(args.jobs)]
    start = time.perf_counter()
    children = []
    for share in shares[1:]:
        pid = os.fork()
        if pid == 0:
            write_share(share, target, args.cut)
            os._exit(0)
        children.append(pid)
    write_share(shares[0], target, args.cut)
    for pid in children:
        os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    shutil.rmtree(target, ignore_errors=True)
    size = sum(len(d) if args.cut is None else min(len(d), args.cut) for _r, d in files)
    print(f"{len(files)} files, {size / 1e6:.0f} MB written with {args.jobs} process(es) in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
