"""``build``'s snapshot: the engine state ``serve`` keeps in memory, kept on disk between builds.

After a successful ``build --page-cache`` the state of :mod:`.incremental` (the corpus, every page
spec, each page's recorded dependencies, the findings, nav, extras, dates, the views' memo; not
the Jinja environment, nor the pages using each id, found per id when asked for:
:class:`.dependencies.Users`) is pickled into the versioned cache folder with the build's key, the digest
of every content file it read, and the records of the published and spare sites (each page file's
digest and stat: :mod:`.page_cache`'s format). The exports' fragments (87 of 145 MB at 5,000
papers) go into a sealed file of their own beside it (:data:`FRAGMENTS`), read only by the join
that needs them. The next build loads it instead of loading,
linking and specifying everything again (:mod:`.snapshot_build`).

The file holds two pickles: :class:`Head` (the key and the sites' records, plain data, so the
build can refuse a snapshot of another key, and a forked child check the sites, before the rest is
unpickled), then the rest.

Pickle runs code named in the file, so the file is sealed (``speed/seal.py``: only this user's own
build can have written it) and only unpickled after the seal verified, and even then through
:class:`_Unpickler`, whose ``find_class`` admits only classes defined in our own package (the
model's and views' dataclasses, enums and values), the view
functions page specs hold, a few standard types (paths, ``Markup``, dates), this module's
:func:`proxy` and the makers of the package's slotted dataclasses (:mod:`..speed.slotted`, each only
sets the fields of one such class): a file that names anything else is ignored like a missing one (the build is cold).
``docs/threat-model.md`` says so.
"""
from __future__ import annotations

import dataclasses
import datetime
import gc
import io
import os
import pathlib
import pickle
import sys
from collections import ChainMap
from functools import partial
from importlib import import_module
from pathlib import Path
from types import FunctionType, MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple

from markupsafe import Markup

from ..site.environment import make_environment
from ..speed import seal, slotted
from ..speed.cache import TemplateCache
from ..speed.memory import aged, collector_paused
from ..speed.aside import PlainUnpickler, can_fork
from .dependencies import Users
from .incremental import SiteState
from .snapshot_file import (FRAGMENTS, LOCK, SNAPSHOT, forget, fragments_path, lock, payload_of, snapshot_path,
                            wait_for_writer)

__all__ = ["FRAGMENTS", "LOCK", "SNAPSHOT", "forget", "fragments_path", "payload_of", "snapshot_path",
           "wait_for_writer"]  # re-exported: they live in snapshot_file.py (read before the engine is imported)

MAGIC = "evidence-explorer snapshot"
FORMAT = 2
"""Bump when the layout of :class:`Snapshot` changes (a code change changes the folder anyway)."""
PACKAGE = slotted.PACKAGE
STANDARD = {("pathlib", "PosixPath"): pathlib.PosixPath, ("pathlib", "PurePosixPath"): pathlib.PurePosixPath,
            ("pathlib", "WindowsPath"): pathlib.WindowsPath, ("pathlib", "PureWindowsPath"): pathlib.PureWindowsPath,
            ("markupsafe", "Markup"): Markup, ("datetime", "date"): datetime.date,
            ("datetime", "datetime"): datetime.datetime, ("datetime", "timedelta"): datetime.timedelta,
            ("datetime", "timezone"): datetime.timezone}
"""The only classes from outside the package a snapshot may name."""


@dataclasses.dataclass(frozen=True)
class Snapshot:
    format: int
    key: str
    """The build's key (:func:`.snapshot_build.build_key`): any difference means the slow path."""
    content: Mapping[str, bytes]
    """Content-relative path → digest of the bytes the build read (``uptodate``'s signature)."""
    state: SiteState
    current: Mapping[str, Any]
    """The published site's record: root inode, ``files`` (path → [digest, *stat]), ``dirs``, ``others``."""
    spare: Mapping[str, Any] | None
    """The same for the spare site (the one the build replaced), when known."""


def in_background(output: Path, work: Callable[[], None]) -> None:
    """Run ``work`` (saving the snapshot and the up-to-date manifest: seconds at 5,000 papers) in a
    forked process holding the snapshot's lock, so the build returns as soon as the site is
    published; the next build waits for the lock first (:func:`wait_for_writer`). Forked twice, so
    that no zombie is left to a long-lived caller (tests call the CLI in-process). Without a safe
    ``fork`` (Windows, threads running), in this process."""
    fd = lock(output.resolve(), create=True)
    pid = os.fork() if fd is not None and can_fork() else -1
    if pid == 0:  # the child: starts the writer and exits at once; the lock goes with the writer
        code = 1
        try:
            os.setsid()
            if os.fork() == 0:
                quiet = os.open(os.devnull, os.O_RDWR)
                for std in (0, 1, 2):  # a caller reading our output does not wait for the writer
                    os.dup2(quiet, std)
                gc.disable()  # a short life ended by _exit: a collection would only walk (and copy) the
                work()        # build's millions of inherited objects, 0.4 s of the writer at 5,000 papers
            code = 0
        finally:
            os._exit(code)
    try:
        if pid < 0:
            work()
        else:
            os.waitpid(pid, 0)
    finally:
        if fd is not None:
            os.close(fd)


def proxy(items: dict) -> MappingProxyType:
    """A read-only mapping again (pickle cannot store one as it is)."""
    return MappingProxyType(items)


def _by_name(memo: Mapping[tuple, tuple]) -> dict[str, list]:
    """The views' memo as stored: name → its entries (objects, value). Its keys hold the identities
    of this process's objects, which mean nothing to the next one (:func:`_ready` makes them again):
    stored, they were 290,000 of the snapshot's 2 million objects at 5,000 papers (a tuple and
    a large int per object), unpickled only to be thrown away."""
    out: dict[str, list] = {}
    for key, entry in memo.items():  # (a chain map's first layer wins, as in the map)
        out.setdefault(key[0], []).append(entry)
    return out


def _flattened(obj: ChainMap) -> tuple:
    return dict, (dict(obj),)  # the memo's layers, flattened (the first layer wins, as in the map)


def _read_only(obj: MappingProxyType) -> tuple:
    return proxy, (dict(obj),)


class _Pickler(pickle.Pickler):
    """A pickler with a dispatch table (looked up in C: a ``reducer_override`` would be a Python call
    for each of the snapshot's 250,000 containers) for read-only mappings, chain maps and the
    package's slotted dataclasses (every class of a loaded module of the package, found once)."""

    def __init__(self, file: Any, protocol: int) -> None:
        super().__init__(file, protocol)
        self.dispatch_table = {MappingProxyType: _read_only, ChainMap: _flattened, **slotted.dispatch()}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in STANDARD:
            return STANDARD[module, name]
        if module == __name__ and name == "proxy":
            return proxy
        if module == slotted.__name__ and name.startswith("made."):
            try:
                return getattr(slotted.made, name.removeprefix("made."))
            except AttributeError as exc:
                raise pickle.UnpicklingError(str(exc)) from None
        if module.startswith(PACKAGE) and "." not in name:
            found = getattr(import_module(module), name, None)
            if isinstance(found, type) and found.__module__ == module:
                return found
            if isinstance(found, FunctionType) and found.__module__ == module and ".site.views." in module:
                return found  # a view's helper a page spec holds (called by templates only)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a snapshot")


def save(path: Path, snapshot: Snapshot) -> bool:
    """Pickle ``snapshot`` (without the Jinja environment and what is derived on load) and write it
    sealed, atomically, with the exports' fragments in a sealed file of their own beside it (written
    first; the two share a random tag, so a fragments file of another save is never joined from).
    Two pickles, one after the other: :class:`Head` (plain data), then the rest. False when nothing
    could be written."""
    state = snapshot.state  # (its deps share their id strings: :func:`.snapshot_build.after_build`, or loaded)
    exports, fragments = state.exports.parted()
    slim = dataclasses.replace(state, env=None, users=MappingProxyType({}), memo=_by_name(state.memo), rels={},
                               exports=exports, deps=MappingProxyType({url: tuple(ids) for url, ids in state.deps.items()}))
    # (the deps as tuples: 561,000 ids at 5,000 papers in 19,000 frozensets took 41 MB and 0.056 s to load,
    # as tuples 0.015 s and a quarter of the page faults; the engine asks a tuple only ``in`` and
    # ``isdisjoint`` of a set)
    head = (MAGIC, snapshot.format, snapshot.key, snapshot.current, snapshot.spare)
    buffer = io.BytesIO()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # nested specs and entities
    try:
        if fragments is not None and not seal.write(path.with_name(FRAGMENTS), FRAGMENTS, *fragments):
            return False  # (None: the file holds them already, written by the export stage)
        del fragments
        with collector_paused():
            pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(head)
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
                dataclasses.replace(snapshot, state=slim, current={}, spare=None))
        return seal.write(path, SNAPSHOT, buffer.getbuffer())
    except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return False
    finally:
        sys.setrecursionlimit(limit)


class Head(NamedTuple):
    """The snapshot's first pickle: what decides whether it can be used, before the rest is unpickled
    (half a second at 5,000 papers), and what a forked child needs to check the sites
    (``snapshot_build``)."""

    key: str
    current: Mapping[str, Any]
    spare: Mapping[str, Any] | None
    rest: int
    """Where the second pickle (the :class:`Snapshot` without the sites' records) starts."""


def head_of(payload: bytes) -> Head | None:
    """The verified ``payload``'s :class:`Head`, or None when it has none (another format). Plain
    data only: its unpickler admits no class at all."""
    stream = io.BytesIO(payload)
    try:
        with collector_paused():  # (40,000 lists at 5,000 papers, none garbage)
            magic, version, key, current, spare = PlainUnpickler(stream).load()
    except Exception:  # noqa: BLE001 (a file that does not unpickle is no snapshot)
        return None
    if magic != MAGIC or version != FORMAT or not isinstance(key, str) or not isinstance(current, dict) \
            or not isinstance(spare, (dict, type(None))):
        return None
    return Head(key, current, spare, stream.tell())


def load(path: Path, read: Callable[[], bytes | None] | None = None, head: Head | None = None,
         payload: bytes | None = None) -> Snapshot | None:
    """The snapshot at ``path`` with its state ready for :func:`.incremental.advance`, or None when
    there is none, it is not sealed with this user's key, or it does not unpickle as one. ``read``:
    gives its verified payload (:func:`payload_of`, done already); or ``payload`` and its ``head``
    (:func:`head_of`), read already."""
    if payload is None:
        payload = read() if read is not None else payload_of(path)
    if payload is None or (head := head or head_of(payload)) is None:
        return None
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        with collector_paused():  # a million new objects, none garbage: the collections only cost time
            loaded = _Unpickler(io.BytesIO(memoryview(payload)[head.rest:])).load()
            del payload
            ready = _ready(loaded, head, path.parent)
            aged()  # (after :func:`_ready` too: its memo's 84,000 keys were a 27 ms young collection)
            return ready
    except Exception:  # noqa: BLE001 (a file that does not unpickle is no snapshot)
        return None
    finally:
        sys.setrecursionlimit(limit)


def _ready(snapshot: Any, head: Head, folder: Path) -> Snapshot | None:
    """The unpickled snapshot with what it does not store: the sites' records (in ``head``), the memo
    keyed by identity, the pages
    using each id (found when asked for), a template environment (compiled templates from the
    sealed cache in ``folder``), where the exports' fragments are (read when first joined)."""
    if not isinstance(snapshot, Snapshot) or snapshot.format != FORMAT or not isinstance(snapshot.state, SiteState) \
            or snapshot.key != head.key:
        return None
    state = snapshot.state
    memo = {(name, *map(id, entry[0])): entry for name, entries in state.memo.items()  # keyed by identity
            for entry in entries}
    env = make_environment()
    if seal.available():
        env.bytecode_cache = TemplateCache(folder / "jinja")
    state = dataclasses.replace(state, env=env, memo=MappingProxyType(memo),
                                users=Users(state.deps))
    state.exports.attach(fragments_source(folder))
    return dataclasses.replace(snapshot, state=state, current=head.current, spare=head.spare)


def fragments_source(folder: Path) -> Callable[[], memoryview | None]:
    """The verified payload of the fragments file in ``folder``, mapped when called (``seal.mapped``;
    None: missing or not ours)."""
    return partial(seal.mapped, folder / FRAGMENTS, FRAGMENTS, 1 << 32)
