"""Hand-made samples in every format (tests/import_samples/), including messy spreadsheets: the files
they give, the per-row messages, and that importing the same file again creates nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli

SAMPLES = ROOT / "tests" / "import_samples"


def front(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def import_(sample: str, content: Path, *args: str):
    return run_cli("import", str(SAMPLES / sample), "--content", str(content), *args)


def files(content: Path, folder: str = "papers") -> set[str]:
    return {p.name for p in (content / folder).glob("*.md")}


# --- the expected outcome of each sample -------------------------------------------------------

EXPECTED = {
    "messy.csv": ({"smith-2019.md", "department-of-health-social-services-2016.md", "muller-2020.md",
                   "brown-2018.md", "green-nd.md"}, "import: 5 created, 0 updated, 0 skipped, 1 failed", [
        "messy.csv: note: not UTF-8: read as cp1252 (a guess from its bytes; if names look wrong, save the file "
        "as UTF-8) [import.file]",
        "messy.csv: note: row 2 is the header row [import.header]",
        "messy.csv: note: row 7: the header repeated (a page break?): skipped [import.repeated-header]",
        "messy.csv: note: row 8: has no title, authors, year or doi: read as the rest of row 6 (a row broken "
        "by a page break) [import.continued-row]",
        "messy.csv: warning: row 9: 'doi' is not a valid DOI (expected 10.NNNN/suffix), got 'not-a-doi'; kept "
        "under extra [import.value]",
        "messy.csv: warning: row 10: no year; written as 'n.d.' [import.year]",
        "messy.csv: error: row 11: no authors (a paper needs at least one person or organisation) "
        "[import.missing]"]),
    "bom.tsv": ({"nhs-england-2019.md", "kiely-2021.md"}, "import: 2 created, 0 updated, 0 skipped, 0 failed", []),
    "studies.xlsx": ({"turner-2018.md", "world-health-organization-2016.md", "lee-2021.md"},
                     "import: 3 created, 0 updated, 0 skipped, 0 failed", [
        "studies.xlsx: note: read the first sheet, 'Included studies', of 2 [import.file]",
        "studies.xlsx: warning: row 5: 'rigour' must be one of high, moderate, low; got 'excellent'; kept under "
        "extra [import.value]"]),
    "zotero.bib": ({"smith-2019.md", "nhs-england-2014.md", "ham-2018.md", "goodwin-2017.md"},
                   "import: 4 created, 0 updated, 0 skipped, 1 failed", [
        "zotero.bib:37: note: entry 'edited2017': no author: the editors are used [import.editors]",
        "zotero.bib:44: error: entry 'noauthor2020': no authors (a paper needs at least one person or "
        "organisation) [import.missing]"]),
    "endnote.ris": ({"smith-2019.md", "nhs-england-2014.md", "brown-2018.md"},
                    "import: 3 created, 0 updated, 0 skipped, 1 failed", [
        "endnote.ris:1: note: ignored a line outside any record: 'Provider: EndNote' [import.syntax]",
        "endnote.ris:29: warning: the last record has no 'ER  -' end line (read to the end of the file) "
        "[import.syntax]",
        "endnote.ris:24: error: record at line 24: no authors (a paper needs at least one person or "
        "organisation) [import.missing]"]),
    "zotero.json": ({"smith-2019.md", "nhs-england-2014.md", "kiely-nd.md"},
                    "import: 3 created, 0 updated, 0 skipped, 1 failed", [
        "zotero.json:9: warning: item 'forthcoming': year 'forthcoming' is not a year; written as 'n.d.', the "
        "value kept under extra [import.year]",
        "zotero.json:11: error: item 'broken': no title [import.missing]"]),
}


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_sample_imports_with_expected_files_and_messages(sample, tmp_path):
    content = tmp_path / "content"
    names, summary, messages = EXPECTED[sample]
    run = import_(sample, content)
    assert files(content) == names, run.err
    shown = [line.replace(str(SAMPLES) + "/", "") for line in run.lines if "[import." in line]
    assert shown == messages
    assert run.lines[-1] == summary
    assert run.code == (1 if "1 failed" in summary else 0)
    for name in names:
        assert f"created {content}/papers/{name}" in run.out
    check = run_cli("check", "--content", str(content), "--quiet")
    assert check.code == 0, check.err
    again = import_(sample, content)
    assert files(content) == names
    skipped = len(names)
    assert again.lines[-1] == f"import: 0 created, 0 updated, {skipped} skipped, {summary.count('1 failed')} failed"
    assert "created" not in again.out


def test_messy_csv_cells_are_cleaned(tmp_path):
    content = tmp_path / "content"
    import_("messy.csv", content)
    smith = front(content / "papers" / "smith-2019.md")
    assert smith["title"] == "Teams and trust in primary care"  # a wrapped cell
    assert smith["authors"] == ["Smith J", "Jones K", "Lee AB"]
    assert smith["setting"] == ["General practice", "Community pharmacy"]  # bullets
    assert smith["results"] == "Trust grew with co-location & shared notes."  # HTML and entities
    assert smith["design"] == "Qualitative interviews"
    assert smith["extra"] == {"Reviewer": "AB"}  # an unmapped column
    dept = front(content / "papers" / "department-of-health-social-services-2016.md")
    assert dept["authors"] == ["Department of Health, Social Services and Public Safety"]  # an organisation
    muller = front(content / "papers" / "muller-2020.md")  # Windows-1252 accents
    assert muller["authors"] == ["Müller H", "Ó Súilleabháin P"]
    assert muller["doi"] == "10.1186/s12913-020-0001-1"
    assert muller["results"] == ("Attendance rose; staff valued the informal setting continued: but costs "
                                 "were not measured.")  # the row split by a page break, joined
    brown = front(content / "papers" / "brown-2018.md")
    assert brown["authors"] == ["Brown A"]  # 'Brown, Alice' is one person
    assert brown["setting"] == ["Primary care", "community"]
    assert brown["extra"] == {"Reviewer": "CD", "doi_as_imported": "not-a-doi"}
    assert front(content / "papers" / "green-nd.md")["year"] == "n.d."


def test_xlsx_quality_notes_and_first_author(tmp_path):
    content = tmp_path / "content"
    import_("studies.xlsx", content, "--map", "Study ID=extra")
    turner = (content / "papers" / "turner-2018.md").read_text(encoding="utf-8")
    data = front(content / "papers" / "turner-2018.md")
    assert data["title"] == "Integrated care in English general practice"
    assert data["country"] == ["England", "Wales"]
    assert data["quality"] == {"relevance": "High", "rigour": "moderate"}
    assert data["extra"] == {"Study ID": "S1"}
    assert turner.rstrip().endswith("---\nChecked against full text.")  # Notes → the body
    who = front(content / "papers" / "world-health-organization-2016.md")
    assert who["year"] == 2016 and who["authors"] == ["World Health Organization"]  # a date cell
    lee = front(content / "papers" / "lee-2021.md")
    assert lee["aim"] == "To explain how; navigators work"
    assert lee["extra"] == {"Study ID": "S3", "rigour": "excellent"}


def test_bibtex_latex_names_and_macros(tmp_path):
    content = tmp_path / "content"
    import_("zotero.bib", content)
    smith = front(content / "papers" / "smith-2019.md")
    assert smith == {
        "title": "Teams and Trust in Primary Care: A Qualitative Study",
        "authors": ["Smith J", "Jones KA", "Öztürk A", "van der Berg L"], "year": 2019,
        "journal": "Journal of Integrated Care", "volume": "12", "issue": "3", "pages": "45–67",
        "doi": "10.1234/jic.2019.45", "url": "https://example.org/~smith/teams_2019", "citekey": "smith2019teams"}
    ham = front(content / "papers" / "ham-2018.md")
    assert ham["title"] == "Primary care networks & the 50% problem"
    assert ham["journal"] == "BMJ" and ham["authors"] == ["Ham C", "Dupont JP"]
    nhs = front(content / "papers" / "nhs-england-2014.md")
    assert nhs["authors"] == ["NHS England", "Public Health England"] and nhs["publisher"] == "NHS England"


def test_the_same_paper_from_another_format_is_recognised(tmp_path):
    content = tmp_path / "content"
    import_("zotero.bib", content)
    run = import_("zotero.json", content)
    assert "item 'smith2019teams': skipped: papers/smith-2019.md exists (same DOI" in run.err
    assert "item 'nhs2014': skipped: papers/nhs-england-2014.md exists (same title, year and first author)" in run.err
    assert files(content) == {"smith-2019.md", "nhs-england-2014.md", "ham-2018.md", "goodwin-2017.md",
                              "kiely-nd.md"}


def test_ids_never_clash(make_site, tmp_path):
    content = make_site({"theories/smith-2019.md": "---\ntitle: A theory that took the id\n---\n",
                         "papers/brown-2018.md": "---\ntitle: Another Brown paper\nauthors: [Brown C]\n"
                                                 "year: 2018\n---\n"})
    run = import_("messy.csv", content)
    assert "created" in run.out
    names = files(content)
    assert {"smith-2019-b.md", "brown-2018-b.md"} <= names
    assert (content / "papers" / "brown-2018.md").read_text(encoding="utf-8").startswith(
        "---\ntitle: Another Brown paper")


def test_dry_run_writes_nothing(tmp_path):
    content = tmp_path / "content"
    run = import_("zotero.bib", content, "--dry-run")
    assert not content.exists()
    assert f"would create {content}/papers/smith-2019.md" in run.out
    assert run.lines[-1] == "dry run, nothing written: would have 4 created, 0 updated, 0 skipped, 1 failed"


def test_usage_problems_exit_2(tmp_path, make_site):
    content = make_site({})
    assert "--map names no column of the file: Nope" in import_("messy.csv", content, "--map", "Nope=title").err
    bad = import_("messy.csv", content, "--map", "Title=titel")
    assert bad.code == 2 and "'titel' is not a field of papers (did you mean 'title'?)" in bad.err
    unknown = tmp_path / "refs.txt"
    unknown.write_text("x", encoding="utf-8")
    run = run_cli("import", str(unknown), "--content", str(content))
    assert run.code == 2 and "cannot tell the format of 'refs.txt'" in run.err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x", encoding="utf-8")
    run = import_("zotero.bib", tmp_path / "other")
    assert run.code == 2 and "has no site.yaml" in run.err


CMOC_SITE = {
    "theories/T1.md": "---\ntitle: Co-location builds trust\n---\n",
    "papers/smith-2019.md": "---\ntitle: Teams and trust\nauthors: [Smith J, Jones K]\nyear: 2019\n---\n",
    "papers/brown-2018.md": "---\ntitle: Older people\nauthors: [Brown A]\nyear: 2018\n---\n",
    "papers/muller-2020.md": "---\ntitle: Cafe clinics\nauthors: [Müller H]\nyear: 2020\n"
                             "doi: 10.1186/s12913-020-0001-1\n---\n",
}


def test_cmocs_from_a_spreadsheet(make_site):
    content = make_site(CMOC_SITE)
    run = run_cli("import", str(SAMPLES / "cmocs.csv"), "--kind", "cmocs", "--content", str(content))
    assert files(content, "cmocs") == {"cmoc-T1-01.md", "cmoc-T1-02.md"}
    messages = [line.replace(str(SAMPLES) + "/", "") for line in run.lines if "[import." in line]
    assert messages == [
        "cmocs.csv: error: row 4: unknown paper 'Nobody 1999' (give a paper id, citation key, DOI or "
        "'Surname Year') [import.unknown-id]",
        "cmocs.csv: error: row 5: unknown theory 'T9' [import.unknown-id]"]
    assert run.lines[-1] == "import: 2 created, 0 updated, 0 skipped, 2 failed" and run.code == 1
    first = front(content / "cmocs" / "cmoc-T1-01.md")
    assert first == {"context": "Practices share a building with community teams",
                     "mechanism": "Staff meet informally and come to trust each other",
                     "outcome": "More joint care plans",
                     "sources": [{"paper": "smith-2019", "locator": "p. 50",
                                  "quote": "We just walk down the corridor"}],
                     "theories": ["T1"], "direction": "enabler", "extra": {"Coder": "AB"}}
    second = front(content / "cmocs" / "cmoc-T1-02.md")
    assert second["sources"] == ["muller-2020", "brown-2018"]  # a DOI and an id
    assert run_cli("check", "--content", str(content), "--quiet").code == 0
    again = run_cli("import", str(SAMPLES / "cmocs.csv"), "--kind", "cmocs", "--content", str(content))
    assert again.lines[-1] == "import: 0 created, 0 updated, 2 skipped, 2 failed"
    assert files(content, "cmocs") == {"cmoc-T1-01.md", "cmoc-T1-02.md"}
