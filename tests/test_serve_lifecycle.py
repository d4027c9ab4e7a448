"""serve as a user runs it (issue 14, items 3, 4, 10): the real command in a subprocess, search on.

It starts every time (no fork from a process with threads: the forked refresher used to hang on
an import lock in most first starts, so search never came), stops on Ctrl+C and SIGTERM leaving no
process and no temporary folder, answers only its own host names and its reload channel only its
own origin, refuses garbage URLs with 400, serves files whole while they are replaced, and honours
--base-url. Timeouts only guard against hangs.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT, SITES
from evidence_explorer.dev.workdir import WORKDIR_PREFIX, remove_workdir

START_TIMEOUT = 90
STOP_TIMEOUT = 30
WRAPPER = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
           "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
"""Ctrl+C works in a terminal even when this test runs where SIGINT is ignored (a background job)."""


class Served:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path):
        self.proc, self.port, self.log = proc, port, log

    def request(self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
                ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_host="Host" in (headers or {}))
            for key, value in (headers or {}).items():
                conn.putheader(key, value)
            conn.endheaders()
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(content: Path, tmpdir: Path, *extra: str, ready: str = "/__evidence-explorer__/status.json") -> Served:
    """``build.py serve`` in its own process group (so that every child can be found), TMPDIR set."""
    port = free_port()
    log = tmpdir.parent / f"serve-{port}.log"
    args = [str(ROOT / "build.py"), "serve", "--content", str(content), "--port", str(port), *extra]
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        args = ["-c", WRAPPER, *args]
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, *args], stdout=sink, stderr=subprocess.STDOUT, env=env,
                                cwd=str(content.parent), start_new_session=True, stdin=subprocess.DEVNULL)
    served = Served(proc, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited ({proc.returncode}):\n{served.output()}")
        try:
            if served.request(ready)[0] == 200:
                return served
        except OSError:
            pass
        time.sleep(0.1)
    stop(served, signal.SIGKILL)
    raise AssertionError(f"{ready} not served within {START_TIMEOUT} s:\n{served.output()}")


def group_members(pgid: int) -> list[str]:
    """Processes (zombies included) in process group ``pgid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid:
                found.append(f"{entry.name} {stat[:stat.rindex(')') + 1]} {fields[0]}")
    return found


def stop(served: Served, sig: int = signal.SIGTERM) -> int:
    """Send ``sig`` to serve alone (as ``kill`` does; Ctrl+C in a terminal reaches the whole group,
    Pagefind included, which is the easier case); return its exit code."""
    served.proc.send_signal(sig)
    try:
        return served.proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(served.proc.pid, signal.SIGKILL)
        served.proc.wait()
        raise AssertionError(f"serve still running {STOP_TIMEOUT} s after signal {sig}:\n{served.output()}")


@pytest.fixture
def site(tmp_path) -> tuple[Path, Path]:
    content = tmp_path / "content"
    shutil.copytree(SITES / "minimal", content)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    return content, tmpdir


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the children through /proc")
def test_serve_with_search_starts_ten_times_and_stops_clean(site, tmp_path):
    """Search on, ten starts: Pagefind's script served every time; each stop (Ctrl+C, SIGTERM;
    Pagefind may still be running) leaves no process and no temporary folder. Two sessions run side
    by side, each on its own copy of the content with its own TMPDIR, five starts in a row each
    (most of a start is waiting for a subprocess)."""
    content, tmpdir = site
    other = tmp_path / "other"
    other.mkdir()
    shutil.copytree(content, other / "content")
    (other / "tmp").mkdir()
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(_start_and_stop, content, tmpdir, range(0, 10, 2)),
                pool.submit(_start_and_stop, other / "content", other / "tmp", range(1, 10, 2))]
        for run in runs:
            run.result()


def left_after(tmpdir: Path, wait: float = 20.0) -> list[Path]:
    """What is left in ``tmpdir`` once serve's temporary folder is gone: a detached process deletes
    it after serve stopped (``dev.workdir.remove_workdir``), so it may take a moment."""
    deadline = time.monotonic() + wait
    while True:
        left = sorted(p for p in tmpdir.iterdir())
        if not any(re.match(rf"{WORKDIR_PREFIX}\d+-", p.name) for p in left) or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def _start_and_stop(content: Path, tmpdir: Path, attempts: range) -> None:
    for attempt in attempts:
        served = start(content, tmpdir, ready="/pagefind/pagefind.js")
        status, headers, body = served.request("/pagefind/pagefind.js")
        assert status == 200 and body, served.output()
        assert list(tmpdir.iterdir()), "serve builds into a temporary folder under TMPDIR"
        (content / "papers" / "smith-2019.md").write_text(  # an edit: a rebuild and a refresh under way
            (content / "papers" / "smith-2019.md").read_text(encoding="utf-8") + f"\nEdit {attempt}.\n",
            encoding="utf-8")
        time.sleep(0.3 * (attempt % 3))  # stop at different moments of the refresh
        sig = signal.SIGINT if attempt % 4 in (0, 1) else signal.SIGTERM  # each session gets both
        assert stop(served, sig) == 0, served.output()
        assert group_members(served.proc.pid) == [], f"left running after {sig!r}"
        assert left_after(tmpdir) == [], f"left behind after {sig!r}"
        output = served.output()
        assert "Traceback" not in output and "internal error" not in output, output


def test_serve_removes_the_folders_of_killed_sessions(site):
    """SIGKILL leaves serve's temporary folder; the next serve removes it (its process is gone),
    never one of a live session or another program's folder."""
    content, tmpdir = site
    killed = start(content, tmpdir)
    os.killpg(killed.proc.pid, signal.SIGKILL)
    killed.proc.wait()
    left = list(tmpdir.iterdir())
    assert left, "SIGKILL cannot clean up: the folder is left"
    stranger = tmpdir / "evidence-explorer-serve-notes"
    stranger.mkdir()
    served = start(content, tmpdir)
    try:
        assert not any(p.exists() for p in left), "the killed session's folder is still there"
        assert stranger.exists()
    finally:
        assert stop(served) == 0
    assert left_after(tmpdir) == [stranger]


def test_serve_answers_only_its_own_host_names_and_origin(site):
    content, tmpdir = site
    served = start(content, tmpdir, "--no-search")
    port = served.port
    try:
        ok = "/__evidence-explorer__/status.json"
        for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}", f"LOCALHOST:{port}"):
            assert served.request(ok, {"Host": host})[0] == 200, host
        for host in ("evil.example", f"evil.example:{port}", f"localhost.evil.example:{port}", f"127.0.0.1:{port + 1}"):
            for path in ("/", ok, "/papers/", "/livereload.js"):
                status, _, body = served.request(path, {"Host": host})
                assert status == 403 and b"own host names" in body, (host, path, status)

        own = f"http://127.0.0.1:{port}"
        assert served.request(ok, {"Origin": own})[0] == 200
        assert served.request(ok, {"Origin": f"http://localhost:{port}", "Sec-Fetch-Site": "same-site"})[0] == 403
        assert served.request(ok, {"Origin": "http://evil.example"})[0] == 403
        assert served.request(ok, {"Origin": "null"})[0] == 403
        assert served.request("/forcereload", {"Sec-Fetch-Site": "cross-site"})[0] == 403  # an <img> elsewhere
        assert served.request("/papers/", {"Sec-Fetch-Site": "cross-site"})[0] == 200  # a link from elsewhere
        upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        assert served.request("/livereload", {**upgrade, "Origin": "http://evil.example"})[0] == 403
        assert served.request("/livereload", {**upgrade, "Origin": own})[0] == 101
    finally:
        assert stop(served) == 0
    assert "Traceback" not in served.output()


def test_serve_refuses_garbage_urls_with_400_never_a_traceback(site):
    content, tmpdir = site
    served = start(content, tmpdir, "--no-search")
    try:
        for path in ("/a%00b", "/papers/%00/", "/%0a", "/%ff%fe", "/__evidence-explorer__/status.json%00",
                     "/livereload%00"):
            status, _, body = served.request(path)
            assert status == 400, (path, status, body)
        for path in ("/" + "a" * 5000, "/..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/papers/../../x",
                     "/static/", "/a\\b"):
            status, _, body = served.request(path)
            assert status in (302, 404), (path, status)
        assert served.request("/papers/smith-2019/", method="HEAD")[0] == 200
    finally:
        assert stop(served) == 0
    output = served.output()
    assert "Traceback" not in output and not re.search(r"\b500\b", output), output  # (a port may hold "500")


def test_serve_serves_files_whole_while_they_are_replaced(site, tmp_path):
    """The exports and the index are refreshed while the browser asks for them: old or new, whole."""
    content, tmpdir = site
    out = tmp_path / "out"
    served = start(content, tmpdir, "--no-search", "--output", str(out))
    target = out / "data" / "replaced.json"
    versions = [b'{"v": "old"}\n', b'{"v": "new", "padding": "' + b"x" * 200_000 + b'"}\n']
    target.write_bytes(versions[0])
    stop_writing = threading.Event()

    def replace_forever() -> None:
        k = 0
        while not stop_writing.is_set():
            k += 1
            tmp = target.with_name(f".replaced-{k}")
            tmp.write_bytes(versions[k % 2])
            os.replace(tmp, target)

    writer = threading.Thread(target=replace_forever)
    writer.start()
    try:
        for _ in range(100):
            status, headers, body = served.request("/data/replaced.json")
            assert status == 200 and body in versions and int(headers["content-length"]) == len(body)
    finally:
        stop_writing.set()
        writer.join()
        assert stop(served) == 0
    assert "Traceback" not in served.output()


def test_serve_honours_base_url(site):
    content, tmpdir = site
    served = start(content, tmpdir, "--no-search", "--base-url", "/evidence/")
    try:
        status, headers, _ = served.request("/")
        assert status == 302 and headers["location"] == "/evidence/"
        assert served.request("/evidence")[0] == 302
        status, _, body = served.request("/evidence/papers/smith-2019/")
        assert status == 200 and b'href="/evidence/static/' in body and b"overlay.js" in body
        assert served.request("/papers/smith-2019/")[0] == 404
        assert served.request("/evidence/static/style.css")[0] == 200
    finally:
        assert stop(served) == 0


def test_serve_refuses_an_output_folder_it_did_not_write(site, tmp_path):
    content, _tmpdir = site
    mine = tmp_path / "home"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n", encoding="utf-8")
    for output in (mine, content, content / "site"):
        proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "serve", "--content", str(content),
                               "--output", str(output), "--port", str(free_port())],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode == 2, proc.stderr
        assert "refusing to replace" in proc.stderr or "overlaps the content directory" in proc.stderr
        assert "serving on" not in proc.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert not (content / "site").exists()


def test_serve_help_tells_the_truth():
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "serve", "--help"], capture_output=True,
                          text=True, timeout=60)
    text = " ".join(proc.stdout.split())
    assert proc.returncode == 0
    assert "default: a temporary folder, removed when serve stops" in text and "default: site" not in text
    assert "serve the site under this path" in text


def test_a_stopping_serve_leaves_its_folder_to_a_detached_remover(tmp_path):
    """``remove_workdir`` returns before the folder is deleted (a detached process deletes it, renamed
    after itself), and the folder goes; another program's folder is removed here and now."""
    folder = tmp_path / f"{WORKDIR_PREFIX}{os.getpid()}-abc"
    for i in range(200):
        (folder / f"page-{i}").mkdir(parents=True)
        (folder / f"page-{i}" / "index.html").write_text("x", encoding="utf-8")
    remove_workdir(folder)
    assert left_after(tmp_path) == []
    other = tmp_path / "not-a-serve-folder"
    (other / "a").mkdir(parents=True)
    remove_workdir(other)
    assert not other.exists()
