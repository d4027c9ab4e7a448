"""Every value validated where it enters (issue 14, items 5, 8, 11, 12): site.yaml's base_url and
language, --base-url, YAML numbers and tags, text without control characters or lone surrogates,
ids (length, a final newline), extra values JSON-safe, control characters escaped in diagnostics."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from evidence_explorer.content.config import LANGUAGE_TAG
from evidence_explorer.content.diagnostics import Diagnostic, Location, Severity
from evidence_explorer.content.load import ContentError, parse_yaml
from evidence_explorer.content.fields import MAX_ID_LENGTH, Extra, FieldError, check_id, is_id
from evidence_explorer.content.textsafe import checked_text, escape_controls, json_value
from evidence_explorer.content.urls import normalise_base_url, valid_base_url

PAPER = "---\ntitle: A study\nauthors: [Smith J]\nyear: 2020\n{more}---\nBody.\n"


@pytest.mark.parametrize("base, ok", [
    ("/", True), ("/evidence/", True), ("evidence", True), ("/a/b-c_d.e~f/", True), ("/%C3%A9t%C3%A9/", True),
    ("https://example.org/evidence/", True), ("http://localhost:8000/", True), ("https://example.org", True),
    ("javascript://x/%0aalert(1)", False), ("javascript:alert(1)", False), ("data:text/html,x", False),
    ("//evil.example/", False), ("/a//b/", False), ("https://user@evil.example/", False),
    ("https://good.example@evil.example/", False), ("/a b/", False), ("/a\"b/", False), ("/a'b/", False),
    ("/a<b>/", False), ("/a\\b/", False), ("/a?x=1", False), ("/a#x", False), ("/%zz/", False),
    ("ftp://example.org/", False), ("https:///x", False), ("/x\n", False), ("", False),
])
def test_base_url_is_a_path_or_an_http_url(base, ok):
    assert valid_base_url(base) is ok
    if ok:
        assert normalise_base_url(base).endswith("/")


@pytest.mark.parametrize("tag, ok", [
    ("en", True), ("en-GB", True), ("pt-BR", True), ("zh-Hant-TW", True), ("sr-Latn", True),
    ("de-CH-1996", True), ("es-419", True), ("ca-ES-valencia", True), ("x-private", True), ("en-x-a", True),
    ("EN-gb", True), ("../x", False), ("en_GB", False), ('en"', False), ("e", False), ("en-", False),
    ("english language", False), ("en-GB-", False), ("abcdefghi", False), ("en\n", False),
])
def test_language_is_a_bcp47_tag(tag, ok):
    assert (LANGUAGE_TAG.fullmatch(tag) is not None) is ok


@pytest.mark.parametrize("site_yaml, message", [
    ('title: T\nbase_url: "javascript://x/%0aalert(1)"\n', "site.yaml:2: error: 'base_url' must be a path"),
    ("title: T\nbase_url: //evil.example/\n", "site.yaml:2: error: 'base_url' must be a path"),
    ('title: T\nlanguage: "../../x"\n', "site.yaml:2: error: 'language' must be a BCP 47 language tag"),
    ("title: T\nlanguage: en-abcdefgh-abcdefgh-a-bb-abcdefg\n", "(at most 20 characters)"),
])
def test_site_yaml_values_are_checked_with_exit_2(make_site, tmp_path, site_yaml, message):
    content = make_site({"papers/p.md": PAPER.format(more="")}, site_yaml)
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"), "--no-search")
    assert run.code == 2, run.err
    assert message in run.err
    assert not (tmp_path / "out").exists()


def test_base_url_option_is_checked_with_exit_2(make_site, tmp_path):
    content = make_site({"papers/p.md": PAPER.format(more="")})
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"), "--no-search",
                  "--base-url", "javascript:alert(1)//")
    assert run.code == 2
    assert run.err == "error: --base-url must be a path like /evidence/ or an http(s) URL like "\
                      "https://example.org/evidence/, got 'javascript:alert(1)//'\n"
    assert not (tmp_path / "out").exists()
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"), "--no-search",
                  "--base-url", "https://example.org/evidence/", "--quiet")
    assert run.code == 0, run.err
    assert 'href="https://example.org/evidence/static/' in (tmp_path / "out" / "index.html").read_text()


@pytest.mark.parametrize("text, line, code", [
    ("a: b\nyear: " + "9" * 5000 + "\n", 2, "yaml.number"),
    ("year: !!int 0x" + "f" * 60 + "\n", 1, "yaml.number"),
    ("a: b\nyear: !!int abc\n", 2, "yaml.tag"),
    ("x: !!float abc\n", 1, "yaml.tag"),
    ("x: !!bool maybe\n", 1, "yaml.tag"),
    ("x: !!timestamp yesterday\n", 1, "yaml.tag"),
    ("x: !!set [a]\n", 1, "yaml.tag"),
    ("x: !!seq {a: 1}\n", 1, "yaml.tag"),
    ("x: !!str [a]\n", 1, "yaml.tag"),
    ('a: b\ntitle: "x\\ud800y"\n', 2, "yaml.character"),
    ('title: "x\\0y"\n', 1, "yaml.character"),
    ('title: "x\\e[31my"\n', 1, "yaml.character"),
    ('title: "x\\x9b31my"\n', 1, "yaml.character"),
    ('"\\e[2Jkey": 1\n', 1, "yaml.character"),
    ("a: b\n\x1b[31mred: 1\n", 2, "yaml.character"),
])
def test_yaml_values_that_would_crash_are_located_errors(text, line, code):
    with pytest.raises(ContentError) as info:
        parse_yaml(text, line_offset=0)
    assert (info.value.line, info.value.code) == (line, code), info.value.message


def test_escaped_surrogate_pairs_are_joined_and_timestamps_kept():
    data = parse_yaml('t: "\\ud83d\\ude00 ok"\nd: !!timestamp 2020-01-31\nn: 1:30\n')
    assert data["t"] == "\U0001F600 ok" and data["d"] == date(2020, 1, 31) and data["n"] == 90
    assert checked_text("tab\tand\nnewline") == "tab\tand\nnewline"
    for bad in ("\ud800", "a\udc00", "\x00", "\x1b", "\x7f", "\x85", "\ufffe"):
        with pytest.raises(ValueError):
            checked_text(bad)


def test_ids_are_anchored_and_bounded():
    assert is_id("smith-2019.a_b") and is_id("a" * MAX_ID_LENGTH)
    for bad in ("trail\n", "a\nb", "a" * (MAX_ID_LENGTH + 1), "-a", "a/b", "", "a\x1b"):
        assert not is_id(bad)
        with pytest.raises(FieldError):
            check_id(bad)


def test_new_refuses_a_long_or_control_character_id(make_site):
    content = make_site({})
    for bad in ("c" * 301, "trail\n", "x\x1b[31m"):
        run = run_cli("new", "paper", bad, "--content", str(content))
        assert run.code == 2 and "\x1b" not in run.err and run.err.count("\n") == 1, run.err
    assert not (content / "papers").exists()


def test_extra_values_are_json_safe():
    parsed = Extra().parse(parse_yaml("e: {d: !!timestamp 2020-01-31, t: !!timestamp 2020-02-01T10:30:00Z, "
                                      "n: 2.5, i: 9007199254740991, l: [1, a, true, null]}")["e"], "extra", 1)
    assert parsed == {"d": "2020-01-31", "t": "2020-02-01T10:30:00+00:00", "n": 2.5, "i": 2 ** 53 - 1,
                      "l": (1, "a", True, None)}
    for value in (".nan", ".inf", "-.inf", "9007199254740992", "!!binary aGk=", "!!set {a}", "[[1]]", "[{a: 1}]"):
        with pytest.raises(FieldError):
            Extra().parse(parse_yaml(f"e: {{x: {value}}}")["e"], "extra", 1)
    with pytest.raises(ValueError):
        json_value(float("nan"))


def test_evidence_json_holds_strict_json_and_iso_dates(make_site, tmp_path):
    content = make_site({"papers/p.md": PAPER.format(
        more="extra:\n  received: !!timestamp 2020-01-31\n  effect: 0.5\n")})
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"), "--no-search", "--quiet")
    assert run.code == 0, run.err
    text = (tmp_path / "out" / "data" / "evidence.json").read_text(encoding="utf-8")
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in evidence.json"))
    assert data["papers"][0]["extra"] == {"received": "2020-01-31", "effect": 0.5}


def test_nan_in_extra_is_a_located_error(make_site, tmp_path):
    content = make_site({"papers/p.md": PAPER.format(more="extra:\n  effect: .nan\n  upper: .inf\n")})
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"), "--no-search")
    assert run.code == 1
    assert "p.md:6: error: 'extra.effect': nan is not a number JSON can hold" in run.err
    assert "p.md:7: error: 'extra.upper': inf is not a number JSON can hold" in run.err


def test_diagnostics_escape_every_control_character():
    d = Diagnostic(Severity.ERROR, "schema.id", "invalid id 'a\nb\x1b[2J\u202e'",
                   Location("papers/x\nok.md:1: error: forged [x]\n\x9b.md", 3))
    line = d.format()
    assert "\n" not in line and "\x1b" not in line and "\x9b" not in line and "\u202e" not in line
    assert line == ("papers/x\\nok.md:1: error: forged [x]\\n\\x9b.md:3: error: invalid id "
                    "'a\\nb\\x1b[2J\\u202e' [schema.id]")
    assert escape_controls("plain ünïcode, tab-free") == "plain ünïcode, tab-free"


def test_file_named_with_a_final_newline_is_not_an_id(make_site, tmp_path):
    content = make_site({"papers/ok.md": PAPER.format(more="")})
    (content / "papers" / "trail\n.md").write_text(PAPER.format(more=""), encoding="utf-8")
    (content / "papers" / "\x1b[31mred.md").write_text(PAPER.format(more="id: red\n"), encoding="utf-8")
    run = run_cli("check", "--content", str(content))
    assert run.code == 1
    assert "papers/trail\\n.md:1: error: file name gives invalid id 'trail\\n'" in run.err
    assert "\x1b" not in run.err
    assert all(line.startswith(str(content)) or line.startswith("check failed") for line in run.lines), run.err


def test_nul_in_a_title_or_body_never_reaches_the_html(make_site, tmp_path):
    content = make_site({"papers/a.md": '---\ntitle: "x\\0y"\nauthors: [A B]\nyear: 2020\n---\nBody\n',
                         "papers/b.md": "---\ntitle: T\nauthors: [A B]\nyear: 2020\n---\n" + "line\n" * 3000 + "\x00\n"})
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"), "--no-search")
    assert run.code == 1
    assert "a.md:2: error: control character U+0000 in text" in run.err
    assert "b.md:3006: error: NUL character U+0000 in the text" in run.err


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=())), st.text(st.characters(blacklist_categories=())),
       st.one_of(st.none(), st.integers(1, 10**6)))
def test_a_diagnostic_is_always_one_line_without_control_characters(path, message, line):
    text = Diagnostic(Severity.WARNING, "x.y", message, Location(path, line)).format()
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]", text)
    assert text.endswith(": warning: " + escape_controls(message) + " [x.y]")


def test_et_al_marker_written_another_way_is_located(make_site):
    content = make_site({
        "papers/a.md": "---\ntitle: A\nauthors:\n- Doe J\n- '*et al*'\nyear: 2020\n---\n",
        "papers/b.md": "---\ntitle: B\nauthors:\n- et al.\n- Doe J\nyear: 2020\n---\n",
        "papers/c.md": "---\ntitle: C\nauthors:\n- Doe J\n- et al.\nyear: 2020\n---\n"})
    run = run_cli("check", "--content", str(content))
    assert (f"{content / 'papers' / 'a.md'}:5: warning: author '*et al*' looks like the 'et al.' marker: write "
            "it as 'et al.', the last item, so it is not taken for an author's name [schema.et-al]") in run.lines
    assert f"{content / 'papers' / 'b.md'}:4: warning: author 'et al.' looks like the 'et al.' marker: put it last" \
        in run.err
    assert "c.md" not in run.err.replace("c.md: warning: paper is not cited", "")


def test_content_that_is_a_file_is_named_so(tmp_path):
    """``--content`` naming a file says so, not that nothing was found (exit 2 either way)."""
    from conftest import run_cli
    readme = tmp_path / "README.md"
    readme.write_text("# notes\n")
    run = run_cli("build", "--content", str(readme), "--output", str(tmp_path / "site"), "--no-search")
    assert run.code == 2 and f"content directory '{readme}' is a file, not a folder" in run.err
    run = run_cli("check", "--content", str(tmp_path / "nowhere"))
    assert run.code == 2 and "not found" in run.err
