"""When an edit is visible in ``serve``, per kind of edit: ``python benchmarks/serve_visible.py CONTENT [--runs 3]``.

Runs ``serve``'s engine as ``serve`` does (a :class:`~evidence_explorer.dev.serve.DevServer` showing the
edited entity's own page first, fed by file events) on CONTENT (a synthetic base from
benchmarks/synth.py), then for each kind of edit of :mod:`serve_edits` (a CMOC's outcome, title,
status, direction and theory relation, a paper's title, a theory's title) edits one file and times,
from the write: **visible**, when the edited entity's own page on disk has changed (what the author
looking at it sees after the reload; the file event and its settling included), and **complete**,
when the rest of the rebuild is written too (every other page; until then ``serve`` holds requests
for them). ``--view-theory``: as if a browser showed the edited CMOC's first theory page too, which
is then rendered with the edited page before either is written. Medians over ``--runs`` entities per
kind; the load average at the end. The content is restored.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from serve_edits import EDITS
from watching import drain, read, watch


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("content", type=Path)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", action="append", choices=list(EDITS))
    p.add_argument("--view-theory", action="store_true",
                   help="as if a browser showed the edited CMOC's first theory page too (it is then shown first)")
    args = p.parse_args(argv)
    from evidence_explorer.content import urls
    from evidence_explorer.dev.serve import DevServer
    from evidence_explorer.pipeline import BuildOptions
    content = args.content.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        dev = DevServer(BuildOptions(content=content, output=out, search=False), log=lambda text: None, early=True)
        start = time.perf_counter()
        dev.build()
        print(f"full build {time.perf_counter() - start:.1f} s, load {os.getloadavg()[0]:.2f}", flush=True)
        watcher, _lock, delivered = watch(dev, print)
        try:
            for kind in args.only or list(EDITS):
                folder, edit = EDITS[kind]
                files = sorted((content / folder).glob("*.md"))
                visible, complete = [], []
                for k in range(args.runs):
                    path = files[(k * 7919 + 11) % len(files)]
                    rel = path.relative_to(content).as_posix()
                    page = out / urls.output_path(dev.state.entities[rel].page_url)
                    before, original = page.read_bytes(), path.read_text()
                    edited = dev.state.entities[rel]
                    if args.view_theory and edited.kind == "cmoc" and edited.theories:
                        theory = dev.state.corpus.get(edited.theories[0].theory)
                        dev.viewed(urls.output_path(theory.page_url))
                    try:
                        start = time.perf_counter()
                        path.write_text(edit(original, k))
                        while read(page) == before:
                            if time.perf_counter() - start > 300:
                                raise SystemExit(f"serve did not rewrite {page} after editing {rel}")
                            time.sleep(0.001)
                        visible.append((time.perf_counter() - start) * 1000)
                        delivered.get(timeout=300)  # the batch whose rebuild showed the page
                        dev.settle()
                        complete.append((time.perf_counter() - start) * 1000)
                    finally:
                        path.write_text(original)
                        drain(delivered)
                        dev.settle()
                print(f"{kind:15} visible ms {statistics.median(visible):7.0f}  complete ms "
                      f"{statistics.median(complete):7.0f}  visible {[round(x) for x in visible]}  complete "
                      f"{[round(x) for x in complete]}  load {os.getloadavg()[0]:.2f}", flush=True)
        finally:
            watcher.stop()
            dev.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
