"""The offline copy (``build --offline``): opened from ``file://`` in Chromium, its styles load,
links lead to pages, and search finds records without a server; every internal link of every
page resolves to a file of the copy; the zip holds the same."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT, run_cli
from evidence_explorer.site.offline import relative


@pytest.fixture(scope="session")  # used by a browser test too, which runs last (conftest)
def offline(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("offline")
    run = run_cli("build", "--content", str(ROOT / "content"), "--output", str(work / "site"), "--no-search",
                  "--base-url", "/evidence/", "--offline", str(work / "copy"), "--quiet")
    assert run.code == 0, run.err
    return work / "copy"


def test_relative_links():
    assert relative("/ev/papers/x/", "/ev/", "index.html") == "papers/x/index.html"
    assert relative("/ev/", "/ev/", "papers/x/index.html") == "../../index.html"
    assert relative("/ev/search/?q=a#r", "/ev/", "cmocs/index.html") == "../search/index.html?q=a#r"
    assert relative("/ev/data/evidence.json", "/ev/", "data/index.html") == "evidence.json"
    assert relative("cell-0-0/", "/ev/", "matrix/m/index.html") == "cell-0-0/index.html"
    assert relative("../?q=a#x", "/ev/", "matrix/m/index.html") == "../index.html?q=a#x"
    assert relative("data.csv", "/ev/", "index.html") == "data.csv"
    for untouched in ("#main", "https://doi.org/10.1/x", "//cdn.example/x.js", "mailto:a@b"):
        assert relative(untouched, "/", "index.html") == untouched


def test_every_internal_link_resolves(offline):
    broken = []
    for page in offline.rglob("*.html"):
        for value in re.findall(r'\s(?:href|src|action)="([^"]*)"', page.read_text(encoding="utf-8")):
            parts = urlsplit(value)
            if parts.scheme or value.startswith(("#", "//")):
                continue
            assert not value.startswith("/"), f"{page}: absolute link {value}"
            if not (page.parent / unquote(parts.path)).is_file():
                broken.append(f"{page.relative_to(offline)}: {value}")
    assert broken == []
    assert not (offline / "pagefind").exists()


def test_the_offline_index_holds_each_record_page_text(offline):
    """The built-in search matches a record's text, not only its title (a word found only in a
    CMOC's body or a paper's notes is found)."""
    import json
    script = (offline / "search" / "offline-index.js").read_text(encoding="utf-8")
    records = json.loads(script[script.index("=") + 1:].rstrip().rstrip(";"))
    assert len(records) > 300
    assert all(r["text"] for r in records), [r["url"] for r in records if not r["text"]][:5]
    r1 = next(r for r in records if r["url"] == "theories/R1/")
    assert "R1" in r1["title"] and len(r1["text"]) > 500
    assert "data-pagefind" not in r1["text"] and "Skip to content" not in r1["text"]


def test_zip_holds_the_copy(tmp_path, offline):
    site = offline.parent / "site"
    assert run_cli("build", "--content", str(ROOT / "content"), "--output", str(site), "--no-search",
                   "--base-url", "/evidence/", "--offline", str(tmp_path / "evidence.zip"), "--quiet").code == 0
    names = set(zipfile.ZipFile(tmp_path / "evidence.zip").namelist())
    expected = {f"evidence/{p.relative_to(offline).as_posix()}" for p in offline.rglob("*") if p.is_file()}
    assert names == expected


def test_never_replaces_a_folder_it_did_not_write(tmp_path, offline):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    run = run_cli("build", "--content", str(ROOT / "content"), "--output", str(offline.parent / "site"),
                  "--no-search", "--base-url", "/evidence/", "--offline", str(mine))
    assert run.code == 2 and "not replacing" in run.err
    assert [p.name for p in mine.iterdir()] == ["keep.txt"]


@pytest.mark.browser
def test_opens_from_file_with_styles_links_and_search(page, offline):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((offline / "index.html").as_uri())
    # style.css loaded: body margin 0 and .wrap max-width 72rem (the browser defaults are 8px and none)
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    assert page.evaluate("getComputedStyle(document.querySelector('.wrap')).maxWidth") != "none"
    page.click("header a[href$='papers/index.html']")
    assert page.url.endswith("/papers/index.html")
    page.click("main table a >> nth=0")
    assert re.search(r"/papers/[^/]+/index\.html$", page.url)
    page.goto((offline / "search" / "index.html").as_uri())
    page.fill("#search-q", "emotional")  # in record text, in no title
    page.press("#search-q", "Enter")
    page.wait_for_selector("#search-results li")
    assert re.match(r"\d+ results?", page.text_content("#search-status"))
    first = page.locator("#search-results li a").first
    title = first.text_content()
    first.click()
    assert page.url.startswith("file://") and page.url.endswith("index.html")
    assert title.strip() in page.text_content("h1")
    page.goto((offline / "search" / "index.html").as_uri() + "?q=trust")  # a shared query in the URL
    page.wait_for_selector("#search-results li")
    assert errors == []


@pytest.mark.parametrize("where", ["content", "site"])
def test_refuses_to_write_into_the_content_or_the_site(tmp_path, where):
    """``--offline`` inside the content folder (the authors' files) or the output folder (the next
    build would find the site changed) is a usage error before anything is built."""
    from conftest import SITES, run_cli
    content = tmp_path / "content"
    shutil.copytree(SITES / "minimal", content)
    before = sorted(p.name for p in content.rglob("*"))
    target = tmp_path / where / "copy.zip"
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "site"), "--no-search",
                  "--offline", str(target))
    assert run.code == 2 and "--offline" in run.err and f"inside the {'content' if where == 'content' else 'output'} folder" in run.err
    assert not target.exists() and not (tmp_path / "site").exists()
    assert sorted(p.name for p in content.rglob("*")) == before
