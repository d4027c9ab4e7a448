"""Slugs, URLs and output paths: pure functions, table-tested.

A site URL here is relative to the site root without a leading slash
(``papers/smith-2020/``); :func:`href` prefixes ``base_url``.
"""
from __future__ import annotations

import re
from posixpath import normpath
from urllib.parse import quote

FOLDER_OF_KIND = {"review": "reviews", "question": "questions", "theory": "theories", "map": "maps",
                  "paper": "papers", "cmoc": "cmocs"}

RESERVED = frozenset({*FOLDER_OF_KIND.values(), "pages", "search", "data", "review", "matrix", "pagefind",
                      "static", "changes", "graph", "what-works", "404.html", "sitemap.xml", "index.html"})
"""First path segments the generator itself writes; a free page may not take them."""


def entity_url(kind: str, entity_id: str) -> str:
    """``papers/ID/``; free pages live at the top: ``about/``."""
    if kind == "page":
        return f"{quote(entity_id)}/"
    return f"{FOLDER_OF_KIND[kind]}/{quote(entity_id)}/"


def collection_url(kind: str) -> str:
    return f"{FOLDER_OF_KIND[kind]}/"


def output_path(url: str) -> str:
    """Site URL → file path inside the output directory."""
    if url == "" or url.endswith("/"):
        return f"{url}index.html"
    return url


_SEGMENT = r"(?:[A-Za-z0-9._~!$&+,;=@-]|%[0-9A-Fa-f]{2})+"
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
_PATH = rf"(?:{_SEGMENT}(?:/{_SEGMENT})*/?)?"
BASE_URL = re.compile(rf"https?://{_HOST}(?::[0-9]{{1,5}})?(?:/{_PATH})?|/?{_PATH}", re.I)
"""A base URL: a path (``/evidence/``, ``evidence``) or an http(s) URL with a host and an optional
port and path. No other scheme (``javascript:``; no colon in the path), no user name, query, fragment, quote, space,
backslash or empty segment (``//host`` would read as another host)."""
BASE_URL_HINT = "a path like /evidence/ or an http(s) URL like https://example.org/evidence/"


def valid_base_url(base: str) -> bool:
    return bool(base) and BASE_URL.fullmatch(base) is not None


def normalise_base_url(base: str) -> str:
    """``sub`` / ``/sub`` / ``/sub/`` → ``/sub/``; empty → ``/``. Full URLs keep their host."""
    base = (base or "/").strip()
    if "://" in base:
        return base.rstrip("/") + "/"
    base = "/" + base.strip("/")
    base = normpath(base)
    return base if base.endswith("/") else base + "/"


def href(base_url: str, url: str) -> str:
    """Link to a site URL honouring the base URL: ``/sub/`` + ``papers/x/``."""
    return base_url + url.lstrip("/")
