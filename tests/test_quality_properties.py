"""Property-based tests (hypothesis): reading and validating content never raises anything but a
located :class:`ContentError` / diagnostics, whatever the bytes or the front-matter values.

Run alone: ``./dev test tests/test_quality_properties.py``.
"""
from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_explorer.content.config import parse_config
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.content.load import (COLLECTIONS, ContentError, SourceFile, decode, parse_yaml,
                                            split_front_matter)
from evidence_explorer.content.fields import content_fields
from evidence_explorer.content.model import KINDS
from evidence_explorer.content.validate import build_entity

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONFIG = parse_config(parse_yaml(
    "title: T\ntheory_kinds: {component: C, factor: F}\n"
    "facets: {domain: {label: D, applies_to: [cmoc], values: {a: A, b: B}}}\n"), "site.yaml", Report())
FIELD_NAMES = sorted({n for cls in KINDS.values() for n in content_fields(cls)} | {"id", "extra", "domain"})

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
                    st.sampled_from(["10.1234/x", "https://x.org", "javascript:alert(1)", "R1", "../x",
                                     "2020", "n.d.", "enabler", "supports", "high", "a", "2020-01-01"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10)), inner, max_size=4)),
    max_leaves=12)
front_matter = st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12)), values,
                               max_size=8)


def read_text(raw: bytes):
    """The loader's path for one file's bytes: decode → split → YAML (ContentError on problems)."""
    text = decode(raw)
    yaml_text, body, body_line = split_front_matter(text)
    data = parse_yaml(yaml_text, line_offset=1)
    return data, body, body_line


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_content_errors(raw):
    try:
        read_text(raw)
    except ContentError as exc:
        assert exc.message and (exc.line is None or exc.line >= 1)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("-.\n\r\t :#&*!|>'\"[]{}%@`a1?,\\\ufeff")), max_size=200))
def test_yaml_like_text_raises_only_content_errors(text):
    try:
        read_text(text.encode("utf-8"))
    except ContentError as exc:
        assert exc.message and (exc.line is None or exc.line >= 1)


@SETTINGS
@given(st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=200),
       st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=200),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_split_keeps_body_and_counts_lines(yaml_part, body, newline, bom):
    """Any front matter without a '---' line splits back into exactly what was written."""
    yaml_part = "\n".join(l for l in yaml_part.replace("\r", "").split("\n") if l.rstrip() not in ("---", "..."))
    body = body.replace("\r", "")
    text = ("\ufeff" if bom else "") + newline.join(["---", yaml_part, "---", body])
    got_yaml, got_body, body_line = split_front_matter(decode(text.encode("utf-8")))
    assert got_yaml == yaml_part and got_body == body
    assert body_line == yaml_part.count("\n") + 4


@SETTINGS
@given(st.sampled_from(sorted(COLLECTIONS.values())), front_matter, st.text(max_size=80))
def test_model_validation_never_raises(kind, data, body):
    """Whatever the field values, validation gives an entity or located errors, never an exception."""
    raw = ("---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + body).encode("utf-8")
    try:
        parsed, body_text, body_line = read_text(raw)
    except ContentError:
        return
    if not hasattr(parsed, "line_of"):
        return  # the loader reports non-mapping front matter itself
    report = Report()
    src = SourceFile(kind, f"{kind}s/x.md", f"{kind}s/x.md", "x", parsed, body_text, body_line)
    entity = build_entity(src, CONFIG, report)
    if entity is None:
        assert report.errors, "an invalid file must say why"
        assert all(d.location and d.location.path == f"{kind}s/x.md" for d in report.errors)
    else:
        assert entity.id and entity.kind == kind
