"""Search excerpts read as text: Pagefind joins the text of neighbouring elements without a space,
so a definition list written ``<dt>Authors</dt><dd>Aldridge S</dd><dt>Year</dt>`` came out of the
search as "AuthorsAldridge S…Year2016" (found in a walkthrough, on the reviews' pages)."""
from __future__ import annotations

import gzip
import json
import re


def test_no_page_glues_a_term_to_its_definition(demo_site):
    glued = [f"{p.relative_to(demo_site)}: {m.group(0)}" for p in demo_site.rglob("*.html")
             for m in re.finditer(r"</dt><dd>|</dd><dt>", p.read_text(encoding="utf-8"))]
    assert not glued, glued[:10]


def test_the_indexed_text_keeps_a_space_after_each_label(demo_site):
    texts = {}
    for fragment in (demo_site / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(fragment.read_bytes())
        record = json.loads(raw[raw.find(b"{"):])
        texts[record["url"]] = record["content"]
    review = texts["/reviews/rapid-scan/"]
    assert "Authors Aldridge S" in review and "Year 2016" in review, review[:300]
    glued = [(url, m.group(0)) for url, text in texts.items()
             for m in re.finditer(r"\b(Authors|Year|Method|Registration|In this evidence base)[A-Z0-9]", text)]
    assert not glued, glued[:10]
