"""``sitemap.xml``: every page's address, for search engines."""
from __future__ import annotations

from ..content import urls
from .views import PageSpec


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (``xml.sax.saxutils.escape``, which imports
    ``urllib.request`` and through it ``http.client`` and ``ssl``: 10 ms of every build's start)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def sitemap(pages: tuple[PageSpec, ...], base_url: str) -> str:
    """Every page's address (:func:`urls.href`) but the ``.html`` ones (the search's fallback), in
    order, escaped. A page address rarely holds ``&``, ``<`` or ``>``, so they are looked for once in
    all of them and each is escaped only if any does: 19,000 pages at 5,000 papers, rebuilt after
    every edit (0.036 s one call each)."""
    shown = [p.url.lstrip("/") for p in pages if not p.url.endswith(".html")]
    every = "".join(shown)
    if "&" in every or "<" in every or ">" in every:
        shown = [escape(url) for url in shown]
    base = escape(urls.href(base_url, ""))
    locs = "".join([f"<url><loc>{base}{url}</loc></url>\n" for url in shown])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{locs}</urlset>\n')
