"""The import contract of ``evidence_explorer/`` (docs/architecture.md), checked over the source with ``ast``.

The rules are read from the ``layers`` block of docs/architecture.md, so the page and this test cannot
disagree. Every import counts, at the top of a module or inside a function; only imports under
``if TYPE_CHECKING:`` (annotations, never run) are exempt from the cycle rule, never from the layer rule.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "evidence_explorer"
DOC = ROOT / "docs" / "architecture.md"
LAYERS = ("content", "options", "exports", "site", "authoring", "importers", "speed", "pipeline", "dev", "commands", "cli")
"""The layers, bottom up: the folders (and the two top-level modules) the architecture names."""


@dataclass(frozen=True)
class Import:
    source: str
    """Importing module, dotted below the package (``site.render``; ``""`` is the package itself)."""
    target: str
    """Imported module, dotted below the package."""
    names: tuple[str, ...]
    """Names taken from ``target`` (``from target import a, b``), empty for a module import."""
    line: int
    typing_only: bool


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _typing_only_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                inside.update(id(n) for n in ast.walk(stmt))
    return inside


def imports() -> list[Import]:
    mods = modules()
    out = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = _typing_only_nodes(tree)
        here = name.split(".") if name else []
        if path.name != "__init__.py":
            here = here[:-1]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                    target = ".".join(base + ([node.module] if node.module else []))
                elif node.module == "evidence_explorer" or (node.module or "").startswith("evidence_explorer."):
                    target = node.module.removeprefix("evidence_explorer").lstrip(".")
                else:
                    continue
                modules_named = [a.name for a in node.names if f"{target}.{a.name}".lstrip(".") in mods]
                other = tuple(a.name for a in node.names if a.name not in modules_named)
                for sub in modules_named:
                    out.append(Import(name, f"{target}.{sub}".lstrip("."), (), node.lineno, id(node) in typing_only))
                if other:
                    out.append(Import(name, target, other, node.lineno, id(node) in typing_only))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("evidence_explorer."):
                        out.append(Import(name, alias.name.removeprefix("evidence_explorer."), (), node.lineno,
                                          id(node) in typing_only))
    return out


def layer_of(module: str) -> str:
    """The layer a module belongs to: its top folder, or the top-level module's own name."""
    return module.split(".")[0] if module else "package"


def allowed() -> dict[str, set[str]]:
    """``layer: layers it may import`` from the ``layers`` block of docs/architecture.md."""
    block = re.search(r"```layers\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/architecture.md has no ```layers block"
    rules = {}
    for line in block.group(1).splitlines():
        line = line.split("#")[0].strip()
        if line:
            layer, _, below = line.partition(":")
            rules[layer.strip()] = set(below.split())
    return rules


def test_the_doc_names_every_layer_and_every_layer_exists():
    rules = allowed()
    assert tuple(rules) == LAYERS
    tops = {layer_of(m) for m in modules()} - {"package"}
    assert tops == set(LAYERS), "a folder or top-level module that is no layer (add it to docs/architecture.md)"
    for layer, below in rules.items():
        assert below <= set(LAYERS[: LAYERS.index(layer)]), f"{layer} may only import layers below it"


def test_no_upward_imports():
    rules = allowed()
    paths = modules()
    bad = [f"{paths[m.source].relative_to(ROOT)}:{m.line}: {layer_of(m.source)} imports {m.target}"
           for m in imports()
           if layer_of(m.target) not in {layer_of(m.source), "package"} | rules[layer_of(m.source)]]
    assert not bad, "imports the layers do not allow:\n" + "\n".join(bad)


def test_every_import_of_the_package_names_a_module_that_exists():
    """Imports inside functions run late: a wrong relative path would only fail when called."""
    mods = modules()
    bad = [f"{mods[m.source].relative_to(ROOT)}:{m.line}: {m.target}" for m in imports() if m.target not in mods]
    assert not bad, "imports of modules that do not exist:\n" + "\n".join(bad)


def test_the_package_root_holds_only_the_version():
    assert {m.names for m in imports() if m.target == ""} <= {("__version__",)}


def test_no_private_names_across_modules():
    bad = [f"{m.source}:{m.line}: {n} from {m.target}" for m in imports() if m.target != m.source
           for n in m.names if n.startswith("_") and not n.startswith("__")]
    mods = modules()
    for name, path in mods.items():  # module._name after 'from . import module'
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    for a in node.names if node.level or (node.module or "").startswith("evidence_explorer")}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in imported
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                bad.append(f"{name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not bad, "private names used across modules:\n" + "\n".join(bad)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def import_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in modules()}
    for m in imports():
        if not m.typing_only and m.target != m.source:
            edges[m.source].add(m.target)
    return edges


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_checks_can_fail():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("site.views.cmoc") == "site" and layer_of("pipeline") == "pipeline"
    assert "site" not in allowed()["content"]


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_is_described(layer):
    text = DOC.read_text(encoding="utf-8")
    assert f"`{layer}/`" in text or f"`{layer}.py`" in text



MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_TOP_LEVEL_MODULES = 10


def test_few_modules_at_the_top_of_the_package():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_no_module_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split along a stage or a role): {long}"


def long_functions(path: Path, shown: str) -> list[str]:
    """Functions over the limit without a ``# long: <reason>`` comment on their signature (or the line above)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            size = node.end_lineno - node.lineno + 1
            signature = lines[node.lineno - 2: node.body[0].lineno - 1]
            if size > MAX_FUNCTION_LINES and not any("# long: " in line for line in signature):
                out.append(f"{shown}:{node.lineno}: {node.name} ({size} lines)")
    return out


def test_no_function_over_60_lines_without_a_reason():
    found = [f for p in modules().values() for f in long_functions(p, str(p.relative_to(ROOT)))]
    assert not found, "functions over 60 lines with no '# long: <reason>' beside them:\n" + "\n".join(found)


def test_the_size_check_can_fail(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    probe = tmp_path / "probe.py"
    probe.write_text(f"def f():\n{body}\n\n\ndef g():  # long: a probe\n{body}\n")
    assert long_functions(probe, "probe.py") == ["probe.py:1: f (71 lines)"]
