"""Which files are content, and reading one safely: the one walk every reader of the content uses.

:func:`walk_content` decides, once for the whole program (loading, parallel loading, the
up-to-date check, ``serve``, the importers, ``new``, the review-sheet import), which files are
content: ``*.md`` files in a collection folder (``papers/``, ``cmocs/``…) and its subfolders,
no file or folder whose name starts with ``.`` or ``_``. It never hangs and never leaves the
content folder:

- only regular files are content: a FIFO, device or socket named ``*.md`` is a located error
  (found with ``stat``, which never opens it);
- a symbolic link that resolves outside the content folder is an error unless ``site.yaml`` sets
  ``follow_symlinks_outside: true`` (then links to *files* outside are read; a link to a *folder*
  outside is never walked, nor one that loops back to a folder already walked);
- what looks like content but is not read is a warning: an unknown folder (``paper/``: did you mean
  ``papers/``?), a ``.md`` file beside ``site.yaml``, a ``.markdown`` file.

:func:`read_bounded` reads a file for the loader: opened without blocking (a FIFO that appears
after the walk cannot hang it), checked to be a regular file and within the size limit on the
opened descriptor, then read no further than the limit.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import did_you_mean

COLLECTIONS: dict[str, str] = {
    "reviews": "review",
    "questions": "question",
    "theories": "theory",
    "maps": "map",
    "papers": "paper",
    "cmocs": "cmoc",
    "pages": "page",
}
"""Folder name → entity kind, in load (and display) order."""

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
_MB = 1024 * 1024
MAX_FILE_BYTES = 2 * _MB
"""Larger files are rejected: ten times any real page, and Markdown of this size takes seconds."""


class FileProblem(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class WalkProblem:
    rel: str
    """Content-relative path (with forward slashes) of the file or folder concerned."""
    error: bool
    """An error (the build fails) or a warning."""
    code: str
    message: str


@dataclass(frozen=True)
class ContentWalk:
    files: tuple[tuple[str, str], ...]
    """(content-relative path, kind) of every content file, in load order."""
    problems: tuple[WalkProblem, ...]
    stats: tuple[os.stat_result, ...] = ()
    """Each file's ``stat`` (links followed), as the walk took it, in the order of :attr:`files`
    (the up-to-date check signs the files with them instead of a second ``stat`` each)."""

    @property
    def failed(self) -> bool:
        return any(p.error for p in self.problems)


def is_content_path(rel: str) -> str | None:
    """The kind of the content file at ``rel`` (relative, forward slashes) by its name alone, or
    None when no walk would read it (the walk also checks the file itself)."""
    parts = rel.split("/")
    if len(parts) < 2 or parts[0] not in COLLECTIONS or not parts[-1].endswith(".md"):
        return None
    if any(not part or part.startswith((".", "_")) for part in parts[1:]):
        return None
    return COLLECTIONS[parts[0]]


def skipped(name: str) -> bool:
    return name.startswith((".", "_"))


def source_stats(content_dir: Path, follow_outside: bool = False) -> list[tuple[str, os.stat_result]] | None:
    """``load.source_paths`` with each file's ``stat`` as the walk took it (links followed)."""
    walk = walk_content(content_dir, follow_outside)
    return None if walk.failed else [(rel, st) for (rel, _kind), st in zip(walk.files, walk.stats, strict=True)]


def walk_content(content_dir: Path, follow_outside: bool = False) -> ContentWalk:
    """Every content file of ``content_dir`` in load order (collections in :data:`COLLECTIONS`
    order; in each folder its files by name, then its subfolders by name), and the problems."""
    walker = _Walker(os.path.realpath(content_dir), str(content_dir), follow_outside)
    try:
        root = os.stat(content_dir)
        walker.seen.add((root.st_dev, root.st_ino))  # a link back to the content folder is a loop
    except OSError:
        pass
    walker.top_level()
    for folder, kind in COLLECTIONS.items():
        path = os.path.join(walker.shown, folder)
        if os.path.lexists(path) and walker.enter(path, folder, is_link=os.path.islink(path)):
            walker.folder(path, folder, kind)
    return ContentWalk(tuple(walker.files), tuple(walker.problems), tuple(walker.stats))


class _Walker:
    def __init__(self, root: str, shown: str, follow_outside: bool):
        self.root, self.shown, self.follow_outside = root, shown, follow_outside
        self.files: list[tuple[str, str]] = []
        self.stats: list[os.stat_result] = []
        self.problems: list[WalkProblem] = []
        self.seen: set[tuple[int, int]] = set()

    def problem(self, rel: str, error: bool, code: str, message: str) -> None:
        self.problems.append(WalkProblem(rel, error, code, message))

    def top_level(self) -> None:
        """Warnings for what is beside the collection folders and would silently not be read."""
        try:
            entries = sorted(os.scandir(self.shown), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if skipped(name) or name in COLLECTIONS or name == "site.yaml":
                continue
            if _is_dir(entry):
                self.problem(name, False, "content.unknown-folder",
                             f"folder '{name}/' is not read: content goes in {_folders()}"
                             + did_you_mean(name, COLLECTIONS).replace("'?)", "/'?)"))
            elif name.endswith((".md", ".markdown")):
                self.problem(name, False, "content.stray-file",
                             f"'{name}' is not read: content files go in a collection folder "
                             f"({_folders()}), free pages in 'pages/'")

    def enter(self, path: str, rel: str, is_link: bool) -> bool:
        """Whether to walk the folder at ``path``; loops and links outside are reported."""
        try:
            st = os.stat(path)
        except OSError as exc:
            self.problem(rel, True, "file.unreadable", f"cannot read folder: {exc.strerror}")
            return False
        if not stat.S_ISDIR(st.st_mode):
            self.problem(rel, False, "content.unknown-folder", f"'{rel}' is not a folder: it is not read")
            return False
        if is_link and not self.inside(os.path.realpath(path)):
            self.problem(rel, True, "file.symlink-outside",
                         "symbolic link to a folder outside the content folder: not followed")
            return False
        key = (st.st_dev, st.st_ino)
        if key in self.seen:
            self.problem(rel, True, "file.symlink-loop", "symbolic link loop: this folder was already read")
            return False
        self.seen.add(key)
        return True

    def inside(self, real: str) -> bool:
        return _inside(real, self.root)

    def folder(self, path: str, rel: str, kind: str) -> None:
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            self.problem(rel, True, "file.unreadable", f"cannot read folder: {exc.strerror}")
            return
        subfolders = []
        for entry in entries:
            if skipped(entry.name):
                continue
            if _is_dir(entry):
                subfolders.append(entry)
            else:
                self.file(entry, f"{rel}/{entry.name}", kind)
        for entry in subfolders:
            sub = f"{rel}/{entry.name}"
            if self.enter(entry.path, sub, entry.is_symlink()):
                self.folder(entry.path, sub, kind)

    def file(self, entry: os.DirEntry, rel: str, kind: str) -> None:
        name = entry.name
        if name.endswith(".markdown"):
            self.problem(rel, False, "content.ignored-file",
                         f"'.markdown' files are not read: rename it to '{name[:-len('.markdown')]}.md'")
            return
        if not name.endswith(".md"):
            return
        found = checked_stat(entry.path, rel, self.root, self.follow_outside, is_link=entry.is_symlink())
        if isinstance(found, WalkProblem):
            self.problems.append(found)
        else:
            self.files.append((rel, kind))
            self.stats.append(found)


def file_problem(path: str, rel: str, root: str, follow_outside: bool,
                 folder_checked: bool = True) -> WalkProblem | None:
    """Why the content file at ``path`` is not read (a link outside ``root``, the content folder's
    real path; not a regular file), or None. ``folder_checked`` False (a file ``serve`` reads
    without a walk): also refuse a file reached through a linked folder outside."""
    found = checked_stat(path, rel, root, follow_outside, folder_checked)
    return found if isinstance(found, WalkProblem) else None


def checked_stat(path: str, rel: str, root: str, follow_outside: bool, folder_checked: bool = True,
                 is_link: bool | None = None) -> WalkProblem | os.stat_result:
    """:func:`file_problem`'s problem, or else the file's ``stat`` (links followed). ``is_link``:
    whether ``path`` is a symbolic link, when the caller knows (a folder's entry does, without a
    system call)."""
    if not folder_checked and not _inside(os.path.realpath(os.path.dirname(path)), root):
        return WalkProblem(rel, True, "file.symlink-outside",
                           "in a folder outside the content folder (through a symbolic link): not read")
    if is_link is None:
        is_link = os.path.islink(path)
    if is_link and not follow_outside and not _inside(os.path.realpath(path), root):
        return WalkProblem(rel, True, "file.symlink-outside",
                           "symbolic link to a file outside the content folder: not read (set "
                           "'follow_symlinks_outside: true' in site.yaml to allow it)")
    try:
        found = os.stat(path)
    except OSError as exc:
        return WalkProblem(rel, True, "file.unreadable", f"cannot read file: {exc.strerror}")
    if not stat.S_ISREG(found.st_mode):
        return WalkProblem(rel, True, "file.not-regular", _not_regular(found.st_mode))
    return found


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _folders() -> str:
    return ", ".join(f"'{f}/'" for f in COLLECTIONS)


def _not_regular(mode: int) -> str:
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a folder" if stat.S_ISDIR(mode) else "a special file")
    return f"{what}, not a regular file: only plain files are read"


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them; raise
    :class:`FileProblem` for anything else (never blocks on a FIFO or device)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise FileProblem(f"cannot read file: {exc.strerror}", "file.unreadable") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileProblem(_not_regular(st.st_mode), "file.not-regular")
        if st.st_size > limit:
            raise FileProblem(_too_large(st.st_size, limit), "file.too-large")
        chunks, got = [], 0
        while got <= limit:
            chunk = os.read(fd, min(limit + 1 - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise FileProblem(_too_large(got, limit), "file.too-large")
        return b"".join(chunks)
    except OSError as exc:
        raise FileProblem(f"cannot read file: {exc.strerror}", "file.unreadable") from None
    finally:
        os.close(fd)


def _too_large(size: int, limit: int) -> str:
    return f"file is {size // _MB} MB, larger than the {limit // _MB} MB limit"
