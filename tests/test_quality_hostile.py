"""Gate: hostile content never runs, and is shown literally.

``tests/sites/hostile/`` puts a payload in every field and body of every kind (script tags,
event-handler attributes, SVG with script, attribute break-outs, ``javascript:`` URLs in
Markdown links, template syntax). Each payload names its field: ``window.__pwned=`paper-title```
(``window.pwned='paper-body-img'`` in Markdown bodies, where ``__`` would be emphasis).

Run alone: ``./dev test tests/test_quality_hostile.py``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SITES, run_cli
from quality.links import check_site
from quality.tools import vnu_jar
from quality.vnu import validate

HOSTILE = SITES / "hostile"
TAG = re.compile(r"window\.(?:__)?pwned=[`']([a-z0-9-]+)[`']")
SHOWN = re.compile(r"pwned=[`']?([a-z0-9-]+)", re.I)
"""A payload's tag in the page text (Markdown may turn its backticks into code: still text; a badge
styled in capitals reads PWNED=`THEORY-STATUS` in the rendered text)."""
UNESCAPED = re.compile(r"<script>window\.(?:__)?pwned|<img src=x onerror|<svg onload|<b onmouseover"
                       r"|<div onclick|href=\"\s*(?:javascript|vbscript|data):", re.I)
NOT_SHOWN_AS_TEXT = {"site-edit-path", "paper-citekey"}
"""Fields never shown as page text: the edit-link path (a URL) and the citekey (in exports only)."""

AUDIT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase(), value = a.value.replace(/[\\u0000-\\u0020\\u007f]+/g, '');
      if (name.startsWith('on')) bad.push(`${el.tagName} has handler ${name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster'].includes(name)
          && /^(javascript|vbscript|data):/i.test(value)) bad.push(`${el.tagName} ${name}=${a.value}`);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (s.closest('svg')) bad.push('script inside svg');
    if (!s.src && s.type !== 'application/ld+json') bad.push('inline script: ' + s.text.slice(0, 80));
    if (s.type === 'application/ld+json') { try { JSON.parse(s.text); } catch (e) { bad.push('broken JSON-LD'); } }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, base, meta[http-equiv]'))
    bad.push('unexpected element ' + el.outerHTML.slice(0, 80));
  const ran = window.__pwned ?? window.pwned;
  return {pwned: ran === undefined ? null : String(ran), bad,
          text: document.body.innerText};
}"""


def fixture_tags() -> set[str]:
    tags: set[str] = set()
    for path in HOSTILE.rglob("*"):
        if path.is_file() and path.name != "README.md":
            tags.update(TAG.findall(path.read_text(encoding="utf-8")))
    return tags


@pytest.fixture(scope="session")  # used by browser tests too, which run last (conftest)
def hostile_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "site"
    run = run_cli("build", "--content", str(HOSTILE), "--output", str(out))
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    return out


@pytest.fixture(scope="module")
def hostile_url(hostile_site):
    from browser import serve_directory
    with serve_directory(hostile_site) as url:
        yield url


def test_fixture_covers_every_kind_and_many_fields():
    tags = fixture_tags()
    for prefix in ("site", "review", "question", "theory", "child", "map", "paper", "cmoc", "page"):
        assert any(t.startswith(prefix + "-") for t in tags), prefix
    assert len(tags) > 60


def test_no_payload_in_the_html_source(hostile_site):
    """Statically: no payload survives unescaped in any page (the browser test below checks behaviour)."""
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) >= 20
    found = []
    for page in pages:
        for m in UNESCAPED.finditer(page.read_text(encoding="utf-8")):
            found.append(f"{page.relative_to(hostile_site)}: {m.group(0)}")
    assert not found, "\n".join(found[:40])


def test_template_syntax_is_not_evaluated(hostile_site):
    page = (hostile_site / "papers" / "hostile-paper" / "index.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }}{% if true %}IF{% endif %} paper-title" in page
    assert "{# comment #}" in page
    assert "49" not in re.sub(r"<[^>]+>", "", page).replace("2019", "")


def test_hostile_site_links_and_html_are_valid(hostile_site):
    assert not check_site(hostile_site, "/"), check_site(hostile_site, "/")[:10]
    errors = validate(vnu_jar(), [hostile_site], root=hostile_site)
    assert not errors, "\n".join(map(str, errors[:30]))


@pytest.mark.browser
def test_no_payload_runs_and_all_are_shown_literally(hostile_site, hostile_url, page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
    shown: set[str] = set()
    problems: list[str] = []
    paths = sorted(p.relative_to(hostile_site).as_posix() for p in hostile_site.rglob("*.html"))
    for rel in paths:
        path = rel.removesuffix("index.html")
        # pages that draw with JavaScript (search filters) are read once their requests are done
        page.goto(f"{hostile_url}/{path}", wait_until="load" if "<script" not in
                  (hostile_site / rel).read_text(encoding="utf-8") else "networkidle")
        result = page.evaluate(AUDIT)  # no on* attribute anywhere: no hover or focus payload either
        if result["pwned"]:
            problems.append(f"/{path}: payload ran: {result['pwned']}")
        problems.extend(f"/{path}: {b}" for b in result["bad"])
        shown.update(tag.lower() for tag in SHOWN.findall(result["text"]))
    assert not dialogs, dialogs
    assert not problems, "\n".join(problems[:40])
    missing = fixture_tags() - shown - NOT_SHOWN_AS_TEXT
    assert not missing, f"payloads never shown as text: {sorted(missing)}"


@pytest.mark.browser
def test_search_results_do_not_run_payloads(hostile_site, hostile_url, page):
    assert (hostile_site / "search" / "index.html").exists()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{hostile_url}/search/?q=pwned", wait_until="networkidle")
    page.wait_for_function(
        "() => [...document.querySelectorAll('main a[href]')].some(a => /hostile-/.test(a.href))",
        timeout=15000)
    page.wait_for_timeout(500)
    result = page.evaluate(AUDIT)
    assert result["pwned"] is None and not dialogs, (result["pwned"], dialogs)
    assert not result["bad"], result["bad"]
    assert "window.__pwned=" in result["text"], "the payload text should be shown in results, as text"


def test_raw_html_is_escaped_unless_site_opts_in(make_site, tmp_path):
    body = ('---\ntitle: T\n---\nA <b>bold</b> word. [js](javascript:alert(1))\n\n'
            '<div class="x">block</div>\n')
    content = make_site({"pages/p.md": body})
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    html = (out / "p" / "index.html").read_text(encoding="utf-8")
    assert "A &lt;b&gt;bold&lt;/b&gt; word." in html
    assert "&lt;div class=\"x\"&gt;block&lt;/div&gt;" in html
    assert "javascript:" not in html
    (content / "site.yaml").write_text("title: T\nallow_raw_html: true\n", encoding="utf-8")
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    html = (out / "p" / "index.html").read_text(encoding="utf-8")
    assert "A <b>bold</b> word." in html and '<div class="x">block</div>' in html
    assert "javascript:" not in html, "unsafe URL schemes are removed even with raw HTML allowed"


@pytest.mark.parametrize("field, value, message", [
    ("url", "javascript:alert(1)", "'url' must be an http:// or https:// URL, got 'javascript:alert(1)'"),
    ("url", "' JaVaScRiPt:alert(1)'", "'url' must be an http:// or https:// URL"),
    ("url", "data:text/html,<script>alert(1)</script>", "'url' must be an http:// or https:// URL"),
    ("url", "'https://x.org/\"><script>alert(1)</script>'", "'url' must be an http:// or https:// URL"),
    ("doi", "javascript:alert(1)", "'doi' is not a valid DOI (expected 10.NNNN/suffix), got 'javascript:alert(1)'"),
])
def test_unsafe_url_fields_are_rejected(make_site, tmp_path, field, value, message):
    content = make_site({"papers/p.md": f"---\ntitle: T\nauthors: [A]\nyear: 2020\n{field}: {value}\n---\n"})
    run = run_cli("check", "--content", str(content))
    assert run.code == 1
    assert f"papers/p.md:5: error: {message}" in run.err, run.err


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java&#x09;script:alert(1)", "java&#9;script:alert(1)", "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
])
def test_unsafe_urls_are_recognised(url):
    from evidence_explorer.site.markup import is_safe_url
    assert not is_safe_url(url)


@pytest.mark.parametrize("url", ["https://example.org/a?b=1&amp;c=2", "http://x.org", "/papers/x/",
                                 "../x/", "#frag", "mailto:someone@example.org", "papers/x/"])
def test_safe_urls_are_kept(url):
    from evidence_explorer.site.markup import is_safe_url
    assert is_safe_url(url)


RAW_PAYLOADS = [
    '<script>window.__pwned=1</script>',
    '<img src="x" onerror="window.__pwned=2">',
    '<a href="javascript:window.__pwned=3">click</a>',
    '<a href="JaVa&#x09;ScRiPt:window.__pwned=4">click</a>',
    '<iframe src="javascript:parent.__pwned=5"></iframe>',
    '<svg onload="window.__pwned=6"><circle r="1"/></svg>',
    '<style>body{display:none}</style>',
    '<form action="javascript:window.__pwned=7"><button>go</button></form>',
    '<div onclick="window.__pwned=8" style="position:fixed;inset:0">cover</div>',
    '<object data="data:text/html,<script>parent.__pwned=9</script>"></object>',
    '<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=10>',
    '<details open ontoggle="window.__pwned=11"><summary>s</summary></details>',
    '<!-- <img src=x onerror=window.__pwned=12> -->',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=13">',
]


def test_raw_html_allowed_is_sanitised(make_site, tmp_path, page):
    """With allow_raw_html on, raw HTML keeps harmless markup but nothing that runs or redresses
    the page: no script, handler, javascript: URL, frame, form, style or base survives, in Chromium."""
    body = ("---\ntitle: T\n---\n"
            '<div class="note"><b>bold</b> and <a href="https://example.org/">a link</a></div>\n\n'
            "| a | b |\n|:-|-:|\n| 1 | 2 |\n\n" + "\n\n".join(RAW_PAYLOADS))
    content = make_site({"pages/p.md": body}, site_yaml="title: T\nallow_raw_html: true\n")
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    html = (out / "p" / "index.html").read_text(encoding="utf-8")
    main = html[html.index("<main"):html.index("</main>")]
    for bad in ("<script", "onerror", "onload", "onclick", "ontoggle", "javascript:", "<iframe", "<svg",
                "<style", "<form", "<object", "<base", "http-equiv", "position:fixed"):
        assert bad not in main.lower(), bad
    assert '<div class="note"><b>bold</b> and <a href="https://example.org/">a link</a></div>' in main
    assert '<th style="text-align:left">a</th>' in main  # table alignment from Markdown kept (normalised)
    from browser import serve_directory
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with serve_directory(out) as url:
        page.goto(f"{url}/p/", wait_until="load")
        page.click("text=cover") if page.locator("text=cover").count() else None
        assert page.evaluate("window.__pwned") is None and dialogs == []
        assert page.evaluate("document.baseURI").startswith(url)
