"""Home, free pages, the data page and the 404 page."""
from __future__ import annotations

from typing import Iterator

from ..export import DOWNLOADS
from ..link import Corpus
from . import PageSpec


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    components = [t for t in corpus.theories if t.theory_kind == corpus.config.default_theory_kind]
    counts = {
        "reviews": len(corpus.reviews), "questions": len(corpus.questions), "theories": len(corpus.theories),
        "maps": len(corpus.maps), "papers": len(corpus.papers), "cmocs": len(corpus.cmocs),
    }
    evidence = {t.id: {"cmocs": len(corpus.links.theory_cmocs.get(t.id.lower(), ())),
                       "papers": len(corpus.links.theory_papers.get(t.id.lower(), ()))}
                for t in components}
    yield PageSpec("", "home.html", corpus.config.title, {
        "counts": counts, "components": components, "evidence": evidence, "reviews": corpus.reviews,
    }, section="home")
    for p in corpus.pages:
        yield PageSpec(p.page_url, "page.html", p.title, {"e": p}, section=p.id, sources=(p.id,), entity=p)
    yield PageSpec("data/", "data.html", "Data downloads", {"downloads": DOWNLOADS}, section="data")
    yield PageSpec("404.html", "404.html", "Page not found", {})
