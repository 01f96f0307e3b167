"""Output tables (CSV, XLSX, JSONL, Parquet): written atomically, read back with text kept as text.

Tables are opened in spreadsheets, and a spreadsheet runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula (one can send a cell's text to a web address). In a CSV such a cell
gets a leading ``'`` (OWASP's rule), which spreadsheets show as text and ``read_table`` removes;
an XLSX stores every text as text; JSONL and Parquet keep the raw text.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Mapping
from operator import itemgetter
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from ofsted_themes.core.atomic import write_atomic

# A letter's metadata, as every output table and summary names it (reading/metadata finds it).
LETTER_COLUMNS = ["council", "visit_type", "visit_dates", "visit_date", "judgement"]
# Columns read back as text whatever they look like (a council called "1" stays a string).
TEXT_COLUMNS = ["document", *LETTER_COLUMNS, "year", "text", "evidence"]
FORMATS = (".csv", ".xlsx", ".jsonl", ".parquet")
FORMULA_START = ("=", "+", "-", "@", "\t")
QUOTABLE_FIRST = frozenset(FORMULA_START) | {"'"}  # how a text that needs a quote starts
XLSX_CELL_CHARS = 32_767  # the most a spreadsheet cell holds
FIRST_CHARACTER = itemgetter(slice(None, 1))  # of a text ("" of an empty one)
CSV_KINDS = frozenset("fiubO")  # the kinds of column append_csv writes as pandas would


def check_format(path: Path) -> str:
    """The extension of an output table, or a ValueError naming the ones that work."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unsupported output format {suffix or '(no extension)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    return suffix


def write_table(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write ``frame`` in the format its extension names, atomically (no half-written table)."""
    path = Path(path)
    writers: dict[str, tuple[Callable[[IO], object], str]] = {
        ".csv": (lambda f: spreadsheet_safe(frame).to_csv(f, index=False), "w"),
        ".xlsx": (lambda f: write_xlsx(frame, f), "wb"),
        ".jsonl": (lambda f: _write_jsonl(frame, f), "w"),
        ".parquet": (lambda f: frame.to_parquet(f, index=False), "wb"),
    }
    write, mode = writers[check_format(path)]
    return write_atomic(path, write, mode=mode)


def columns_of(frame: pd.DataFrame) -> dict:
    """A frame's columns as arrays: how letters carry their rows until the sentence table
    gathers thousands of them into one frame."""
    return {c: frame[c].to_numpy() for c in frame.columns}


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``'`` before every text that a spreadsheet would run as a formula (and
    before any text that starts with quotes and then a formula character, so that
    :func:`unquote_formulas` gives back exactly what was written)."""
    return _map_text(frame, safe_cell, QUOTABLE_FIRST, inner="\r")


def spreadsheet_safe_frame(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """``spreadsheet_safe`` of the frame of ``columns`` (arrays of one length), built from the
    arrays: their texts stay Python strings, not converted to pandas's text type only to be
    converted back, cell by cell, to be made safe and written."""
    return pd.DataFrame({c: _safe_texts(v) if v.dtype == object else v for c, v in columns.items()})


def append_csv(path: Path, columns: Mapping[str, np.ndarray], header: bool) -> None:
    """Append the rows of ``columns`` (arrays of one length) to a CSV file, spreadsheet-safe,
    as ``spreadsheet_safe_frame(columns).to_csv(path, mode="a", header=header, index=False)``
    writes them (the same bytes: tested), through the csv module as pandas does, without
    building the frame: for a letter's dozen rows that took more time than tagging them."""
    if any(values.dtype.kind not in CSV_KINDS for values in columns.values()):  # dates, say
        frame = spreadsheet_safe_frame(columns)
        frame.to_csv(path, mode="a", header=header, index=False, encoding="utf-8")
        return
    cells = [_csv_cells(values) for values in columns.values()]
    with open(path, "a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator=os.linesep)  # as pandas ends a row
        if header:
            writer.writerow(list(columns))
        writer.writerows(zip(*cells, strict=True))


def _csv_cells(values: np.ndarray) -> list:
    """A column's cells as pandas hands them to the csv module: floats in numpy's shortest
    form, missing values empty, other values as they are (texts made spreadsheet-safe)."""
    kind = values.dtype.kind
    if kind == "f" and values.dtype.itemsize == 8:  # Python's repr is numpy's shortest form
        return ["" if x != x else repr(x) for x in values.tolist()]  # x != x: NaN
    if kind == "f":
        cells = values.astype(str).astype(object)
        cells[np.isnan(values)] = ""
        return cells.tolist()
    if kind in "iub":
        return values.tolist()
    cells = np.array(_safe_texts(values), dtype=object)
    cells[pd.isna(cells)] = ""
    return cells.tolist()


def _safe_texts(values: np.ndarray) -> pd.Series | np.ndarray:
    if not _may_change(values, QUOTABLE_FIRST, inner="\r"):
        return values
    return pd.Series([safe_cell(v) if isinstance(v, str) else v for v in values], dtype=object)


def _may_change(values, firsts: frozenset[str], inner: str = "") -> bool:
    """Whether a text among ``values`` starts with one of ``firsts`` or holds ``inner``: asked
    in C, of the set of the texts' first characters and of all the texts joined, where asking
    each cell costs a call (most columns need no change)."""
    texts = [v for v in values if isinstance(v, str)]
    starts = set(map(FIRST_CHARACTER, texts))
    return not starts.isdisjoint(firsts) or bool(inner and inner in "\0".join(texts))


def safe_cell(text: str) -> str:
    # A bare carriage return is not quoted by the CSV writer and ends a row in a spreadsheet
    # (whatever follows it would start a new, unchecked row): it becomes a newline, which is.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return f"'{text}" if text[:1] in QUOTABLE_FIRST and _quotable(text) else text


def unquote_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The texts :func:`spreadsheet_safe` wrote, as they were."""
    unquoted = lambda v: v[1:] if v.startswith("'") and _quotable(v[1:]) else v  # noqa: E731
    return _map_text(frame, unquoted, frozenset("'"))


def _quotable(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_START)


def _map_text(
    frame: pd.DataFrame, change: Callable[[str], str], firsts: frozenset[str], inner: str = ""
) -> pd.DataFrame:
    """``frame`` with ``change`` applied to its texts, in the columns where a text starts with
    one of ``firsts`` or holds ``inner`` (``change`` leaves any other as it is)."""
    texts = [
        c
        for c in frame.columns
        if (pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c]))
        and _may_change(frame[c], firsts, inner)
    ]
    if not texts:
        return frame
    changed = frame.copy()
    for column in texts:
        values = [change(v) if isinstance(v, str) else v for v in frame[column]]
        changed[column] = pd.Series(values, index=frame.index, dtype=frame[column].dtype)
    return changed


def write_xlsx(frame: pd.DataFrame, f: IO) -> None:
    """A workbook whose text cells are text, never formulas (openpyxl would read a leading
    ``=`` as one), without the control characters a workbook cannot hold."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # the controls openpyxl refuses, and the two noncharacters XML cannot hold either
    not_xml = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ufffe\uffff]")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("table")
    sheet.append([not_xml.sub("", str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, not_xml.sub("", value)[:XLSX_CELL_CHARS])
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(
                    None if pd.isna(value) else getattr(value, "item", lambda v=value: v)()
                )
        sheet.append(cells)
    book.save(f)


def _write_jsonl(frame: pd.DataFrame, f: IO) -> None:
    if len(frame):
        frame.to_json(
            f,
            orient="records",
            lines=True,
            force_ascii=False,
            date_format="iso",
            double_precision=15,
        )


EXCEL_SEPARATOR_LINE = re.compile(r'"?sep=(.)"?[ \t]*(?:\r\n?|\n)')  # Excel's "sep=;" first line


def csv_parts(text: str) -> tuple[str, str]:
    """A CSV's text from its header on, and its field separator: the one a first line
    "sep=;" names (Excel writes it, and reads the file by it), else :func:`csv_separator`'s."""
    named = EXCEL_SEPARATOR_LINE.match(text)
    if named:
        return text[named.end() :], named.group(1)
    return text, csv_separator(text)


def first_row_shifted(frame: pd.DataFrame) -> bool:
    """Whether pandas took a CSV's first field for a row index, shifting every cell: its first
    row has more fields than its header (a comma in an unquoted cell, a title line above the
    header); a later such row fails to parse instead."""
    return not isinstance(frame.index, pd.RangeIndex)


def csv_separator(text: str) -> str:
    """The field separator of a CSV, from its header: a comma, else a semicolon or a tab where
    the header holds one and no comma (a spreadsheet saved as CSV where the comma is the
    decimal mark, or a tab-separated export)."""
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]  # "\r" alone: old Mac's
    header = text[: min(ends)] if ends else text
    if "," in header:
        return ","
    return max(";\t", key=header.count) if header.count(";") + header.count("\t") else ","


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (for ``--resume``); text stays text."""
    path = Path(path)
    suffix = check_format(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".jsonl" and path.stat().st_size == 0:
        return pd.DataFrame()
    text = {c: str for c in TEXT_COLUMNS}
    if suffix == ".csv":
        frame = unquote_formulas(_read_csv(path, text))
    elif suffix == ".xlsx":
        frame = _read_workbook(path, text)
    else:  # dtype=False: JSON already says what is a number; no guessing of dates.
        frame = pd.read_json(path, lines=True, dtype=False, precise_float=True)
    present = [c for c in TEXT_COLUMNS if c in frame.columns]
    frame[present] = frame[present].fillna("")
    return frame


def _read_csv(path: Path, text: dict) -> pd.DataFrame:
    """A CSV this product wrote, in UTF-8; or as Excel on Windows saves it again, in
    Windows-1252 (an analyst's edit of the table, then ``--resume`` or ``label suggest``).
    Whole columns at once: a column typed one way in one chunk and another in the next
    (carried input columns, blank in many letters) would warn, and mix types."""
    options = {"dtype": text, "keep_default_na": False, "na_values": [""], "low_memory": False}
    try:
        return pd.read_csv(path, **options)
    except UnicodeDecodeError:
        if _holds_utf8_characters(path):  # UTF-8 with a damaged byte: garbled read as cp1252
            raise
        return pd.read_csv(path, encoding="cp1252", encoding_errors="replace", **options)


def _holds_utf8_characters(path: Path) -> bool:
    """Whether the file holds characters beyond ASCII encoded as UTF-8 (then a byte that is
    not UTF-8 is damage, not a sign of another encoding of the whole file)."""
    return not path.read_bytes().decode("utf-8", errors="ignore").isascii()


def _read_workbook(path: Path, text: dict) -> pd.DataFrame:
    """An .xlsx table, by openpyxl alone (pandas would pick another reader, perhaps not
    installed, for an old .xls or an encrypted file); a ValueError for anything that is not a
    workbook it can read (a damaged file, a document renamed)."""
    try:
        return pd.read_excel(
            path, engine="openpyxl", dtype=text, keep_default_na=False, na_values=[""]
        )
    except (MemoryError, OSError):  # not the file's content: as any file
        raise
    except Exception as error:  # a zip's, an XML parser's, openpyxl's own
        raise ValueError(f"not a workbook that can be read ({type(error).__name__})") from None


def read_documents(path: Path | str) -> set[str]:
    """The ``document`` column of a table written by :func:`write_table`: the letters it holds
    (none without the column). A CSV's column is read alone, the rest not parsed only to be
    dropped: so the rest is not checked either (a table appended to is read whole)."""
    path = Path(path)
    if check_format(path) != ".csv":
        frame = read_table(path)
    else:
        only = pd.read_csv(
            path,
            usecols=lambda c: c == "document",
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
        frame = unquote_formulas(only.fillna(""))
    return set(frame.get("document", pd.Series(dtype=str)).astype(str))
