"""``serve``'s search bundle (Pagefind's ``pagefind/`` folder in the served site), replaced while browsers use it.

A search in a browser reads ``pagefind.js`` and ``pagefind-entry.json`` first, then the files the
entry names (the language's ``pagefind.<hash>.pf_meta``), then, as the reader types, the ``index/``,
``fragment/`` and ``filter/`` chunks the meta names, all by content hash. Every edit's refresh
(:mod:`.serve_refresh`) makes a new bundle with other hashes, so:

* :func:`install` puts a new bundle into the served folder file by file, each with one rename (a
  request gets the old file or the new one, whole), the entry last, so that a browser reading the new
  entry finds everything it names (a chunk already there, named by its bytes' hash, stays as it is);
  the files of the bundle it replaces stay until the next install (one generation), so that a search
  that read the previous entry still finds its chunks; older ones go. Only the first bundle is
  renamed into place as a folder. Replacing the whole folder at once deleted the previous bundle as
  soon as the new one was in (a search begun before it got 404 for its chunks), and where
  ``renameat2(RENAME_EXCHANGE)`` is missing took two renames, with no ``pagefind/`` at all between.
* :func:`carrying` hard-links the served bundle into a full rebuild's staging folder (a
  ``site.yaml`` edit replaces the whole site): search keeps working with the previous index until
  the refresh installs the new one, instead of 404 for every search file meanwhile.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Callable, TypeVar

ENTRY = "pagefind-entry.json"
"""The file that names the rest of a bundle (the script reads it first): installed last."""

R = TypeVar("R")


def bundle_files(folder: Path) -> frozenset[str]:
    """The ``/``-separated paths of the files below ``folder`` (empty when there is no such folder)."""
    found = set()
    for top, _folders, names in os.walk(folder):
        rel = Path(top).relative_to(folder).as_posix()
        found.update(name if rel == "." else f"{rel}/{name}" for name in names)
    return frozenset(found)


def install(new: Path, live: Path, previous: frozenset[str] | None) -> frozenset[str]:
    """Move the bundle in ``new`` (on the file system of ``live``) into the served folder ``live``;
    return its files, to pass as ``previous`` to the next install. ``previous``: the files of the
    bundle served now, which stay until then (None when not known: every file there now stays)."""
    files = bundle_files(new)
    if not live.is_dir():
        os.rename(new, live)
        return files
    there = bundle_files(live)
    kept = there if previous is None else previous
    for rel in sorted(files, key=lambda name: (name == ENTRY, name)):
        if rel in there and _named_by_content(rel):
            continue  # the same bytes (most chunks: an edit changes a few pages)
        target = live / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new / rel, target)
    for rel in there - files - kept:  # the bundle before the one just replaced
        (live / rel).unlink(missing_ok=True)
    return files


def _named_by_content(rel: str) -> bool:
    """Pagefind names its chunks and metadata after a hash of their bytes: one there already is this one."""
    return "/" in rel or rel.endswith(".pf_meta")


def carry(live: Path, staging: Path) -> None:
    """Hard-link the served bundle ``live`` (if there is one) into the site being built in ``staging``
    (beside it: the same file system; copied where links cannot be made). Where that fails, the new
    site has no bundle until the refresh installs one, as before."""
    if live.is_dir() and not (staging / live.name).exists():
        try:
            shutil.copytree(live, staging / live.name, copy_function=_link_or_copy)
        except OSError:
            shutil.rmtree(staging / live.name, ignore_errors=True)


def carrying(live: Path, render: Callable[[Any], R]) -> Callable[[Any], R]:
    """A build's render stage (``pipeline.RenderStage``) that also carries ``live`` into the job's
    staging folder, before the build swaps it in."""
    def stage(job: Any) -> R:
        rendered = render(job)
        carry(live, job.staging)
        return rendered
    return stage


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
