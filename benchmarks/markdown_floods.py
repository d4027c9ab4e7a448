"""Time Python-Markdown (as Evidence Explorer configures it) on pathological bodies ("floods").

Each flood is one repeated unit (``[[``, ``[a](``, backticks, ``- `` nesting, …) written at several
sizes; the script prints the render time per KB at each size. Linear growth shows as a flat
ms/KB column; a super-linear pattern shows as a column that doubles (or worse) with each size.
A flood that ``markdown_limits.check_markdown`` refuses is reported as refused (with its located message):
refusing is how the build stays linear on it.

    .venv/bin/python benchmarks/markdown_floods.py               # every flood at 4, 8, 16, 32 KB
    .venv/bin/python benchmarks/markdown_floods.py --sizes 1 2 4 --raw   # render even refused bodies
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evidence_explorer.site import markup  # noqa: E402
from evidence_explorer.content.markdown_limits import MarkdownTooComplex, check_markdown  # noqa: E402

FLOODS: dict[str, str] = {
    "[[": "[[",
    "[": "[",
    "[a](": "[a](",
    "![": "![",
    "[[a|": "[[a|",
    "backtick": "`a",
    "backticks": "``",
    "fence": "```\n",
    "hard-break": "a  \n",
    "emphasis": "*a",
    "strong": "**a",
    "underscore": "_a",
    "<": "<",
    "&": "&a",
    "list nesting": "- ",
    "quote nesting": "> ",
    "ordered nesting": "1. ",
    "indented list": None,  # built below: each line one level deeper
    "table": "|a",
    "prose": "The quick brown fox jumps over the lazy dog. ",
    "wiki links": "See [[paper-x]] and [[paper-y|this study]], *also* `code`.\n",
    "links in lists": "- [[paper-x]]: a [link](https://example.org/) and _notes_\n",
}


def body(name: str, unit: str | None, size: int) -> str:
    if unit is None:
        lines, n = [], 0
        while sum(map(len, lines)) < size:
            lines.append("    " * n + "- a\n")
            n += 1
        return "".join(lines)
    return (unit * (size // len(unit) + 1))[:size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16, 32], help="sizes in KB")
    parser.add_argument("--raw", action="store_true", help="render bodies that check_markdown refuses too")
    parser.add_argument("--only", nargs="*", help="flood names")
    args = parser.parse_args()
    renderer = markup.MarkdownRenderer(lambda _id: ("/x/", "X"))
    print(f"{'flood':16}" + "".join(f"{s:>9} KB" for s in args.sizes) + "   (ms per KB)")
    for name, unit in FLOODS.items():
        if args.only and name not in args.only:
            continue
        cells = []
        for kb in args.sizes:
            text = body(name, unit, kb * 1024)
            try:
                check_markdown(text)
            except MarkdownTooComplex:
                if not args.raw:
                    cells.append(f"{'refused':>12}")
                    continue
            start = time.perf_counter()
            renderer.block(text)
            elapsed = time.perf_counter() - start
            cells.append(f"{elapsed * 1000 / kb:12.2f}")
        print(f"{name:16}" + "".join(cells), flush=True)


if __name__ == "__main__":
    main()
