"""/what-works/ shows and offers what the configurations have: a column no CMOC fills (the demo's
direction, its strength of support) is left out rather than "Not stated" on every card, a filter
whose every choice shows every row is not offered, and the introduction names only the columns
and filters that are there (built pages, read as HTML)."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli
from test_views import read, section, table_rows, text

FACETS = """facets:
  outcome_domain:
    label: Outcome domain
    applies_to: [cmoc]
    values: {patient-experience: Patient experience, staff-experience: Staff experience}
  setting_type:
    label: Setting type
    applies_to: [cmoc]
    values: {urban: Urban, rural: Rural}
"""


def _filters(page: str) -> dict[str, list[str]]:
    """Each filter the page offers: its key → its option values (less "All")."""
    form = section(page, '<form id="ww-tools"', "</form>")
    return {key: re.findall(r'<option value="([^"]*)">', body)[1:]
            for key, body in re.findall(r'<select id="ww-([\w-]+)".*?>(.*?)</select>', form, re.S)}


def _head(page: str) -> list[str]:
    table = section(page, '<table class="what-works"', "</table>")
    return [text(h) for h in re.findall(r'<th scope="col">(.*?)</th>', table)]


def _lead(page: str) -> str:
    return _words(section(page, '<p class="lead">', "</p>"))


def _words(fragment: str) -> str:
    """Visible text, no space before punctuation (a link or glossary term ends before it)."""
    return re.sub(r" ([.,:])", r"\1", text(fragment))


def _every_filter_narrows(page: str) -> None:
    """Every option of every filter leaves at least one row of the table out (as what-works.js matches)."""
    table = section(page, '<table class="what-works"', "</table>")
    rows = re.findall(r"<tr( [^>]*)?><th scope=\"row\">", table[table.index("<tbody>"):])
    assert rows
    for key, values in _filters(page).items():
        attr = "data-" + key.replace("_", "-")
        have = [(re.search(rf'{attr}="([^"]*)"', r or "") or [None, None])[1] for r in rows]
        assert None not in have, f"rows carry no {attr} for the {key} filter"
        for v in values:
            shown = sum((h == "") if v == "" else (v in h.split(" ")) for h in have)
            assert shown < len(rows), f"the {key} filter's '{v}' shows every row: it cannot narrow"


def _build(make_site, tmp_path, files: dict[str, str], site_yaml: str) -> Path:
    content = make_site({"theories/T1.md": "---\ntitle: One theory\n---\n",
                         "theories/T2.md": "---\ntitle: Another theory\n---\n",
                         "papers/p1.md": "---\ntitle: A study\nauthors: [Smith J]\nyear: 2020\n---\n",
                         **files}, site_yaml)
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    return out


def _cmoc(theory: str, extra: str = "") -> str:
    return f"---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p1]\ntheories: [{theory}]\n{extra}---\n"


def test_the_demo_shows_no_column_or_filter_that_no_configuration_fills(demo_site):
    """No demo CMOC states a direction and none is assessed for strength of support: every card said
    "Direction: Not stated" and "Strength of support: Not assessed", the strength filter offered only
    "Not assessed" (every row), and the introduction promised narrowing by direction."""
    page = read(demo_site, "what-works")
    assert _head(page) == ["Configuration and theory", "Context (for whom, in what circumstances)", "Mechanism",
                           "Outcome", "Outcome domain", "Mechanism group", "Sources"]
    table = section(page, '<table class="what-works"', "</table>")
    assert all(row.count("<td") == len(_head(page)) - 1 for row in table_rows(table))  # no direction cell
    assert "Not assessed" not in table and "dir-" not in table
    assert set(_filters(page)) == {"theory", "outcome_domain", "mechanism_group"}
    _every_filter_narrows(page)
    lead = _lead(page)
    assert "direction" not in lead and "for or against" not in lead and "how confident" not in lead
    assert "Strength of support is not assessed for any of them." in lead
    assert "narrow them by theory, outcome domain or mechanism group in search." in lead
    caption = _words(section(page, "<caption>", "</caption>"))
    assert caption == ("Configurations: context, mechanism, outcome, outcome domain, mechanism group and number "
                       "of sources")


def test_columns_and_filters_appear_with_their_values(make_site, tmp_path):
    """A base where some CMOCs have a direction and a confidence: their columns are there (the others
    "Not stated" / "Not assessed"), with filters that narrow; a facet no CMOC uses has neither."""
    out = _build(make_site, tmp_path, {
        "cmocs/c1.md": _cmoc("T1", "direction: enabler\noutcome_domain: [patient-experience]\n"
                                   "confidence: {level: low, rationale: One study.}\n"),
        "cmocs/c2.md": _cmoc("T2"),
    }, "title: Mixed\n" + FACETS)
    page = read(out, "what-works")
    assert _head(page) == ["Configuration and theory", "Context (for whom, in what circumstances)", "Mechanism",
                           "Outcome", "Direction", "Outcome domain", "Confidence", "Sources"]
    rows = table_rows(section(page, '<table class="what-works"', "</table>"))
    assert "Enabler" in text(rows[0]) and "Not stated" in text(rows[1]) and "Not assessed" in text(rows[1])
    assert _filters(page) == {"theory": ["T1", "T2"], "outcome_domain": ["patient-experience"],
                              "direction": ["enabler"], "confidence": ["low", ""]}
    _every_filter_narrows(page)
    lead = _lead(page)
    assert "whether it works for or against the programme, how confident the reviewers were" in lead
    assert "is not assessed for any of them" not in lead
    assert "narrow them by theory, outcome domain or direction in search." in lead
    assert "Setting type" not in page


def test_a_filter_every_row_passes_is_not_offered(make_site, tmp_path):
    """Every CMOC an enabler of the one theory, with one outcome domain: the columns stay (they are
    data), but no filter is offered (each would show every row) and the introduction promises none."""
    out = _build(make_site, tmp_path, {
        f"cmocs/c{n}.md": _cmoc("T1", "direction: enabler\noutcome_domain: [staff-experience]\n") for n in (1, 2)
    }, "title: Uniform\n" + FACETS)
    page = read(out, "what-works")
    assert "Direction" in _head(page) and "Outcome domain" in _head(page)
    assert _filters(page) == {}
    lead = _lead(page)
    assert "narrow them" not in lead and lead.endswith("download every row as cmocs.csv.")
    assert "data-theory=" not in page and "data-direction=" not in page


def test_the_introduction_to_one_configuration_speaks_of_one(make_site, tmp_path):
    """With one CMOC the introduction read "The one configuration (CMOC) in one table: ... Rows follow
    the theory nodes they inform; download every row as cmocs.csv": a table, rows and every row for a
    single one. It now speaks of the one configuration and its row; with two, of each of them."""
    out = _build(make_site, tmp_path, {"cmocs/c1.md": _cmoc("T1", "direction: enabler\n")}, "title: One\n")
    lead = _lead(read(out, "what-works"))
    assert lead == ("The evidence base has one configuration (CMOC). Its row shows in which context (for whom, in "
                    "what circumstances), through which mechanism, to which outcome, whether it works for or "
                    "against the programme and how many sources stand behind it. Confidence is not assessed for "
                    "it. Download it as cmocs.csv."), lead
    two = _build(make_site, tmp_path / "two", {"cmocs/c1.md": _cmoc("T1"), "cmocs/c2.md": _cmoc("T2")}, "title: Two\n")
    lead = _lead(read(two, "what-works"))
    assert lead.startswith("All 2 configurations (CMOCs) in one table: in which context"), lead
    assert "how many sources stand behind each. Confidence is not assessed for any of them. Rows follow" in lead


def test_reading_the_site_describes_what_works_as_the_demo_shows_it(demo_site):
    """docs/reading-the-site.md said what works shows direction and confidence and can be narrowed by
    "direction or confidence"; the demo's table has neither (no CMOC records them). The guide now
    says they appear when the configurations record them: each column or filter the demo does not
    have is named only with that condition."""
    guide = (Path(__file__).resolve().parents[1] / "docs" / "reading-the-site.md").read_text(encoding="utf-8")
    item = " ".join(re.search(r"^- \*\*What works.*?(?=^- )", guide, re.S | re.M).group(0).split())
    page = read(demo_site, "what-works")
    offered = _filters(page)
    heads = text(section(page, "<thead>", "</thead>")).lower()
    for word in ("direction", "confidence"):
        if word in offered or word in heads:
            continue
        for sentence in re.split(r"(?<=\.) ", item):
            if word in sentence.lower():
                assert "when" in sentence, sentence  # named only as appearing when recorded
