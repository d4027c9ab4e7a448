"""The /search/ page in a real browser (Playwright driving Debian's Chromium) over a built site.

Each interaction is done with the keyboard where a visitor could, and every check reads what the
page shows: result links, the announced status, the URL.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

pytestmark = pytest.mark.browser


def searches_done(page) -> int:
    return int(page.locator("#search-app").get_attribute("data-searches") or 0)


def wait_for_search(page, after: int = 0) -> None:
    """Wait until a search newer than ``after`` has finished and been rendered."""
    page.wait_for_function(
        f"Number(document.getElementById('search-app').dataset.searches || 0) > {after}", timeout=15000)


def open_search(page, base: str, query: str = "") -> None:
    page.goto(f"{base}/search/{query}")
    wait_for_search(page)


def result_urls(page, everything: bool = True) -> list[str]:
    """Result links in order; with ``everything``, press 'Show more' until all are shown."""
    while everything and page.locator("#search-more").is_visible():
        shown = page.locator(".search-result").count()
        page.locator("#search-more").press("Enter")
        page.wait_for_function(f"document.querySelectorAll('.search-result').length > {shown}")
    return [a.get_attribute("href") for a in page.locator(".search-result h3 a").all()]


def status(page) -> str:
    return page.locator("#search-status").text_content().strip()


def count_in(text: str) -> int:
    m = re.match(r"(\d+) results?", text)
    assert m, text
    return int(m.group(1))


def tick(page, group: str, value: str) -> None:
    """Tick a filter value with the keyboard (focus, Space) and wait for the new results."""
    before = searches_done(page)
    box = page.locator(f"input[name='{group}'][value='{value}']")
    details = page.locator(f"details[data-group='{group}']")
    if details.get_attribute("open") is None:
        details.locator("summary").press("Enter")
    box.focus()
    page.keyboard.press("Space")
    wait_for_search(page, before)
    # the panel is redrawn with new counts; keyboard focus stays on the box just ticked
    assert page.evaluate("[document.activeElement.name, document.activeElement.value, "
                         "document.activeElement.checked]") == [group, value, True]


@pytest.fixture(scope="module")
def evidence(demo_site) -> dict:
    return json.loads((demo_site / "data" / "evidence.json").read_text(encoding="utf-8"))


def linked_to_theory(evidence: dict, theory_id: str) -> set[str]:
    """URLs of every record linked to a theory, from evidence.json's resolved relations."""
    t = next(x for x in evidence["theories"] if x["id"] == theory_id)
    urls = {t["url"]}
    by_id = {r["id"]: r for key in ("papers", "cmocs", "maps", "theories") for r in evidence[key]}
    urls |= {by_id[i]["url"] for i in t["papers"] + t["cmocs"] + t["children"] + t.get("maps", [])}
    urls |= {m["url"] for m in evidence["maps"] if m.get("theory") == theory_id}
    urls |= {q["url"] for q in evidence["questions"] if theory_id in q["theories"]}
    return urls


def test_a_query_returns_the_expected_paper_first(page, demo_url):
    open_search(page, demo_url, "?q=relational+coordination+shared+goals")
    assert result_urls(page, everything=False)[0] == "/papers/gittell-2006/"
    first = page.locator(".search-result").first
    assert first.locator(".kind-tag").text_content() == "Paper"
    assert first.locator(".result-year").text_content() == "2006"
    assert "Gittell JH" in first.locator(".result-meta").text_content()
    assert first.locator(".result-excerpt mark").count() >= 1
    assert status(page).endswith("for “relational coordination shared goals”.") or "showing" in status(page)


@pytest.mark.parametrize("query", ["telehealth", "blorft", "continuity blorft"])
def test_a_word_no_record_contains_gives_no_results(page, demo_url, demo_site, query):
    """Pagefind alone answers a word it lacks with pages holding a prefix of it (the author initial
    'T' for 'telehealth'); search says there is nothing instead."""
    word = query.split()[-1]
    assert not any(word in p.read_text(encoding="utf-8").lower() for p in demo_site.rglob("*.html")
                   if "pagefind" not in p.parts)
    open_search(page, demo_url, f"?q={query.replace(' ', '+')}")
    assert count_in(status(page)) == 0 and f"no record contains “{word}”" in status(page), status(page)
    assert result_urls(page) == []


@pytest.mark.parametrize("query, at_least", [("continuity", 40), ("organisation", 10), ("integrated", 20)])
def test_words_and_their_stems_still_match(page, demo_url, query, at_least):
    open_search(page, demo_url, f"?q={query}")
    assert count_in(status(page)) >= at_least, status(page)


def test_typing_in_the_header_box_leads_to_search(page, demo_url):
    page.goto(f"{demo_url}/papers/gittell-2006/")
    page.locator("#header-q").focus()
    page.keyboard.type("relational coordination")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=relational\+coordination$"))
    wait_for_search(page)
    assert page.locator("#search-q").input_value() == "relational coordination"
    assert "/papers/gittell-2006/" in result_urls(page, everything=False)[:3]
    assert page.locator("#header-q").count() == 0  # the search page's own box is its only one


def test_typing_a_query_updates_results_and_url(page, demo_url):
    open_search(page, demo_url)
    before = searches_done(page)
    page.locator("#search-q").focus()
    page.keyboard.type("Hinchingsbrooke")
    page.wait_for_url(re.compile(r"q=Hinchingsbrooke"))
    wait_for_search(page, before)
    urls = result_urls(page)
    assert urls[0] == "/papers/house-of-commons-2015/"
    assert status(page) == f"{len(urls)} result{'s' if len(urls) != 1 else ''} for “Hinchingsbrooke”."
    assert page.title().startswith("“Hinchingsbrooke” · Search · ")


def test_a_theory_filter_with_an_empty_query_lists_records_linked_to_it(page, demo_url, evidence):
    open_search(page, demo_url)
    everything = count_in(status(page))
    assert everything > 300  # browsing with no query and no filter lists every record
    tick(page, "theory", "M2")
    text = status(page)
    assert re.fullmatch(r"\d+ results with Theory: M2, showing 20\.", text), text
    urls = result_urls(page)
    assert len(urls) == count_in(text) < everything
    expected = linked_to_theory(evidence, "M2")
    assert set(urls) == expected
    assert "/theories/M2/" in urls and "/maps/map-M2/" in urls
    assert page.url.endswith("/search/?theory=M2")


def test_a_theory_filter_narrows_a_query(page, demo_url, evidence):
    open_search(page, demo_url, "?q=team")
    broad = result_urls(page)
    tick(page, "theory", "M2")
    narrow = result_urls(page)
    assert 0 < len(narrow) < len(broad)
    assert set(narrow) <= set(broad)
    assert set(narrow) <= linked_to_theory(evidence, "M2")


def test_two_values_in_one_group_widen_and_two_groups_narrow(page, demo_url, evidence):
    open_search(page, demo_url, "?theory=M2")
    m2 = set(result_urls(page))
    label = page.locator("input[name='theory'][value='R1'] + label").text_content()
    predicted = int(re.search(r"\((\d+) results?\)", label).group(1))
    # the count beside a value is how many records have it, given the other groups' choices
    assert predicted == len(linked_to_theory(evidence, "R1"))
    tick(page, "theory", "R1")
    both = set(result_urls(page))
    assert m2 < both
    assert both == linked_to_theory(evidence, "M2") | linked_to_theory(evidence, "R1")
    assert count_in(status(page)) == len(both) > predicted
    assert "with Theory: M2 or R1" in status(page)
    tick(page, "kind", "CMOC")  # AND across groups
    cmocs = result_urls(page)
    assert cmocs and all(u.startswith("/cmocs/") for u in cmocs)
    assert set(cmocs) < both
    # counts in the other groups now count CMOCs only
    label = page.locator("input[name='theory'][value='R1'] + label").text_content()
    r1_cmocs = {u for u in linked_to_theory(evidence, "R1") if u.startswith("/cmocs/")}
    assert int(re.search(r"\((\d+) results?\)", label).group(1)) == len(r1_cmocs) > 0
    assert set(cmocs) == r1_cmocs | {u for u in linked_to_theory(evidence, "M2") if u.startswith("/cmocs/")}
    assert page.url.endswith("/search/?kind=CMOC&theory=M2&theory=R1")


def test_the_url_reproduces_the_state_after_reload(page, demo_url):
    open_search(page, demo_url, "?q=care&theory=M2&theory=R1&sort=year-desc")
    assert page.locator("#search-q").input_value() == "care"
    assert page.locator("#search-sort").input_value() == "year-desc"
    assert page.locator("input[name='theory'][value='M2']").is_checked()
    assert page.locator("input[name='theory'][value='R1']").is_checked()
    assert not page.locator("input[name='theory'][value='M3']").is_checked()
    first_status, first_urls = status(page), result_urls(page)
    years = [page.locator(".search-result").nth(i).locator(".result-year") for i in range(len(first_urls))]
    shown = [int(y.text_content()) for y in years if y.count() and y.text_content().isdigit()]
    assert shown == sorted(shown, reverse=True) and len(shown) > 5
    page.reload()
    wait_for_search(page)
    assert status(page) == first_status
    assert result_urls(page) == first_urls
    assert page.url.endswith("/search/?q=care&theory=M2&theory=R1&sort=year-desc")


def test_sorting_with_the_keyboard_and_state_in_url(page, demo_url):
    open_search(page, demo_url, "?kind=Paper")
    before = searches_done(page)
    page.locator("#search-sort").select_option("year-asc")
    wait_for_search(page, before)
    assert page.url.endswith("?kind=Paper&sort=year-asc")
    years = [y.text_content() for y in page.locator(".result-year").all()]
    numeric = [int(y) for y in years if y.isdigit()]
    assert numeric == sorted(numeric) and numeric[0] < 2000


def test_status_is_announced_and_unknown_values_are_reported(page, demo_url):
    open_search(page, demo_url, "?kind=Review&theory=M2")  # reviews are not linked to theories
    live = page.locator("#search-status")
    assert live.get_attribute("role") == "status" and live.get_attribute("aria-live") == "polite"
    assert status(page) == ("0 results with Type of record: Review; Theory: M2. "
                            "Remove a filter or try other words.")
    assert page.locator(".search-result").count() == 0
    open_search(page, demo_url, "?theory=NOPE")
    assert "Not found in this evidence base: Theory “NOPE”." in status(page)


# --- small sites built for one point -------------------------------------------------------------

SITE = {
    "theories/T1.md": "---\ntitle: Teams build trust\n---\n",
    "papers/dated.md": "---\ntitle: A dated study\nauthors: [Smith J]\nyear: 2019\ntheories: [T1]\n---\n",
    "papers/old.md": "---\ntitle: An old study\nauthors: [Old A]\nyear: 1999\ntheories: [T1]\n---\n",
    "papers/undated.md": "---\ntitle: An undated grey report\nauthors: [NHS England]\nyear: n.d.\n"
                         "theories: [T1]\n---\n",
    "papers/evil.md": "---\ntitle: 'Trust <img src=x onerror=\"window.pwned=1\"> and <script>window.pwned=2</script>'\n"
                      "authors: ['<b>Bold</b> A']\nyear: 2020\ntheories: [T1]\n---\n"
                      "Body mentions <script>window.pwned=3</script> trust.\n",
    "cmocs/c1.md": "---\ncontext: Teams meet.\nmechanism: Trust.\noutcome: Fewer visits.\nsources: [dated]\n"
                   "theories: [T1]\n---\n",
}


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-small")
    content = root / "content"
    content.mkdir()
    (content / "site.yaml").write_text("title: Small\nbase_url: /evidence/\n", encoding="utf-8")
    for rel, text in SITE.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    out = root / "www" / "evidence"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--quiet")
    assert run.code == 0, run.err
    from browser import serve_directory
    with serve_directory(root / "www") as url:
        yield url + "/evidence"


@pytest.mark.parametrize("sort", ["year-desc", "year-asc", "title"])
def test_records_without_a_year_still_appear_when_sorting_by_year(page, small_site, sort):
    open_search(page, small_site, f"?sort={sort}")
    urls = result_urls(page)
    expected = {"/evidence/papers/dated/", "/evidence/papers/old/", "/evidence/papers/undated/",
                "/evidence/papers/evil/", "/evidence/theories/T1/", "/evidence/cmocs/c1/"}
    assert set(urls) == expected and len(urls) == len(expected)
    if sort.startswith("year"):
        dated = [u for u in urls if u.rsplit("/", 2)[1] in ("dated", "old", "evil")]
        assert urls[:3] == dated  # dated records first, undated ones after, either direction
        want = ["/evidence/papers/evil/", "/evidence/papers/dated/", "/evidence/papers/old/"]
        assert dated == (want if sort == "year-desc" else want[::-1])


def test_content_cannot_inject_script_into_results(page, small_site):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_search(page, small_site, "?q=trust")
    titles = [t.text_content() for t in page.locator(".result-title").all()]
    assert 'Trust <img src=x onerror="window.pwned=1"> and <script>window.pwned=2</script>' in titles
    assert page.evaluate("window.pwned") is None
    assert page.locator(".search-results img, .search-results script, .search-results b").count() == 0
    assert not dialogs


def test_result_links_respect_the_base_url(page, small_site):
    open_search(page, small_site, "?theory=T1")
    urls = result_urls(page)
    assert urls and all(u.startswith("/evidence/") for u in urls)
    page.locator(f".search-result h3 a[href='/evidence/papers/old/']").press("Enter")
    page.wait_for_url(re.compile(r"/evidence/papers/old/$"))
    assert "An old study" in page.locator("h1").text_content()


def test_filter_labels_show_titles_not_slugs(page, demo_url, evidence):
    open_search(page, demo_url, "?q=care")
    labels = page.locator(".filter-value label").all_text_contents()
    slugs = [t["id"] for t in evidence["theories"] if not re.fullmatch(r"[A-Za-z]{0,3}\d[\w.]*", t["id"])]
    assert slugs, "the demo has theories with slug ids"
    shown = [label for label in labels if any(label.startswith(f"{slug}: ") for slug in slugs)]
    assert shown == [], shown[:5]
    assert any(label.startswith("R1: ") for label in labels), "short codes such as R1 stay"


def test_active_filters_are_removable_chips(page, demo_url):
    open_search(page, demo_url, "?q=care")
    everything = count_in(status(page))
    tick(page, "theory", "R1")
    chips = page.locator("#search-chips .chip")
    assert chips.count() == 1 and chips.first.text_content().startswith("Theory: R1")
    narrowed = count_in(status(page))
    assert narrowed < everything
    before = searches_done(page)
    chips.first.focus()
    page.keyboard.press("Enter")
    wait_for_search(page, before)
    assert page.locator("#search-chips .chip").count() == 0
    assert count_in(status(page)) == everything and "theory=" not in page.url


def test_first_result_on_the_first_screen_of_a_phone(page, demo_url):
    page.set_viewport_size({"width": 390, "height": 844})
    open_search(page, demo_url, "?q=trust")
    top = page.evaluate("document.querySelector('.search-result').getBoundingClientRect().top")
    assert top < 844 - 60, f"the first result starts at {top}px"
    toggle = page.locator(".filters-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert page.locator("details[data-group='kind']").is_visible()


def test_findings_rank_above_publisher_matches(page, demo_url, evidence):
    """'trust' in a finding (a CMOC's title, a theory's narrative) outranks 'Trust' in a paper's
    publisher (Nuffield Trust): bibliographic facts weigh little."""
    def has(text):
        return "trust" in (text or "").lower()
    def body(paper):  # the paper's notes, which may quote a reference with its publisher
        text = (ROOT / "content" / "papers" / f"{paper['id']}.md").read_text(encoding="utf-8")
        return text.split("\n---\n", 1)[-1]
    publisher_only = {p["url"] for p in evidence["papers"] if has(p.get("publisher")) and not any(
        has(p.get(k)) for k in ("title", "aim", "results", "population", "design")) and not has(body(p))}
    titled = {c["url"] for c in evidence["cmocs"] if has(c.get("title"))}
    cites_titled = {p["url"] for p in evidence["papers"] if any(  # a paper page lists its CMOCs' titles
        has(c.get("title")) for c in evidence["cmocs"] if c["id"] in p.get("cmocs", []))}
    publisher_only -= cites_titled
    theories = {t["url"] for t in evidence["theories"] if t["id"] in ("R1", "R2")}
    assert publisher_only and titled
    open_search(page, demo_url, "?q=trust")
    order = result_urls(page)
    first_publisher = min(order.index(u) for u in publisher_only if u in order)
    assert all(order.index(u) < first_publisher for u in titled | theories), (order[:12], first_publisher)


def test_cmoc_excerpts_show_the_configuration_not_the_status_wording(page, demo_url):
    """A CMOC found by a word of its title: its excerpt starts with what the configuration says, not
    with the kind line or the status definition every CMOC with that status repeats ("Put forward by
    the review team…"), which are not indexed."""
    open_search(page, demo_url, "?q=acceptance")
    result = page.locator(".search-result", has=page.locator('a[href="/cmocs/cmoc-R1-02/"]'))
    assert result.count() == 1
    excerpt = result.locator(".result-excerpt").text_content()
    assert excerpt and "Put forward" not in excerpt and "Context–mechanism–outcome configuration" not in excerpt


def test_a_phrase_search_is_quoted_once(page, demo_url):
    """A phrase search's status read `5 results for “"care navigation"”`: the query, already in
    quotation marks, was wrapped in another pair. It keeps its own (made curly), in the page title too."""
    open_search(page, demo_url, '?q=%22care+navigation%22')
    assert page.locator("#search-q").input_value() == '"care navigation"'
    n = count_in(status(page))
    assert n > 0 and status(page).startswith(f"{n} result{'s' if n != 1 else ''} for “care navigation”"), status(page)
    assert page.title().startswith("“care navigation” · Search · ")
    open_search(page, demo_url, "?q=care+navigation")  # an unquoted query is quoted as before
    assert " for “care navigation”" in status(page) and '"' not in status(page)
