"""Shared fixtures: run the CLI in-process, make throwaway sites, build the demo once."""
from __future__ import annotations

import contextlib
import io
import json
import os
import textwrap
from pathlib import Path

import pytest

from evidence_explorer.cli import main

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "tests" / "sites"


def _compile_key(env, source, name, filename, raw, defer_init) -> tuple:
    """Everything Jinja's ``compile`` reads: the source, the names, the lexer's and the code
    generator's settings, and each filter's and test's name and calling convention (the code
    generator refuses unknown names and emits the call by convention). Not the filters' values:
    compiled code must not depend on them (site/environment.py makes sure of it; a regression there makes
    builds in one session disagree, which the tests then see)."""
    def convention(funcs) -> tuple:
        return tuple(sorted((k, str(getattr(f, "jinja_pass_arg", None))) for k, f in funcs.items()))
    lexer = tuple(getattr(env, a) for a in (  # what jinja2.lexer.get_lexer keys its lexers by
        "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
        "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
        "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline"))
    return (type(env), source, name, filename, raw, defer_init, lexer, tuple(sorted(env.extensions)),
            env.optimized, env.is_async, env.autoescape, env.finalize, env.code_generator_class,
            convention(env.filters), convention(env.tests))


def _share_compiled_templates() -> None:
    """Compile each template once per test session, not once per build.

    Every build makes a fresh Jinja environment and compiles all ~46 templates again (about 0.3 s
    idle, most of a small site's build); the suite builds hundreds of sites in this process. The
    compiled code is a pure function of the source and the settings in :func:`_compile_key`, so
    sharing it changes no output: each template is still compiled for real (the first time), and
    subprocess builds and the bytecode cache's own tests (test_cache_files.py wraps ``compile``
    from outside) are untouched. ``EVIDENCE_EXPLORER_TEST_COMPILE_EVERY_TIME=1`` turns it off."""
    import jinja2

    if os.environ.get("EVIDENCE_EXPLORER_TEST_COMPILE_EVERY_TIME") == "1":
        return
    real = jinja2.Environment.compile
    compiled: dict[tuple, object] = {}

    def compile_once(self, source, name=None, filename=None, raw=False, defer_init=False):
        if not isinstance(source, str):  # an already parsed node tree: not a cache key
            return real(self, source, name, filename, raw, defer_init)
        key = _compile_key(self, source, name, filename, raw, defer_init)
        if key not in compiled:
            compiled[key] = real(self, source, name, filename, raw, defer_init)
        return compiled[key]

    jinja2.Environment.compile = compile_once


_share_compiled_templates()


def pytest_addoption(parser):
    parser.addoption("--update-transcripts", action="store_true",
                     help="rewrite tests/sites/invalid/*/expected.txt from the current output")


THREADED_FIXTURES = {"browser", "page", "demo_url"}


def pytest_collection_modifyitems(config, items):
    """Tests that start threads which live for the rest of the session (Playwright's child watcher,
    the static file servers of ``serve_directory``) run last. While another thread runs, the build
    rightly never forks workers (``parallel.can_fork``), so tests of ``--jobs`` that ran after them
    would silently test one process only. So a module of both kinds runs in two parts: a
    ``scope="module"`` fixture both parts use is built twice (torn down between them); make an
    expensive one ``scope="session"`` (``--setup-plan`` shows each fixture's set-ups)."""
    def threaded(item) -> bool:
        return item.get_closest_marker("browser") is not None or \
            bool(THREADED_FIXTURES & set(getattr(item, "fixturenames", ())))
    items.sort(key=threaded)  # stable: each group keeps its order


@pytest.fixture
def update_transcripts(request) -> bool:
    return request.config.getoption("--update-transcripts")


class Run:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def run_cli(*args: str, cwd: Path | None = None) -> Run:
    """Run ``evidence-explorer ARGS`` in this process, capturing output."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(old)
    return Run(code, out.getvalue(), err.getvalue())


MINIMAL_SITE_YAML = "title: Test site\n"


@pytest.fixture
def make_site(tmp_path):
    """``make_site({"papers/x.md": "..."})`` → content directory (site.yaml added unless given)."""

    def make(files: dict[str, str], site_yaml: str = MINIMAL_SITE_YAML) -> Path:
        content = tmp_path / "content"
        content.mkdir(exist_ok=True)
        (content / "site.yaml").write_text(site_yaml, encoding="utf-8")
        for rel, text in files.items():
            path = content / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return content

    return make


@pytest.fixture(scope="session")
def minimal_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("minimal") / "site"
    run = run_cli("build", "--content", str(SITES / "minimal"), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    return out


@pytest.fixture(scope="session")
def minimal_evidence(minimal_site) -> dict:
    return json.loads((minimal_site / "data" / "evidence.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium via Playwright. Skipped locally when missing; fails in CI."""
    from browser import CHROMIUM_ARGS, chromium_path
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (./dev test installs it)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo content built once per session, with the search index."""
    out = tmp_path_factory.mktemp("demo") / "site"
    run = run_cli("build", "--content", str(ROOT / "content"), "--output", str(out), "--quiet")
    assert run.code == 0, run.err
    return out


@pytest.fixture(scope="session")
def demo_url(demo_site):
    from browser import serve_directory
    with serve_directory(demo_site) as url:
        yield url
