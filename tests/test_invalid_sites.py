"""Each folder of tests/sites/invalid/ holds one class of error and its expected transcript.

``expected.txt`` is the exact diagnostics output followed by ``exit: N``.
Update them all with ``pytest tests/test_invalid_sites.py --update-transcripts``
and review the diff.
"""
from __future__ import annotations

import os
import resource
import time

import pytest

from conftest import SITES, run_cli

CASES = sorted(p.name for p in (SITES / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_invalid_site_transcript(case, tmp_path, update_transcripts):
    folder = SITES / "invalid" / case
    args_file = folder / "args.txt"
    extra = args_file.read_text().split() if args_file.exists() else []
    out = tmp_path / "site"
    start = time.perf_counter()
    run = run_cli("build", "--content", ".", "--output", str(out), "--no-search", *extra, cwd=folder)
    elapsed = time.perf_counter() - start
    transcript = run.err + f"exit: {run.code}\n"
    expected_file = folder / "expected.txt"
    if update_transcripts:
        expected_file.write_text(transcript, encoding="utf-8")
    assert "Traceback" not in run.err
    assert run.code in (1, 2), transcript
    assert not out.exists(), "a failed build must not write output"
    assert transcript == expected_file.read_text(encoding="utf-8")
    assert elapsed < 10


def test_every_case_has_a_transcript():
    missing = [c for c in CASES if not (SITES / "invalid" / c / "expected.txt").exists()]
    assert not missing
