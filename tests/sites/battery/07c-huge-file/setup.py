from pathlib import Path


def setup(work: Path) -> None:
    with open(work / "content" / "pages" / "huge.md", "wb") as f:  # sparse: no disk used
        f.write(b"---\ntitle: Huge\n---\n")
        f.truncate(3 * 1024 * 1024)
