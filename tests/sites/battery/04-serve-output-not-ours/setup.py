"""An --output folder serve did not write (a home folder, a project): refused, never built into or served."""
from pathlib import Path


def setup(work: Path) -> None:
    (work / "site").mkdir()
    (work / "site" / "notes.txt").write_text("my own notes\n", encoding="utf-8")
