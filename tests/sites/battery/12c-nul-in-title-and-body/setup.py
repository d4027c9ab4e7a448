"""NUL and other control characters in a body (git would call the file binary)."""
from pathlib import Path


def setup(work: Path) -> None:
    papers = work / "content" / "papers"
    body = "Body line one.\n" * 700 + "A NUL \x00 after the first 8 KB.\n"
    (papers / "nulbody.md").write_text("---\ntitle: T\nauthors: [A B]\nyear: 2020\n---\n" + body)
    (papers / "escbody.md").write_text("---\ntitle: T\nauthors: [A B]\nyear: 2020\n---\nText\n\x1b[31mred\n")
