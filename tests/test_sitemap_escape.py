"""site.sitemap.escape is xml.sax.saxutils.escape (which it replaces: that module imports
urllib.request, http.client and ssl at every build's start), for any text."""
from __future__ import annotations

from xml.sax.saxutils import escape as reference

from hypothesis import given, strategies as st

from evidence_explorer.site.sitemap import escape


@given(st.text(alphabet=st.sampled_from("&<>;amplgt#\"' xé"), max_size=30) | st.text(max_size=30))
def test_the_sitemaps_escape_is_saxutils_escape(text):
    assert escape(text) == reference(text)


@given(st.lists(st.text(alphabet=st.sampled_from("ab/&<>.é-"), min_size=1, max_size=12), max_size=8),
       st.sampled_from(["/", "/sub/", "https://example.org/a&b/"]))
def test_the_sitemap_lists_each_address_escaped_as_one_call_each_would(paths, base):
    """The sitemap escapes its addresses only when one of them needs it: the same text as escaping
    each page's address (``urls.href``) one by one."""
    from evidence_explorer.content import urls
    from evidence_explorer.site.sitemap import sitemap
    from evidence_explorer.site.views import PageSpec

    pages = tuple(PageSpec(path, "page.html", "t") for path in paths)
    expected = "".join(f"<url><loc>{reference(urls.href(base, p.url))}</loc></url>\n"
                       for p in pages if not p.url.endswith(".html"))
    assert sitemap(pages, base) == ('<?xml version="1.0" encoding="UTF-8"?>\n'
                                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                                    f"{expected}</urlset>\n")
