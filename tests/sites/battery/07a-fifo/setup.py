import os
from pathlib import Path


def setup(work: Path) -> None:
    os.mkfifo(work / "content" / "pages" / "pipe.md")
