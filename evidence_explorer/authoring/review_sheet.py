"""Reading a filled-in advisory sheet (``/review/links.csv``): one :class:`Decision` per row that
carries a decision or a comment, every bad row reported at its line.

A sheet exported before links had kinds (no ``kind`` column, or an empty cell) still reads: a row
with a ``theory`` is a CMOC → theory link, a row without one a CMOC's own status.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..content.date_field import parse_date
from ..content.diagnostics import Location, Report
from ..content.load import ContentError, decode
from ..content.model import CMOC_STATUSES
from ..content.review_links import LINK_KINDS
from ..exports.csvsafe import unprotect

REQUIRED = ("cmoc", "theory", "status", "review_note", "decision", "comment")
"""The columns every links.csv has had; ``kind``, ``paper``, ``map``, ``row``, ``focus``,
``reviewed``, ``decided_on`` and ``decided_by`` came with the other link kinds and may be absent."""
NAMES = {"cmoc": ("cmoc",), "cmoc-theory": ("cmoc", "theory"), "cmoc-source": ("cmoc", "paper"),
         "paper-theory": ("paper", "theory"), "map-paper": ("map", "row", "paper")}
"""The columns that name a link of each kind."""


@dataclass(frozen=True)
class Decision:
    row: int
    kind: str
    cmoc: str
    theory: str
    paper: str
    map: str
    map_row: int
    focus: str
    exported_status: str
    exported_note: str
    exported_reviewed: str | None
    """The ``reviewed`` cell as exported; None when the sheet has no such column (an older sheet)."""
    decision: str
    comment: str
    decided_on: str
    decided_by: str

    @property
    def owner(self) -> tuple[str, str]:
        """(kind, id) of the entity whose file holds the link."""
        if self.kind.startswith("cmoc"):
            return "cmoc", self.cmoc
        return ("paper", self.paper) if self.kind == "paper-theory" else ("map", self.map)

    @property
    def key(self) -> tuple:
        """What the row is about, ignoring case: two rows with one key name the same link."""
        return (self.kind, *(str(getattr(self, "map_row" if n == "row" else n)).lower() for n in NAMES[self.kind]))

    @property
    def what(self) -> str:
        if self.kind == "cmoc":
            return f"CMOC {self.cmoc}"
        if self.kind == "cmoc-theory":
            return f"link {self.cmoc} → {self.theory}"
        if self.kind == "cmoc-source":
            return f"source {self.paper} of CMOC {self.cmoc}"
        if self.kind == "paper-theory":
            return f"coding of {self.paper} to {self.theory}"
        return f"paper {self.paper} in map {self.map} row {self.map_row}"


def read_text(path: Path, shown: str, report: Report) -> str | None:
    try:
        return decode(path.read_bytes())
    except OSError as exc:
        report.error("review.csv", f"cannot read file: {exc.strerror}", Location(shown))
    except ContentError as exc:
        report.error("review.csv", exc.message, Location(shown, exc.line))
    return None


def read_decisions(path: Path, shown: str, report: Report) -> tuple[list[Decision], int]:
    """Rows of a filled-in links.csv that carry a decision or a comment (the invalid ones reported),
    and the number of rows with neither."""
    text = read_text(path, shown, report)
    if text is None:
        return [], 0
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        report.error("review.csv", f"not a review links sheet: missing column{'s' if len(missing) > 1 else ''} "
                     f"{', '.join(missing)} (export it from /review/links.csv)", Location(shown, 1))
        return [], 0
    reader.fieldnames = header
    out, blank = [], 0
    for row in reader:
        if not (row.get("decision") or "").strip() and not (row.get("comment") or "").strip():
            blank += 1
            continue
        decision = _decision(row, "reviewed" in header, Location(shown, reader.line_num), reader.line_num, report)
        if decision is not None:
            out.append(decision)
    return out, blank


def _decision(row: dict, has_reviewed: bool, where: Location, line: int,  # long: one check per column, in order
              report: Report) -> Decision | None:
    def get(key: str) -> str:
        return unprotect((row.get(key) or "").strip())
    decision, comment = get("decision").lower(), get("comment")
    if not decision and not comment:
        return None
    kind = get("kind").lower() or ("cmoc-theory" if get("theory") else "cmoc")
    if kind not in LINK_KINDS:
        report.error("review.csv", f"kind '{get('kind')}' is not one of {', '.join(LINK_KINDS)}", where)
        return None
    empty = [n for n in NAMES[kind] if not get(n)]
    if empty:
        report.error("review.csv", f"a {kind} row needs {', '.join(repr(n) for n in NAMES[kind])}; "
                     f"'{empty[0]}' is empty", where)
        return None
    if decision and decision not in CMOC_STATUSES:
        report.error("review.csv", f"decision '{get('decision')}' is not one of {', '.join(CMOC_STATUSES)}", where)
        return None
    map_row = 0
    if kind == "map-paper":
        if not get("row").isdigit() or int(get("row")) < 1:
            report.error("review.csv", f"row '{get('row')}' is not a position in the map (1, 2, …)", where)
            return None
        map_row = int(get("row"))
    decided_on, decided_by = get("decided_on"), get("decided_by")
    if decided_on and parse_date(decided_on) is None:
        report.error("review.csv", f"decided_on '{decided_on}' is not a date written YYYY-MM-DD", where)
        return None
    if decided_by and not decided_on:
        report.error("review.csv", "decided_by is filled in but decided_on is empty: give the date of the "
                     "decision", where)
        return None
    return Decision(line, kind, get("cmoc"), get("theory"), get("paper"), get("map"), map_row, get("focus"),
                    get("status"), get("review_note"), get("reviewed") if has_reviewed else None, decision,
                    comment, decided_on, decided_by)
