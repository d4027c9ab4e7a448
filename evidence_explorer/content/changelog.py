"""The content directory's git history → per commit, each entity added, changed or removed, and
for a changed one which of its fields changed (compared in :mod:`.frontdiff`).

Three git processes per build, whatever the history's length: ``rev-parse`` (is this a work tree,
is it shallow), ONE ``git log --raw`` (every commit touching the content, with the blob ids of each
file before and after) and ONE ``git cat-file --batch`` (the blobs to compare). Bounds: the newest
:data:`MAX_COMMITS` commits, and at most :data:`MAX_BLOBS` file versions of at most
:data:`MAX_BLOB_BYTES` each are read; a change beyond them is listed without its details.

Always a :class:`Changelog`: when git is missing, the content is not in a git work tree or no
commit touches it, its ``unavailable`` says why (and ``/changes/`` says so in plain words).
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .frontdiff import FieldChange, changed_front_matter, diff, front_matter
from .textsafe import UNSAFE_TEXT
from .walk import COLLECTIONS, is_content_path

MAX_COMMITS = 200
"""Newest commits read; older history stays in git (the page says so)."""
MAX_BLOBS = 4000
"""File versions read to work out what changed; later (older) changes are listed without details."""
MAX_BLOB_BYTES = 512 * 1024
TIMEOUT_S = 60
NO_GIT, NOT_A_REPOSITORY, NO_COMMITS = "no-git", "not-a-repository", "no-commits"
"""Why there is no history (:attr:`Changelog.unavailable`)."""
_ACTIONS = {"A": "added", "M": "changed", "D": "removed", "T": "changed"}
_ZERO = "0" * 40


@dataclass(frozen=True)
class EntityChange:
    action: str
    """added, changed or removed."""
    kind: str
    id: str
    """The file stem (an entity's id unless its front matter sets another)."""
    rel: str
    """Path relative to the content directory."""
    fields: tuple[FieldChange, ...] = ()
    """What changed, field by field (for ``changed``)."""
    detailed: bool = False
    """Whether the file was compared (False: beyond the bounds, or unreadable at the time)."""
    raw: bytes | None = None
    """For ``added`` and ``removed``: the file as the commit left it (before it, for ``removed``),
    read only for its name when the site no longer has the entity (:attr:`data`); None beyond the bounds."""
    fast: bool = field(default=True, compare=False)

    @property
    def data(self) -> dict | None:
        """The front matter of :attr:`raw` (parsed when asked: most entities are named by the site)."""
        parsed = front_matter(self.raw, self.fast) if self.raw is not None else None
        return parsed[0] if parsed else None


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str
    """Author date, ISO 8601 with its offset."""
    author: str
    subject: str
    changes: tuple[EntityChange, ...]


@dataclass(frozen=True)
class Changelog:
    commits: tuple[Commit, ...]
    """Newest first; only commits that changed an entity (a file tidied up, say a list written
    another way with the same values, is no change)."""
    unavailable: str = ""
    """Why there is no history: :data:`NO_GIT`, :data:`NOT_A_REPOSITORY`, :data:`NO_COMMITS`; "" when there is."""
    shallow: bool = False
    """A shallow clone: history before the oldest commit is not in this copy."""
    truncated: bool = False
    """More than :data:`MAX_COMMITS` commits touch the content: only the newest are read."""
    seen: dict = field(default_factory=dict, compare=False)
    """File stem (lower case: an entity's id unless its front matter sets another) → the
    :class:`EntityChange` that last added or removed it (names for entities since removed)."""


def read_history(content_dir: Path, max_commits: int = MAX_COMMITS, fast: bool = True) -> Changelog:
    """The history of ``content_dir``; ``fast``: libyaml to read past versions (the same values)."""
    git = shutil.which("git")
    if git is None:
        return Changelog((), NO_GIT)
    shallow = _run([git, "-C", str(content_dir), "rev-parse", "--is-shallow-repository"])
    if shallow is None or not Path(content_dir).is_dir():
        return Changelog((), NOT_A_REPOSITORY)
    log = _run([git, "-c", "core.quotepath=off", "-C", str(content_dir), "log", f"-n{max_commits + 1}",
                "--no-renames", "--raw", "--no-abbrev", "-z", "--relative", "--no-color",
                "--format=%x1e%H%x1f%aI%x1f%an%x1f%P%x1f%s", "--", "."])
    if log is None:
        return Changelog((), NO_COMMITS)
    records = [r for r in log.decode("utf-8", errors="replace").split("\x1e") if r.strip("\x00\n")]
    truncated = len(records) > max_commits
    parsed = [c for c in (_parse(r) for r in records[:max_commits]) if c is not None]
    is_shallow = shallow.strip() == b"true"
    if is_shallow and parsed and not parsed[-1][1]:  # the clone's boundary: everything looks added
        parsed.pop()
    blobs = _read_blobs(git, content_dir, _wanted(parsed))
    commits = tuple(c for c in (_commit(p, blobs, fast) for p in parsed) if c.changes)
    if not commits:
        return Changelog((), NO_COMMITS, is_shallow, truncated)
    return Changelog(commits, "", is_shallow, truncated, _seen(commits))


def _run(cmd: list[str], stdin: bytes | None = None) -> bytes | None:
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


_Raw = tuple[str, str, str, str]
"""(status, old blob, new blob, path) of one file in one commit."""


def _parse(record: str) -> tuple[tuple[str, ...], bool, list[_Raw]] | None:
    """``git log -z --raw`` record → (sha, date, author, subject), has parents, entity files."""
    header, _, body = record.partition("\x00")
    parts = header.split("\x1f")
    if len(parts) != 5:
        return None
    sha, date, author, parents, subject = parts
    tokens = body.split("\x00")
    files: list[_Raw] = []
    for meta, path in zip(tokens[0::2], tokens[1::2]):
        fields = meta.strip("\n").split(" ")
        if len(fields) != 5 or fields[4][:1] not in _ACTIONS or is_content_path(path) is None:
            continue
        files.append((fields[4][:1], fields[2], fields[3], path))
    author, subject = UNSAFE_TEXT.sub("", author), UNSAFE_TEXT.sub("", subject.strip())  # XML and HTML refuse them
    return (sha, date, author, subject), bool(parents.strip()), files


def _wanted(parsed: list) -> list[str]:
    """The blob ids to read, newest commits first, at most :data:`MAX_BLOBS`."""
    out: dict[str, None] = {}
    for _head, _parents, files in parsed:
        for status, old, new, path in files:
            need = {"M": (old, new), "T": (old, new), "D": (old,), "A": (new,)}
            for blob in need[status]:
                if blob != _ZERO and len(out) < MAX_BLOBS:
                    out[blob] = None
    return list(out)


def _read_blobs(git: str, content_dir: Path, shas: list[str]) -> dict[str, bytes]:
    """ONE ``git cat-file --batch`` for every blob wanted: id → bytes (missing or too large: absent)."""
    if not shas:
        return {}
    out = _run([git, "-C", str(content_dir), "cat-file", "--batch"], ("\n".join(shas) + "\n").encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    while out is not None and pos < len(out):
        end = out.find(b"\n", pos)
        if end < 0:
            break
        head = out[pos:end].split(b" ")
        if len(head) != 3 or head[1] != b"blob":  # "<sha> missing": nothing follows
            pos = end + 1
            continue
        size = int(head[2])
        if size <= MAX_BLOB_BYTES:
            blobs[head[0].decode()] = out[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return blobs


def _commit(parsed: tuple, blobs: dict[str, bytes], fast: bool) -> Commit:
    (sha, date, author, subject), _parents, files = parsed
    changes = [_change(status, old, new, path, blobs, fast) for status, old, new, path in files]
    changes = [c for c in changes if c.fields or not c.detailed or c.action != "changed"]  # only tidied
    order = {"added": 0, "changed": 1, "removed": 2}
    kinds = list(COLLECTIONS.values())
    changes.sort(key=lambda c: (order[c.action], kinds.index(c.kind), c.id.lower()))
    return Commit(sha, date, author, subject, tuple(changes))


def _change(status: str, old: str, new: str, path: str, blobs: dict[str, bytes], fast: bool) -> EntityChange:
    p = PurePosixPath(path)
    action, kind = _ACTIONS[status], is_content_path(path) or ""
    if action in ("added", "removed"):
        raw = blobs.get(new if action == "added" else old)
        return EntityChange(action, kind, p.stem, path, (), raw is not None, raw, fast)
    pair = changed_front_matter(blobs[old], blobs[new], fast) if old in blobs and new in blobs else None
    if pair is None:
        return EntityChange(action, kind, p.stem, path, (), False, None, fast)
    return EntityChange(action, kind, p.stem, path, diff(*pair), True, None, fast)


def _seen(commits: tuple[Commit, ...]) -> dict[str, EntityChange]:
    """File stem → the newest addition or removal read of it (to name entities the site no longer has)."""
    out: dict[str, EntityChange] = {}
    for commit in commits:
        for ch in commit.changes:
            if ch.raw is not None:
                out.setdefault(ch.id.lower(), ch)
    return out
