"""/changes/ from the git history of the content directory."""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from conftest import run_cli
from evidence_explorer.content import changelog
from evidence_explorer.content.changelog import read_history

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

PAPER = "---\ntitle: {title}\nauthors: [Smith J]\nyear: 2020\n---\n"
CMOC = "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [{papers}]\ntheories: [T1]\n---\n"


def git(repo, *args):
    subprocess.run(["git", "-c", "user.name=Ada Reviewer", "-c", "user.email=ada@example.org",
                    "-c", "commit.gpgsign=false", "-C", str(repo), *args], check=True, capture_output=True)


def commit(repo, message, date):
    git(repo, "add", "-A")
    subprocess.run(["git", "-c", "user.name=Ada Reviewer", "-c", "user.email=ada@example.org", "-c",
                    "commit.gpgsign=false", "-C", str(repo), "commit", "-q", "-m", message],
                   check=True, capture_output=True, env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
                                                         "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(repo)})


T = "---\ntitle: {title}\n---\n"
PAPER2 = "---\ntitle: {title}\nauthors: [{author}]\nyear: {year}\n---\n"
CMOC2 = ("---\ntitle: Trust grows when staff meet\ncontext: {context}\nmechanism: M\noutcome: O\n"
         "status: {status}\nsources: [{papers}]\ntheories:\n{theories}---\n")
CONTEXT1 = "Practices where staff meet every week."
CONTEXT2 = "Practices where staff from several services meet in person every week."


def write(content, files):
    for rel, text in files.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A repository whose content/ has three commits on three days, plus a file outside content/:
    a status changed, sources added and removed, a context reworded, a paper added, one deleted."""
    repo = tmp_path_factory.mktemp("history") / "repo"
    content = repo / "content"
    content.mkdir(parents=True)
    git(repo, "init", "-q")
    write(content, {
        "site.yaml": "title: History <of> changes\n",
        "theories/T1.md": T.format(title="Teams that trust each other"),
        "theories/T2.md": T.format(title="Shared records"),
        "papers/smith-2019.md": PAPER2.format(title="First study", author="Smith J", year=2019),
        "papers/old-2001.md": PAPER2.format(title="An old study", author="Old K", year=2001),
        "cmocs/c1.md": CMOC2.format(context=CONTEXT1, status="proposed", papers="old-2001",
                                    theories="  - {theory: T1, status: proposed}\n"),
    })
    (repo / "README.md").write_text("not content\n")
    commit(repo, "Start the evidence base", "2024-01-01T10:00:00+00:00")
    write(content, {
        "papers/jones-2020.md": PAPER2.format(title="Second study", author="Jones A", year=2020),
        "cmocs/c1.md": CMOC2.format(context=CONTEXT2, status="agreed", papers="old-2001, smith-2019, jones-2020",
                                    theories="  - {theory: T1, status: proposed}\n  - T2\n"),
    })
    commit(repo, "Wire up c1 (dev jargon)", "2024-02-01T10:00:00+00:00")
    (content / "papers" / "old-2001.md").unlink()
    write(content, {"cmocs/c1.md": CMOC2.format(context=CONTEXT2, status="agreed", papers="smith-2019, jones-2020",
                                                theories="  - {theory: T1, status: agreed}\n  - T2\n")})
    (repo / "README.md").write_text("changed outside content\n")
    commit(repo, "Remove Old 2001 <again>", "2024-03-01T10:00:00+00:00")
    return repo


@pytest.fixture(scope="module")
def built(repo):
    out = repo.parent / "site"
    run = run_cli("build", "--content", str(repo / "content"), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    return out


def words(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&#39;", "'")


def test_history_per_commit_newest_first_with_what_changed(repo):
    history = read_history(repo / "content")
    assert not history.unavailable and not history.shallow and not history.truncated
    assert [c.subject for c in history.commits] == ["Remove Old 2001 <again>", "Wire up c1 (dev jargon)",
                                                    "Start the evidence base"]
    assert [(ch.action, ch.kind, ch.id) for ch in history.commits[0].changes] == [
        ("changed", "cmoc", "c1"), ("removed", "paper", "old-2001")]
    assert [(ch.action, ch.id) for ch in history.commits[2].changes] == [
        ("added", "T1"), ("added", "T2"), ("added", "old-2001"), ("added", "smith-2019"), ("added", "c1")]
    c1 = history.commits[1].changes[1]
    assert c1.detailed and {(f.field, f.how) for f in c1.fields} == {
        ("context", "changed"), ("status", "changed"), ("sources", "list"), ("theories", "list")}
    removed = history.commits[0].changes[1]
    assert removed.data["title"] == "An old study"  # named from the history: the site no longer has it
    assert history.commits[2].author == "Ada Reviewer" and history.commits[2].date.startswith("2024-01-01")


def test_changes_page_says_what_changed_in_words_grouped_by_date(built):
    page = (built / "changes" / "index.html").read_text(encoding="utf-8")
    days = re.findall(r'<h2 id="day-([0-9-]+)"><time datetime="[0-9-]+">(.*?)</time>', page)
    assert days == [("2024-03-01", "1 March 2024"), ("2024-02-01", "1 February 2024"),
                    ("2024-01-01", "1 January 2024")]
    march, february, january = (words(part) for part in page.split('<h2 id="day-')[1:])
    assert "Changed CMOC Trust grows when staff meet: source removed: Old (2001); status of its link to " \
           "theory T1 changed from proposed to agreed" in march
    assert "Removed paper Old (2001) An old study" in march  # named, not linked, not its slug
    assert "/papers/old-2001/" not in page and "old-2001" not in words(page)
    assert "New paper Jones (2020) Second study" in february
    assert "context reworded" in february and "status changed from proposed to agreed" in february
    assert "two sources added: Smith (2019) and Jones (2020)" in february
    assert "added to theory T2" in february
    assert '<a href="/cmocs/c1/">Trust grows when staff meet</a>' in page
    assert "New theory T1: Teams that trust each other" in january and "New CMOC" in january
    for subject in ("Start the evidence base", "dev jargon", "again"):
        assert subject not in page  # commit subjects are developer language: not shown
    assert '<link rel="alternate" type="application/atom+xml" title="Changes to History &lt;of&gt; changes" ' \
           'href="/changes/feed.xml">' in page
    assert '<a href="/changes/feed.xml">' in page
    assert 'href="/changes/"' in (built / "index.html").read_text(encoding="utf-8")


ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_is_valid_and_lists_each_commit(built):
    root = ET.parse(built / "changes" / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Changes to History <of> changes"
    assert root.findtext(f"{ATOM}id").startswith("urn:uuid:")
    assert root.findtext(f"{ATOM}updated") == "2024-03-01T10:00:00+00:00"  # the newest commit, not the clock
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "/changes/feed.xml"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "1 March 2024: one CMOC changed, one paper removed",
        "1 February 2024: one paper added, one CMOC changed",
        "1 January 2024: two theories added, two papers added, one CMOC added"]
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 3 and all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", i) for i in ids)
    for e, day in zip(entries, ("2024-03-01", "2024-02-01", "2024-01-01")):
        assert e.findtext(f"{ATOM}updated") == f"{day}T10:00:00+00:00"
        assert e.find(f"{ATOM}link").get("href") == f"/changes/#day-{day}"
        assert e.findtext(f"{ATOM}author/{ATOM}name") == "Ada Reviewer"
        assert e.find(f"{ATOM}content").get("type") == "html"
    html = entries[1].findtext(f"{ATOM}content")
    assert '<a href="/cmocs/c1/">Trust grows when staff meet</a>: ' in html
    assert "two sources added: Smith (2019) and Jones (2020)" in html
    assert "Paper <a href=\"/papers/jones-2020/\">Jones (2020) Second study</a>: new paper added" in html


def test_feed_links_are_absolute_with_an_absolute_base_url(repo):
    from evidence_explorer.content.diagnostics import Report
    from evidence_explorer.pipeline import load_corpus
    from evidence_explorer.site.feed import atom_feed
    corpus = load_corpus(repo / "content", Report())
    corpus = replace(corpus, history=read_history(repo / "content"))
    root = ET.fromstring(atom_feed(corpus, "https://example.org/ev/"))
    assert root.findtext(f"{ATOM}id") == "https://example.org/ev/changes/feed.xml"
    assert root.find(f"{ATOM}entry/{ATOM}link").get("href") == "https://example.org/ev/changes/#day-2024-03-01"
    assert 'href="https://example.org/ev/cmocs/c1/"' in root.findtext(f"{ATOM}entry/{ATOM}content")


def test_shallow_clone_and_missing_git_are_said_plainly(repo, tmp_path, monkeypatch):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(clone)], check=True,
                   capture_output=True)
    history = read_history(clone / "content")
    assert history.shallow and [c.subject for c in history.commits] == ["Remove Old 2001 <again>"]
    monkeypatch.setattr(changelog.shutil, "which", lambda name: None)
    assert read_history(repo / "content").unavailable == changelog.NO_GIT


def test_changes_page_explains_when_content_is_not_in_git(make_site, tmp_path):
    content = make_site({"theories/T1.md": "---\ntitle: T\n---\n"})
    assert read_history(content).unavailable == changelog.NOT_A_REPOSITORY  # tmp_path is outside any work tree
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    page = words((out / "changes" / "index.html").read_text(encoding="utf-8"))
    assert "No history of changes is available" in page and "not kept in a git repository" in page
    assert not (out / "changes" / "feed.xml").exists()
    assert 'href="/changes/"' in (out / "index.html").read_text(encoding="utf-8")


def test_no_history_when_no_commit_touches_the_content(tmp_path):
    repo = tmp_path / "repo"
    (repo / "content").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "README.md").write_text("x\n")
    commit(repo, "Only a readme", "2024-01-01T10:00:00+00:00")
    (repo / "content" / "site.yaml").write_text("title: Untracked\n")
    assert read_history(repo / "content").unavailable == changelog.NO_COMMITS


def test_long_history_is_paginated_newest_first_with_every_change_once(tmp_path):
    """A first import of 400 papers outweighs a page: its list continues over pages, each under budget."""
    repo = tmp_path / "repo"
    content = repo / "content"
    (content / "papers").mkdir(parents=True)
    git(repo, "init", "-q")
    (content / "site.yaml").write_text("title: History\n")
    for n in range(400):
        (content / "papers" / f"p{n:03}.md").write_text(PAPER.format(title=f"Study number {n} of a long import"))
    commit(repo, "Import 400 papers", "2024-01-01T10:00:00+00:00")
    for n in range(3):
        (content / "papers" / f"p{n:03}.md").write_text(PAPER.format(title=f"Study {n}, corrected"))
        commit(repo, f"Correct study {n}", f"2024-02-0{n + 1}T10:00:00+00:00")
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    first = (out / "changes" / "index.html").read_text(encoding="utf-8")
    count = int(re.search(r"Page 1 of (\d+)", first).group(1))
    assert count >= 2
    urls = ["changes/"] + [f"changes/page/{n}/" for n in range(2, count + 1)]
    assert not (out / "changes" / "page" / str(count + 1)).exists()
    headings, linked = [], []
    for n, url in enumerate(urls, 1):
        page = (out / url / "index.html").read_text(encoding="utf-8")
        assert len(page.encode("utf-8")) < 45_000
        assert f"<title>Changes (page {n} of {count})" in page
        assert f'<a href="/{url}" aria-current="page"><span class="visually-hidden">Page </span>{n}</a>' in page
        assert ('rel="next"' in page) == (n < count) and ('rel="prev"' in page) == (n > 1)
        headings += re.findall(r'<h2 id="day-[0-9-]+">(.*?)</h2>', page)
        linked += re.findall(r'<a href="/papers/(p\d+)/">', page.split('<ul class="changes">', 1)[-1])
    # newest first; the import's day heading repeats, marked, on each page its list continues on
    day = '<time datetime="2024-{0}">{1}</time>'
    assert headings[:4] == [day.format("02-03", "3 February 2024"), day.format("02-02", "2 February 2024"),
                            day.format("02-01", "1 February 2024"), day.format("01-01", "1 January 2024")]
    assert headings[4:] == [day.format("01-01", "1 January 2024") + ' <span class="meta">(continued)</span>'] \
        * (count - 1)
    assert linked[:3] == ["p002", "p001", "p000"]
    assert linked[3:] == [f"p{n:03}" for n in range(400)]  # every file of the import once, in order
    assert "title changed" in first  # the corrections, in words
    assert "Continued on the <a href=\"/changes/page/2/\">next page</a>." in first
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert all(f"<loc>/{url}</loc>" in sitemap for url in urls)


def test_front_matter_diff_parses_only_changed_fields_and_refuses_aliases():
    from evidence_explorer.content.frontdiff import changed_front_matter, diff, front_matter
    old = b"---\ntitle: A\nsources:\n- paper: p1\n  quote: 'old *words*'\n- p2\ntheories: [T1]\nyear: 2019\n---\nText\n"
    new = b"---\ntitle: A\nsources:\n- p2\n- paper: p1\n  quote: 'new *words*'\ntheories: [T1]\nyear: 2020\n---\nText\n"
    pair = changed_front_matter(old, new)
    assert pair[0][0] == {"sources": [{"paper": "p1", "quote": "old *words*"}, "p2"], "year": 2019}  # the rest unparsed
    assert diff(*pair) == diff(front_matter(old), front_matter(new))
    assert [(f.field, f.how, f.key, f.ref) for f in diff(*pair)] == [
        ("sources", "changed", "quote", "p1"), ("year", "changed", "", "")]  # reordering is no change
    assert changed_front_matter(b"---\na: &x [1]\nb: *x\n---\n", new) is None


def test_names_holding_commas_are_set_apart():
    from evidence_explorer.site.views.change_words import join
    assert join(["Smith, Judith", "Wistow, Gerald", "Doe J"]) == "Smith, Judith; Wistow, Gerald and Doe J"
    assert join(["Smith J", "Doe J", "Roe A"]) == "Smith J, Doe J and Roe A"
