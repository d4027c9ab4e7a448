"""A paper saved with a byte-order mark, CRLF line ends and end-of-line comments, and a BibTeX file
that refreshes it (plus one entry without authors, so the run exits 1 with a located error)."""
from pathlib import Path

PAPER = ("\ufeff---\r\n"
         "title: Teams and trust (preprint)   # as on the preprint\r\n"
         "authors:\r\n"
         "    - Smith J   # corresponding author\r\n"
         "year: 2019 # preprint year\r\n"
         "---\r\n"
         "Notes.\r\n")

BIB = ("@article{smith-2019, title = {Teams and trust}, author = {Smith, John and Jones, Kate},\n"
       "  year = {2020}}\n"
       "@article{nobody, title = {No authors here}, year = {2021}}\n")


def setup(work: Path) -> None:
    content = work / "content"
    (content / "site.yaml").write_text("title: Battery\n", encoding="utf-8")
    (content / "papers").mkdir()
    (content / "papers" / "smith-2019.md").write_bytes(PAPER.encode("utf-8"))
    (work / "refs.bib").write_text(BIB, encoding="utf-8")
