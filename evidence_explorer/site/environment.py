"""The templates' Jinja2 environment: autoescape, StrictUndefined, no compile-time folding of our
filters, and the render's fast paths over Jinja and MarkupSafe (:class:`QuickTemplate`,
:class:`QuickContext`, :func:`quick_escape`), which a plain build leaves out (``quick=False``).
"""
from __future__ import annotations

import copy
import json
import types
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


class Environment(jinja2.Environment):
    """Compiled code that depends on the template source alone, never on this build's values.

    Jinja folds a filter or test with constant arguments at compile time (``{{ 'search/'|href }}``
    becomes the string the filter returned then). Our filters depend on the build (base URL, titles,
    the raw-HTML setting), and compiled templates are cached between builds (cache.py) and, under
    ``serve``, between rebuilds: so here no filter or test is ever folded (the code generator sees
    stand-ins that refuse to run, which Jinja takes as "not a constant"); the call happens at render
    time."""

    def _generate(self, source: Any, name: str | None, filename: str | None, defer_init: bool = False) -> str:
        proxy = copy.copy(self)
        proxy.filters = {k: _unfoldable(f) for k, f in self.filters.items()}
        proxy.tests = {k: _unfoldable(f) for k, f in self.tests.items()}
        return jinja2.compiler.generate(source, proxy, name, filename, defer_init=defer_init,
                                        optimized=self.optimized)


def _unfoldable(func: Any) -> Any:
    def stand_in(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("not evaluated at compile time")
    if hasattr(func, "jinja_pass_arg"):  # the same calling convention in the generated code
        stand_in.jinja_pass_arg = func.jinja_pass_arg  # type: ignore[attr-defined]
    return stand_in


try:  # MarkupSafe's C escape of a str (its ``escape`` wraps it in two Python calls)
    from markupsafe import _escape_inner
except ImportError:  # another MarkupSafe: its own escape, as it is
    _escape_inner = None

_new_str = str.__new__


def quick_escape(value: Any) -> Markup:
    """:func:`markupsafe.escape`, for the two types templates output most without its Python frames:
    a ``str`` escaped by the same C function, a ``Markup`` as it is (escape would copy it)."""
    cls = value.__class__
    if cls is str:
        return _new_str(Markup, _escape_inner(value))  # type: ignore[misc]
    if cls is Markup:
        return value
    return escape(value)


def escape_text(value: Any) -> str:
    """``str(markupsafe.escape(value))``; a ``str`` goes straight to the C function ``escape`` calls
    (no ``Markup`` made and unwrapped: the page metadata escapes some 550,000 values a build)."""
    if value.__class__ is str and _escape_inner is not None:
        return _escape_inner(value)
    return str(escape(value))


class QuickTemplate(jinja2.Template):
    """A template whose autoescaped output (``{{ value }}``: the ``escape`` the compiled code names)
    goes through :func:`quick_escape`: 693,000 calls for 2,500 pages at N = 2,000, about 7 % of the
    render's CPU. A fast path: the same characters as MarkupSafe's (``tests/test_plain.py``
    compares with plain builds, which use MarkupSafe's)."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: dict, globals: Any) -> jinja2.Template:
        namespace["escape"] = quick_escape
        return super()._from_namespace(environment, namespace, globals)  # type: ignore[misc]


class QuickContext(jinja2.runtime.Context):
    """A template context that makes the set of its template's global names only when something
    reads it (``{% import %}`` does; a page, an include or a fragment does not). Jinja's own context
    makes it on creation, iterating the template's ChainMap of some forty globals: 150,000 times a
    build at N = 5,000 (every include makes a context), about 2 % of the render. And calls that
    skip Jinja's checks for callables that cannot ask for a context (:meth:`call`). A fast path:
    the same names when read, the same results (``tests/test_render_fast.py``)."""

    def __init__(self, environment: jinja2.Environment, parent: dict[str, Any], name: str | None,
                 blocks: dict[str, Any], globals: Any = None):
        super().__init__(environment, parent, name, blocks)  # (no globals: it sets an empty set)
        self._global_names: Any = globals
        self._global_keys: set[str] | None = None

    @property
    def globals_keys(self) -> set[str]:  # type: ignore[override]
        if self._global_keys is None:
            names = self._global_names
            self._global_keys = set() if names is None else set(names)
        return self._global_keys

    @globals_keys.setter
    def globals_keys(self, value: set[str]) -> None:
        self._global_keys = value if value else None  # (Jinja's __init__ sets an empty set first)

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names)
        """:meth:`jinja2.runtime.Context.call` (a template calling a global: ``fragment(…)``,
        ``x.items()``; 365,000 calls a build), without its look-ups of ``jinja_pass_arg`` on the
        callable and its ``__call__`` when the callable is a plain function, a method of one or a
        built-in, none of which carries it (``pass_context`` and its kin set it in the function's
        ``__dict__``); anything else goes through Jinja's own."""
        cls = __obj.__class__
        if cls is _MethodType:
            func = __obj.__func__
            plain = func.__class__ is _FunctionType and "jinja_pass_arg" not in func.__dict__
        elif cls is _FunctionType:
            plain = "jinja_pass_arg" not in __obj.__dict__
        else:
            plain = cls is _BuiltinType
        if not plain:
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a"
                                                " StopIteration exception")


_FunctionType, _MethodType, _BuiltinType = types.FunctionType, types.MethodType, types.BuiltinMethodType


class JoinedCodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiled templates whose root and block functions gather their output in a list and yield it
    joined, once, instead of yielding every piece of text and every value: those yields passed each
    piece up through every enclosing generator (block, parent template, include loop), some 300
    pieces a page. Inner frames (loops, conditions, ``with``) share their function's list; macros,
    ``{% set %}`` and ``{% filter %}`` blocks keep the lists Jinja gives them. A fast path: the same
    text (``tests/test_render_fast.py``, and every plain build compared in ``tests/test_plain.py``)."""

    def enter_frame(self, frame: jinja2.compiler.Frame) -> None:
        super().enter_frame(frame)
        if frame.buffer is None and (frame.rootlevel or frame.block_frame):
            self.buffer(frame)  # ``t_N = []``
            frame.joined = True  # type: ignore[attr-defined]

    def leave_frame(self, frame: jinja2.compiler.Frame, with_python_scope: bool = False) -> None:
        if getattr(frame, "joined", False):
            self.writeline(f"yield concat({frame.buffer})")
        super().leave_frame(frame, with_python_scope)


class InliningCodeGenerator(JoinedCodeGenerator):
    """:class:`JoinedCodeGenerator`, and ``{% include "name" %}`` of a partial compiled into the
    including template, in a scope of its own, instead of a call at render time: each include made
    a context (a copy of the page's variables and the globals), looked the template up and started
    a generator, about 3 µs; 135,000 includes a build at 5,000 papers (a source's provenance, a
    CMOC's entry in a list). The partial's nodes are parsed from its own source, as Jinja parses
    it for an include (same whitespace), and see the same names: the includer's variables at that
    point, then the context. A partial that defines blocks or macros, imports, extends or names
    ``self`` is included as Jinja does. Only for environments whose templates do not change while
    they are used (a build; not ``serve``'s, which reloads edited templates: the includer's compiled
    code would keep the old partial). A fast path: the same text (``tests/test_render_fast.py``,
    every plain build compared in ``tests/test_plain.py``, serve's pages against a build's)."""

    _OPAQUE = (jinja2.nodes.Extends, jinja2.nodes.Block, jinja2.nodes.Macro, jinja2.nodes.Import,
               jinja2.nodes.FromImport)

    def visit_Include(self, node: jinja2.nodes.Include, frame: jinja2.compiler.Frame) -> None:
        body = self._inlined(node)
        if body is None:
            super().visit_Include(node, frame)
            return
        stack = self.__dict__.setdefault("_inlining", [])
        stack.append(node.template.value)
        try:
            self.visit_Scope(jinja2.nodes.Scope(body, lineno=node.lineno), frame)
        finally:
            stack.pop()

    def pull_dependencies(self, nodes: list[jinja2.nodes.Node]) -> None:
        """Jinja's, over the partials compiled in place too: the filters and tests they use are looked
        up once, at the start of the function, like the includer's own."""
        super().pull_dependencies([*nodes, *self._partials(nodes)])

    def _partials(self, nodes: list[jinja2.nodes.Node], seen: tuple[str, ...] = ()) -> list[jinja2.nodes.Node]:
        """The nodes of every partial that ``nodes`` include in place (and that those include)."""
        found: list[jinja2.nodes.Node] = []
        for node in nodes:
            for include in ([node] if isinstance(node, jinja2.nodes.Include) else node.find_all(jinja2.nodes.Include)):
                body = self._inlined(include, seen)
                if body is not None:
                    found += body
                    found += self._partials(body, (*seen, include.template.value))
        return found

    def _inlined(self, node: jinja2.nodes.Include, seen: tuple[str, ...] | None = None) -> list[jinja2.nodes.Node] | None:
        """The body of the partial ``node`` includes, when it can be compiled in place."""
        target = node.template
        if not (node.with_context and not node.ignore_missing and isinstance(target, jinja2.nodes.Const)
                and isinstance(target.value, str)
                and target.value not in (self.__dict__.get("_inlining", ()) if seen is None else seen)):
            return None
        env = self.environment
        source, filename, _uptodate = env.loader.get_source(env, target.value)
        tree = env._parse(source, target.value, filename)
        if any(True for _ in tree.find_all(self._OPAQUE)) or "self" in find_undeclared(tree.body, ("self",)):
            return None
        return tree.body


find_undeclared = jinja2.compiler.find_undeclared


def make_environment(reload: bool = False, quick: bool = True) -> jinja2.Environment:
    """The templates' environment. ``reload``: look at each template file's time again on every
    use (``serve``, which keeps one environment for the session while templates may be edited; a
    build's templates do not change while it runs, and those checks were 17 ``stat`` calls per page,
    about 6 % of the render). ``quick``: :class:`QuickTemplate` and :class:`QuickContext` (fast
    paths). The compiled templates are kept in a plain dict (``cache_size=-1``: some fifty
    templates), not Jinja's LRU cache, which takes a lock and reorders on each of the 170,000
    look-ups (includes) of a build."""
    env = Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                      undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, auto_reload=reload, cache_size=-1)
    if quick:
        env.context_class = QuickContext
        env.code_generator_class = JoinedCodeGenerator if reload else InliningCodeGenerator
    if quick and _escape_inner is not None:
        env.template_class = QuickTemplate
    env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    env.filters["slash_breaks"] = slash_breaks
    env.filters["first_upper"] = first_upper
    return env


def first_upper(text: str) -> str:
    """``text`` with its first letter in upper case and the rest as written: for the authors' words
    (a review's method, a facet's labels), where Jinja's ``capitalize`` also lowers the rest
    ("reported with PRISMA" became "reported with prisma")."""
    return text[:1].upper() + text[1:]


def slash_breaks(text: str) -> Markup:
    """``text`` escaped, with a line-break opportunity (``<wbr>``) after each slash: a narrow table
    cell breaks "evidence/opinion/commentary" at its slashes, not inside its words. The text is the
    same (``<wbr>`` has none)."""
    return Markup(str(escape(text)).replace("/", "/<wbr>"))
