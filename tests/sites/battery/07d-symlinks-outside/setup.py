import os
from pathlib import Path


def setup(work: Path) -> None:
    (work / "secret.md").write_text("---\ntitle: Secret\n---\nNot for publishing.\n", encoding="utf-8")
    pages = work / "content" / "pages"
    os.symlink(work / "secret.md", pages / "secret.md")  # a file outside
    os.symlink("/", pages / "root")  # a folder outside: never walked
    os.symlink("..", pages / "up")  # back to a folder already walked
