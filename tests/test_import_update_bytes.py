"""``import --update`` and ``import --kind review`` edit values in place: every line they do not change
stays byte for byte (CRLF line ends, a byte-order mark, comments, odd indentation, quoting, the body),
and a comment after a rewritten value survives."""
from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from evidence_explorer.importers.existing import Known
from evidence_explorer.importers.write import refresh
from evidence_explorer.content.load import parse_yaml, split_front_matter

BOM = b"\xef\xbb\xbf"
WORD = st.text(alphabet="abcdefghij KLMNOP:#'\"-,", min_size=1, max_size=12).map(str.strip).filter(
    lambda s: s and s[0].isalpha())
SURNAME = st.sampled_from(["Smith", "Jones", "Øster", "van Dijk", "Lee", "Ng", "O'Brien", "Müller"])
AUTHOR = st.builds(lambda s, i: f"{s} {i}", SURNAME, st.sampled_from(["J", "AB", "K", "MO"]))


@dataclass
class Doc:
    lines: list[tuple[str, str | None, str | None]]
    """(line text without its end, the key whose value it belongs to, its comment marker)."""
    item_markers: list[str | None]
    """Comment marker of each author item, in order (None: no comment)."""
    newline: str
    bom: bool
    body: str

    def raw(self) -> bytes:
        text = "---" + self.newline + "".join(t + self.newline for t, _, _ in self.lines) + "---" + \
            self.newline + self.body.replace("\n", self.newline)
        return (BOM if self.bom else b"") + text.encode("utf-8")


def quoted(value: str, style: str) -> str:
    if style == "single" and "'" not in value:
        return f"'{value}'"
    if style == "double" or any(c in value for c in ":#'\"-,"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


@st.composite
def documents(draw) -> Doc:
    counter = iter(range(1000))
    lines: list[tuple[str, str | None, str | None]] = []

    def comment(text: str, key: str | None) -> None:
        if draw(st.booleans()):
            marker = f"c{next(counter)}"
            lines.append((text + " " * draw(st.integers(1, 3)) + f"# {marker}", key, marker))
        else:
            lines.append((text, key, None))

    def filler() -> None:
        for _ in range(draw(st.integers(0, 2))):
            lines.append((draw(st.sampled_from(["", "# a note of the author's", "   ", "#"])), None, None))

    keys = ["title", "authors", "year", "design", "journal", "setting", "aim"]
    keys = draw(st.permutations(keys))
    item_markers: list[str | None] = []
    for key in keys:
        filler()
        if key == "authors":
            authors = draw(st.lists(AUTHOR, min_size=1, max_size=4))
            if draw(st.booleans()):  # a flow list
                comment("authors: [" + ", ".join(authors) + "]", "authors")
            else:
                comment("authors:", "authors")
                indent = " " * draw(st.sampled_from([0, 2, 4, 5]))
                for a in authors:
                    before = len(lines)
                    comment(f"{indent}- {quoted(a, draw(st.sampled_from(['plain', 'single', 'double'])))}",
                            "authors")
                    item_markers.append(lines[before][2])
        elif key == "year":
            comment(f"year: {draw(st.integers(1950, 2030))}", "year")
        elif key == "setting":
            lines.append(("setting:", None, None))
            comment("    - general practice", None)
        elif key == "journal" and draw(st.booleans()):
            continue  # no journal yet: --update adds it
        else:
            comment(f"{key}: {quoted(draw(WORD), draw(st.sampled_from(['plain', 'single', 'double'])))}",
                    key if key in ("title", "journal") else None)
    filler()
    lines.append(("extra:", None, None))
    comment("  screened_by: AB", None)
    body = draw(st.sampled_from(["", "Body text.\n", "Notes   \n\n- a quote\n", "no final newline"]))
    return Doc(lines, item_markers, draw(st.sampled_from(["\n", "\r\n"])), draw(st.booleans()), body)


NEW_FIELDS = st.fixed_dictionaries({}, optional={
    "title": WORD.map(lambda w: "New " + w), "authors": st.lists(AUTHOR, min_size=1, max_size=5),
    "year": st.integers(1950, 2030), "journal": WORD, "volume": st.sampled_from(["12", "3a", "IV"])})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), fields=NEW_FIELDS)
def test_update_changes_only_the_changed_values(doc: Doc, fields: dict) -> None:
    raw = doc.raw()
    result = refresh(Known("p", "paper", "papers/p.md", {}), raw, fields)
    out = result.data
    assert out.startswith(BOM) == doc.bom
    text = out[len(BOM) if doc.bom else 0:].decode("utf-8")
    if doc.newline == "\r\n":
        assert "\n" not in text.replace("\r\n", "")  # no bare LF written into a CRLF file
    else:
        assert "\r" not in text
    yaml_text, body, _ = split_front_matter(text.replace("\r\n", "\n"))
    assert body == doc.body  # the body byte for byte
    before = parse_yaml(split_front_matter(raw.decode("utf-8-sig").replace("\r\n", "\n"))[0], 1)
    after = parse_yaml(yaml_text, 1)
    changed = set(result.changed)
    expected = {**before, **{k: fields[k] for k in changed}}
    assert dict(after) == expected
    # every line of a key that did not change is in the new file, in order, byte for byte
    kept = [t + doc.newline for t, key, _ in doc.lines if key not in changed]
    new_lines = re.findall(r"[^\n]*\n", text)
    it = iter(new_lines)
    assert all(line in it for line in kept), (kept, new_lines)
    # comments survive on rewritten lines; only those of removed list items go
    removed = set(doc.item_markers[len(fields["authors"]):]) if "authors" in changed and \
        not any(t.startswith("authors: [") for t, _, _ in doc.lines) else set()
    for _, _, marker in doc.lines:
        if marker and marker not in removed:
            assert f"# {marker}" in text


CRLF_PAPER = ("\ufeff---\r\n"
              "title: Teams and trust (preprint)   # title as on the preprint\r\n"
              "authors:\r\n"
              "    -   Smith J   # corresponding author\r\n"
              "year: 2019 # preprint year\r\n"
              "design: qualitative  \r\n"
              "---\r\n"
              "Body line one.\r\n"
              "\r\n"
              "Body line two\r\n")


def test_update_through_the_command_keeps_crlf_bom_and_comments(make_site, tmp_path):
    content = make_site({})
    path = content / "papers" / "smith-2019.md"
    path.parent.mkdir()
    path.write_bytes(CRLF_PAPER.encode("utf-8"))
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{smith-2019, title = {Teams and trust}, author = {Smith, John and Jones, Kate},\n"
                   "  year = {2020}, journal = {J Integr Care}}\n", encoding="utf-8")
    run = run_cli("import", str(bib), "--content", str(content), "--update")
    assert run.code == 0, run.err
    assert "changed authors, journal, title, year" in run.out
    assert path.read_bytes().decode("utf-8") == (
        "\ufeff---\r\n"
        "title: Teams and trust   # title as on the preprint\r\n"
        "authors:\r\n"
        "    -   Smith J   # corresponding author\r\n"
        "    -   Jones K\r\n"
        "year: 2020 # preprint year\r\n"
        "design: qualitative  \r\n"
        "journal: J Integr Care\r\n"
        "---\r\n"
        "Body line one.\r\n"
        "\r\n"
        "Body line two\r\n")
    assert run_cli("check", "--content", str(content), "--quiet").code == 0


def test_review_import_edits_mixed_line_ends_and_bom_in_place(tmp_path):
    from test_review_csv import row, sheet, site_copy, write_sheet

    from evidence_explorer.authoring.advisory_decisions import apply_review_csv
    content = site_copy(tmp_path)
    c3 = content / "cmocs" / "c3.md"
    original = BOM + c3.read_bytes().replace(b"O\r\n", b"O\n", 1)  # one LF line among CRLF ones
    c3.write_bytes(original)
    rows = sheet(content)
    row(rows, "c3")["decision"] = "agreed"
    row(rows, "c3", "T1")["decision"] = "contested"
    result = apply_review_csv(write_sheet(tmp_path / "links.csv", rows), content, False)
    assert not result.failed, result.diagnostics
    after = c3.read_bytes()
    assert after.startswith(BOM)
    lines_before, lines_after = original.splitlines(keepends=True), after.splitlines(keepends=True)
    changed = [b for b in lines_before if b not in lines_after]
    assert changed == [b"  - T1\r\n"]  # only the line whose value changed
    at = lines_after.index(b"  - theory: T1\r\n")  # the bare id became a block mapping, in CRLF like its file
    assert lines_after[at + 1] == b"    status: contested\r\n"
    assert b"status: agreed\r\n" in lines_after
    assert b"outcome: O\n" in lines_after  # the odd LF line is left alone
