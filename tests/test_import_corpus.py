"""Real reference files written by other people (tests/import_corpus/, see its SOURCES.md files):
every record is accounted for, chosen records keep every field, and a second import writes nothing.

The expected record counts in expected_counts.json were counted independently of Evidence
Explorer (bibtexparser 1.4.3, rispy, json, csv, openpyxl).
"""
from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli
from evidence_explorer.speed.parallel import fork_map, single_threaded

CORPUS = ROOT / "tests" / "import_corpus"
EXPECTED = json.loads((CORPUS / "expected_counts.json").read_text(encoding="utf-8"))
SUMMARY = re.compile(r"^(?:import:|dry run, nothing written: would have) (\d+) created, (\d+) updated, (\d+) "
                     r"skipped, (\d+) failed$")


def counts(run) -> tuple[int, dict[str, int]]:
    read = next(int(m.group(1)) for line in run.lines if (m := re.search(r": (\d+) records? read$", line)))
    m = SUMMARY.match(run.lines[-1])
    assert m, run.err
    return read, dict(zip(("created", "updated", "skipped", "failed"), map(int, m.groups())))


def front(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def by_key(content: Path, key: str) -> dict:
    """The imported paper whose id or citation key is ``key``."""
    for path in (content / "papers").glob("*.md"):
        data = front(path)
        if key in (path.stem, data.get("citekey")):
            return data
    raise AssertionError(f"no paper {key}")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Every corpus file imported, one after the other, into one new evidence base."""
    content = tmp_path_factory.mktemp("corpus") / "content"
    runs = {rel: run_cli("import", str(CORPUS / rel), "--content", str(content)) for rel in EXPECTED}
    return content, runs


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_every_record_is_written_skipped_or_failed(imported, rel):
    _, runs = imported
    run = runs[rel]
    assert "Traceback" not in run.err and run.code in (0, 1), run.err
    read, c = counts(run)
    expected = EXPECTED[rel]["records"]
    assert read == expected, run.err
    assert c["created"] + c["updated"] + c["skipped"] + c["failed"] == expected, run.err
    # a record with a title and an author is written, or skipped with the file it matched
    assert c["created"] + c["skipped"] >= EXPECTED[rel]["with_title_and_author"], run.err
    failures = [line for line in run.lines if ": error: " in line]
    assert len(failures) >= c["failed"], run.err  # each failure has its located reason
    if expected == 0:
        assert run.code == 1 and "[import.empty]" in run.err


def test_what_was_imported_passes_check_and_a_second_import_writes_nothing(imported):
    content, _ = imported
    check = run_cli("check", "--content", str(content), "--quiet")
    assert check.code == 0, check.err
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    for rel, created, err in in_two_processes(sorted(EXPECTED), partial(reimport, content)):
        assert created == 0, (rel, err)
    assert {p: p.read_bytes() for p in content.rglob("*") if p.is_file()} == before


def reimport(content: Path, rels: tuple[str, ...]) -> list[tuple[str, int, str]]:
    """Import each file again: (file, records created, messages)."""
    out = []
    for rel in rels:
        again = run_cli("import", str(CORPUS / rel), "--content", str(content))
        out.append((rel, counts(again)[1]["created"], again.err))
    return out


def in_two_processes(items: list[str], work) -> list:
    """``work`` on every item, half of them in a forked child (the build's own ``fork_map``) when
    forking is safe: each import re-reads the whole evidence base (600+ papers), ~0.5 s each.
    Nothing is written by a correct import, so the halves cannot disturb each other; a wrong one
    is caught by the counts and by the byte comparison afterwards, whatever ran where."""
    shares = [tuple(items[0::2]), tuple(items[1::2])] if single_threaded() else [tuple(items)]
    return [row for rows in fork_map(shares, work, what="importing again") for row in rows]


# --- field by field, chosen records of each format ---------------------------------------------

def one(tmp_path: Path, rel: str, *args: str):
    content = tmp_path / "content"
    run = run_cli("import", str(CORPUS / rel), "--content", str(content), *args)
    assert run.code in (0, 1) and "Traceback" not in run.err, run.err
    return content, run


def test_bibtex_wrapped_author_lists_accents_and_venue(tmp_path):
    content, run = one(tmp_path, "bibtex/bibtexparser-biber-examples.bib")
    aksin = by_key(content, "set:aksin")
    assert aksin["authors"] == ["Aksın Ö", "Türkmen H", "Artok L", "C̨etinkaya B", "Ni C", "Büyükgüngör O",
                                "Özkal E"]  # the list wraps onto a new line before 'and'
    assert aksin["title"].startswith("Effect of immobilization on catalytic characteristics of saturated "
                                     "Pd-N-heterocyclic carbenes")
    assert (aksin["year"], aksin["journal"], aksin["volume"], aksin["issue"], aksin["pages"]) == \
        (2006, "J. Organomet. Chem.", "691", "13", "3027–3036")
    kant = by_key(content, "kant:kpv")  # @inbook: the book title is the venue
    assert kant["journal"] == "Kritik der praktischen Vernunft. Kritik der Urtheilskraft"
    assert not any("\\" in p.read_text(encoding="utf-8") for p in (content / "papers").glob("*.md"))


def test_bibtex_and_others_is_an_et_al_marker_written_back(tmp_path):
    content, _ = one(tmp_path, "bibtex/jabref-testjabref.bib")
    marked = [front(p) for p in (content / "papers").glob("*.md") if "et al." in front(p)["authors"]]
    assert marked and all(f["authors"][-1] == "et al." and "others" not in f["authors"] for f in marked)
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet").code == 0
    assert " and others}" in (out / "data" / "references.bib").read_text(encoding="utf-8")


def test_bibtex_crossref_inherits_the_book_title(tmp_path):
    content, _ = one(tmp_path, "bibtex/jabref-crossref.bib")
    paper = by_key(content, "InProceedings2015")
    assert (paper["title"], paper["authors"], paper["journal"], paper["year"]) == \
        ("Paper title", ["Musterfrau A"], "Book title", 2015)


def test_bibtex_in_gbk_is_decoded_with_a_note(tmp_path):
    content, run = one(tmp_path, "bibtex/bibtexparser-gbk_test.bib")
    assert "not UTF-8: read as gb18030" in run.err
    paper = front(next((content / "papers").glob("*.md")))
    assert (paper["authors"], paper["journal"]) == (["凯撒"], "测试期刊")


def test_ris_from_embase_and_the_same_papers_as_csv_are_not_doubled(tmp_path):
    content, _ = one(tmp_path, "ris/asreview-embase.ris")
    liu = front(content / "papers" / "liu-2014.md")
    assert (liu["authors"], liu["journal"], liu["year"], liu["volume"], liu["issue"], liu["pages"]) == \
        (["Liu R", "Adler DG"], "Endoscopic Ultrasound", 2014, "3", "3", "152-160")
    assert liu["doi"] == "10.4103/2303-9027.138783"
    csv_run = run_cli("import", str(CORPUS / "csv/asreview-embase.csv"), "--content", str(content))
    assert counts(csv_run)[1] == {"created": 0, "updated": 0, "skipped": 6, "failed": 0}, csv_run.err


def test_csl_json_particles(tmp_path):
    content, _ = one(tmp_path, "csl-json/csl-testsuite-PrimaryNameWithNonDroppingParticle.json")
    paper = by_key(content, "dosSantos2016CurrentState")
    assert paper["authors"][0] == "dos Santos RG"
    assert (paper["year"], paper["journal"], paper["volume"], paper["issue"], paper["pages"]) == \
        (2016, "Journal of Psychopharmacology", "30", "12", "1230-1247")


def test_semicolon_csv_with_commas_in_cells_and_list_cells(tmp_path):
    content, run = one(tmp_path, "csv/asreview-generic_semicolon.csv")
    read, c = counts(run)
    assert (read, c["created"]) == (2, 2), run.err  # the same RIS-style id, different titles: two papers
    papers = {front(p)["title"]: front(p) for p in (content / "papers").glob("*.md")}
    first = papers["Title of reference"]
    assert (first["authors"], first["year"], first["volume"], first["issue"], first["pages"]) == \
        (["Marx K", "Lindgren A"], 2014, "9", "3", "e0815")


def test_a_sheet_without_authors_fails_each_row_with_its_reason(tmp_path):
    _, run = one(tmp_path, "xlsx/atlantirivulus-scopus.xlsx")
    read, c = counts(run)
    assert read == c["failed"] == 59
    assert "atlantirivulus-scopus.xlsx: error: row 2: no authors" in run.err


def test_web_of_science_plain_text_is_an_error_with_a_hint(tmp_path):
    _, run = one(tmp_path, "ris/rispy-example_wos.ris")
    assert run.code == 1
    assert "no records found: is it a RIS file? It looks like Web of Science plain text" in run.err


def test_cmoc_sheet_with_realist_headers_and_line_breaks(make_site, tmp_path):
    from test_import_samples import CMOC_SITE
    content = make_site(CMOC_SITE)
    sheet = tmp_path / "cmocs.csv"
    sheet.write_bytes(
        "\ufeffCMOC No.,Context (C),Mechanism (M) - resource,Mechanism (M) - reasoning,Outcome (O),"
        "Supporting studies,Initial programme theory\r\n"
        "1,\"Practices share\r\na building\",Shared space,\"Staff come to\r\ntrust each other\",More joint plans,"
        "\"Smith et al. (2019)\r\nBrown 2018\",T1\r\n".encode("utf-8"))
    run = run_cli("import", str(sheet), "--kind", "cmocs", "--content", str(content))
    assert run.code == 0, run.err
    cmoc = front(next((content / "cmocs").glob("*.md")))
    assert cmoc == {"context": "Practices share a building", "resource": "Shared space",
                    "reasoning": "Staff come to trust each other", "outcome": "More joint plans",
                    "sources": ["smith-2019", "brown-2018"], "theories": ["T1"]}


def test_a_sheet_with_no_title_column_suggests_map(make_site, tmp_path):
    content = make_site({})
    sheet = tmp_path / "refs.csv"
    sheet.write_text("Name of the study,Who,When\nTeams,Smith J,2019\n", encoding="utf-8")
    run = run_cli("import", str(sheet), "--content", str(content))
    assert run.code == 2
    assert ("row 1, the header, has no column for the title (columns: Name of the study, Who, When); name it "
            "with --map 'Name of the study=title'") in run.err


def test_web_of_science_exports_tab_delimited_tags_and_excel_headers(make_site, tmp_path):
    content = make_site({})
    tags = tmp_path / "savedrecs.txt"
    tags.write_text("PT\tAU\tTI\tSO\tPD\tPY\tVL\tIS\tBP\tEP\tDI\tUT\n"
                    "J\tSmith, J; Álvarez, É. M.\tTeams and trust\tJ Integr Care\tMAR 2019\t2019\t12\t3\t45\t52\t"
                    "10.1234/jic.1\tWOS:1\n"
                    "J\tLee, K\tCare navigators\tBMJ Open\t\t2021\t11\t\te0101\t\t\tWOS:2\n", encoding="utf-8")
    run = run_cli("import", str(tags), "--format", "tsv", "--content", str(content))
    assert run.code == 0 and counts(run)[1]["created"] == 2, run.err
    smith = front(content / "papers" / "smith-2019.md")
    assert (smith["authors"], smith["journal"], smith["year"], smith["volume"], smith["issue"], smith["pages"],
            smith["doi"]) == (["Smith J", "Álvarez ÉM"], "J Integr Care", 2019, "12", "3", "45-52", "10.1234/jic.1")
    assert front(content / "papers" / "lee-2021.md")["pages"] == "e0101"
    excel = tmp_path / "wos.csv"  # Excel export headers: the year is 'Publication Year', not 'Publication Date'
    excel.write_text("Authors,Article Title,Source Title,Publication Date,Publication Year,Start Page,End Page\n"
                     "\"Ng, A\",Trust in teams,Health Policy,DEC 5,2018,1,9\n", encoding="utf-8")
    run = run_cli("import", str(excel), "--content", str(content))
    ng = front(content / "papers" / "ng-2018.md")
    assert (ng["title"], ng["year"], ng["pages"]) == ("Trust in teams", 2018, "1-9"), run.err


def test_bibtex_von_and_jr_parts_in_order(tmp_path):
    content, _ = one(tmp_path, "bibtex/jabref-complex.bib")
    paper = by_key(content, "10250999")
    assert paper["authors"] == ["von Hippel E", "Reagle Jr JM", "Sherry Jr JF", "van den Huevel Jr JA"]
    assert (paper["title"], paper["journal"], paper["year"], paper["volume"], paper["issue"]) == \
        ("Article with complex Authornames", "IEEE Security and Privacy", 2004, "2", "5")
    biber = tmp_path / "biber"
    biber.mkdir()
    content, _ = one(biber, "bibtex/bibtexparser-biber-examples.bib")
    assert by_key(content, "Pimentel00")["authors"] == ["Pimentel Jr JJ"]
