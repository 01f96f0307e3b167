"""What a workbook says beyond its cells' values, read from the XML parts of its archive: which
sheets are hidden, and which cells are merged (a council's name written once over its letter's
rows), so that a table of sentences reads as the person who made it sees it."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from contextlib import suppress
from typing import TYPE_CHECKING

import pandas as pd

from ofsted_themes.core.limits import MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, LimitExceeded

if TYPE_CHECKING:  # imported where an archive is opened: `tag --help` never needs it
    import zipfile

RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# a merged range of a sheet's XML (its namespace prefix, if any, is the writer's choice)
MERGED_RANGE = re.compile(
    rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)"'
)
# (column, first row, last row) of a merged range, numbered from 1 as in Excel
Merged = tuple[int, int, int]


def hidden_sheets(archive: zipfile.ZipFile | None) -> set[str]:
    """The names of a workbook's hidden sheets (a lookup table, an old draft): Excel does not
    show them, and a reader of the workbook does not count them; read only if every sheet is."""
    return {
        sheet.get("name", "")
        for sheet in _sheets(archive)
        if sheet.get("state") in ("hidden", "veryHidden")
    }


def sheet_xml(archive: zipfile.ZipFile | None) -> dict[str, bytes]:
    """Each sheet's XML by the sheet's name, read from the archive once for every question
    asked of it (a part the workbook names but lacks is left out: the reader has said what is
    wrong)."""
    found = {}
    for name, part in _sheet_parts(archive).items():
        with suppress(KeyError, OSError, ValueError):
            found[name] = archive.read(part)  # type: ignore[union-attr]  # parts imply one
    return found


def charts_alone(archive: zipfile.ZipFile | None) -> bool:
    """Whether every sheet of the workbook is a chart sheet (no cells to read)."""
    parts = _sheet_parts(archive).values()
    return bool(parts) and all(part.startswith("xl/chartsheets/") for part in parts)


def merged_down(sheets: dict[str, bytes]) -> dict[str, list[Merged]]:
    """Per sheet name (of ``sheet_xml``), the merged ranges that span rows, as (column, first
    row, last row) of the range's first column: the cell Excel shows over all those rows."""
    from openpyxl.utils.cell import range_boundaries

    found: dict[str, list[Merged]] = {}
    for name, xml in sheets.items():
        if b"mergeCell" not in xml:  # most sheets: the pattern need not scan them
            continue
        for ref in MERGED_RANGE.findall(xml):
            column, first, _, last = range_boundaries(ref.decode("ascii"))
            if last > first:
                found.setdefault(name, []).append((column, first, last))
    return found


# a row's number, in a row element's start tag (its namespace prefix is the writer's choice)
ROW_NUMBER = re.compile(rb'<(?:[\w.-]+:)?row\b[^>]*?\br="([0-9]+)"')
# a cell's value: a number, formula result or shared string (v), or text written in place (is)
CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|is)\b")


def sheets_beyond(sheets: dict[str, bytes], rows: int) -> list[str]:
    """The sheets (of ``sheet_xml``) holding a value in a row past ``rows`` (numbered as in
    Excel): pandas reads a set number of rows and drops blank ones at the end, so a row far
    below a gap of blank rows would be left out without a word. A row formatted, but empty,
    is no such row."""
    found = []
    for name, xml in sheets.items():
        if last_row(xml) <= rows:
            continue
        beyond = next(m for m in ROW_NUMBER.finditer(xml) if int(m.group(1)) > rows)
        if CELL_VALUE.search(xml, beyond.start()):
            found.append(name)
    return found


# a cell's reference, in its start tag: its column's letters (any cell, empty or not: the
# reader's grid spans them all)
CELL_COLUMN = re.compile(rb'<(?:[\w.-]+:)?c\b[^>]*?\br="([A-Z]{1,3})[0-9]')


def last_row(xml: bytes) -> int:
    """The number of a sheet's last row (0 if it has none): rows come in order."""
    start = max(xml.rfind(b"<row "), xml.rfind(b":row "))
    last = ROW_NUMBER.search(xml, max(0, xml.rfind(b"<", 0, start + 1))) if start >= 0 else None
    return int(last.group(1)) if last else 0


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """The rows and columns a sheet's cells span, from its XML: the grid a reader builds,
    however few cells hold values (one cell at XFD800 is 800 rows of 16,384 columns)."""
    widest = max(CELL_COLUMN.findall(xml), key=lambda c: (len(c), c), default=b"")
    columns = 0
    for letter in widest.decode("ascii"):  # "AB" is column 28
        columns = columns * 26 + ord(letter) - ord("A") + 1
    return last_row(xml), columns


def check_extent(sheets: dict[str, bytes]) -> None:
    """Refuse, before it is read, a sheet (of ``sheet_xml``) whose cells span a grid the
    reader would build in memory beyond the bounds: a 3 KB workbook with one cell at XFD800
    peaked at 956 MB, the grid grows with rows × columns, and no time limit stops the reader's
    call."""
    for name, xml in sheets.items():
        rows, columns = sheet_extent(xml)
        if columns > MAX_SHEET_COLUMNS or rows * columns > MAX_SHEET_CELLS:
            raise LimitExceeded(
                f"sheet {name!r} spans {rows:,} rows of {columns:,} columns (the limits are "
                f"{MAX_SHEET_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} cells): a cell far "
                "from the table? delete it, or split the table"
            )


def fill_merged(sheet: pd.DataFrame, merged: list[Merged], text_column: str) -> pd.DataFrame:
    """``sheet`` (as pandas reads it: the header in Excel's row 1, the first column A) with the
    blank cells under each merged cell given its value, as Excel shows them; but never the text
    column's: a sentence merged over two rows is one sentence, not two."""
    if not merged:
        return sheet
    filled = sheet.copy()
    for column, first, last in merged:
        j, top = column - 1, first - 2  # Excel's row 2 is the frame's row 0
        if top < 0 or j >= filled.shape[1] or top >= len(filled):
            continue  # a merged header, or cells beyond the sheet's data
        if filled.columns[j] == text_column:
            continue
        below = slice(top + 1, min(last - 1, len(filled)))
        cells = filled.iloc[below, j]
        filled.iloc[below, j] = cells.where(cells != "", filled.iat[top, j])
    return filled


def repeated_sheet_names(archive: zipfile.ZipFile | None) -> list[str]:
    """Sheet names the workbook gives more than one sheet (in any case, as Excel compares
    them): such a workbook is read as one sheet of each name, the others lost. Names that
    differ by spaces at their ends alone are one name too: their letters ("book.xlsx::Leeds
    2022" twice) would look alike in every output."""
    names = [sheet.get("name", "") for sheet in _sheets(archive)]
    seen = Counter(name.strip().casefold() for name in names)
    return list(dict.fromkeys(name for name in names if seen[name.strip().casefold()] > 1))


def _sheet_parts(archive: zipfile.ZipFile | None) -> dict[str, str]:
    """Each sheet's name and the archive member that holds its XML."""
    targets = _relationship_targets(archive)
    parts = {}
    for sheet in _sheets(archive):
        target = targets.get(sheet.get(RELATIONSHIP_ID, ""))
        if target:
            parts[sheet.get("name", "")] = target
    return parts


def _sheets(archive: zipfile.ZipFile | None) -> list:
    """The ``<sheet>`` elements of the workbook part, where Excel puts it."""
    root = _xml(archive, "xl/workbook.xml")
    return [] if root is None else [e for e in root.iter() if e.tag.endswith("}sheet")]


def _relationship_targets(archive: zipfile.ZipFile | None) -> dict[str, str]:
    """The workbook's relationships: id -> archive member (a target is relative to ``xl/``
    unless it starts with ``/``)."""
    root = _xml(archive, "xl/_rels/workbook.xml.rels")
    if root is None:
        return {}
    targets = {}
    for rel in root.iter():
        if rel.tag.endswith("}Relationship") and rel.get("Id") and rel.get("Target"):
            target = rel.get("Target", "")
            member = target[1:] if target.startswith("/") else posixpath.join("xl", target)
            targets[rel.get("Id", "")] = posixpath.normpath(member)
    return targets


def _xml(archive: zipfile.ZipFile | None, member: str):
    """A member of the archive parsed as XML, or None where it is missing or damaged."""
    import zipfile
    from xml.etree import ElementTree

    if archive is None:
        return None
    try:
        return ElementTree.fromstring(archive.read(member))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return None
