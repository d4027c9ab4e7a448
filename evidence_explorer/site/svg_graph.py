"""The theory graph: theory nodes in one band per theory kind, hierarchy drawn as solid arrows,
``related`` links as dashed curves. Pure: plain values in, an SVG :class:`Markup` out.

The page shows a text outline of the same structure next to the figure, so the figure need not carry
everything for screen readers; still, every node is a labelled link.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from markupsafe import Markup, escape

from ..content.model import is_code
from .svg import ACCENT, FIGURE_STYLE, INK, MUTED, svg_text, num, wrap

NODE_W, NODE_H, GAP_X, GAP_Y, BAND_LABEL_H, PER_ROW = 150, 64, 18, 34, 30, 6


@dataclass(frozen=True)
class GraphNode:
    id: str
    title: str
    url: str
    """Site URL of the node's page; the figure turns it into a link with ``to_href``."""
    band: int
    """Index of the node's band (its theory kind) in the figure, top to bottom."""


def theory_graph(title: str, description: str, bands: Sequence[str], nodes: Sequence[GraphNode],
                 hierarchy: Sequence[tuple[str, str]], related: Sequence[tuple[str, str]],
                 svg_id: str, to_href: Callable[[str], str]) -> Markup:
    """``hierarchy``: (parent id, child id); ``related``: unordered pairs of ids (drawn once each).

    Nodes keep the order given within their band (callers pass tree order), wrapping after
    :data:`PER_ROW` nodes.
    """
    pos, band_tops, height = _layout(bands, nodes)
    width = 20 + PER_ROW * (NODE_W + GAP_X) + 10
    sid = escape(svg_id)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="figure theory-graph" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="group" aria-labelledby="{sid}-t {sid}-d">',
           f'<title id="{sid}-t">{escape(title)}</title><desc id="{sid}-d">{escape(description)}</desc>',
           f'<defs><marker id="{sid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>', FIGURE_STYLE,
           '<rect width="100%" height="100%" fill="#fff"/>']
    for b, label in enumerate(bands):
        if any(n.band == b for n in nodes):
            out.append(svg_text(20, band_tops[b] + 18, [label], size=14, anchor="start", weight="bold", fill=MUTED))
    out += [f'<path class="edge-related" d="{_related_path(pos[a], pos[b])}"/>'
            for a, b in related if a in pos and b in pos]
    for parent, child in hierarchy:
        if parent in pos and child in pos:
            (px, py), (cx_, cy) = pos[parent], pos[child]
            out.append(f'<line class="edge-parent" x1="{num(px + NODE_W / 2)}" y1="{num(py + NODE_H)}" '
                       f'x2="{num(cx_ + NODE_W / 2)}" y2="{num(cy - 2)}" marker-end="url(#{sid}-arrow)"/>')
    for n in nodes:
        x, y0 = pos[n.id]
        code = is_code(n.id)  # a short code heads its node; a slug is never shown (the title is)
        lines = [n.id, *wrap(n.title, 25, 2)] if code else wrap(n.title, 21, 3)  # bold lines are wider
        head, rest = lines[:1], lines[1:]
        label = f"{n.id}: {n.title}" if code else n.title
        out.append(f'<a href="{escape(to_href(n.url))}" class="node-link"><title>{escape(label)}</title>'
                   f'<rect x="{num(x)}" y="{num(y0)}" width="{NODE_W}" height="{NODE_H}" rx="6" class="node"/>'
                   + svg_text(x + NODE_W / 2, y0 + 20, head, size=13 if code else 11, weight="bold", fill=ACCENT)
                   + svg_text(x + NODE_W / 2, y0 + 37, rest, size=11, fill=INK, leading=1.3) + "</a>")
    legend_y = height - 4
    out.append(svg_text(width - 10, legend_y, ["solid arrow: part of · dashed line: related"], size=11,
                     anchor="end", fill=MUTED))
    out.append("</svg>")
    return Markup("".join(out))


def _layout(bands: Sequence[str], nodes: Sequence[GraphNode]
            ) -> tuple[dict[str, tuple[float, float]], list[float], int]:
    """Each node's top-left corner, each band's top, and the figure's height: bands top to bottom,
    nodes in the order given, :data:`PER_ROW` to a row."""
    pos: dict[str, tuple[float, float]] = {}
    y = 10.0
    band_tops = []
    for b in range(len(bands)):
        members = [n for n in nodes if n.band == b]
        band_tops.append(y)
        if not members:
            continue
        y += BAND_LABEL_H
        for k, n in enumerate(members):
            row, col = divmod(k, PER_ROW)
            pos[n.id] = (20 + col * (NODE_W + GAP_X), y + row * (NODE_H + GAP_Y))
        rows = (len(members) + PER_ROW - 1) // PER_ROW
        y += rows * (NODE_H + GAP_Y) + 16
    return pos, band_tops, int(y + 10)


def _related_path(a: tuple[float, float], b: tuple[float, float]) -> str:
    """The path of a 'related' edge between two nodes' corners."""
    (x1, y1), (x2, y2) = a, b
    if y1 == y2:  # same row: an arc above the row
        sx, ex, top = x1 + NODE_W / 2, x2 + NODE_W / 2, y1 - 4
        return f"M{num(sx)},{num(top)} Q{num((sx + ex) / 2)},{num(top - 18 - abs(ex - sx) / 12)} {num(ex)},{num(top)}"
    (ux, uy), (lx, ly) = ((x1, y1), (x2, y2)) if y1 < y2 else ((x2, y2), (x1, y1))
    return f"M{num(ux + NODE_W / 2)},{num(uy + NODE_H)} L{num(lx + NODE_W / 2)},{num(ly)}"  # upper bottom to lower top


def _centre(p: tuple[float, float]) -> tuple[float, float]:
    return p[0] + NODE_W / 2, p[1] + NODE_H / 2
