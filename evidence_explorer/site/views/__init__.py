"""Page families: each module turns the corpus into :class:`PageSpec` values.

A view only gathers what its page shows (the entity and its neighbours, via
the corpus's backlink indexes); templates only format. No view loops over
every entity of the site for each of its pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ...content.glossary import GLOSSARY_URL
from ...content.link import Corpus


@dataclass(frozen=True, slots=True)
class PageSpec:
    url: str
    """Site URL of the page (``papers/x/``); the output path derives from it."""
    template: str
    title: str
    context: Mapping[str, Any] = field(default_factory=dict)
    section: str = ""
    """Navigation section this page belongs to (highlights the nav item)."""
    entity: Any = None
    """The entity this page is about, if any (search metadata and edit links read it)."""


def nav_items(corpus: Corpus) -> tuple[dict, ...]:
    """The site navigation, computed once per build. Header doors (``place: header``) for the
    audiences: the findings, the evidence behind them, the methods, the data; each with the sections
    it opens onto as its ``children``, shown as a second row on the pages of that door. Footer links
    (``place: footer``): the free pages (about, glossary…), then the tools for reviewers, which stay
    out of the public doors. One value, so a serve rebuild sees any change to either."""
    def door(label: str, children: list[dict]) -> dict | None:
        children = [c for c in children if c]
        if not children:
            return None
        return {"place": "header", "url": children[0]["url"], "label": label, "children": tuple(children),
                "sections": frozenset(c["section"] for c in children)}

    def item(url: str, label: str, section: str, present: object = True) -> dict | None:
        return {"url": url, "label": label, "section": section} if present else None

    doors = [
        door("Findings", [item("theories/", "Theories", "theories"),
                          item("maps/", "Evidence maps", "maps", corpus.maps),
                          item("matrix/", "Gap matrices", "matrix", corpus.config.matrices),
                          item("graph/", "Theory graph", "graph")]),
        door("Evidence", [item("papers/", "Papers", "papers"), item("cmocs/", "CMOCs", "cmocs")]),
        door("Methods", [item("reviews/", "Reviews", "reviews", corpus.reviews),
                         item("questions/", "Questions", "questions", corpus.questions)]),
        door("Data", [item("data/", "Data", "data")]),
    ]
    footer = [{"place": "footer", "url": p.page_url, "label": p.title}
              for p in sorted(corpus.pages, key=lambda p: p.title.casefold())]
    if not any(f["url"] == GLOSSARY_URL for f in footer):  # the glossary made of the site's terms alone
        footer.append({"place": "footer", "url": GLOSSARY_URL, "label": "Glossary"})
    footer.append({"place": "footer", "url": "review/", "label": "For reviewers: advisory review"})
    if corpus.history is not None:
        footer.append({"place": "footer", "url": "changes/", "label": "Changes"})
    return tuple(d for d in doors if d) + tuple(footer)
