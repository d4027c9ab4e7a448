"""Decide and carry out what happens to each record: create, update, skip or fail."""
from __future__ import annotations

from typing import Any

from ..content.diagnostics import Location, Report
from ..content.load import MAX_FILE_BYTES, ContentError
from ..content.walk import FileProblem, read_bounded
from .actions import Action, ImportOptions, Target
from .dedupe import Identity, Index
from .existing import cmoc_key, resolve_paper
from .names import id_stem
from .records import PAPER_ORDER, Incoming
from .write import create, explicit_id, free_id, markdown, refresh, replace_file, validate

CMOC_ORDER = ("title", "context", "mechanism", "resource", "reasoning", "outcome", "sources", "theories",
              "direction", "status", "question", "review", "chains_to", "review_note")
DIRECTIONS = {"enabler": "enabler", "facilitator": "enabler", "enabling": "enabler", "positive": "enabler",
              "barrier": "barrier", "constraint": "barrier", "hindering": "barrier", "negative": "barrier"}
REF_KINDS = {"review": "review", "questions": "question", "question": "question", "theories": "theory",
             "chains_to": "cmoc"}


def apply_plan(records: list[Incoming], target: Target, options: ImportOptions,
               report: Report) -> list[Action]:
    shown_file = str(options.file)
    actions: list[Action] = []
    in_run = Seen()
    for rec in records:
        where = Location(shown_file, rec.line)
        for p in rec.problems:
            getattr(report, p.severity)(p.code, p.message, where)
        if rec.failed:
            actions.append(Action("fail", rec.where, reason="see the errors above"))
            continue
        step = _paper if rec.kind == "paper" else _cmoc
        action = step(rec, target, options, report, where, in_run)
        actions.append(action)
    return actions


class Seen:
    """What this import has created so far: CMOC keys, and papers by identity (see :mod:`.dedupe`)."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.papers: Index[str] = Index()


def _ref_check(rec: Incoming, fields: dict[str, Any], extra: dict[str, Any], target: Target,
               report: Report, where: Location) -> None:
    """Reference fields naming ids the content directory lacks are kept under extra, with a warning."""
    for name, kind in REF_KINDS.items():
        if name not in fields or (rec.kind == "cmoc" and name == "theories"):
            continue
        values = fields[name] if isinstance(fields[name], list) else [fields[name]]
        good, bad = [], []
        for v in values:
            known = target.existing.by_id.get(str(v).lower())
            (good if known and known.kind == kind else bad).append(known.id if known and known.kind == kind else v)
        if bad:
            report.warning("import.unknown-id", f"{rec.where}: no {kind} {', '.join(map(repr, bad))} in "
                           f"{target.shown}; '{name}' kept under extra", where)
            extra[name] = "; ".join(map(str, values))
            if good:
                fields[name] = good
            else:
                del fields[name]
        else:
            fields[name] = good


def _rel(kind_folder: str, entity_id: str) -> str:
    return f"{kind_folder}/{entity_id}.md"


def _paper(rec: Incoming, target: Target, options: ImportOptions, report: Report, where: Location,
           in_run: Seen) -> Action:
    fields, extra = dict(rec.fields), dict(rec.extra)
    _ref_check(rec, fields, extra, target, report, where)
    ident = Identity.of(fields, extra, (rec.key, fields.get("citekey")))
    found = target.existing.papers.match(ident)
    if found and found[1]:
        known, _, why = found
        rel = known.rel
        if not options.update:
            report.note("import.exists", f"{rec.where}: skipped: {rel} exists ({why}); --update refreshes "
                        "its bibliographic fields", where)
            return Action("skip", rec.where, rel, "exists")
        return _update(rec, known, fields, target, options, report, where)
    earlier = in_run.papers.match(ident)
    if earlier and earlier[1]:
        report.note("import.duplicate", f"{rec.where}: skipped: the same paper as {earlier[0]} ({earlier[2]})",
                    where)
        return Action("skip", rec.where, None, "duplicate")
    for match, what in ((found, lambda k: k.rel), (earlier, str)):
        if match:
            report.warning("import.possible-duplicate", f"{rec.where}: imported, but it may be the same paper as "
                           f"{what(match[0])} ({match[2]}): delete one if they are", where)
    authors = fields.get("authors") or []
    entity_id = explicit_id(rec.key, target.taken) or free_id(id_stem(authors[0], fields.get("year")),
                                                               target.taken)
    if str(fields.get("citekey", "")).lower() == entity_id.lower():
        fields.pop("citekey")
    text = markdown(fields, extra, rec.body, PAPER_ORDER)
    action = _create(rec, "papers", entity_id, "paper", text, target, options, report, where, in_run, [])
    if action.action == "create":
        in_run.papers.add(ident, rec.where)
    return action


def _create(rec: Incoming, folder: str, entity_id: str, kind: str, text: str, target: Target,
            options: ImportOptions, report: Report, where: Location, in_run: Seen,
            keys: list[str]) -> Action:
    rel = _rel(folder, entity_id)
    problems = validate(text, kind, rel, f"{target.shown}/{rel}", target.config)
    if problems:
        for message in problems:
            report.error("import.invalid", f"{rec.where}: {message}", where)
        return Action("fail", rec.where, rel, "invalid")
    if not options.dry_run:
        try:
            create(target.content / rel, text)
        except FileExistsError:
            report.error("import.file-exists", f"{rec.where}: {rel} exists; not overwritten", where)
            return Action("fail", rec.where, rel, "file exists")
    for k in keys:
        in_run.keys[k] = rec.where
    return Action("create", rec.where, rel)


def _update(rec: Incoming, known: Any, fields: dict[str, Any], target: Target, options: ImportOptions,
            report: Report, where: Location) -> Action:
    path = target.content / known.rel
    try:
        updated = refresh(known, read_bounded(path, MAX_FILE_BYTES), fields)
    except FileProblem as exc:
        report.error("import.update", f"{rec.where}: cannot update {known.rel}: {exc.message}", where)
        return Action("fail", rec.where, known.rel, "unreadable")
    except (OSError, ContentError, UnicodeDecodeError) as exc:
        report.error("import.update", f"{rec.where}: cannot update {known.rel}: {exc}", where)
        return Action("fail", rec.where, known.rel, "unreadable")
    if not updated.changed:
        report.note("import.unchanged", f"{rec.where}: skipped: {known.rel} is up to date", where)
        return Action("skip", rec.where, known.rel, "unchanged")
    problems = validate(updated.text.replace("\r\n", "\n"), "paper", known.rel, f"{target.shown}/{known.rel}", target.config)
    if problems:
        for message in problems:
            report.error("import.invalid", f"{rec.where}: updating {known.rel}: {message}", where)
        return Action("fail", rec.where, known.rel, "invalid")
    if not options.dry_run:
        replace_file(path, updated.data)
    return Action("update", rec.where, known.rel, "changed " + ", ".join(updated.changed))


def _cmoc(rec: Incoming, target: Target, options: ImportOptions, report: Report, where: Location,
          in_run: Seen) -> Action:
    raw, extra = dict(rec.fields), dict(rec.extra)
    errors: list[str] = []
    sources: list[Any] = []
    for token in raw.pop("sources", []):
        paper_id, why = resolve_paper(target.existing, token)
        if why:
            errors.append(why)
        elif paper_id not in [s if isinstance(s, str) else s["paper"] for s in sources]:
            sources.append(paper_id)
    locator, quote = raw.pop("locator", None), raw.pop("quote", None)
    if (locator or quote) and len(sources) == 1:
        sources = [{"paper": sources[0], **({"locator": locator} if locator else {}),
                    **({"quote": quote} if quote else {})}]
    elif locator or quote:
        report.warning("import.quote", f"{rec.where}: a locator or quote with {len(sources)} sources: "
                       "kept under extra (which paper it belongs to is not clear)", where)
        extra.update({k: v for k, v in (("locator", locator), ("quote", quote)) if v})
    theories = _theories(raw.pop("theories", []), raw.pop("relations", []), target, errors)
    if "direction" in raw:
        d = DIRECTIONS.get(raw["direction"].strip().lower())
        if d is None:
            report.warning("import.value", f"{rec.where}: direction '{raw['direction']}' is not enabler or "
                           "barrier; kept under extra", where)
            extra["direction"] = raw.pop("direction")
        else:
            raw["direction"] = d
    if "status" in raw:
        raw["status"] = raw["status"].lower()
    fields = {**raw, "sources": sources, **({"theories": theories} if theories else {})}
    _ref_check(rec, fields, extra, target, report, where)
    for message in errors:
        report.error("import.unknown-id", f"{rec.where}: {message}", where)
    if errors:
        return Action("fail", rec.where, None, "unresolved")
    known = target.existing.by_id.get((rec.key or "").lower())
    ck = cmoc_key(fields)
    if known or ck in target.existing.cmocs_by_key:
        known = known or target.existing.cmocs_by_key[ck]
        report.note("import.exists", f"{rec.where}: skipped: {known.rel} exists "
                    f"({'same id' if rec.key and known.id.lower() == rec.key.lower() else 'same context, mechanism and outcome'})"
                    + ("; --update applies to papers only" if options.update else ""), where)
        return Action("skip", rec.where, known.rel, "exists")
    if ck in in_run.keys:
        report.note("import.duplicate", f"{rec.where}: skipped: the same configuration as {in_run.keys[ck]}", where)
        return Action("skip", rec.where, None, "duplicate")
    entity_id = explicit_id(rec.key, target.taken) or _cmoc_id(theories, target.taken)
    text = markdown(fields, extra, rec.body, CMOC_ORDER)
    return _create(rec, "cmocs", entity_id, "cmoc", text, target, options, report, where, in_run, [ck])


def _theories(names: list[str], relations: list[str], target: Target, errors: list[str]) -> list[Any]:
    out: list[Any] = []
    for item in relations or names:
        parts = item.split()
        tid, relation = parts[0], (parts[1].lower() if len(parts) > 1 else "supports")
        known = target.existing.by_id.get(tid.lower())
        if not known or known.kind != "theory":
            errors.append(f"unknown theory '{tid}'")
            continue
        out.append(known.id if relation == "supports" else {"theory": known.id, "relation": relation})
    return out


def _cmoc_id(theories: list[Any], taken: set[str]) -> str:
    first = theories[0] if theories else None
    base = f"cmoc-{first if isinstance(first, str) else first['theory']}-" if first else "cmoc-"
    n = 1
    while f"{base}{n:02d}".lower() in taken:
        n += 1
    taken.add(f"{base}{n:02d}".lower())
    return f"{base}{n:02d}"
