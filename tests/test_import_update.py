"""--update refreshes bibliographic fields only: the author's fields, comments and body stay as written."""
from __future__ import annotations

from conftest import run_cli

AUTHORED = """\
---
# Included after full-text screening (AB, 2023-05-01)
title: Teams and trust in primary care (preprint)
authors:
  - Smith J
year: 2019
design: qualitative interviews   # as the paper describes it
setting: [general practice]
aim: To explore trust in teams.
quality: {relevance: high, rigour: moderate, note: Small sample.}
citekey: smith2019teams
extra:
  screened_by: AB
---
My notes: the strongest account of co-location in the corpus.

- quote on p. 50
"""

BIB = """\
@article{smith2019teams,
  title = {Teams and trust in primary care: a qualitative study},
  author = {Smith, John and Jones, Kate},
  journal = {Journal of Integrated Care},
  year = {2019},
  volume = {12},
  doi = {10.1234/jic.2019.45},
}
"""


def test_update_keeps_body_and_notes_while_refreshing_title(make_site, tmp_path):
    content = make_site({"papers/smith-2019.md": AUTHORED})
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    path = content / "papers" / "smith-2019.md"

    plain = run_cli("import", str(bib), "--content", str(content))
    assert "skipped: papers/smith-2019.md exists (same id or citation key 'smith2019teams'); --update " \
           "refreshes its bibliographic fields" in plain.err
    assert plain.lines[-1] == "import: 0 created, 0 updated, 1 skipped, 0 failed"
    assert path.read_text(encoding="utf-8") == AUTHORED

    dry = run_cli("import", str(bib), "--content", str(content), "--update", "--dry-run")
    assert f"would update {content}/papers/smith-2019.md (changed authors, doi, journal, title, volume)" in dry.out
    assert path.read_text(encoding="utf-8") == AUTHORED

    run = run_cli("import", str(bib), "--content", str(content), "--update")
    assert run.code == 0, run.err
    assert run.lines[-1] == "import: 0 created, 1 updated, 0 skipped, 0 failed"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Teams and trust in primary care: a qualitative study"' in text
    assert "(preprint)" not in text
    assert "authors:\n  - Smith J\n  - Jones K\n" in text  # the list keeps its indentation
    assert 'journal: Journal of Integrated Care\nvolume: "12"\ndoi: 10.1234/jic.2019.45\n' in text
    # every author-written line is byte-for-byte unchanged, comments included, and so is the body
    for line in ("# Included after full-text screening (AB, 2023-05-01)",
                 "design: qualitative interviews   # as the paper describes it", "setting: [general practice]",
                 "aim: To explore trust in teams.",
                 "quality: {relevance: high, rigour: moderate, note: Small sample.}", "citekey: smith2019teams",
                 "extra:\n  screened_by: AB\n"):
        assert line in text
    assert text.endswith("---\nMy notes: the strongest account of co-location in the corpus.\n\n- quote on p. 50\n")
    assert run_cli("check", "--content", str(content), "--quiet").code == 0

    again = run_cli("import", str(bib), "--content", str(content), "--update")
    assert "skipped: papers/smith-2019.md is up to date" in again.err
    assert again.lines[-1] == "import: 0 created, 0 updated, 1 skipped, 0 failed"
    assert path.read_text(encoding="utf-8") == text


def test_update_that_would_break_the_file_is_refused(make_site, tmp_path):
    content = make_site({"papers/smith-2019.md": AUTHORED})
    path = content / "papers" / "smith-2019.md"
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB.replace("year = {2019}", "year = {2019}, url = {ftp://example.org/x}"), encoding="utf-8")
    run = run_cli("import", str(bib), "--content", str(content), "--update")
    assert "'url' must be an http:// or https:// URL" in run.err  # the bad value is reported…
    assert run.code == 0 and path.read_text(encoding="utf-8") != AUTHORED  # …and the rest still refreshed
    assert "ftp://" not in path.read_text(encoding="utf-8")
