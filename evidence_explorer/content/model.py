"""The entities of an evidence base: one frozen dataclass per kind.

The dataclass fields declared with :func:`field_` *are* the content format:
validation, the format reference, ``new`` scaffolds and the JSON Schema all
read them. Cross-field rules live in :func:`_rules`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Mapping

from .bool_field import Bool
from .config_findings import EXAMINED_WAYS
from .date_field import Date
from .diagnostics import Location
from .fields import Choice, Doi, Extra, Id, Int, ListOf, Record, Ref, Str, TextOrList, Url, Year, field_

RELATIONS = ("supports", "refutes", "refines")
DIRECTIONS = ("enabler", "barrier")
CMOC_STATUSES = ("proposed", "agreed", "contested")
RIGOUR = ("high", "moderate", "low")
ROW_KINDS = ("context", "mechanism", "outcome")
FLOW_ROLES = ("identified", "total", "removed", "screened", "excluded", "sought", "not-retrieved", "assessed",
              "included")
"""PRISMA 2020 boxes a flow step can be (flow.py lays them out and checks their arithmetic)."""
EXAMINED = EXAMINED_WAYS
"""How a theory node was examined: reviewed into CMOCs, mapped to evidence sets, coded from papers,
or drawn from the synthesis as a whole (e.g. a list of active ingredients)."""


EMPTY: Mapping[str, Any] = MappingProxyType({})
"""The one empty read-only mapping every entity without ``extra`` data (or facets) shares: 15,000
of them at 5,000 papers, each an object and a dict to pickle and unpickle."""
CODE_ID = re.compile(r"(?:[A-Z]{1,3}[0-9]{1,3}[a-z]?){1,2}(?:\.[0-9]{1,3})?")
"""An id that is a short code readers may see (R1, M5, T1a, Q1R4, T2.1); any other id is a slug, an
address only, never shown as a label."""


@functools.cache
def is_code(identifier: str) -> bool:
    """Whether ``identifier`` is a short code (remembered: labels ask for every id on every page
    that shows it, 90,000 times for the search records alone at 5,000 papers)."""
    return len(identifier) <= 8 and CODE_ID.fullmatch(identifier) is not None


def clip(text: str, most: int = 90) -> str:
    """``text`` cut at a word boundary to at most ``most`` characters (with "…")."""
    text = " ".join(text.split())
    if len(text) <= most:
        return text
    return text[:most].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# --- nested records -------------------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class FlowStep:
    stage: str = field_(Str(), "Name of the stage, as reported (e.g. 'Records screened').", required=True)
    count: int = field_(Int(0, 10**9), "Number of documents at this stage, as reported.", required=True)
    role: str | None = field_(Choice(*FLOW_ROLES), "Its PRISMA 2020 box: identified (a source, drawn side by "
                              "side), total, removed (before screening), screened, excluded, sought, "
                              "not-retrieved, assessed or included; exclusions are drawn beside the main column.")
    group: str | None = field_(Str(), "For a flow that is not PRISMA-shaped: the strand this step belongs to "
                               "(e.g. one theme search); strands are drawn side by side, never as one chain.")
    line: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Quality:
    relevance: str | None = field_(Str(), "Relevance judgement, as appraised.")
    rigour: str | None = field_(Choice(*RIGOUR), "Rigour: high, moderate or low.")
    note: str | None = field_(Str(), "Note on the appraisal.")
    line: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Confidence:
    level: str = field_(Str(), "Level on the review's scale (a key of 'confidence.levels' in site.yaml; "
                        "default scale: high, moderate, low, very-low).", required=True)
    rationale: str | None = field_(Str(), "Why this level, in the review's words or a summary of them.")
    uncertainty: str | None = field_(Str(), "Uncertainty around the finding, as the review states it.")
    assessed_with: str | None = field_(Str(), "How the level was reached, e.g. 'GRADE-CERQual' or "
                                       "'reviewers' overall judgement'.")
    line: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Reviewed:
    date: str = field_(Date(), "Date of the decision, YYYY-MM-DD.", required=True)
    by: str | None = field_(Str(numbers_ok=True), "Who decided: a person, or a meeting (e.g. 'Advisory group "
                            "meeting 3').")
    line: int | None = None


STATUS_DOC = ("Review status of this link: proposed, agreed or contested (unset: not reviewed).")
REVIEWED_DOC = "Who decided the status, and when: {date (YYYY-MM-DD), by}; written by 'import --kind review'."


@dataclass(frozen=True, kw_only=True, slots=True)
class MapPaper:
    paper: Ref = field_(Id("paper"), "Paper id.", required=True)
    status: str | None = field_(Choice(*CMOC_STATUSES), STATUS_DOC)
    review_note: str | None = field_(Str(), "Advisory-group note on this paper's place in the evidence set.")
    reviewed: Reviewed | None = field_(Record(Reviewed), REVIEWED_DOC)
    line: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PaperTheory:
    theory: Ref = field_(Id("theory"), "Theory id.", required=True)
    status: str | None = field_(Choice(*CMOC_STATUSES), STATUS_DOC)
    review_note: str | None = field_(Str(), "Advisory-group note on this coding.")
    reviewed: Reviewed | None = field_(Record(Reviewed), REVIEWED_DOC)
    line: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class MapRow:
    focus: str = field_(Str(), "What this evidence set is about (the row label).", required=True)
    kind: str | None = field_(Choice(*ROW_KINDS), "context, mechanism or outcome.")
    papers: tuple[MapPaper, ...] = field_(ListOf(Record(MapPaper, shorthand="paper")),
                                          "Papers in this evidence set: list of id or {paper, status, "
                                          "review_note, reviewed}; empty = a gap.", default=())
    note: str | None = field_(Str(), "Note on this evidence set; an empty row with a note is an "
                              "acknowledged gap and does not warn.")
    line: int | None = None

    @property
    def paper_ids(self) -> tuple[Ref, ...]:
        """The ids of :attr:`papers`, in order."""
        return tuple(p.paper for p in self.papers)


@dataclass(frozen=True, kw_only=True, slots=True)
class Source:
    paper: Ref = field_(Id("paper"), "Paper id.", required=True)
    locator: str | None = field_(Str(numbers_ok=True), "Where in the paper (page, section, table).")
    quote: str | None = field_(Str(), "The passage that supports this configuration.")
    verbatim: bool | None = field_(Bool(), "true: the quote is the paper's own words; false: the review's "
                                   "paraphrase (unset: not stated).")
    found_in: str | None = field_(Str(numbers_ok=True), "Where in the review (report chapter, paragraph, "
                                  "table) this link was made: the review's side, not the paper's.")
    status: str | None = field_(Choice(*CMOC_STATUSES), "Review status of this source's support for the "
                                "configuration: proposed, agreed or contested (unset: not reviewed).")
    review_note: str | None = field_(Str(), "Advisory-group note on this source.")
    reviewed: Reviewed | None = field_(Record(Reviewed), REVIEWED_DOC)
    line: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class TheoryLink:
    theory: Ref = field_(Id("theory"), "Theory id.", required=True)
    relation: str = field_(Choice(*RELATIONS), "supports, refutes or refines (default supports).",
                           default="supports")
    status: str | None = field_(Choice(*CMOC_STATUSES), "Review status of this link: proposed, agreed or "
                                "contested (default: the CMOC's).")
    review_note: str | None = field_(Str(), "Advisory-group note on this link.")
    reviewed: Reviewed | None = field_(Record(Reviewed), REVIEWED_DOC)
    line: int | None = None


# --- entities ----------------------------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class Entity:
    """Common to every kind. Fields without a spec are computed, not written."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    id: str = field_(Id(), "Identifier; defaults to the file stem. Unique across all collections.",
                     default="")
    extra: Mapping[str, Any] = field_(Extra(), "Free extra data, shown as a small table on the page.",
                                      factory=lambda: EMPTY)
    path: str = ""
    rel: str = ""
    page_url: str = ""
    """Site-relative URL of the entity's page, e.g. ``papers/ID/`` (computed once, here)."""
    body: str = ""
    body_line: int = 1
    lines: Mapping[str, int] = field(default_factory=dict)
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def line_of(self, name: str) -> int | None:
        return self.lines.get(name)

    def location(self, name: str | None = None, line: int | None = None) -> Location:
        return Location(self.path, line or (self.lines.get(name) if name else None) or None)

    @property
    def display_title(self) -> str:
        return getattr(self, "title", None) or self.id

    @property
    def code(self) -> str | None:
        """The id when it is a short code (R1, M5), else None: a slug is never shown."""
        return self.id if is_code(self.id) else None

    @property
    def short_label(self) -> str:
        """For breadcrumbs, chips and graph nodes: the code if there is one, else the title."""
        return self.code or self.display_title

    @property
    def display_label(self) -> str:
        """For headings, captions and filters: 'R1: title' for a code, the title alone for a slug."""
        title = self.display_title
        return f"{self.id}: {title}" if self.code and title != self.id else title


@dataclass(frozen=True, kw_only=True, slots=True)
class Review(Entity):
    kind: ClassVar[str] = "review"
    label: ClassVar[str] = "Review"
    title: str = field_(Str(), "Title of the review.", required=True)
    authors: tuple[str, ...] = field_(ListOf(Str(), names=True), "Authors (people or organisations).", default=())
    year: int | str | None = field_(Year(), "Year of publication.")
    registration: str | None = field_(Str(numbers_ok=True), "Registration, e.g. a PROSPERO number.")
    method: str | None = field_(Str(), "Review method, e.g. 'realist synthesis'.")
    flow: tuple[FlowStep, ...] = field_(ListOf(Record(FlowStep), single_ok=False),
                                        "Document-flow counts as reported: list of {stage, count, role "
                                        "(PRISMA 2020 box) or group (a strand of a flow that is not "
                                        "PRISMA-shaped)}.",
                                        default=())


@dataclass(frozen=True, kw_only=True, slots=True)
class Question(Entity):
    kind: ClassVar[str] = "question"
    label: ClassVar[str] = "Question"
    text: str = field_(Str(), "The review question.", required=True)
    short: str | None = field_(Str(), "A short form for lists and tables.")
    review: tuple[Ref, ...] = field_(ListOf(Id("review")), "Review id(s) this question belongs to.", default=())

    @property
    def display_title(self) -> str:
        return self.short or self.text


@dataclass(frozen=True, kw_only=True, slots=True)
class Theory(Entity):
    kind: ClassVar[str] = "theory"
    label: ClassVar[str] = "Theory"
    title: str = field_(Str(), "Name of the theory node.", required=True)
    theory_kind: str = "component"
    statement: tuple[str, ...] = field_(TextOrList(), "If–then statement(s).", default=())
    parent: Ref | None = field_(Id("theory"), "Parent theory id (hierarchy).")
    related: tuple[Ref, ...] = field_(ListOf(Id("theory")), "Related theory ids.", default=())
    question: tuple[Ref, ...] = field_(ListOf(Id("question")), "Question id(s) this node answers.", default=())
    review: tuple[Ref, ...] = field_(ListOf(Id("review")), "Review id(s).", default=())
    status: str | None = field_(Str(), "Status, e.g. 'reviewed' or 'mapped'.")
    summary: str | None = field_(Str(), "Key message: what the evidence shows, in a sentence or two of plain "
                                 "language.")
    confidence: Confidence | None = field_(Record(Confidence), "How far the evidence supports it: "
                                           "{level, rationale, uncertainty, assessed_with}.")
    examined: tuple[str, ...] = field_(ListOf(Choice(*EXAMINED)), "How it was examined: reviewed (into "
                                       "CMOCs), mapped (to evidence sets), coded (from papers) or "
                                       "synthesised (from the review as a whole); default: from its "
                                       "evidence.", default=())
    order: int | None = field_(Int(-10**6, 10**6), "Position among the theory nodes, as the review orders them "
                               "(smaller first; default: by id, after the ordered ones).")


@dataclass(frozen=True, kw_only=True, slots=True)
class EvidenceMap(Entity):
    kind: ClassVar[str] = "map"
    label: ClassVar[str] = "Evidence map"
    title: str | None = field_(Str(), "Title; defaults to 'Evidence map: ID – theory title'.")
    theory: Ref | None = field_(Id("theory"), "Theory id this map belongs to.")
    rows: tuple[MapRow, ...] = field_(ListOf(Record(MapRow), single_ok=False),
                                      "Evidence sets: list of {focus, kind, papers}.", required=True,
                                      default=())

    @property
    def display_title(self) -> str:
        return self.title or (f"Evidence map {self.id}" if is_code(self.id) else "Evidence map")


@dataclass(frozen=True, kw_only=True, slots=True)
class Paper(Entity):
    kind: ClassVar[str] = "paper"
    label: ClassVar[str] = "Paper"
    title: str = field_(Str(), "Title of the study.", required=True)
    authors: tuple[str, ...] = field_(ListOf(Str(), names=True), "Authors: 'Surname Initials' or an organisation; "
                                      "a last item 'et al.' marks a list that names only the first authors.",
                                      required=True, default=())
    year: int | str = field_(Year(), "Year of publication (or 'n.d.').", required=True, default="n.d.")
    journal: str | None = field_(Str(), "Journal or series.")
    volume: str | None = field_(Str(numbers_ok=True), "Volume.")
    issue: str | None = field_(Str(numbers_ok=True), "Issue.")
    pages: str | None = field_(Str(numbers_ok=True), "Pages or article number.")
    publisher: str | None = field_(Str(), "Publisher (reports, books).")
    doi: str | None = field_(Doi(), "DOI, e.g. 10.3310/hsdr06250 (a doi.org URL is accepted).")
    url: str | None = field_(Url(), "Web address (http or https).")
    design: str | None = field_(Str(), "Study design, as described.")
    setting: tuple[str, ...] = field_(ListOf(Str(), names=True), "Setting(s).", default=())
    country: tuple[str, ...] = field_(ListOf(Str(), names=True), "Country or countries.", default=())
    population: str | None = field_(Str(), "Population studied.")
    aim: str | None = field_(Str(), "Aim of the study.")
    results: str | None = field_(Str(), "Main results.")
    quality: Quality | None = field_(Record(Quality), "Appraisal: {relevance, rigour, note}.")
    questions: tuple[Ref, ...] = field_(ListOf(Id("question")), "Question ids it informs.", default=())
    review: tuple[Ref, ...] = field_(ListOf(Id("review")), "Review id(s) that include it.", default=())
    theories: tuple[PaperTheory, ...] = field_(ListOf(Record(PaperTheory, shorthand="theory")),
                                               "Theories it is coded to directly: list of id or {theory, "
                                               "status, review_note, reviewed}.", default=())
    citekey: str | None = field_(Str(), "Citation key in the authors' reference manager.")
    status: str = field_(Choice("included", "excluded"), "included (default) or excluded.",
                         default="included")


@dataclass(frozen=True, kw_only=True, slots=True)
class Cmoc(Entity):
    kind: ClassVar[str] = "cmoc"
    label: ClassVar[str] = "CMOC"
    title: str | None = field_(Str(), "Short title.")
    context: str = field_(Str(), "Context (C).", required=True)
    mechanism: str | None = field_(Str(), "Mechanism (M); or split into resource and reasoning.")
    resource: str | None = field_(Str(), "Mechanism resource: what the intervention offers.")
    reasoning: str | None = field_(Str(), "Mechanism reasoning: how people respond.")
    outcome: str = field_(Str(), "Outcome (O).", required=True)
    sources: tuple[Source, ...] = field_(ListOf(Record(Source, shorthand="paper"), single_ok=False),
                                         "Papers: list of id or {paper, locator, quote, verbatim, found_in, status, "
                                         "review_note, reviewed}.", required=True,
                                         default=())
    theories: tuple[TheoryLink, ...] = field_(ListOf(Record(TheoryLink, shorthand="theory")),
                                              "Theories: list of id or {theory, relation, status, "
                                              "review_note, reviewed}.", default=())
    direction: str | None = field_(Choice(*DIRECTIONS), "enabler or barrier.")
    question: tuple[Ref, ...] = field_(ListOf(Id("question")), "Question id(s).", default=())
    review: tuple[Ref, ...] = field_(ListOf(Id("review")), "Review id(s).", default=())
    chains_to: tuple[Ref, ...] = field_(ListOf(Id("cmoc")), "CMOC ids whose context is this outcome.",
                                        default=())
    status: str | None = field_(Choice(*CMOC_STATUSES), "Review status: proposed, agreed or contested.")
    review_note: str | None = field_(Str(), "Advisory-group note on this configuration.")
    reviewed: Reviewed | None = field_(Record(Reviewed), REVIEWED_DOC)
    summary: str | None = field_(Str(), "Key message of this configuration in plain language.")
    confidence: Confidence | None = field_(Record(Confidence), "Confidence in this configuration: "
                                           "{level, rationale, uncertainty, assessed_with}.")

    @property
    def display_title(self) -> str:
        """Its title, else its outcome (cut short): never its id."""
        return self.title or clip(self.outcome) or self.id


@dataclass(frozen=True, kw_only=True, slots=True)
class Page(Entity):
    kind: ClassVar[str] = "page"
    label: ClassVar[str] = "Page"
    title: str = field_(Str(), "Page title.", required=True)
    order: int = field_(Int(-10**6, 10**6), "Position in the navigation (smaller first).", default=100)


KINDS: dict[str, type[Entity]] = {c.kind: c for c in (Review, Question, Theory, EvidenceMap, Paper, Cmoc, Page)}
BUILTIN_FACET_FIELDS = {"design": ("paper",), "setting": ("paper",), "country": ("paper",),
                        "direction": ("cmoc",)}
