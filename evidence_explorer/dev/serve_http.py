"""``serve``'s HTTP side: the site, the overlay's status, live reload, and a guard in front of them all.

livereload provides the reload protocol: its websocket handler (``/livereload``), its client
script (``/livereload.js``) and ``/forcereload``. Its ``Server`` builds its tornado Application
and starts listening inside ``Server.application()``, which leaves no public place to check a
request before those handlers see it; so this module mounts livereload's handlers in its own
Application and puts a tornado :class:`~tornado.routing.Router` in front (wrapping them, not
subclassing them), which every request passes first:

* the ``Host`` must be one of this server's names (``127.0.0.1``, ``localhost``, ``[::1]``, the
  ``--host`` value, with or without the port): a page on another site that resolves its own name to
  127.0.0.1 (DNS rebinding) gets 403, not the status (absolute paths) or the pages;
* the reload channel (websocket, ``/forcereload``, ``/__evidence-explorer__/``) answers only pages
  of this server: an ``Origin`` of another site, or a browser's ``Sec-Fetch-Site`` saying the
  request comes from another site, gets 403;
* a path with a NUL, another control character, or bytes that are not UTF-8 gets 400.

Files are read through one open file each, whole, so a file replaced while it is requested (the
exports and the search index are refreshed in the background) is served old or new, never mixed.
"""
from __future__ import annotations

import asyncio
import ipaddress
import mimetypes
import os
import posixpath
import stat
import urllib.parse
from typing import TYPE_CHECKING, Any

from tornado import httputil, routing, web

if TYPE_CHECKING:
    from .serve import DevServer

DEV_PREFIX = "__evidence-explorer__"
RELOAD_CHANNEL = ("/livereload", "/forcereload", f"/{DEV_PREFIX}/")

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

LIVERELOAD_SNIPPET = (  # livereload's own snippet: the client script from this page's host and port
    '<script>(function(){var s=document.createElement("script");'
    'var port=(window.location.port || (window.location.protocol == "https:" ? 443: 80));'
    's.src="//"+window.location.hostname+":"+port+"/livereload.js?port="+port;'
    'document.head.appendChild(s);})();</script>')
HEAD_TAGS = (f'<script src="/{DEV_PREFIX}/overlay.js" defer></script>' + LIVERELOAD_SNIPPET).encode()

NOTHING_BUILT = (b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Nothing built yet</title>'
                 b'</head><body><main><h1>Nothing built yet</h1><p>The content has problems; they are listed '
                 b'below and in the terminal.</p></main></body></html>\n')


def own_names(host: str, port: int) -> frozenset[str]:
    """The ``Host`` values this server answers: its names, with and without the port."""
    names = {"127.0.0.1", "localhost", "[::1]", _bracket(host.lower())}
    return frozenset(names | {f"{name}:{port}" for name in names})


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(urllib.parse.urlsplit("//" + host).hostname or "")
        return True
    except ValueError:
        return False


def refusal(request: httputil.HTTPServerRequest, names: frozenset[str], any_address: bool
            ) -> tuple[int, str] | None:
    """Why this request is refused, as (HTTP status, message); None to serve it."""
    raw = urllib.parse.unquote_to_bytes(request.path)
    if any(b < 0x20 or b == 0x7F for b in raw):
        return 400, "the URL contains a control character"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return 400, "the URL is not UTF-8"
    host = request.headers.get("Host")
    if host is not None and host.lower() not in names and not (any_address and _is_ip_literal(host)):
        return 403, "this development server answers only its own host names (127.0.0.1, localhost, --host)"
    if request.path.startswith(RELOAD_CHANNEL):
        origin = request.headers.get("Origin")
        if origin is not None and urllib.parse.urlsplit(origin).netloc.lower() not in names:
            return 403, "the reload channel answers only pages of this server"
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return 403, "the reload channel answers only pages of this server"
    return None


class Guard(routing.Router):
    """Checks every request (:func:`refusal`) before ``app``'s handlers see it."""

    def __init__(self, app: web.Application, host: str, port: int):
        self.app, self.names = app, own_names(host, port)
        self.any_address = host in ("", "0.0.0.0", "::")

    def find_handler(self, request: httputil.HTTPServerRequest, **kwargs: Any) -> httputil.HTTPMessageDelegate:
        refused = refusal(request, self.names, self.any_address)
        if refused is not None:
            status, message = refused
            return self.app.get_handler_delegate(request, RefusedHandler, {"status": status, "message": message})
        return self.app.find_handler(request, **kwargs)


class RefusedHandler(web.RequestHandler):
    def initialize(self, status: int, message: str) -> None:  # noqa: D401 - tornado's hook
        self.status, self.message = status, message

    def prepare(self) -> None:
        self.set_status(self.status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{self.status}: {self.message}\n")


class StatusHandler(web.RequestHandler):
    def initialize(self, dev: DevServer) -> None:
        self.dev = dev

    def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(self.dev.status.json())


class OverlayHandler(web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(OVERLAY_JS)


class SiteHandler(web.RequestHandler):
    """The built site under its base path; HTML pages get the overlay and live-reload scripts. While
    a rebuild completes in the background (its edited pages shown first, :mod:`.first_look`), a
    request for any other page waits for it, so no page older than the edit is served."""

    def initialize(self, root: str, base: str, dev: DevServer | None = None) -> None:
        self.root, self.base, self.dev = os.path.realpath(root), base, dev

    async def head(self, path: str) -> None:
        await self.get(path, include_body=False)

    async def get(self, path: str, include_body: bool = True) -> None:
        url = "/" + path
        if url + "/" == self.base or (url == "/" and self.base != "/"):
            return self.redirect(self.base)
        if not url.startswith(self.base):
            return self._not_found(include_body)
        rel = url[len(self.base):]
        rel = rel + "index.html" if rel == "" or rel.endswith("/") else rel
        pending = self.dev.waiting(rel) if self.dev is not None else None
        if pending is not None:
            await asyncio.wrap_future(pending)
        target = self._target(rel)
        if target is not None and os.path.isdir(target):
            return self.redirect(url + "/")
        data = _read(target) if target is not None else None
        if data is None:
            return self._not_found(include_body)
        if self.dev is not None and rel.endswith(".html"):
            self.dev.viewed(rel)
        self._send(target or "", data, 200, include_body)

    def _target(self, rel: str) -> str | None:
        if any(part in ("..", ".") for part in rel.split("/")) or "\\" in rel:
            return None
        target = os.path.realpath(os.path.join(self.root, *rel.split("/")))
        return target if os.path.commonpath([self.root, target]) == self.root else None

    def _not_found(self, include_body: bool) -> None:
        data = _read(os.path.join(self.root, "404.html"))
        self._send("404.html", NOTHING_BUILT if data is None else data, 404, include_body)

    def _send(self, name: str, data: bytes, status: int, include_body: bool) -> None:
        self.set_status(status)
        if name.endswith(".html"):
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            data = data.replace(b"</head>", HEAD_TAGS + b"</head>", 1)
        else:
            self.set_header("Content-Type", _content_type(name))
            self.set_header("Cache-Control", "no-cache")
        if include_body:
            self.write(data)
        else:
            self.set_header("Content-Length", str(len(data)))


def _content_type(name: str) -> str:
    kind, encoding = mimetypes.guess_type(posixpath.basename(name))
    if kind is None or encoding:
        return "application/octet-stream"
    textual = kind.startswith("text/") or kind.endswith(("/json", "/javascript", "+xml", "/xml"))
    return f"{kind}; charset=utf-8" if textual else kind


def _read(path: str) -> bytes | None:
    """A regular file's bytes, read through one open file (consistent even if it is replaced
    meanwhile); None when there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def application(dev: DevServer, host: str, port: int, base: str) -> Guard:
    """The guarded application serving ``dev``'s output folder under ``base``."""
    from livereload.handlers import ForceReloadHandler, LiveReloadHandler, LiveReloadJSHandler
    app = web.Application([
        (r"/livereload", LiveReloadHandler),
        (r"/forcereload", ForceReloadHandler),
        (r"/livereload\.js", LiveReloadJSHandler),
        (rf"/{DEV_PREFIX}/status\.json", StatusHandler, {"dev": dev}),
        (rf"/{DEV_PREFIX}/overlay\.js", OverlayHandler),
        (r"/(.*)", SiteHandler, {"root": str(dev.options.output), "base": base, "dev": dev}),
    ], log_function=lambda handler: None)
    return Guard(app, host, port)
