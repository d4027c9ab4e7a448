"""Names and citations: 'Turner A' / 'Turner, Alison' / an organisation → display forms."""
from __future__ import annotations

import re
from dataclasses import dataclass

UPPER = re.escape("".join(chr(c) for c in (*range(0x41, 0x530), *range(0x1E00, 0x1F00)) if chr(c).isupper()))
"""A regular-expression class body of the capital letters of Latin (É, Á, Ł, Ø…), Greek and Cyrillic."""
_INITIALS = re.compile(rf"^(?:[{UPPER}]{{1,4}}|(?:[{UPPER}]\.\s?){{1,4}}|(?:[{UPPER}]\.-?[{UPPER}]\.?))$")
ET_AL = "et al."
"""The last item of an author list that is not complete (BibTeX's 'and others')."""


def listed(authors: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """The named authors, and whether the list ends with the 'et al.' marker."""
    if authors and authors[-1] == ET_AL:
        return tuple(authors[:-1]), True
    return tuple(authors), False


@dataclass(frozen=True)
class Name:
    family: str
    given: str = ""
    organisation: bool = False


def parse_name(author: str) -> Name:
    """'Turner A' and 'Turner, Alison' are people; anything else is an organisation."""
    author = author.strip()
    if "," in author:
        family, given = author.split(",", 1)
        if given.strip() and len(given.split()) <= 4:
            return Name(family.strip(), given.strip())
    parts = author.split()
    if len(parts) >= 2 and _INITIALS.match(parts[-1]):
        return Name(" ".join(parts[:-1]), parts[-1])
    return Name(author, organisation=True)


def short_cite(authors: tuple[str, ...], year: object) -> str:
    """'Turner et al. (2018)', 'Grant and Chika-Ezerihoa (2016)', 'NHS England (2014)'."""
    authors, more = listed(tuple(authors))
    if more and authors:
        return f"{parse_name(authors[0]).family} et al. ({year})"
    family = [parse_name(a).family for a in authors[:1 if len(authors) > 2 else 2]]  # only the names shown
    if not authors:
        who = "Anon."
    elif len(authors) == 1:
        who = family[0]
    elif len(authors) == 2:
        who = f"{family[0]} and {family[1]}"
    else:
        who = f"{family[0]} et al."
    return f"{who} ({year})"


def author_list(authors: tuple[str, ...], limit: int = 6) -> str:
    """Vancouver style: up to six names, then 'et al.'."""
    authors, more = listed(tuple(authors))
    shown = list(authors[:limit])
    text = ", ".join(shown)
    return text + (", et al." if len(authors) > limit or more else "")


def full_citation(paper) -> str:
    """A plain-text reference for a paper (Vancouver-like)."""
    parts = [author_list(paper.authors) + "." if paper.authors else "", f"{paper.title.rstrip('.')}."]
    venue = paper.journal or paper.publisher
    tail = ""
    if paper.journal:
        tail = f"{paper.journal}. {paper.year}"
        if paper.volume:
            tail += f";{paper.volume}"
            if paper.issue:
                tail += f"({paper.issue})"
        if paper.pages:
            tail += f":{paper.pages}"
        tail += "."
    elif venue:
        tail = f"{venue}; {paper.year}."
    else:
        tail = f"{paper.year}."
    parts.append(tail)
    if paper.doi:
        parts.append(f"doi:{paper.doi}")
    return " ".join(p for p in parts if p)
