"""Build-time SVG figures: the gap-matrix bubble view (document flows are HTML: flow.py, review.html).

Every function is pure: plain values in, a :class:`~markupsafe.Markup` SVG string out. All text is
escaped here; nothing from content reaches the SVG unescaped. Figures never encode meaning by colour
alone: bubble shapes and labels carry the second dimension, counts are always written as text.
The theory graph lives in :mod:`evidence_explorer.svg_graph`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Collection, Mapping, Sequence

from markupsafe import Markup, escape

INK, MUTED, LINE, SOFT, ACCENT = "#1b1f24", "#4a5560", "#6b7580", "#f3f6f9", "#0b5cad"
SHAPES = ("circle", "square", "diamond", "triangle")
"""Shapes for the values of a matrix's second dimension, in order; the last value cycles."""


def wrap(text: str, width: int, max_lines: int = 4) -> list[str]:
    """Greedy word wrap to ``width`` characters; the last line is shortened with '…' if needed."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    lines = [w if len(w) <= width else w[: width - 1] + "…" for w in lines]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: width - 1] if len(last) >= width else last) + "…"
    return lines or [""]


def num(v: float) -> str:
    """A coordinate: one decimal at most, no trailing zeros (``120``, ``56.5``)."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


FIGURE_STYLE = (
    "<style>"
    ".figure{font-family:system-ui,sans-serif}.figure text{font-size:13px;text-anchor:middle;fill:#1b1f24}"
    ".figure .l{text-anchor:start}.figure .r{text-anchor:end}.figure .b{font-weight:700}"
    ".figure .m{fill:#4a5560}.figure .a{fill:#0b5cad}"
    ".figure .s11{font-size:11px}.figure .s12{font-size:12px}.figure .s14{font-size:14px}"
    ".figure .s15{font-size:15px}"
    ".figure .sh{fill:#0b5cad;fill-opacity:.85;stroke:#1b1f24;stroke-width:1.5}"
    ".figure .hit{fill:#fff;fill-opacity:0}"
    ".figure .gap circle{fill:none;stroke:#6b7580;stroke-dasharray:3 3}"
    ".figure .rule{stroke:#6b7580;stroke-width:.6}"
    ".figure .box{fill:#f3f6f9;stroke:#1b1f24}"
    ".figure .here{fill:#fff;stroke:#0b5cad;stroke-width:2;stroke-dasharray:6 4}"
    ".figure .ink{stroke:#1b1f24;stroke-width:1.5}.figure .dash{stroke:#1b1f24;stroke-dasharray:4 3}"
    ".figure .node{fill:#f3f6f9;stroke:#0b5cad;stroke-width:1.5}"
    ".figure .edge-related{fill:none;stroke:#6b7580;stroke-width:1.3}"
    ".figure .edge-parent{fill:none;stroke:#1b1f24;stroke-width:2.5}"
    ".figure .halo{paint-order:stroke;stroke:#fff;stroke-width:5px;stroke-linejoin:round}"
    "</style>")
"""Presentation of every figure, once per SVG (the same rules in each, so two figures on one page agree).
Shapes and text carry classes instead of repeating fill, stroke and font attributes."""

_FILL_CLASS = {INK: "", MUTED: "m", ACCENT: "a"}
_ANCHOR_CLASS = {"middle": "", "start": "l", "end": "r"}


def svg_text(x: float, y: float, lines: Sequence[str], *, size: int = 13, anchor: str = "middle",
          weight: str = "normal", fill: str = INK, leading: float = 1.25, cls: str = "") -> str:
    """A multi-line ``<text>`` whose first baseline is at ``y``; presentation by class (FIGURE_STYLE)."""
    classes = [cls, "" if size == 13 else f"s{size}", _ANCHOR_CLASS[anchor],
               "b" if weight == "bold" else "", _FILL_CLASS.get(fill, "")]
    c = " ".join(k for k in classes if k)
    attrs = (f' class="{c}"' if c else "") + ("" if fill in _FILL_CLASS else f' fill="{fill}"')
    first, *rest = lines or [""]
    spans = "".join(f'<tspan x="{num(x)}" dy="{num(size * leading)}">{escape(s)}</tspan>' for s in rest)
    return f'<text{attrs} x="{num(x)}" y="{num(y)}">{escape(first)}{spans}</text>'


def shape(kind: str, cx: float, cy: float, r: float) -> str:
    """A shape of about the same area as a circle of radius ``r`` (styled by the ``sh`` class)."""
    if kind == "circle":
        return f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}" class="sh"/>'
    if kind == "square":
        s = r * math.sqrt(math.pi)  # same area as the circle
        return (f'<rect x="{num(cx - s / 2)}" y="{num(cy - s / 2)}" width="{num(s)}" height="{num(s)}" '
                f'class="sh"/>')
    if kind == "diamond":
        d = r * math.sqrt(math.pi / 2) * 1.0
        pts = [(cx, cy - d * 1.15), (cx + d * 1.15, cy), (cx, cy + d * 1.15), (cx - d * 1.15, cy)]
    else:  # triangle
        d = r * 1.55
        pts = [(cx, cy - d), (cx + d * 0.95, cy + d * 0.6), (cx - d * 0.95, cy + d * 0.6)]
    points = " ".join(f"{num(x)},{num(y)}" for x, y in pts)
    return f'<polygon points="{points}" class="sh"/>'


# --- gap matrix bubble view ------------------------------------------------------------------

@dataclass(frozen=True)
class BubbleCell:
    """One non-empty cell: its total, the counts per second-dimension value, where it links, a label."""

    row: int
    column: int
    total: int
    parts: tuple[tuple[str, int], ...]
    """(second-dimension value key, count) for each value present, in legend order."""
    href: str
    label: str
    """Accessible text for the link, e.g. 'R1 × Patient experience: 3 CMOCs'."""


def _empty_cell(cx: float, cy: float, r_max: float, unassessed: bool) -> str:
    """A cell without evidence: a dash and "not assessed", or a dashed circle and "gap"."""
    if unassessed:
        return (f'<g class="na"><path class="rule" d="M{num(cx - 10)} {num(cy)}H{num(cx + 10)}"/>'
                + svg_text(cx, cy + r_max + 4, ["not", "assessed"], size=11, fill=MUTED) + "</g>")
    return (f'<g class="gap"><circle cx="{num(cx)}" cy="{num(cy)}" r="14"/>'
            + svg_text(cx, cy + r_max + 16, ["gap"], size=11, fill=MUTED) + "</g>")


def bubble_matrix(title: str, description: str, rows: Sequence[str], columns: Sequence[str],
                  cells: Sequence[BubbleCell], legend: Sequence[tuple[str, str]], svg_id: str,
                  unassessed: Collection[tuple[int, int]] = ()) -> Markup:
    """The bubble view of a gap matrix.

    ``legend`` is (value key, label) of the second dimension, in order; each value gets a shape from
    :data:`SHAPES`. Bubble area is proportional to the count; each bubble is labelled with its count.
    Empty cells are drawn as a dashed outline with the word "gap"; cells in ``unassessed`` (row,
    column) were not examined and are drawn as a dash with the words "not assessed", never as a gap.
    """
    col_w, row_h, label_w, header_h = 100, 88, 210, 96
    width = label_w + col_w * len(columns) + 10
    legend_h = 44 if legend else 0
    height = header_h + row_h * len(rows) + legend_h + 10
    shape_of = {key: SHAPES[min(i, len(SHAPES) - 1)] for i, (key, _l) in enumerate(legend)}
    biggest = max((n for c in cells for _k, n in (c.parts or (("", c.total),))), default=1)
    r_max = 24 if len(legend) <= 1 else 17
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="figure bubble" id="{escape(svg_id)}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="group" '
           f'aria-labelledby="{escape(svg_id)}-t {escape(svg_id)}-d">',
           f'<title id="{escape(svg_id)}-t">{escape(title)}</title>',
           f'<desc id="{escape(svg_id)}-d">{escape(description)}</desc>', FIGURE_STYLE,
           '<rect width="100%" height="100%" fill="#fff"/>']
    for j, label in enumerate(columns):
        x = label_w + col_w * j + col_w / 2
        lines = wrap(label, 13, 5)
        out.append(svg_text(x, header_h - 10 - 15 * (len(lines) - 1), lines, size=12, weight="bold"))
    if rows:
        out.append('<path class="rule" d="' + "".join(f"M0 {header_h + row_h * i}H{width - 10}"
                                                       for i in range(len(rows))) + '"/>')
    for i, label in enumerate(rows):
        y = header_h + row_h * i
        lines = wrap(label, 29, 3)
        out.append(svg_text(6, y + row_h / 2 - 8 * (len(lines) - 1) + 4, lines, size=12, anchor="start"))
    filled = {(c.row, c.column): c for c in cells}
    for i in range(len(rows)):
        for j in range(len(columns)):
            cx, cy = label_w + col_w * j + col_w / 2, header_h + row_h * i + row_h / 2 - 6
            cell = filled.get((i, j))
            if cell is None:
                out.append(_empty_cell(cx, cy, r_max, (i, j) in unassessed))
                continue
            parts = cell.parts or (("", cell.total),)
            step = col_w / (len(parts) + 1)
            drawn = []
            for k, (key, n) in enumerate(parts):
                x = label_w + col_w * j + step * (k + 1) if len(parts) > 1 else cx
                r = max(4.0, r_max * math.sqrt(n / biggest))
                drawn.append(shape(shape_of.get(key, "circle"), x, cy, r))
                drawn.append(svg_text(x, cy + r_max + 16, [str(n)], size=13, weight="bold"))
            out.append(f'<a href="{escape(cell.href)}" class="cell-link"><title>{escape(cell.label)}</title>'
                       f'<rect x="{label_w + col_w * j + 3}" y="{header_h + row_h * i + 3}" width="{col_w - 6}" '
                       f'height="{row_h - 6}" class="hit"/>{"".join(drawn)}</a>')
    if legend:
        out.append(_shape_legend(legend, shape_of, header_h + row_h * len(rows) + 26))
    out.append("</svg>")
    return Markup("".join(out))


def _shape_legend(legend: Sequence[tuple[str, str]], shape_of: Mapping[str, str], y: float) -> str:
    """'Shape shows:' and each value of the second dimension with its shape, in one line at ``y``."""
    x = 6.0
    out = [svg_text(x, y + 4, ["Shape shows:"], size=12, anchor="start", weight="bold")]
    x += 100
    for key, label in legend:
        out.append(shape(shape_of[key], x + 8, y, 7))
        out.append(svg_text(x + 20, y + 4, [label], size=12, anchor="start"))
        x += 30 + 7.2 * len(label)
    return "".join(out)


def shape_names(keys: Sequence[str]) -> Mapping[str, str]:
    """Value key → the name of its shape ('circle', 'square', …), as the legend and table say."""
    return {key: SHAPES[min(i, len(SHAPES) - 1)] for i, key in enumerate(keys)}
