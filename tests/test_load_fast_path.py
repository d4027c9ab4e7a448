"""The libyaml fast path of load.parse_yaml gives exactly what the pure-Python loader gives (values,
types and the line of every key and item), and its safety pre-check equals the reference formula."""
from __future__ import annotations

import random
import re
import sys
import importlib.util

import pytest
import yaml

from evidence_explorer.content import load

from conftest import ROOT, SITES

_spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
synth = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("synth", synth)
_spec.loader.exec_module(synth)  # type: ignore[union-attr]


def deep(value):
    if isinstance(value, load.LineDict):
        return ("map", value.line, dict(value.lines), {k: deep(v) for k, v in value.items()})
    if isinstance(value, load.LineList):
        return ("seq", value.line, list(value.lines), [deep(v) for v in value])
    return (type(value).__name__, value)


def parse_with(cls, text):
    loader = cls(text)
    loader.line_offset = 1
    try:
        return deep(loader.get_single_data())
    finally:
        loader.dispose()


def front_matters(tmp_path_factory):
    folders = [ROOT / "content", SITES, synth.write(30, tmp_path_factory.mktemp("synth") / "content")]
    for folder in folders:
        for path in sorted(folder.rglob("*.md")):
            try:
                yield path, load.split_front_matter(load.decode(path.read_bytes()))[0]
            except load.ContentError:
                continue


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML without libyaml")
def test_fast_loader_equals_the_pure_python_loader(tmp_path_factory):
    compared = 0
    for path, text in front_matters(tmp_path_factory):
        if not load._fast_path_safe(text):
            continue
        try:
            expected = parse_with(load._Loader, text)
        except Exception:
            continue  # errors are always reported by the pure-Python loader (parse_yaml falls back)
        try:
            fast = parse_with(load._FastLoader, text)
        except yaml.YAMLError:  # libyaml refuses surrogate escapes ("\ud83d\ude00") that the pure-Python
            assert "\\u" in text or "\\U" in text, path  # loader reads (and joins); parse_yaml falls back
            continue
        assert fast == expected, path
        compared += 1
    assert compared > 100


def reference_safe(text: str) -> bool:
    """The pre-check as first written: a Python loop over the lines."""
    if "\t" in text or load._ANCHOR_OR_ALIAS.search(text):
        return False
    indent = max((len(line) - len(line.lstrip(" ")) for line in text.split("\n")), default=0)
    return 2 * indent + text.count("[") + text.count("{") < load.MAX_YAML_DEPTH


def test_fast_path_precheck_equals_the_reference():
    rng = random.Random(7)
    parts = [" ", "  ", "\n", "a", "[", "{", "&x", "*y", "\t", "b: c", "- ", "x*y", "a & b"]
    for _ in range(20000):
        text = "".join(rng.choice(parts + [" " * rng.randint(0, 30)]) for _ in range(rng.randint(0, 40)))
        assert load._fast_path_safe(text) == reference_safe(text), repr(text)
    assert not load._fast_path_safe("a: " + "[" * 50)
    assert not load._fast_path_safe("a:\n" + " " * 25 + "b: c")
    assert load._fast_path_safe("a:\n" + " " * 24 + "b: c")
