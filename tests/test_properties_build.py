"""Property-based tests through the whole ``build`` (issue 14, "done when"): generated evidence
bases (front matter with any YAML-ish values, the nasty ones included: huge numbers, tags that make
the wrong type, lone surrogates, NaN, control characters, long ids; file names with newlines and
escape codes; Markdown bodies) go through the real command in-process (``cli.main``, ``--no-search``).

Whatever the input: the exit code is 0, 1 or 2, never 3 (a bug); every line printed is a located
diagnostic or the summary, with no raw control character (nothing can forge a line or drive the
terminal); and a site that was built holds strict JSON and no NUL or unpaired surrogate.

Bounded: about a minute on the 2-core machine (``MAX_EXAMPLES``).
"""
from __future__ import annotations

import json
import math
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from evidence_explorer.content.load import COLLECTIONS
from evidence_explorer.content.fields import content_fields
from evidence_explorer.content.model import KINDS
from evidence_explorer.content.fields import Choice, Doi, Extra, Int, Str, TextOrList, Url, Year

MAX_EXAMPLES = 60
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FIELD_NAMES = sorted({n for cls in KINDS.values() for n in content_fields(cls)} | {"kind"})
IDS = ["p1", "p2", "c1", "R1", "Q1", "rev1", "map1", "about", "nope"]

RAW = [  # YAML written as is: tags, special floats, escapes a dumper would never produce
    "!!int abc", "!!int 0x" + "f" * 60, "9" * 5000, "-" + "1" * 45, "12345678901234567890", "!!float nan",
    ".nan", ".inf", "-.Inf", "1.0e+999", "!!bool maybe", "!!timestamp 2020-01-31", "!!timestamp x",
    "!!timestamp 2020-02-01T10:30:00Z", "!!binary aGVsbG8=", "!!set {a, b}", "!!set [a]", "!!omap [a: 1]",
    "!!null x", "!!str 12", "!!seq {a: 1}", "!!map [a]", '"\\ud800"', '"\\udc00x\\ud83d"', '"\\ud83d\\ude00"',
    '"\\e[31mred"', '"\\0"', '"a\\x9b31m"', '"\\ufffe"', '"\\u202eevil"', '"line\\nbreak"', "2020-01-01",
    "n.d.", "1:30", "0o17", "~", "''", "'" + "a" * 300 + "'", "javascript:alert(1)", "10.1234/x",
]
_chars = st.characters(blacklist_categories=())  # every code point, surrogates and controls included
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(_chars, max_size=20), st.sampled_from(IDS + ["2020", "enabler", "supports", "high", "included"]))


def _scalar_yaml(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf") if math.isinf(value) \
            else repr(value)
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar (\\uXXXX escapes and all)


nasty = st.recursive(
    st.one_of(scalars.map(_scalar_yaml), st.sampled_from(RAW)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(st.tuples(st.sampled_from(FIELD_NAMES + ["x"]), inner), max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")),
    max_leaves=6)
_printable = st.text(st.characters(blacklist_categories=("Cc",)), min_size=1, max_size=30)  # surrogates too
benign_text = st.one_of(_printable, st.sampled_from(["<script>alert(1)</script>", "[[p1]]", "*x*", "a & b",
                                                     '"quoted"', "\u202eevil", "\u2028", "{{ x }}"]))
benign = st.one_of(  # values that validate, so that the build goes on to render and export them
    benign_text.map(json.dumps), st.sampled_from(IDS).map(lambda i: f"[{i}]"),
    st.integers(1000, 2999).map(str),
    st.dictionaries(benign_text, st.one_of(
        benign_text, st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(), st.sampled_from(["!!timestamp 2020-01-31", "!!timestamp 2020-02-01T10:30:00+01:00"])),
        max_size=3).map(lambda d: "{" + ", ".join(f"{json.dumps(k)}: {v if isinstance(v, str) and v.startswith('!!') else json.dumps(v)}"
                                                  for k, v in d.items()) + "}"))
values = st.one_of(benign, benign, nasty)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.sampled_from(["extra", "extra", "id", "domain"]),
                 st.text(_chars, min_size=1, max_size=8).map(json.dumps))
VALID = {  # the required fields of each kind, valid
    "paper": {"title": "A study", "authors": "[Smith J]", "year": "2020"},
    "cmoc": {"context": "C", "mechanism": "M", "outcome": "O", "sources": "[p1]"},
    "theory": {"title": "T"}, "question": {"text": "Q?"}, "review": {"title": "R"},
    "map": {"rows": "[{focus: F, papers: [p1]}]"}, "page": {"title": "P"},
}
bodies = st.lists(st.one_of(st.sampled_from(["[[", "]]", "|", "`", "*", "\n", "# ", "- ", "[a](", "<b>", "p1",
                                             "[[p1]]", "[[nope|x]]", "\x00", "\x1b[2J", "\t", "\ufeff"]),
                            st.text(_chars, max_size=3)), max_size=15).map("".join)
stems = st.one_of(st.sampled_from(IDS), st.sampled_from(IDS),
                  st.text(st.one_of(st.sampled_from(list("ab1.-_\n\x1b[ ")), st.characters(
                      blacklist_categories=("Cs",), blacklist_characters="/\x00")), min_size=1, max_size=30),
                  st.just("a" * 150))
entry = st.tuples(st.sampled_from(sorted(COLLECTIONS)), stems, st.lists(st.tuples(keys, values), max_size=4),
                  st.one_of(st.just("Body text [[p1]]."), bodies))
files = st.lists(entry, min_size=1, max_size=4)
extra_values = st.dictionaries(benign_text, st.one_of(
    benign_text.map(json.dumps), st.integers(-10**20, 10**20).map(str), st.floats().map(_scalar_yaml),
    st.booleans().map(_scalar_yaml), st.sampled_from(["!!timestamp 2020-01-31", "!!timestamp 2020-02-01T10:30:00+01:00",
                                                       "[1, a, 2.5]"])), max_size=3).map(
    lambda d: "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in d.items()) + "}")


def _field_values(spec) -> st.SearchStrategy[str] | None:
    """YAML text that fits ``spec`` (mostly: any printable text, surrogates included); None for ids and
    records (a reference to a missing id only gives the same located error every time)."""
    if isinstance(spec, (Str, TextOrList)):
        return benign_text.map(json.dumps)
    if isinstance(spec, Year):
        return st.one_of(st.integers(1000, 2999).map(str), st.just("n.d."))
    if isinstance(spec, Int):
        return st.integers(spec.minimum, spec.maximum).map(str)
    if isinstance(spec, Choice):
        return st.sampled_from(spec.choices)
    if isinstance(spec, Extra):
        return extra_values
    if isinstance(spec, Doi):
        return st.sampled_from(["10.1234/abc", "https://doi.org/10.1000/x<y>\"z"])
    if isinstance(spec, Url):
        return st.sampled_from(["https://example.org/a?b=1&c=<2>", "www.example.org"])
    return None


def _kind_entry(folder: str):
    specs = {name: f.metadata["spec"] for name, f in content_fields(KINDS[COLLECTIONS[folder]]).items()}
    pairs = [st.tuples(st.just(name), strategy) for name, spec in specs.items()
             if (strategy := _field_values(spec)) is not None]
    return st.tuples(st.just(folder), st.sampled_from(IDS[:-1]), st.lists(st.one_of(*pairs), max_size=5),
                     st.sampled_from(["Body text [[p1]].", "# H\n\n- a\n- b\n\n`code` *em* <b>x</b>", ""]))


kind_fields = st.sampled_from(sorted(COLLECTIONS)).flatmap(_kind_entry)
valid_shaped = st.lists(kind_fields, min_size=1, max_size=4)
site_values = st.one_of(st.just({}), st.just({}), st.fixed_dictionaries({}, optional={
    "base_url": st.sampled_from(['"/sub/"', '"javascript:alert(1)"', '"https://example.org/x/"', '"//evil"',
                                 '"/a b/"', "7", '"\\e[31m"']),
    "language": st.sampled_from(['"en-GB"', '"../x"', '"en\\" x=\\""', '"' + "a" * 40 + '"', "!!int abc", '"x-a"']),
    "description": values}))

_LOCATED = re.compile(r"^(?P<path>.+?)(?::\d+)?: (error|warning|note): .+ \[[a-z0-9.-]+\]$")
_SUMMARY = re.compile(r"^((build|check) failed|ok): \d+ errors?, \d+ warnings?$")
_RAW_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _write(content: Path, site: dict, entries) -> None:
    content.mkdir()
    site_text = "title: Property site\n" + "".join(f"{k}: {v}\n" for k, v in site.items())
    (content / "site.yaml").write_text(site_text, encoding="utf-8", errors="surrogatepass")
    (content / "papers").mkdir()
    (content / "papers" / "p1.md").write_text("---\ntitle: T\nauthors: [A B]\nyear: 2020\n---\nText.\n")
    for folder, stem, overrides, body in entries:
        path = content / folder / f"{stem}.md"
        path.parent.mkdir(exist_ok=True)
        fields = {**VALID[COLLECTIONS[folder]], **dict(overrides)}
        text = "---\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\n" + body + "\n"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))  # a lone surrogate → invalid UTF-8


def _check_site(site: Path) -> None:
    """A built site is valid: strict JSON (no NaN), no NUL, no unpaired surrogate in any page."""
    json.loads((site / "data" / "evidence.json").read_text(encoding="utf-8"),
               parse_constant=lambda name: (_ for _ in ()).throw(AssertionError(f"{name} in evidence.json")))
    for page in site.rglob("*.html"):
        raw = page.read_bytes()
        assert b"\x00" not in raw, page
        raw.decode("utf-8")  # strict: an encoded surrogate would fail here


def _build_and_check(entries, site) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content, output = Path(tmp) / "content", Path(tmp) / "site"
        _write(content, site, entries)
        run = run_cli("build", "--content", str(content), "--output", str(output), "--no-search",
                      "--no-cache", "--quiet")
        event(f"exit {run.code}")
        assert run.code in (0, 1, 2), run.err
        for line in run.lines:
            assert not _RAW_CONTROL.search(line), line
            if _SUMMARY.match(line):
                continue
            located = _LOCATED.match(line)
            assert located and located["path"].startswith(str(content)), line
        if run.code == 0:
            _check_site(output)


@SETTINGS
@given(files, site_values)
def test_build_never_fails_with_a_bug(entries, site):
    """Anything goes: values, keys, file names, bodies, site.yaml settings."""
    _build_and_check(entries, site)


@SETTINGS
@given(valid_shaped)
def test_valid_looking_content_builds_or_says_why(entries):
    """Fields of the right kind with values that mostly validate (any printable text, lone
    surrogates, numbers, extra data with dates, NaN and huge numbers): most builds render and
    export, so what validation lets through is tested against the written site."""
    _build_and_check(entries, {})
