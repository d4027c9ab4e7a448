"""speed.parallel.side_by_side: the second part (a build's exports) in a forked child, its result
pickled back, its failures raised here."""
from __future__ import annotations

import errno
import os
from types import MappingProxyType

import pytest

from evidence_explorer.speed.parallel import RenderError, can_fork, side_by_side

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork and a single thread")


def test_the_second_part_runs_in_a_child_and_comes_back():
    def second():
        return os.getpid(), {"ro": MappingProxyType({"x": (1, "two")}), "text": "é" * 10}

    first_pid, (child_pid, value) = side_by_side(2, os.getpid, second)
    assert first_pid == os.getpid() != child_pid  # the second part ran in another process
    assert isinstance(value["ro"], MappingProxyType) and dict(value["ro"]) == {"x": (1, "two")}
    assert value["text"] == "é" * 10


def test_one_job_runs_both_here():
    assert side_by_side(1, os.getpid, os.getpid) == (os.getpid(), os.getpid())
    assert side_by_side(2, os.getpid, os.getpid)[1] != os.getpid()


def test_a_failure_in_the_child_is_an_error_here():
    def broken():
        raise ValueError("boom")

    with pytest.raises(RenderError, match="boom"):
        side_by_side(2, lambda: 1, broken)

    def disk_full():
        raise OSError(errno.ENOSPC, "No space left on device", "/x")

    with pytest.raises(OSError) as raised:
        side_by_side(2, lambda: 1, disk_full)
    assert raised.value.errno == errno.ENOSPC
