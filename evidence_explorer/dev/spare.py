"""The spare site of ``build --page-cache``: made by copying the published one when a build left none,
checked against its record before a build through the snapshot uses it (:func:`as_recorded`), and
brought up to date page by page (:func:`updated_pages`).

A build through the snapshot (:mod:`.snapshot_build`) writes the new site into the spare (the site
the last build replaced) and swaps it in. A full build into an output that had no site before (the
first build, or the first after the output was deleted) replaces nothing, so it leaves no spare,
and the build after it had to be a full one too: 33 s instead of 3 s after a one-line edit at 5,000
papers. So the snapshot's background writer (:func:`.snapshot.in_background`, after the swap: the
build has returned) copies the published pages into a new spare, each file checked against the
build's record (stat and digest) as it is read, and records the copy as the page cache records
a site: each page file's digest and stat, the folders' stats, the root's inode. Any difference or
error leaves no spare (the next build is a full one, as before). The copy is made under a staging
name (:data:`~evidence_explorer.site.publish.LEFTOVER`, marker first), so a killed writer's
leftovers are deleted by the next build. At 5,000 papers (19,152 files in 19,328 folders, 478 MB)
the copy took 12-17 s on this machine's disk, most of it creating the folders and files (as
``cp -r``, 3.7-22 s from hour to hour), on the writer's time: a build started before it ends waits
for it, and is still faster than the full build it replaces (docs/performance.md, "eighth pass").
"""
from __future__ import annotations

import os
from hashlib import blake2b
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from ..content import urls
from ..content.files import write_new
from ..site.publish import MARKER, remove_tree, spare_path
from .page_cache import dir_stats, dirs_as_recorded, file_stat, stat_fields

if TYPE_CHECKING:
    from .snapshot import Snapshot
    from .state import SiteState


def copied(output: Path, current: Mapping[str, Any]) -> dict[str, Any] | None:
    """Copy the published site's page files (``current``: its record) into a new spare site beside
    ``output``, replacing a spare a build made there (anything else in its place is left alone);
    the spare's record, or None (nothing left behind) when a file is not as recorded or anything
    fails."""
    spare = spare_path(output)
    if os.path.lexists(spare) and (spare.is_symlink() or not (spare / MARKER).is_file()):
        return None  # not a spare a build made: not ours to replace
    staging = output.parent / f".{output.name}.staging-{os.getpid()}"
    try:
        if os.path.lexists(staging):
            remove_tree(staging)
        os.mkdir(staging)
    except OSError:
        return None
    try:
        record = _copy(output, staging, current)
        if record is not None:
            if os.path.lexists(spare):
                old = output.parent / f".{output.name}.old-{os.getpid()}"
                os.rename(spare, old)
                remove_tree(old)
            os.rename(staging, spare)
            root = file_stat(spare)
            if root is not None and root[3] == record["root"]:
                return record
            return None
    except OSError:
        pass
    remove_tree(staging)
    return None


def _copy(output: Path, staging: Path, current: Mapping[str, Any]) -> dict[str, Any] | None:
    """The page files of ``current`` copied from ``output`` into ``staging`` (its marker first);
    their record, or None when one is not as recorded."""
    with open(staging / MARKER, "wb") as marker, open(output / MARKER, "rb") as published:
        marker.write(published.read())
    files: dict[str, list] = {}
    made: set[str] = set()
    source, target = f"{output}/", f"{staging}/"
    for rel, entry in current["files"].items():
        with open(source + rel, "rb") as f:
            data = f.read()
            stat = os.fstat(f.fileno())
        if stat_fields(stat) != entry[1:] \
                or blake2b(data, digest_size=16).hexdigest() != entry[0]:
            return None
        folder = rel.rpartition("/")[0]
        if folder and folder not in made:
            os.makedirs(target + folder, exist_ok=True)
            made.add(folder)
        stat = write_new(target + rel, data)
        files[rel] = [entry[0], *stat_fields(stat)]
    root = file_stat(staging)
    if root is None:
        return None
    return {"root": root[3], "others": [MARKER], "files": files, "dirs": dir_stats(staging, [*files, MARKER])}


def as_recorded(output: Path, current: Mapping[str, Any], recorded: Mapping[str, Any] | None) -> bool:
    """The published site's root and the whole spare site (folders and files) are as recorded
    (``current``, ``recorded``: the snapshot's records of both: :mod:`.snapshot_build`)."""
    spare, root = spare_path(output), file_stat(output)
    if recorded is None or root is None or root[3] != current.get("root"):
        return False
    top = file_stat(spare)
    if top is None or top[3] != recorded.get("root") or not dirs_as_recorded(spare, recorded):
        return False
    base = f"{spare}/"  # string paths: a Path per file costs more than its stat
    return all(file_stat(base + rel) == copy[1:] for rel, copy in recorded["files"].items())


def updated_pages(staging: Path, output: Path, snap: Snapshot, state: SiteState,
                  html: Mapping[str, str], written: set[str]) -> dict[str, list]:
    """Every page file of the new site in ``staging`` (the spare): rendered now, else the bytes it had in
    the last build (left, or copied from the published site; the files written added to ``written``).
    Output path → [digest, *stat]."""
    spare, current = (snap.spare or {})["files"], snap.current["files"]
    record: dict[str, list] = {}
    output_path = urls.output_path
    for url in state.pages:
        rel = output_path(url)
        text = html.get(url)
        if text is None:  # (most pages: the spare's copy kept as it is, its record too)
            copy = spare.get(rel)
            if copy is not None and copy[0] == current[rel][0]:
                record[rel] = copy
                continue
        if text is not None:
            data: bytes | None = text.encode("utf-8")
            digest = blake2b(data, digest_size=16).hexdigest()
        else:
            digest, data = current[rel][0], None
        copy = spare.get(rel)
        if copy is None or copy[0] != digest:
            if data is None:
                data = published(output, rel, current[rel])
            path = staging / rel  # (only here: a Path per page costs more than the loop)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.add(rel)
            stat = file_stat(path)
        else:
            stat = copy[1:]
        record[rel] = [digest, *(stat or [])]
    return record


def published(output: Path, rel: str, recorded: list) -> bytes:
    """A page's bytes from the published site, when its file is still as the last build recorded it."""
    path = output / rel
    data = path.read_bytes()
    if file_stat(path) != recorded[1:] or blake2b(data, digest_size=16).hexdigest() != recorded[0]:
        raise OSError(0, f"'{rel}' of the published site changed since it was written")
    return data
