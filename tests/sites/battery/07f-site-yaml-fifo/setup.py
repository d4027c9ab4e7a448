import os
from pathlib import Path


def setup(work: Path) -> None:
    (work / "content" / "site.yaml").unlink()
    os.mkfifo(work / "content" / "site.yaml")
