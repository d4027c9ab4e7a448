"""A FIFO given to import as its reference file: a usage error at once, never a read that waits."""
import os
from pathlib import Path


def setup(work: Path) -> None:
    (work / "content").mkdir(exist_ok=True)
    (work / "content" / "site.yaml").write_text("title: T\n", encoding="utf-8")
    os.mkfifo(work / "refs.ris")
