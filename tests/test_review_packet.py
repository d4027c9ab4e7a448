"""What an advisory-group member judges with: the /review/ index that starts with the work, the packet's
per-source details and decision areas, the status words, and the appraisal summaries per CMOC.

One small synthetic base (built once for the module) carries what the demo does not: relevance and rigour,
design, locators, verbatim marks, confidence. The demo is used only for what must hold on it."""
from __future__ import annotations

import html
import re
import textwrap

import pytest

from conftest import run_cli

FILES = {
    "site.yaml": "title: Appraised\n",
    # "A…" sorts first: a theory with no links must still come after those with links.
    "theories/A-empty.md": "---\ntitle: Nothing linked here\n---\n",
    "theories/B-few.md": "---\ntitle: One link\n---\n",
    "theories/C-many.md": "---\ntitle: Two links\n---\n",
    "papers/p1.md": """
        ---
        title: A cohort
        authors: [Able A]
        year: 2019
        doi: 10.1000/cohort.1
        design: Cohort study
        quality: {relevance: high, rigour: high}
        ---
        """,
    "papers/p2.md": """
        ---
        title: Interviews
        authors: [Baker B]
        year: 2020
        design: Qualitative interviews
        quality: {relevance: Moderate, rigour: low}
        ---
        """,
    "papers/p3.md": "---\ntitle: A survey\nauthors: [Cole C]\nyear: 2021\nquality: {relevance: high}\n---\n",
    "papers/p4.md": "---\ntitle: Unappraised\nauthors: [Dunn D]\nyear: 2018\n---\n",
    "cmocs/c1.md": """
        ---
        title: Shared rooms
        context: Teams share a building.
        mechanism: Staff trust each other.
        outcome: Fewer referrals are lost.
        confidence: {level: moderate, rationale: Two consistent studies and one weaker survey.}
        sources:
          - {paper: p1, locator: p. 4, quote: "we walk across the corridor", verbatim: true, found_in: "Chapter 3, para. 2"}
          - {paper: p2, locator: Table 2, quote: staff described trusting colleagues, verbatim: false}
          - p3
          - {paper: p1, locator: p. 9}
        theories: [C-many]
        status: proposed
        ---
        """,
    "cmocs/c2.md": """
        ---
        context: A small practice.
        mechanism: Staff know patients.
        outcome: Continuity.
        sources: [p4]
        theories: [C-many, B-few]
        ---
        """,
}


@pytest.fixture(scope="module")
def appraised(tmp_path_factory):
    root = tmp_path_factory.mktemp("appraised")
    for rel, text in FILES.items():
        path = root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    out = root / "site"
    run = run_cli("build", "--content", str(root / "content"), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    return out


def read(site, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_index_lists_theories_with_links_first_and_folds_the_rest(appraised):
    page = read(appraised, "review")
    main, folded = page.split('<details class="review-empty">')
    # C-many (2 links to review) before B-few (1); A-empty only in the folded list, with no packet
    assert main.index('href="/theories/C-many/"') < main.index('href="/theories/B-few/"')
    assert 'href="/theories/A-empty/"' not in main
    assert "Theories with nothing to review (1)" in text(folded)
    assert 'href="/theories/A-empty/"' in folded.split("</details>")[0]
    assert 'href="/review/packet/A-empty/"' not in page
    row = re.search(r'<tr><th scope="row"><a href="/theories/C-many/">.*?</tr>', main, re.S).group(0)
    # statuses (c1's link proposed; c2's link and the five sources not reviewed), then by kind (CMOC → theory,
    # CMOC → source, coded papers, evidence-set papers) and all links
    assert re.findall(r'<td class="num"[^>]*>(\d+)</td>', row) == ["1", "0", "0", "6", "2", "5", "0", "0", "7"]
    words = text(page)
    assert "8 of 8 links still waiting" in words  # each link once: 3 theory links and 5 sources
    # the vocabulary, defined in words, under the anchors every badge links to
    for key, phrase in (("proposed", "has not discussed it yet"), ("agreed", "accepts it"),
                        ("contested", "disputes it"), ("not-reviewed", "No status is written")):
        dd = re.search(rf'<dt id="{key}">.*?</dt>\s*<dd>(.*?)</dd>', page, re.S)
        assert dd and phrase in dd.group(1)
    # the command line lives in the docs now
    assert "import --kind" not in page and "docs/review.md" in page


def test_packet_gives_each_source_and_cmoc_what_a_member_judges_with(appraised):
    page = read(appraised, "review/packet/C-many")
    words = text(page)
    assert '<a class="doi" href="https://doi.org/10.1000/cohort.1">https://doi.org/10.1000/cohort.1</a>' in page
    assert "Design: Cohort study" in words and "Design: Qualitative interviews" in words
    assert "Relevance: high Rigour: high" in words and "Relevance: Moderate Rigour: low" in words
    assert "In the paper: p. 4" in words and "In the paper: Table 2" in words
    assert "(verbatim: the paper's words)" in words and "(paraphrase: the review's words)" in words
    assert "In the review: Chapter 3, para. 2" in words
    assert "no locator or quote" in words and "In the paper: p. 9 no quote" in words  # gaps shown, not hidden
    assert "Confidence" in words and "Moderate" in words
    assert "Two consistent studies and one weaker survey." in words
    # one decision area per link: three tick boxes and ruled lines to write on
    areas = re.findall(r'<div class="decision".*?<div class="write-lines"></div></div>', page, re.S)
    assert len(areas) == 2 == page.count('<section class="packet-cmoc"')
    for area in areas:
        assert '<ul class="ticks"><li>Agree</li><li>Contest</li><li>Revise</li></ul>' in area
    # named as the site names them, never by a slug: c2 has no title, so its outcome
    assert "Decision on Shared rooms → Two links" in words and "Decision on Continuity. → Two links" in words
    # status in words, linked to its definition; a link without any status says so
    assert '<a class="badge status-proposed" href="/glossary/#term-status-proposed"' in page
    assert "Review status: Proposed, not yet discussed" in words
    assert '<a class="badge status-none" href="/glossary/#term-status-none"' in page
    assert "?" not in re.sub(r"<[^>]+>", "", "".join(re.findall(r'<a class="badge status-.*?</a>', page)))


def test_appraisal_is_summarised_per_cmoc_where_papers_record_it(appraised, demo_site):
    summary = "3 papers: 2 high relevance, 1 moderate; 1 high rigour, 1 low, 1 not appraised"
    for url in ("cmocs/c1", "theories/C-many", "what-works", "review/packet/C-many"):
        assert summary in text(read(appraised, url)), url
    # c2's only paper records no appraisal: nothing is said, rather than "not appraised"
    assert "appraisal" not in read(appraised, "cmocs/c2").lower()
    assert text(read(appraised, "what-works")).count("not appraised") == 1
    # the demo records none, so its pages say nothing about appraisal
    assert 'class="appraisal' not in read(demo_site, "cmocs/cmoc-R1-01")
    assert 'class="appraisal' not in read(demo_site, "what-works")


def test_demo_status_badges_use_words_and_link_to_their_definition(demo_site):
    page = read(demo_site, "cmocs/cmoc-R1-01")
    badge = re.search(r'<a class="badge status-proposed" href="/glossary/#term-status-proposed"[^>]*>(.*?)</a>', page)
    assert badge and text(badge.group(1)).strip() == "Review status: Proposed, not yet discussed"
    assert '<dt id="proposed">Proposed</dt>' in read(demo_site, "review")


def test_packet_decisions_name_the_configuration_never_its_slug(demo_site):
    """README: a reader never sees a slug. Each decision area of the demo's packets said "Decision on
    cmoc-R1-01 → R1", also its group's accessible name (aria-labelledby). It now names the
    configuration as the rest of the site does (its short label: the title for a slug id, as in the
    heading above it) and the theory by its code; no packet shows a CMOC's or a map's slug."""
    packets = sorted((demo_site / "review" / "packet").glob("**/index.html"))
    assert len(packets) > 20
    decided = 0
    for path in packets:
        page = path.read_text(encoding="utf-8")
        visible = text(re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S))
        assert not re.search(r"\b(cmoc|map)-[\w-]+", visible), (path, re.findall(r"\S*\b(?:cmoc|map)-\S*", visible)[:3])
        theory = path.parent.name if path.parent.name != "papers" else path.parent.parent.name
        headings = re.findall(r'<h2 id="c-(\d+)">\d+\. <a href="[^"]+">([^<]+)</a></h2>', page)
        for n, label in headings:
            group = re.search(rf'<div class="decision" role="group" aria-labelledby="d-{n}"><p id="d-{n}">(.*?)</p>', page)
            assert group, (path, n)
            title = html.unescape(label).split(": ", 1)[-1] if label.startswith(theory) else html.unescape(label)
            assert text(group.group(1)).strip() == f"Decision on {title} → {theory}", (path, group.group(1))
            decided += 1
    assert decided >= 20


def _intro(page: str) -> str:
    return text(re.search(r'<p class="meta">(\d+ configurations? linked to .*?)</p>', page, re.S).group(1)).strip()


def test_packet_intro_promises_only_what_its_configurations_record(appraised, demo_site):
    """/review/packet/R1/ promised "the reviewers' confidence" and, for every source, "the place in
    the paper" though no CMOC of the demo has a confidence and none of R1's sources a locator. The
    introduction is now worded from what exists (as what works' is): confidence only when some
    configuration has one; of a source's locator, quote and place in the review those some source
    has, "where recorded" when some source lacks one."""
    r1 = _intro(read(demo_site, "review/packet/R1"))
    assert "confidence" not in r1 and "the place in the paper" not in r1, r1
    assert ("its review status and every source with, where recorded, the quote and the place in the review "
            "where the link was made; then a box") in r1, r1
    many = _intro(read(appraised, "review/packet/C-many"))  # c1 has a confidence, locators and quotes
    assert ("its review status, the reviewers' confidence and every source with, where recorded, the place in "
            "the paper, the quote and the place in the review where the link was made;") in many, many
    few = _intro(read(appraised, "review/packet/B-few"))  # c2 only: no confidence, a bare source
    assert "confidence" not in few and "its review status and every source; then a box" in few, few
