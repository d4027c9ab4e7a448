"""``new KIND ID``: a new content file with every field of its kind present and commented.

Required fields are left empty, so ``check`` (and the serve overlay) points at each
one until the author fills it in; optional fields are present with an empty value
(an empty YAML value counts as absent). Facets of ``site.yaml`` that apply to the
kind are listed with their allowed values. Nothing is ever overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content.config import SiteConfig
from ..content.diagnostics import Report
from .json_schema import folder_of
from ..content.load import MAX_FILE_BYTES
from ..content.model import KINDS
from ..content.fields import FieldError, ListOf, Record, check_id, content_fields
from ..content.walk import FileProblem, read_bounded, walk_content


class ScaffoldError(Exception):
    """A usage problem: unknown kind, invalid or taken id, existing file."""


@dataclass(frozen=True)
class Scaffold:
    path: Path
    text: str


_EXAMPLES: dict[tuple[str, str], str] = {
    ("cmoc", "sources"): "- paper: PAPER-ID\n  locator: p. 4\n  quote: the passage that supports this configuration",
    ("cmoc", "theories"): "- theory: THEORY-ID\n  relation: supports",
    ("map", "rows"): "- focus: what this evidence set is about\n  kind: context\n  papers: [PAPER-ID]",
    ("review", "flow"): "- stage: Records identified\n  count: 100",
    ("paper", "quality"): "relevance: high\nrigour: moderate\nnote: appraisal note",
    ("paper", "theories"): "- THEORY-ID\n- theory: THEORY-ID\n  status: agreed\n  reviewed: {date: 2026-01-31, by: Advisory group}",
}


def _field_block(kind: str, name: str, doc: str, required: bool, spec: Any) -> list[str]:
    mark = "required. " if required else ""
    example = _EXAMPLES.get((kind, name))
    if example is None and (isinstance(spec, Record) or isinstance(getattr(spec, "item", None), Record)):
        record = spec if isinstance(spec, Record) else spec.item
        example = "\n".join(f"{n}: ..." for n in content_fields(record.cls))
    # An empty list shows the type, but a field with a block example stays empty so that the
    # example, uncommented below it, parses ("key: []" followed by "- item" is a YAML error).
    empty = "[]" if isinstance(spec, ListOf) and not required and not example else ""
    head = f"{name}: {empty}".rstrip() + f"  # {mark}{doc}"
    lines = [head]
    if example:
        lines += ["  # for example:"] + [f"  #   {line}" for line in example.split("\n")]
    return lines


def scaffold_text(kind: str, entity_id: str, config: SiteConfig | None) -> str:
    """The file text for a new ``kind`` with id ``entity_id``."""
    cls = KINDS[kind]
    label = cls.label if cls.label.isupper() else cls.label.lower()
    lines = ["---", f"# A new {label}. Fill in the required fields; delete the optional lines you do",
             "# not need (an empty value counts as absent). Reference: docs/content-format.md",
             f"# id: {entity_id}  # defaults to the file name"]
    specs = content_fields(cls)
    for name in [n for n in specs if n not in ("id", "extra")] + ["extra"]:
        f = specs[name]
        lines += _field_block(kind, name, f.metadata["doc"], f.metadata["required"], f.metadata["spec"])
        if kind == "theory" and name == "title":
            kinds = ", ".join(config.theory_kinds) if config else "a key of theory_kinds in site.yaml"
            default = config.default_theory_kind if config else "component"
            lines.append(f"kind: {default}  # one of: {kinds}")
    if config is not None:
        names = content_fields(cls)
        for facet in config.facets.values():
            if kind in facet.applies_to and facet.key not in names:
                allowed = "any value" if facet.open else "one or more of " + ", ".join(facet.values)
                lines.append(f"{facet.key}: []  # {facet.label} (facet): {allowed}")
    lines += ["---", "", _body_hint(kind), ""]
    return "\n".join(lines)


def _body_hint(kind: str) -> str:
    return ("Narrative in Markdown. Link any entity with `[[id]]` or `[[id|label]]`."
            if kind != "page" else "Page text in Markdown. Link any entity with `[[id]]`.")


def plan(content: Path, kind: str, entity_id: str, config: SiteConfig | None) -> Scaffold:
    """Check the kind and id and choose the path; raise :class:`ScaffoldError` on any problem."""
    if kind not in KINDS:
        raise ScaffoldError(f"unknown kind '{kind}': use one of {', '.join(KINDS)}")
    try:
        check_id(entity_id)
    except FieldError as exc:
        raise ScaffoldError(exc.message) from None
    path = content / folder_of(kind) / f"{entity_id}.md"
    if path.exists():
        raise ScaffoldError(f"{path} already exists; not overwriting it")
    taken = _existing_ids(content)
    if entity_id.lower() in taken:
        raise ScaffoldError(f"id '{entity_id}' is already used by {taken[entity_id.lower()]} "
                            "(ids are unique across all collections, ignoring case)")
    return Scaffold(path, scaffold_text(kind, entity_id, config))


def _existing_ids(content: Path) -> dict[str, str]:
    """Lower-cased id → file, from file names and explicit ``id:`` lines (no full parse needed)."""
    found: dict[str, str] = {}
    for rel, _kind in walk_content(content).files:  # the files a build reads
        path = content / rel
        found.setdefault(path.stem.lower(), str(path))
        try:
            head = read_bounded(path, MAX_FILE_BYTES).decode("utf-8-sig", "replace").split("\n", 200)[:200]
        except FileProblem:
            continue
        for line in head[1:]:
            if line.rstrip() in ("---", "..."):
                break
            if line.startswith("id:"):
                value = line[3:].split("#", 1)[0].strip().strip("'\"")
                if value:
                    found.setdefault(value.lower(), str(path))
    return found


def write(scaffold: Scaffold) -> None:
    scaffold.path.parent.mkdir(parents=True, exist_ok=True)
    with open(scaffold.path, "x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
        fh.write(scaffold.text)


def site_config(content: Path) -> SiteConfig | None:
    """The content's SiteConfig for facets and theory kinds; None when site.yaml is missing or broken."""
    from ..content.config import load_config
    if not (content / "site.yaml").is_file():
        return None
    return load_config(content, Report())

