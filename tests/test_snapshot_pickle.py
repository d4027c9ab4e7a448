"""The snapshot's pickle (dev/snapshot.py): slotted dataclasses made by their class's maker, the
deps stored as tuples, the head plain data; and what its unpickler refuses."""
from __future__ import annotations

import io
import pickle

import pytest

from evidence_explorer.content.diagnostics import Location
from evidence_explorer.content.fields import Ref
from evidence_explorer.content.model import EMPTY, Paper
from evidence_explorer.dev import snapshot
from evidence_explorer.site.views import PageSpec


def roundtrip(value):
    buffer = io.BytesIO()
    snapshot._Pickler(buffer, pickle.HIGHEST_PROTOCOL).dump(value)
    return snapshot._Unpickler(io.BytesIO(buffer.getvalue())).load(), buffer.getvalue()


def test_slotted_dataclasses_come_back_equal_and_shared_objects_stay_shared():
    paper = Paper(id="p1", title="A title", review=(Ref.at("r1", 7), Ref("r2")), extra=EMPTY)
    spec = PageSpec("papers/p1/", "paper.html", "A title", {"e": paper, "again": paper}, "papers", paper)
    where = Location("papers/p1.md", 3)
    (spec2, paper2, where2), data = roundtrip((spec, paper, where))
    assert (spec2, paper2, where2) == (spec, paper, where)
    assert spec2.entity is paper2 and spec2.context["e"] is paper2 and spec2.context["again"] is paper2
    assert [getattr(r, "line", None) for r in paper2.review] == [7, None]
    assert b"made." in data and b"slots" not in data  # made by the makers, no setter loop


@pytest.mark.parametrize("module,name", [
    ("evidence_explorer.speed.slotted", "made.os:system"),
    ("evidence_explorer.speed.slotted", "made.builtins:eval"),
    ("evidence_explorer.speed.slotted", "made.evidence_explorer/content/link:Corpus.__init__"),
    ("evidence_explorer.speed.slotted", "made.evidence_explorer/cli:main"),
    ("evidence_explorer.speed.slotted", "made.evidence_explorer/content/load:os"),
    ("evidence_explorer.speed.slotted", "made.evidence_explorer/nothing:Location"),
    ("evidence_explorer.speed.slotted", "made.evidence_explorer/content/link:Corpus"),
    ("evidence_explorer.speed.slotted", "maker"),
    ("evidence_explorer.dev.snapshot", "exec"),
])
def test_the_unpickler_admits_only_makers_of_the_packages_slotted_dataclasses(module, name):
    with pytest.raises(pickle.UnpicklingError):
        snapshot._Unpickler(io.BytesIO(b"")).find_class(module, name)


def test_a_maker_is_found_by_name_in_a_fresh_namespace(monkeypatch):
    """The unpickling process has made no maker yet: the name alone makes it, for that class only."""
    from evidence_explorer.speed import slotted
    monkeypatch.setattr(slotted, "made", type(slotted.made)())
    make = snapshot._Unpickler(io.BytesIO(b"")).find_class(
        "evidence_explorer.speed.slotted", "made.evidence_explorer/content/diagnostics:Location")
    assert make("a.md", 2) == Location("a.md", 2) and type(make("a.md", 2)) is Location


def test_the_head_is_plain_data():
    evil = pickle.dumps((snapshot.MAGIC, snapshot.FORMAT, "key", {"root": 1}, Location("x", 1)))
    assert snapshot.head_of(evil) is None  # a class in the head: no snapshot
    plain = pickle.dumps((snapshot.MAGIC, snapshot.FORMAT, "key", {"root": 1}, None)) + b"rest"
    head = snapshot.head_of(plain)
    assert head is not None and (head.key, head.current, head.spare) == ("key", {"root": 1}, None)
    assert plain[head.rest:] == b"rest"
