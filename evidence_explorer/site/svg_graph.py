"""The theory graph: a layered drawing. Each theory kind is a layer (a band, top to bottom, in the
order of ``theory_kinds``); nodes within a layer are ordered by the barycentre of their neighbours in
the other layers (fewer crossings); ``related`` links between layers are curves from one node to the
other, links within a layer are arcs above it; hierarchy is drawn as dark arrows. Pure: plain values
in, an SVG :class:`Markup` out.

Every label is written in full (wrapped, never cut) at 14 px in a drawing no wider than
:data:`MAX_WIDTH`, so at that width it is read at 14 px. The legend is drawn from the same
:data:`EDGE_STYLES` as the edges and lists only the styles the drawing uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from markupsafe import Markup, escape

from ..content.model import is_code
from .svg import ACCENT, FIGURE_STYLE, INK, MUTED, num, svg_text

MAX_WIDTH = 1100
"""Width of the drawing (px): the page's content column at 1280 px, so text is not scaled down."""
MARGIN, GAP_X, BAND_LABEL_H, FONT, LINE_H, MIN_NODE_W, MAX_NODE_W = 10, 14, 30, 14, 18, 118, 230
EDGE_STYLES = {"parent": "part of (the arrow points to the part)", "related": "related theories"}
"""Edge class suffix → what the legend says of it; the legend lists those the drawing uses."""


@dataclass(frozen=True)
class GraphNode:
    id: str
    title: str
    """The node's display title (written in full)."""
    url: str
    """Site URL of the node's page; the figure turns it into a link with ``to_href``."""
    band: int
    """Index of the node's band (its theory kind) in the figure, top to bottom."""


NARROW, WIDE = frozenset("fijlrtI.,:;'!|()[]/ -"), frozenset("mwMWOQGD@%")


def text_width(text: str, size: float = FONT) -> float:
    """Estimated width of ``text`` in a sans-serif face at ``size`` px (wide letters counted wider,
    narrow ones narrower; on the safe side of system-ui, DejaVu Sans and Arial)."""
    units = sum(0.36 if ch in NARROW else 1.0 if ch in WIDE else 0.74 if ch.isupper() or ch.isdigit()
                else 0.64 for ch in text)
    return units * size


def _pieces(word: str, width: float) -> list[str]:
    """A word too wide for a line: split after its hyphens and slashes, then, if still too wide,
    hard with a hyphen."""
    parts = [p for p in re.split(r"(?<=[-/])", word) if p]
    out = []
    for part in parts:
        while text_width(part) > width and len(part) > 2:
            cut = next(k for k in range(len(part) - 1, 0, -1) if text_width(part[:k] + "-") <= width or k == 1)
            out.append(part[:cut] + "-")
            part = part[cut:]
        out.append(part)
    return out


def wrap_full(text: str, width: float) -> list[str]:
    """Greedy word wrap to ``width`` px (:func:`text_width`) that never drops text: a word wider
    than a line is split (:func:`_pieces`)."""
    lines, line = [], ""
    for word in text.split():
        pieces = _pieces(word, width) if text_width(word) > width else [word]
        for k, piece in enumerate(pieces):
            joined = f"{line}{'' if k or not line else ' '}{piece}"
            if line and text_width(joined) > width:
                lines.append(line)
                line = piece
            else:
                line = joined
    return lines + [line] if line else lines or [""]


def order_bands(bands: int, nodes: Sequence[GraphNode], links: Sequence[tuple[str, str]],
                sweeps: int = 4) -> list[list[GraphNode]]:
    """The nodes of each band, ordered by the barycentre heuristic: a few down and up sweeps, each
    sorting a band by the mean position of its nodes' neighbours in the other bands (stable: nodes
    without such neighbours keep their place). Deterministic."""
    rows = [[n for n in nodes if n.band == b] for b in range(bands)]
    band_of = {n.id: n.band for n in nodes}
    neighbours: dict[str, list[str]] = {n.id: [] for n in nodes}
    for a, b in links:
        if a in band_of and b in band_of and band_of[a] != band_of[b]:
            neighbours[a].append(b)
            neighbours[b].append(a)
    for sweep in range(sweeps):
        order = range(bands) if sweep % 2 == 0 else reversed(range(bands))
        for b in order:
            place = {n.id: i / max(1, len(r) - 1) for r in rows for i, n in enumerate(r)}
            row = rows[b]
            keys = []
            for i, n in enumerate(row):
                near = [place[m] for m in neighbours[n.id]]
                keys.append((sum(near) / len(near) * max(1, len(row) - 1)) if near else float(i))
            rows[b] = [n for _k, _i, n in sorted(zip(keys, range(len(row)), row), key=lambda t: (t[0], t[1]))]
    return rows


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...]
    code: str


def theory_graph(title: str, description: str, bands: Sequence[str], nodes: Sequence[GraphNode],
                 hierarchy: Sequence[tuple[str, str]], related: Sequence[tuple[str, str]],
                 svg_id: str, to_href: Callable[[str], str]) -> Markup:  # long: one drawing, in order
    """``hierarchy``: (parent id, child id); ``related``: unordered pairs of ids (drawn once each)."""
    rows = order_bands(len(bands), nodes, list(hierarchy) + list(related))
    boxes, band_tops, height = _layout(rows, hierarchy, related)
    edges = _edges(boxes, hierarchy, related, svg_id)
    used = [k for k in EDGE_STYLES if any(cls == k for cls, _d in edges)]
    legend_h = 30 if used else 0
    height += legend_h
    sid = escape(svg_id)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="figure theory-graph" id="{sid}" '
           f'viewBox="0 0 {MAX_WIDTH} {height}" width="{MAX_WIDTH}" height="{height}" role="group" '
           f'aria-labelledby="{sid}-t {sid}-d">',
           f'<title id="{sid}-t">{escape(title)}</title><desc id="{sid}-d">{escape(description)}</desc>',
           f'<defs><marker id="{sid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>', FIGURE_STYLE,
           '<rect width="100%" height="100%" fill="#fff"/>']
    out.append('<g class="edges">')
    for cls, d in edges:
        marker = f' marker-end="url(#{sid}-arrow)"' if cls == "parent" else ""
        out.append(f'<path class="edge-{cls}" d="{d}"{marker}/>')
    out.append("</g>")
    for b, label in enumerate(bands):  # over the edges, on a white halo
        if rows[b]:
            out.append(svg_text(MARGIN, band_tops[b] + 18, [label], size=15, anchor="start", weight="bold",
                                fill=MUTED, cls="halo"))
    for n in nodes:
        box = boxes[n.id]
        top = box.y + 8
        text = ""
        if box.code:
            text += svg_text(box.x + box.w / 2, top + FONT, [box.code], size=14, weight="bold", fill=ACCENT)
            top += LINE_H
        text += svg_text(box.x + box.w / 2, top + FONT, box.lines, size=14, fill=INK, leading=LINE_H / FONT)
        out.append(f'<a href="{escape(to_href(n.url))}" class="node-link"><title>{escape(f"{box.code}: {n.title}" if box.code else n.title)}</title>'
                   f'<rect x="{num(box.x)}" y="{num(box.y)}" width="{num(box.w)}" height="{num(box.h)}" rx="6" '
                   f'class="node"/>{text}</a>')
    if used:
        out.append(_legend(used, height - legend_h / 2, sid))
    out.append("</svg>")
    return Markup("".join(out))


def _legend(used: Sequence[str], y: float, sid: str) -> str:
    """A sample of each edge style the drawing uses, with what it means, in one line at ``y``."""
    out = ['<g class="legend">', svg_text(MARGIN, y + 5, ["Lines:"], size=14, anchor="start", weight="bold")]
    x = MARGIN + 56.0
    for cls in used:
        marker = f' marker-end="url(#{sid}-arrow)"' if cls == "parent" else ""
        out.append(f'<path class="edge-{cls}" d="M{num(x)},{num(y)} H{num(x + 40)}"{marker}/>')
        out.append(svg_text(x + 48, y + 5, [EDGE_STYLES[cls]], size=14, anchor="start"))
        x += 70 + text_width(EDGE_STYLES[cls])
    out.append("</g>")
    return "".join(out)


def _layout(rows: list[list[GraphNode]], hierarchy: Sequence[tuple[str, str]],
            related: Sequence[tuple[str, str]]) -> tuple[dict[str, _Box], list[float], int]:
    """Each node's box, each band's top and the height: a band is its label, the space its arcs
    need (links within the band), then its nodes in rows as wide as the drawing allows."""
    band_of = {n.id: b for b, row in enumerate(rows) for n in row}
    inner = [(a, b) for a, b in list(related) + list(hierarchy)
             if a in band_of and b in band_of and band_of[a] == band_of[b]]
    boxes: dict[str, _Box] = {}
    band_tops = []
    y = float(MARGIN)
    for b, row in enumerate(rows):
        band_tops.append(y)
        if not row:
            continue
        per_row = max(1, min(len(row), int((MAX_WIDTH - 2 * MARGIN + GAP_X) // (MIN_NODE_W + GAP_X))))
        w = min(MAX_NODE_W, (MAX_WIDTH - 2 * MARGIN - GAP_X * (per_row - 1)) / per_row)
        arcs = sum(1 for a, _c in inner if band_of[a] == b)
        y += BAND_LABEL_H + (min(150, 40 + 12 * arcs) if arcs else 8)
        for start in range(0, len(row), per_row):
            chunk = row[start:start + per_row]
            wrapped = [wrap_full(n.title, w - 12) for n in chunk]
            codes = [n.id if is_code(n.id) and n.id != n.title else "" for n in chunk]  # a slug is never shown
            h = 16 + LINE_H * (max(map(len, wrapped)) + (1 if any(codes) else 0))
            left = (MAX_WIDTH - len(chunk) * w - GAP_X * (len(chunk) - 1)) / 2  # the row centred
            for k, (n, lines, code) in enumerate(zip(chunk, wrapped, codes)):
                boxes[n.id] = _Box(left + k * (w + GAP_X), y, w, h, tuple(lines), code)
            y += h + 44
        y += 16
    return boxes, band_tops, int(y)


def _edges(boxes: dict[str, _Box], hierarchy: Sequence[tuple[str, str]], related: Sequence[tuple[str, str]],
           svg_id: str) -> list[tuple[str, str]]:
    """(style, path) of every edge: a curve between bands, an arc above the band within one."""
    out = []
    for cls, pairs in (("related", related), ("parent", hierarchy)):
        for a, b in pairs:
            if a in boxes and b in boxes:
                out.append((cls, _path(boxes[a], boxes[b], cls == "parent")))
    return out


def _port(box: _Box, other: _Box) -> float:
    """Where an edge meets a node: off its centre towards the other node, so edges fan out."""
    cx, ox = box.x + box.w / 2, other.x + other.w / 2
    return cx + max(-box.w / 2 + 10, min(box.w / 2 - 10, (ox - cx) * 0.12))


def _path(a: _Box, b: _Box, directed: bool) -> str:
    """A cubic curve from ``a`` to ``b``: bottom to top between rows (``directed``: from ``a``), an
    arc over the row (height by distance) within one."""
    if a.y == b.y:
        x1, x2 = _port(a, b), _port(b, a)
        lift = 26 + abs(x2 - x1) * 0.16
        top = a.y - 2
        return (f"M{num(x1)},{num(top)} C{num(x1)},{num(top - lift)} {num(x2)},{num(top - lift)} "
                f"{num(x2)},{num(top - (2 if directed else 0))}")
    if not directed and a.y > b.y:
        a, b = b, a
    down = a.y < b.y
    x1, x2 = _port(a, b), _port(b, a)
    y1 = a.y + a.h if down else a.y
    y2 = (b.y - (2 if directed else 0)) if down else b.y + b.h + (2 if directed else 0)
    mid = (y1 + y2) / 2
    return f"M{num(x1)},{num(y1)} C{num(x1)},{num(mid)} {num(x2)},{num(mid)} {num(x2)},{num(y2)}"
