"""The output is a regular file: it is never replaced (exit 2)."""
from pathlib import Path


def setup(work: Path) -> None:
    (work / "site").write_text("not a site\n", encoding="utf-8")
