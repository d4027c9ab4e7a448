"""Bad-input battery, the cases that cannot live as files in git (a 10 MB body, symlink loops),
resource bounds (time and memory, in a child process under an address-space limit), files that
must be ACCEPTED (BOM, CRLF), and "a failed build leaves the previous site intact" for every
folder of ``tests/sites/invalid/``.

Run alone: ``./dev test tests/test_quality_bad_input.py``.
"""
from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SITES, run_cli

MEMORY_LIMIT = 1536 * 1024 * 1024
TIME_LIMIT = 30.0
INVALID = sorted(p.name for p in (SITES / "invalid").iterdir() if p.is_dir())

GOOD = {
    "site.yaml": "title: Battery\n",
    "theories/T1.md": "---\ntitle: A theory\n---\nBody.\n",
    "papers/smith-2019.md": "---\ntitle: Teams\nauthors: [Smith J]\nyear: 2019\ntheories: [T1]\n---\nNotes.\n",
}


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return root


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(path.relative_to(root).as_posix().encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def build_limited(content: Path, output: Path, *extra: str) -> tuple[int, str, float]:
    """``build.py build`` in a child process with at most MEMORY_LIMIT of address space."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_EXPLORER_DEBUG"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content),
                           "--output", str(output), "--no-search", *extra],
                          capture_output=True, text=True, timeout=TIME_LIMIT * 2, preexec_fn=limit,
                          env=env, check=False)
    return proc.returncode, proc.stderr, time.perf_counter() - start


def _big_body() -> dict[str, str | bytes]:
    body = ("Lorem ipsum *dolor* sit amet, [[T1]] consectetur. " * 20 + "\n\n") * 10_500
    assert len(body) > 10 * 1024 * 1024
    return {"papers/big.md": "---\ntitle: Big\nauthors: [A]\nyear: 2020\ntheories: [T1]\n---\n" + body}


GENERATED = {
    "10mb-body": (_big_body, ["papers/big.md: error: file is 10 MB, larger than the 2 MB limit "
                              "[file.too-large]"]),
    "symlink-loop": (None, ["papers/loop/loop: error: symbolic link loop: this folder was already read "
                            "[file.symlink-loop]"]),
    "symlink-self": (None, ["papers/self.md: error: cannot read file: Too many levels of symbolic links "
                            "[file.unreadable]"]),
}


def make_generated(case: str, content: Path) -> None:
    write_site(content, GOOD)
    make = GENERATED[case][0]
    if make is not None:
        write_site(content, make())
    elif case == "symlink-loop":
        (content / "papers" / "loop").mkdir()
        (content / "papers" / "loop" / "loop").symlink_to("..", target_is_directory=True)
    elif case == "symlink-self":
        (content / "papers" / "self.md").symlink_to("self.md")


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_bad_input_is_located_bounded_and_keeps_the_site(case, tmp_path):
    content, out = tmp_path / "content", tmp_path / "site"
    write_site(content, GOOD)
    code, err, _ = build_limited(content, out)
    assert code == 0, err
    before = tree_digest(out)
    make_generated(case, content)
    code, err, elapsed = build_limited(content, out)
    assert "Traceback" not in err and code == 1, err
    for line in GENERATED[case][1]:
        assert line in err.replace(str(content) + "/", ""), err
    assert elapsed < TIME_LIMIT
    assert tree_digest(out) == before, "a failed build must leave the previous site untouched"


@pytest.mark.parametrize("case", ["yaml-alias-bomb", "yaml-deep-nesting", "binary-file", "invalid-utf8",
                                  "tabs-in-yaml", "unclosed-front-matter", "id-with-slash"])
def test_hostile_fixture_is_bounded_in_time_and_memory(case, tmp_path):
    code, err, elapsed = build_limited(SITES / "invalid" / case, tmp_path / "site")
    assert code == 1 and "Traceback" not in err, err
    assert elapsed < TIME_LIMIT
    assert not (tmp_path / "site").exists()


def test_memory_limit_is_real(tmp_path):
    """The bound can fail: a child that allocates past MEMORY_LIMIT dies."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    proc = subprocess.run([sys.executable, "-c", f"b = bytearray({MEMORY_LIMIT * 2})"], preexec_fn=limit,
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "MemoryError" in proc.stderr


@pytest.mark.parametrize("case", INVALID)
def test_failed_build_keeps_the_previous_site(case, tmp_path):
    """Build a good site into OUT, then each invalid fixture into the same OUT: nothing changes."""
    out = tmp_path / "site"
    good = write_site(tmp_path / "good", GOOD)
    assert run_cli("build", "--content", str(good), "--output", str(out), "--no-search", "--quiet").code == 0
    before = tree_digest(out)
    folder = SITES / "invalid" / case
    args_file = folder / "args.txt"
    extra = args_file.read_text().split() if args_file.exists() else []
    run = run_cli("build", "--content", ".", "--output", str(out), "--no-search", *extra, cwd=folder)
    assert run.code in (1, 2) and "Traceback" not in run.err, run.err
    assert tree_digest(out) == before
    assert not list(tmp_path.glob(".site.*")), "no staging or old directory may be left behind"


# --- accepted: BOM, CRLF, old Mac CR ----------------------------------------------------------------

def test_bom_and_crlf_files_are_accepted(tmp_path):
    files = dict(GOOD)
    files["papers/smith-2019.md"] = ("\ufeff---\r\ntitle: Teams with a BOM and CRLF\r\nauthors: [Smith J]\r\n"
                                     "year: 2019\r\ntheories: [T1]\r\n---\r\nLine one.\r\n\r\nLine two.\r\n"
                                     ).encode("utf-8")
    files["theories/T1.md"] = b"---\r\ntitle: CRLF theory\r\n---\r\nBody with [[smith-2019]].\r\n"
    files["site.yaml"] = "\ufefftitle: Battery with a BOM\r\n".encode("utf-8")
    content = write_site(tmp_path / "content", files)
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search")
    assert run.code == 0, run.err
    paper = (out / "papers" / "smith-2019" / "index.html").read_text(encoding="utf-8")
    assert "Teams with a BOM and CRLF</h1>" in paper or ">Teams with a BOM and CRLF<" in paper
    assert "\ufeff" not in paper and "\r" not in paper
    assert "<p>Line one.</p>" in paper and "<p>Line two.</p>" in paper
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>Battery with a BOM" in home


def test_crlf_file_errors_have_the_right_line(tmp_path):
    files = dict(GOOD)
    files["papers/smith-2019.md"] = ("\ufeff---\r\ntitle: Teams\r\nauthors: [Smith J]\r\nyaer: 2019\r\n"
                                     "theories: [T1]\r\n---\r\n").encode("utf-8")
    content = write_site(tmp_path / "content", files)
    run = run_cli("check", "--content", str(content))
    assert run.code == 1
    assert f"{content}/papers/smith-2019.md:4: error: unknown field 'yaer' (did you mean 'year'?) " \
           "[schema.unknown-field]" in run.err, run.err


def test_content_dir_that_is_a_symlink_to_itself_is_reported(tmp_path):
    (tmp_path / "content").symlink_to(tmp_path / "content")
    run = run_cli("check", "--content", str(tmp_path / "content"))
    assert run.code in (1, 2) and "Traceback" not in run.err, run.err
    assert "content" in run.err
