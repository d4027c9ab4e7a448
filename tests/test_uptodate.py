"""The "up to date" check (uptodate.py): a build with nothing changed writes nothing and says so;
any change to the inputs, the options, git or the output means a full build again."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence_explorer.speed import uptodate
from evidence_explorer.site.publish import MARKER

from conftest import SITES, run_cli

UP_TO_DATE = "is up to date"


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file of the site: (inode, mtime_ns, bytes)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(root).as_posix()] = (st.st_ino, st.st_mtime_ns, p.read_bytes())
    return out


@pytest.fixture
def site(tmp_path) -> tuple[Path, Path]:
    content = tmp_path / "content"
    shutil.copytree(SITES / "minimal", content)
    return content, tmp_path / "out" / "site"


def build(content: Path, output: Path, *extra: str):
    return run_cli("build", "--content", str(content), "--output", str(output), "--no-search", *extra)


def age(path: Path, seconds: float = 10) -> None:
    """Set back a file's mtime, as if written long before the build (outside the racy window)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def fresh_build(content: Path, output: Path, *extra: str):
    first = build(content, output, *extra)
    assert first.code == 0 and UP_TO_DATE not in first.err, first.err
    return first


def test_nothing_changed_writes_nothing_and_replays_the_diagnostics(site):
    content, output = site
    first = fresh_build(content, output)
    assert "warning: row 'Patient-reported continuity' lists no papers" in first.err
    before = snapshot(output)
    again = build(content, output)
    assert again.code == 0 and UP_TO_DATE in again.err
    assert again.lines[:-1] == first.lines[:-1]  # the same diagnostics and summary, then the up-to-date line
    assert snapshot(output) == before  # same inodes, mtimes and bytes: nothing rewritten
    quiet = build(content, output, "--quiet")
    assert quiet.code == 0 and UP_TO_DATE not in quiet.err and "lists no papers" in quiet.err
    assert snapshot(output) == before


def test_output_equals_a_cold_build(site, tmp_path):
    content, output = site
    fresh_build(content, output)
    assert UP_TO_DATE in build(content, output).err
    cold = tmp_path / "cold" / "site"
    assert build(content, cold, "--no-cache").code == 0
    from test_perf_build import assert_same_tree
    assert_same_tree(output, cold)


def edit(content: Path) -> None:
    path = content / "papers" / "smith-2019.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")


def same_size_same_mtime_edit(content: Path) -> None:
    path = content / "papers" / "smith-2019.md"
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    i = text.rindex("e")
    path.write_text(text[:i] + "E" + text[i + 1:], encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def add(content: Path) -> None:
    shutil.copy(content / "pages" / "about.md", content / "pages" / "about-copy.md")


def delete(content: Path) -> None:
    (content / "pages" / "about.md").unlink()


def rename(content: Path) -> None:
    (content / "pages" / "about.md").rename(content / "pages" / "about-us.md")


def edit_site_yaml(content: Path) -> None:
    path = content / "site.yaml"
    text = path.read_text(encoding="utf-8")
    assert "title: Minimal evidence base" in text
    path.write_text(text.replace("title: Minimal evidence base", "title: A renamed evidence base"), encoding="utf-8")


@pytest.mark.parametrize("change", [edit, same_size_same_mtime_edit, add, delete, rename, edit_site_yaml])
def test_a_content_change_means_a_full_build(site, change):
    content, output = site
    for path in content.rglob("*"):
        age(path)  # written long ago: the check trusts unchanged stats, so this tests the stat path
    fresh_build(content, output)
    change(content)
    run = build(content, output)
    assert run.code == 0 and UP_TO_DATE not in run.err and "built" in run.err
    assert UP_TO_DATE in build(content, output).err


def test_touch_alone_is_not_a_change(site):
    content, output = site
    for path in content.rglob("*"):
        age(path)
    fresh_build(content, output)
    paper = content / "papers" / "smith-2019.md"
    paper.touch()
    before = snapshot(output)
    assert UP_TO_DATE in build(content, output).err  # re-hashed, same bytes
    assert snapshot(output) == before
    manifest = uptodate.read_manifest(uptodate.manifest_path(output))
    assert manifest is not None and manifest.inputs.content["papers/smith-2019.md"][0][1] == paper.stat().st_mtime_ns


def test_ignored_files_are_not_inputs(site):
    content, output = site
    fresh_build(content, output)
    (content / "papers" / "_draft.md").write_text("not read by the loader\n", encoding="utf-8")
    (content / "notes.txt").write_text("neither\n", encoding="utf-8")
    assert UP_TO_DATE in build(content, output).err


@pytest.mark.parametrize("options", [("--base-url", "/evidence/"), ("--strict",), ("--no-cache",)])
def test_different_options_mean_a_full_build(site, options):
    content, output = site
    fresh_build(content, output)
    run = build(content, output, *options)
    assert UP_TO_DATE not in run.err
    if "--strict" in options:  # the minimal site has a warning: strict fails, and records nothing
        assert run.code == 1 and "build failed" in run.err
        assert uptodate.read_manifest(uptodate.manifest_path(output)) is None
        assert build(content, output, "--strict").code == 1
    else:
        assert run.code == 0
    assert UP_TO_DATE not in build(content, output).err  # and back: a full build again


def test_search_option_is_part_of_the_key(site, tmp_path):
    content, output = site
    fresh_build(content, output)
    from evidence_explorer.pipeline import BuildOptions
    off = uptodate.sign_inputs(BuildOptions(content=content, output=output, search=False), None)
    on = uptodate.sign_inputs(BuildOptions(content=content, output=output, search=True), None)
    assert off is not None and on is not None and off.key != on.key and off.content == on.content


@pytest.mark.parametrize("damage", ["edit", "delete", "add", "add-deep", "folder", "replace"])
def test_a_changed_output_means_a_full_build(site, damage):
    content, output = site
    fresh_build(content, output)
    page = output / "papers" / "smith-2019" / "index.html"
    if damage == "edit":
        page.write_text("tampered", encoding="utf-8")
    elif damage == "delete":
        (output / "sitemap.xml").unlink()
    elif damage == "add":
        (output / "extra.html").write_text("x", encoding="utf-8")
    elif damage == "add-deep":
        (page.parent / "extra.html").write_text("x", encoding="utf-8")
    elif damage == "folder":
        (page.parent / "empty").mkdir()
    else:  # the same bytes in a new file renamed over the page
        (page.parent / "tmp").write_bytes(page.read_bytes())
        os.replace(page.parent / "tmp", page)
    run = build(content, output)
    assert run.code == 0 and UP_TO_DATE not in run.err
    assert not (output / "extra.html").exists() and (output / "sitemap.xml").exists() and (output / MARKER).exists()
    assert not (page.parent / "extra.html").exists() and not (page.parent / "empty").exists()
    assert "tampered" not in page.read_text(encoding="utf-8")


def test_a_new_commit_means_a_full_build(site):
    content, output = site
    git = ["git", "-C", str(content), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    fresh_build(content, output)
    assert UP_TO_DATE in build(content, output).err
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "second"], check=True)
    assert UP_TO_DATE not in build(content, output).err
    assert UP_TO_DATE in build(content, output).err


def test_a_failed_build_leaves_no_manifest(site):
    content, output = site
    fresh_build(content, output)
    before = snapshot(output)
    bad = content / "papers" / "broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    assert build(content, output).code == 1
    assert uptodate.read_manifest(uptodate.manifest_path(output)) is None
    assert snapshot(output) == before  # the previous site stays
    bad.unlink()  # back to the inputs of the last successful build: still a full build
    run = build(content, output)
    assert run.code == 0 and UP_TO_DATE not in run.err


def test_a_corrupt_or_foreign_manifest_means_a_full_build(site):
    content, output = site
    fresh_build(content, output)
    path = uptodate.manifest_path(output)
    path.write_bytes(b"not a manifest")
    assert UP_TO_DATE not in build(content, output).err
    path.write_bytes(path.read_bytes()[:-10])
    assert UP_TO_DATE not in build(content, output).err
    assert UP_TO_DATE in build(content, output).err


def test_a_code_change_means_a_full_build(site, monkeypatch):
    content, output = site
    fresh_build(content, output)
    monkeypatch.setattr(uptodate, "tool_fingerprint", lambda: "another version")
    assert UP_TO_DATE not in build(content, output).err


def test_jobs_do_not_change_the_output_so_they_are_not_part_of_the_key(site):
    content, output = site
    fresh_build(content, output, "--jobs", "1")
    assert UP_TO_DATE in build(content, output, "--jobs", "2").err


def test_check_neither_reads_nor_writes_the_manifest(site, tmp_path):
    content, output = site
    run = run_cli("check", "--content", str(content))
    assert run.code == 0 and UP_TO_DATE not in run.err
    assert not (output.parent / ".cache").exists()
    fresh_build(content, output)
    assert UP_TO_DATE not in run_cli("check", "--content", str(content)).err


def test_search_on_after_off_means_a_full_build(site):
    content, output = site
    fresh_build(content, output)
    run = run_cli("build", "--content", str(content), "--output", str(output))
    if run.code != 0 and "search.failed" in run.err:
        pytest.skip("Pagefind is not usable here")
    assert run.code == 0 and UP_TO_DATE not in run.err and (output / "pagefind").is_dir()
    again = run_cli("build", "--content", str(content), "--output", str(output))
    assert again.code == 0 and UP_TO_DATE in again.err
    assert UP_TO_DATE not in build(content, output).err and not (output / "pagefind").exists()
