"""A link checker for a built static site, read from disk.

Every internal ``href``/``src``/``action``/``srcset`` of every HTML page must
resolve to a file of the site (a directory URL to its ``index.html``), lie
below the site's base URL, and any ``#fragment`` must name an ``id`` (or
``<a name>``) on the target page. External URLs are not fetched (no network).
"""
from __future__ import annotations

import html
import html.parser
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

URL_ATTRS = {"href", "src", "action", "poster", "data"}
EXTERNAL_SCHEMES = {"http", "https", "mailto", "tel", "data"}


@dataclass(frozen=True)
class Broken:
    page: str
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: {self.url} ({self.reason})"


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.base: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif tag == "base" and name == "href":
                self.base = value
            elif name in URL_ATTRS and not (tag == "object" and name != "data"):
                self.urls.append(value.strip())
            elif name == "srcset":
                self.urls.extend(part.strip().split()[0] for part in value.split(",") if part.strip())

    handle_startendtag = handle_starttag


@dataclass(frozen=True)
class _Page:
    urls: tuple[str, ...]
    ids: frozenset[str]
    base: str | None


class _Pages(dict):
    """Parsed pages of one check, by path (each page is read once)."""

    def __missing__(self, path: Path) -> _Page:
        c = _Collector()
        c.feed(path.read_text(encoding="utf-8"))
        c.close()
        page = self[path] = _Page(tuple(c.urls), frozenset(c.ids), c.base)
        return page


def page_url(root: Path, file: Path, base_url: str) -> str:
    rel = file.relative_to(root).as_posix()
    if rel == "index.html" or rel.endswith("/index.html"):
        rel = rel[: -len("index.html")]
    return base_url + rel


def target_file(root: Path, path: str, base_url: str) -> tuple[Path | None, str]:
    """The file a site path (``/base/papers/x/``) is served from, or (None, reason)."""
    if not path.startswith(base_url):
        return None, f"outside the base URL {base_url}"
    rel = unquote(path[len(base_url):])
    if any(part == ".." for part in rel.split("/")):
        return None, "escapes the site root"
    file = root / rel
    if rel == "" or rel.endswith("/"):
        file = file / "index.html"
    elif file.is_dir():
        return None, "directory link without a trailing slash"
    if not file.is_file():
        return None, "no such file"
    return file, ""


def check_site(root: Path, base_url: str = "/") -> list[Broken]:
    """Every broken internal link and missing fragment of the site in ``root``."""
    root = root.resolve()
    parsed_pages = _Pages()
    broken: list[Broken] = []
    pages = sorted(root.rglob("*.html"))
    for file in pages:
        here = page_url(root, file, base_url)
        parsed = parsed_pages[file]
        shown = file.relative_to(root).as_posix()
        for url in parsed.urls:
            problem = check_url(root, base_url, urljoin(parsed.base or here, url) if url else here,
                                url, parsed_pages)
            if problem:
                broken.append(Broken(shown, url, problem))
    return broken


def check_url(root: Path, base_url: str, absolute: str, raw: str, pages: _Pages) -> str:
    """'' when ``raw`` (resolving to ``absolute``) is fine, else why not."""
    if raw == "":
        return "empty URL"
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", raw)
    parts = urlsplit(absolute)
    scheme = urlsplit(cleaned).scheme.lower()
    if scheme and scheme not in EXTERNAL_SCHEMES:
        return f"unsafe or unknown scheme '{scheme}:'"
    if scheme or cleaned.startswith("//"):
        return ""
    file, reason = target_file(root, parts.path, base_url)
    if file is None:
        return reason
    if parts.fragment:
        if file.suffix != ".html":
            return "fragment on a non-HTML file"
        if unquote(parts.fragment) not in pages[file].ids:
            return f"no id '{unquote(parts.fragment)}' on the target page"
    return ""


def check_sitemap(root: Path, base_url: str = "/") -> list[Broken]:
    """Every ``<loc>`` of ``sitemap.xml`` must be a page of the site."""
    text = (root / "sitemap.xml").read_text(encoding="utf-8")
    broken = []
    for loc in re.findall(r"<loc>(.*?)</loc>", text):
        path = urlsplit(html.unescape(loc)).path if "://" in loc else html.unescape(loc)
        file, reason = target_file(root.resolve(), path, base_url)
        if file is None:
            broken.append(Broken("sitemap.xml", loc, reason))
    return broken
