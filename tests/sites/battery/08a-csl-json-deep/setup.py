"""A CSL-JSON file nested 100,000 levels deep (the JSON decoder's recursion ran out: exit 3)."""
from pathlib import Path


def setup(work: Path) -> None:
    (work / "content" / "site.yaml").write_text("title: Battery\n", encoding="utf-8")
    (work / "deep.json").write_text('[\n  {"title": "A", "author": [{"family": "Smith"}]},\n  '
                                    + "[" * 100_000 + "]" * 100_000 + "\n]\n", encoding="utf-8")
