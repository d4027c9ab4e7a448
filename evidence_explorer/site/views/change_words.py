"""What changed in an entity, in plain words: "status changed from proposed to agreed", "two sources
added: Smith (2019), Jones (2020)", "context reworded", "added to theory R2: …".

The changes page and the Atom feed both word a :class:`~...content.changelog.EntityChange` here.
Fields are named with the labels the entity pages use; other entities by their display names
(a paper by its short citation, a theory as in its links), never by a slug: an entity the site no
longer has is named from its front matter as last seen in the history.
"""
from __future__ import annotations

from typing import Any

from ...content.changelog import Changelog, EntityChange
from ...content.citation import short_cite
from ...content.evidence import EXAMINED_LABELS
from ...content.frontdiff import REF_LISTS, REF_SCALARS, FieldChange
from ...content.link import Corpus
from ...content.model import KINDS
from ...content.textsafe import UNSAFE_TEXT
from ..render import title_of

LABELS = {
    "title": "title", "context": "context", "mechanism": "mechanism", "resource": "mechanism resource",
    "reasoning": "mechanism reasoning", "outcome": "outcome", "sources": "source", "direction": "direction",
    "status": "status", "review_note": "review note", "summary": "key message", "confidence": "confidence",
    "statement": "statement", "parent": "parent theory", "related": "related theory", "question": "question",
    "questions": "question", "review": "review", "chains_to": "chained configuration",
    "examined": "how it was examined", "order": "position in lists", "authors": "authors", "year": "year",
    "journal": "journal", "volume": "volume", "issue": "issue", "pages": "pages", "publisher": "publisher",
    "doi": "DOI", "url": "web address", "design": "study design", "setting": "setting", "country": "country",
    "population": "population", "aim": "aim", "results": "main results", "quality": "quality appraisal",
    "citekey": "citation key", "text": "question text", "short": "short form", "registration": "registration",
    "method": "review method", "flow": "flow diagram", "rows": "evidence sets", "theory": "theory",
    "body": "text", "extra": "extra data", "id": "identifier", "kind": "kind of theory",
    "relevance": "relevance", "rigour": "rigour", "note": "note", "rationale": "rationale",
    "uncertainty": "uncertainty", "assessed_with": "how confidence was assessed", "level": "level",
    "quote": "quote", "locator": "place in the paper", "verbatim": "quote's wording", "found_in": "place in the review",
    "relation": "relation",
}
"""Front matter key → how the site names it (lower case; a list field by one of its entries)."""
PLURALS = {"country": "countries", "authors": "authors", "examined": "ways it was examined",
           "chains_to": "chained configurations", "related": "related theories", "setting": "settings"}
PROSE = frozenset({"context", "mechanism", "resource", "reasoning", "outcome", "summary", "review_note",
                   "statement", "aim", "results", "population", "body", "text", "note", "rationale",
                   "uncertainty", "quote", "short", "title", "focus"})
"""Fields of prose: a new value is "reworded"."""
CONFIDENCE = {"rationale": "reasons for the confidence level", "uncertainty": "uncertainty about the finding",
              "assessed_with": "how confidence was assessed"}
"""The parts of a confidence judgement, as the theory pages name them."""
SHOWN = frozenset({"status", "relation", "verbatim"})
"""Details of a link whose values are shown ("status of its link to theory R2 changed from … to …")."""
NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
LISTED = 5
"""Names listed in one sentence; more are counted ("and 3 more")."""
KIND_WORDS = {model.kind: model.label if model.label.isupper() else model.label.lower() for model in KINDS.values()}


class Words:
    """Words for the changes of one build: names entities from the corpus, then from the history."""

    def __init__(self, corpus: Corpus, history: Changelog) -> None:
        self.corpus, self.seen = corpus, history.seen
        self.facets, self.levels = corpus.config.facets, corpus.config.confidence_levels
        self.confidence = corpus.config.confidence_label.lower()

    def name(self, kind: str, ref: str) -> str:
        entity = self.corpus.find(ref)
        if entity is not None:
            if entity.kind == "paper":
                return short_cite(entity.authors, entity.year)
            return entity.short_label if entity.kind == "theory" else title_of(entity)  # R2, or a title
        seen = self.seen.get(ref.lower())
        return self.name_from(kind, seen.data if seen is not None else None, ref, full=False)

    def name_from(self, kind: str, data: Any, ref: str, full: bool = True) -> str:
        """A display name from front matter (an entity the site no longer has); a paper by its short
        citation, followed by its title when ``full``."""
        data = data if isinstance(data, dict) else {}
        if kind == "paper" and data.get("title"):
            authors = data.get("authors") or ()
            authors = (authors,) if isinstance(authors, str) else tuple(str(a) for a in authors)
            cite = short_cite(authors, data.get("year", "n.d."))
            return UNSAFE_TEXT.sub("", f"{cite} {data['title']}" if full else cite)
        title = data.get("title") or data.get("short") or data.get("text")
        return UNSAFE_TEXT.sub("", str(title)) if title else ref

    def title(self, change: EntityChange) -> str:
        """The changed entity's name where it cannot be linked (removed, or gone since)."""
        return self.name_from(change.kind, change.data, change.id)

    def phrases(self, change: EntityChange) -> tuple[str, ...]:
        kind = KIND_WORDS.get(change.kind, change.kind)
        if change.action == "added":
            return (f"new {kind} added",)
        if change.action == "removed":
            return ("removed",)
        if not change.detailed:
            return ("changed",)
        grouped: dict[tuple, list[str]] = {}  # a detail of many entries (sources, links) said once
        said: list[Any] = []
        for fc in change.fields:
            if fc.ref:
                key = (fc.field, fc.key) + ((fc.how, fc.old, fc.new, fc.long) if fc.key in SHOWN else ())
                if key not in grouped:
                    grouped[key] = []
                    said.append((fc, grouped[key]))
                grouped[key].append(self.name(REF_LISTS[fc.field], fc.ref))
            else:
                said.extend(self.field(fc))
        out = tuple(dict.fromkeys(UNSAFE_TEXT.sub("", self.entry(*p) if isinstance(p, tuple) else p) for p in said))
        return out or ("changed",)

    def field(self, fc: FieldChange) -> tuple[str, ...]:
        label = LABELS.get(fc.field, fc.field.replace("_", " "))
        if fc.how == "list":
            return self.listed(fc, label)
        if fc.field == "extra":
            return ("extra data changed",)
        if fc.key:
            sub = LABELS.get(fc.key, fc.key.replace("_", " "))
            if fc.field == "confidence":
                label = self.confidence if fc.key == "level" else CONFIDENCE.get(fc.key, f"{self.confidence} {sub}")
            else:
                label = sub if fc.field == "quality" else f"{label} {sub}"
        return (self.scalar(fc, label),)

    def value(self, fc: FieldChange, v: str) -> str:
        key = fc.key or fc.field
        if fc.field in REF_SCALARS:
            return self.name(REF_SCALARS[fc.field], v)
        if key == "level" and fc.field == "confidence":
            return self.levels.get(v, v).lower()
        if key == "examined":
            return EXAMINED_LABELS.get(v, v).lower()
        if key in self.facets and not self.facets[key].open:
            return self.facets[key].label_of(v)
        return v

    def scalar(self, fc: FieldChange, label: str) -> str:
        if fc.field == "title" and fc.how == "changed":
            return "title changed"
        if fc.how == "cleared":
            return f"{label} removed"
        if fc.how == "changed" and (fc.key or fc.field) in PROSE:
            return f"{label} reworded"
        if fc.long or fc.new is None:
            if fc.how != "changed":
                return f"{label} added"
            return f"{label} reworded" if (fc.key or fc.field) in PROSE else f"{label} changed"
        if fc.how == "set":
            return f"{label} set to {self.value(fc, fc.new)}"
        return f"{label} changed from {self.value(fc, fc.old or '')} to {self.value(fc, fc.new)}"

    def entry(self, fc: FieldChange, names: list[str]) -> str:
        """A detail of entries of a reference list: links to theories, sources."""
        joined, n = join(names), len(names)
        key = LABELS.get(fc.key, fc.key.replace("_", " "))
        if fc.field == "theories":
            what = f"{key} of its {'link' if n == 1 else 'links'} to {'theory' if n == 1 else 'theories'} {joined}"
            return self.scalar(fc, what) if fc.key in ("status", "relation") else f"{what} changed"
        if fc.field == "sources" and fc.key == "verbatim":
            whose = "the paper's own words" if fc.new == "True" else "the review's words"
            return f"{'quote' if n == 1 else 'quotes'} for {'source' if n == 1 else 'sources'} {joined} " \
                   f"now marked as {whose}"
        if fc.field == "sources":
            done = "reworded" if fc.key == "quote" and fc.how == "changed" else "changed"
            return f"{key} for {'source' if n == 1 else 'sources'} {joined} {done}"
        return f"{key} of {LABELS.get(fc.field, fc.field)} {joined} changed"

    def listed(self, fc: FieldChange, label: str) -> tuple[str, ...]:
        if fc.field in REF_LISTS:
            kind = REF_LISTS[fc.field]
            added = [self.name(kind, r) for r in fc.added]
            removed = [self.name(kind, r) for r in fc.removed]
        else:
            added, removed = [self.value(fc, v) for v in fc.added], [self.value(fc, v) for v in fc.removed]
        if fc.long:
            return (f"{label} changed",)
        out = []
        for names, gained in ((added, True), (removed, False)):
            if names:
                out.append(self.sentence(fc.field, label, names, gained))
        return tuple(out)

    def sentence(self, field: str, label: str, names: list[str], gained: bool) -> str:
        joined, n = join(names), len(names)
        if field == "theories":
            return f"{'added to' if gained else 'removed from'} {'theory' if n == 1 else 'theories'} {joined}"
        if field in ("question", "questions", "review"):
            what = label if n == 1 else label + "s"
            return f"{'linked to' if gained else 'no longer linked to'} {what} {joined}"
        plural = PLURALS.get(field, label + "s")
        count = NUMBERS[n] if n < len(NUMBERS) else str(n)
        head = label if n == 1 else f"{count} {plural}"
        return f"{head} {'added' if gained else 'removed'}: {joined}"



def join(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``, ``A, B, C, D, E and 3 more``; names that hold a comma
    ('Smith, Judith') are set apart with semicolons, so two names never read as four."""
    listed = names[:LISTED]
    more = len(names) - len(listed)
    sep = "; " if any("," in n for n in listed) else ", "
    if more:
        return sep.join(listed) + f" and {more} more"
    return listed[0] if len(listed) == 1 else sep.join(listed[:-1]) + " and " + listed[-1]
