"""The entities of an evidence base: one frozen dataclass per kind.

The dataclass fields declared with :func:`field_` *are* the content format:
validation, the format reference, ``new`` scaffolds and the JSON Schema all
read them. Cross-field rules live in :func:`_rules`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from . import urls
from .bool_field import Bool
from .config_findings import EXAMINED_WAYS
from .diagnostics import Location, Report, did_you_mean
from .fields import (Choice, Doi, Extra, FieldError, Id, Int, ListOf, Record, Ref, Str, TextOrList, Url, Year,
                     check_id, content_fields, drop_known_line, field_)
from .load import SourceFile

if TYPE_CHECKING:  # annotations only: config asks the model which field names facets may not take
    from .config import SiteConfig

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
class MapRow:
    focus: str = field_(Str(), "What this evidence set is about (the row label).", required=True)
    kind: str | None = field_(Choice(*ROW_KINDS), "context, mechanism or outcome.")
    papers: tuple[Ref, ...] = field_(ListOf(Id("paper")), "Paper ids in this evidence set; empty = a gap.",
                                     default=())
    note: str | None = field_(Str(), "Note on this evidence set; an empty row with a note is an "
                              "acknowledged gap and does not warn.")
    line: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Source:
    paper: Ref = field_(Id("paper"), "Paper id.", required=True)
    locator: str | None = field_(Str(numbers_ok=True), "Where in the paper (page, section, table).")
    quote: str | None = field_(Str(), "The passage that supports this configuration.")
    verbatim: bool | None = field_(Bool(), "true: the quote is the paper's own words; false: the review's "
                                   "paraphrase (unset: not stated).")
    found_in: str | None = field_(Str(numbers_ok=True), "Where in the review (report chapter, paragraph, "
                                  "table) this link was made: the review's side, not the paper's.")
    line: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class TheoryLink:
    theory: Ref = field_(Id("theory"), "Theory id.", required=True)
    relation: str = field_(Choice(*RELATIONS), "supports, refutes or refines (default supports).",
                           default="supports")
    status: str | None = field_(Choice(*CMOC_STATUSES), "Review status of this link: proposed, agreed or "
                                "contested (default: the CMOC's).")
    review_note: str | None = field_(Str(), "Advisory-group note on this link.")
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
                                      factory=lambda: MappingProxyType({}))
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
    theories: tuple[Ref, ...] = field_(ListOf(Id("theory")), "Theory ids it is coded to directly.", default=())
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
                                         "Papers: list of id or {paper, locator, quote}.", required=True,
                                         default=())
    theories: tuple[TheoryLink, ...] = field_(ListOf(Record(TheoryLink, shorthand="theory")),
                                              "Theories: list of id or {theory, relation, status, review_note}.", default=())
    direction: str | None = field_(Choice(*DIRECTIONS), "enabler or barrier.")
    question: tuple[Ref, ...] = field_(ListOf(Id("question")), "Question id(s).", default=())
    review: tuple[Ref, ...] = field_(ListOf(Id("review")), "Review id(s).", default=())
    chains_to: tuple[Ref, ...] = field_(ListOf(Id("cmoc")), "CMOC ids whose context is this outcome.",
                                        default=())
    status: str | None = field_(Choice(*CMOC_STATUSES), "Review status: proposed, agreed or contested.")
    review_note: str | None = field_(Str(), "Advisory-group note on this configuration.")
    summary: str | None = field_(Str(), "Key message of this configuration in plain language.")
    confidence: Confidence | None = field_(Record(Confidence), "Confidence in this configuration: "
                                           "{level, rationale, uncertainty, assessed_with}.")

    @property
    def display_title(self) -> str:
        return self.title or self.id


@dataclass(frozen=True, kw_only=True, slots=True)
class Page(Entity):
    kind: ClassVar[str] = "page"
    label: ClassVar[str] = "Page"
    title: str = field_(Str(), "Page title.", required=True)
    order: int = field_(Int(-10**6, 10**6), "Position in the navigation (smaller first).", default=100)


KINDS: dict[str, type[Entity]] = {c.kind: c for c in (Review, Question, Theory, EvidenceMap, Paper, Cmoc, Page)}
BUILTIN_FACET_FIELDS = {"design": ("paper",), "setting": ("paper",), "country": ("paper",),
                        "direction": ("cmoc",)}


def allowed_fields(kind: str, config: SiteConfig) -> dict[str, Any]:
    names = dict(content_fields(KINDS[kind]))
    if kind == "theory":
        names["kind"] = None  # stored as theory_kind
    for facet in config.facets.values():
        if kind in facet.applies_to and facet.key not in names:
            names[facet.key] = None
    return names


def build_entity(src: SourceFile, config: SiteConfig, report: Report) -> Entity | None:
    """Validate one source file into an entity; None (with diagnostics) when invalid."""
    cls = KINDS[src.kind]
    data = src.data
    where = lambda line: Location(src.path, line)  # noqa: E731
    allowed = allowed_fields(src.kind, config)
    ok = True
    for key in data:
        if key not in allowed:
            report.error("schema.unknown-field", f"unknown field '{key}'{did_you_mean(key, allowed)}",
                         where(data.line_of(key)))
            ok = False
    values: dict[str, Any] = {}
    for name, f in content_fields(cls).items():
        if name in data and data[name] is not None:
            line = data.line_of(name)
            try:
                values[name] = drop_known_line(f.metadata["spec"].parse(data[name], name, line), line)
            except FieldError as exc:
                for err in exc.each():
                    report.error(err.code, err.message, where(err.line or line))
                ok = False
        elif f.metadata["required"]:
            report.error("schema.required", f"missing required field '{name}'"
                         + (" (it is empty)" if name in data else ""), where(data.line_of(name) if name in data else 1))
            ok = False
    facets: dict[str, tuple[str, ...]] = {}
    for facet in config.facets.values():
        if src.kind not in facet.applies_to or data.get(facet.key) is None:  # empty = absent, as for fields
            continue
        try:
            parsed = facet.parse(data[facet.key], data.line_of(facet.key))
            if not facet.builtin:  # built-in fields (design, setting…) keep their own attribute
                facets[facet.key] = parsed
        except FieldError as exc:
            report.error(exc.code, exc.message, where(exc.line or data.line_of(facet.key)))
            ok = False
    entity_id = values.get("id") or src.stem
    if "id" not in values:
        try:
            check_id(entity_id)
        except FieldError as exc:
            report.error(exc.code, f"file name gives {exc.message}; rename the file or set 'id'", where(1))
            ok = False
    if src.kind == "theory" and "kind" in data:
        tk = data["kind"]
        if not isinstance(tk, str) or tk not in config.theory_kinds:
            report.error("schema.choice", f"unknown theory kind {tk!r}; site.yaml theory_kinds has "
                         f"{', '.join(config.theory_kinds)}{did_you_mean(str(tk), config.theory_kinds)}",
                         where(data.line_of("kind")))
            ok = False
        else:
            values["theory_kind"] = tk
    elif src.kind == "theory":
        values["theory_kind"] = config.default_theory_kind
    for line in src.cut_values:
        report.warning("yaml.comment-in-value", "'#' here starts a YAML comment, so the rest of the line is "
                       "not part of the value: put the value in double quotes if the '#' belongs to it",
                       where(line))
    ok = all([_rules(src, values, report), check_confidence(src, values, config, report)]) and ok
    if not ok:
        return None
    values.update(id=str(entity_id), path=src.path, rel=src.rel, body=src.body, body_line=src.body_line,
                  lines=MappingProxyType(dict(data.lines)), facets=MappingProxyType(facets),
                  page_url=urls.entity_url(src.kind, str(entity_id)))
    values["extra"] = MappingProxyType(values.get("extra", {}))
    return cls(**values)


def claimed_id(src: SourceFile) -> str:
    """The id a file asks for (its ``id`` field when that is text, else its file name), also when it
    fails validation: references to it then say that it has errors, not that it is unknown."""
    value = src.data.get("id")
    return value.strip() if isinstance(value, str) and value.strip() else src.stem


def _rules(src: SourceFile, values: dict[str, Any], report: Report) -> bool:
    """Cross-field rules, in one place."""
    data, ok = src.data, True
    if src.kind == "cmoc":
        has_split = "resource" in values or "reasoning" in values
        if "mechanism" in values and has_split:
            report.error("schema.mechanism", "give either 'mechanism' or 'resource'/'reasoning', not both",
                         Location(src.path, data.line_of("mechanism")))
            ok = False
        elif "mechanism" not in values and not has_split and not any(
                data.get(k) is not None for k in ("mechanism", "resource", "reasoning")):
            report.error("schema.required", "missing required field 'mechanism' "
                         "(or 'resource' and/or 'reasoning')", Location(src.path, 1))
            ok = False
    if src.kind == "map" and "rows" in values and not values["rows"]:
        report.error("schema.required", "'rows' is empty: a map needs at least one row",
                     Location(src.path, data.line_of("rows")))
        ok = False
    if src.kind == "theory" and values.get("parent") and str(values["parent"]).lower() == \
            str(values.get("id") or src.stem).lower():
        report.error("link.cycle", "a theory cannot be its own parent", Location(src.path, data.line_of("parent")))
        ok = False
    return ok



def check_confidence(src: SourceFile, values: dict[str, Any], config: SiteConfig, report: Report) -> bool:
    """A confidence level must be one of the site's scale (``confidence.levels`` in site.yaml)."""
    conf = values.get("confidence")
    if conf is None:
        return True
    levels = config.confidence_levels
    if conf.level in levels:
        return True
    raw = src.data.get("confidence")
    line = (raw.line_of("level") if hasattr(raw, "line_of") else None) or conf.line
    report.error("schema.confidence-level", f"unknown confidence level '{conf.level}'"
                 f"{did_you_mean(conf.level, levels)}; the scale in site.yaml has {', '.join(levels)}",
                 Location(src.path, line))
    return False
