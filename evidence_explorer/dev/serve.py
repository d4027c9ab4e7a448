"""Development server: build, serve on 127.0.0.1 with live reload, rebuild incrementally on change.

* The OS's file events (:mod:`.watch`; polling where there are none) follow ``content/`` (site.yaml
  included), the templates and the static files; once a burst of saves has settled,
  :func:`~evidence_explorer.incremental.rebuild` re-renders only what changed.
* While the content is broken the last good site keeps being served; a small dev-only script,
  injected into HTML responses by this server (never written into the site), polls
  ``/__evidence-explorer__/status.json`` and shows the diagnostics (``path:line: message``) in an
  overlay. The terminal shows the same.
* The exports and sitemap, then the Pagefind index (built on a hard-linked snapshot of the site,
  installed file by file: :mod:`.search_bundle`) are refreshed in a background thread once the pages
  are written (:mod:`.serve_refresh`): they may lag by seconds, never stay stale once the edits settle.
* Only a folder this program wrote is ever built into and served (a temporary folder unless
  ``--output`` is given); only this server's own host names are answered (:mod:`.serve_http`).
  Ctrl+C, SIGTERM and SIGHUP stop Pagefind and remove the temporary folder before exiting.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Callable

from ..content import urls
from ..content.diagnostics import BuildError, Report, Severity
from .changes import Changes, classify
from .first_look import first_look, held_pages
from .incremental import Outcome, Prepared, SiteState, finish, full_build, prepare, rebuild
from .served import write_pages
from ..options import BuildOptions
from ..site.publish import check_output
from ..site.environment import STATIC_DIR, TEMPLATES_DIR
from .serve_refresh import BackgroundRefresher, Stopped
from .watch import EventWatcher, snapshot
from .workdir import WORKDIR_PREFIX, remove_abandoned_workdirs, remove_workdir
from ..speed.memory import collector_held, kept_for_session

SETTLE_S = 0.25  # polling only: a burst of saves is over after this long unchanged (events: watch.QUIET_MS)
POLL_MIN_S = 0.1
VIEWED = 4  # the last pages served that the next edit shows first, besides the edited entities' own
SWITCH_S = 0.0005  # the interpreter lock handed between threads every 0.5 ms, not 5 (see DevServer)
# besides Ctrl+C (SIGINT): signals that end the session the same way, cleaning up
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class BuildStatus:
    """The outcome of the latest build attempt, as the overlay script reads it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict = {"ok": True, "build": 0, "title": "", "diagnostics": []}

    def set(self, report: Report, ok: bool, strict: bool, problem: str | None = None) -> None:
        shown = [d.format() for d in report.sorted()
                 if d.severity is Severity.ERROR or (strict and d.severity is Severity.WARNING)]
        if problem:
            shown.append(problem)
        with self._lock:
            self._data = {"ok": ok, "build": self._data["build"] + 1,
                          "title": "" if ok else report.summary(strict) if report.items else "build failed",
                          "diagnostics": [] if ok else shown}

    def json(self) -> str:
        with self._lock:
            return json.dumps(self._data, ensure_ascii=False)


class DevServer:
    """One serve session: the last good build, pending changes, status and search refresher."""

    def __init__(self, options: BuildOptions, log: Callable[[str], None] | None = None, early: bool = False):
        self._switch = sys.getswitchinterval()  # (put back by close: tests run sessions in their process)
        sys.setswitchinterval(SWITCH_S)  # an edit's thread waited up to 5 ms per I/O for the export refresh's
        self.options = options
        self.log = log or (lambda text: print(text, file=sys.stderr, flush=True))
        self.state: SiteState | None = None
        self.pending = Changes()
        self.status = BuildStatus()
        self.refresher = BackgroundRefresher(options.output.resolve(), options.search, self.log)
        self.roots = (options.content.resolve(), TEMPLATES_DIR, STATIC_DIR)
        self.files = snapshot(self.roots)
        self._changed: set[str] = set()
        self._last_change = 0.0
        self.builds = 0
        self.watcher: EventWatcher | None = None
        self.early = early  # show an edited entity's own page before the rest of its rebuild (.first_look)
        self._completing: threading.Thread | None = None
        self._settled: Future = Future()
        self._settled.set_result(None)
        self._shown_paths: frozenset[str] = frozenset()
        self._held: frozenset[str] | None = None  # the pages the completing rebuild may change (None: any)
        self._viewed: dict[str, None] = {}  # output paths of the last pages served (:meth:`viewed`), oldest first
        self._closed = False
        self._building = threading.RLock()  # held by :meth:`build`: :meth:`settle` waits for a build under way

    # --- building -----------------------------------------------------------------------
    def build(self, changes: Changes | None = None) -> Outcome | None:
        """Full build when there is no good state yet, else an incremental rebuild. With ``early``
        (``serve``), an edit in place writes the edited entities' own pages first and returns
        (``Outcome.shown``), and the rebuild completes in a background thread (:meth:`settle`)."""
        with self._building:
            return self._build(changes)

    def _build(self, changes: Changes | None) -> Outcome | None:
        self.settle()
        start = time.perf_counter()
        report, problem, ready = Report(), None, None
        if changes is not None:
            self.pending = self.pending | changes
        try:
            if self.state is None or self.pending.config:
                gc.unfreeze()  # the objects of a previous full build may be garbage now
            with self.refresher.building(), self.refresher.lock, collector_held(self.state is not None):  # (see _done)
                if self.state is None:
                    outcome = full_build(self.options, report)
                elif self.early and not self.pending.config:
                    outcome, ready = self._first_look(self.state, report)
                else:
                    outcome = rebuild(self.state, self.pending, report, extras=False)
        except BuildError as exc:
            outcome, problem = None, f"error: {exc}"
        except Exception as exc:  # a bug: keep serving the last good site, say so
            outcome, problem = None, f"internal error: {type(exc).__name__}: {exc}"
        self.builds += 1
        if ready is not None and outcome is not None:
            return self._shown(outcome, ready, report, start)
        return self._done(outcome, report, problem, start)

    def _first_look(self, state: SiteState, report: Report) -> tuple[Outcome, Prepared | None]:
        """Prepare the edit; write its own pages when it has some (then the :class:`Prepared` edit is
        returned for :meth:`_complete`), else rebuild in full here."""
        ready = prepare(state, self.pending, report, findings=self.options.strict)
        if ready is None:
            return Outcome(report, None), None
        html = first_look(state, self.pending, ready, tuple(self._viewed))
        if not html:
            return finish(state, self.pending, ready, report, extras=False), None
        written = write_pages(self.options.output.resolve(), html, (), False)
        return Outcome(report, None, rendered=tuple(html), written=tuple(written), shown=True), ready

    def _shown(self, outcome: Outcome, ready: Prepared, report: Report, start: float) -> Outcome:
        """The edited pages are on disk: report the edit's problems so far, then complete the rebuild
        in the background; requests for other pages wait for it (:meth:`waiting`)."""
        self.status.set(report, True, self.options.strict)
        self._print(report, None)
        self.log(f"showed {', '.join(outcome.rendered)} in {(time.perf_counter() - start) * 1000:.0f} ms; "
                 "updating the other pages")
        self._shown_paths = frozenset(urls.output_path(url) for url in outcome.rendered)
        self._held = held_pages(self.state, ready)
        self._settled = Future()
        self._completing = threading.Thread(target=self._complete, args=(self.state, self.pending, ready, start),
                                            name="rebuild-rest", daemon=True)
        self._completing.start()
        return outcome

    def _complete(self, state: SiteState, changes: Changes, ready: Prepared, start: float) -> None:
        """The rest of a rebuild whose edited pages were shown first (in the background thread)."""
        report, problem, outcome = Report(), None, None
        try:
            try:  # the output lock only while writing: a session ending meanwhile need not wait for the rest
                with self.refresher.building(), collector_held():
                    outcome = finish(state, changes, ready, report, extras=False, guard=self.refresher.writing)
            except Stopped:  # the session ended: nothing more is written, the folder is being removed
                return
            except Exception as exc:  # a bug (whatever can fail a build was checked before the pages were shown)
                problem = (f"internal error: {type(exc).__name__}: {exc} (the edited pages are shown, the "
                           "others not updated: the next save rebuilds them)")
            self._done(outcome, report, problem, start)
        finally:
            self._settled.set_result(None)

    def settle(self) -> None:
        """Wait until the rebuild completing in the background (if any) is done; from another thread,
        first until a build under way has returned (its completion thread started, or none needed)."""
        with self._building:
            thread, self._completing = self._completing, None
        if thread is not None:
            thread.join()

    def viewed(self, rel: str) -> None:
        """Note that the page at output path ``rel`` was served: the next edit shows it first when it
        is an entity's own page (:func:`.first_look.own_specs`), as a browser showing it reloads."""
        self._viewed.pop(rel, None)
        self._viewed[rel] = None
        while len(self._viewed) > VIEWED:
            del self._viewed[next(iter(self._viewed))]

    def waiting(self, rel: str) -> Future | None:
        """For a request of the output file ``rel``: the completion to wait for when a rebuild is
        completing in the background and ``rel`` is a page it may change (:func:`.first_look.held_pages`)
        other than those shown first; else None."""
        settled = self._settled
        if settled.done() or not rel.endswith(".html") or rel in self._shown_paths or (
                self._held is not None and rel not in self._held):
            return None
        return settled

    def _done(self, outcome: Outcome | None, report: Report, problem: str | None, start: float
              ) -> Outcome | None:
        ok = outcome is not None and outcome.state is not None
        self.status.set(report, ok, self.options.strict, problem)
        self._print(report, problem)
        if not ok:  # (once: the report's summary line says "build failed" already when it has problems)
            said = report.failed(self.options.strict) and any(d.severity is not Severity.NOTE for d in report.items)
            if self.state is not None:
                self.log("still serving the last good site" if said else "build failed: still serving the last good site")
            elif not said:
                self.log("build failed")
            return outcome
        assert outcome is not None and outcome.state is not None
        first = self.state is None  # (every file of the first build is new: written, not changed)
        self.state, self.pending = outcome.state, Changes()
        kept_for_session(outcome.full)  # the state lives for the session: collections skip it (speed.memory)
        ms = (time.perf_counter() - start) * 1000
        what = "built" if outcome.full else "rebuilt"
        self.log(f"{what} {len(outcome.rendered)} pages, {len(outcome.written)} files "
                 f"{'written' if first else 'changed'}, "
                 f"{len(outcome.removed)} removed, in {ms:.0f} ms")
        self.refresher.request(outcome.state)
        return outcome

    def _print(self, report: Report, problem: str | None) -> None:
        """Errors and warnings as ``path:line: severity: message [code]`` (notes stay quiet)."""
        shown = [d for d in report.sorted() if d.severity is not Severity.NOTE]
        for d in shown:
            self.log(d.format())
        if shown:
            self.log(report.summary(self.options.strict))
        if problem:
            self.log(problem)

    # --- watching -----------------------------------------------------------------------
    def notice(self, paths: set[str]) -> Outcome | None:
        """Rebuild for changed paths that file events reported (already settled); None if none matter."""
        changes = classify([Path(p) for p in paths], self.options.content)
        return self.build(changes) if changes or self.state is None else None

    def poll(self, now: float | None = None) -> Outcome | None:
        """Note changed files; rebuild once no file changed for ``SETTLE_S``. Returns the rebuild."""
        now = time.monotonic() if now is None else now
        current = snapshot(self.roots)
        changed = {p for p in current.keys() | self.files.keys() if current.get(p) != self.files.get(p)}
        self.files = current
        if changed:
            self._changed |= changed
            self._last_change = now
            return None
        if not self._changed or now - self._last_change < SETTLE_S:
            return None
        paths, self._changed = self._changed, set()
        return self.build(classify([Path(p) for p in paths], self.options.content))

    def close(self) -> None:
        """Stop watching and refreshing: afterwards nothing writes into the output folder (once is enough)."""
        if self._closed:
            return
        self._closed = True
        if self.watcher is not None:
            self.watcher.stop()
        self.refresher.stop()  # a rebuild completing in the background writes nothing after this
        sys.setswitchinterval(self._switch)


def _watch(dev: DevServer, reload: Callable[[], None]) -> None:
    """Rebuild on file events on the server's loop (like requests), or poll where there are none,
    at most a third of the time spent scanning (big sites); reload the browsers after a good build."""
    from tornado import ioloop
    loop = ioloop.IOLoop.current()
    interval = {"s": POLL_MIN_S}

    def done(outcome: Outcome | None) -> None:
        if outcome is not None and (outcome.state is not None or outcome.shown):
            reload()

    def tick() -> None:
        started = time.perf_counter()
        done(dev.poll())
        interval["s"] = max(POLL_MIN_S, 3 * (time.perf_counter() - started))
        loop.call_later(interval["s"], tick)

    def failed(problem: str) -> None:
        dev.log(f"file events stopped ({problem}): polling instead")
        dev.files = snapshot(dev.roots)
        loop.add_callback(loop.call_later, POLL_MIN_S, tick)

    dev.watcher = EventWatcher(dev.roots, lambda paths: loop.add_callback(lambda: done(dev.notice(paths))), failed)
    if not dev.watcher.start():
        dev.watcher = None
        loop.call_later(POLL_MIN_S, tick)


def _bind(host: str, port: int) -> list:
    """The listening sockets, bound before the first build: a busy port fails at once, not after it."""
    from tornado.netutil import bind_sockets
    try:
        return bind_sockets(port, host)
    except OSError as exc:
        raise BuildError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def _run(dev: DevServer, sockets: list, host: str, port: int, base: str, open_browser: bool) -> None:
    """Serve ``dev``'s output folder on the bound ``sockets`` until interrupted."""
    import asyncio
    from livereload.handlers import LiveReloadHandler
    from livereload.watcher import Watcher
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop
    from .serve_http import application

    asyncio.set_event_loop(asyncio.new_event_loop())
    loop = IOLoop.current()
    server = HTTPServer(application(dev, host, port, base))
    server.add_sockets(sockets)
    # livereload's reload_waiters logs its watcher's last path, which its Server sets; ours is idle
    LiveReloadHandler.watcher = Watcher()
    _watch(dev, lambda: LiveReloadHandler.reload_waiters(path="/"))
    url = f"http://{urls_host(host)}:{port}{base}"
    dev.log(f"serving on {url} (Ctrl+C to stop)")
    if open_browser:
        import webbrowser
        loop.call_later(1, webbrowser.open, url)
    try:
        loop.start()
    finally:
        server.stop()


def urls_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve_base(base_url: str | None) -> str:
    """The path the site is served under: ``--base-url`` must be a path here."""
    if base_url is None:
        return "/"
    if "://" in base_url or base_url.strip().startswith("//"):
        raise BuildError(f"serve --base-url takes a path, such as /evidence/, not '{base_url}': the site is "
                         "served under that path on this server")
    return urls.normalise_base_url(base_url)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _ignore_signals() -> None:
    """No second interruption while cleaning up."""
    for sig in (signal.SIGINT, *STOP_SIGNALS):
        signal.signal(sig, signal.SIG_IGN)


def serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          temporary: bool = True) -> int:
    """Serve until interrupted (Ctrl+C, SIGTERM, SIGHUP). ``temporary``: build into a temporary folder
    removed at exit; otherwise only into ``options.output`` if this program wrote it (or it is empty
    or absent), else :class:`BuildError`."""
    base = serve_base(options.base_url)
    if not temporary:
        check_output(options.output.resolve(), options.content.resolve())
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, *STOP_SIGNALS)}
    for sig in STOP_SIGNALS:  # like Ctrl+C: end the session through the clean-up below
        signal.signal(sig, _interrupt)
    workdir, sockets = None, []
    try:
        try:
            if temporary:
                remove_abandoned_workdirs(Path(tempfile.gettempdir()))
            workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-")) if temporary else None
            if workdir is not None:
                options = replace(options, output=workdir / "site")
            sockets = _bind(host, port)
            dev = DevServer(replace(options, base_url=base), early=True)
            try:
                dev.build()
                if dev.state is None:
                    dev.log("fix the problems above; serving starts once the content builds")
                    options.output.mkdir(parents=True, exist_ok=True)
                _run(dev, sockets, host, port, base, open_browser)
            finally:
                _ignore_signals()
                dev.close()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr, flush=True)
    finally:
        _ignore_signals()
        for sock in sockets:
            sock.close()
        if workdir is not None:
            remove_workdir(workdir)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
