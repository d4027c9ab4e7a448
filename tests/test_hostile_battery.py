"""The hostile-input battery: each folder of tests/sites/battery/ is one attack or fault, run
through the real command in a subprocess, with its expected transcript.

A case folder holds:

- ``content/``: the evidence base (copied to a temporary folder before the run);
- ``args.txt`` (optional): the command's arguments, one per line; ``{content}`` and ``{output}``
  stand for the copied content folder and a fresh output folder beside it. Default:
  ``build --content {content} --output {output} --no-search``;
- ``setup.py`` (optional): ``def setup(work: Path) -> None``, called with the temporary folder
  (which holds ``content/``) to make what git cannot store: FIFOs, symlinks, huge or sparse files;
- ``expected.txt``: standard error, then ``exit: N``; the temporary folder's path is written as
  ``<work>``. Update with ``pytest tests/test_hostile_battery.py --update-transcripts``.

Every case must end with exit 1 or 2 (a located content or usage error), never 3 (a bug), never a
traceback, never a hang: the timeout only guards against hangs, speed belongs in benchmarks.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SITES

BATTERY = SITES / "battery"
CASES = sorted(p.name for p in BATTERY.iterdir() if p.is_dir()) if BATTERY.is_dir() else []
TIMEOUT = 120
DEFAULT_ARGS = ["build", "--content", "{content}", "--output", "{output}", "--no-search"]


def _prepare(case: Path, work: Path) -> None:
    if (case / "content").is_dir():
        shutil.copytree(case / "content", work / "content", symlinks=True)
    else:
        (work / "content").mkdir()
    setup_file = case / "setup.py"
    if setup_file.exists():
        spec = importlib.util.spec_from_file_location(f"battery_setup_{case.name}", setup_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.setup(work)


def _args(case: Path, work: Path) -> list[str]:
    args_file = case / "args.txt"
    lines = args_file.read_text(encoding="utf-8").splitlines() if args_file.exists() else DEFAULT_ARGS
    subst = {"{content}": str(work / "content"), "{output}": str(work / "site")}
    out = []
    for line in lines:
        if not line.strip():
            continue
        for key, value in subst.items():
            line = line.replace(key, value)
        out.append(line)
    return out


@pytest.mark.parametrize("case", CASES)
def test_battery_case(case, tmp_path, update_transcripts):
    folder = BATTERY / case
    work = tmp_path / "work"
    work.mkdir()
    _prepare(folder, work)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    env.pop("EVIDENCE_EXPLORER_DEBUG", None)
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "build.py"), *_args(folder, work)],
                              cwd=work, env=env, capture_output=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}: still running after {TIMEOUT} s (a hang)")
    err = proc.stderr.decode("utf-8", "backslashreplace").replace(str(work), "<work>")
    transcript = err + f"exit: {proc.returncode}\n"
    expected_file = folder / "expected.txt"
    if update_transcripts:
        expected_file.write_text(transcript, encoding="utf-8")
    assert "Traceback" not in err, transcript
    assert proc.returncode in (1, 2), transcript
    assert transcript == expected_file.read_text(encoding="utf-8")


def test_every_case_has_a_transcript():
    missing = [c for c in CASES if not (BATTERY / c / "expected.txt").exists()]
    assert not missing
