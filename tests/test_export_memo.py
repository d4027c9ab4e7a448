"""``dev/export_memo.py``: a run joined from the last join's bytes (spans of neighbours copied as
slices, other items computed) equals the run joined afresh, whatever the edit did to its items:
replaced, moved, added, removed; and through the snapshot's split (``parted``, a fragments file,
``attach``) only the memo's own file is joined from."""
from __future__ import annotations

import pickle
import random

from hypothesis import given, settings, strategies as st

from evidence_explorer.dev.export_memo import NONCE, ExportMemo
from evidence_explorer.exports.layout import Run, text_of


class Item:
    def __init__(self, text: str) -> None:
        self.text = text


def piece(item: Item) -> str:
    return item.text


def layout(items: list[Item], sep: str) -> tuple:
    return ("head\n", Run("r", tuple(items), piece, sep), "tail", Run("s", tuple(reversed(items)), piece, "|"))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), sep=st.sampled_from(["", ",", "\r\n"]))
def test_joins_equal_fresh_joins_over_random_edits(seed, sep, tmp_path_factory):
    rng = random.Random(seed)
    items = [Item(f"i{k}" * rng.randint(0, 3)) for k in range(rng.randint(0, 12))]
    memo = ExportMemo()
    folder = tmp_path_factory.mktemp("written")
    for step in range(6):
        if rng.random() < 0.5:  # written from its pieces (``build``'s snapshot path), kept as a mapped file
            path = folder / f"{step}.csv"
            size = memo.write(layout(items, sep), str(path))
            assert path.read_bytes() == text_of(layout(items, sep)).encode("utf-8") and size == path.stat().st_size
        assert memo.join(layout(items, sep)) == text_of(layout(items, sep)).encode("utf-8")
        before = memo.computed
        again = memo.join(layout(items, sep))
        assert again == text_of(layout(items, sep)).encode("utf-8") and memo.computed == before
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(["replace", "move", "add", "remove"])
            if op == "add" or not items:
                items.insert(rng.randint(0, len(items)), Item(f"n{rng.random():.3f}"))
            elif op == "replace":
                k = rng.randrange(len(items))
                items[k] = Item(items[k].text + "é")
            elif op == "move":
                items.insert(rng.randint(0, len(items) - 1), items.pop(rng.randrange(len(items))))
            else:
                items.pop(rng.randrange(len(items)))
        if rng.random() < 0.3:  # through the snapshot's split and back
            light, parts = memo.parted()
            blob = b"".join(parts)
            memo, items = pickle.loads(pickle.dumps((light, items)))  # the items with it, as in a snapshot
            memo.attach(lambda blob=blob: blob)


def test_only_its_own_fragments_file_is_joined_from():
    items = [Item(f"x{k}") for k in range(5)]
    memo = ExportMemo()
    memo.join(layout(items, ","))
    light, parts = memo.parted()
    other, other_parts = memo.parted()  # another save: another tag
    assert parts[0] != other_parts[0] and len(parts[0]) == NONCE
    for blob, kept in ((b"".join(parts), True), (b"".join(other_parts), False), (None, False),
                       (b"".join(parts)[:NONCE + 3], None)):
        copy, now = pickle.loads(pickle.dumps((light, items)))
        copy.attach(lambda blob=blob: blob)
        now[2] = Item("edited")
        assert copy.join(layout(now, ",")) == text_of(layout(now, ",")).encode("utf-8")
        if kept is not None:
            assert copy.computed == (2 if kept else 2 * len(now)), blob


def test_parts_are_written_as_joined(tmp_path):
    """``files.write_parts``: more parts than one ``writev`` takes, bytes and views of them, empty
    ones, none at all; the file holds their join and the size is its length."""
    from evidence_explorer.content.files import _BATCH, mapped_file, write_parts
    rng = random.Random(7)
    blob = bytes(rng.getrandbits(8) for _ in range(50_000))
    for count in (0, 1, _BATCH - 1, _BATCH, 3 * _BATCH + 5):
        parts = []
        for k in range(count):
            start = rng.randrange(len(blob))
            piece = blob[start:start + rng.choice([0, 1, 7, 300])]
            parts.append(memoryview(blob)[start:start + len(piece)] if k % 2 else piece)
        path = tmp_path / f"{count}.bin"
        path.write_bytes(b"old bytes, longer than some of the new files")
        size = write_parts(str(path), parts)
        assert path.read_bytes() == b"".join(parts) and size == len(b"".join(parts))
        assert bytes(mapped_file(str(path), size)) == b"".join(parts)
