"""The review statuses in words a lay member of an advisory group understands.

One place for the words: the status badge on every link (``partials/status.html``) shows the short
form and links to the definition in the glossary (``glossary/#term-status-KEY``, made from these words by
:mod:`.glossary`); the advisory index gives them in full too (``/review/#KEY``; ``#not-reviewed``).
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import CMOC_STATUSES


@dataclass(frozen=True)
class StatusWords:
    key: str
    """proposed, agreed, contested, or none (no status written)."""
    label: str
    """The column heading and the name in the definition list."""
    badge: str
    """What the badge beside a link says."""
    definition: str

    @property
    def anchor(self) -> str:
        """Its id on /review/, where the index defines the statuses."""
        return "not-reviewed" if self.key == NONE else self.key


NONE = "none"
STATUS_WORDS: dict[str, StatusWords] = {w.key: w for w in (
    StatusWords("proposed", "Proposed", "Proposed, not yet discussed",
                "Put forward by the review team from the evidence; the advisory group has not discussed it yet. "
                "It is not a sign of doubt: every finding starts here."),
    StatusWords("agreed", "Agreed", "Agreed by the group", "The advisory group discussed the link and accepts it."),
    StatusWords("contested", "Contested", "Contested by the group",
                "The advisory group discussed the link and disputes it, or part of it; the note beside it "
                "says why. It stays on the site, marked, until the group settles it."),
    StatusWords(NONE, "Not reviewed", "Not reviewed",
                "No status is written for the link yet: the review team has not put it to the group."),
)}
"""Keyed by status (model.CMOC_STATUSES) and ``none``, in that order."""
assert tuple(STATUS_WORDS)[:-1] == CMOC_STATUSES


def words_of(status: str | None) -> StatusWords:
    """The words of ``status``; an empty or unknown status is 'not reviewed'."""
    return STATUS_WORDS.get(status or NONE, STATUS_WORDS[NONE])
