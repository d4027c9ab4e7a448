"""The ``build`` and ``check`` commands: the options from the command line, then
:mod:`.build_steps` (the up-to-date check, the pipeline, the report, the offline copy). They return
exit codes; only ``cli.run`` exits.

This module imports little: the program's bulk (the pipeline, the template engine, Markdown, the
model) is imported by :func:`cmd_build` while the up-to-date probe runs in a forked child and the
snapshot is read in a thread (:mod:`.head_start`)."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..content import urls
from ..content.diagnostics import BuildError
from ..content.textsafe import describe
from ..options import BuildOptions
from ..speed.aside import usable_cores
from . import head_start

KEPT: list = []
"""The last build's engine state, kept alive: freeing it when the build returns costs as much as
the edit build's render, and :func:`evidence_explorer.cli.run` exits without freeing it."""


def cmd_build(args: argparse.Namespace, write: bool = True) -> int:
    start = time.perf_counter()
    KEPT.clear()
    options = build_options(args)
    if write and getattr(args, "offline", None):
        _check_offline(Path(args.offline), options)
    with head_start.started(options, write, getattr(args, "page_cache", False)) as head:
        from . import build_steps  # (imported while the probe runs)
        code = build_steps.run(args, options, write, head, start, KEPT)
    if code == 0 and write and getattr(args, "offline", None):
        return build_steps.offline(args)
    return code


def _check_offline(path: Path, options: BuildOptions) -> None:
    """``--offline`` must not write into the content (the authors' files) nor the site (the next
    build would find it changed): a usage error (exit 2) before anything is built."""
    target = path.resolve()
    for folder, what in ((options.content, "content folder"), (options.output, "output folder")):
        if target == folder.resolve() or folder.resolve() in target.parents:
            raise BuildError(f"--offline {describe(str(path))} is inside the {what} '{folder}': "
                             "write the offline copy somewhere else")


def _base_url(args: argparse.Namespace) -> str | None:
    """``--base-url``, checked as ``base_url`` in site.yaml is (a usage error otherwise: exit 2)."""
    base = getattr(args, "base_url", None)
    if base is not None and not urls.valid_base_url(base.strip()):
        raise BuildError(f"--base-url must be {urls.BASE_URL_HINT}, got {describe(base)}")
    return None if base is None else base.strip()


def build_options(args: argparse.Namespace) -> BuildOptions:
    """The build options the command line asked for."""
    return BuildOptions(content=Path(args.content), output=Path(getattr(args, "output", "site")),
                        base_url=_base_url(args), strict=args.strict,
                        search=not getattr(args, "no_search", True), jobs=getattr(args, "jobs", None) or usable_cores(),
                        cache=not getattr(args, "no_cache", False))
