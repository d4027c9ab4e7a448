"""``sitemap.xml``: every page's address, for search engines."""
from __future__ import annotations

from ..content import urls
from .views import PageSpec


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (``xml.sax.saxutils.escape``, which imports
    ``urllib.request`` and through it ``http.client`` and ``ssl``: 10 ms of every build's start)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def sitemap(pages: tuple[PageSpec, ...], base_url: str) -> str:
    locs = "".join(f"<url><loc>{escape(urls.href(base_url, p.url))}</loc></url>\n"
                   for p in pages if not p.url.endswith(".html"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{locs}</urlset>\n')
