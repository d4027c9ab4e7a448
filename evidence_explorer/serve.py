"""Development server: build, serve on 127.0.0.1 with live reload, rebuild on change.

The last good site keeps being served while the content is broken; the
diagnostics are printed in the terminal.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from .diagnostics import Report
from .pipeline import BuildOptions, build
from .render import STATIC_DIR, TEMPLATES_DIR


def _rebuild(options: BuildOptions) -> bool:
    from .cli import print_report
    report = Report()
    result = build(options, report)
    print_report(report, options.strict, quiet=True)
    if result.written:
        print(f"rebuilt {len(result.pages)} pages", file=sys.stderr)
    return result.written


def serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> int:
    from livereload import Server

    options = replace(options, base_url="/")
    _rebuild(options)
    server = Server()
    for path in (options.content, TEMPLATES_DIR, STATIC_DIR):
        server.watch(str(Path(path) / "**" / "*"), lambda: _rebuild(options), delay=0.3)
        server.watch(str(path), lambda: _rebuild(options), delay=0.3)
    print(f"serving {options.output} on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr)
    server.serve(host=host, port=port, root=str(options.output), open_url_delay=1 if open_browser else None)
    return 0
