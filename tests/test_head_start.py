"""``build``'s head start (commands/head_start.py): the up-to-date probe signed in a forked child and
the snapshot read in a thread while the program is imported. The child's probe must be the probe
this process would have made, and a child that gives none must change nothing but the time."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_explorer.commands import head_start
from evidence_explorer.options import BuildOptions
from evidence_explorer.speed import aside, uptodate
from evidence_explorer.speed.aside import result_in_child

from conftest import ROOT, SITES, run_cli


def no_children_left() -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_result_in_child_gives_plain_data_back():
    data = {"a": (1, 2.5, None, True), "b": [b"\x00bytes", "text", frozenset({1})], "c": {"nested": {}}}
    with result_in_child(lambda: data) as result:
        assert result() == data and result() == data  # (asked once, kept)
    no_children_left()


class NotPlain:
    pass


@pytest.mark.parametrize("work", [lambda: NotPlain(), lambda: 1 / 0, lambda: os._exit(3)],
                         ids=["a class", "raises", "dies"])
def test_result_in_child_gives_none_when_the_child_gives_no_plain_result(work):
    """An object of a class is not unpickled (the parent's unpickler admits no class): None, as for
    a child that raised or died; the caller then does the work itself."""
    with result_in_child(work) as result:
        assert result() is None
    no_children_left()


def test_result_in_child_unasked_is_killed_and_large_results_arrive_whole():
    with result_in_child(lambda: __import__("time").sleep(60)):
        pass  # never asked: killed, not waited for a minute
    big = "x" * (3 << 20)  # (more than a pipe holds: the child writes while the parent reads)
    with result_in_child(lambda: [big, big]) as result:
        assert result() == [big, big]
    no_children_left()


def test_result_in_child_without_fork_works_here(monkeypatch):
    monkeypatch.setattr(aside, "can_fork", lambda: False)
    pids = []
    with result_in_child(lambda: pids.append(os.getpid()) or "here") as result:
        assert pids == []  # run only when the result is wanted
        assert result() == "here"
    assert pids == [os.getpid()]


@pytest.fixture
def built(tmp_path) -> BuildOptions:
    content = tmp_path / "content"
    shutil.copytree(SITES / "minimal", content)
    output = tmp_path / "out" / "site"
    assert run_cli("build", "--content", str(content), "--output", str(output), "--no-search").code == 0
    return BuildOptions(content=content, output=output, search=False)


def comparable(probe: uptodate.Probe) -> tuple:
    """A probe without the moment it was taken."""
    fresh = probe.fresh
    inputs = probe.inputs
    return (None if inputs is None else (inputs.key, inputs.content), probe.refresh,
            None if fresh is None else (fresh.output, fresh.diagnostics, fresh.pages))


def age(path: Path, seconds: float = 10) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


CHANGES = {
    "nothing": lambda c: None,
    "touched": lambda c: os.utime(next(c.glob("papers/*.md"))),
    "edited": lambda c: (p := next(c.glob("papers/*.md"))).write_text(p.read_text() + "\nMore.\n"),
    "added": lambda c: (c / "papers" / "new.md").write_text("---\ntitle: New\n---\n"),
    "site.yaml": lambda c: (c / "site.yaml").write_text((c / "site.yaml").read_text() + "\n# a comment\n"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_childs_probe_is_the_probe_made_here(built, change):
    """For each kind of change since the last build, the probe the head start's child sends back
    equals the probe this process makes of the same state (the manifest put back in between: a
    probe that finds the site out of date deletes it)."""
    for path in built.content.rglob("*.md"):
        age(path)  # (outside the racy window, so a touched file's stat is trusted only when unchanged)
    age(built.content / "site.yaml")
    assert run_cli("build", "--content", str(built.content), "--output", str(built.output), "--no-search").code == 0
    CHANGES[change](built.content)
    manifest = uptodate.manifest_path(built.output)
    kept = manifest.read_bytes()
    with head_start.started(built, write=True, page_cache=False) as head:
        child = head.probe()
    manifest.write_bytes(kept)
    here = uptodate.probe(built)
    assert comparable(child) == comparable(here)
    assert (child.fresh is not None) == (change in ("nothing", "touched"))
    no_children_left()


def test_a_child_that_gives_no_probe_leaves_the_probe_to_this_process(built, monkeypatch):
    monkeypatch.setattr(head_start, "_probe", lambda options: os._exit(1))
    with head_start.started(built, write=True, page_cache=False) as head:
        probe = head.probe()
    assert probe.fresh is not None  # signed here instead: up to date, as the child would have said
    assert comparable(probe) == comparable(uptodate.probe(built))


def test_the_build_command_probes_in_a_child(built, tmp_path, monkeypatch):
    """The real command takes the head start: its probe runs in another process."""
    pids = tmp_path / "pids"
    real = uptodate.probe

    def probe(options):
        with pids.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return real(options)

    monkeypatch.setattr(uptodate, "probe", probe)
    run = run_cli("build", "--content", str(built.content), "--output", str(built.output), "--no-search")
    assert run.code == 0 and "is up to date" in run.err
    assert [int(x) for x in pids.read_text().split()] not in ([], [os.getpid()])
    no_children_left()


def test_the_command_line_is_parsed_before_the_bulk_is_imported():
    """``cli`` imports neither the template engine, Markdown, the YAML parser, nor the pipeline and
    model: ``build`` imports them while its probe runs (commands/head_start.py)."""
    heavy = ("jinja2", "markdown", "yaml", "evidence_explorer.pipeline", "evidence_explorer.content.model",
             "evidence_explorer.dev.snapshot", "evidence_explorer.site.render")
    code = f"import sys, evidence_explorer.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
