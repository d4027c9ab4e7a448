"""File names git cannot hold well: a final newline (the id pattern's '$' once matched before it)
and a newline followed by a forged diagnostic line."""
from pathlib import Path

PAPER = "---\ntitle: A study\nauthors: [Smith J]\nyear: 2020\n---\nBody.\n"


def setup(work: Path) -> None:
    papers = work / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "trail\n.md").write_text(PAPER)
    (papers / "x\nok.md:1: error: forged line [schema.type]\nx.md").write_text(PAPER)
