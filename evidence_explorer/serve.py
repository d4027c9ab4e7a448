"""Development server: build, serve on 127.0.0.1 with live reload, rebuild incrementally on change.

* A :class:`ChangeWatcher` follows ``content/`` (site.yaml included), the templates
  and the static files through the OS's file events (:mod:`.watch`; polling where
  there are none), waits until a burst of saves has settled, then asks
  :func:`~evidence_explorer.incremental.rebuild` to re-render only what changed.
* While the content is broken the last good site keeps being served; a small
  dev-only script, injected into HTML responses by this server (never written
  into the site), polls ``/__evidence-explorer__/status.json`` and shows the
  diagnostics (``path:line: message``) in an overlay. The terminal shows the same.
* The exports and sitemap, then the Pagefind index (built on a hard-linked
  snapshot of the site and swapped in when done) are refreshed in a background
  thread once the pages are written: they may lag by seconds, never stay stale
  once the edits settle.
"""
from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from .diagnostics import BuildError, Report, Severity
from .incremental import Changes, Outcome, SiteState, classify, full_build, rebuild, write_extras
from .pipeline import BuildOptions
from .render import STATIC_DIR, TEMPLATES_DIR
from .watch import EventWatcher, snapshot

DEV_PREFIX = "__evidence-explorer__"
SETTLE_S = 0.25
"""Polling only: a burst of saves is over when nothing changed for this long (file events settle
in :data:`.watch.QUIET_MS`)."""
POLL_MIN_S = 0.1
REFRESH_NICENESS = 10
"""How much lower the forked background refresh's CPU priority is than the serve process's."""

OVERLAY_JS = r"""(function () {
  "use strict";
  var url = "/__evidence-explorer__/status.json", box = null, shown = null;
  function show(status) {
    var key = status.ok ? "" : JSON.stringify(status.diagnostics);
    if (key === shown) { return; }
    shown = key;
    if (status.ok) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("section");
      box.id = "ee-dev-overlay";
      box.setAttribute("role", "alert");
      box.setAttribute("aria-labelledby", "ee-dev-overlay-title");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;" +
        "z-index:2147483647;margin:0;padding:1rem 1.25rem;background:#fff;color:#1a1a1a;" +
        "border-top:4px solid #b00020;box-shadow:0 -2px 12px rgba(0,0,0,.3);font:16px/1.4 sans-serif";
      document.body.appendChild(box);
    }
    box.textContent = "";
    var h = document.createElement("h2");
    h.id = "ee-dev-overlay-title";
    h.style.cssText = "margin:0 0 .5rem;font-size:1.1rem;color:#b00020";
    h.textContent = status.title;
    box.appendChild(h);
    var p = document.createElement("p");
    p.style.margin = "0 0 .5rem";
    p.textContent = "Showing the last good build. Fix the files below and save: this message goes away.";
    box.appendChild(p);
    var ul = document.createElement("ul");
    ul.style.cssText = "margin:0;padding-left:1.25rem;font-family:monospace;white-space:pre-wrap";
    status.diagnostics.forEach(function (d) {
      var li = document.createElement("li");
      li.className = "ee-dev-diagnostic";
      li.textContent = d;
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }
  function poll() {
    fetch(url, {cache: "no-store"}).then(function (r) { return r.json(); }).then(show)
      .catch(function () {}).then(function () { setTimeout(poll, 500); });
  }
  poll();
})();
"""


NOTHING_BUILT = (b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Nothing built yet</title>'
                 b'</head><body><main><h1>Nothing built yet</h1><p>The content has problems; they are listed '
                 b'below and in the terminal.</p></main></body></html>\n')


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


class BackgroundRefresher:
    """After each good build, in a background thread: rewrite the exports and sitemap that
    changed, then re-index the site with Pagefind. The newest state always wins."""

    def __init__(self, output: Path, search: bool, log: Callable[[str], None]):
        self.output, self.search, self.log = output, search, log
        self._lock = threading.Lock()
        self._wanted: SiteState | None = None
        self._running = False
        self.done = 0
        """Number of refreshes completed (tests wait on it)."""
        self.indexed = 0
        """Number of search indexes installed."""

    def request(self, state: SiteState) -> None:
        with self._lock:
            self._wanted = state
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._run, name="site-refresh", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._lock:
                state = self._wanted
            lines, indexed = self._refresh_apart(state) if hasattr(os, "fork") else self._refresh(state)
            for line in lines:
                self.log(line)
            with self._lock:
                self.done += 1
                self.indexed += indexed
                if self._wanted is state:
                    self._running = False
                    return

    def _refresh(self, state: SiteState | None) -> tuple[list[str], bool]:
        """Rewrite the exports of ``state`` and re-index: (lines to log, whether an index was installed)."""
        lines: list[str] = []
        try:
            if state is not None:
                write_extras(state)
            return lines, self._index_once(lines) if self.search else False
        except Exception as exc:  # a bug or a vanished folder: say so, keep serving
            lines.append(f"background refresh failed: {type(exc).__name__}: {exc}")
            return lines, False

    def _refresh_apart(self, state: SiteState | None) -> tuple[list[str], bool]:
        """:meth:`_refresh` in a forked child, so that computing the exports (seconds on a large site)
        does not hold the interpreter lock while the next edit is being rebuilt. The child inherits
        ``state`` without pickling and sends back only its result, as JSON through a pipe."""
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: do it here
            os.close(read_fd)
            os.close(write_fd)
            return self._refresh(state)
        if pid == 0:  # the child: never returns, never runs the parent's cleanup
            code = 1
            try:
                os.close(read_fd)
                try:  # background work: the next rebuild (in the parent) comes first
                    os.nice(REFRESH_NICENESS)
                except OSError:
                    pass
                lines, indexed = self._refresh(state)
                with os.fdopen(write_fd, "w", encoding="utf-8") as fh:
                    json.dump({"lines": lines, "indexed": indexed}, fh)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        with os.fdopen(read_fd, encoding="utf-8") as fh:
            text = fh.read()
        _pid, status = os.waitpid(pid, 0)
        try:
            result = json.loads(text)
            return list(result["lines"]), bool(result["indexed"])
        except (ValueError, KeyError, TypeError):
            return [f"background refresh failed: its process ended with status {status}"], False

    def _index_once(self, lines: list[str]) -> bool:
        from .search import index_site
        work = Path(tempfile.mkdtemp(prefix=".search-", dir=self.output.parent))
        installed = False
        try:
            snapshot = work / "site"
            shutil.copytree(self.output, snapshot, copy_function=os.link,
                            ignore=shutil.ignore_patterns("pagefind"))
            report = Report()
            if not index_site(snapshot, report):
                lines.extend(d.format() for d in report.sorted())
                return False
            old = work / "old-pagefind"
            target = self.output / "pagefind"
            if target.exists():
                os.rename(target, old)
            os.rename(snapshot / "pagefind", target)
            installed = True
        except OSError as exc:  # the output moved under us (a full rebuild): the next request redoes it
            lines.append(f"search index not refreshed: {exc}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return installed


class DevServer:
    """One serve session: the last good build, pending changes, status and search refresher."""

    def __init__(self, options: BuildOptions, log: Callable[[str], None] | None = None):
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

    # --- building -----------------------------------------------------------------------
    def build(self, changes: Changes | None = None) -> Outcome | None:
        """Full build when there is no good state yet, else an incremental rebuild."""
        start = time.perf_counter()
        report, problem = Report(), None
        if changes is not None:
            self.pending = self.pending | changes
        try:
            if self.state is None or self.pending.config:
                gc.unfreeze()  # the objects of a previous full build may be garbage now
            outcome = (full_build(self.options, report) if self.state is None
                       else rebuild(self.state, self.pending, report, extras=False))
        except BuildError as exc:
            outcome, problem = None, f"error: {exc}"
        except Exception as exc:  # a bug: keep serving the last good site, say so
            outcome, problem = None, f"internal error: {type(exc).__name__}: {exc}"
        self.builds += 1
        ok = outcome is not None and outcome.state is not None
        self.status.set(report, ok, self.options.strict, problem)
        self._print(report, problem)
        if not ok:
            self.log("build failed: still serving the last good site" if self.state else "build failed")
            return outcome
        assert outcome is not None and outcome.state is not None
        self.state, self.pending = outcome.state, Changes()
        if outcome.full:  # the corpus, pages and compiled templates live for the session: stop the
            gc.collect()  # collector from rescanning them after every rebuild
            gc.freeze()
        ms = (time.perf_counter() - start) * 1000
        what = "built" if outcome.full else "rebuilt"
        self.log(f"{what} {len(outcome.rendered)} pages, {len(outcome.written)} files changed, "
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


def _make_server(dev: DevServer):
    """A livereload Server whose HTML responses carry the overlay script."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler, StaticFileHandler
    from livereload.watcher import Watcher
    from tornado import ioloop, web

    def start_polling() -> None:
        """Poll with :meth:`DevServer.poll`, at most a third of the time spent scanning (big sites)."""
        interval = {"s": POLL_MIN_S}

        def tick():
            started = time.perf_counter()
            outcome = dev.poll()
            if outcome is not None and outcome.state is not None:
                LiveReloadHandler.reload_waiters(path="/")
            interval["s"] = max(POLL_MIN_S, 3 * (time.perf_counter() - started))
            ioloop.IOLoop.current().call_later(interval["s"], tick)

        ioloop.IOLoop.current().call_later(POLL_MIN_S, tick)

    class ChangeWatcher(Watcher):
        """File events (:class:`.watch.EventWatcher`) or, without them, :meth:`DevServer.poll`, instead
        of livereload's per-task mtime checks."""

        def start(self, callback):  # noqa: ARG002 - livereload's poll_tasks is not used
            loop = ioloop.IOLoop.current()

            def changed(paths: set[str]) -> None:  # on the server's loop, like requests
                outcome = dev.notice(paths)
                if outcome is not None and outcome.state is not None:
                    LiveReloadHandler.reload_waiters(path="/")

            def failed(problem: str) -> None:
                dev.log(f"file events stopped ({problem}): polling instead")
                dev.files = snapshot(dev.roots)
                loop.add_callback(start_polling)

            if not EventWatcher(dev.roots, lambda paths: loop.add_callback(changed, paths), failed).start():
                start_polling()
            return True

        def examine(self):
            return None, None

    class StatusHandler(web.RequestHandler):
        def get(self) -> None:
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.write(dev.status.json())

    class OverlayHandler(web.RequestHandler):
        def get(self) -> None:
            self.set_header("Content-Type", "text/javascript; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.write(OVERLAY_JS)

    tag = f'<script src="/{DEV_PREFIX}/overlay.js" defer></script>'.encode()

    class SiteHandler(StaticFileHandler):
        """Static files; HTML pages get the overlay script before ``</head>``."""

        injected = False

        def compute_etag(self):
            return None if self.injected else super().compute_etag()

        async def get(self, path: str, include_body: bool = True) -> None:
            root = os.path.realpath(self.root)
            rel = path + "index.html" if path == "" or path.endswith("/") else path
            target = os.path.realpath(os.path.join(root, rel))
            if os.path.commonpath([root, target]) != root:
                raise web.HTTPError(403)
            if os.path.isdir(target) or not (rel.endswith(".html") or not os.path.exists(target)):
                return await super().get(path, include_body)
            status = 200
            if not os.path.isfile(target):
                target, status = os.path.join(root, "404.html"), 404
            try:
                with open(target, "rb") as fh:
                    html = fh.read()
            except OSError:  # nothing built yet (the first build failed): a page to carry the overlay
                html = NOTHING_BUILT
            self.injected = True
            self.set_status(status)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            if include_body:
                self.write(html.replace(b"</head>", tag + b"</head>", 1))

    class DevLiveServer(Server):
        def get_web_handlers(self, script):
            return [(rf"/{DEV_PREFIX}/status\.json", StatusHandler),
                    (rf"/{DEV_PREFIX}/overlay\.js", OverlayHandler),
                    (r"/(.*)", SiteHandler, {"path": self.root or ".", "default_filename": "index.html"})]

    server = DevLiveServer(watcher=ChangeWatcher())
    server.watch(str(dev.options.content))  # polled by ChangeWatcher; registered so livereload adds no cwd
    return server


def serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          temporary: bool = True) -> int:
    """Serve until interrupted. ``temporary``: build into a temporary folder removed at exit."""
    workdir = Path(tempfile.mkdtemp(prefix="evidence-explorer-serve-")) if temporary else None
    if workdir is not None:
        options = replace(options, output=workdir / "site")
    options = replace(options, base_url="/")
    dev = DevServer(options)
    try:
        dev.build()
        if dev.state is None:
            dev.log("fix the problems above; serving starts once the content builds")
            options.output.mkdir(parents=True, exist_ok=True)
        server = _make_server(dev)
        dev.log(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
        server.serve(host=host, port=port, root=str(options.output),
                     open_url_delay=1 if open_browser else None)
        return 0
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
