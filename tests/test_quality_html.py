"""Gate: every page of the demo and fixture sites is valid HTML per the Nu Html Checker (vnu).

Run alone: ``./dev test tests/test_quality_html.py``.
"""
from __future__ import annotations

from pathlib import Path

from quality.tools import vnu_jar
from quality.vnu import validate


def _report(errors) -> str:
    return f"{len(errors)} HTML errors:\n" + "\n".join(map(str, errors[:50]))


def test_vnu_reports_invalid_html(tmp_path):
    """The gate can fail: vnu finds the errors of a deliberately broken page, with lines."""
    (tmp_path / "bad.html").write_text(
        "<!DOCTYPE html>\n<html lang=en><head><title>x</title></head>\n"
        "<body><p><div></p>\n<a href=x><a href=y>nested</a></a></body></html>\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not HTML, skipped", encoding="utf-8")
    errors = validate(vnu_jar(), [tmp_path], root=tmp_path)
    assert errors and all(e.file == "bad.html" for e in errors)
    assert any("“p”" in e.message and e.line == 3 for e in errors), _report(errors)
    assert any("“a”" in e.message and e.line == 4 for e in errors), _report(errors)


def test_demo_site_is_valid_html(demo_site: Path):
    pages = list(demo_site.rglob("*.html"))
    assert len(pages) > 300, "the demo should build a page per entity"
    errors = validate(vnu_jar(), [demo_site], root=demo_site)
    assert not errors, _report(errors)


def test_minimal_fixture_is_valid_html(minimal_site: Path):
    """The minimal fixture uses every kind and every field: optional parts render validly too."""
    errors = validate(vnu_jar(), [minimal_site], root=minimal_site)
    assert not errors, _report(errors)


def _newer_than_vnu(error) -> bool:
    """CSS that vnu's checker predates: container queries (CSS Containment Level 3, in every browser
    since 2023): ``container-type`` and ``cqi`` units; nothing else is let through."""
    return "“container-type”: Property “container-type” doesn't exist." in error.message or (
        error.message.endswith("Unknown dimension.") and "cqi" in error.extract)


def test_stylesheets_are_valid_css(demo_site: Path, tmp_path):
    sheets = sorted((demo_site / "static").glob("*.css"))
    assert sheets
    errors = [e for e in validate(vnu_jar(), sheets, root=demo_site, css=True) if not _newer_than_vnu(e)]
    assert not errors, _report(errors)
    (tmp_path / "bad.css").write_text("a { colr: red; margin: 1 }\n", encoding="utf-8")
    assert validate(vnu_jar(), [tmp_path / "bad.css"], css=True), "the CSS check can fail"
