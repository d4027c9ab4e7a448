"""Gates on a synthetic corpus (``benchmarks/synth.py``): shapes the demo does not have (500 CMOCs,
long indexes, many matrix cells) are valid HTML and have no broken link, under a sub-path base URL.

Run alone: ``./dev test tests/test_quality_synthetic.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from quality.links import check_site, check_sitemap
from quality.tools import vnu_jar
from quality.vnu import validate

BASE = "/evidence/"


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    root = tmp_path_factory.mktemp("synthetic")
    content = synth.write(250, root / "content", seed=9)
    out = root / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--base-url", BASE,
                  "--no-search", "--quiet")
    assert run.code == 0, run.err
    return out


def test_synthetic_site_has_no_broken_links(synthetic_site):
    assert len(list(synthetic_site.rglob("*.html"))) > 700
    broken = check_site(synthetic_site, BASE) + check_sitemap(synthetic_site, BASE)
    assert not broken, "\n".join(map(str, broken[:50]))


def test_synthetic_site_is_valid_html(synthetic_site):
    errors = validate(vnu_jar(), [synthetic_site], root=synthetic_site)
    assert not errors, "\n".join(map(str, errors[:50]))
