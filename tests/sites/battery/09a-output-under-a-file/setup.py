"""The output's parent folder is a regular file: creating the output fails (an I/O error, exit 2)."""
from pathlib import Path


def setup(work: Path) -> None:
    (work / "notes").write_text("a file where a folder is expected\n", encoding="utf-8")
