"""``new KIND ID``: the right folder, every field present and commented, never overwrites."""
from __future__ import annotations

import re

import jsonschema as js
import pytest
import yaml

from conftest import run_cli
from evidence_explorer.authoring.json_schema import folder_of, kind_schema
from evidence_explorer.content.model import KINDS
from evidence_explorer.content.fields import content_fields
from evidence_explorer.authoring.scaffold import site_config

SITE = ("title: T\ntheory_kinds: {component: Component, mrt: Middle-range theory}\nfacets:\n"
        "  domain: {label: Outcome domain, applies_to: [cmoc], values: {staff: Staff, patients: Patients}}\n")
PAPER = "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\ntheories: [T1]\n---\n"
THEORY = "---\ntitle: Theory one\n---\n"


def front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1]) or {}


@pytest.mark.parametrize("kind", list(KINDS))
def test_new_writes_every_field_commented_and_check_asks_only_for_required_ones(kind, make_site):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY}, site_yaml=SITE)
    run = run_cli("new", kind, "fresh-1", "--content", str(content))
    assert run.code == 0, run.err
    path = content / folder_of(kind) / "fresh-1.md"
    assert run.err.strip() == f"wrote {path}: fill in the required fields, then run 'check'"
    text = path.read_text(encoding="utf-8")
    data = front_matter(text)
    fields = content_fields(KINDS[kind])
    for name, f in fields.items():
        if name == "id":
            assert "# id: fresh-1" in text
            continue
        assert name in data, f"{name} missing"
        line = next(line for line in text.split("\n") if line.startswith(f"{name}:"))
        assert f"# {'required. ' if f.metadata['required'] else ''}{f.metadata['doc']}" in line
    if kind == "theory":
        assert data["kind"] == "component" and "one of: component, mrt" in text
    if kind == "cmoc":
        assert data["domain"] == [] and "one or more of staff, patients" in text
        assert "#   - paper: PAPER-ID" in text  # nested records come with an example

    # check reports each required field, at its line, and nothing else about this file
    check = run_cli("check", "--content", str(content))
    own = [line for line in check.lines if "fresh-1.md" in line]
    required = [n for n, f in fields.items() if f.metadata["required"]]
    if kind == "cmoc":
        required.append("mechanism")
    assert len(own) == len(required), own
    for name in required:
        assert any(re.search(rf"fresh-1\.md:\d+: error: missing required field '{name}'", line) for line in own)

    # the editor's schema says the same: only the required fields are wrong
    errors = list(js.Draft7Validator(kind_schema(kind, site_config(content))).iter_errors(data))
    assert errors and all((e.absolute_path and e.absolute_path[0] in required) or e.validator == "anyOf"
                          for e in errors), [e.message for e in errors]


def test_a_filled_in_scaffold_builds(make_site):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY}, site_yaml=SITE)
    assert run_cli("new", "cmoc", "c1", "--content", str(content)).code == 0
    path = content / "cmocs" / "c1.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^context:", "context: Busy practices", text, flags=re.M)
    text = re.sub(r"^mechanism:", "mechanism: Staff trust the new role", text, flags=re.M)
    text = re.sub(r"^outcome:", "outcome: Fewer referrals", text, flags=re.M)
    text = re.sub(r"^sources:", "sources: [doe-2020]", text, flags=re.M)
    text = re.sub(r"^theories: \[\]", "theories: [T1]", text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    run = run_cli("check", "--content", str(content), "--strict")
    assert run.code == 0, run.err


def test_new_refuses_to_overwrite_and_validates_the_id(make_site):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    before = (content / "papers" / "doe-2020.md").read_text(encoding="utf-8")
    run = run_cli("new", "paper", "doe-2020", "--content", str(content))
    assert run.code == 2
    assert run.err.strip() == f"error: {content / 'papers' / 'doe-2020.md'} already exists; not overwriting it"
    assert (content / "papers" / "doe-2020.md").read_text(encoding="utf-8") == before

    run = run_cli("new", "cmoc", "t1", "--content", str(content))  # ids are unique across kinds, any case
    assert run.code == 2 and "id 't1' is already used by" in run.err and "T1.md" in run.err
    assert not (content / "cmocs" / "t1.md").exists()

    run = run_cli("new", "paper", "../escape", "--content", str(content))
    assert run.code == 2 and run.err.startswith("error: invalid id '../escape'")
    assert not (content.parent / "escape.md").exists()

    run = run_cli("new", "article", "x", "--content", str(content))
    assert run.code == 2 and "unknown kind 'article': use one of review, question, theory" in run.err

    assert run_cli("new", "paper", "x", "--content", str(content / "missing")).code == 2


def test_explicit_ids_count_as_taken(make_site):
    content = make_site({"papers/doe-2020.md": "---\nid: Smith-2019\ntitle: A\nauthors: [S]\nyear: 2019\n---\n"})
    run = run_cli("new", "cmoc", "smith-2019", "--content", str(content))
    assert run.code == 2 and "already used by" in run.err
