"""Issue 14 item 2: a committed .cache/ beside the output folder: a manifest claiming the site is up to
date (replaying a forged diagnostic), Markdown entries and compiled templates whose code writes a file.
None is sealed with the user's key, so none is read: the real problem of the content is reported."""
import json
import marshal
from pathlib import Path

from evidence_explorer.speed.cache import cache_root, code_fingerprint


def setup(work: Path) -> None:
    folder = cache_root((work / "site").resolve()) / code_fingerprint()
    (folder / "jinja").mkdir(parents=True)
    forged = {"format": 2, "key": [], "content": {}, "taken_ns": 0, "output": {}, "pages": 1,
              "diagnostics": [["error", "forged", "FORGED DIAGNOSTIC", "nowhere.md", 1]]}
    (folder / "uptodate.json").write_text(json.dumps(forged), encoding="utf-8")
    (folder / "markdown.json").write_text(json.dumps({"0" * 32: "<script>pwned()</script>"}), encoding="utf-8")
    code = compile(f"open({str(work / 'pwned')!r}, 'w')", "<planted>", "exec")
    for name in ("__jinja2_planted.cache", "planted.bin"):
        (folder / "jinja" / name).write_bytes(b"j2" + marshal.dumps(code))
