"""Values that repeat across content files are one object each (content/load.py's short strings,
content/fields.lineless): smaller in every process, quicker to pickle for the load's workers and
the snapshot. Equal values either way; only the count of objects changes."""
from __future__ import annotations

import pickle

import pytest

from evidence_explorer.content.fields import Id, Ref, drop_known_line
from evidence_explorer.content.load import SHARED_CHARS, parse_yaml


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "pure Python"])
def test_short_strings_read_from_two_files_are_one_object(fast):
    a = parse_yaml("status: agreed\nsetting: [Acute hospital, Care homes]\ntitle: " + "x" * 60 + "\n", fast=fast)
    b = parse_yaml("status: 'agreed'\nsetting:\n  - Acute hospital\ntitle: " + "x" * 60 + "\n", fast=fast)
    assert a == {"status": "agreed", "setting": ["Acute hospital", "Care homes"], "title": "x" * 60}
    assert a["status"] is b["status"] and a["setting"][0] is b["setting"][0]
    assert len(a["title"]) > SHARED_CHARS and a["title"] is not b["title"]  # (long text is not looked up)


def test_refs_without_a_line_are_one_object_per_id_and_keep_their_lines_otherwise():
    first, second = Id().parse("smith-2019", "paper", 7), Id().parse(" smith-2019 ", "paper", 9)
    assert first.line == 7 and second.line == 9 and first is not second
    one, other = drop_known_line(first, 7), drop_known_line(second, 9)
    assert one is other and one == "smith-2019" and type(one) is Ref and one.line is None
    assert drop_known_line(first, 8) is first  # a line of its own is kept (and the object)
    many = drop_known_line((Id().parse("a1", "x", 3), Id().parse("a1", "x", 4)), 3)
    assert many[0] is drop_known_line(Id().parse("a1", "x", 5), 5)
    assert many[1].line == 4


def test_shared_values_pickle_once():
    values = [drop_known_line(Id().parse("p-1", "paper", n), n) for n in range(1, 200)]
    assert len({id(v) for v in values}) == 1
    assert len(pickle.dumps(values)) < 1000  # (199 separate refs took about 25 bytes each)
