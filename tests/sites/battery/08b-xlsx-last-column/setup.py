"""A 200-row .xlsx with a cell in the sheet's last column (XFD, 16,384) on each row, declaring itself
A1:XFD1048576: openpyxl's read-only rows are padded to the widest column (2 GB of memory for a
385 KB file). Row 101 has no authors, so the run exits 1."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/, for wide_xlsx
from wide_xlsx import write_xlsx  # noqa: E402


def setup(work: Path) -> None:
    (work / "content" / "site.yaml").write_text("title: Battery\n", encoding="utf-8")
    rows = [{1: "Title", 2: "Authors", 3: "Year", 16384: "Reviewer"}]
    rows += [{1: f"Paper {i}", 2: "" if i == 99 else "Smith J", 3: str(2000 + i % 20), 16384: "AB"}
             for i in range(200)]
    write_xlsx(work / "wide.xlsx", [{k: v for k, v in r.items() if v} for r in rows])
