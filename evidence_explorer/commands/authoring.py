"""The ``new`` and ``schema`` commands (registered by cli.py; they return exit codes, never exit)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..content.textsafe import escape_controls
from ..content.walk import COLLECTIONS

# (the scaffold, the schemas and the model are imported by the command that runs: the command line
# is parsed before the program's bulk is imported, ``commands/head_start.py``)

HELP = {
    "new": "scaffold a content file with every field of its kind (never overwrites)",
    "schema": "write the JSON Schema of every kind's front matter (editor validation)",
}


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help=HELP["new"], description=HELP["new"])
    p.add_argument("kind", metavar="KIND", help=f"one of: {', '.join(COLLECTIONS.values())}")
    p.add_argument("id", metavar="ID", help="the new id (also the file name)")
    p.add_argument("--content", default="content", metavar="DIR", help="content directory (default: content)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    p = sub.add_parser("schema", help=HELP["schema"], description=HELP["schema"])
    p.add_argument("--content", metavar="DIR", help="add the facets and theory kinds of DIR/site.yaml "
                   "(default: the model only)")
    p.add_argument("--output", "-o", default="schema", metavar="DIR", help="where to write (default: schema)")
    p.add_argument("--check", action="store_true", help="write nothing; fail (1) if the files are out of date")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")


def cmd_new(args: argparse.Namespace) -> int:
    from ..authoring import scaffold
    content = Path(args.content)
    if not content.is_dir():
        print(f"error: content directory '{content}' not found (start a new evidence base with "
              f"'evidence-explorer init DIR', or give --content)", file=sys.stderr)
        return 2
    try:
        plan = scaffold.plan(content, args.kind, args.id, scaffold.site_config(content))
        scaffold.write(plan)
    except scaffold.ScaffoldError as exc:
        print(escape_controls(f"error: {exc}"), file=sys.stderr)
        return 2
    except FileExistsError:
        print(f"error: {content} already has that file; not overwriting it", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"wrote {plan.path}: fill in the required fields, then run 'check'", file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from ..authoring import json_schema as jsonschema, scaffold
    from ..content.model import KINDS
    config = None
    if args.content:
        content = Path(args.content)
        if not (content / "site.yaml").is_file():
            print(f"error: {content / 'site.yaml'} not found", file=sys.stderr)
            return 2
        config = scaffold.site_config(content)
        if config is None:
            print(f"error: {content / 'site.yaml'} has problems; run 'check --content {content}'", file=sys.stderr)
            return 2
    output = Path(args.output)
    if args.check:
        stale = [name for name, text in jsonschema.schema_files(config).items()
                 if not (output / name).is_file() or (output / name).read_text(encoding="utf-8") != text]
        again = "evidence-explorer schema" + (f" --content {args.content}" if args.content else "") + \
            (f" --output {args.output}" if args.output != "schema" else "")
        for name in stale:
            state = "out of date" if (output / name).is_file() else "missing"
            print(escape_controls(f"{output / name}: {state}; run '{again}'"), file=sys.stderr)
        return 1 if stale else 0
    changed = jsonschema.write_schemas(output, config)
    if not args.quiet:
        print(f"wrote {len(KINDS)} schemas into {output} ({len(changed)} changed)", file=sys.stderr)
    return 0
