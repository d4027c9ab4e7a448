"""``link.body_links`` with its shortcuts (no ``[`` in the body, no backtick or ``[[`` on a line)
finds exactly the links of the reference: every line outside fences, code spans removed, then searched."""
from __future__ import annotations

import random
import re
from types import SimpleNamespace

from evidence_explorer.content.link import _FENCE, WIKILINK, body_links


def reference(entity):
    in_fence = False
    for n, text in enumerate(entity.body.split("\n")):
        if _FENCE.match(text):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for m in WIKILINK.finditer(re.sub(r"`[^`]*`", "", text)):
            yield m.group(1).strip(), m.group(2), entity.body_line + n


def test_body_links_equal_the_reference():
    rng = random.Random(3)
    parts = ["[[", "]]", "[", "]", "`", "```", "~~~", "\n", "a", "id", "|", " ", "x`y", "\n  ```\n"]
    found = 0
    for _ in range(20000):
        entity = SimpleNamespace(body="".join(rng.choice(parts) for _ in range(rng.randint(0, 30))), body_line=5)
        expected = list(reference(entity))
        assert list(body_links(entity)) == expected, repr(entity.body)
        found += len(expected)
    assert found > 100
    tricky = SimpleNamespace(body="see [`code`[a]] and `[[b]]`\n```\n[[c]]\n```\n[[d|D]]", body_line=1)
    assert list(body_links(tricky)) == [("a", None, 1), ("d", "D", 5)] == list(reference(tricky))
