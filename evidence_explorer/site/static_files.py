"""The files of ``static/`` as a build writes them: stylesheets minified, everything else verbatim.

The source stylesheets stay readable (comments, one rule per line); every page downloads them, so
the build strips comments and the whitespace CSS does not need (DESIGN §6: a page under 60 KB of
HTML+CSS). The minifier is deliberately tiny and conservative: it never touches quoted strings,
keeps the space of descendant combinators, and keeps spaces around ``+``/``-`` (``calc()``).
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

from .environment import STATIC_DIR

_TOKENS = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|(/\*.*?\*/)|(\s+)|([^"'/\s]+|/)""", re.S)
_TIGHT = set("{};,>:")
"""Characters around which whitespace is never needed (``:`` only after it; see :func:`minify_css`)."""


_ZERO = re.compile(r"(?<![\w.])0\.(\d)")


def _shorten(token: str) -> str:
    """``0.5rem`` → ``.5rem`` (the space before ``!important`` goes in :func:`minify_css`)."""
    return _ZERO.sub(r".\1", token)


def minify_css(css: str) -> str:
    """Drop comments and needless whitespace; strings are copied unchanged."""
    out: list[str] = []
    pending_space = False
    for string, comment, space, other in _TOKENS.findall(css):
        if comment:
            continue
        if space:
            pending_space = True
            continue
        token = string or _shorten(other)
        if pending_space and out:
            prev = out[-1][-1]
            # ``a :hover`` differs from ``a:hover``: keep a space before ':'; drop it after one.
            if prev not in _TIGHT and token[0] not in (_TIGHT - {":"}) | {"!"}:
                out.append(" ")
        pending_space = False
        out.append(token)
    text = "".join(out)
    return text.replace(";}", "}") + "\n"


def static_outputs(root: Path = STATIC_DIR) -> tuple[tuple[str, bytes], ...]:
    """(path relative to ``static/``, bytes to write) for every static file, in a stable order.
    Minified once per process while no file changes (by size and mtime): a build asks twice, the
    stylesheets take 17 ms to minify."""
    files = sorted(src for src in root.rglob("*") if src.is_file())
    return _outputs(root, tuple((src, (st := src.stat()).st_size, st.st_mtime_ns) for src in files))


@functools.lru_cache(maxsize=4)
def _outputs(root: Path, files: tuple[tuple[Path, int, int], ...]) -> tuple[tuple[str, bytes], ...]:
    out = []
    for src, _size, _mtime in files:
        data = src.read_bytes()
        if src.suffix == ".css":
            data = minify_css(data.decode("utf-8")).encode("utf-8")
        out.append((src.relative_to(root).as_posix(), data))
    return tuple(out)


def write_static(target: Path) -> None:
    """Write every static file into ``target`` (the output's ``static/``)."""
    for rel, data in static_outputs():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
