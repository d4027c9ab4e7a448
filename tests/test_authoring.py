"""Last-updated dates from one git call, edit links, the pre-commit hooks and the authoring docs."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from evidence_explorer.content import gitinfo
from evidence_explorer.content.gitinfo import last_updated, parse_log

ROOT = Path(__file__).resolve().parents[1]
PAPER = "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\ntheories: [T1]\n---\nBody.\n"
THEORY = "---\ntitle: Theory one\n---\nNarrative.\n"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if date:
        env.update(GIT_AUTHOR_DATE=f"{date}T12:00:00+00:00", GIT_COMMITTER_DATE=f"{date}T12:00:00+00:00")
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def repo(make_site, tmp_path):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY},
                        site_yaml="title: T\nrepo_url: https://git.example.org/team/review\n"
                                  "edit_path: edit/main/content/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first", date="2021-03-04")
    (content / "papers" / "doe-2020.md").write_text(PAPER.replace("Body.", "Body, revised."), encoding="utf-8")
    (content / "pages").mkdir()
    (content / "pages" / "über.md").write_text("---\nid: ueber\ntitle: Über\n---\nx\n", encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "second", date="2022-05-06")
    return content


@needs_git
def test_last_updated_is_the_newest_commit_per_file_relative_to_the_content(repo):
    dates = last_updated(repo)
    assert dates["papers/doe-2020.md"] == "2022-05-06"
    assert dates["theories/T1.md"] == "2021-03-04"
    assert dates["pages/über.md"] == "2022-05-06"  # non-ASCII names are not quoted
    assert dates["site.yaml"] == "2021-03-04"


@needs_git
def test_one_git_call_for_the_whole_site(repo, monkeypatch):
    calls = []
    real = subprocess.run

    def counting(cmd, *a, **kw):
        calls.append(cmd)
        return real(cmd, *a, **kw)

    monkeypatch.setattr(gitinfo.subprocess, "run", counting)
    assert len(last_updated(repo)) == 4
    assert len(calls) == 1 and calls[0][calls[0].index("log") - 1] == str(repo)


def test_not_in_git_gives_no_dates(make_site, tmp_path, monkeypatch):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never find a repository above
    assert dict(last_updated(content)) == {}
    assert dict(last_updated(tmp_path / "missing")) == {}


def test_parse_log_keeps_the_newest_date():
    text = "\x1e2022-05-06\x00\npapers/a.md\x00pages/b c.md\x00\x1e2021-01-01\x00\npapers/a.md\x00x.md\x00"
    assert parse_log(text) == {"papers/a.md": "2022-05-06", "pages/b c.md": "2022-05-06", "x.md": "2021-01-01"}


@needs_git
def test_pages_show_edit_link_and_last_updated(repo, tmp_path):
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(repo), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    html = (out / "papers/doe-2020/index.html").read_text(encoding="utf-8")
    assert 'Last updated <time datetime="2022-05-06">2022-05-06</time>' in html
    assert '<a href="https://git.example.org/team/review/edit/main/content/papers/doe-2020.md">Edit this page</a>' \
        in html
    index = (out / "papers/index.html").read_text(encoding="utf-8")  # list pages have no single source
    assert "Edit this page" not in index and "Last updated" not in index


def test_no_git_and_no_repo_url_means_no_page_meta(make_site, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY},
                        site_yaml="title: T\nrepo_url: javascript:alert(1)\nedit_path: x/\n")
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet").code == 0
    html = (out / "papers/doe-2020/index.html").read_text(encoding="utf-8")
    assert "page-meta" not in html and "javascript:" not in html


def test_pre_commit_hooks_run_real_commands(make_site):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {h["id"]: h for h in hooks}
    check = by_id["evidence-explorer-check"]
    assert check["language"] == "python" and check["pass_filenames"] is False
    assert check["entry"].split()[0] == "evidence-explorer"  # the console script of pyproject.toml
    assert "evidence-explorer = \"evidence_explorer.cli:run\"" in (ROOT / "pyproject.toml").read_text()
    import re
    files = re.compile(check["files"])
    assert files.search("content/cmocs/c1.md") and files.search("content/site.yaml")
    assert not files.search("content/notes.txt")
    good = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    args = check["entry"].split()[1:]
    assert run_cli(*args, "--content", str(good), "--strict").code == 0
    (good / "papers" / "doe-2020.md").write_text(PAPER.replace("year:", "yaer:"), encoding="utf-8")
    bad = run_cli(*args, "--content", str(good), "--strict")
    assert bad.code == 1 and "unknown field 'yaer' (did you mean 'year'?)" in bad.err
    schema_args = by_id["evidence-explorer-schema"]["entry"].split()[1:]
    assert run_cli(*schema_args, "--output", str(ROOT / "schema")).code == 0


def test_authoring_docs_name_every_kind_and_the_commands():
    text = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    from evidence_explorer.content.model import KINDS
    for kind in KINDS:
        assert f"./schema/{kind}.schema.json" in text
    for needle in ("python build.py serve", "python build.py new cmoc", "python build.py schema",
                   "yaml-language-server: $schema=", "yaml.schemas", "evidence-explorer-check"):
        assert needle in text
