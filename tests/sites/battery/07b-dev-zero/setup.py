import os
from pathlib import Path


def setup(work: Path) -> None:
    # allowed to leave the content folder, but still only regular files are read
    os.symlink("/dev/zero", work / "content" / "pages" / "zero.md")
