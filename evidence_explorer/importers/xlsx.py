"""XLSX workbooks → :class:`~.tabular.Sheet`: the first sheet's cells, read sparsely and bounded."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ..content.diagnostics import BuildError
from .tabular import Sheet


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "year") and hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


MAX_XLSX_XML = 256 * 1024 * 1024
"""Uncompressed size of a workbook's parts: a zip of a few hundred KB can hold gigabytes of XML."""
MAX_ROWS = 200_000
MAX_COLUMNS = 2_000
"""Columns that hold a value; an extraction sheet has tens. Empty columns cost nothing: rows are
read as the cells they hold, not padded to the sheet's last column."""


def read_xlsx(path: Path) -> Sheet:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency
        raise BuildError("reading .xlsx needs the openpyxl package (pip install openpyxl)") from None
    _check_zip(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise BuildError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        sheet = book.worksheets[0]
        try:
            sparse = _sparse_rows(book, sheet, path)
        except BuildError:
            raise
        except Exception as exc:  # a broken sheet part
            raise BuildError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
        notes = (f"read the first sheet, '{sheet.title}', of {len(book.worksheets)}",) \
            if len(book.worksheets) > 1 else ()
    finally:
        book.close()
    columns = sorted({c for _, cells in sparse for c in cells})
    if len(columns) > MAX_COLUMNS:
        raise BuildError(f"{path}: the first sheet has values in {len(columns):,} columns; at most "
                         f"{MAX_COLUMNS:,} are read (is it an extraction sheet?)")
    from openpyxl.utils import get_column_letter
    return Sheet(tuple((n, tuple(cells.get(c, "") for c in columns)) for n, cells in sparse), notes,
                 tuple(get_column_letter(c) for c in columns))


def _check_zip(path: Path) -> None:
    import zipfile
    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BuildError(f"{path}: not a readable .xlsx workbook (not a zip archive: {exc})") from None
    if size > MAX_XLSX_XML:
        raise BuildError(f"{path}: the workbook unpacks to {size // 2 ** 20:,} MB, more than the "
                         f"{MAX_XLSX_XML // 2 ** 20} MB read")


def _sparse_rows(book: Any, sheet: Any, path: Path) -> list[tuple[int, dict[int, str]]]:
    """(row number, column → text) of every row holding a value, without padding rows to the sheet's
    declared or last column (openpyxl's read-only ``iter_rows`` pads every row to the widest one: a
    cell in column XFD on each row made each of them 16,384 cells)."""
    out: list[tuple[int, dict[int, str]]] = []
    for number, cells in _parsed_rows(book, sheet):
        row = {col: text for col, value in cells if (text := _cell(value)) != ""}
        if row:
            if len(out) >= MAX_ROWS:
                raise BuildError(f"{path}: more than {MAX_ROWS:,} rows with values; split the sheet")
            out.append((number, row))
    return out


def _parsed_rows(book: Any, sheet: Any) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
    """The cells each row of the sheet's XML holds, as openpyxl's own sheet parser reads them."""
    try:
        from openpyxl.worksheet._reader import WorkSheetParser
        source = book._archive.open(sheet._worksheet_path)
    except (ImportError, AttributeError):  # pragma: no cover - another openpyxl layout: pad, then drop
        sheet.reset_dimensions()
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [(i + 1, v) for i, v in enumerate(row) if v is not None]
        return
    with source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            yield number, [(c["column"], c["value"]) for c in cells if c.get("value") is not None]
