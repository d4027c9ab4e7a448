"""Reading content safely (walk.py) and Markdown that renders in linear time (markdown_limits.py).

One walk decides which files are content for every reader; only regular files within the size
limit are read, never blocking on a FIFO; links outside the content folder are refused unless
``follow_symlinks_outside``; ignored content is a warning. Markdown floods are refused, located,
by ``check`` as by ``build``. (Speed itself is measured in benchmarks/markdown_floods.py; the one
timeout below only guards against a hang.)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from evidence_explorer.dev import changes as dev_changes, incremental
from evidence_explorer.speed import uptodate
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.importers.existing import scan
from evidence_explorer.content.load import MAX_FILE_BYTES, load_sources, source_paths
from evidence_explorer.content.markdown_limits import MAX_NESTING, MarkdownTooComplex, check_markdown
from evidence_explorer.pipeline import BuildOptions
from evidence_explorer.content.walk import FileProblem, is_content_path, read_bounded, walk_content

PAGE = "---\ntitle: {title}\n---\n{body}\n"


def _codes(walk) -> list[tuple[str, str]]:
    return [(p.rel, p.code) for p in walk.problems]


# --- reading -------------------------------------------------------------------------------

def test_read_bounded_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(FileProblem) as exc:
        read_bounded(fifo, 100)  # no writer: a plain open() would wait forever
    assert exc.value.code == "file.not-regular" and "FIFO" in exc.value.message


def test_read_bounded_refuses_devices_and_reads_no_further_than_the_limit(tmp_path):
    with pytest.raises(FileProblem) as exc:
        read_bounded("/dev/zero", 100)
    assert exc.value.code == "file.not-regular"
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 101)
    with pytest.raises(FileProblem) as exc:
        read_bounded(big, 100)
    assert exc.value.code == "file.too-large"
    assert read_bounded(big, 101) == b"x" * 101


def test_site_yaml_is_bounded(make_site):
    content = make_site({"pages/a.md": PAGE.format(title="A", body="x")})
    with open(content / "site.yaml", "ab") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    run = run_cli("check", "--content", str(content))
    assert run.code == 2 and "site.yaml: error: file is 2 MB, larger than the 2 MB limit" in run.err


def test_uptodate_signature_never_reads_a_fifo_or_a_huge_file(make_site, tmp_path):
    content = make_site({"pages/a.md": PAGE.format(title="A", body="x")})
    options = BuildOptions(content=content, output=tmp_path / "site")
    assert uptodate.sign_inputs(options, None) is not None
    os.mkfifo(content / "pages" / "pipe.md")
    assert uptodate.sign_inputs(options, None) is None  # the walk fails: a full build reports it
    (content / "pages" / "pipe.md").unlink()
    with open(content / "pages" / "huge.md", "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    assert uptodate.sign_inputs(options, None) is None  # not read: more than the loader accepts


# --- the walk ------------------------------------------------------------------------------

def test_links_outside_the_content_folder(make_site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(PAGE.format(title="Secret", body="x"), encoding="utf-8")
    content = make_site({"pages/a.md": PAGE.format(title="A", body="x")})
    os.symlink(outside / "secret.md", content / "pages" / "secret.md")
    os.symlink(outside, content / "pages" / "elsewhere")
    os.symlink("/", content / "pages" / "root")
    os.symlink(content / "pages", content / "pages" / "again")
    walk = walk_content(content)
    assert [rel for rel, _ in walk.files] == ["pages/a.md"]
    assert _codes(walk) == [("pages/secret.md", "file.symlink-outside"), ("pages/again", "file.symlink-loop"),
                            ("pages/elsewhere", "file.symlink-outside"), ("pages/root", "file.symlink-outside")]
    allowed = walk_content(content, follow_outside=True)  # files outside only; folders never
    assert [rel for rel, _ in allowed.files] == ["pages/a.md", "pages/secret.md"]
    assert [code for _, code in _codes(allowed)] == ["file.symlink-loop", "file.symlink-outside",
                                                      "file.symlink-outside"]
    run = run_cli("check", "--content", str(content))
    assert run.code == 1 and "pages/secret.md: error: symbolic link to a file outside" in run.err


def test_follow_symlinks_outside_in_site_yaml(make_site, tmp_path):
    (tmp_path / "shared.md").write_text(PAGE.format(title="Shared", body="x"), encoding="utf-8")
    content = make_site({"pages/a.md": PAGE.format(title="A", body="x")},
                        site_yaml="title: T\nfollow_symlinks_outside: true\n")
    os.symlink(tmp_path / "shared.md", content / "pages" / "shared.md")
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    assert "Shared" in (out / "shared" / "index.html").read_text(encoding="utf-8")


def test_ignored_content_is_a_warning_with_did_you_mean(make_site):
    content = make_site({"pages/a.md": PAGE.format(title="A", body="x"),
                         "paper/smith.md": PAGE.format(title="S", body="x"),
                         "notes.md": "notes", "pages/b.markdown": PAGE.format(title="B", body="x"),
                         "README.txt": "not content", "_drafts/x.md": "skipped silently",
                         "pages/.hidden.md": "skipped silently"})
    assert _codes(walk_content(content)) == [("notes.md", "content.stray-file"),
                                             ("paper", "content.unknown-folder"),
                                             ("pages/b.markdown", "content.ignored-file")]
    run = run_cli("check", "--content", str(content))
    assert run.code == 0
    assert "paper: warning: folder 'paper/' is not read" in run.err and "(did you mean 'papers/'?)" in run.err
    assert "rename it to 'b.md'" in run.err
    assert run_cli("check", "--content", str(content), "--strict").code == 1


def test_every_reader_uses_the_one_walk(make_site, tmp_path):
    """The loader, the up-to-date check, serve's incremental reads and the importers' id scan
    agree on which files are content (they once each had their own rules)."""
    (tmp_path / "outside.md").write_text(PAGE.format(title="Out", body="x"), encoding="utf-8")
    content = make_site({"papers/p1.md": PAGE.format(title="P1", body="x"),
                         "papers/sub/p2.md": PAGE.format(title="P2", body="x"),
                         "papers/_draft.md": "x", "papers/.hidden/p3.md": "x", "papers/p4.markdown": "x",
                         "pages/a.md": PAGE.format(title="A", body="x"), "notes.md": "x"},
                        site_yaml="title: T\nfollow_symlinks_outside: true\n")
    expected = ["pages/a.md", "papers/p1.md", "papers/sub/p2.md"]
    walk = walk_content(content)
    assert sorted(rel for rel, _ in walk.files) == expected
    assert sorted(source_paths(content)) == expected
    assert sorted(s.rel for s in load_sources(content, str(content), Report())) == expected
    assert scan(content).ids >= {"p1", "p2", "a"} and "p4" not in scan(content).ids
    candidates = ["papers/p1.md", "papers/_draft.md", "papers/.hidden/p3.md", "papers/p4.markdown",
                  "notes.md", "papers/sub/p2.md", "pages/a.md"]
    assert sorted(r for r in candidates if is_content_path(r)) == expected
    changes = dev_changes.classify([content / r for r in candidates], content)
    assert sorted(changes.content) == expected


# --- Markdown floods -----------------------------------------------------------------------

FLOODS = {
    "[[": "[[", "[": "[", "[a](": "[a](", "![": "![", "[[a|": "[[a|", "backtick": "`a", "fence": "```\n",
    "hard break": "a  \n", "emphasis": "*a", "strong": "**a", "underscore": "_a", "escape": "\\a",
    "list": "- ", "quote": "> ", "ordered": "1. ", "html": "<", "entity": "&a", "prose": "Some words. ",
}


def test_each_flood_at_the_size_limit_renders_or_is_refused():
    """In a subprocess, with a generous timeout that only guards against a hang (on main, 16 KB
    of ``[[`` alone took 38 s; 2 MB would take days)."""
    script = textwrap.dedent(f"""
        import json
        from evidence_explorer.content.markdown_limits import MarkdownTooComplex, check_markdown
        from evidence_explorer.site.markup import MarkdownRenderer
        renderer = MarkdownRenderer(lambda _id: ("/x/", "X"))
        for name, unit in {FLOODS!r}.items():
            body = (unit * ({MAX_FILE_BYTES} // len(unit) + 1))[:{MAX_FILE_BYTES} - 100]
            try:
                check_markdown(body)
            except MarkdownTooComplex as exc:
                print(json.dumps([name, "refused " + exc.code]))
                continue
            renderer.block(body)
            print(json.dumps([name, "rendered"]))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    outcome = dict(json.loads(line) for line in proc.stdout.splitlines())
    assert set(outcome) == set(FLOODS)
    for name in ("[[", "[", "[a](", "![", "[[a|", "backtick", "emphasis", "hard break", "list", "quote"):
        assert outcome[name].startswith("refused"), (name, outcome[name])
    assert outcome["prose"] == "rendered"


@pytest.mark.parametrize("body, line, code", [
    ("Intro.\n\nMore.\n\n" + "[[" * 5000, 4, "body.too-complex"),
    ("Intro.\n\n" + "- " * 600, 2, "body.too-deep"),
    ("> " * (MAX_NESTING + 1) + "a", 0, "body.too-deep"),
    ("ok\n\n" + "*a" * 25_000, 2, "body.too-complex"),
    ("[a](" * 3000, 0, "body.too-complex"),
])
def test_floods_are_refused_at_the_line_where_they_start(body, line, code):
    with pytest.raises(MarkdownTooComplex) as exc:
        check_markdown(body)
    assert (exc.value.line, exc.value.code) == (line, code)


@pytest.mark.parametrize("body", [
    "- [[paper-x]]: a [link](https://example.org/) and *notes*\n" * 1000,  # a long list of links
    ("See [[a]] and [[b|this]], `code`, **strong** and _em_. " * 40 + "\n\n") * 30,  # 66 KB
    "- " * MAX_NESTING + "deep but allowed",
    "```\n" + "    " * 40 + "- deeply indented code is not nesting\n```\n",
    "[unclosed " + "word " * 10_000,  # one unclosed bracket in a long paragraph
])
def test_real_pages_pass(body):
    check_markdown(body)


def test_check_refuses_what_build_refuses(make_site, tmp_path):
    """The pre-scan runs where files are read: check and build agree (check once passed a body
    that build then took minutes on)."""
    body = "Fine.\n\n" + "[[" * 8000
    content = make_site({"pages/flood.md": PAGE.format(title="Flood", body=body),
                         "cmocs/c1.md": "---\ntitle: C\ncontext: '" + "[[" * 8000 + "'\n---\n"})
    check = run_cli("check", "--content", str(content))
    build = run_cli("build", "--content", str(content), "--output", str(tmp_path / "site"), "--no-search")
    assert check.code == build.code == 1
    errors = [line for line in check.lines if ": error: " in line]
    assert errors == [line for line in build.lines if ": error: " in line]
    assert any("pages/flood.md:6: error: too many unclosed '['" in line for line in errors)
    assert any("cmocs/c1.md:3: error: too many unclosed '['" in line for line in errors)
    assert not (tmp_path / "site").exists()


def test_the_recursion_crash_is_a_located_error(make_site):
    content = make_site({"pages/nested.md": PAGE.format(title="N", body="- " * 600)})
    run = run_cli("check", "--content", str(content))
    assert run.code == 1 and "pages/nested.md:4: error: lists and block quotes nested 600 deep" in run.err


def test_serve_reads_a_changed_file_with_the_walk_checks(make_site, tmp_path):
    """serve re-reads edited files without walking: the same refusals apply."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.md").write_text(PAGE.format(title="X", body="x"), encoding="utf-8")
    content = make_site({"pages/a.md": PAGE.format(title="A", body="x")})
    os.symlink(tmp_path / "outside" / "x.md", content / "pages" / "x.md")
    os.symlink(tmp_path / "outside", content / "pages" / "linked")
    os.mkfifo(content / "pages" / "pipe.md")
    report = Report()
    rels = ["pages/a.md", "pages/x.md", "pages/linked/x.md", "pages/pipe.md"]
    read = incremental.read_changed(content, rels, report)
    assert [s.rel for s in read] == ["pages/a.md"]
    assert sorted((d.location.path.rsplit("/", 2)[-2:], d.code) for d in report.items) == [
        (["linked", "x.md"], "file.symlink-outside"), (["pages", "pipe.md"], "file.not-regular"),
        (["pages", "x.md"], "file.symlink-outside")]
    allowed = incremental.read_changed(content, rels, Report(), follow_outside=True)
    assert [s.rel for s in allowed] == ["pages/a.md", "pages/x.md"]
