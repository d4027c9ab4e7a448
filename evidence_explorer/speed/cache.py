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

The bodies a build renders are not held in memory until that file is written:
each process appends them to its own spool file beside the cache (:class:`Spool`)
and the parent reads the spools back when it saves, after the render workers
have exited. Held in memory they were about 70 MB of a 30,000-entity build's
peak (both render processes at their largest).

Compiled Jinja templates are cached beside them (``jinja/``, :class:`TemplateCache`):
their code never depends on anything but the template's source (``render.py``
folds no filter at compile time), each file is keyed by the template's name and
source, and is sealed: its code objects are unmarshalled only after the tag
verified.
"""
from __future__ import annotations

import io
import os
import secrets
import shutil
import struct
from hashlib import blake2b
from pathlib import Path
from typing import Callable

import jinja2
from markupsafe import Markup

from . import seal
from .cache_key import FORMAT, cache_root, code_fingerprint
from ..content.link import WIKILINK
from ..site.markup import Resolver

__all__ = ["FORMAT", "cache_root", "code_fingerprint"]  # re-exported: they live in cache_key.py

CACHE_FILE = "markdown.json"

SPOOL_PREFIX = "spool-"
Delta = tuple[str | None, frozenset[bytes]]
"""(the spool file of the entries one worker added, keys used), sent back to the parent process."""


class MarkdownCache:
    """Entries loaded from the last successful build plus those rendered in this one.

    One per build; worker processes get a copy (fork), spool what they render to their own
    file and report it with their :meth:`delta`, which the parent merges before :meth:`save`.
    """

    def __init__(self, directory: Path | None, salt: str, entries: dict[bytes, str] | None = None):
        self.directory = directory
        self._salt = salt.encode()
        self._entries: dict[bytes, str] = entries or {}
        self._spooled: set[bytes] = set()
        self._spool: Spool | None = None
        self._merged: list[Path] = []
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
        if directory.is_dir() and not directory.is_symlink():
            Spool.remove_abandoned(directory)
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
        """``convert(text)``, from the cache when the same input was rendered by an earlier build.
        A body this build renders goes to this process's spool, not to memory (a second body with
        the same text in the same build is converted again: the same HTML)."""
        key = self.key(text, resolve)
        self._used.add(key)
        html = self._entries.get(key)
        if html is not None:
            self.hits += 1
            return Markup(html)
        self.misses += 1
        result = convert(text)
        if self.directory is not None and key not in self._spooled:
            self._spooled.add(key)
            self._own_spool().add(key, str(result))
        return result

    def keep(self, text: str, convert: Callable[[str], Markup], resolve: Resolver) -> int:
        """:meth:`block`, with the HTML also held in memory, so that the render workers forked
        after (``speed/prefill.py``) find it; the HTML's length (0 when it was already there)."""
        key = self.key(text, resolve)
        if key in self._entries:
            return 0
        html = str(convert(text))
        self._entries[key] = html
        if self.directory is not None and key not in self._spooled:
            self._spooled.add(key)
            self._own_spool().add(key, html)
        return len(html)

    def _own_spool(self) -> "Spool":
        """This process's spool (a forked worker starts its own, leaving the inherited one alone)."""
        if self._spool is None or self._spool.pid != os.getpid():
            assert self.directory is not None
            self._spool = Spool(self.directory)
        return self._spool

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
        """What this process added (its spool, written out) and used, for the parent's :meth:`merge`."""
        spool = self._spool if self._spool is not None and self._spool.pid == os.getpid() else None
        return (str(spool.flush()) if spool is not None else None), frozenset(self._used)

    def merge(self, delta: Delta) -> None:
        spooled, used = delta
        if spooled is not None:
            self._merged.append(Path(spooled))
        self._used.update(used)

    def _spools(self) -> list[Path]:
        own = [self._spool.close()] if self._spool is not None and self._spool.pid == os.getpid() else []
        return own + self._merged

    def save(self) -> None:
        """Write the entries this build used, atomically; a no-op when nothing changed. Removes the spools."""
        if self.directory is None:
            return
        spools = self._spools()
        try:
            added: dict[bytes, str] = {}
            for path in spools:
                added.update(Spool.read(path))
            keep = {k: v for k, v in {**self._entries, **added}.items() if k in self._used}
            if not added and len(keep) == len(self._entries):
                return
            seal.write_json(self.directory / CACHE_FILE, CACHE_FILE, {k.hex(): v for k, v in keep.items()})
        finally:
            self._forget_spools(spools)

    def discard(self) -> None:
        """Forget everything (after a failed build): the next build starts cold."""
        self._forget_spools(self._spools())
        self._entries, self._used, self._spooled = {}, set(), set()
        if self.directory is not None:
            _remove(self.directory)

    def _forget_spools(self, spools: list[Path]) -> None:
        for path in spools:
            _remove(path)
        self._spool, self._merged = None, []


class Spool:
    """The bodies one process rendered in this build, appended to a file of its own in the cache
    folder: records of a 16-byte key, a 4-byte length and the HTML in UTF-8. Written through the
    file descriptor with a buffer of its own, so a forked child that inherits it never flushes
    the parent's buffer (the child opens its own: :attr:`pid`)."""

    BUFFER = 1 << 20

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.pid = os.getpid()
        self.path = directory / f"{SPOOL_PREFIX}{self.pid}-{secrets.token_hex(4)}.tmp"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        self._buffer = bytearray()

    def add(self, key: bytes, html: str) -> None:
        data = html.encode("utf-8", "surrogatepass")
        self._buffer += key + struct.pack(">I", len(data)) + data
        if len(self._buffer) >= self.BUFFER:
            self.flush()

    def flush(self) -> Path:
        """Write what is buffered; the file's path."""
        view = memoryview(self._buffer)
        while view:
            view = view[os.write(self._fd, view):]
        self._buffer = bytearray()
        return self.path

    def close(self) -> Path:
        """Write what is buffered and close the file (again: a no-op); its path."""
        if self._fd >= 0:
            try:
                self.flush()
            finally:
                os.close(self._fd)
                self._fd = -1
        return self.path

    @staticmethod
    def read(path: Path) -> dict[bytes, str]:
        """The entries of a spool this build wrote (a spool is never read by another build)."""
        data, entries, at = path.read_bytes(), {}, 0
        while at < len(data):
            key, (size,) = data[at:at + 16], struct.unpack_from(">I", data, at + 16)
            entries[key] = data[at + 20:at + 20 + size].decode("utf-8", "surrogatepass")
            at += 20 + size
        return entries

    @staticmethod
    def remove_abandoned(directory: Path) -> None:
        """Remove the spools of builds that were killed (their process is gone)."""
        for path in directory.glob(f"{SPOOL_PREFIX}*.tmp"):
            try:
                os.kill(int(path.name[len(SPOOL_PREFIX):].split("-")[0]), 0)
            except ProcessLookupError:
                _remove(path)
            except (ValueError, OSError):
                pass


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

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> jinja2.bccache.Bucket:
        """Jinja's, with the environment's code generator in the key: a render without the fast
        paths (``environment.JoinedCodeGenerator``) never loads code compiled with them."""
        bucket = jinja2.bccache.Bucket(environment, self.bucket_key(environment, name, filename),
                                       self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def bucket_key(self, environment: jinja2.Environment, name: str, filename: str | None) -> str:
        return self.get_cache_key(f"{environment.code_generator_class.__qualname__}:{name}", filename)

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
