"""Plain language (issue 17): no heading, breadcrumb, caption, figure label, filter label or search filter
value shows a slug id (a short code such as R1 may stay: model.is_code); every realist term the site's
own labels use links to its definition on the glossary page, whose terms live in one list
(content/glossary.py). Read from the demo built once per session, and from one small synthetic base
whose ids are deliberately ugly."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.content.glossary import GLOSSARY_URL, TERMS, find_terms
from evidence_explorer.content.model import is_code
from evidence_explorer.pipeline import load_corpus

KINDS = ("reviews", "questions", "theories", "maps", "papers", "cmocs")
SKIPPED = ("pagefind/", "changes/")
"""The search bundle, and the changes page, whose headings are commit subjects (the authors' words)."""
LABEL_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "legend", "label", "summary", "text",
              "title", "th", "dt"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Labels(HTMLParser):
    """The text of every label-like element of a page (``where`` names the element), Pagefind filter
    values (``filter:KEY``) and the glossary anchors linked from inside ``<main>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[tuple[str, str]] = []
        self.term_links: set[str] = set()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        href = a.get("href", "")
        if tag == "a" and GLOSSARY_URL + "#" in href and any(t == "main" for t, _ in self.stack):
            self.term_links.add(href.split("#", 1)[1])
        if tag in VOID:
            return
        where = None
        if tag == "nav" and a.get("aria-label", "").lower() == "breadcrumb":
            where = "breadcrumb"
        elif "data-pagefind-filter" in a and ":" not in a["data-pagefind-filter"]:
            where = "filter:" + a["data-pagefind-filter"]
        elif "prose" in a.get("class", "").split():
            where = "prose"  # the authors' Markdown: theirs to word
        elif {"kind-badge", "badge"} & set(a.get("class", "").split()):
            where = "kind-badge"
        elif tag in LABEL_TAGS:
            where = tag
        self.stack.append((tag, where))
        for name in ("data-pagefind-filter", "aria-label"):
            if ":" in a.get(name, "") and name == "data-pagefind-filter":
                self.found.append((name, a[name].split(":", 1)[1]))
            elif name == "aria-label" and a.get(name):
                self.found.append((name, a[name]))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        where = [w for _t, w in self.stack if w]
        if where and data.strip():
            self.found.append(("prose" if "prose" in where else where[-1], data.strip()))


def parse(path: Path) -> Labels:
    p = Labels()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def pages(site: Path):
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if not rel.startswith(SKIPPED):
            yield rel, path


def slug_pattern(site: Path) -> tuple[re.Pattern, set[str]]:
    evidence = json.loads((site / "data" / "evidence.json").read_text(encoding="utf-8"))
    slugs = {e["id"] for kind in KINDS for e in evidence[kind] if not is_code(e["id"])}
    alternatives = "|".join(re.escape(s) for s in sorted(slugs, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])"), slugs


def slugs_shown(site: Path, parsed: dict[str, Labels] | None = None) -> list[tuple[str, str, str]]:
    pattern, _slugs = slug_pattern(site)
    parsed = parsed if parsed is not None else {rel: parse(path) for rel, path in pages(site)}
    return [(rel, where, text) for rel, page in parsed.items() for where, text in page.found
            if where != "prose" and pattern.search(text)]


@pytest.fixture(scope="module")
def demo_pages(demo_site) -> dict[str, Labels]:
    """Every page of the demo, parsed once for the tests of this module."""
    return {rel: parse(path) for rel, path in pages(demo_site)}


def test_is_code():
    assert all(is_code(i) for i in ("R1", "M5", "T1a", "Q1R4", "T2.1"))
    assert not any(is_code(i) for i in ("mrt-cas", "map-M1", "r1", "factor-leadership", "slr", "cmoc-R1-01",
                                        "zz-slug-123", "ABCD1"))


def test_the_demo_shows_no_slug_in_a_label(demo_site, demo_pages):
    pattern, slugs = slug_pattern(demo_site)
    assert {"mrt-cas", "map-M1", "factor-leadership", "slr"} <= slugs  # the ids issue 17 saw in labels
    shown = slugs_shown(demo_site, demo_pages)
    assert shown == [], shown[:10]
    theory = demo_pages["theories/mrt-cas/index.html"].found
    assert ("h1", "Complex adaptive systems") in theory
    assert ("filter:theory", "Complex adaptive systems") in theory  # the search filter value: its title
    r1 = demo_pages["theories/R1/index.html"].found
    assert any(w == "h1" and t.startswith("R1: ") for w, t in r1)  # a short code stays
    assert any(w == "breadcrumb" and t == "R1" for w, t in r1)


UGLY = {
    "reviews/zz-rev-9.md": "---\ntitle: A review of shared care\nmethod: realist synthesis\nflow:\n"
                           "- {stage: Records identified, count: 10, role: identified}\n"
                           "- {stage: Records excluded, count: 9, role: excluded}\n"
                           "- {stage: Studies included, count: 1, role: included}\n---\n",
    "questions/zz-q-77.md": "---\ntext: What helps teams share care?\nreview: zz-rev-9\n---\n",
    "theories/zz-slug-123.md": "---\ntitle: Teams share the work\nreview: zz-rev-9\nquestion: zz-q-77\n"
                               "status: reviewed\nstatement: If teams meet, then they share the work.\n---\n",
    "theories/zz-mrt-5.md": "---\ntitle: Trust between professions\nkind: mrt\nrelated: [zz-slug-123, T7]\n---\n",
    "theories/T7.md": "---\ntitle: Shared records help\nreview: zz-rev-9\nparent: zz-slug-123\n---\n",
    "maps/zz-map-42.md": "---\ntheory: T7\nrows:\n- {focus: Record systems, kind: context, papers: [zz-paper-1]}\n"
                         "- {focus: Learning together, kind: mechanism, note: None found.}\n---\n",
    "papers/zz-paper-1.md": "---\ntitle: Shared records in practice\nauthors: [Smith J]\nyear: 2020\n"
                            "review: zz-rev-9\ntheories: [zz-mrt-5]\n---\n",
    "cmocs/zz-cmoc-0001.md": "---\ncontext: Practices with separate record systems.\n"
                             "mechanism: Staff trust the shared record.\noutcome: Fewer repeated tests.\n"
                             "sources: [zz-paper-1]\ntheories: [zz-slug-123, T7]\nquestion: zz-q-77\n"
                             "review: zz-rev-9\nstatus: proposed\noutcome_domain: zz-val-1\n---\n",
}
UGLY_SITE = ("title: Ugly ids\ntheory_kinds:\n  component: Programme theory component\n  mrt: Middle-range theory\n"
             "facets:\n  outcome_domain:\n    label: Outcome domain\n    applies_to: [cmoc]\n"
             "    values: {zz-val-1: Patient experience}\n"
             "matrices:\n  - id: zz-matrix-3\n    title: Components by outcome domain\n"
             "    rows: {theories: {kind: component}}\n    columns: {facet: outcome_domain}\n    count: cmocs\n")


def test_a_base_with_ugly_ids_shows_none_of_them(make_site, tmp_path):
    content = make_site(UGLY, site_yaml=UGLY_SITE)
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    shown = slugs_shown(out)
    assert shown == [], shown[:10]
    t7 = parse(out / "theories" / "T7" / "index.html").found
    assert ("h1", "T7: Shared records help") in t7
    crumbs = [t for w, t in t7 if w == "breadcrumb"]
    assert "Teams share the work" in crumbs and "T7" in crumbs  # the parent by its title, the node by its code
    cmoc = parse(out / "cmocs" / "zz-cmoc-0001" / "index.html").found
    assert ("h1", "Fewer repeated tests.") in cmoc  # no title: its outcome, never its id
    assert ("filter:question", "What helps teams share care?") in cmoc
    assert ("filter:review", "A review of shared care") in cmoc
    search = (out / "search" / "index.html").read_text(encoding="utf-8")
    config = json.loads(re.search(r'data-config="([^"]*)"', search).group(1).replace("&#34;", '"')
                        .replace("&quot;", '"').replace("&amp;", "&"))
    theory_ids = next(g["ids"] for g in config["groups"] if g["key"] == "theory")
    assert theory_ids["Teams share the work"] == "zz-slug-123"  # the URL still carries the id


# --- the glossary ------------------------------------------------------------------------------

def author_text(content: Path) -> list[str]:
    """Words the authors wrote (titles, statements, key messages, map rows, flow stages, CMOC parts,
    matrix titles in site.yaml): a term in them is theirs to word, not a template label's."""
    corpus = load_corpus(content, Report())
    out: list[str] = [m.title for m in corpus.config.matrices]
    for e in corpus.all():
        for key in ("title", "short", "text", "summary", "context", "mechanism", "resource", "reasoning",
                    "outcome", "design"):
            value = getattr(e, key, None)
            out += [value] if isinstance(value, str) else []
        out += list(getattr(e, "statement", ()))
        out += [r.focus for r in getattr(e, "rows", ())] + [f.stage for f in getattr(e, "flow", ())] \
            + [f.group for f in getattr(e, "flow", ()) if f.group]
    return sorted({t for t in out if t}, key=len, reverse=True)


LABELS_WITH_TERMS = {"h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "legend", "summary", "th", "dt"}


REVIEWER_TOOLS = "review/"
"""The advisory group's pages (issue 21 reworks them); their readers work with these terms."""


def test_every_term_in_a_label_links_to_its_definition(demo_site, demo_pages):
    glossary = demo_pages["glossary/index.html"]
    anchors = {t.anchor for t in TERMS}
    assert anchors <= glossary.ids, anchors - glossary.ids
    authored = author_text(ROOT / "content")
    missing, linked, checked = [], set(), 0
    for rel, page in demo_pages.items():
        if rel.startswith(("glossary/", REVIEWER_TOOLS)):
            continue
        assert page.term_links <= anchors, (rel, page.term_links - anchors)  # no link to a missing entry
        linked |= page.term_links
        text = "\n".join(t for w, t in page.found if w in LABELS_WITH_TERMS or w == "kind-badge")
        for a in authored:
            text = text.replace(a, " ")
        for _start, _end, term in find_terms(text):
            checked += 1
            if term.anchor not in page.term_links:
                missing.append((rel, term.key))
    assert checked > 300, "the demo's labels name terms on most pages"
    assert sorted(set(missing)) == [], sorted(set(missing))[:20]
    cmoc = demo_pages["cmocs/cmoc-R1-01/index.html"].term_links
    assert {"term-cmoc", "term-context", "term-mechanism", "term-outcome", "term-status-proposed"} <= cmoc
    assert {"term-programme-theory", "term-reviewed"} <= demo_pages["theories/R1/index.html"].term_links
    assert {"term-evidence-map", "term-evidence-set"} <= demo_pages["maps/map-M1/index.html"].term_links
    unlinked = anchors - linked - {"term-status-agreed", "term-status-contested", "term-status-none"}  # the demo
    # agrees none yet; 'not reviewed' badges are on the reviewers' pages
    assert unlinked == set(), unlinked


def glossary_entries(html: str) -> list[str]:
    """The names a glossary page defines: each site term (``<dt><dfn>``) and each of the review's
    own entries (a paragraph of its prose that opens with a bold name, ``**Name.** ...``)."""
    names = re.findall(r"<dt[^>]*><dfn>(.*?)</dfn></dt>", html, re.S)
    names += re.findall(r"<p><strong>(.*?)\.?</strong>", html, re.S)
    return [re.sub(r"<[^>]+>", "", n).strip() for n in names]


def test_the_glossary_defines_each_term_once(demo_site):
    """The demo's own glossary page sits under the site's terms: it may say how the reviews use a
    site term, but not define it a second time (it used to repeat five of them)."""
    entries = glossary_entries((demo_site / "glossary" / "index.html").read_text(encoding="utf-8"))
    assert len(entries) > len(TERMS), "the site's terms and the review's own entries"
    wordings = {w for t in TERMS for w in (t.name.lower(), *t.words)}

    def names(entry: str) -> set[str]:  # 'Mechanism: resource and reasoning' names 'mechanism'
        lower = entry.lower()
        return {lower, lower.split(" (")[0], lower.split(":")[0]}

    site_terms = entries[:len(TERMS)]
    assert [t.name for t in TERMS] == site_terms
    again = [e for e in entries[len(TERMS):] if names(e) & wordings]
    assert again == [], f"defined twice on the glossary page: {again}"
    assert len({e.lower() for e in entries}) == len(entries)


def test_a_status_badge_explains_itself(demo_site):
    page = (demo_site / "cmocs" / "cmoc-R1-01" / "index.html").read_text(encoding="utf-8")
    badge = re.search(r'<a class="badge status-proposed"[^>]*>(.*?)</a>', page, re.S)
    assert badge, "the CMOC page shows its status"
    assert "?" not in re.sub(r"<[^>]+>", "", badge.group(0)), "a proposed finding is not marked with '?'"
    assert f'href="/{GLOSSARY_URL}#term-status-proposed"' in badge.group(0)
    assert "the advisory group has not discussed it yet" in page and "not a sign of doubt" in page


def test_a_base_without_a_glossary_page_gets_one(make_site, tmp_path):
    content = make_site({"theories/T1.md": "---\ntitle: Teams build trust\n---\n"})
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    glossary = parse(out / "glossary" / "index.html")
    assert {t.anchor for t in TERMS} <= glossary.ids
    assert f'href="/{GLOSSARY_URL}"' in (out / "index.html").read_text(encoding="utf-8")  # in the footer


@pytest.mark.parametrize("text, keys", [
    ("Programme theory component", ["programme-theory"]),
    ("Middle-range theory · mapped", ["middle-range-theory", "mapped"]),
    ("Configurations (CMOCs)", ["cmoc", "cmoc"]),
    ("A theory of outcomes-based contracts", []),  # part of a compound word: not the term
])
def test_find_terms(text, keys):
    assert [t.key for _s, _e, t in find_terms(text)] == keys
