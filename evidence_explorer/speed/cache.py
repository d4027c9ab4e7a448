"""Markdown render cache: body HTML keyed by a hash of everything that shapes it.

The cache lives in a versioned directory beside the output,
``<output parent>/.cache/evidence-explorer/v<version>-<code hash>/``, where the
code hash covers every file of the package (code and templates) and the versions
of Python, Python-Markdown, Jinja and MarkupSafe. A directory of another version is
deleted when a build opens the cache, and a failed build discards the cache
altogether, so a stale or half-written cache can never leak into a site.

An entry's key hashes the Markdown text, the base URL and raw-HTML setting, and
the resolution of every ``[[id]]`` link in the text (target href and title), so
renaming a linked entity re-renders the bodies that link to it. Entries are
stored in one JSON file (plain data: strings only) written atomically after a
successful build and sealed with this user's key (``seal.py``): a file that does
not verify (planted in a committed ``.cache/``, truncated, corrupted) is ignored
and the build renders every body. Only entries used by that build are kept.

Compiled Jinja templates are cached beside them (``jinja/``, :class:`TemplateCache`):
their code never depends on anything but the template's source (``render.py``
folds no filter at compile time), each file is keyed by the template's name and
source, and is sealed: its code objects are unmarshalled only after the tag
verified.
"""
from __future__ import annotations

import functools
import io
import os
import shutil
import sys
from hashlib import blake2b
from pathlib import Path
from typing import Callable

import jinja2
import markdown
from markupsafe import Markup

from .. import __version__
from . import seal
from .fingerprint import package_digest
from ..content.link import WIKILINK
from ..site.markup import Resolver

CACHE_FILE = "markdown.json"
FORMAT = 2
"""Bump when the layout of the cache file changes."""

Delta = tuple[dict[bytes, str], frozenset[bytes]]
"""(entries added, keys used) by one worker, sent back to the parent process."""


def cache_root(output: Path) -> Path:
    """Where the caches of builds into ``output`` live."""
    return output.parent / ".cache" / "evidence-explorer"


@functools.cache
def code_fingerprint() -> str:
    """``v<version>-<hash>`` of everything that changes how Markdown and templates become HTML:
    every file of the package (code, templates), the Python, Python-Markdown, Jinja and MarkupSafe
    versions, and the cache format."""
    from importlib import metadata
    h = blake2b(digest_size=8)
    h.update(f"{__version__}|{sys.version}|{markdown.__version__}|{jinja2.__version__}|"
             f"{metadata.version('markupsafe')}|{FORMAT}".encode())
    h.update(package_digest())
    return f"v{__version__}-{h.hexdigest()}"


class MarkdownCache:
    """Entries loaded from the last successful build plus those rendered in this one.

    One per build; worker processes get a copy (fork) and report their
    :meth:`delta` back, which the parent merges before :meth:`save`.
    """

    def __init__(self, directory: Path | None, salt: str, entries: dict[bytes, str] | None = None):
        self.directory = directory
        self._salt = salt.encode()
        self._entries: dict[bytes, str] = entries or {}
        self._added: dict[bytes, str] = {}
        self._used: set[bytes] = set()
        self.hits = self.misses = 0

    @classmethod
    def open(cls, root: Path, salt: str) -> "MarkdownCache":
        """Load the cache of this code version under ``root``; delete other versions."""
        directory = root / code_fingerprint()
        if root.is_symlink() or root.parent.is_symlink():  # a committed link to elsewhere: never follow it
            return cls(None, salt)
        if root.is_dir():
            for old in root.iterdir():
                if old != directory or old.is_symlink():  # a planted link would lead writes elsewhere
                    _remove(old)
        return cls(directory, salt, _load_entries(directory / CACHE_FILE))

    def key(self, text: str, resolve: Resolver) -> bytes:
        h = blake2b(self._salt, digest_size=16)
        h.update(text.encode("utf-8", "surrogatepass"))
        if "[[" in text:
            for m in WIKILINK.finditer(text):
                target = m.group(1).strip()
                h.update(b"\0" + repr((target, resolve(target))).encode("utf-8", "surrogatepass"))
        return h.digest()

    def block(self, text: str, convert: Callable[[str], Markup], resolve: Resolver) -> Markup:
        """``convert(text)``, from the cache when the same input was rendered before."""
        key = self.key(text, resolve)
        self._used.add(key)
        html = self._entries.get(key)
        if html is None:
            html = self._added.get(key)
        if html is not None:
            self.hits += 1
            return Markup(html)
        self.misses += 1
        result = convert(text)
        self._added[key] = str(result)
        return result

    def bytecode_cache(self) -> jinja2.BytecodeCache | None:
        """Compiled templates, beside the Markdown entries (sealed; Jinja checks each source's checksum)."""
        if self.directory is None or not seal.available():
            return None
        return TemplateCache(self.directory / "jinja")

    def keep_all(self) -> None:
        """Keep every entry loaded, used or not (``build``'s page cache left pages unrendered whose
        bodies will be needed again when they are next rendered)."""
        self._used.update(self._entries)

    def delta(self) -> Delta:
        return dict(self._added), frozenset(self._used)

    def merge(self, delta: Delta) -> None:
        added, used = delta
        self._added.update(added)
        self._used.update(used)

    def save(self) -> None:
        """Write the entries this build used, atomically; a no-op when nothing changed."""
        if self.directory is None:
            return
        keep = {k: v for k, v in {**self._entries, **self._added}.items() if k in self._used}
        if not self._added and len(keep) == len(self._entries):
            return
        seal.write_json(self.directory / CACHE_FILE, CACHE_FILE, {k.hex(): v for k, v in keep.items()})

    def discard(self) -> None:
        """Forget everything (after a failed build): the next build starts cold."""
        self._entries, self._added, self._used = {}, {}, set()
        if self.directory is not None:
            _remove(self.directory)


def _load_entries(path: Path) -> dict[bytes, str]:
    """The entries of a sealed cache file; empty when there is none or it does not verify."""
    loaded = seal.read_json(path, CACHE_FILE)
    if not isinstance(loaded, dict):
        return {}
    try:
        return {bytes.fromhex(k): v for k, v in loaded.items() if isinstance(v, str) and len(k) == 32}
    except ValueError:
        return {}


class TemplateCache(jinja2.BytecodeCache):
    """Jinja's compiled templates, one sealed file per template: Jinja's bucket (its own magic
    number and the template source's checksum) inside a tag of this user's key."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.directory / f"{bucket.key}.bin"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = seal.read(self._path(bucket), f"jinja:{bucket.key}")
        if payload is not None:  # verified: written by this user's own build
            bucket.load_bytecode(io.BytesIO(payload))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        out = io.BytesIO()
        bucket.write_bytecode(out)
        seal.write(self._path(bucket), f"jinja:{bucket.key}", out.getvalue())

    def clear(self) -> None:
        _remove(self.directory)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass
