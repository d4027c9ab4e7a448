"""The advisory group's filled-in sheet (``/review/links.csv``) applied back to the content files.

:func:`apply_review_csv` reads the sheet (:mod:`.review_sheet`) and, for each link a row names (a
CMOC, a CMOC's theory link or source, a paper's theory coding, a paper in a map row), sets
``status`` (from ``decision``), ``review_note`` (from ``comment``) and ``reviewed`` (from
``decided_on`` and ``decided_by``) in the file that holds it, editing the YAML text in place so every
other byte of the file is unchanged. It never touches any other field. Every row is accounted for:
applied, unchanged, conflict, unknown (the link is gone) or invalid.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..content.diagnostics import Diagnostic, Location, Report, Severity
from ..content.load import ContentError, decode, parse_yaml, read_file, split_front_matter
from ..content.walk import walk_content
from .review_sheet import Decision, read_decisions
from .yaml_edit import (Edit, Value, apply_edits, compose_front_matter, decode_for_edit, encode_after_edit,
                        find_key, newline_of, set_item_keys, set_keys)

OUTCOMES = ("applied", "unchanged", "conflict", "unknown", "invalid")
"""What became of a row with a decision or comment (rows with neither are blank)."""
FIELDS = ("status", "review_note")


@dataclass(frozen=True)
class Change:
    cmoc: str
    theory: str
    """Empty for the CMOC's own status and note."""
    field: str
    old: str | None
    new: str
    path: str
    kind: str = "cmoc"
    paper: str = ""
    map: str = ""
    row: int = 0


@dataclass(frozen=True)
class ReviewImportResult:
    changes: tuple[Change, ...]
    files: tuple[str, ...]
    """Files changed (or that would change, on a dry run)."""
    diagnostics: tuple[Diagnostic, ...]
    dry_run: bool
    outcomes: dict[str, int] = field(default_factory=dict)
    """Rows of the sheet by what became of them (:data:`OUTCOMES`, and ``blank``)."""

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    def accounting(self) -> str:
        """'12 rows: 3 applied, 1 unchanged, 1 conflict, 0 unknown, 0 invalid, 7 without a decision'."""
        total = sum(self.outcomes.values())
        parts = [f"{self.outcomes.get(name, 0)} {name}" for name in OUTCOMES]
        return f"{total} row{'s' if total != 1 else ''}: {', '.join(parts)}, " \
               f"{self.outcomes.get('blank', 0)} without a decision"


@dataclass(frozen=True)
class _File:
    path: Path
    shown: str
    id: str


def _entity_files(content_dir: Path, kinds: set[str], report: Report) -> dict[tuple[str, str], _File]:
    """(kind, id lower case) → file, for the files of ``kinds``, reading only each file's ``id``."""
    out: dict[tuple[str, str], _File] = {}
    for rel, kind in walk_content(content_dir).files:  # the files a build reads
        if kind not in kinds:
            continue
        path = content_dir / rel
        shown = f"{content_dir.as_posix().rstrip('/')}/{rel}"
        try:
            data = parse_yaml(split_front_matter(decode(read_file(path)))[0], 1) or {}
        except ContentError as exc:
            report.error(f"review.{kind}-file", f"cannot read: {getattr(exc, 'message', exc)}", Location(shown))
            continue
        entity_id = str(data.get("id") or path.stem) if isinstance(data, dict) else path.stem
        out[(kind, entity_id.lower())] = _File(path, shown, entity_id)
    return out


FOLDERS = {"cmoc": "cmocs", "paper": "papers", "map": "maps"}


def apply_review_csv(path: Path, content_dir: Path, dry_run: bool = False) -> ReviewImportResult:
    """Apply the decision, comment and provenance columns of a filled-in links.csv to the content files.

    Only ``status``, ``review_note`` and ``reviewed`` of the link a row names are written. Reported,
    not applied: rows whose link no longer exists, rows whose exported status, note or provenance
    differs from the file (edited since the export) and two rows about one link that disagree.
    """
    path, content_dir = Path(path), Path(content_dir)
    report = Report()
    decisions, blank = read_decisions(path, str(path), report)
    outcomes: Counter[str] = Counter(blank=blank)
    outcomes["invalid"] = len(report.errors)
    files = _entity_files(content_dir, {d.owner[0] for d in decisions}, report)
    by_file: dict[tuple[str, str], list[Decision]] = {}
    seen: dict[tuple, Decision] = {}
    for d in decisions:
        where = Location(str(path), d.row)
        kind, ident = d.owner
        if (kind, ident.lower()) not in files:
            report.warning("review.missing", f"{kind.upper() if kind == 'cmoc' else kind.capitalize()} '{ident}' "
                           f"no longer exists in {content_dir}/{FOLDERS[kind]}; row not applied", where)
            outcomes["unknown"] += 1
            continue
        if d.key in seen:  # the same link twice: fine when the rows agree
            first = seen[d.key]
            if (first.decision, first.comment, first.decided_on, first.decided_by) != \
                    (d.decision, d.comment, d.decided_on, d.decided_by):
                report.warning("review.conflict", f"row disagrees with row {first.row} about {d.what}; "
                               "neither applied", where)
                group = by_file.get((kind, ident.lower()), [])
                if first in group:
                    group.remove(first)
                    outcomes["conflict"] += 1
                outcomes["conflict"] += 1
            else:
                outcomes["unchanged"] += 1
            continue
        seen[d.key] = d
        by_file.setdefault((kind, ident.lower()), []).append(d)
    changes: list[Change] = []
    written: list[str] = []
    for key, items in by_file.items():
        file_changes = _apply_file(files[key], items, str(path), report, dry_run, outcomes)
        if file_changes:
            changes.extend(file_changes)
            written.append(files[key].shown)
    return ReviewImportResult(tuple(changes), tuple(written), tuple(report.sorted()), dry_run, dict(outcomes))


@dataclass(frozen=True)
class _Target:
    seq: object
    """The list holding the item (None for a CMOC's own fields)."""
    node: object
    path: tuple
    """Where the item is in the parsed front matter: keys and list positions."""
    shorthand: str


def _find_item(seq, key: str, ident: str) -> tuple[int, object] | None:
    if not isinstance(seq, yaml.SequenceNode):
        return None
    for i, item in enumerate(seq.value):
        if isinstance(item, yaml.ScalarNode) and item.value.lower() == ident.lower():
            return i, item
        value = find_key(item, key)
        if isinstance(value, yaml.ScalarNode) and value.value.lower() == ident.lower():
            return i, item
    return None


def _map_row(mapping, d: Decision) -> int | None:
    """Index of the row the decision names: its exported position, unless that row's focus is no
    longer the exported one and exactly one row has it."""
    rows = find_key(mapping, "rows")
    if not isinstance(rows, yaml.SequenceNode):
        return None

    def focus(i: int) -> str:
        value = find_key(rows.value[i], "focus")
        return str(value.value).strip() if isinstance(value, yaml.ScalarNode) else ""
    if d.map_row <= len(rows.value) and (not d.focus or focus(d.map_row - 1) == d.focus):
        return d.map_row - 1
    same = [i for i in range(len(rows.value)) if focus(i) == d.focus]
    return same[0] if len(same) == 1 else None


def _target(mapping, d: Decision) -> _Target | None:
    """Where in the file the link of ``d`` is written, or None when it is not there any more."""
    if d.kind == "cmoc":
        return _Target(None, mapping, (), "")
    if d.kind == "map-paper":
        r = _map_row(mapping, d)
        if r is None:
            return None
        seq = find_key(find_key(mapping, "rows").value[r], "papers")
        found = _find_item(seq, "paper", d.paper)
        return _Target(seq, found[1], ("rows", r, "papers", found[0]), "paper") if found else None
    name, key, ident = {"cmoc-theory": ("theories", "theory", d.theory), "cmoc-source": ("sources", "paper", d.paper),
                        "paper-theory": ("theories", "theory", d.theory)}[d.kind]
    seq = find_key(mapping, name)
    found = _find_item(seq, key, ident)
    return _Target(seq, found[1], (name, found[0]), key) if found else None


def _current(node, name: str) -> str | None:
    if not isinstance(node, yaml.MappingNode):  # a bare id: no status or note yet
        return None
    value = find_key(node, name)
    if name == "reviewed":
        return _reviewed_text(value)
    return None if value is None or value.value in ("", None) else str(value.value).strip()


def _reviewed_text(node) -> str | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    date, by = (find_key(node, k) for k in ("date", "by"))
    date_text = str(date.value).strip() if isinstance(date, yaml.ScalarNode) else ""
    by_text = str(by.value).strip() if isinstance(by, yaml.ScalarNode) and by.value else ""
    return (f"{date_text} by {by_text}" if by_text else date_text) or None


def _row_changes(d: Decision, target: _Target, shown: str, csv_path: str, report: Report,
                 inherited: str | None = None) -> list[tuple[str, str | None, Value]] | None:
    """(field, old, new) the row asks for; None (reported) when the file changed since the export.
    ``inherited``: the CMOC's own status, which a theory link without one of its own shows (and the
    sheet exports; a sheet exported before that has the link's own, empty: both match)."""
    wanted = {"status": d.decision, "review_note": d.comment}
    exported = {"status": d.exported_status, "review_note": d.exported_note}
    out: list[tuple[str, str | None, Value]] = []
    for name in FIELDS:
        new, old = wanted[name], _current(target.node, name)
        if not new or new == (old or ""):
            continue
        now = (old or inherited or "") if name == "status" else (old or "")
        if exported[name] not in {now, old or ""}:
            report.warning("review.conflict", f"{d.what}: {name} is '{now}' in {shown} but was "
                           f"'{exported[name]}' when the sheet was exported; row not applied", Location(csv_path, d.row))
            return None
        out.append((name, old, new))
    if d.decided_on and (out or d.decision):
        old_reviewed = _current(target.node, "reviewed")
        new_reviewed = f"{d.decided_on} by {d.decided_by}" if d.decided_by else d.decided_on
        if new_reviewed != old_reviewed and d.exported_reviewed is not None \
                and (old_reviewed or "") != d.exported_reviewed:
            report.warning("review.conflict", f"{d.what}: reviewed is '{old_reviewed or ''}' in {shown} but was "
                           f"'{d.exported_reviewed}' when the sheet was exported; row not applied",
                           Location(csv_path, d.row))
            return None
        if new_reviewed != old_reviewed:
            value = {"date": d.decided_on, **({"by": d.decided_by} if d.decided_by else {})}
            out.append(("reviewed", old_reviewed, value))
    return out


def _apply_file(target_file: _File, decisions: list[Decision], csv_path: str, report: Report,  # long: one row
                dry_run: bool, outcomes: Counter) -> list[Change]:                                # at a time
    try:
        text, bom = decode_for_edit(target_file.path.read_bytes())
        mapping, offset = compose_front_matter(text)
    except (OSError, UnicodeDecodeError) as exc:
        report.error("review.file", f"cannot read: {exc}", Location(target_file.shown))
        outcomes["invalid"] += len(decisions)
        return []
    except ContentError as exc:
        report.error("review.file", exc.message, Location(target_file.shown, exc.line))
        outcomes["invalid"] += len(decisions)
        return []
    edits: list[Edit] = []
    changes: list[Change] = []
    expected: list[tuple[tuple, str, str, Value]] = []
    for n, d in enumerate(decisions):
        target = _target(mapping, d)
        if target is None:
            report.warning("review.missing", f"{d.what}: no longer in {target_file.shown}; row not applied",
                           Location(csv_path, d.row))
            outcomes["unknown"] += 1
            continue
        asked = _row_changes(d, target, target_file.shown, csv_path, report,
                             _current(mapping, "status") if d.kind == "cmoc-theory" else None)
        if asked is None:
            outcomes["conflict"] += 1
            continue
        if not asked:
            outcomes["unchanged"] += 1
            continue
        outcomes["applied"] += 1
        pairs = [(name, new) for name, _old, new in asked]
        if target.seq is None:
            edits.extend(set_keys(text, mapping, pairs, offset, order=n * 10))
        else:
            edits.extend(set_item_keys(text, target.seq, target.node, target.shorthand, pairs, offset, order=n * 10))
        for name, old, new in asked:
            shown_new = new if isinstance(new, str) else " by ".join(new.values())
            changes.append(Change(d.cmoc, d.theory if d.kind == "cmoc-theory" else "", name, old, shown_new,
                                  target_file.shown, d.kind, d.paper, d.map, d.map_row))
            expected.append((target.path, target.shorthand, name, new))
    if not edits:
        return []
    new_text = apply_edits(text, edits, newline_of(text))  # the file's own line ends, mixed or not
    problem = _verify(text, new_text, expected)
    if problem:
        report.error("review.edit", f"internal check failed, file not changed: {problem}",
                     Location(target_file.shown))
        return []
    if not dry_run:
        target_file.path.write_bytes(encode_after_edit(new_text, bom))
    return changes


def _verify(old_text: str, new_text: str, expected: list[tuple[tuple, str, str, Value]]) -> str | None:
    """Re-parse both versions: exactly the intended values may differ."""
    try:
        before = parse_yaml(split_front_matter(old_text)[0], 1)
        after = parse_yaml(split_front_matter(new_text)[0], 1)
    except ContentError as exc:
        return exc.message
    if split_front_matter(old_text)[1] != split_front_matter(new_text)[1]:
        return "the body changed"
    want = _plain(before)
    for where, shorthand, name, value in expected:
        holder, last = want, None
        for step in where[:-1]:
            holder = holder[step]
        if where:
            last = where[-1]
            if not isinstance(holder[last], dict):  # a bare id became a mapping
                holder[last] = {shorthand: holder[last]}
            holder[last][name] = value
        else:
            holder[name] = value
    return None if _plain(after) == want else "the re-parsed front matter differs beyond status, note and reviewed"


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
