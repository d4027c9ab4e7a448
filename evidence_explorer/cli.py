"""Command line: ``evidence-explorer [COMMAND] [OPTIONS]``. The only place that exits (:func:`run`).

Exit codes: 0 ok, 1 content problems, 2 usage or configuration problems and I/O failures
(disk full, a read-only folder), 3 an internal error (a bug: please report it).
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .commands import authoring as authoring_commands, importing as import_command, init as init_command
from .commands import build as build_command
from .commands.build import cmd_build
from .commands.serve import cmd_serve
from .content.diagnostics import BuildError
from .content.textsafe import escape_controls

# Only what parsing the command line needs is imported here: a command imports its bulk when it
# runs (``build`` while its up-to-date probe runs: ``commands/head_start.py``).

COMMANDS: dict[str, str] = {
    "build": "validate, render, index for search, write the site atomically (default)",
    "check": "validate only, write nothing",
    "serve": "build, serve on 127.0.0.1 with live reload, rebuild on change",
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--content", default="content", metavar="DIR", help="content directory (default: content)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"must be between 1 and 1024: {text!r}")
    return value


def _build_opts(p: argparse.ArgumentParser, output: str | None = "site",
                output_help: str = "output directory (default: site)",
                base_url_help: str = "path prefix when hosted below the domain root, e.g. /evidence/, or an http(s) "
                                      "URL like https://example.org/evidence/") -> None:
    p.add_argument("--output", "-o", default=output, metavar="DIR", help=output_help)
    p.add_argument("--base-url", metavar="PATH", help=base_url_help)
    p.add_argument("--no-search", action="store_true", help="skip the Pagefind search index")
    p.add_argument("--jobs", "-j", type=_positive_int, default=None, metavar="N",
                   help="worker processes for loading and rendering (default: the usable cores; 1 for one process)")
    p.add_argument("--no-cache", action="store_true", help="a cold build: neither read nor write the caches "
                   "(rendered Markdown, compiled templates, the up-to-date manifest, the page cache "
                   "and its spare site)")
    if output == "site":  # build only: serve keeps its own state between rebuilds
        p.add_argument("--page-cache", action="store_true", help="keep the previous site and re-render only "
                       "the pages an edit touches (experimental: saves rendering after small edits, but costs "
                       "time and memory on a cold build; see docs/performance.md)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="evidence-explorer", description="Build a static website from an "
                                  "evidence synthesis kept as Markdown files with YAML front matter.")
    top.add_argument("--version", action="version", version=f"evidence-explorer {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("build", help=COMMANDS["build"], description=COMMANDS["build"])
    _common(p)
    _build_opts(p)
    p.add_argument("--offline", metavar="PATH", type=Path, help="also write a copy that opens from file:// "
                   "without a server (links, styles, a built-in search): a folder, or a zip for a name ending .zip")
    p = sub.add_parser("check", help=COMMANDS["check"], description=COMMANDS["check"])
    _common(p)
    p = sub.add_parser("serve", help=COMMANDS["serve"])
    _common(p)
    _build_opts(p, output=None, output_help="output directory, built into only if empty, absent or written by "
                "evidence-explorer (default: a temporary folder, removed when serve stops)",
                base_url_help="serve the site under this path, e.g. /evidence/ (default: /)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only); "
                   "only requests for 127.0.0.1, localhost or this name are answered")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--open", action="store_true", help="open a browser")
    authoring_commands.add_parsers(sub)
    init_command.add_parser(sub)
    import_command.add_parser(sub)
    return top


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "serve": cmd_serve,
    "build": cmd_build,
    "check": lambda a: cmd_build(a, write=False),
    "import": import_command.cmd_import,
    "new": authoring_commands.cmd_new,
    "init": init_command.cmd_init,
    "schema": authoring_commands.cmd_schema,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself
        return 0 if exc.code == 0 else 2
    if args.command is None:
        parser().print_help()
        return 2
    try:
        return HANDLERS[args.command](args)
    except BuildError as exc:
        print(escape_controls(f"error: {exc}"), file=sys.stderr)
        return 2
    except OSError as exc:  # an I/O fault outside the build's writes (which say what they were writing)
        from .site.publish import describe_os_error
        print(escape_controls(f"error: {describe_os_error(exc)}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not a content problem
        if os.environ.get("EVIDENCE_EXPLORER_DEBUG"):
            traceback.print_exc()
        print(escape_controls(f"internal error: {type(exc).__name__}: {exc}") + "\n"
              "This is a bug in evidence-explorer; set EVIDENCE_EXPLORER_DEBUG=1 for details.", file=sys.stderr)
        return 3


def run() -> None:
    """The process's entry (the console script, ``build.py``): :func:`main`, then exit. After a build
    that kept its state to the end (``commands.build.KEPT``), without tearing the interpreter down:
    freeing a few million objects one by one (about a second after an edit build at 5,000 papers)
    changes nothing on disk. Every file the build wrote is closed by then, and the snapshot's
    writer is a process of its own."""
    code = main()
    if build_command.KEPT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
