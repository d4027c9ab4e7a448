"""The ``import FILE`` command's options and handler (``cli.py`` registers them)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..content.diagnostics import BuildError, Report
from ..content.textsafe import escape_controls

HELP = "papers (or CMOCs) from CSV/TSV/XLSX/BibTeX/RIS/CSL-JSON into Markdown files"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help=HELP, description="Import " + HELP + ". Never overwrites a file: a record "
                       "whose DOI, id or title and year already exist is skipped (or, with --update, has its "
                       "bibliographic fields refreshed).")
    p.add_argument("file", metavar="FILE", help="the file to import")
    p.add_argument("--content", default="content", metavar="DIR", help="content directory (default: content)")
    p.add_argument("--format", choices=("csv", "tsv", "xlsx", "bibtex", "ris", "csl-json"),
                   help="file format (default: from the extension)")
    p.add_argument("--kind", choices=("papers", "cmocs", "review"), default="papers",
                   help="what the file holds (default: papers; review = a filled-in advisory-review links.csv)")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help="read spreadsheet column COLUMN as FIELD (repeatable; FIELD may be 'extra' or 'ignore')")
    p.add_argument("--update", action="store_true",
                   help="refresh the bibliographic fields of papers that exist (keeps every other field and the body)")
    p.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems and the summary")


def cmd_import(args: argparse.Namespace) -> int:
    if args.kind == "review":
        return _review(args)
    from ..importers import ImportOptions, run_import
    mapping = []
    for item in args.map:
        column, sep, field = item.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise BuildError(f"--map '{item}': write COLUMN=FIELD, e.g. --map 'Lead author=authors'")
        mapping.append((column.strip(), field.strip()))
    options = ImportOptions(file=Path(args.file), content=Path(args.content), format=args.format,
                            kind=args.kind, mapping=tuple(mapping), update=args.update, dry_run=args.dry_run)
    report = Report()
    try:
        result = run_import(options, report)
    except OSError as exc:
        raise BuildError(f"cannot read '{args.file}': {exc.strerror or exc}") from None
    seen: set[str] = set()
    for d in report.items:  # in the order of the file's records
        if d.format() not in seen:
            seen.add(d.format())
            print(d.format(), file=sys.stderr)
    verb = {"create": "would create" if args.dry_run else "created",
            "update": "would update" if args.dry_run else "updated"}
    if result.created_site_yaml and not args.quiet:
        print(f"created {options.content}/site.yaml", file=sys.stdout)
    for a in result.actions:
        if a.action in verb and not args.quiet:
            detail = f" ({a.reason})" if a.action == "update" and a.reason else ""
            print(escape_controls(f"{verb[a.action]} {options.content}/{a.path}{detail}  [{a.where}]"),
                  file=sys.stdout)
    print(escape_controls(result.accounting(args.file)), file=sys.stderr)
    print(result.summary(), file=sys.stderr)
    return 1 if result.count("fail") or report.errors else 0


def _review(args: argparse.Namespace) -> int:
    from ..authoring.advisory_decisions import apply_review_csv
    result = apply_review_csv(Path(args.file), Path(args.content), args.dry_run)
    for d in sorted(getattr(result, "diagnostics", ()), key=lambda d: d.sort_key()):
        print(d.format(), file=sys.stderr)
    files = getattr(result, "files", ())
    for f in files:
        print(escape_controls(f"{'would change' if args.dry_run else 'changed'} {f}"), file=sys.stdout)
    print(escape_controls(f"{args.file}: {result.accounting()}"), file=sys.stderr)
    print(f"{'dry run: ' if args.dry_run else ''}{len(files)} file(s) {'would change' if args.dry_run else 'changed'}",
          file=sys.stderr)
    return 1 if getattr(result, "failed", False) else 0
