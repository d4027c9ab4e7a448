""""Nothing changed since the last build": a manifest of every input and output, like ninja's log.

After every successful ``build`` (with caching on) the CLI stores a :class:`Manifest` in the
versioned cache directory (``cache.cache_root(output)/<code fingerprint>/``) holding:

- the tool: version, a hash of every file of the package (code, templates, static files), the
  Python and library versions (Jinja2, MarkupSafe, Python-Markdown, PyYAML, Pagefind);
- the build options that shape the output (content and output paths, base URL, search, strict),
  and the environment variables that change what git reports (``GIT_*``, ``TZ``);
- the content signature: ``site.yaml`` and every Markdown file the loader reads (the same walk,
  see ``walk.source_stats``), each with size, mtime, ctime, inode and a content hash;
- git: ``HEAD`` of the content's repository (``gitinfo.py`` and ``changelog.py`` read ``git log``,
  which depends only on the commits; the working tree is covered by the content signature);
- the output signature: every file and folder of the site with size, mtime, ctime and inode
  (checked with one ``stat`` each: a folder's times change when an entry is added or removed);
- the diagnostics the build printed, and its page count.

The next build compares: when everything matches it replays the diagnostics and writes nothing;
any difference or doubt (unreadable manifest, another version, a symlink loop, git failing in a
new way, a manifest that does not verify) means a normal full build. The manifest is plain
data (JSON) sealed with this user's key (``seal.py``): a planted or corrupted one is ignored.
The manifest is deleted before any full build starts, so a failed build can never leave one
behind that claims "up to date".

Content files are compared the way git's index does: a file whose stat (size, mtime_ns,
ctime_ns, inode) is unchanged *and* was last modified more than :data:`RACY_NS` before the
previous signature was taken is trusted without reading; any other file is read and hashed, so a
``touch`` (or a checkout that rewrites a file with the same bytes) costs one hash, not a rebuild,
while an edit that keeps size and mtime (``touch -d``, or a write within the same clock tick as
the last build) is still seen: the ctime changes on every write and cannot be set back, and
recently written files are always hashed. Output files are compared by stat alone (nothing but
a build is meant to write there; any change at all means a rebuild).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cached_property
from hashlib import blake2b
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from . import seal
from .fingerprint import package_digest
from .memory import collector_paused
from .cache_key import cache_root, code_fingerprint, library_version
from ..content.diagnostics import Diagnostic, Location, Report, Severity
from ..content.walk import MAX_FILE_BYTES, FileProblem, read_bounded, source_stats

if TYPE_CHECKING:
    from ..options import BuildOptions

MANIFEST = "uptodate.json"
FORMAT = 3
"""Bump when the layout of the manifest changes."""
RACY_NS = 2_000_000_000
"""Files modified less than this before a signature was taken are always re-hashed (FAT has 2 s)."""
LIBRARIES = ("jinja2", "markupsafe", "markdown", "pyyaml", "pagefind", "pagefind_bin")

Stat = tuple[int, int, int, int]
"""(size, mtime_ns, ctime_ns, inode)."""
ContentSig = dict[str, tuple[Stat, bytes]]
"""Content-relative path → (stat, blake2b of the bytes)."""
OutputSig = dict[str, Stat]
"""Output-relative path → stat; folders end with ``/``, the output folder itself is ``""``."""


@dataclass(frozen=True)
class Inputs:
    """Everything a build reads, taken just before it starts (so edits during the build are seen later)."""

    key: tuple
    """Tool fingerprint, options and git HEAD: must be equal for the site to be up to date."""
    content: ContentSig
    taken_ns: int


@dataclass(frozen=True)
class Manifest:
    inputs: Inputs
    signed: OutputSig | str
    """The output signature, or its JSON text as stored: decoded by :attr:`output` only when the
    content is unchanged (38,000 entries at 5,000 papers: 0.09 s a build after an edit never needs)."""
    diagnostics: tuple[Diagnostic, ...]
    pages: int

    @cached_property
    def output(self) -> OutputSig | None:
        """The output signature (None when its stored text does not decode as one), decoded once;
        the text is kept (written again as it is, sent by the head start's child as one string)."""
        if not isinstance(self.signed, str):
            return self.signed
        try:
            data = json.loads(self.signed)
            return {str(rel): tuple(stat) for rel, stat in data.items()} if isinstance(data, dict) else None
        except (ValueError, TypeError, AttributeError, RecursionError):
            return None


@dataclass(frozen=True)
class Probe:
    """The result of :func:`probe`: the inputs now, and the manifest when the site is up to date."""

    inputs: Inputs | None
    """None when the inputs cannot be signed (a symlink loop, an unreadable file): never record."""
    fresh: Manifest | None
    refresh: bool = False
    """Up to date, but some files were re-hashed (touched): store their new stat."""


def manifest_path(output: Path) -> Path:
    return cache_root(output.resolve()) / code_fingerprint() / MANIFEST


def probe(options: "BuildOptions") -> Probe:
    """Sign the inputs of a build with ``options`` and compare with the last successful build.

    When the site is not up to date, the old manifest is deleted before returning.
    """
    path = manifest_path(options.output)
    with collector_paused():  # tens of thousands of tuples, no garbage: a full collection for nothing
        old = read_manifest(path)
        inputs = sign_inputs(options, old.inputs if old else None)
    if old is not None and inputs is not None and inputs.key == old.inputs.key \
            and _same_content(inputs.content, old.inputs.content):
        if old.output and same_output(options.output.resolve(), old.output):
            return Probe(inputs, old, refresh=inputs.content != old.inputs.content)
    forget(options.output)
    return Probe(inputs, None)


def as_plain(probe: Probe) -> tuple:
    """``probe`` as plain data (built-in types only), for a forked child to send back
    (``commands/head_start.py``); :func:`from_plain` makes it again."""
    inputs, fresh = probe.inputs, probe.fresh
    return (None if inputs is None else (inputs.key, inputs.content, inputs.taken_ns),
            None if fresh is None else (fresh.signed, _rows(fresh.diagnostics), fresh.pages), probe.refresh)


def from_plain(data: object) -> Probe | None:
    """The :class:`Probe` :func:`as_plain` gave, or None when ``data`` is not one."""
    try:
        plain_inputs, plain_fresh, refresh = data  # type: ignore[misc]
        inputs = None if plain_inputs is None else Inputs(*plain_inputs)
        fresh = None
        if plain_fresh is not None:
            signed, rows, pages = plain_fresh
            if inputs is None or not isinstance(signed, (str, dict)):
                return None
            fresh = Manifest(inputs, signed, _diagnostics(rows), int(pages))
        if inputs is not None and not (isinstance(inputs.key, tuple) and isinstance(inputs.content, dict)
                                       and isinstance(inputs.taken_ns, int)):
            return None
        return Probe(inputs, fresh, bool(refresh))
    except (ValueError, TypeError, KeyError):
        return None


def replay(manifest: Manifest) -> Report:
    return Report(list(manifest.diagnostics))


def record(options: "BuildOptions", inputs: Inputs | None, report: Report, pages: int,
           output: OutputSig | None = None) -> None:
    """Store the manifest of a build that succeeded and wrote ``options.output`` (``output``: its
    signature when the caller knows it, else the tree is walked)."""
    output = output if output is not None else sign_output(options.output.resolve())
    if inputs is None or output is None:
        return
    try:
        write_manifest(manifest_path(options.output), Manifest(inputs, output, tuple(report.items), pages))
    except OSError:  # disk full, read-only: the site is written; without a manifest the next build is full
        forget(options.output)


def refreshed(manifest: Manifest, inputs: Inputs) -> Manifest:
    """The same manifest with the content stats taken now (after touched files were re-hashed)."""
    return Manifest(inputs, manifest.signed, manifest.diagnostics, manifest.pages)


def forget(output: Path) -> None:
    try:
        manifest_path(output).unlink()
    except OSError:
        pass


# --- signatures ----------------------------------------------------------------------------

def sign_inputs(options: "BuildOptions", previous: Inputs | None) -> Inputs | None:
    taken = time.time_ns()
    content = Path(options.content).resolve()
    found = source_stats(content)
    if found is None:
        return None
    old = previous.content if previous else {}
    trusted_before = (previous.taken_ns - RACY_NS) if previous else 0
    sig: ContentSig = {}
    base = f"{content}{os.sep}"  # string paths: stat through pathlib costs three times as much
    try:
        found.insert(0, ("site.yaml", os.stat(base + "site.yaml")))
    except OSError:
        return None
    for rel, taken_stat in found:  # (stats taken by the walk, after ``taken``: one system call per file)
        try:
            stat = _stat(taken_stat)
            known = old.get(rel)
            if known is not None and known[0] == stat and max(stat[1], stat[2]) < trusted_before:
                sig[rel] = known
            else:
                # what the loader would read, bounded the same way: a FIFO, a device or a huge
                # file is never read here (the full build then reports it)
                sig[rel] = (stat, blake2b(read_bounded(base + rel, MAX_FILE_BYTES), digest_size=16).digest())
        except (OSError, FileProblem):
            return None
    key = (FORMAT, tool_fingerprint(), str(content), str(Path(options.output).resolve()),
           options.base_url, bool(options.search), bool(options.strict), git_head(content), environment())
    return Inputs(key, sig, taken)


def _same_content(now: ContentSig, before: ContentSig) -> bool:
    return now.keys() == before.keys() and all(now[rel][1] == before[rel][1] for rel in now)


def sign_output(output: Path) -> OutputSig | None:
    """Every file and folder below ``output`` (symlinks as themselves) by relative path, folders
    with a trailing ``/`` (the root is ``""``); None if unreadable. With the collector paused: the
    40,000 tuples it makes at 5,000 papers are no garbage, and after a build the collection they
    triggered walked the whole build's objects for nothing (0.6 s)."""
    with collector_paused():
        return _sign_output(output)


def _sign_output(output: Path) -> OutputSig | None:
    sig: OutputSig = {}
    stack = [("", str(output))]
    try:
        sig[""] = _stat(os.stat(output, follow_symlinks=False))
        while stack:
            prefix, directory = stack.pop()
            with os.scandir(directory) as entries:
                for entry in entries:
                    rel = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        sig[rel + "/"] = _stat(entry.stat(follow_symlinks=False))
                        stack.append((rel + "/", entry.path))
                    else:
                        sig[rel] = _stat(entry.stat(follow_symlinks=False))
    except OSError:
        return None
    return sig


def same_output(output: Path, recorded: OutputSig) -> bool:
    """Whether the output tree is still as recorded, by one ``stat`` per recorded file and folder
    (no folder is listed: a file added, removed or renamed changes its folder's mtime and ctime)."""
    root = str(output)
    try:
        return all(_stat(os.stat(f"{root}/{rel}" if rel else root, follow_symlinks=False)) == stat
                   for rel, stat in recorded.items())
    except OSError:
        return False


def _stat(st: os.stat_result) -> Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def tool_fingerprint() -> str:
    """Version, every file of the package, the Python and library versions."""
    h = blake2b(digest_size=16)
    h.update(f"{__version__}|{sys.version}|{sys.implementation.name}".encode())
    for name in LIBRARIES:
        h.update(f"|{name}={library_version(name)}".encode())
    h.update(package_digest())
    return h.hexdigest()


def environment() -> str:
    """The environment variables that can change what the build reads from git (which repository,
    its configuration, dates), as one string."""
    shaping = sorted((k, v) for k, v in os.environ.items() if k.startswith("GIT_") or k == "TZ")
    return repr(shaping)


def git_head(content: Path) -> str:
    """``HEAD`` of the repository holding ``content``; a marker when there is none or git is missing."""
    try:
        proc = subprocess.run(["git", "-C", str(content), "rev-parse", "--verify", "-q", "HEAD"],
                              capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "no git"
    return proc.stdout.decode("ascii", "replace").strip() if proc.returncode == 0 else f"none ({proc.returncode})"


# --- storage -------------------------------------------------------------------------------

def write_manifest(path: Path, manifest: Manifest) -> None:
    data = {
        "format": FORMAT,
        "key": list(manifest.inputs.key),
        "content": {rel: [*stat, digest.hex()] for rel, (stat, digest) in manifest.inputs.content.items()},
        "taken_ns": manifest.inputs.taken_ns,
        "output": manifest.signed if isinstance(manifest.signed, str) else _json(manifest.signed),
        "diagnostics": _rows(manifest.diagnostics),
        "pages": manifest.pages,
    }
    seal.write_json(path, MANIFEST, data)


def _rows(diagnostics: tuple[Diagnostic, ...]) -> list[list]:
    return [[d.severity.value, d.code, d.message, d.location.path if d.location else None,
             d.location.line if d.location else None] for d in diagnostics]


def _diagnostics(rows: list) -> tuple[Diagnostic, ...]:
    return tuple(Diagnostic(Severity(sev), code, message, Location(where, line) if where is not None else None)
                 for sev, code, message, where, line in rows)


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def read_manifest(path: Path) -> Manifest | None:
    """The stored manifest, or None when there is none or it cannot be trusted (not sealed with
    this user's key, another format)."""
    data = seal.read_json(path, MANIFEST)
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        diagnostics = _diagnostics(data["diagnostics"])
        content = {rel: ((size, mtime, ctime, ino), bytes.fromhex(digest))
                   for rel, (size, mtime, ctime, ino, digest) in data["content"].items()}
        inputs = Inputs(tuple(data["key"]), content, int(data["taken_ns"]))
        if not isinstance(data["output"], str):
            return None
        return Manifest(inputs, data["output"], diagnostics, int(data["pages"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
