"""``build``'s page cache: after a small change, render only the pages it can affect, write only the
files whose bytes changed.

Two sites take turns (double buffering): the swap keeps the site it replaces beside the output
(``publish.spare_path``) instead of deleting it, and the next build stages into that spare site,
so an unchanged file is neither rendered nor written, and no folder is made or deleted. After every
successful build a sealed state file (``pages.json`` in the versioned cache folder, ``seal.py``)
describes both sites: per page its key, the ids its output depends on (recorded while it rendered,
as ``serve`` records them: ``dependencies.RecordingCorpus``) and its file's digest and stat; and the
stat of every folder. A page is *reused* (its file in the spare site left as it is) only when

- the build's key is the same: the tool and its options, the content and output folders, git's
  HEAD and environment (the up-to-date check's key), ``site.yaml``, the base URL, the navigation,
  the git dates of every file, and the fast paths;
- its key is the same: a digest of its page spec (every value of its context, each entity by its
  file's path and bytes) and, for every id it looked up while rendering, that entity's file and
  its backlinks; a page that read a whole collection (``*``) is always rendered again;
- the spare's copy holds the bytes the page had in the last build (it did not change in the last
  build), and its stat (size, times, inode) and its folders' stats are as recorded.

Everything else is rendered; its file is written only when its digest differs from the spare's
copy. Files of the spare that the new site does not have are deleted. Any doubt (no state, another
key, a spare that is not as recorded) means rendering every page, and when the spare cannot be
trusted, deleting every file of it that the new site does not have. ``--no-cache`` and plain mode
(``EVIDENCE_EXPLORER_PLAIN=1``) use none of this. After a build with the page cache, the next one
first tries the snapshot path (``snapshot_build.py``: the engine state of ``serve``, saved by the
last build, so nothing is loaded, linked or specified again); this module's full path is the
fallback, and a build through the snapshot records the sites here with an empty key. ``tests/test_differential.py`` compares every
build of generated edit sequences with a cold one-process build, byte for byte.
"""
from __future__ import annotations

import enum
import os
from contextlib import nullcontext
from dataclasses import fields
from hashlib import blake2b
from pathlib import Path
from typing import Any, Iterable, Mapping

from markupsafe import Markup

from ..content import urls
from ..content.link import Corpus
from ..options import BuildOptions
from ..pipeline import RenderJob, render_plainly
from ..site.publish import MARKER, remove_folder, spare_path
from ..site.render import Renderer
from ..site.static_files import static_outputs
from ..site.views import PageSpec
from ..speed import seal, uptodate
from ..speed.cache import cache_root, code_fingerprint
from ..speed.memory import frozen_heap
from ..speed.parallel import effective_jobs, fork_map
from .dependencies import ANY, ENTITY, LEAF, MAPPING, RECORD, REF, SEQUENCE, field_names, shape_of
from .recording import render_recorded

STATE = "pages.json"
FORMAT = 1
"""Bump when the layout of the state file changes."""


def state_path(output: Path) -> Path:
    return cache_root(output.resolve()) / code_fingerprint() / STATE


def forget(output: Path) -> None:
    """Delete the state (before a build that does not use it, e.g. ``--no-cache``)."""
    try:
        state_path(output).unlink()
    except OSError:
        pass


# --- digests --------------------------------------------------------------------------------

class Unkeyable(Exception):
    """A page spec holds a value that cannot be digested deterministically: always render it."""


def entity_digests(corpus: Corpus, content: Mapping[str, bytes]) -> dict[str, bytes]:
    """Lower-cased id → digest of the entity's file path and bytes (an entity is a function of them
    and ``site.yaml``, which is in the build's key)."""
    out = {}
    for e in corpus.all():
        d = content.get(e.rel)
        if d is not None:
            out[e.id.lower()] = blake2b(e.rel.encode("utf-8", "surrogatepass") + b"\0" + d, digest_size=16).digest()
    return out


def link_digests(corpus: Corpus) -> dict[str, bytes]:
    """Lower-cased id → digest of every backlink index's entry for it."""
    entries: dict[str, list[str]] = {}
    for f in fields(corpus.links):
        for key, values in getattr(corpus.links, f.name).items():
            entries.setdefault(key.lower(), []).append(f"{f.name}={chr(31).join(values)}")
    return {k: blake2b("\n".join(v).encode("utf-8", "surrogatepass"), digest_size=16).digest()
            for k, v in entries.items()}


_PLAIN_LEAVES = (str, int, float, bool, type(None), bytes, Markup)


class Digester:
    """Deterministic digests of page specs: every value, entities of the corpus by their file."""

    def __init__(self, corpus: Corpus, entities: Mapping[str, bytes]):
        self._corpus = corpus  # keeps the entities alive, so their id() stays theirs
        self._known = {id(e): entities[e.id.lower()].hex() for e in corpus.all() if e.id.lower() in entities}

    def spec(self, spec: PageSpec) -> bytes:
        parts: list[str] = []
        for value in (spec.url, spec.template, spec.title, spec.section, spec.context, spec.entity):
            self._feed(parts, value)
        return blake2b("".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def _feed(self, parts: list[str], value: Any) -> None:  # long: one branch per kind of value
        cls = type(value)
        shape = shape_of(cls)
        if shape is ENTITY:
            known = self._known.get(id(value))
            if known is not None:
                parts.append(f"E{known}")
                return
            shape = RECORD  # an entity made by a view: by its fields
        if shape is REF or (shape is LEAF and cls in _PLAIN_LEAVES):
            text = repr(value) if cls is bytes else str(value)
            parts.append(f"{cls.__qualname__}{len(text)}:{text}")
        elif shape is LEAF:
            if isinstance(value, enum.Enum):
                parts.append(f"{cls.__qualname__}.{value.name};")
            else:
                raise Unkeyable(cls.__qualname__)
        elif shape is MAPPING:
            parts.append(f"{{{cls.__qualname__}{len(value)}")
            for k, v in value.items():
                self._feed(parts, k)
                self._feed(parts, v)
            parts.append("}")
        elif shape is SEQUENCE and isinstance(value, (set, frozenset)):
            items = []
            for v in value:
                sub: list[str] = []
                self._feed(sub, v)
                items.append("".join(sub))
            parts.append(f"<{cls.__qualname__}{len(items)}:{chr(30).join(sorted(items))}>")
        elif shape is SEQUENCE:
            parts.append(f"[{cls.__qualname__}{len(value)}")
            for v in value:
                self._feed(parts, v)
            parts.append("]")
        else:  # a dataclass record
            parts.append(f"({cls.__module__}.{cls.__qualname__}")
            for name in field_names(cls):
                self._feed(parts, getattr(value, name))
            parts.append(")")


def page_key(spec_digest: bytes, deps: Iterable[str], entities: Mapping[str, bytes],
             links: Mapping[str, bytes]) -> str:
    """A page's spec and, for every id it looked up, that entity's file and backlinks."""
    h = blake2b(spec_digest, digest_size=16)
    for i in sorted(deps):
        h.update(i.encode("utf-8", "surrogatepass") + b"\0" + entities.get(i, b"-") + links.get(i, b"-") + b"\n")
    return h.hexdigest()


def build_key(base: str, job: RenderJob) -> str:
    """Everything besides the pages' own inputs that can change any page's bytes."""
    h = blake2b(base.encode("utf-8", "surrogatepass"), digest_size=16)
    parts: list[str] = []
    digester = Digester(job.corpus, {})
    for value in (job.base_url, job.nav, dict(sorted(job.updated.items())), job.fast_paths):
        digester._feed(parts, value)
    h.update("".join(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


# --- the render stage -----------------------------------------------------------------------

def file_stat(path: Path | str) -> list[int] | None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return stat_fields(st)


def stat_fields(st: os.stat_result) -> list[int]:
    """What a site's record keeps of a file's ``stat``: size, mtime, ctime, inode."""
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class PageCache:
    """One ``build``: made before it starts (after the up-to-date check said it must run), its
    :meth:`render` is the build's render stage, :meth:`save` records the state after the swap."""

    def __init__(self, options: BuildOptions, inputs: uptodate.Inputs):
        self.output = options.output.resolve()
        self.path = state_path(self.output)
        self.content = {rel: digest for rel, (_stat, digest) in inputs.content.items()}
        site_yaml = self.content.get("site.yaml", b"")
        self.base = repr((inputs.key, site_yaml.hex()))  # the config shapes every page
        state = seal.read_json(self.path, STATE)
        self.previous = state if isinstance(state, dict) and state.get("format") == FORMAT \
            and state.get("output") == str(self.output) else None
        forget(self.output)  # a build killed from here on leaves no state behind
        spare = file_stat(spare_path(self.output))
        self.spare_ino = spare[3] if spare else None
        self.key = ""
        self.generation: dict | None = None

    def render(self, job: RenderJob) -> Mapping[str, Any]:
        """The render stage (see the module docstring); plain mode renders plainly."""
        if job.cache is None:
            return render_plainly(job)
        self.key = build_key(self.base, job)
        staging = job.staging
        root = file_stat(staging)
        reused = root is not None and self.spare_ino is not None and root[3] == self.spare_ino
        prev = self.previous or {}
        spare = prev.get("spare") if reused else None
        if spare is not None and (spare.get("root") != self.spare_ino or not dirs_as_recorded(staging, spare)):
            spare = None
        remove_folder(staging / "pagefind")  # the search index is made afresh after this stage
        entities = entity_digests(job.corpus, self.content)
        links = link_digests(job.corpus)
        digester = Digester(job.corpus, entities)
        current = prev.get("current") or {}
        same_build = prev.get("key") == self.key
        spare_files = spare["files"] if spare else {}
        reuse, todo = _partition(job.pages, staging, digester, entities, links, same_build and current,
                                 spare_files)
        done = _render_todo(job, todo, digester, entities, links, spare_files)
        if reuse:
            job.cache.keep_all()
        results = {**reuse, **done}
        expected = {urls.output_path(p.url) for p in job.pages}
        others = {MARKER, *job.extras, *(f"static/{rel}" for rel, _data in static_outputs())}
        if reused:
            stale = (set(spare_files) | set(spare.get("others", ()))) - expected - others if spare else None
            delete_stale(staging, stale, expected | others)
        self.generation = {"root": root[3] if root else None, "others": sorted(others),
                           "files": {urls.output_path(url): r[2] for url, r in results.items()},
                           "pages": {url: [r[0], r[1], *([r[3]] if r[3] else [])] for url, r in results.items()},
                           "dirs": dir_stats(staging, expected | others)}
        return dict.fromkeys(p.url for p in job.pages)

    def kept_spare(self) -> dict | None:
        """The record of the site this build replaced, now the spare, when the last build recorded it."""
        prev = (self.previous or {}).get("current")
        spare = file_stat(spare_path(self.output))
        return prev if prev and spare and prev.get("root") == spare[3] else None

    def save(self) -> None:
        """Record the state after a successful build: the site now published, and the spare (the
        site it replaced) when that is the one the last build published."""
        if self.generation is None:
            return
        write_state(self.output, self.key, self.generation, self.kept_spare())


def write_state(output: Path, key: str, current: Mapping, spare: Mapping | None) -> None:
    """Record the published site and the spare (``key`` "": no page can be reused, but the spare's
    files are known, so only changed bytes are written)."""
    try:
        seal.write_json(state_path(output), STATE, {"format": FORMAT, "output": str(output), "key": key,
                                                    "current": {"pages": {}, **current}, "spare": spare})
    except OSError:  # the site is written; without a state the next build renders every page
        forget(output)


def _partition(pages: Iterable[PageSpec], staging: Path, digester: Digester, entities: Mapping[str, bytes],
               links: Mapping[str, bytes], current: Mapping | bool, spare_files: Mapping[str, list]
               ) -> tuple[dict[str, tuple], list[PageSpec]]:
    """Pages whose file in the (reused) spare site is already right, and those to render."""
    reuse: dict[str, tuple] = {}
    todo: list[PageSpec] = []
    known_pages = current["pages"] if current else {}
    known_files = current["files"] if current else {}
    for spec in pages:
        old = known_pages.get(spec.url)
        rel = urls.output_path(spec.url)
        copy = spare_files.get(rel)
        if old is not None and copy is not None and ANY not in old[1] and copy[0] == known_files.get(rel, [None])[0]:
            try:
                same = page_key(digester.spec(spec), old[1], entities, links) == old[0]
            except Unkeyable:
                same = False
            if same and file_stat(staging / rel) == copy[1:]:
                reuse[spec.url] = (old[0], old[1], copy, old[2] if len(old) > 2 else [])
                continue
        todo.append(spec)
    return reuse, todo


def _render_todo(job: RenderJob, todo: list[PageSpec], digester: Digester, entities: Mapping[str, bytes],
                 links: Mapping[str, bytes], spare_files: Mapping[str, list]) -> dict[str, tuple]:
    """Render ``todo`` (in ``job.jobs`` forked workers), recording each page's dependencies; write a
    file only when its bytes differ from the spare's copy. URL → (key, deps, [digest, *stat])."""
    if not todo:
        return {}
    env = Renderer(job.corpus, job.base_url, job.nav, updated=job.updated).env  # its filters, to compile with
    env.bytecode_cache = job.cache.bytecode_cache() if job.cache is not None else None
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    jobs = effective_jobs(job.jobs, len(todo))

    def work(share: list[PageSpec]) -> tuple[dict[str, tuple], Any]:
        written: dict[str, tuple[str, Path]] = {}

        def write(spec: PageSpec, text: str) -> None:  # each page as it is rendered, not kept
            rel = urls.output_path(spec.url)
            data = text.encode("utf-8")
            digest = blake2b(data, digest_size=16).hexdigest()
            path = job.staging / rel
            copy = spare_files.get(rel)
            if copy is None or copy[0] != digest or file_stat(path) != copy[1:]:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            written[spec.url] = (digest, path)

        counted: dict[str, frozenset[str]] = {}  # (ids a page only counted, as ``serve`` keeps them)
        _html, deps = render_recorded(job.corpus, share, job.base_url, job.nav, job.updated, env, counted=counted,
                                      markdown_cache=job.cache, quick_inline=job.fast_paths, sink=write)
        out = {}
        for spec in share:
            digest, path = written[spec.url]
            try:
                key = page_key(digester.spec(spec), deps[spec.url], entities, links)
            except Unkeyable:
                key = ""
            out[spec.url] = (key, sorted(deps[spec.url]), [digest, *(file_stat(path) or [])],
                             sorted(counted.get(spec.url, ())))
        return out, job.cache.delta() if job.cache is not None else None

    results: dict[str, tuple] = {}
    with frozen_heap() if jobs > 1 else nullcontext():
        for k, (part, delta) in enumerate(fork_map([todo[i::jobs] for i in range(jobs)], work)):
            results.update(part)
            if k and job.cache is not None and delta is not None:
                job.cache.merge(delta)
    return results


def dirs_as_recorded(staging: Path, spare: Mapping) -> bool:
    base = f"{staging}/"  # string paths: a Path per folder costs more than its stat
    return all(file_stat(base + rel) == stat for rel, stat in spare.get("dirs", {}).items())


def dir_stats(staging: Path, files: Iterable[str], known: Mapping[str, Any] | None = None,
              touched: Iterable[str] = ()) -> dict[str, list[int] | None]:
    """The stat of every folder holding one of ``files`` (below ``staging``, which is not listed).
    ``known``: folders' stats as checked earlier, taken as they are for every folder that holds
    none of the files ``touched`` since (written, made or deleted below it) at any depth."""
    folders, changed = _folders(files), _folders(touched)
    known = known or {}
    return {rel: known[rel] if rel in known and rel not in changed else file_stat(f"{staging}/{rel}")
            for rel in sorted(folders)}


def _folders(files: Iterable[str]) -> set[str]:
    """Every folder above one of ``files`` (relative paths; the root is not listed)."""
    folders: set[str] = set()
    for rel in files:
        parent = rel.rpartition("/")[0]
        while parent and parent not in folders:
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    return folders


def delete_stale(staging: Path, stale: set[str] | None, keep: set[str]) -> None:
    """Delete the files of the spare site the new one does not have (``None``: not known, so every
    file not in ``keep``), then the folders left empty."""
    if stale is None:
        stale = set()
        for folder, _dirs, files in os.walk(staging):
            rel_folder = os.path.relpath(folder, staging)
            for name in files:
                rel = name if rel_folder == "." else f"{rel_folder}/{name}".replace(os.sep, "/")
                if rel not in keep:
                    stale.add(rel)
    for rel in sorted(stale):
        try:
            os.unlink(staging / rel)
        except FileNotFoundError:
            continue
        parent = (staging / rel).parent
        while parent != staging:
            try:
                os.rmdir(parent)
            except OSError:
                break
            parent = parent.parent
