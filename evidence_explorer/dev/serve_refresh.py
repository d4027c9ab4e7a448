"""``serve``'s background refresh: the exports and sitemap, then the Pagefind index, after each good build.

It runs in a thread of the serving process, never in a forked child: a process that has threads
(the file-event watcher, the server, this refresher) must not ``fork()``, since the child inherits
locks held by threads that do not exist in it (an import in progress in the main thread was enough
to hang every first start, issue 14). Computing the exports in another process would need the
corpus pickled across, which costs the serving process about as much time as computing them here
(measured on 5,000 papers). Pagefind is already a process of its own (started with ``Popen``, which
only executes the binary in the child).

Everything written into the output folder, by the refresh and by the session's builds, happens
under :attr:`BackgroundRefresher.lock`, so the two never interleave and :meth:`BackgroundRefresher.stop`
can leave the folder to be removed knowing nothing writes into it again.
"""
from __future__ import annotations

import gc
import os
import shutil
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..content.diagnostics import Report
from .incremental import SiteState, write_extras
from .export_memo import extra_files
from .search_bundle import install
from .served import as_bytes, holds
from ..site.search_index import BUNDLE_DIR, index_site
from ..site.views.memo import Memo
from ..speed.memory import collector_held


class Stopped(Exception):
    """The session is ending: leave the output folder alone."""


class BackgroundRefresher:
    """After each good build, in a background thread: rewrite the exports and sitemap that
    changed, then re-index the site with Pagefind. The newest state always wins."""

    def __init__(self, output: Path, search: bool, log: Callable[[str], None]):
        self.output, self.search, self.log = output, search, log
        self.lock = threading.Lock()
        """Held while anything is written into the output folder (builds take it too)."""
        self.idle = threading.Event()
        """Clear while a build runs (:meth:`building`): the refresh waits, so as not to share the
        interpreter with it (one thread runs Python at a time)."""
        self.idle.set()
        self._file_lock = threading.Lock()
        """Held while the refresh writes an export's temporary file (outside :attr:`lock`)."""
        self._state_lock = threading.Lock()
        self._wanted: SiteState | None = None
        self._running = False
        self._stopped = False
        self._process: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None
        self._work: Path | None = None
        self._bundle: frozenset[str] | None = None
        """The files of the search bundle served now (:func:`.search_bundle.install`)."""
        self.done = 0
        """Number of refreshes completed (tests wait on it)."""
        self.indexed = 0
        """Number of search indexes installed."""

    @property
    def running(self) -> bool:
        return self._running

    def request(self, state: SiteState | None) -> None:
        with self._state_lock:
            if self._stopped:
                return
            self._wanted = state
            if self._running:
                return
            self._running = True
            self._thread = threading.Thread(target=self._run, name="site-refresh", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._state_lock:
                state = self._wanted
            lines, indexed = self._refresh(state)
            for line in lines:
                self.log(line)
            with self._state_lock:
                self.done += 1
                self.indexed += indexed
                if self._wanted is state or self._stopped:
                    self._running = False
                    return

    def _refresh(self, state: SiteState | None) -> tuple[list[str], bool]:
        """Rewrite the exports of ``state`` and re-index: (lines to log, whether an index was installed)."""
        lines: list[str] = []
        try:
            if state is not None:
                with collector_held():  # the exports' fragments live on in the state: frozen with it,
                    files = extra_files(state.corpus, tuple(state.pages.values()), state.base_url,
                                        Memo(state.memo), state.exports, self.idle.wait)  # (others' kept)
                    write_extras(state, files, self._between_builds, self._write_export)
                    del files
                    gc.freeze()  # uncollected (cheap, beside a rebuild): the next rebuild's regrowth check frees
            return lines, self._index_once(lines) if self.search else False
        except Stopped:
            return lines, False
        except Exception as exc:  # a bug or a vanished folder: say so, keep serving
            lines.append(f"background refresh failed: {type(exc).__name__}: {exc}")
            return lines, False

    @contextmanager
    def building(self) -> Iterator[None]:
        """Around a build: the refresh pauses at its next fragment or file until the build is done."""
        self.idle.clear()
        try:
            yield
        finally:
            self.idle.set()

    @contextmanager
    def _between_builds(self) -> Iterator[None]:
        """Hold the output lock for one file, once no build runs (see :meth:`writing`)."""
        self.idle.wait()
        with self.writing():
            yield

    def _write_export(self, output: Path, rel: str, text: str | bytes) -> bool:
        """Write one export unless it holds these bytes already: compared and written to a temporary
        file beside it while builds go on (81 MB take ~0.3 s to write on a slow disk), then renamed
        into place under the output lock. Whether it wrote."""
        self.idle.wait()
        path, data = output / rel, as_bytes(text)
        if holds(path, data):
            return False
        tmp = path.with_name(f".{path.name}.{os.getpid()}.refresh")
        try:
            with self._file_lock:
                if self._stopped:
                    raise Stopped
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_bytes(data)
            with self._between_builds():
                os.replace(tmp, path)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the output lock; raise :class:`Stopped` when the session ended meanwhile (a rebuild
        completing in the background writes its pages inside it too). :meth:`stop` keeps the lock for
        good, so a writer waiting for it looks at the flag every tenth of a second instead of waiting
        forever."""
        while not self.lock.acquire(timeout=0.1):
            if self._stopped:
                raise Stopped
        try:
            if self._stopped:
                raise Stopped
            yield
        finally:
            self.lock.release()

    def _started(self, process: subprocess.Popen) -> None:
        with self._state_lock:
            self._process = process
            if self._stopped:
                process.kill()

    def _index_once(self, lines: list[str]) -> bool:
        """Index a hard-linked snapshot of the site, then install its bundle file by file, the files of
        the bundle it replaces kept until the next one (:mod:`.search_bundle`): a request meanwhile
        gets every search file, of the previous index or of the new one."""
        with self.writing():
            work = self._work = Path(tempfile.mkdtemp(prefix=".search-", dir=self.output.parent))
            try:
                shutil.copytree(self.output, work / "site", copy_function=os.link,
                                ignore=shutil.ignore_patterns(BUNDLE_DIR))
            except OSError as exc:  # the output moved under us (a full rebuild): the next request redoes it
                shutil.rmtree(work, ignore_errors=True)
                lines.append(f"search index not refreshed: {exc}")
                return False
        try:
            report = Report()
            ok = index_site(work / "site", report, started=self._started)
            with self._state_lock:
                self._process = None
            if not ok:
                if not self._stopped:
                    lines.extend(d.format() for d in report.sorted())
                return False
            with self.writing():
                self._bundle = install(work / "site" / BUNDLE_DIR, self.output / BUNDLE_DIR, self._bundle)
            return True
        except OSError as exc:
            lines.append(f"search index not refreshed: {exc}")
            return False
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def stop(self) -> None:
        """End the refresh for good: Pagefind is killed and reaped, and once this returns nothing
        writes into the output folder again (the lock stays taken)."""
        with self._state_lock:
            self._stopped = True
            process = self._process
        if process is not None:
            process.kill()
            process.wait()
        with self._file_lock:  # waits for an export's temporary file being written
            pass
        self.lock.acquire()  # waits for a write in progress; never released: the session is over
        if self._work is not None:  # the snapshot Pagefind was indexing (beside an --output folder)
            shutil.rmtree(self._work, ignore_errors=True)
