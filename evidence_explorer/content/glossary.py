"""The realist terms the site's own labels use, each defined in plain words: one list, read by the
glossary page (one anchor per term), the templates (``term(key)`` links a label to its definition)
and the tests (which check that every term a page's labels use links to its anchor)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .status_words import STATUS_WORDS

GLOSSARY_URL = "glossary/"
"""Site URL of the glossary: an evidence base's own ``pages/glossary.md`` when it has one (the terms
below are added to it), else a page made of the terms alone."""
GLOSSARY_PAGE_ID = "glossary"


@dataclass(frozen=True)
class Term:
    key: str
    """Its anchor on the glossary page is ``term-KEY``."""
    name: str
    definition: str
    words: tuple[str, ...]
    """How labels name it, lower case, whole words (the tests look for them in a page's labels)."""

    @property
    def anchor(self) -> str:
        return f"term-{self.key}"

    @property
    def url(self) -> str:
        """Site URL of its definition (``glossary/#term-KEY``)."""
        return f"{GLOSSARY_URL}#{self.anchor}"


TERMS: tuple[Term, ...] = (
    Term("programme-theory", "Programme theory",
         "An explanation of how a programme is meant to work: what it does, for whom, in which circumstances "
         "and with what results. A review splits it into parts (components), each tested against the "
         "evidence.", ("programme theory", "programme theories")),
    Term("middle-range-theory", "Middle-range theory",
         "A theory from the wider research literature that is broad enough to apply to many programmes but "
         "specific enough to be tested, used to explain why the findings turned out as they did.",
         ("middle-range theory", "middle-range theories")),
    Term("cmoc", "Context–mechanism–outcome configuration (CMOC)",
         "The basic unit of a realist review: in a particular context, something the programme offers sets "
         "off a response in people (the mechanism), which leads to an outcome. Each one is drawn from the "
         "papers cited with it.",
         ("cmoc", "cmocs", "configuration", "configurations", "context–mechanism–outcome configuration")),
    Term("context", "Context",
         "The circumstances a programme works in: the people, the place, the resources and the history "
         "that shape whether it works.", ("context", "contexts")),
    Term("mechanism", "Mechanism",
         "What a programme sets off in people: the resource it offers (training, money, a new service) and "
         "how people respond to it (their reasoning, such as trust or motivation).",
         ("mechanism", "mechanisms", "resource", "reasoning")),
    Term("outcome", "Outcome", "What happens as a result, intended or not.", ("outcome", "outcomes")),
    Term("evidence-map", "Evidence map",
         "For a part of the programme theory that was not reviewed in depth: a table of the literature "
         "found for it, grouped into evidence sets.", ("evidence map", "evidence maps")),
    Term("evidence-set", "Evidence set",
         "A group of papers about one aspect of a theory, marked as informing its context or its "
         "mechanisms; an empty set is a gap in the evidence.", ("evidence set", "evidence sets")),
    Term("reviewed", "Reviewed (in depth)",
         "A part of the theory the reviewers examined in depth: they read the papers closely and wrote "
         "context–mechanism–outcome configurations from them.", ("reviewed",)),
    Term("mapped", "Mapped",
         "A part of the theory the reviewers did not examine in depth: they listed the relevant literature "
         "in an evidence map instead of writing configurations.", ("mapped",)),
    *(Term(f"status-{w.key}", w.label, w.definition, (w.label.lower(),)) for w in STATUS_WORDS.values()),
)
"""In the order the glossary lists them."""

BY_KEY = {t.key: t for t in TERMS}


def term(key: str) -> Term:
    return BY_KEY[key]


_WORDS = sorted(((w, t) for t in TERMS for w in t.words), key=lambda wt: -len(wt[0]))
_FIND = re.compile(r"(?<![\w\-–])(" + "|".join(re.escape(w) for w, _t in _WORDS) + r")(?![\w\-–])", re.IGNORECASE)
_TERM_OF = {w: t for w, t in _WORDS}


def find_terms(text: str) -> list[tuple[int, int, Term]]:
    """Where ``text`` names a term: (start, end, term) for each whole-word match, in order (the
    longest wording wins: 'middle-range theory' is not 'theory')."""
    return [(m.start(), m.end(), _TERM_OF[m.group(0).lower()]) for m in _FIND.finditer(text)]
