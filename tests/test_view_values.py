"""Fast forms of per-row values the views compute for pagination, checked against their plain forms."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st
from markupsafe import Markup, escape

from evidence_explorer.content.citation import parse_name, short_cite
from evidence_explorer.site.views.pagination import text_bytes

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
ESCAPY = st.text(alphabet="&<>\"'ab é\u00a0", max_size=20)


def escaped_bytes(*values: object) -> int:
    return sum(len(str(escape(v)).encode("utf-8")) for v in values if v is not None)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXT, ESCAPY, st.integers(), st.builds(Markup, TEXT))))
def test_text_bytes_is_the_escaped_utf8_length(values: list) -> None:
    assert text_bytes(*values) == escaped_bytes(*values)


def test_text_bytes_counts_what_escaping_adds() -> None:
    assert text_bytes("a&b") == len("a&amp;b")
    assert text_bytes("<\"'>") == len("&lt;&#34;&#39;&gt;")
    assert text_bytes(Markup("<b>")) == 3  # already markup: not escaped again
    assert text_bytes(None, 2024, "é") == 4 + 2


def reference_short_cite(authors: tuple[str, ...], year: object) -> str:
    names = [parse_name(a).family for a in authors]
    who = ("Anon." if not names else names[0] if len(names) == 1
           else f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al.")
    return f"{who} ({year})"


AUTHOR = st.one_of(st.sampled_from(["Turner A", "Turner, Alison", "NHS England", "Grant AB",
                                    "Chika-Ezerihoa, N", "van der Berg J", "", "  "]), TEXT)


@settings(max_examples=300, deadline=None)
@given(st.lists(AUTHOR, max_size=6).map(tuple), st.one_of(st.integers(1900, 2030), st.just("n.d.")))
def test_short_cite_parses_only_the_names_it_shows(authors: tuple[str, ...], year: object) -> None:
    assert short_cite(authors, year) == reference_short_cite(authors, year)
