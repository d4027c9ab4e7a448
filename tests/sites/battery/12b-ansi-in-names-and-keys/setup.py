"""A file name with terminal escapes (colour, clear screen): printed escaped, never raw."""
from pathlib import Path

PAPER = "---\ntitle: A study\nauthors: [Smith J]\nyear: 2020\n---\nBody.\n"


def setup(work: Path) -> None:
    papers = work / "content" / "papers"
    (papers / "\x1b[2J\x1b[31mred.md").write_text(PAPER)
    (papers / "raw-key.md").write_text("---\ntitle: T\nauthors: [A B]\nyear: 2020\n\x1b[31mred: 1\n---\nBody.\n")
