"""The replaced site is deleted by a detached background process (speed/background.py).

The real command's caller must see it end at once (no inherited pipe held open by the remover), the
folder must be gone soon after, a build starting meanwhile must leave the live remover's folder
alone, and plain mode must delete synchronously.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from evidence_explorer.site.publish import MARKER, remove_abandoned

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "sites" / "minimal"


def _wait_gone(paths, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(p.exists() for p in paths):
            return True
        time.sleep(0.05)
    return False


def _leftovers(parent: Path, name: str) -> list[Path]:
    return sorted(p for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_remover_is_detached_and_a_live_one_is_left_alone(tmp_path):
    old = tmp_path / ".site.staging-1"
    (old / "papers" / "a").mkdir(parents=True)
    (old / MARKER).write_text("ours\n")
    (old / "papers" / "a" / "index.html").write_text("<p>old</p>\n")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / MARKER).write_text("ours\n")
    # the remover is slowed down: the command must still end at once, its pipe closed
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from evidence_explorer.speed import background
        real = background.remove_tree
        def slow(folder):
            time.sleep(4)
            real(folder)
        background.remove_tree = slow
        background.remove_later(Path({str(old)!r}))
        print("done")
    """)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    assert run.stdout == "done\n"
    assert took < 3.5, f"the caller waited {took:.1f} s for the background remover"
    assert not old.exists()  # renamed before the command ended: nothing can reuse it meanwhile
    deadline = time.monotonic() + 10
    while True:  # then renamed by the remover to its own pid...
        trash = _leftovers(tmp_path, "site")
        assert len(trash) == 1 and ".trash-" in trash[0].name, trash
        if _alive(int(trash[0].name.rsplit("-", 1)[1])) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    remove_abandoned(tmp_path / "site")  # ...which a build starting meanwhile leaves alone (it is alive)
    assert trash[0].exists()
    assert _wait_gone(trash), "the background remover did not delete the replaced site"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _build(output: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_EXPLORER_")}
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(MINIMAL),
                           "--output", str(output), "--no-search", "--quiet"],
                          capture_output=True, text=True, timeout=300, env={**environ, **(env or {})})


def test_build_deletes_the_replaced_site_in_the_background(tmp_path):
    out = tmp_path / "site"
    for _ in range(2):
        result = _build(out)
        assert result.returncode == 0, result.stderr
    assert (out / "index.html").is_file()
    assert _wait_gone(_leftovers(tmp_path, "site")), _leftovers(tmp_path, "site")


def test_plain_mode_deletes_the_replaced_site_before_it_ends(tmp_path):
    out = tmp_path / "site"
    for _ in range(2):
        result = _build(out, {"EVIDENCE_EXPLORER_PLAIN": "1"})
        assert result.returncode == 0, result.stderr
        assert _leftovers(tmp_path, "site") == []


def test_a_spare_site_no_longer_used_is_deleted_in_the_background(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    page = next(content.glob("papers/*.md"))
    out = tmp_path / "site"
    for n, extra in enumerate(((), ("--page-cache",), ("--page-cache",), ())):
        page.write_text(page.read_text(encoding="utf-8") + f"\nEdit {n}.\n", encoding="utf-8")
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content),
                                 "--output", str(out), "--no-search", "--quiet", *extra],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        if n == 2:
            assert (tmp_path / ".site.spare").is_dir()  # the page cache keeps the replaced site
    # the last build no longer needs the spare: renamed at once, deleted in the background
    assert not (tmp_path / ".site.spare").exists()
    assert _wait_gone(_leftovers(tmp_path, "site")), _leftovers(tmp_path, "site")
