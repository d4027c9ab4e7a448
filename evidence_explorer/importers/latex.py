"""LaTeX in BibTeX values → plain Unicode text, with pylatexenc.

pylatexenc knows LaTeX's accents, symbols, text-mode and math-mode macros (``\\textit{…}``,
``$\\mu$``, ``{\\'\\i}``); added here are what BibTeX files carry beyond it: biblatex's
``\\mkbibquote``, ``\\mbox``, the TeX logos, ``\\url``, sub- and superscript digits in math
(``Cu$_2$O`` → ``Cu₂O``). Whatever it cannot read is left to a small fallback that only undoes the
usual accents and escapes, so a value is never lost.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SUP = str.maketrans("0123456789+-=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾")
_SCRIPT = re.compile(r"([_^])(?:\{([0-9+\-=()]{1,8})\}|([0-9]))")
_MATH = re.compile(r"(?<!\\)\$([^$]{1,200})\$")
ONE_ARG = ("mkbibquote", "mkbibemph", "mkbibitalic", "mkbibbold", "mbox", "hbox", "url", "path", "textsc",
           "textup", "textnormal", "textmd", "NoCaseChange", "MakeUppercase", "MakeLowercase", "enquote",
           "emph", "textit", "textbf", "texttt", "textsf", "textsl", "textsuperscript", "textsubscript")
LOGOS = {"TeX": "TeX", "LaTeX": "LaTeX", "BibTeX": "BibTeX", "LaTeXe": "LaTeX2e", "XeTeX": "XeTeX",
         "AmS": "AMS", "AMS": "AMS", "iee": "IEEE"}


def _scripts(math: re.Match) -> str:
    def one(m: re.Match) -> str:
        digits = m.group(2) or m.group(3)
        return digits.translate(_SUB if m.group(1) == "_" else _SUP)
    return "$" + _SCRIPT.sub(one, math.group(1)) + "$"


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc import latex2text, latexwalker, macrospec
    walk = latexwalker.get_default_latex_context_db()
    walk.add_context_category("bibtex", prepend=True,
                              macros=[macrospec.std_macro(name, False, 1) for name in ONE_ARG]
                              + [macrospec.std_macro(name, False, 0) for name in LOGOS])
    text = latex2text.get_default_latex_context_db()
    quote = {"mkbibquote": "“%(1)s”", "enquote": "“%(1)s”"}
    text.add_context_category("bibtex", prepend=True,
                              macros=[latex2text.MacroTextSpec(n, quote.get(n, "%(1)s")) for n in ONE_ARG]
                              + [latex2text.MacroTextSpec(n, v) for n, v in LOGOS.items()])
    to_text = latex2text.LatexNodes2Text(latex_context=text, math_mode="text", strict_latex_spaces=False)

    def convert(value: str) -> str:
        walker = latexwalker.LatexWalker(value, latex_context=walk, tolerant_parsing=True)
        nodes, _, _ = walker.get_latex_nodes()
        return to_text.nodelist_to_text(nodes)
    return convert


def latex_to_text(value: str) -> str:
    """Decoded, braces dropped, whitespace (``~`` included) collapsed to single spaces."""
    if "\\" not in value and "{" not in value and "$" not in value and "~" not in value and "--" not in value:
        return " ".join(value.split())
    source = _MATH.sub(_scripts, value) if "$" in value else value
    try:
        text = _converter()(source)
    except Exception:  # pylatexenc gave up on malformed LaTeX: keep the value, minimally decoded
        text = simple_latex_to_text(value)
    return " ".join(text.split())


ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303", "=": "\u0304",
           ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
           "r": "\u030a"}
SYMBOLS = {"aa": "å", "AA": "Å", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
           "l": "ł", "L": "Ł", "i": "ı", "textendash": "–", "textemdash": "—", "textbackslash": "\\",
           "textquoteright": "’", "textquoteleft": "‘", "&": "&", "%": "%", "$": "$", "#": "#", "_": "_",
           "{": "{", "}": "}", "textasciitilde": "~", "ldots": "…", "dots": "…"}


def simple_latex_to_text(value: str) -> str:
    """Decode accents/escapes, drop braces, tidy dashes and spaces."""
    def accent(m: re.Match) -> str:
        mark, letter = m.group(1), m.group(2) or m.group(3) or ""
        if letter in ("\\i", "i") and mark in ACCENTS:
            letter = "i"
        return unicodedata.normalize("NFC", letter + ACCENTS[mark]) if letter else ""

    text = re.sub(r"\\([`'\"^~=.])\s*(?:\{\s*(\\?\w)\s*\}|(\w))", accent, value)
    text = re.sub(r"\\([cvuHkr])\s*(?:\{\s*(\w)\s*\}|\s(\w))", accent, text)
    text = re.sub(r"\\([A-Za-z]+)(?:\{\}|\s?)", lambda m: SYMBOLS.get(m.group(1), m.group(0)), text)
    text = re.sub(r"\\([&%$#_{}])", lambda m: "\0" + m.group(1) if m.group(1) in "{}" else m.group(1), text)
    text = text.replace("---", "—").replace("--", "–").replace("~", " ")
    text = re.sub(r"(?<!\0)[{}]", "", text).replace("\0", "")  # escaped braces (marked \0) are kept
    return " ".join(text.split())
