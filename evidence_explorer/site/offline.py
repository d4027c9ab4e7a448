"""The offline copy: a built site rewritten to open from ``file://`` without a server.

Browsers opening files do not turn ``/papers/`` into ``papers/index.html``, and they refuse the
module script and ``fetch`` that Pagefind needs. So the copy

- rewrites every internal link (``href``, ``src``, ``action``, ``srcset``) from the site's base URL
  to a path relative to the page, ending in ``index.html`` where it names a folder;
- leaves the Pagefind bundle out and gives the search page a small script instead
  (``static/offline-search.js``) over an index of every record page, written as a classic script
  (``search/offline-index.js``, loaded with ``<script src>``: no ``fetch``), matching every word of
  the query in titles, metadata and text;
- is written as a folder or, for a name ending ``.zip``, a zip archive with one top folder.

It works on any site this tool built: the base URL is read from the home page's stylesheet link,
which every page carries. The site itself is never changed.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

MARKER = ".evidence-explorer-offline"
"""File in an offline folder that marks it as ours (a later copy may replace it)."""

_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]*)static/style\.css">')
_ATTR = re.compile(r'(\s(?:href|src|action|data-bundle|data-base)=")([^"]*)(")')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)(")')
_SEARCH_SCRIPT = re.compile(r'<script type="module" src="[^"]*static/search\.js"></script>')
SKIP = ("pagefind/",)
TEXT_LIMIT = 4000
"""Characters of each page's text kept in the offline index."""


class OfflineError(Exception):
    """The offline copy cannot be written (an unknown site folder, a folder that is not ours, I/O)."""


def base_url_of(site: Path) -> str:
    """The base URL the site was built with, from its home page's stylesheet link."""
    try:
        home = (site / "index.html").read_text(encoding="utf-8")
    except OSError as exc:
        raise OfflineError(f"{site} has no home page ({exc.strerror}); build the site first") from None
    match = _STYLESHEET.search(home)
    if match is None:
        raise OfflineError(f"{site}/index.html was not written by Evidence Explorer")
    return match.group(1)


def _folder_index(value: str) -> str:
    """A relative link to a folder (``cell-0-0/``, ``../``) made to name its ``index.html``."""
    path, sep, fragment = value.partition("#")
    path, qsep, query = path.partition("?")
    if path in (".", ".."):
        path += "/"
    if path.endswith("/"):
        path += "index.html"
    return path + qsep + query + sep + fragment


def relative(value: str, base: str, page: str) -> str:
    """An internal link of ``page`` (a path in the site) made relative and file-openable."""
    if not value.startswith(base) or value.startswith("//") and not base.startswith("//"):
        if value and not value.startswith(("#", "/")) and not urlsplit(value).scheme:
            return _folder_index(value)  # already relative to the page
        return value
    rest = value[len(base):]
    path, sep, fragment = rest.partition("#")
    path, qsep, query = path.partition("?")
    if path == "" or path.endswith("/"):
        path += "index.html"
    target = posixpath.relpath(unquote(path), posixpath.dirname(page) or ".")
    return target.replace("%", "%25").replace(" ", "%20") + (qsep + query) + (sep + fragment)


def rewrite_html(html: str, base: str, page: str) -> str:
    def one(match: re.Match) -> str:
        return match.group(1) + relative(match.group(2), base, page) + match.group(3)

    def srcset(match: re.Match) -> str:
        items = [item.strip().split(" ", 1) for item in match.group(2).split(",")]
        return match.group(1) + ", ".join(" ".join([relative(i[0], base, page), *i[1:]]) for i in items) \
            + match.group(3)
    html = _SRCSET.sub(srcset, _ATTR.sub(one, html))
    if page == "search/index.html":
        static = posixpath.relpath("static", "search")
        html = _SEARCH_SCRIPT.sub(f'<script src="offline-index.js" defer></script>'
                                  f'<script src="{static}/offline-search.js" defer></script>', html)
    return html


class _PageText(HTMLParser):
    """Metadata and text of a record page's ``data-pagefind-body`` (less ``data-pagefind-ignore``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.text: list[str] = []
        self._stack: list[tuple[str, bool, bool, str | None]] = []  # tag, in body, ignored, meta key

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        in_body, ignored = self._stack[-1][1:3] if self._stack else (False, False)
        in_body = in_body or "data-pagefind-body" in a
        ignored = ignored or "data-pagefind-ignore" in a
        if tag not in ("br", "img", "hr", "input", "meta", "link", "source", "wbr"):
            self._stack.append((tag, in_body, ignored, a.get("data-pagefind-meta")))

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._stack:
            return
        _, in_body, ignored, meta = self._stack[-1]
        if meta:
            self.meta[meta] = self.meta.get(meta, "") + data
        elif in_body and not ignored and self._stack[-1][0] not in ("script", "style"):
            self.text.append(data)


def index_record(html: str, url: str) -> dict | None:
    """The offline index entry of one page, or None when it is not a record page."""
    if "data-pagefind-body" not in html:
        return None
    parser = _PageText()
    parser.feed(html)
    text = " ".join(" ".join(parser.text).split())[:TEXT_LIMIT]
    meta = parser.meta
    return {"url": url, "title": meta.get("title", url), "kind": meta.get("kind", ""),
            "year": meta.get("year", ""), "about": meta.get("authors") or meta.get("summary", ""), "text": text}


def _files(site: Path):
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and not path.is_symlink() and not rel.startswith(SKIP) and rel != "search/offline-index.js":
            yield rel, path


def write_copy(site: Path, folder: Path) -> int:
    """Write the offline copy of ``site`` into the new folder ``folder``; return the files written."""
    base = base_url_of(site)
    records, count = [], 0
    for rel, path in _files(site):
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".html"):
            html = path.read_text(encoding="utf-8")
            page_url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
            record = index_record(html, page_url)
            if record:
                records.append(record)
            target.write_text(rewrite_html(html, base, rel), encoding="utf-8")
        else:
            shutil.copyfile(path, target)
        count += 1
    script = "window.EE_OFFLINE_INDEX = " + json.dumps(records, ensure_ascii=True).replace("</", "<\\/") + ";\n"
    (folder / "search").mkdir(exist_ok=True)
    (folder / "search" / "offline-index.js").write_text(script, encoding="utf-8")
    (folder / MARKER).write_text("An offline copy written by Evidence Explorer; open index.html.\n")
    return count + 2


def write_offline(site: Path, target: Path) -> int:
    """The offline copy of the built ``site`` at ``target`` (a folder, or a ``.zip`` archive).

    Written beside ``target`` first and moved into place at the end, so a failure leaves any
    earlier copy as it was. An existing folder is replaced only when it is an earlier offline copy.
    """
    if target.is_dir() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise OfflineError(f"{target} exists and is not an offline copy written by Evidence Explorer; "
                           f"not replacing it")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".offline-", dir=target.parent) as work:
        folder = Path(work) / (target.stem if target.suffix == ".zip" else target.name)
        count = write_copy(site, folder)
        if target.suffix == ".zip":
            archive = Path(work) / "copy.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        z.write(path, path.relative_to(folder.parent).as_posix())
            os.replace(archive, target)
        else:
            old = Path(work) / "old"
            if target.exists():
                os.replace(target, old)
            os.replace(folder, target)
    return count
