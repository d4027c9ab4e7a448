"""/changes/ from the git history of the content directory."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import run_cli
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


@pytest.fixture
def repo(tmp_path):
    """A repository whose content/ has three commits, plus a file outside content/."""
    repo = tmp_path / "repo"
    content = repo / "content"
    (content / "papers").mkdir(parents=True)
    (content / "theories").mkdir()
    (content / "cmocs").mkdir()
    git(repo, "init", "-q")
    (content / "site.yaml").write_text("title: History\n")
    (content / "theories" / "T1.md").write_text("---\ntitle: Theory one\n---\n")
    (content / "papers" / "smith-2020.md").write_text(PAPER.format(title="First study"))
    (content / "cmocs" / "c1.md").write_text(CMOC.format(papers="smith-2020"))
    (repo / "README.md").write_text("not content\n")
    commit(repo, "Start the evidence base", "2024-01-01T10:00:00+00:00")
    (content / "papers" / "smith-2020.md").write_text(PAPER.format(title="First study, corrected"))
    (content / "papers" / "jones-2021.md").write_text(PAPER.format(title="Second study"))
    (content / "cmocs" / "c1.md").write_text(CMOC.format(papers="smith-2020, jones-2021"))
    commit(repo, "Add Jones 2021", "2024-02-01T10:00:00+00:00")
    (content / "papers" / "jones-2021.md").unlink()
    (content / "cmocs" / "c1.md").write_text(CMOC.format(papers="smith-2020"))
    (repo / "README.md").write_text("changed outside content\n")
    commit(repo, "Remove Jones 2021 <again>", "2024-03-01T10:00:00+00:00")
    return repo


def test_history_per_commit_newest_first(repo):
    history = read_history(repo / "content")
    assert [c.subject for c in history.commits] == ["Remove Jones 2021 <again>", "Add Jones 2021",
                                                    "Start the evidence base"]
    assert [(ch.action, ch.kind, ch.id) for ch in history.commits[0].changes] == [
        ("changed", "cmoc", "c1"), ("removed", "paper", "jones-2021")]
    assert [(ch.action, ch.kind, ch.id) for ch in history.commits[1].changes] == [
        ("added", "paper", "jones-2021"), ("changed", "paper", "smith-2020"), ("changed", "cmoc", "c1")]
    assert [(ch.action, ch.id) for ch in history.commits[2].changes] == [
        ("added", "T1"), ("added", "smith-2020"), ("added", "c1")]
    assert history.commits[2].author == "Ada Reviewer" and history.commits[2].date.startswith("2024-01-01")


def test_changes_page_links_current_entities(repo, tmp_path):
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(repo / "content"), "--output", str(out), "--no-search")
    assert run.code == 0, run.err
    page = (out / "changes" / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="commit-[0-9a-f]+">(.*?)</h2>', page)
    assert headings == ["Remove Jones 2021 &lt;again&gt;", "Add Jones 2021", "Start the evidence base"]
    first = page.split('<h2 id="commit-')[1]
    assert '<span class="removed-id">jones-2021</span>' in first  # removed: named, not linked
    assert '<a href="/cmocs/c1/">' in first
    assert page.count('<a href="/papers/smith-2020/">') == 2  # changed in commit 2, added in commit 1
    assert "/papers/jones-2021/" not in page
    assert '<time datetime="2024-02-01T10:00:00+00:00">2024-02-01</time>' in page
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="/changes/"' in home


def test_changes_omitted_when_content_is_not_in_git(make_site, tmp_path):
    content = make_site({"theories/T1.md": "---\ntitle: T\n---\n"})
    assert read_history(content) is None  # tmp_path is outside any git work tree
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search")
    assert run.code == 0, run.err
    assert not (out / "changes").exists()
    assert 'href="/changes/"' not in (out / "index.html").read_text(encoding="utf-8")


def test_changes_omitted_when_no_commit_touches_the_content(tmp_path):
    repo = tmp_path / "repo"
    (repo / "content").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "README.md").write_text("x\n")
    commit(repo, "Only a readme", "2024-01-01T10:00:00+00:00")
    (repo / "content" / "site.yaml").write_text("title: Untracked\n")
    assert read_history(repo / "content") is None


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
        headings += re.findall(r'<h2 id="commit-[0-9a-f]+">(.*?)</h2>', page)
        linked += re.findall(r'<a href="/papers/(p\d+)/">', page.split('<ul class="changes">', 1)[-1])
    # newest first; the import's heading repeats, marked, on each page its list continues on
    assert headings[:4] == ["Correct study 2", "Correct study 1", "Correct study 0", "Import 400 papers"]
    assert headings[4:] == ['Import 400 papers <span class="meta">(continued)</span>'] * (count - 1)
    assert linked[:3] == ["p002", "p001", "p000"]
    assert linked[3:] == [f"p{n:03}" for n in range(400)]  # every file of the import once, in order
    assert "Continued on the <a href=\"/changes/page/2/\">next page</a>" in first
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert all(f"<loc>/{url}</loc>" in sitemap for url in urls)
