"""Home, free pages, the data page and the 404 page."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator, Mapping

from ...exports.data import DOWNLOADS
from ..charts import human_size, stamp
from ...content.glossary import GLOSSARY_PAGE_ID, GLOSSARY_URL, TERMS
from ...content.link import Corpus
from . import PageSpec


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    kind = corpus.config.default_theory_kind
    components = [t for t in corpus.theories if t.theory_kind == kind and not t.parent]
    counts = {
        "reviews": len(corpus.reviews), "questions": len(corpus.questions), "theories": len(corpus.theories),
        "maps": len(corpus.maps), "papers": len(corpus.papers), "cmocs": len(corpus.cmocs),
        "matrices": len(corpus.config.matrices),
    }
    reviews = tuple((r, len(corpus.links.review_papers.get(r.id.lower(), ())),
                     len(corpus.links.review_questions.get(r.id.lower(), ()))) for r in corpus.reviews)
    yield PageSpec("", "home.html", corpus.config.title, {
        "counts": counts, "components": components, "reviews": reviews, "has_what_works": bool(corpus.cmocs),
        "component_label": corpus.config.theory_kinds[kind],
        "has_confidence": any(e.confidence for e in (*corpus.theories, *corpus.cmocs)),  # else no scale to explain
    }, section="home")
    if len(corpus.pages) > 1:
        yield PageSpec("pages/", "pages.html", "About", {"pages": corpus.pages}, section="pages")
    glossary = None
    for p in corpus.pages:
        if p.id == GLOSSARY_PAGE_ID and p.page_url == GLOSSARY_URL:
            glossary = p
            continue
        yield PageSpec(p.page_url, "page.html", p.title, {"e": p, "about_index": len(corpus.pages) > 1},
                       section="pages", entity=p)
    # The glossary: the evidence base's own page with the site's terms added, or the terms alone.
    yield PageSpec(GLOSSARY_URL, "glossary.html", glossary.title if glossary else "Glossary",
                   {"e": glossary, "terms": TERMS, "about_index": len(corpus.pages) > 1 and glossary is not None},
                   section="pages", entity=glossary)
    yield PageSpec("data/", "data.html", "Data downloads", {"downloads": DOWNLOADS, "sizes": {},
                                                          "stamp": stamp(corpus)}, section="data")
    yield PageSpec("404.html", "404.html", "Page not found", {})


def with_file_sizes(pages: Iterable[PageSpec], files: Mapping[str, str | bytes | int]) -> tuple[PageSpec, ...]:
    """``pages`` with the size of each download on the data page, measured from the files the
    build writes (``files``: output path → text, written as UTF-8, bytes, or the size written)."""
    def sized(p: PageSpec) -> PageSpec:
        if p.url != "data/":
            return p
        sizes = {name: human_size(_size(files[f"data/{name}"]))
                 for name, _what in DOWNLOADS if f"data/{name}" in files}
        return replace(p, context={**p.context, "sizes": sizes})
    return tuple(map(sized, pages))


def _size(value: str | bytes | int) -> int:
    return value if isinstance(value, int) else len(_utf8(value))


def _utf8(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")
