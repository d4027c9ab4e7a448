"""Publishing a built site: the staging folder, the swap, and the clean-up of killed builds.

A build writes everything into a staging folder and swaps it in only when everything succeeded:

- **Usually** the staging folder is a sibling of the output (``.<name>.staging-<pid>``) and the swap
  is one atomic exchange (Linux ``renameat2(RENAME_EXCHANGE)``), else two renames; a kill at any
  moment leaves a whole site (old or new) in place.
- **When the output folder is a mount point** (a Docker volume, a bind mount) it cannot be renamed
  (EBUSY) and nothing can be renamed into it from another mount (EXDEV). The staging folder is then
  made *inside* it (``.evidence-explorer.staging-<pid>``, hidden from nothing: it is plain files),
  and the swap replaces the output's top-level entries one by one, each in one atomic exchange
  (assets before pages). Each entry is whole at every moment, but for the few milliseconds of the
  swap a visitor may get a new page next to an old folder; a kill during those milliseconds leaves
  a mix of old and new entries, which the next build replaces. The marker file stays in place
  throughout, so the folder is always recognised as ours.

Every folder a build creates (staging, the old site after the swap) holds the marker file from its
first moment to its last: removal deletes the marker last and the empty folder after it. So a
folder left by a killed build is recognisable at any moment (the marker, or empty) and the next
build removes it (:func:`remove_abandoned`), once its process is gone.
"""
from __future__ import annotations

import errno
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Callable, Mapping

from ..content.diagnostics import BuildError
from ..content.files import write_file
from .static_files import write_static

MARKER = ".evidence-explorer"
"""File written into every output directory: only such directories are ever replaced."""
INNER_PREFIX = ".evidence-explorer."
"""Names of the folders a build makes inside a mount-point output (``.evidence-explorer.staging-<pid>``)."""


class OutputError(BuildError):
    """Writing the site, its staging folder or its caches failed (disk full, read-only, …): exit 2."""


LEFTOVER = re.compile(r"\.(staging|old|trash)-(\d+)$")
"""The suffix of every folder a build (or its background remover) leaves beside the output, with its pid."""


def check_output(output: Path, content: Path) -> None:
    """Refuse an output that overlaps the content or was not written by us (exit 2)."""
    if output == content or content.is_relative_to(output) or output.is_relative_to(content):
        raise BuildError(f"output directory '{output}' overlaps the content directory")
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / MARKER).exists())):
        raise BuildError(f"refusing to replace '{output}': it exists and was not written by "
                         "evidence-explorer (no .evidence-explorer marker); choose another --output")


def spare_path(output: Path) -> Path:
    """Where the site replaced by the last swap is kept for the next build to update in place
    (``build``'s page cache: ``dev/page_cache.py``), beside the output: ``.<name>.spare``."""
    return output.parent / f".{output.name}.spare"


def write_staging(output: Path, files: Mapping[str, str | bytes], reuse: bool = False, remove: Callable[[Path], None] | None = None) -> Path:
    """A staging folder for ``output`` holding the marker, the static files and ``files``: a new one,
    or with ``reuse`` the spare site kept by the last build (:func:`spare_path`), renamed, its files
    to be brought up to date by the caller. A spare that is not reused is deleted."""
    staging = open_staging(output, reuse, remove)
    try:
        write_files(staging, files)
    except BaseException:
        remove_tree(staging)
        raise
    return staging


def open_staging(output: Path, reuse: bool = False, remove: Callable[[Path], None] | None = None) -> Path:
    """:func:`write_staging` without the files: the caller writes them (:func:`write_files`) and
    removes the folder if anything fails."""
    if output.parent.exists() and not output.parent.is_dir():  # mkdir would say "File exists"
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(output.parent))
    output.parent.mkdir(parents=True, exist_ok=True)
    inside = output.is_dir() and is_mount_point(output)
    if inside and not (output / MARKER).exists():  # an empty mount (check_output): mark it ours first
        _write_marker(output)
    remove_abandoned(output)
    staging = (output / f"{INNER_PREFIX}staging-{os.getpid()}" if inside
               else output.parent / f".{output.name}.staging-{os.getpid()}")
    if staging.exists():
        remove_tree(staging)
    spare = spare_path(output)
    if spare.is_dir() and not spare.is_symlink() and _ours(spare):
        if reuse and not inside:
            os.rename(spare, staging)
        else:
            (remove or remove_tree)(spare)  # ``remove``: an accelerator may delete it off the critical path
    try:
        staging.mkdir(parents=True, exist_ok=True)
        _write_marker(staging)  # first: marks leftovers as ours
        write_static(staging / "static")
    except BaseException:
        remove_tree(staging)
        raise
    return staging


def write_files(staging: Path, files: Mapping[str, str | bytes]) -> dict[str, int]:
    """Write ``files`` (output path → text, written as UTF-8, or bytes) into ``staging``; the size
    of each in bytes, in the same order."""
    sizes = {}
    for rel, text in files.items():
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        write_file(os.fspath(path), data)
        sizes[rel] = len(data)
    return sizes


def _write_marker(folder: Path) -> None:
    (folder / MARKER).write_text("This directory is written by evidence-explorer and replaced on "
                                 "every build.\n", encoding="utf-8")


def swap(staging: Path, output: Path, keep: bool = False, remove: Callable[[Path], None] | None = None) -> None:
    """Replace ``output`` by ``staging``, then remove the previous site (see the module docstring), or
    with ``keep`` keep it as the spare (:func:`spare_path`) for the next build to update. ``remove``
    deletes the previous site: :func:`remove_tree` unless an accelerator is passed (``build`` passes
    ``speed.background.remove_later``, which deletes it off the critical path)."""
    if staging.parent == output:
        _swap_entries(staging, output)
        return
    if not output.exists():
        os.rename(staging, output)
        return
    if _exchange(staging, output):  # staging now holds the previous site
        _keep_or_remove(staging, output, keep, remove or remove_tree)
        return
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    os.rename(output, old)
    try:
        os.rename(staging, output)
    except BaseException:
        os.rename(old, output)  # put the previous site back
        raise
    _keep_or_remove(old, output, keep, remove or remove_tree)


def _keep_or_remove(previous: Path, output: Path, keep: bool, remove: Callable[[Path], None]) -> None:
    """The site a swap replaced: kept as the spare (when asked and nothing is in its way), else deleted."""
    if keep:
        try:
            os.rename(previous, spare_path(output))
            return
        except OSError:  # a folder not ours in the way: the spare is only an accelerator
            pass
    remove(previous)


def _swap_entries(staging: Path, output: Path) -> None:
    """Replace the entries of ``output`` (a mount point) by those of ``staging`` inside it, each in one
    atomic step; the previous entries end in ``staging``, which is then removed."""
    new = {p.name for p in staging.iterdir()} - {MARKER}
    old = {p.name for p in output.iterdir()} - {MARKER, staging.name}
    old = {name for name in old if not (name.startswith(INNER_PREFIX) and LEFTOVER.search(name))}
    # assets and folders first, pages last: a new page never links to an asset not yet in place
    for name in sorted(new, key=lambda n: (n.endswith(".html"), n)):
        if name in old and not _exchange(staging / name, output / name):
            os.rename(output / name, staging / f"{name}.previous")  # no exchange here: two renames
            os.rename(staging / name, output / name)
        elif name not in old:
            os.rename(staging / name, output / name)
    for name in sorted(old - new):
        os.rename(output / name, staging / name)
    remove_tree(staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    False when the system or filesystem cannot, and nothing was changed.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def remove_folder(path: Path) -> None:
    """Delete the folder at ``path`` with what it holds, if it is one (not a link to one)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)


def remove_tree(folder: Path) -> None:
    """Delete a folder a build made, keeping its marker to the last: a kill at any moment leaves a
    folder that :func:`remove_abandoned` still recognises (it holds the marker, or nothing)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    except OSError:
        entries = []
    for entry in entries:
        if entry.name == MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            _unlink(entry.path)
    try:
        if any(entry.name != MARKER for entry in os.scandir(folder)):
            return  # something could not be deleted, or was written meanwhile (an interrupted build's
            # Pagefind, still writing as it was killed): the marker stays, so the next build removes it
    except OSError:
        return
    _unlink(os.path.join(folder, MARKER))
    try:
        os.rmdir(folder)
    except OSError:
        pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def remove_abandoned(output: Path) -> None:
    """Delete staging/old folders left by builds that were killed (their process is gone): beside
    the output, and inside it when it is a mount point. Only folders holding the marker, or empty."""
    candidates = list(output.parent.glob(f".{_glob_escape(output.name)}.*-*"))
    if output.is_dir():
        candidates += output.glob(f"{INNER_PREFIX}*-*")
    for leftover in candidates:
        match = LEFTOVER.search(leftover.name)
        if match is None or not leftover.is_dir() or leftover.is_symlink() or not _ours(leftover):
            continue
        if not process_alive(int(match.group(2))):
            remove_tree(leftover)


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _ours(folder: Path) -> bool:
    try:
        return (folder / MARKER).is_file() or not any(folder.iterdir())
    except OSError:
        return False


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (one of another user counts as running: not ours to judge)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # alive but not ours to signal: leave it
    return True


def is_mount_point(path: Path) -> bool:
    """True when ``path`` is a mount point, including a bind mount from the same filesystem (which
    ``os.path.ismount`` cannot see: Linux lists it in ``/proc/self/mountinfo``)."""
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    target = os.path.realpath(path)
    unescape = lambda s: re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)  # noqa: E731
    return any(len(fields) > 4 and unescape(fields[4]) == target for fields in map(str.split, lines))


def describe_os_error(exc: OSError) -> str:
    """``'path': No space left on device (ENOSPC)``: the path(s) and the system's words and code."""
    code = errno.errorcode.get(exc.errno or 0, "")
    reason = (exc.strerror or str(exc)) + (f" ({code})" if code else "")
    paths = [f"'{os.fsdecode(p)}'" for p in (exc.filename, exc.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {reason}" if paths else reason
