"""Speed plugs in from outside: with every accelerator off (one switch, ``EVIDENCE_EXPLORER_PLAIN=1``:
one process, no caches, the pure-Python YAML loader, Python-Markdown's stock inline processor, no memory
tuning) the demo and a synthetic base build byte for byte what they build with worker processes and a
cold and a warm Markdown cache, and every invalid site gives its transcript (docs/architecture.md)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from evidence_explorer.options import BuildOptions
from evidence_explorer.pipeline import PLAIN_ENV, build, plain
from evidence_explorer.speed import parallel

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
synth = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("synth", synth)
_spec.loader.exec_module(synth)  # type: ignore[union-attr]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_plain_turns_every_accelerator_off():
    options = plain(BuildOptions(jobs=4))
    assert (options.jobs, options.cache, options.fast_paths, options.tune_memory) == (1, False, False, False)


@pytest.mark.parametrize("base", ["demo", "synthetic"])
def test_a_plain_build_equals_an_accelerated_one(base, tmp_path, monkeypatch):
    content = ROOT / "content" if base == "demo" else synth.write(300, tmp_path / "content")
    fast = BuildOptions(content=content, output=tmp_path / "fast", search=False, jobs=2)
    assert parallel.effective_jobs(2, 1000) == 2, "the workers must really fork here"
    cold = build(fast)
    assert cold.written and not cold.report.errors
    cold_tree = tree(fast.output)
    warm = build(fast)  # the Markdown cache written by the first build, read back
    assert warm.written and tree(fast.output) == cold_tree
    monkeypatch.setenv(PLAIN_ENV, "1")
    slow = build(BuildOptions(content=content, output=tmp_path / "plain", search=False, jobs=2))
    assert slow.written and slow.files == cold.files
    assert tree(tmp_path / "plain") == cold_tree


INVALID = sorted(p.name for p in (ROOT / "tests" / "sites" / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", INVALID)
def test_plain_builds_give_the_same_transcripts(case, tmp_path, monkeypatch):
    """Every invalid site's diagnostics, with every accelerator off, are its expected transcript."""
    folder = ROOT / "tests" / "sites" / "invalid" / case
    args_file = folder / "args.txt"
    extra = args_file.read_text().split() if args_file.exists() else []
    monkeypatch.setenv(PLAIN_ENV, "1")
    run = run_cli("build", "--content", ".", "--output", str(tmp_path / "site"), "--no-search", *extra, cwd=folder)
    assert run.err + f"exit: {run.code}\n" == (folder / "expected.txt").read_text(encoding="utf-8")
