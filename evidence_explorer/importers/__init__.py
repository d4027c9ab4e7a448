"""``import FILE``: papers (CSV, TSV, XLSX, BibTeX, RIS, CSL-JSON) and CMOCs (CSV, TSV, XLSX) into
Markdown files of a content directory.

:func:`run_import` reads the file into records, matches each against what exists, then creates,
updates (``--update``: bibliographic fields only), skips or fails it, with one message per record
that was not simply created. ``dry_run`` decides everything and writes nothing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..content.config import SiteConfig, load_config, parse_config
from ..content.diagnostics import BuildError, Location, Report
from ..content.load import parse_yaml
from ..content.validate import allowed_fields
from . import tabular
from .actions import Action, ImportOptions, ImportResult, Target  # noqa: F401 (the API)
from .bibtex import read_bibtex
from .existing import scan
from .records import Incoming
from .ris_csl import read_csl_json, read_ris
from .encoding import read_input
from .tabular import decode_bytes
from .plan import apply_plan
from .xlsx import read_xlsx

FORMATS = ("csv", "tsv", "xlsx", "bibtex", "ris", "csl-json")
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".bib": "bibtex",
              ".bibtex": "bibtex", ".ris": "ris", ".json": "csl-json"}
KINDS = ("papers", "cmocs")
NEW_SITE_YAML = "title: Imported evidence base\n"
MAP_TARGETS_EXTRA = ("extra", "ignore", "body", "first_author", "quality.relevance", "quality.rigour",
                     "quality.note", "id")


def detect_format(path: Path, given: str | None) -> str:
    if given:
        fmt = given.lower().replace("_", "-")
        fmt = {"bib": "bibtex", "json": "csl-json", "csljson": "csl-json", "excel": "xlsx"}.get(fmt, fmt)
        if fmt not in FORMATS:
            raise BuildError(f"unknown --format '{given}': use one of {', '.join(FORMATS)}")
        return fmt
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise BuildError(f"cannot tell the format of '{path.name}' from its extension: give --format "
                         f"({', '.join(FORMATS)})")
    return fmt


def read_records(path: Path, fmt: str, kind: str, mapping: dict[str, str], report: Report) -> list[Incoming]:
    """Every record of the file; file-level problems go to ``report`` located at the file."""
    shown = str(path)
    if kind == "cmocs" and fmt not in ("csv", "tsv", "xlsx"):
        raise BuildError(f"CMOCs are imported from spreadsheets (csv, tsv, xlsx), not {fmt}")
    if fmt in ("csv", "tsv", "xlsx"):
        sheet = read_xlsx(path) if fmt == "xlsx" else \
            tabular.read_delimited(path, "\t" if fmt == "tsv" else None)
        for note in sheet.notes:
            report.note("import.file", note, Location(shown))
        return tabular.cmoc_records(sheet, mapping) if kind == "cmocs" else tabular.paper_records(sheet, mapping)
    text, note = decode_bytes(read_input(path))
    if note:
        report.note("import.file", note, Location(shown))
    reader = {"bibtex": read_bibtex, "ris": read_ris, "csl-json": read_csl_json}[fmt]
    records, errors = reader(text)
    for line, severity, message in errors:
        getattr(report, severity)("import.syntax", message, Location(shown, line))
    return records


def open_target(content: Path, dry_run: bool, report: Report) -> Target:
    """The content directory's config and existing records; a missing or empty directory becomes a new
    evidence base with a minimal site.yaml."""
    shown = str(content)
    site = content / "site.yaml"
    new_site = not site.exists()
    if new_site:
        if content.exists() and (not content.is_dir() or any(content.iterdir())):
            raise BuildError(f"'{content}' has no site.yaml: is it a content directory? (import creates a "
                             "new one only in a missing or empty directory)")
        data: Any = parse_yaml(NEW_SITE_YAML)
    else:
        config = load_config(content, report)
        if config is None:
            raise BuildError(f"{site}: cannot import into a content directory whose site.yaml is invalid")
        existing = scan(content)
        return Target(content, shown, config, existing, False, set(existing.ids))
    config = parse_config(data, str(site), report)
    assert config is not None
    return Target(content, shown, config, scan(content), True, set())


def check_mapping(mapping: dict[str, str], kind: str, config: SiteConfig) -> dict[str, str]:
    """--map COLUMN=field targets must be fields of the kind (or extra, ignore, body…)."""
    from ..content.diagnostics import did_you_mean
    allowed = set(allowed_fields("paper" if kind == "papers" else "cmoc", config)) | set(MAP_TARGETS_EXTRA)
    if kind == "cmocs":
        allowed |= {"sources", "locator", "quote", "relations"}
    out = {}
    for column, target in mapping.items():
        name = target.strip()
        if name.startswith("extra:"):
            out[column] = name
            continue
        if name not in allowed:
            raise BuildError(f"--map {column}={target}: '{target}' is not a field of "
                             f"{kind}{did_you_mean(name, allowed)}")
        out[column] = f"extra:{column}" if name == "extra" else name
    return out


def run_import(options: ImportOptions, report: Report) -> ImportResult:
    """Read, match, then create / update / skip / fail each record. Raises BuildError on usage problems."""
    if options.kind not in KINDS:
        raise BuildError(f"unknown --kind '{options.kind}': use papers or cmocs")
    if not options.file.exists():
        raise BuildError(f"'{options.file}' not found")
    if not options.file.is_file():
        raise BuildError(f"cannot import '{options.file}': not a regular file")
    fmt = detect_format(options.file, options.format)
    target = open_target(options.content, options.dry_run, report)
    mapping = check_mapping(dict(options.mapping), options.kind, target.config)
    records = read_records(options.file, fmt, options.kind, mapping, report)
    if not records and not report.errors:
        report.error("import.empty", f"no records found: is it a {fmt.upper()} file?{_hint(options.file)}",
                     Location(str(options.file)))
    created_site = False
    if target.new_site and not options.dry_run:
        target.content.mkdir(parents=True, exist_ok=True)
        with open(target.content / "site.yaml", "x", encoding="utf-8") as fh:
            fh.write(NEW_SITE_YAML)
        created_site = True
    actions = apply_plan(records, target, options, report)
    assert len(actions) == len(records), "every record is created, updated, skipped or failed"
    return ImportResult(tuple(actions), options.dry_run, created_site, len(records))


def _hint(path: Path) -> str:
    """What the file looks like when it is not what its extension says."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).decode("utf-8", "replace").lstrip("\ufeff \r\n")
    except OSError:
        return ""
    if head.startswith(("FN ", "PT ")):
        return " It looks like Web of Science plain text: export 'Tab delimited' or RIS instead."
    if head.startswith("PMID-"):
        return " It looks like PubMed's MEDLINE format: export 'CSV' or save as RIS instead."
    return ""
