"""serve shows an edited entity's own page first (``dev.first_look``) and completes the rebuild in the
background; meanwhile a request for any other page waits for it, never getting a page older than the
edit. The completion is held on a gate here, so what is served before and after it is certain."""
from __future__ import annotations

import asyncio
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from pathlib import Path

import pytest

from evidence_explorer.dev import serve as serve_module
from evidence_explorer.dev.changes import Changes
from evidence_explorer.dev.serve import DevServer
from evidence_explorer.pipeline import BuildOptions

from test_serve import free_port

PAPER = "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\ntheories: [T1]\n---\nBody of the study.\n"
THEORY = "---\ntitle: Theory one\n---\nNarrative.\n"
CMOC = ("---\ntitle: {title}\ntheories: [{{theory: T1, relation: supports}}]\nsources: [{{paper: doe-2020, "
        "locator: p. 3}}]\ncontext: Small rural practices.\nmechanism: Staff feel trusted.\noutcome: Fewer missed "
        "visits.\n---\n")
EDITED = "Continuity kept by named nurses"


@pytest.fixture
def gated(make_site, tmp_path, monkeypatch):
    """An early-showing DevServer whose background completion waits for ``gate``."""
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY,
                         "papers/roe-2021.md": PAPER.replace("Doe J", "Roe K").replace("2020", "2021"),
                         "cmocs/c1.md": CMOC.format(title="Trust in the team"),
                         "cmocs/c2.md": CMOC.format(title="Shared records").replace("doe-2020", "roe-2021")})
    logs: list[str] = []
    dev = DevServer(BuildOptions(content=content, output=tmp_path / "out", search=False), log=logs.append,
                    early=True)
    assert dev.build() is not None and dev.state is not None, logs
    gate, real = threading.Event(), serve_module.finish

    def held(*args, **kwargs):
        if threading.current_thread().name == "rebuild-rest":
            assert gate.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(serve_module, "finish", held)
    dev.gate, dev.logs, dev.content = gate, logs, content  # type: ignore[attr-defined]
    yield dev
    gate.set()
    dev.close()


def edit_title(dev) -> Changes:
    (dev.content / "cmocs/c1.md").write_text(CMOC.format(title=EDITED), encoding="utf-8")
    return Changes(content=frozenset({"cmocs/c1.md"}))


def test_edited_page_is_written_first_and_the_rest_follows(gated):
    out = gated.options.output
    before = gated.state
    outcome = gated.build(edit_title(gated))
    assert outcome is not None and outcome.shown and outcome.state is None
    assert outcome.rendered == ("cmocs/c1/",)
    assert EDITED in (out / "cmocs/c1/index.html").read_text(encoding="utf-8")
    assert EDITED not in (out / "theories/T1/index.html").read_text(encoding="utf-8")  # not yet
    assert gated.state is before  # the state moves only when the rebuild is complete
    theory = gated.waiting("theories/T1/index.html")
    assert theory is not None and not theory.done()
    assert gated.waiting("cmocs/c1/index.html") is None  # the page shown first is final
    assert gated.waiting("static/style.css") is None  # not a page: nothing of it changes
    assert gated.waiting("cmocs/c2/index.html") is None  # a CMOC's page that holds nothing edited
    assert gated.waiting("papers/roe-2021/index.html") is None
    assert gated.waiting("papers/doe-2020/index.html") is not None  # c1's source lists it
    assert gated.waiting("cmocs/index.html") is not None  # a shared page
    gated.gate.set()
    gated.settle()
    assert theory.done() and gated.waiting("theories/T1/index.html") is None
    assert gated.state is not before and gated.state.corpus.get("c1").title == EDITED
    assert EDITED in (out / "theories/T1/index.html").read_text(encoding="utf-8")
    assert EDITED in (out / "papers/doe-2020/index.html").read_text(encoding="utf-8")
    assert any(line.startswith("showed cmocs/c1/ in ") for line in gated.logs), gated.logs
    assert any(line.startswith("rebuilt ") for line in gated.logs), gated.logs


def test_a_request_for_another_page_waits_for_the_rest_of_the_rebuild(gated):
    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets
    from evidence_explorer.dev.serve_http import application

    port = free_port()
    sockets = bind_sockets(port, "127.0.0.1")
    started, loop_box = threading.Event(), {}

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        from tornado.ioloop import IOLoop
        server = HTTPServer(application(gated, "127.0.0.1", port, "/"))
        server.add_sockets(sockets)
        loop_box["loop"] = IOLoop.current()
        started.set()
        IOLoop.current().start()

    threading.Thread(target=run, daemon=True).start()
    assert started.wait(10)
    url = f"http://127.0.0.1:{port}"
    fetch = lambda path: urllib.request.urlopen(url + path, timeout=30).read().decode()  # noqa: E731
    try:
        assert gated.build(edit_title(gated)).shown
        assert EDITED in fetch("/cmocs/c1/")  # the edited page at once
        with ThreadPoolExecutor(1) as pool:
            theory = pool.submit(fetch, "/theories/T1/")
            with pytest.raises(FutureTimeout):
                theory.result(timeout=1.0)  # held until the rebuild is complete
            assert fetch("/static/style.css")  # files that are not pages are not held
            gated.gate.set()
            assert EDITED in theory.result(timeout=30)
    finally:
        gated.gate.set()
        loop_box["loop"].add_callback(loop_box["loop"].stop)


def test_a_failed_completion_keeps_the_edit_pending_and_says_so(gated, monkeypatch):
    held = serve_module.finish

    def broken(*args, **kwargs):
        if threading.current_thread().name == "rebuild-rest":
            raise RuntimeError("boom")  # a bug in the rest of the rebuild
        return held(*args, **kwargs)

    monkeypatch.setattr(serve_module, "finish", broken)
    assert gated.build(edit_title(gated)).shown
    gated.settle()
    status = gated.status.json()
    assert '"ok": false' in status and "internal error: RuntimeError: boom" in status
    assert gated.pending.content == frozenset({"cmocs/c1.md"})  # the next build redoes the edit
    monkeypatch.undo()
    outcome = gated.build()
    gated.settle()
    assert outcome is not None
    assert EDITED in (gated.options.output / "theories/T1/index.html").read_text(encoding="utf-8")
    assert gated.state.corpus.get("c1").title == EDITED


def test_strict_finds_problems_before_anything_is_shown(make_site, tmp_path):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY,
                         "cmocs/c1.md": CMOC.format(title="Trust in the team")})
    dev = DevServer(BuildOptions(content=content, output=tmp_path / "out", search=False, strict=True),
                    log=lambda text: None, early=True)
    try:
        assert dev.build() is not None and dev.state is not None
        page = (tmp_path / "out/cmocs/c1/index.html").read_text(encoding="utf-8")
        # an edit in place that makes the paper "cited only as refuting": a warning, an error under --strict
        (content / "cmocs/c1.md").write_text(CMOC.format(title=EDITED).replace("supports", "refutes"),
                                             encoding="utf-8")
        outcome = dev.build(Changes(content=frozenset({"cmocs/c1.md"})))
        dev.settle()
        assert outcome is not None and not outcome.shown and outcome.state is None
        assert "integrity.only-refuting" in dev.status.json()
        assert (tmp_path / "out/cmocs/c1/index.html").read_text(encoding="utf-8") == page
    finally:
        dev.close()


def test_an_open_theory_page_is_shown_first_too(gated):
    out = gated.options.output
    gated.viewed("theories/T1/index.html")  # a browser showed the theory page last
    gated.viewed("papers/index.html")  # not an entity's own page: left to the rest of the rebuild
    outcome = gated.build(edit_title(gated))
    assert set(outcome.rendered) == {"cmocs/c1/", "theories/T1/"}
    assert EDITED in (out / "theories/T1/index.html").read_text(encoding="utf-8")
    assert gated.waiting("theories/T1/index.html") is None
    assert gated.waiting("papers/index.html") is not None
    assert EDITED not in (out / "papers/doe-2020/index.html").read_text(encoding="utf-8")  # not yet
    gated.gate.set()
    gated.settle()
    assert EDITED in (out / "papers/doe-2020/index.html").read_text(encoding="utf-8")


def test_stopping_does_not_wait_for_the_rest_and_nothing_is_written_after(gated):
    out = gated.options.output
    assert gated.build(edit_title(gated)).shown
    theory = (out / "theories/T1/index.html").read_bytes()
    started = time.monotonic()
    gated.close()  # Ctrl+C while the rest is held: the session ends at once
    assert time.monotonic() - started < 5
    gated.gate.set()
    gated.settle()
    assert (out / "theories/T1/index.html").read_bytes() == theory  # the rest was not written after the stop
    assert not any(line.startswith(("rebuilt ", "build failed")) for line in gated.logs), gated.logs


def test_settle_from_another_thread_waits_for_a_build_under_way(gated, monkeypatch):
    """``settle()`` called from another thread while a build is between writing the edited page and
    starting its background completion (where ``benchmarks/serve_visible.py`` calls it, as soon as
    the page is on disk) waits for that completion: it neither raised ("cannot join thread before it
    is started") nor returned before the rest of the rebuild was written."""
    started, release = threading.Event(), threading.Event()
    real = serve_module.DevServer._shown

    def slow_shown(self, *args, **kwargs):  # the page is written; the completion is not started yet
        started.set()
        assert release.wait(60)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(serve_module.DevServer, "_shown", slow_shown)
    builder = threading.Thread(target=gated.build, args=(edit_title(gated),))
    builder.start()
    assert started.wait(60)
    settled: list[BaseException | None] = []

    def settle() -> None:
        try:
            gated.settle()
            settled.append(None)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            settled.append(exc)

    waiter = threading.Thread(target=settle)
    waiter.start()
    try:
        waiter.join(0.3)
        assert waiter.is_alive(), f"settle() returned while the build was still under way: {settled}"
    finally:
        release.set()
        builder.join(60)
        gated.gate.set()
        waiter.join(60)
    assert settled == [None]
    assert EDITED in (gated.options.output / "theories/T1/index.html").read_text(encoding="utf-8")
