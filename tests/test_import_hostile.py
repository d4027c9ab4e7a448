"""Import files built to exhaust the importer: each gives a located error or a bounded, correct import."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import ROOT, run_cli
from wide_xlsx import write_xlsx


def test_csl_json_nested_deep_is_a_located_error(make_site, tmp_path):
    content = make_site({})
    deep = tmp_path / "deep.json"
    deep.write_text('[\n{"title": "A", "author": [{"family": "Smith"}]},\n' + "[" * 100_000 + "]" * 100_000 + "]",
                    encoding="utf-8")
    run = run_cli("import", str(deep), "--content", str(content))
    assert run.code == 1
    assert f"{deep}:3: error: JSON nested more than 64 levels deep: not CSL-JSON [import.syntax]" in run.err


def test_csl_json_with_a_huge_integer_is_an_error(make_site, tmp_path):
    content = make_site({})
    big = tmp_path / "big.json"
    big.write_text('[{"title": "A", "author": [{"family": "Smith"}], "volume": ' + "9" * 5000 + "}]",
                   encoding="utf-8")
    run = run_cli("import", str(big), "--content", str(content))
    assert run.code == 1 and "not readable as CSL-JSON: Exceeds the limit (4300 digits)" in run.err


def test_xlsx_with_a_cell_in_the_last_column_reads_in_bounded_memory(tmp_path):
    """Every row reaches column XFD and the sheet declares A1:XFD1048576; padded rows would need
    gigabytes. Imported under a 1.5 GB address-space limit, with the XFD cells under extra."""
    wide = tmp_path / "wide.xlsx"
    rows = [{1: "Title", 2: "Authors", 3: "Year", 16384: "Reviewer"}]
    rows += [{1: f"Paper {i}", 2: "Smith J", 3: str(2000 + i), 16384: "AB"} for i in range(20)]
    rows.append({1: "Orphan value", 2: "Lee K", 3: "2021", 10000: "far away"})
    write_xlsx(wide, rows)
    content = tmp_path / "content"
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2 ** 20, 1536 * 2 ** 20))
        sys.argv = ["build.py", "import", {str(wide)!r}, "--content", {str(content)!r}]
        from evidence_explorer.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[-1] == "import: 21 created, 0 updated, 0 skipped, 0 failed"
    paper = (content / "papers" / "smith-2005.md").read_text(encoding="utf-8")
    assert "title: Paper 5\n" in paper and "extra:\n  Reviewer: AB\n" in paper
    assert "column NTP: far away" in (content / "papers" / "lee-2021.md").read_text(encoding="utf-8")


BIB_PIECES = ["@article{", "@string{", "@comment{", "@preamble{", "}", "{", '"', ",", "=", "#", "\\", "$", "%",
              "title", "author", " and ", "others", "{\\'e}", "\\textit{", "crossref", "x", "\n", " ", "@", "("]


def test_readers_never_crash_on_generated_input():
    """Any text through the BibTeX, RIS and CSL-JSON readers: records and messages, never an exception."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from evidence_explorer.importers.bibtex import read_bibtex
    from evidence_explorer.importers.encoding import decode_bytes
    from evidence_explorer.importers.ris_csl import read_csl_json, read_ris

    pieces = st.lists(st.sampled_from(BIB_PIECES) | st.text(max_size=5), max_size=60).map("".join)
    ris = st.lists(st.sampled_from(["TY  - JOUR", "ER  - ", "AU  - Smith, J", "TI  - T", "PY  - 20",
                                    "TY  -", "  cont", "\ufeff", "XX  - y"]), max_size=20).map("\n".join)
    json_ = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                         lambda c: st.lists(c, max_size=3) | st.dictionaries(
                             st.sampled_from(["title", "author", "issued", "family", "given", "literal"]), c,
                             max_size=3), max_leaves=12)

    @settings(max_examples=150, deadline=None)
    @given(bib=pieces, ris_text=ris, item=json_, raw=st.binary(max_size=200))
    def run(bib, ris_text, item, raw):
        import json as _json
        read_bibtex(bib)
        read_ris(ris_text)
        read_csl_json(_json.dumps([item]))
        decode_bytes(raw)

    run()
