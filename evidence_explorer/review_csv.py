"""The advisory group's spreadsheet: every link as a CSV row, and its decisions applied back.

:func:`links_csv` writes ``/review/links.csv`` on every build: one row per CMOC
(its own status) followed by one row per theory link inside it, with the
provenance a reviewer needs and two empty columns, ``decision`` and
``comment``. :func:`apply_review_csv` reads the filled-in sheet and sets
``status`` (from ``decision``) and ``review_note`` (from ``comment``) in the
CMOC files, editing the YAML text in place so every other byte of each file
is unchanged. It never touches any other field.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import yaml

from . import urls
from .csvsafe import protect_cells, unprotect
from .diagnostics import Diagnostic, Location, Report, Severity
from .load import ContentError, decode, parse_yaml, read_file, split_front_matter
from .model import CMOC_STATUSES
from .walk import walk_content
from .yaml_edit import (Edit, apply_edits, compose_front_matter, decode_for_edit, encode_after_edit, find_key,
                        newline_of, set_key, set_sequence_item_key)

if TYPE_CHECKING:
    from .link import Corpus

COLUMNS = ("cmoc", "theory", "relation", "status", "review_note", "title", "context", "mechanism", "outcome",
           "sources", "url", "decision", "comment")
"""Columns of links.csv. ``theory`` is empty on a CMOC's own row. ``status`` and ``review_note`` are
the values at export time (an import compares them with the files to find conflicts)."""


def _sources(corpus: Corpus, cmoc) -> str:
    parts = []
    for s in cmoc.sources:
        text = s.paper
        if s.locator:
            text += f" [{s.locator}]"
        if s.found_in:
            text += f" [review: {s.found_in}]"
        if s.quote:
            text += f" “{s.quote}”" + ("" if s.verbatim is None else " (verbatim)" if s.verbatim else " (paraphrase)")
        parts.append(text)
    return " | ".join(parts)


def _mechanism(cmoc) -> str:
    if cmoc.mechanism:
        return cmoc.mechanism
    return "; ".join(f"{name}: {getattr(cmoc, name)}" for name in ("resource", "reasoning") if getattr(cmoc, name))


def link_rows(corpus: Corpus, base_url: str) -> Iterator[dict[str, str]]:
    for c in corpus.cmocs:
        common = {"title": c.title or "", "context": c.context, "mechanism": _mechanism(c), "outcome": c.outcome,
                  "sources": _sources(corpus, c), "url": urls.href(base_url, c.page_url), "decision": "",
                  "comment": ""}
        yield {"cmoc": c.id, "theory": "", "relation": "", "status": c.status or "",
               "review_note": c.review_note or "", **common}
        for link in c.theories:
            yield {"cmoc": c.id, "theory": link.theory, "relation": link.relation, "status": link.status or "",
                   "review_note": link.review_note or "", **common}


def links_csv(corpus: Corpus, base_url: str) -> str:
    """``/review/links.csv``: every link, with empty decision and comment columns."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    cells = itemgetter(*COLUMNS)
    writer.writerows(protect_cells(cells(row)) for row in link_rows(corpus, base_url))
    return buf.getvalue()


# --- import ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    cmoc: str
    theory: str
    """Empty for the CMOC's own status and note."""
    field: str
    old: str | None
    new: str
    path: str


@dataclass(frozen=True)
class ReviewImportResult:
    changes: tuple[Change, ...]
    files: tuple[str, ...]
    """Files changed (or that would change, on a dry run)."""
    diagnostics: tuple[Diagnostic, ...]
    dry_run: bool

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


@dataclass(frozen=True)
class _Decision:
    row: int
    cmoc: str
    theory: str
    exported_status: str
    exported_note: str
    decision: str
    comment: str


def read_decisions(path: Path, shown: str, report: Report) -> list[_Decision]:
    """Rows of a filled-in links.csv that carry a decision or a comment."""
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        report.error("review.csv", f"cannot read file: {exc.strerror}", Location(shown))
        return []
    except ContentError as exc:
        report.error("review.csv", exc.message, Location(shown, exc.line))
        return []
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("cmoc", "theory", "status", "review_note", "decision", "comment") if c not in header]
    if missing:
        report.error("review.csv", f"not a review links sheet: missing column{'s' if len(missing) > 1 else ''} "
                     f"{', '.join(missing)} (export it from /review/links.csv)", Location(shown, 1))
        return []
    reader.fieldnames = header
    out = []
    for row in reader:
        get = lambda key: unprotect((row.get(key) or "").strip())  # noqa: E731
        decision, comment = get("decision").lower(), get("comment")
        if not decision and not comment:
            continue
        where = Location(shown, reader.line_num)
        if not get("cmoc"):
            report.error("review.csv", "row has a decision but no 'cmoc' id", where)
            continue
        if decision and decision not in CMOC_STATUSES:
            report.error("review.csv", f"decision '{get('decision')}' is not one of {', '.join(CMOC_STATUSES)}",
                         where)
            continue
        out.append(_Decision(reader.line_num, get("cmoc"), get("theory"), get("status"), get("review_note"),
                             decision, comment))
    return out


@dataclass(frozen=True)
class _CmocFile:
    path: Path
    shown: str
    id: str


def _cmoc_files(content_dir: Path, report: Report) -> dict[str, _CmocFile]:
    """CMOC id (lower case) → file, reading only each file's ``id``."""
    out: dict[str, _CmocFile] = {}
    for rel, kind in walk_content(content_dir).files:  # the files a build reads
        if kind != "cmoc":
            continue
        path = content_dir / rel
        shown = f"{content_dir.as_posix().rstrip('/')}/{rel}"
        try:
            data = parse_yaml(split_front_matter(decode(read_file(path)))[0], 1) or {}
        except ContentError as exc:
            report.error("review.cmoc-file", f"cannot read: {getattr(exc, 'message', exc)}", Location(shown))
            continue
        cmoc_id = str(data.get("id") or path.stem) if isinstance(data, dict) else path.stem
        out[cmoc_id.lower()] = _CmocFile(path, shown, cmoc_id)
    return out


def apply_review_csv(path: Path, content_dir: Path, dry_run: bool = False) -> ReviewImportResult:
    """Apply the decision and comment columns of a filled-in links.csv to the CMOC files.

    Only ``status`` and ``review_note`` (of a CMOC or of one theory link in it) are written.
    Reported, not applied: rows whose CMOC or theory link no longer exists, rows whose exported
    status or note differs from the file (edited since the export) and two rows that disagree.
    """
    path, content_dir = Path(path), Path(content_dir)
    report = Report()
    decisions = read_decisions(path, str(path), report)
    files = _cmoc_files(content_dir, report)
    by_file: dict[str, list[_Decision]] = {}
    seen: dict[tuple[str, str], _Decision] = {}
    for d in decisions:
        where = Location(str(path), d.row)
        target = files.get(d.cmoc.lower())
        if target is None:
            report.warning("review.missing", f"CMOC '{d.cmoc}' no longer exists in {content_dir}/cmocs; "
                           "row not applied", where)
            continue
        key = (d.cmoc.lower(), d.theory.lower())
        if key in seen:  # the same link twice: fine when the rows agree
            if (seen[key].decision, seen[key].comment) != (d.decision, d.comment):
                report.warning("review.conflict", f"row disagrees with row {seen[key].row} about {_what(d)}; "
                               "neither applied", where)
                by_file[d.cmoc.lower()] = [x for x in by_file.get(d.cmoc.lower(), []) if x is not seen[key]]
            continue
        seen[key] = d
        by_file.setdefault(d.cmoc.lower(), []).append(d)
    changes: list[Change] = []
    written: list[str] = []
    for key, items in by_file.items():
        target = files[key]
        file_changes = _apply_file(target, items, str(path), report, dry_run)
        if file_changes:
            changes.extend(file_changes)
            written.append(target.shown)
    return ReviewImportResult(tuple(changes), tuple(written), tuple(report.sorted()), dry_run)


def _what(d: _Decision) -> str:
    return f"link {d.cmoc} → {d.theory}" if d.theory else f"CMOC {d.cmoc}"


def _apply_file(target: _CmocFile, decisions: list[_Decision], csv_path: str, report: Report,
                dry_run: bool) -> list[Change]:
    try:
        text, bom = decode_for_edit(target.path.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        report.error("review.cmoc-file", f"cannot read: {exc}", Location(target.shown))
        return []
    try:
        mapping, offset = compose_front_matter(text)
    except ContentError as exc:
        report.error("review.cmoc-file", exc.message, Location(target.shown, exc.line))
        return []
    edits: list[Edit] = []
    changes: list[Change] = []
    for d in decisions:
        where = Location(csv_path, d.row)
        node = mapping
        if d.theory:
            item = _theory_item(mapping, d.theory)
            if item is None:
                report.warning("review.missing", f"CMOC '{d.cmoc}' no longer links theory '{d.theory}'; "
                               "row not applied", where)
                continue
            node = item
        current = {name: _current(node, name) for name in ("status", "review_note")}
        wanted = {"status": d.decision, "review_note": d.comment}
        exported = {"status": d.exported_status, "review_note": d.exported_note}
        for name in ("status", "review_note"):
            new, old = wanted[name], current[name]
            if not new or new == (old or ""):
                continue
            if (old or "") != exported[name]:
                report.warning("review.conflict", f"{_what(d)}: {name} is '{old or ''}' in {target.shown} but was "
                               f"'{exported[name]}' when the sheet was exported; '{new}' not applied", where)
                continue
            if d.theory:
                edits.append(set_sequence_item_key(text, find_key(mapping, "theories"), node, name, new, offset))
            else:
                edits.append(set_key(text, mapping, name, new, offset))
            changes.append(Change(target.id, d.theory, name, old, new, target.shown))
    if not edits:
        return []
    new_text = apply_edits(text, edits, newline_of(text))  # the file's own line ends, mixed or not
    problem = _verify(text, new_text, changes)
    if problem:
        report.error("review.edit", f"internal check failed, file not changed: {problem}", Location(target.shown))
        return []
    if not dry_run:
        target.path.write_bytes(encode_after_edit(new_text, bom))
    return changes


def _theory_item(mapping, theory_id: str):
    seq = find_key(mapping, "theories")
    if seq is None or not hasattr(seq, "value") or not isinstance(seq.value, list):
        return None
    for item in seq.value:
        if isinstance(item, yaml.ScalarNode) and item.value.lower() == theory_id.lower():
            return item
        if isinstance(item, yaml.MappingNode):
            t = find_key(item, "theory")
            if t is not None and str(t.value).lower() == theory_id.lower():
                return item
    return None


def _current(node, name: str) -> str | None:
    if not isinstance(node, yaml.MappingNode):  # a bare theory id: no status or note yet
        return None
    value = find_key(node, name)
    return None if value is None or value.value in ("", None) else str(value.value).strip()


def _verify(old_text: str, new_text: str, changes: list[Change]) -> str | None:
    """Re-parse both versions: exactly the intended values may differ."""
    try:
        before = parse_yaml(split_front_matter(old_text)[0], 1)
        after = parse_yaml(split_front_matter(new_text)[0], 1)
    except ContentError as exc:
        return exc.message
    if split_front_matter(old_text)[1] != split_front_matter(new_text)[1]:
        return "the body changed"
    expected = _plain(before)
    for ch in changes:
        if ch.theory:
            items = expected["theories"]
            for i, item in enumerate(items):
                tid = item if isinstance(item, str) else item.get("theory")
                if str(tid).lower() == ch.theory.lower():
                    items[i] = ({"theory": item} if isinstance(item, str) else item) | {ch.field: ch.new}
                    break  # the first link to the theory, as _theory_item finds it
        else:
            expected[ch.field] = ch.new
    return None if _plain(after) == expected else "the re-parsed front matter differs beyond status and note"


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
