"""Duplicates by evidence: identifiers first, then title + first author + year with volume and page not
disagreeing; an uncertain match is imported and reported, never skipped."""
from __future__ import annotations

from conftest import run_cli

TUGBOAT = """\
@article{ed1, title = {Editorial}, author = {Beeton, Barbara}, journal = {TUGboat}, year = {1998},
  volume = {19}, number = {1}, pages = {3}}
@article{ed2, title = {Editorial}, author = {Beeton, Barbara}, journal = {TUGboat}, year = {1998},
  volume = {19}, number = {2}, pages = {105}}
@article{ed3, title = {Editorial}, author = {Beeton, Barbara}, journal = {TUGboat}, year = {1998},
  volume = {19}, number = {1}, pages = {3--4}}
"""


def test_same_title_author_and_year_in_other_issues_are_other_papers(make_site, tmp_path):
    content = make_site({})
    bib = tmp_path / "tugboat.bib"
    bib.write_text(TUGBOAT, encoding="utf-8")
    run = run_cli("import", str(bib), "--content", str(content))
    assert run.lines[-1] == "import: 2 created, 0 updated, 1 skipped, 0 failed", run.err
    assert "entry 'ed3': skipped: the same paper as entry 'ed1' (same title, year and first author)" in run.err


def test_an_uncertain_match_is_imported_and_reported(make_site, tmp_path):
    content = make_site({"papers/lee-2018.md": "---\ntitle: Care navigators, a realist evaluation\n"
                                               "authors: [Lee K]\nyear: 2018\n---\n"})
    ris = tmp_path / "refs.ris"
    ris.write_text("TY  - JOUR\nTI  - Care navigators: a realist evaluation\nAU  - Lee, Kate\nPY  - 2019\nER  - \n"
                   "TY  - JOUR\nTI  - Care Navigators -- A Realist Evaluation\nAU  - Lee, K.\nPY  - 2018\nER  - \n",
                   encoding="utf-8")
    run = run_cli("import", str(ris), "--content", str(content))
    assert run.lines[-1] == "import: 1 created, 0 updated, 1 skipped, 0 failed", run.err
    assert ("refs.ris:1: warning: record at line 1: imported, but it may be the same paper as papers/lee-2018.md "
            "(same title and first author, but 2019 and 2018): delete one if they are "
            "[import.possible-duplicate]") in run.err
    assert "record at line 6: skipped: papers/lee-2018.md exists (same title, year and first author)" in run.err
    assert (content / "papers" / "lee-2019.md").exists()


def test_scopus_and_wos_author_cells_with_accented_initials_and_suffixes():
    from evidence_explorer.content.citation import parse_name
    from evidence_explorer.importers.names import split_cell
    assert split_cell("Łukasiewicz Ł., Álvarez É.M., Smith J., III, Ng A.") == \
        (["Łukasiewicz Ł", "Álvarez ÉM", "Smith III J", "Ng A"], None)
    assert split_cell("Łukasiewicz, Ł.; Álvarez, É.M.; Smith, J., III") == \
        (["Łukasiewicz Ł", "Álvarez ÉM", "Smith III J"], None)
    assert split_cell("Smith, J.A.") == (["Smith JA"], None)
    assert split_cell("['Marx, Karl', 'Lindgren, Astrid']") == (["Marx K", "Lindgren A"], None)
    assert not parse_name("Álvarez ÉM").organisation and not parse_name("Łukasiewicz Ł").organisation
    assert parse_name("NHS England").organisation


def test_placeholder_values_are_no_values(make_site, tmp_path):
    content = make_site({})
    ris = tmp_path / "ovid.ris"
    ris.write_text("TY  - JOUR\nTI  - Self-criticism and depression\nAU  - Trindade, Inês A.\nPY  - 2019\n"
                   "SP  - No-Specified\nVL  - nan\nER  - \n", encoding="utf-8")
    run = run_cli("import", str(ris), "--content", str(content))
    assert run.code == 0, run.err
    text = (content / "papers" / "trindade-2019.md").read_text(encoding="utf-8")
    assert "No-Specified" not in text and "nan" not in text and "Trindade IA" in text
