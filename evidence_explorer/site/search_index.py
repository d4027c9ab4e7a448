"""Search: what each page tells Pagefind, and Pagefind run over the written site.

:func:`search_record` turns one entity (with its neighbours from the corpus's
backlink indexes) into the filters, metadata and sort keys its page carries;
``Renderer.search_meta`` (render.py) writes them inside ``<main data-pagefind-body>``.
:func:`index_site` runs the Pagefind binary shipped by ``pagefind[bin]`` over
the staging directory. Its failures become ``search.failed`` diagnostics.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..content.config import SiteConfig
from ..content.diagnostics import Report
from ..content.link import Corpus
from ..content.model import Cmoc, Entity, EvidenceMap, Paper, Question, Review, Theory

TIMEOUT_S = 600
BUNDLE_DIR = "pagefind"
NO_YEAR_NEWEST = "0"
"""Sort value of an undated record for 'newest first' (sorts last)."""
NO_YEAR_OLDEST = "99999"
"""Sort value of an undated record for 'oldest first' (sorts last too)."""
SUMMARY_CHARS = 140
UNUSED_UI = tuple(f"pagefind-{ui}.{ext}" for ui in ("ui", "modular-ui", "component-ui") for ext in ("js", "css")) \
    + ("pagefind-highlight.js",)
"""Pagefind's ready-made interfaces, removed after indexing (about 420 kB)."""

BUILTIN_GROUPS: tuple[tuple[str, str, bool], ...] = (
    ("kind", "Type of record", False),
    ("year", "Year", False),
    ("theory", "Theory", True),
    ("question", "Review question", True),
    ("review", "Review", True),
    ("direction", "Enabler or barrier", False),
    ("status", "Review status", False),
    ("design", "Study design", False),
    ("setting", "Setting", False),
    ("country", "Country", False),
)
"""(filter key, label, values are entity labels whose URL value is an id) before the facets of site.yaml."""

SORTS: tuple[tuple[str, str, str], ...] = (
    ("year-desc", "year", "desc"),
    ("year-asc", "year_oldest", "asc"),
    ("title", "title", "asc"),
)
"""(URL value, Pagefind sort key, direction). Every indexed page carries every key."""


@dataclass(frozen=True)
class FilterGroup:
    key: str
    label: str
    ids: bool = False
    """Values are labels of entities; the URL carries just the id (``theory=M2``, see :func:`filter_ids`)."""


@dataclass(frozen=True)
class SearchRecord:
    """What one page tells Pagefind: each a tuple of (key, value) pairs."""

    filters: tuple[tuple[str, str], ...]
    meta: tuple[tuple[str, str], ...]
    sorts: tuple[tuple[str, str], ...]


def filter_groups(config: SiteConfig) -> tuple[FilterGroup, ...]:
    """Filter groups in panel order: the built-in ones, then every facet of site.yaml."""
    groups = [FilterGroup(key, config.facets[key].label if key in config.facets else label, ids)
              for key, label, ids in BUILTIN_GROUPS]
    groups += [FilterGroup(f.key, f.label) for f in config.facets.values()
               if f.key not in {g.key for g in groups}]
    return tuple(groups)


def search_record(corpus: Corpus, entity: Entity) -> SearchRecord:
    """Filters, metadata and sort keys for ``entity``'s page (neighbours only)."""
    filters = list(_filters(corpus, entity))
    year = getattr(entity, "year", None)
    title = _title(entity)
    meta = [("title", title), ("kind", entity.label)]
    if year is not None:
        meta.append(("year", str(year)))
    authors = getattr(entity, "authors", ())
    if authors:
        meta.append(("authors", short_authors(authors)))
    summary = _summary(corpus, entity)
    if summary:
        meta.append(("summary", summary))
    dated = isinstance(year, int)
    sorts = (("year", f"{year:04d}" if dated else NO_YEAR_NEWEST),
             ("year_oldest", f"{year:04d}" if dated else NO_YEAR_OLDEST),
             ("title", title.casefold()))
    return SearchRecord(tuple(_unique(filters)), tuple(meta), sorts)


def short_authors(authors: Iterable[str], most: int = 3) -> str:
    """'Turner A, Mulla A, Booth A et al.': at most ``most`` names, as written."""
    names = [a.strip() for a in authors if a.strip()]
    shown = ", ".join(names[:most])
    return shown + (" et al." if len(names) > most else "")


def theory_label(t: Theory) -> str:
    return t.display_label


def entity_label(e: Entity) -> str:
    """The filter value of a theory, question or review: its label ('R1: title' for a short code,
    the title alone for a slug); the search page maps it back to the id for the URL
    (:func:`filter_ids`)."""
    return e.display_label


def filter_ids(corpus: Corpus) -> dict[str, dict[str, str]]:
    """For each filter group whose URL value is an id: {filter value: id} (the first entity of a
    label keeps it)."""
    out: dict[str, dict[str, str]] = {}
    for key, entities in (("theory", corpus.theories), ("question", corpus.questions), ("review", corpus.reviews)):
        ids = out[key] = {}
        for e in entities:
            ids.setdefault(entity_label(e), e.id)
    return out


def _title(e: Entity) -> str:
    if isinstance(e, Theory):
        return theory_label(e)
    if isinstance(e, EvidenceMap) and not e.title and e.theory:
        return f"Evidence map: {e.theory}"
    return e.display_title


def _filters(corpus: Corpus, e: Entity) -> Iterator[tuple[str, str]]:
    config = corpus.config
    yield "kind", e.label
    year = getattr(e, "year", None)
    if year is not None:
        yield "year", str(year)
    for t in _theories(corpus, e):
        yield "theory", theory_label(t)
    for q in _related(corpus, e, "question"):
        yield "question", entity_label(q)
    for r in _related(corpus, e, "review"):
        yield "review", entity_label(r)
    for key in ("direction", "design", "setting", "country"):
        for value in _values(getattr(e, key, None)):
            facet = config.facets.get(key)
            yield key, facet.label_of(value) if facet else (value[:1].upper() + value[1:])
    if isinstance(e, Cmoc):  # the CMOC's review status and its theory links' (advisory review)
        for status in dict.fromkeys(x for x in (e.status, *(t.status for t in e.theories)) if x):
            yield "status", status.capitalize()
    for key, values in e.facets.items():
        facet = config.facets.get(key)
        for value in values:
            yield key, facet.label_of(value) if facet else value


def _values(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, tuple) else (str(value),)


def _theories(corpus: Corpus, e: Entity) -> Iterator[Theory]:
    """The theory nodes a record is linked to (a theory: itself and its parent)."""
    ids: list[str] = []
    if isinstance(e, Theory):
        ids = [e.id, *([e.parent] if e.parent else [])]
    elif isinstance(e, Paper):
        ids = list(corpus.links.paper_theories.get(e.id.lower(), ()))
    elif isinstance(e, Cmoc):
        ids = [t.theory for t in e.theories]
    elif isinstance(e, EvidenceMap):
        ids = [e.theory] if e.theory else []
    elif isinstance(e, Question):
        ids = list(corpus.links.question_theories.get(e.id.lower(), ()))
    for i in ids:
        t = corpus.find(i)
        if isinstance(t, Theory):
            yield t


def _related(corpus: Corpus, e: Entity, kind: str) -> Iterator[Entity]:
    """Questions or reviews a record belongs to: its own field, else its neighbours'."""
    name = "question" if kind == "question" else "review"
    ids: list[str] = []
    if isinstance(e, Paper):
        ids = list(e.questions if kind == "question" else e.review)
        if kind == "question":
            ids += [q for c in corpus.rel("paper_cmocs", e.id) for q in getattr(c, "question", ())]
    elif isinstance(e, (Cmoc, Theory)) or (isinstance(e, Question) and kind == "review"):
        ids = list(getattr(e, name))
    elif isinstance(e, EvidenceMap) and e.theory:
        theory = corpus.find(e.theory)
        ids = list(getattr(theory, name, ())) if isinstance(theory, Theory) else []
    for i in ids:
        found = corpus.find(i)
        if found is not None and found.kind == kind:
            yield found


def _summary(corpus: Corpus, e: Entity) -> str:
    if isinstance(e, Cmoc):
        return f"C: {_clip(e.context)} → O: {_clip(e.outcome)}"
    if isinstance(e, Theory):
        kind = corpus.config.theory_kinds.get(e.theory_kind, e.theory_kind)
        return f"{kind}. {_clip(e.statement[0])}" if e.statement else kind
    if isinstance(e, Question):
        return _clip(e.text, 2 * SUMMARY_CHARS) if e.short else ""
    if isinstance(e, EvidenceMap):
        rows = len(e.rows)
        return f"{rows} evidence set{'s' if rows != 1 else ''}"
    if isinstance(e, Review):
        return e.method or ""
    if isinstance(e, Paper):
        return e.journal or ""  # not the publisher: Pagefind searches metadata, and "Nuffield Trust" is not about trust
    return ""


def _clip(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _unique(pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for pair in pairs:
        if pair not in seen and pair[1].strip():
            seen.add(pair)
            yield pair


# --- indexing -------------------------------------------------------------------------------

def index_site(site_dir: Path, report: Report,
               started: Callable[[subprocess.Popen], None] | None = None) -> bool:
    """Run the Pagefind binary shipped by ``pagefind[bin]`` over ``site_dir``.

    Nothing is downloaded: the binary comes from the installed package (or
    ``PAGEFIND_BINARY_PATH``). Every failure is reported as ``search.failed``.
    ``started`` receives the running process (``serve`` stops it when it stops).
    """
    binary = _pagefind_binary(report)
    if binary is None:
        return False
    cmd = [str(binary), "--site", str(site_dir), "--output-subdir", BUNDLE_DIR, "--quiet"]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        report.error("search.failed", f"could not run Pagefind ({binary.name}): {exc.strerror or exc}")
        return False
    if started is not None:
        started(proc)
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        report.error("search.failed", f"Pagefind did not finish within {TIMEOUT_S} s")
        return False
    if proc.returncode != 0:
        tail = [line for line in (stderr + "\n" + stdout).strip().splitlines() if line.strip()][-5:]
        report.error("search.failed", f"Pagefind failed (exit {proc.returncode}): "
                     + " | ".join(tail or ["no output"]))
        return False
    if not _check_bundle(site_dir / BUNDLE_DIR, report):
        return False
    for name in UNUSED_UI:  # /search/ has its own interface; don't ship Pagefind's three others
        (site_dir / BUNDLE_DIR / name).unlink(missing_ok=True)
    return True


def _pagefind_binary(report: Report) -> Path | None:
    try:
        from pagefind.service import get_executable
        binary = get_executable()
    except Exception as exc:  # the wrapper raises bare exceptions; never let one escape
        report.error("search.failed", f"Pagefind is not usable: {exc}; install the 'pagefind[bin]' "
                     "package or build with --no-search")
        return None
    if binary is None or not Path(binary).exists():
        report.error("search.failed", "the Pagefind binary was not found; install the 'pagefind[bin]' "
                     "package (or set PAGEFIND_BINARY_PATH), or build with --no-search")
        return None
    return Path(binary)


def _check_bundle(bundle: Path, report: Report) -> bool:
    """Pagefind exits 0 in some failures: check that it wrote a usable index."""
    entry = bundle / "pagefind-entry.json"
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        if not isinstance(data.get("languages"), dict):
            raise ValueError("no 'languages'")
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        report.error("search.failed", f"Pagefind wrote no usable index ({entry.name}: {exc})")
        return False
    if not (bundle / "pagefind.js").is_file():
        report.error("search.failed", "Pagefind wrote no pagefind.js")
        return False
    return True
