"""/data/ exports of the minimal fixture, the data page, list-page links, and paper-page metadata."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from conftest import run_cli
from evidence_explorer.importers.bibtex import read_bibtex
from evidence_explorer.importers.ris_csl import read_ris

FILES = ("evidence.json", "papers.csv", "cmocs.csv", "references.bib", "references.ris", "references.json")


def read(site, rel):
    return (site / rel).read_text(encoding="utf-8")


def test_every_export_is_written_and_listed(minimal_site):
    page = read(minimal_site, "data/index.html")
    for name in FILES:
        assert (minimal_site / "data" / name).is_file()
        assert f'<a href="/data/{name}" download>{name}</a>' in page
    papers = read(minimal_site, "papers/index.html")
    assert '<a href="/data/references.ris" download>references.ris</a>' in papers
    assert '<a href="/data/cmocs.csv" download>cmocs.csv</a>' in read(minimal_site, "cmocs/index.html")


def test_papers_csv(minimal_site, minimal_evidence):
    text = read(minimal_site, "data/papers.csv")
    assert text.startswith("\ufeffid,title,authors,year,")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert set(rows) == {p["id"] for p in minimal_evidence["papers"]}
    smith = rows["smith-2019"]
    assert smith["authors"] == "Smith J; Jones, Kate; Lee AB"
    assert smith["doi"] == "10.1234/jic.2019.45" and smith["pages"] == "45-67"
    record = next(p for p in minimal_evidence["papers"] if p["id"] == "smith-2019")
    assert smith["cmocs"] == "; ".join(record["cmocs"]) and smith["cmocs"]
    assert smith["theories"] == "; ".join(record["theories"])
    assert smith["page"] == "/papers/smith-2019/"


def test_cmocs_csv_has_resolved_source_and_theory_ids(minimal_site, minimal_evidence):
    rows = list(csv.DictReader(io.StringIO(read(minimal_site, "data/cmocs.csv").lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == [c["id"] for c in minimal_evidence["cmocs"]]
    for row, cmoc in zip(rows, minimal_evidence["cmocs"]):
        ids = {p["id"].lower(): p["id"] for p in minimal_evidence["papers"]}
        assert row["sources"].split("; ") == [ids[s["paper"].lower()] for s in cmoc["sources"]]
        assert row["context"] == cmoc["context"]
        if cmoc.get("theories"):
            assert row["theories"].split("; ")[0].lower() == cmoc["theories"][0]["theory"].lower()


def test_reference_files_parse_back(minimal_site, minimal_evidence):
    n = len(minimal_evidence["papers"])
    bib, problems = read_bibtex(read(minimal_site, "data/references.bib"))
    assert len(bib) == n and not problems
    ris, problems = read_ris(read(minimal_site, "data/references.ris"))
    assert len(ris) == n and not problems
    csl = json.loads(read(minimal_site, "data/references.json"))
    smith = next(i for i in csl if i["id"] == "smith2019teams")  # its citekey
    assert smith["type"] == "article-journal" and smith["DOI"] == "10.1234/jic.2019.45"
    assert smith["author"][0] == {"family": "Smith", "given": "J"}
    assert smith["issued"] == {"date-parts": [[2019]]}
    nhs = next(i for i in csl if i["title"] == "Integrated care report")
    assert nhs["author"] == [{"literal": "NHS England"}] and nhs["type"] == "report"
    assert "@article{smith2019teams," in read(minimal_site, "data/references.bib")
    assert "author = {{NHS England}}" in read(minimal_site, "data/references.bib")


def test_paper_page_has_highwire_tags_jsonld_and_copy_button(minimal_site):
    html = read(minimal_site, "papers/smith-2019/index.html")
    head = html.split("</head>")[0]
    for tag in ('<meta name="citation_title" content="Teams and trust in primary care">',
                '<meta name="citation_author" content="Smith, J">',
                '<meta name="citation_publication_date" content="2019">',
                '<meta name="citation_journal_title" content="Journal of Integrated Care">',
                '<meta name="citation_firstpage" content="45">', '<meta name="citation_lastpage" content="67">',
                '<meta name="citation_doi" content="10.1234/jic.2019.45">', 'src="/static/cite.js" defer'):
        assert tag in head
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.S).group(1))
    assert data["@type"] == "ScholarlyArticle" and data["url"] == "/papers/smith-2019/"
    assert data["sameAs"] == "https://doi.org/10.1234/jic.2019.45"
    assert data["author"][0] == {"@type": "Person", "name": "Smith J", "familyName": "Smith", "givenName": "J"}
    assert '<p class="citation">' in html


def test_jsonld_cannot_close_the_script(make_site, tmp_path):
    content = make_site({"papers/x-2020.md": "---\ntitle: \"Evil </script><script>alert(1)</script>\"\n"
                                            "authors: [\"A & B <i>Org</i>\"]\nyear: 2020\n---\n"})
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "-q").code == 0
    head = (out / "papers" / "x-2020" / "index.html").read_text(encoding="utf-8").split("</head>")[0]
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.S).group(1)
    assert "<" not in script and ">" not in script
    assert json.loads(script)["name"] == "Evil </script><script>alert(1)</script>"
    assert "<script>alert(1)" not in head
    assert 'content="Evil &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in head


@pytest.mark.browser
def test_copy_citation_button(minimal_site, page):
    from browser import serve_directory
    with serve_directory(minimal_site) as url:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(url + "/papers/smith-2019/")
        button = page.get_by_role("button", name="Copy citation")
        button.click()
        status = page.locator(".copy-status")
        status.wait_for()
        page.wait_for_function("document.querySelector('.copy-status').textContent.length > 0")
        assert status.text_content() == "Citation copied to the clipboard."
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.locator("p.citation").text_content().strip()
        assert copied.startswith("Smith J, Jones, Kate, Lee AB. Teams and trust in primary care.")
