"""The ``serve`` command: the development server over the options ``build`` reads."""
from __future__ import annotations

import argparse

from .build import build_options


def cmd_serve(args: argparse.Namespace) -> int:
    from ..dev.serve import serve  # tornado and livereload only when serving
    temporary = args.output is None
    args.output = args.output or "site"  # replaced by a temporary folder when none was given
    return serve(build_options(args), host=args.host, port=args.port, open_browser=args.open, temporary=temporary)
