"""Time each stage of one build through the command: ``python benchmarks/phases.py CONTENT OUTPUT [build options]``.

Runs ``evidence-explorer build --content CONTENT --output OUTPUT --no-search --quiet`` (plus any
options given after OUTPUT) in this process, with a wall-clock timer around each stage function
that ``pipeline`` and ``commands/`` call: imports, the wait for the up-to-date probe (signed in a
forked child while the program is imported: ``commands/head_start.py``), load and
validation, link, check, the page specs beside the exports, the render, the swap and the manifest.
The build is the real one (default options: worker processes, caches); only the timers are added.
For A/B runs, alternate builds of two checkouts (``PYTHONPATH=<checkout>``) into fresh output
folders on the same disk (docs/performance.md, "fourteenth pass").
"""
from __future__ import annotations

import functools
import sys
import time

START = time.perf_counter()

from evidence_explorer import cli, pipeline  # noqa: E402  (timed: the imports are a stage)
from evidence_explorer.dev import snapshot_build  # noqa: E402
from evidence_explorer.commands import build_steps  # noqa: E402

STAGES = ((pipeline, ("load_config", "load_and_validate", "link", "check", "read_history", "nav_items",
                      "last_updated", "open_staging", "side_by_side", "write_files", "release_free_memory",
                      "render_in_workers", "swap")),
          (snapshot_build, ("finish",)))
NAMES = {"side_by_side": "specs beside exports", "finish": "manifest", "render_in_workers": "render"}


def probe_waited(rows: list[tuple[str, float]]) -> None:
    """Time the wait for the head start's probe (its getter), in this process."""
    real = build_steps.run

    @functools.wraps(real)
    def wrapper(args, options, write, head, *rest):
        probe = head.probe

        def waited():
            start = time.perf_counter()
            try:
                return probe()
            finally:
                rows.append(("probe (waited for)", time.perf_counter() - start))
        head.probe = waited
        return real(args, options, write, head, *rest)
    build_steps.run = wrapper


def timed(rows: list[tuple[str, float]], module: object, name: str) -> None:
    real = getattr(module, name)

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            rows.append((NAMES.get(name, name), time.perf_counter() - start))
    setattr(module, name, wrapper)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    rows: list[tuple[str, float]] = [("imports", time.perf_counter() - START)]
    for module, names in STAGES:
        for name in names:
            timed(rows, module, name)
    probe_waited(rows)
    start = time.perf_counter()
    code = cli.main(["build", "--content", argv[0], "--output", argv[1], "--no-search", "--quiet", *argv[2:]])
    total = time.perf_counter() - start
    for name, seconds in rows:
        if seconds >= 0.01:
            print(f"{name:24s} {seconds:6.2f} s")
    print(f"{'build (after imports)':24s} {total:6.2f} s, exit {code}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
