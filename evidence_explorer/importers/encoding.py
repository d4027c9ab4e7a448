"""Bytes of an import file → text, saying which encoding was assumed when it was not UTF.

In order: a byte-order mark (UTF-8, UTF-16), UTF-8, an encoding the file declares (JabRef writes
``% Encoding: windows-1252``), then charset-normalizer's guess. On the few hundred bytes of a small
reference file several legacy encodings decode without errors (a GBK file reads as Korean cp949
too), so among guesses about as coherent as the best, the one most common in reference exports
wins (PREFERRED). The note always names the encoding, so a wrong guess is visible.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..content.diagnostics import BuildError
from ..content.walk import FileProblem, read_bounded

LATIN = {"cp1250", "cp1257", "cp775", "cp850", "cp852", "cp858", "cp437", "iso8859_1", "iso8859_2", "iso8859_15",
         "mac_roman", "mac_latin2", "latin_1", "cp1125"}
"""Latin-script code pages: when one is guessed and the bytes are valid Windows-1252, the letters
read the same in most of them and 1252 is what Western Windows software writes, so it wins."""
PREFERRED = ("cp1252", "gb18030", "shift_jis", "big5", "cp1251", "cp1250", "euc_kr", "iso8859_2", "koi8_r")
_DECLARED = re.compile(rb"(?:%\s*Encoding:|encoding:|charset=)\s*([A-Za-z0-9_.:-]{2,40})", re.I)


def decode_bytes(raw: bytes) -> tuple[str, str | None]:
    """Text and, when it was not UTF-8 or UTF-16, a note saying how it was read."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), None
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    declared = _declared(raw[:4096])
    if declared:
        return raw.decode(declared, errors="replace"), f"not UTF-8: read as {declared}, as the file declares"
    guess = _guess(raw)
    if guess:
        return raw.decode(guess, errors="replace"), (f"not UTF-8: read as {guess} (a guess from its bytes; if "
                                                    "names look wrong, save the file as UTF-8)")
    return raw.decode("cp1252", errors="replace"), "not UTF-8: read as cp1252 (Windows Western European)"


def _declared(head: bytes) -> str | None:
    m = _DECLARED.search(head)
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return None


def _guess(raw: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency
        return None
    matches = list(from_bytes(raw[:200_000]))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    close = [codecs.lookup(m.encoding).name for m in matches if m.chaos <= best + 0.1]
    ranked = sorted(close, key=lambda e: PREFERRED.index(e) if e in PREFERRED else len(PREFERRED))
    if ranked[0] in LATIN:
        try:
            raw.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return ranked[0]


MAX_INPUT_BYTES = 256 * 1024 * 1024
"""Largest reference file import reads (a database export of some 100,000 records is far smaller)."""


def read_input(path: Path) -> bytes:
    """The bytes of the file to import: a regular file of at most :data:`MAX_INPUT_BYTES` (a FIFO,
    a device or a huge file is a usage error, never a hang or an exhausted memory)."""
    try:
        return read_bounded(path, MAX_INPUT_BYTES)
    except FileProblem as exc:
        raise BuildError(f"cannot import '{path}': {exc.message}") from None
