"""The generated JSON Schemas: in sync with the model, accept every valid file, reject what check rejects."""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import jsonschema as js
import pytest

from conftest import run_cli
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.authoring.json_schema import kind_schema, schema_files
from evidence_explorer.content.load import COLLECTIONS, read_source
from evidence_explorer.content.model import KINDS
from evidence_explorer.pipeline import load_config
from evidence_explorer.content.fields import content_fields

ROOT = Path(__file__).resolve().parents[1]
INVALID = ROOT / "tests" / "sites" / "invalid"

SCHEMA_CASES = ["bad-doi", "bad-id", "facet-value", "mechanism-both", "missing-required", "unknown-field",
                "wrong-type"]
"""Invalid fixtures whose problems are about one file's front matter (what JSON Schema can express).
The others are YAML syntax, encodings, ids across files, links and cycles: only ``check`` sees them."""


def front_matter_files(content: Path) -> list[tuple[str, str, Path]]:
    """(kind, content-relative path, path) of every Markdown file of every collection."""
    out = []
    for folder, kind in COLLECTIONS.items():
        for path in sorted((content / folder).rglob("*.md")) if (content / folder).is_dir() else []:
            out.append((kind, path.relative_to(content).as_posix(), path))
    return out


@functools.lru_cache(maxsize=None)
def validator(kind: str, content: Path) -> js.Draft7Validator:
    """The schema of ``kind`` for the (unchanging) content directory, made and checked once per kind:
    the demo has hundreds of files."""
    config = load_config(content, Report())
    schema = kind_schema(kind, config)
    js.Draft7Validator.check_schema(schema)
    return js.Draft7Validator(schema)


def test_committed_schemas_are_in_sync_with_the_model():
    committed = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "schema").glob("*.json")}
    assert committed == schema_files(), "schema/ is out of date: run 'python build.py schema'"
    assert run_cli("schema", "--check", "--output", str(ROOT / "schema")).code == 0


def test_every_field_of_every_kind_is_in_its_schema():
    for kind, cls in KINDS.items():
        schema = kind_schema(kind)
        assert schema["additionalProperties"] is False
        assert set(content_fields(cls)) <= set(schema["properties"]), kind
        for name, f in content_fields(cls).items():
            assert schema["properties"][name]["description"] == f.metadata["doc"]
            assert (name in schema["required"]) == (f.metadata["required"] and name != "id")


@pytest.mark.parametrize("content", [ROOT / "content", ROOT / "tests" / "sites" / "minimal"],
                         ids=["demo", "minimal"])
def test_every_valid_file_passes_its_schema(content):
    checked = 0
    for kind, rel, path in front_matter_files(content):
        data = read_source(path, rel, rel, kind).data
        errors = [e.message for e in validator(kind, content).iter_errors(data)]
        assert errors == [], f"{rel}: {errors}"
        checked += 1
    assert checked > 5


@pytest.mark.parametrize("case", SCHEMA_CASES)
def test_schema_rejects_what_check_rejects(case):
    content = INVALID / case
    run = run_cli("check", "--content", str(content))
    assert run.code == 1
    rejected: dict[str, list[str]] = {}
    for line in run.lines:
        m = re.match(rf"{re.escape(str(content))}/(\S+?\.md):(\d+): error: (.*) \[(schema\.[\w-]+)\]$", line)
        if m and not m.group(3).startswith("file name gives"):  # a file name is not front matter
            rejected.setdefault(m.group(1), []).append((int(m.group(2)), m.group(3)))
    assert rejected, run.err
    for kind, rel, path in front_matter_files(content):
        data = read_source(path, rel, rel, kind).data
        errors = list(validator(kind, content).iter_errors(data))
        if rel not in rejected:
            assert errors == [], f"{case}/{rel}: check accepts it, the schema does not: {errors}"
            continue
        assert errors, f"{case}/{rel}: check rejects it ({rejected[rel]}), the schema accepts it"
        # the field of each check error is the subject of a schema error too
        at_path = {str(e.absolute_path[0]) for e in errors if e.absolute_path}
        other = " ".join(e.message + json.dumps(e.schema.get("description", "")) for e in errors
                         if not e.absolute_path)
        for line, message in rejected[rel]:
            if line > 1:  # the top-level key written on (or above) that line
                field = max((k for k in data if data.line_of(k) <= line), key=data.line_of)
            else:  # a missing field: named first in the message
                field = re.findall(r"'([a-z_]+)'", message)[0]
            assert field in at_path or f"'{field}'" in other, \
                f"{case}/{rel}:{line}: {message!r} ({field}) not matched by {at_path} {other}"


def test_empty_optional_values_are_allowed_but_empty_required_ones_are_not():
    schema = js.Draft7Validator(kind_schema("paper"))
    good = {"title": "T", "authors": ["Doe J"], "year": 2020, "journal": None, "setting": None}
    assert list(schema.iter_errors(good)) == []
    assert list(schema.iter_errors({**good, "title": None}))
    assert list(schema.iter_errors({**good, "jurnal": "x"}))


def test_schema_command_writes_facets_of_a_site(make_site, tmp_path):
    content = make_site({}, site_yaml="title: T\ntheory_kinds: {component: Component, mrt: MRT}\nfacets:\n"
                        "  domain: {label: Domain, applies_to: [cmoc], values: {a: A, b: B}}\n")
    out = tmp_path / "schemas"
    run = run_cli("schema", "--content", str(content), "--output", str(out))
    assert run.code == 0, run.err
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.schema.json" for k in KINDS)
    cmoc = json.loads((out / "cmoc.schema.json").read_text(encoding="utf-8"))
    assert cmoc["properties"]["domain"]["anyOf"][0]["anyOf"][0] == {"enum": ["a", "b"]}
    theory = json.loads((out / "theory.schema.json").read_text(encoding="utf-8"))
    assert theory["properties"]["kind"]["anyOf"][0] == {"enum": ["component", "mrt"]}
    assert run_cli("schema", "--content", str(content), "--output", str(out), "--check").code == 0
    assert run_cli("schema", "--output", str(out), "--check").code == 1  # the model-only schema differs
    assert run_cli("schema", "--content", str(tmp_path / "nowhere")).code == 2


def test_schema_check_names_what_is_missing_and_the_command_that_fixes_it(make_site, tmp_path):
    """``schema --check`` tells a missing file from an out-of-date one, and gives the command with
    the same ``--content`` and ``--output`` (plain ``schema`` would not make that check pass)."""
    content = make_site({}, site_yaml="title: T\ntheory_kinds: {component: Component}\n")
    out = tmp_path / "schemas"
    missing = run_cli("schema", "--content", str(content), "--output", str(out), "--check")
    assert missing.code == 1 and f"cmoc.schema.json: missing; run 'evidence-explorer schema --content {content} " \
        f"--output {out}'" in missing.err
    assert run_cli("schema", "--output", str(out)).code == 0  # the model-only schemas
    stale = run_cli("schema", "--content", str(content), "--output", str(out), "--check")
    assert stale.code == 1 and "theory.schema.json: out of date; run 'evidence-explorer schema --content" in stale.err
    assert run_cli("schema", "--content", str(content), "--output", str(out)).code == 0
    assert run_cli("schema", "--content", str(content), "--output", str(out), "--check").code == 0
