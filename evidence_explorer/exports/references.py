"""Reference-manager exports of the papers: BibTeX, RIS and CSL-JSON.

Each paper becomes one reference. Authors written as 'Surname Initials' become
family/given names; anything else (an organisation, or a name the author wrote
another way) is kept whole, as a literal name, so that importing the export
gives back exactly the same author strings.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Iterator, Mapping

from ..content.citation import listed, parse_name
from ..content.model import Paper
from .layout import Layout, Run, text_of

BIB_SPECIAL = re.compile(r"([&%$#_])")
RIS_TYPES = {"journal": "JOUR", "report": "RPRT", "other": "GEN"}
CSL_TYPES = {"journal": "article-journal", "report": "report", "other": "document"}


def ref_key(paper: Paper) -> str:
    """The reference's key in a reference manager: its citekey, else its id."""
    return paper.citekey or paper.id


def ref_type(paper: Paper) -> str:
    if paper.journal:
        return "journal"
    return "report" if paper.publisher else "other"


def split_author(author: str) -> dict[str, str]:
    """``{'family', 'given'}`` for 'Surname Initials' / 'Surname, Given'; ``{'literal'}`` otherwise."""
    name = parse_name(author)
    if name.organisation:
        return {"literal": author}
    return {"family": name.family, "given": name.given}


# --- CSL-JSON ------------------------------------------------------------------------------

def csl_item(paper: Paper) -> dict[str, Any]:
    """One CSL-JSON item (the format Zotero, Better BibTeX and citeproc read)."""
    item: dict[str, Any] = {"id": ref_key(paper), "type": CSL_TYPES[ref_type(paper)], "title": paper.title,
                            "author": [split_author(a) for a in listed(paper.authors)[0]]}
    if isinstance(paper.year, int):
        item["issued"] = {"date-parts": [[paper.year]]}
    for key, value in (("container-title", paper.journal), ("volume", paper.volume), ("issue", paper.issue),
                       ("page", paper.pages), ("publisher", paper.publisher), ("DOI", paper.doi),
                       ("URL", paper.url)):
        if value:
            item[key] = value
    return item


def csl_json(papers: Iterable[Paper]) -> str:
    """A JSON array with one item per line (the C encoder; ``indent`` would use the slow pure-Python one)."""
    return text_of(csl_json_layout(tuple(papers)))


def csl_json_layout(papers: tuple[Paper, ...]) -> Layout:
    dump = json.JSONEncoder(ensure_ascii=False).encode
    if not papers:
        return ("[]\n",)
    return ("[\n ", Run("references.json", papers, lambda p: dump(csl_item(p)), ",\n "), "\n]\n")


# --- BibTeX ------------------------------------------------------------------------------

def bib_escape(text: str) -> str:
    """Escape TeX specials; unbalanced braces are escaped too, so every value parses."""
    text = text.replace("\\", r"\textbackslash{}") if "\\" in text else text
    text = BIB_SPECIAL.sub(r"\\\1", text)
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            break
    if depth != 0:
        text = re.sub(r"(?<!\\)([{}])", r"\\\1", text)
    return text


def bib_author(author: str) -> str:
    parts = split_author(author)
    if "literal" in parts:
        return "{" + bib_escape(author) + "}"
    return f"{bib_escape(parts['family'])}, {bib_escape(parts['given'])}"


def bib_authors(authors: tuple[str, ...]) -> str:
    """BibTeX's name list; the 'et al.' marker is written back as 'and others'."""
    named, more = listed(authors)
    return " and ".join([bib_author(a) for a in named] + (["others"] if more else []))


def bib_entry(paper: Paper) -> str:
    kind = ref_type(paper)
    entry_type = {"journal": "article", "report": "techreport", "other": "misc"}[kind]
    fields: list[tuple[str, str]] = [("title", paper.title),
                                     ("author", bib_authors(paper.authors))]
    fields.append(("year", str(paper.year)))
    if paper.journal:
        fields.append(("journal", paper.journal))
    for name in ("volume", "number", "pages"):
        value = getattr(paper, "issue" if name == "number" else name)
        if value:
            fields.append((name, value))
    if paper.publisher:
        fields.append(("institution" if kind == "report" else "publisher", paper.publisher))
    if paper.doi:
        fields.append(("doi", paper.doi))
    if paper.url:
        fields.append(("url", paper.url))
    lines = [f"@{entry_type}{{{ref_key(paper)},"]
    for name, value in fields:
        text = value if name == "author" else bib_escape(value)
        lines.append(f"  {name} = {{{text}}},")
    lines.append("}")
    return "\n".join(lines)


def bibtex(papers: Iterable[Paper]) -> str:
    return "".join(bib_entry(p) + "\n\n" for p in papers)


def bibtex_layout(papers: tuple[Paper, ...]) -> Layout:
    return (Run("references.bib", papers, lambda p: bib_entry(p) + "\n\n"),)


# --- RIS ----------------------------------------------------------------------------------

def ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}"


def ris_record(paper: Paper) -> str:
    lines = [ris_line("TY", RIS_TYPES[ref_type(paper)]), ris_line("ID", ref_key(paper)),
             ris_line("TI", paper.title)]
    for author in listed(paper.authors)[0]:  # RIS has no 'et al.': the named authors
        parts = split_author(author)
        lines.append(ris_line("AU", parts.get("literal") or f"{parts['family']}, {parts['given']}"))
    lines.append(ris_line("PY", str(paper.year)))
    for tag, value in (("JO", paper.journal), ("VL", paper.volume), ("IS", paper.issue), ("SP", paper.pages),
                       ("PB", paper.publisher), ("DO", paper.doi), ("UR", paper.url)):
        if value:
            lines.append(ris_line(tag, value))
    lines.append("ER  - ")
    return "\n".join(lines)


def ris(papers: Iterable[Paper]) -> str:
    return "".join(ris_record(p) + "\n\n" for p in papers)


def ris_layout(papers: tuple[Paper, ...]) -> Layout:
    return (Run("references.ris", papers, lambda p: ris_record(p) + "\n\n"),)


# --- metadata for a paper's page ------------------------------------------------------------

def page_range(pages: str | None) -> tuple[str | None, str | None]:
    """'261–4' → ('261', '4'); 'e013384' → ('e013384', None)."""
    if not pages:
        return None, None
    m = re.match(r"^\s*([^-–—\s]+)\s*[-–—]+\s*([^-–—\s]+)\s*$", pages)
    if m:
        return m.group(1), m.group(2)
    return pages.strip(), None


def highwire_tags(paper: Paper) -> list[tuple[str, str]]:
    """Highwire Press ``citation_*`` meta tags (read by Zotero's connector and Google Scholar)."""
    tags = [("citation_title", paper.title)]
    for author in listed(paper.authors)[0]:
        parts = split_author(author)
        tags.append(("citation_author", parts.get("literal") or f"{parts['family']}, {parts['given']}"))
    tags.append(("citation_publication_date", str(paper.year)))
    if paper.journal:
        tags.append(("citation_journal_title", paper.journal))
    elif paper.publisher:
        tags.append(("citation_technical_report_institution", paper.publisher))
    first, last = page_range(paper.pages)
    for name, value in (("citation_volume", paper.volume), ("citation_issue", paper.issue),
                        ("citation_firstpage", first), ("citation_lastpage", last),
                        ("citation_publisher", paper.publisher), ("citation_doi", paper.doi)):
        if value:
            tags.append((name, value))
    return tags


def scholarly_jsonld(paper: Paper, page_url: str) -> dict[str, Any]:
    """schema.org ``ScholarlyArticle`` for a paper (templates serialise it with ``|tojson``)."""
    authors = []
    for author in listed(paper.authors)[0]:
        parts = split_author(author)
        if "literal" in parts:
            authors.append({"@type": "Organization", "name": author})
        else:
            authors.append({"@type": "Person", "name": author, "familyName": parts["family"],
                            "givenName": parts["given"]})
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "ScholarlyArticle", "name": paper.title,
                            "headline": paper.title, "author": authors, "url": page_url}
    if isinstance(paper.year, int):
        data["datePublished"] = str(paper.year)
    if paper.journal:
        data["isPartOf"] = {"@type": "Periodical", "name": paper.journal}
    if paper.pages:
        data["pagination"] = paper.pages
    if paper.publisher:
        data["publisher"] = {"@type": "Organization", "name": paper.publisher}
    if paper.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi}
        data["sameAs"] = f"https://doi.org/{paper.doi}"
    elif paper.url:
        data["sameAs"] = paper.url
    return data


class ReferenceMeta(Mapping[str, Any]):
    """What a paper page's head carries: ``highwire`` (tags) and ``jsonld`` (its ``url`` is added
    by the template, which knows the base URL), each computed when read.

    The page specs hold one per paper for the whole build, and the paper page reads it once: made
    eagerly, the tags and JSON-LD of every paper (~2.6 KB each) were inherited by the forked render
    workers, where reading them copied them."""

    __slots__ = ("_paper",)

    def __init__(self, paper: Paper):
        self._paper = paper

    def __getitem__(self, key: str) -> Any:
        if key == "highwire":
            return highwire_tags(self._paper)
        if key == "jsonld":
            return scholarly_jsonld(self._paper, "")
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("highwire", "jsonld"))

    def __len__(self) -> int:
        return 2

    def __repr__(self) -> str:
        return f"ReferenceMeta({self._paper.id!r})"


def reference_meta(paper: Paper) -> Mapping[str, Any]:
    """A paper page's reference-manager metadata (:class:`ReferenceMeta`)."""
    return ReferenceMeta(paper)
