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


def test_beside_runs_in_a_thread_and_leaves_the_process_single_threaded(capfd):
    """speed.parallel.beside: the work runs in another thread while the block runs, its result (None
    when it raised, with nothing printed) is there after the block, and by then the thread has left
    the process, so forking is safe again."""
    import threading
    from evidence_explorer.speed.parallel import beside, single_threaded

    started, go = threading.Event(), threading.Event()

    def work():
        started.set()
        go.wait(5)
        return threading.get_ident()

    with beside(work) as result:
        assert started.wait(5) and not single_threaded()  # it runs while the block does
        go.set()
    assert result() not in (None, threading.get_ident()) and single_threaded() and can_fork()
    assert result() is None  # handed over once: a large result is not kept alive by the getter

    def fails():
        raise MemoryError("no room")

    with beside(fails) as result:
        pass
    assert result() is None and single_threaded()
    assert capfd.readouterr().err == ""


def test_beside_a_failing_block_still_joins_the_thread():
    from evidence_explorer.speed.parallel import beside, single_threaded
    with pytest.raises(KeyError):
        with beside(lambda: 1):
            raise KeyError("x")
    assert single_threaded()


def test_beside_nothing_starts_no_thread():
    from evidence_explorer.speed.parallel import beside, single_threaded
    with beside(None) as result:
        assert single_threaded()
    assert result() is None


def test_in_child_asks_in_another_process_and_reaps_it(tmp_path):
    """``in_child``: the question is asked in a forked child (its answer comes back as one byte), and
    the child is gone when the block ends."""
    from evidence_explorer.speed.parallel import in_child

    marker = tmp_path / "asked"

    def question() -> bool:
        marker.write_text(str(os.getpid()))
        return True

    with in_child(question) as answer:
        assert answer() is True and answer() is True  # (asked once, kept)
    assert int(marker.read_text()) != os.getpid()
    with in_child(lambda: False) as answer:
        assert answer() is False
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind, not even a zombie


def test_in_child_that_cannot_answer_says_none_and_an_unasked_one_is_killed():
    from evidence_explorer.speed.parallel import in_child

    def broken() -> bool:
        raise ValueError("boom")

    with in_child(broken) as answer:
        assert answer() is None  # the caller asks again itself
    with in_child(lambda: os._exit(3)) as answer:
        assert answer() is None
    with in_child(lambda: __import__("time").sleep(60) or True):
        pass  # never asked: killed, not waited for a minute
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_in_child_without_fork_asks_here(monkeypatch):
    from evidence_explorer.speed import aside, parallel

    monkeypatch.setattr(aside, "can_fork", lambda: False)
    pids = []
    with parallel.in_child(lambda: pids.append(os.getpid()) or True) as answer:
        assert pids == []  # asked only when the answer is wanted
        assert answer() is True
    assert pids == [os.getpid()]


def test_beside_getter_inside_the_block_waits_and_the_thread_is_gone():
    """The getter waits for the work: asked inside the block, it hands over the result, and the
    thread has left the process by then, so the block can fork (``build`` asks for its snapshot's
    payload, then forks a child to check the sites)."""
    import threading
    import time
    from evidence_explorer.speed.parallel import beside, can_fork

    go = threading.Event()

    def work():
        go.wait(5)
        time.sleep(0.05)
        return "read"

    with beside(work) as result:
        go.set()
        assert result() == "read" and can_fork()
        assert result() is None  # (handed over once)
