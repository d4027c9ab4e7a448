"""Where the third-party checkers live, and what to do when one is missing.

``./dev setup`` installs them from the npm registry into ``.cache/quality/``
(gitignored): ``vnu-jar`` (the Nu Html Checker, run with the machine's Java)
and ``axe-core`` (``axe.min.js``, injected into pages by Playwright).
``VNU_JAR`` / ``AXE_JS`` point elsewhere when set.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / ".cache" / "quality" / "node_modules"


def _found(env: str, default: Path) -> Path | None:
    path = Path(os.environ[env]) if os.environ.get(env) else default
    return path if path.is_file() else None


def missing(what: str) -> None:
    """Skip locally, fail in CI: a gate that silently does not run is no gate."""
    message = f"{what} is not installed (./dev setup installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def vnu_jar() -> Path:
    jar = _found("VNU_JAR", NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar")
    if jar is None:
        missing("the Nu Html Checker (vnu.jar)")
    if shutil.which("java") is None:
        missing("Java (for the Nu Html Checker)")
    return jar  # type: ignore[return-value]


def axe_js() -> Path:
    path = _found("AXE_JS", NODE_MODULES / "axe-core" / "axe.min.js")
    if path is None:
        missing("axe-core (axe.min.js)")
    return path  # type: ignore[return-value]
