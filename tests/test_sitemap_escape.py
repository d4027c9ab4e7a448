"""site.sitemap.escape is xml.sax.saxutils.escape (which it replaces: that module imports
urllib.request, http.client and ssl at every build's start), for any text."""
from __future__ import annotations

from xml.sax.saxutils import escape as reference

from hypothesis import given, strategies as st

from evidence_explorer.site.sitemap import escape


@given(st.text(alphabet=st.sampled_from("&<>;amplgt#\"' xé"), max_size=30) | st.text(max_size=30))
def test_the_sitemaps_escape_is_saxutils_escape(text):
    assert escape(text) == reference(text)
