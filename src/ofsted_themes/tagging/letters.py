"""Batch tagging: letters (or tables of sentences) in, one row per sentence out, streamed.

Each input file becomes one or more letters; a letter is read, split and tagged on its own, so
memory stays flat however many letters there are, and a bad file fails alone.
"""

from __future__ import annotations

import io
import math
import os
import re
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ofsted_themes.core.collector import process_start
from ofsted_themes.core.digests import FileStamp
from ofsted_themes.core.errors import OfstedThemesError
from ofsted_themes.core.limits import (
    MAX_CELL_CHARS,
    MAX_SENTENCES,
    MAX_TABLE_ROWS,
    MAX_WORKBOOK_XML_BYTES,
    OLE_FILE,
    READ_SECONDS,
    LimitExceeded,
    check_archive,
    interrupted,
    time_limit,
)
from ofsted_themes.core.tables import (
    LETTER_COLUMNS,
    columns_of,
    csv_parts,
    first_row_shifted,
    safe_cell,
    unquote_formulas,
)
from ofsted_themes.core.words import UNSHOWN, clipped, some_of
from ofsted_themes.modelling.tagger import CONCERN_COLUMNS, Tagger
from ofsted_themes.reading.document import SUPPORTED, DocumentError, read_bytes, read_document
from ofsted_themes.reading.formats.text import decode_text
from ofsted_themes.reading.metadata import (
    area_name,
    document_metadata,
    last_day,
    visit_kind,
    written_date,
)
from ofsted_themes.reading.sentences import (
    ENDS_SENTENCE,
    MID_STOP,
    WINDOW_CHARS,
    ImprovementList,
    iter_letter_sentences,
    split_sentences,
)
from ofsted_themes.tagging.summary import YEAR, is_date_or_year, visit_year
from ofsted_themes.tagging.workbooks import (
    charts_alone,
    check_extent,
    fill_merged,
    hidden_sheets,
    merged_down,
    repeated_sheet_names,
    sheet_xml,
    sheets_beyond,
)

if TYPE_CHECKING:  # imported where an archive is opened: `tag --help` never needs it
    import zipfile

TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx"}
A_LETTER = re.compile(r"[^\W\d_]")  # what a sentence holds, and a number or a date does not
# a boolean cell as read (calamine's "True", Excel's CSV "TRUE"): letters, but no sentence
BOOLEAN = re.compile(r"\s*(?i:true|false)\s*")
INPUT_SUFFIXES = SUPPORTED | TABLE_SUFFIXES


class InputError(OfstedThemesError, ValueError):
    """An input file that cannot be tagged, with the reason worded for the user."""


# A letter's sentences, column by column (arrays of equal length): a short letter's dozen rows
# as a DataFrame would cost more than tagging them, and the sentence table gathers thousands of
# rows before it builds a frame (``sinks``).
Rows = dict[str, np.ndarray]


@dataclass
class Letter:
    document: str
    sentences: Rows  # sentence_no, page, text (+ columns carried from an input table)
    metadata: dict = field(default_factory=dict)
    stamp: FileStamp | None = None  # a letter file's, as it was read (not a table's letters)
    # a table's rows holding several sentences each, scored as one (not split: --split-rows)
    rows_of_several: int = 0
    # per sentence, whether it is an item of the letter's list of what needs to improve (a
    # letter file's; a table has no such list)
    to_improve: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.sentences["text"])


@dataclass
class Outcome:
    """What became of one input file: its letters (read, then tagged), or why it failed."""

    name: str
    letters: list[tuple[Letter | Rows, dict]] = field(default_factory=list)
    error: str | None = None
    skipped: int = 0  # a table's letters an earlier run tagged (--resume), left out
    stamp: FileStamp | None = None  # a letter file as it was read, for a later --resume
    # a table's letters left out as tagged, each with the text_digest of its sentences now
    skipped_digests: dict[str, bytes] = field(default_factory=dict)
    held: list[str] = field(default_factory=list)  # every letter the file holds now, by name
    # a table's letters with rows holding several sentences, each scored as one: how many rows
    several: dict[str, int] = field(default_factory=dict)


# What no output format keeps of a text as written: a CSV's line ends (a bare carriage return
# becomes a newline) and the controls a workbook cannot hold; left out of a letter's digest, so
# that a letter read back from the outputs is the letter read again from its table
NOT_KEPT = re.compile(r"\r\n?|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_digest(rows: Rows) -> bytes:
    """What a letter says, sentence by sentence: the same letter read from a PDF and from its
    HTML page gives the same digest, and so does a table's letter read back from any output."""
    import hashlib

    text = NOT_KEPT.sub(_kept, "\n".join(map(str, rows["text"])))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _kept(found: re.Match) -> str:
    return "\n" if found.group().startswith("\r") else ""


def read_letter(path: Path, document: str) -> Letter:
    """A letter file (PDF, DOCX, HTML, TXT/MD) as numbered sentences with pages and metadata."""
    doc = read_document(path)
    pages, texts, to_improve = [], [], []
    improving = ImprovementList()  # a list of what needs to improve goes on over a page break
    for page in doc.pages:
        for span in iter_letter_sentences(page.text, improving=improving):
            pages.append(page.number)
            texts.append(span.text)
            to_improve.append(span.to_improve)
            if len(texts) > MAX_SENTENCES:  # stop splitting here: the rest could be huge
                raise LimitExceeded(f"over {MAX_SENTENCES:,} sentences: not a letter?")
    sentences = {
        "sentence_no": np.arange(1, len(texts) + 1),
        "page": np.asarray(pages, dtype=np.int64),
        "text": np.asarray(texts, dtype=object),
    }
    meta = asdict(document_metadata(doc, path.name))
    meta["visit_date"] = meta.pop("visit_date_iso")
    letter = Letter(document, sentences, {k: meta[k] for k in LETTER_COLUMNS}, doc.stamp)
    letter.to_improve = np.asarray(to_improve, dtype=bool)
    return letter


def read_sentence_table(
    path: Path, document: str, text_column: str, split_rows: bool = False
) -> list[Letter]:
    """A CSV/XLSX of already-extracted sentences; a ``document`` column splits it into letters,
    and every other column is carried through to the output. A row holding several sentences
    (a paragraph) is one sentence, counted on its letter, or with ``split_rows`` a row each."""
    data = read_bytes(path)
    xlsx = path.suffix.lower() == ".xlsx"
    tabs = "\t" if path.suffix.lower() == ".tsv" else None  # by its name, whatever its header
    read = _read_excel(data, text_column) if xlsx else read_csv_table(data, tabs)
    separator = read.attrs.get("separator")  # a CSV's
    table = text_rows(read, text_column)
    rows = len(table)
    blank = no_sentence(table["text"].astype(str))
    if "document" in table.columns:
        given = table["document"].fillna("").astype(str)
    else:  # a letter per council and year: one whose every row is blank is a letter too
        given = letters_by_council_and_year(table, document)
    whole = table  # blank rows and all: a letter of blank rows has its council and year too
    table = own_pages(table[~blank])
    if not len(table):  # no letter at all: a failure with its reason, never "0 letters" unsaid
        raise InputError(
            f"every '{text_column}' cell is blank or holds no word (formulas without saved "
            "values? open the workbook in Excel and save it; or numbers, dates or TRUE and "
            "FALSE alone: is it the text column?)"
            if rows
            else "no rows of sentences: the table holds its header alone"
        )
    by_key = given is not None and "document" not in table.columns
    letters, names = row_letters(table, document, split_rows, separator, by_key)
    return letters + blank_letters(given, names, document, whole)


def no_sentence(texts: pd.Series) -> pd.Series:
    """Which cells of a text column hold no sentence: blank, invisible characters, a number, a
    date or a boolean (a letter's reading drops such a piece too)."""
    return ~texts.str.contains(A_LETTER) | texts.str.fullmatch(BOOLEAN)


def text_rows(table: pd.DataFrame, text_column: str) -> pd.DataFrame:
    """A table read, within bounds, with its text column named ``text`` (a column already so
    named is carried as ``input_text``) and its dates checked."""
    if len(table) > MAX_TABLE_ROWS:
        raise LimitExceeded(f"over {MAX_TABLE_ROWS:,} rows: split the table")
    if not len(table.columns):
        raise InputError("no header and no rows: an empty table (or sheet)")
    if twice := named_twice(table.columns, [text_column, "document", *LETTER_COLUMNS, "year"]):
        raise InputError(
            f"columns named twice: {quoted(twice)}: rename or remove one of each (the first "
            "would be read, unsaid)"
        )
    table = with_text_column(table, text_column)
    longest = table[text_column].str.len().max() if text_column in table.columns else 0
    if longest and longest > MAX_CELL_CHARS:
        raise LimitExceeded(
            f"a '{text_column}' cell of {longest:,} characters (the limit is "
            f"{MAX_CELL_CHARS:,}): one sentence or paragraph a row"
        )
    if text_column not in table.columns:
        found = ", ".join(table.columns[:10])
        raise InputError(
            f"no column '{text_column}' (found: {found}); "
            + (
                f"a row below the header holds '{text_column}': delete the rows above that row "
                "(a title?), so that it is the first"
                if header_below(table, text_column)
                else "choose it with --text-column, or, if it is no table of sentences (a "
                "--meta table, a list of letters), keep it out of the folders of letters"
            )
        )
    if text_column != "text" and "text" in table.columns:  # carried, as other columns are
        table = table.rename(columns={"text": free_name(table.columns, "input_text")})
    table = spreadsheet_dates(table.rename(columns={text_column: "text"}))
    check_dates(table)
    return table


def row_letters(
    table: pd.DataFrame,
    document: str,
    split_rows: bool,
    separator: str | None = None,
    by_key: bool = False,
) -> tuple[list[Letter], pd.Series | None]:
    """The letters of a table's rows that hold text, and the letter each row names (None: the
    whole table is one); a row of several sentences split (``split_rows``), or counted. Rows a
    quotation mark left open read into one cell (``rows_in_a_cell``, in a CSV separated by
    ``separator``) are not split: the rows' other cells would be its text, its letter theirs."""
    several = several_sentences(table["text"].to_numpy())
    if split_rows and several and separator and (joined := rows_in_a_cell(table, separator)):
        raise InputError(
            f"a cell holds lines that read as rows of the table, from {joined[:60]!r}: a "
            'quotation mark (") left open at its start? close it or remove it'
        )
    if split_rows and several:
        table = split_table_rows(table, several)
    names = table.pop("document").fillna("") if "document" in table.columns else None
    if names is not None:  # a blank cell names no letter, however many spaces it holds
        names = names.mask(names.astype(str).str.strip() == "", "")
    if names is None:  # by_key: the whole table names several councils or years
        names = letters_by_council_and_year(table, document, always=by_key)
    if "sentence_no" in table.columns:  # tag's own output, tagged again: keep the old numbers
        table = table.rename(columns={"sentence_no": free_name(table.columns, "input_sentence_no")})
    if "page" not in table.columns:
        table.insert(0, "page", 1)
    letters = table_letters(table, document, names)
    if several and not split_rows:
        codes = pd.factorize(names, sort=False)[0] if names is not None else np.zeros(len(table))
        counts = np.bincount(codes[list(several)].astype(np.intp), minlength=len(letters))
        for letter, rows in zip(letters, counts.tolist(), strict=True):
            letter.rows_of_several = rows
    return letters, names


# where a cell may hold more than one sentence: two places at least where a sentence may end (a
# stop before more text, or at the end), or a line break. Only such cells are split to see, as
# most rows of a table are one sentence, often ending in a note after its stop ("… (see annex
# 2)"): splitting every such row cost a third of scoring them. A line break is looked for apart
# (a pattern finding one between texts took five times as long).
def may_hold_several(text: str) -> bool:
    if "\n" in text or "\r" in text or len(text) > WINDOW_CHARS:
        return True  # a long text is cut in windows, at ends the stops do not show
    stops = len(MID_STOP.findall(text))
    return stops > 1 or (stops == 1 and ENDS_SENTENCE.search(text) is not None)


def several_sentences(texts: np.ndarray) -> dict[int, list[str]]:
    """The cells of ``texts`` holding more than one sentence, by position: their pieces, as a
    letter's paragraphs are split (a line a paragraph; every word kept, but a line's bullet or
    list number). Two of them at least end like a sentence: a sentence and its "(see annex 2)"
    are one row's."""
    found = {}
    for i, text in enumerate(texts):
        text = str(text)
        if may_hold_several(text):
            pieces = [s.text for s in split_sentences(text)]
            if sum(1 for piece in pieces if ENDS_SENTENCE.search(piece)) > 1:
                found[i] = pieces
    return found


def split_table_rows(table: pd.DataFrame, several: dict[int, list[str]]) -> pd.DataFrame:
    """``table`` with each row of several sentences a row per sentence, in order, its other
    cells repeated on each."""
    counts = np.ones(len(table), dtype=np.intp)
    counts[list(several)] = [len(found) for found in several.values()]
    if counts.sum() > MAX_TABLE_ROWS:
        raise LimitExceeded(f"over {MAX_TABLE_ROWS:,} sentences in its rows: split the table")
    split = table.iloc[np.repeat(np.arange(len(table)), counts)].reset_index(drop=True)
    texts = table["text"].tolist()
    split["text"] = [s for i, text in enumerate(texts) for s in several.get(i, [text])]
    return split


def blank_letters(
    given: pd.Series | None, kept: pd.Series, document: str, table: pd.DataFrame
) -> list[Letter]:
    """The letters a table's ``document`` column names (``given``, blank rows and all, of
    ``table``) whose every text is blank: each a letter of no sentence, counted and warned of
    as any such letter is, never dropped unsaid (a row naming no letter, as a spreadsheet's
    trailing empty rows do, is none), with the council and year its rows give."""
    if given is None:
        return []
    kept = set(kept)
    gone = [name for name in dict.fromkeys(given) if name.strip() and name not in kept]
    letters = []
    for name in gone:
        rows = table[(given == name).to_numpy()]
        (meta,) = table_metadata(rows, np.zeros(len(rows), dtype=int), 1)
        letters.append(Letter(letter_name(document, name), no_sentences(), meta))
    return letters


def no_sentences() -> Rows:
    return {
        "sentence_no": np.arange(0),
        "page": np.zeros(0, dtype=np.int64),
        "text": np.empty(0, dtype=object),
    }


def letter_name(document: str, name: str) -> str:
    """A table's letter as the outputs name it: ``<table>::<name>``; the table's own name for
    rows naming it, or naming no letter (a blank cell of the ``document`` column), as a table
    without that column is named."""
    named = str(name).strip() and name != document
    return f"{document}::{without_controls(str(name))}" if named else document


# a year as a spreadsheet or pandas may write it: 2022.0 (a column of numbers with gaps, read
# as decimals), or a date cell shown as a year (2022-01-01 00:00:00)
SPREADSHEET_YEAR = r"^\s*((?:19|20)\d\d)(?:\.0*|-\d\d-\d\d(?: 00:00:00)?)\s*$"
# a date cell or a date and time (its midnight, or a time of day; "2022-05-04T09:30:00")
SPREADSHEET_DATE = r"^\s*((?:19|20)\d\d-\d\d-\d\d)[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*$"


def spreadsheet_dates(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``year`` and ``visit_date`` cells as a letter's are (2022, 2022-05-04)
    where a spreadsheet or pandas wrote them otherwise, or a person as letters do ("4 May
    2022"): such a year was no year, and the letter counted under "unknown", or 2022 and 2022.0
    were two letters of one council."""
    for column, pattern in (("year", SPREADSHEET_YEAR), ("visit_date", SPREADSHEET_DATE)):
        if column in table.columns:
            cells = table[column].fillna("").astype(str).str.replace(pattern, r"\1", regex=True)
            if column == "visit_date":
                cells = cells.map(lambda cell: written_date(cell) or cell)
            table = table.assign(**{column: cells})
    return table


def check_dates(table: pd.DataFrame) -> None:
    """An InputError naming the ``visit_date`` and ``year`` cells (as ``spreadsheet_dates``
    left them) that are not a date or a year, or that disagree: their letter would count under
    another year, or under "unknown", without a word."""
    cells = {c: table[c].str.strip() for c in ("visit_date", "year") if c in table.columns}
    checks = {
        "visit_date": (is_date_or_year, "a date (2022-05-04, 4 May 2022) or a year"),
        "year": (YEAR.fullmatch, "a year (2022)"),
    }
    problems = []
    for column, given in cells.items():
        valid, what = checks[column]
        if wrong := [cell for cell in given if cell and not valid(cell)]:
            problems.append(f"{column} {quoted(wrong)} not {what}")
    # a year the row's date contradicts, or its dates as written (their last day), as --meta's
    years = cells.get("year")
    for column, date_of in (("visit_date", str), ("visit_dates", lambda w: last_day(w) or "")):
        if years is None or column not in table.columns:
            continue
        if apart := _years_apart(table[column].str.strip(), years, date_of):
            problems.append(f"year and {column} disagree ({some_of(apart)})")
    if problems:
        raise InputError("; ".join(problems) + ": correct the table")


def _years_apart(cells: Iterable[str], years: Iterable[str], date_of) -> list[str]:
    """The distinct rows whose cell (a date, by ``date_of``) is of another year than theirs."""
    pairs = [
        f"'{year}', '{cell}'"
        for cell, year in zip(cells, years, strict=True)
        if year and (date := date_of(cell)) and not date.startswith(year)
    ]
    return list(dict.fromkeys(pairs))


def quoted(cells: Iterable[str]) -> str:
    """Distinct cells, quoted, the first few of many."""
    return some_of([f"'{cell}'" for cell in dict.fromkeys(cells)])


def letters_by_council_and_year(
    table: pd.DataFrame, document: str, always: bool = False
) -> pd.Series | None:
    """Without a ``document`` column, a table whose rows name more than one council or year is
    a letter per council and year ("findings.csv::Leeds 2022"), so each row counts under its
    own council and year; a table of one council and year stays one letter (unless
    ``always``: its rows with text are of one, its blank rows of others)."""
    given = [c for c in ("council", "year") if c in table.columns]
    keys = table[given].astype(str).apply(lambda column: column.str.strip())
    if "council" in keys:  # "Leeds City Council" and "Leeds" are one council's rows
        keys["council"] = area_names(keys["council"].to_numpy())
    if not given or ((keys.nunique() <= 1).all() and not always):
        return None
    names = keys.agg(" ".join, axis=1).str.strip()
    return names.where(names != "", document)  # rows naming neither: the table's own letter


def table_letters(table: pd.DataFrame, document: str, names: pd.Series | None) -> list[Letter]:
    """A table's letters, one per name in ``names`` (the ``document`` column), in the order
    they first appear, each with its rows in order; the whole table is one letter without
    names. Split with array indices, not a frame per letter: a table of 20,000 one-sentence
    letters is read in a second, not minutes."""
    if not len(table):  # a header alone, or blank rows: no letter, as for any table
        return []
    codes, found = pd.factorize(names, sort=False) if names is not None else (None, [document])
    codes = np.zeros(len(table), dtype=np.intp) if codes is None else codes
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(found) + 1))
    columns = columns_of(table)
    metadata = table_metadata(table, codes, len(found))
    letters = []
    for k, name in enumerate(found):
        rows = order[bounds[k] : bounds[k + 1]]
        sentences = {"sentence_no": np.arange(1, len(rows) + 1)}
        sentences |= {c: values[rows] for c, values in columns.items()}
        letters.append(Letter(letter_name(document, name), sentences, metadata[k]))
    return letters


MAX_PAGE = 10**6  # more pages than any document has: a number above it is not a page
ROWS_READ = MAX_TABLE_ROWS + 1  # one more than allowed: enough to tell a table is too long


OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def read_csv_table(data: bytes, separator: str | None = None) -> pd.DataFrame:
    """A CSV a person saved, of sentences or of letters' metadata: decoded as a text letter is
    (cp1252 from Excel), separated by ``separator`` where its name gives one (a TSV's tabs),
    else as its header or a "sep=" line says (semicolons)."""
    try:  # decoded as a text letter is: a BOM, UTF-8, else the likeliest (Windows-1252) encoding
        text, found = csv_parts(decode_text(data))
        separator = separator or found
        table = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype=str,
            keep_default_na=False,
            nrows=ROWS_READ,
        )
    except (ValueError, OSError, DocumentError) as exc:
        reason = " ".join(str(exc).split())  # pandas ends its reasons with a newline
        if "Expected" in reason and "fields" in reason:  # "Expected 3 fields in line 4, saw 4"
            reason += " (a separator in an unquoted cell?): quote the text cells"
        if opened := OPEN_QUOTE.search(reason):  # pandas counts rows from the header's next
            reason = (
                f'a quotation mark (") opened on line {int(opened[1]) + 1} or after it is never '
                "closed: close it, or remove it"
            )
        raise InputError(f"cannot read table: {reason}") from None
    if first_row_shifted(table):
        raise InputError(
            "cannot read table: its first row has more fields than the header "
            "(a comma in an unquoted text cell? a title above the header?): quote the text "
            "cells, or delete the rows above the header"
        )
    table = text_header(unquote_formulas(table))  # a tag table's texts as they were tagged
    table.attrs["separator"] = separator  # for rows_in_a_cell
    return table


def rows_in_a_cell(table: pd.DataFrame, separator: str) -> str | None:
    """A text cell holding a line that reads as a row of the table: as many fields as a row,
    each beside the text a value its column holds ("b,York,Plans drift." under a document and
    a council column holding b and York): rows after a quotation mark left open at a cell's
    start, read into it up to the next one. Two such fields at least: in a table of two
    columns, a paragraph's line ("York, too.") cannot be told from a row."""
    columns = list(table.columns)
    if len(columns) < 3:
        return None
    texts = table["text"]
    broken = texts[texts.str.contains("\n", regex=False)]
    if not len(broken):  # most tables: no cell of two lines
        return None
    at = columns.index("text")
    values = [set(table[c]) - {""} for c in columns]
    for cell in broken:
        for line in cell.split("\n")[1:]:
            fields = [f.strip() for f in line.split(separator)]
            if len(fields) == len(columns) and all(
                fields[k] in values[k] for k in range(len(columns)) if k != at
            ):
                return cell
    return None


def _read_excel(data: bytes, text_column: str) -> pd.DataFrame:
    if data.startswith(OLE_FILE):
        raise InputError("an encrypted or old-format (.xls) workbook: save it as .xlsx unprotected")
    check_archive(data, "XLSX", MAX_WORKBOOK_XML_BYTES)
    archive = zip_archive(data)
    check_workbook(archive)
    if repeated := repeated_sheet_names(archive):  # pandas would keep one sheet of each name
        raise InputError(
            f"sheets of one name ({quoted(repeated)}; Excel ignores case, and spaces at a "
            "name's ends do not show): rename one, then tag the file"
        )
    xml = sheet_xml(archive)
    check_extent(xml)
    try:
        sheets = pd.read_excel(  # "NA", "None", "nan" are text, as a CSV's are
            io.BytesIO(data),
            # never a reader chosen by the bytes (that may not be installed); calamine, not
            # openpyxl: ten times as fast, so that 200,000 rows read within READ_SECONDS
            engine="calamine",
            dtype=str,
            nrows=ROWS_READ,
            sheet_name=None,
            keep_default_na=False,
        )
    except (MemoryError, LimitExceeded, ImportError, KeyboardInterrupt, SystemExit):
        raise  # not the file's fault
    except BaseException as exc:  # a damaged workbook's, in whichever parser met it; calamine's
        # panics too (its PanicException is no Exception)
        if charts_alone(archive):
            raise InputError(  # pandas's "Sheet name is an empty list" said it was damaged
                "the workbook has chart sheets alone, no worksheet: a table of sentences is a "
                "worksheet with a text column"
            ) from None
        reason = clipped(f"{type(exc).__name__}: {exc}", 200)
        raise InputError(f"cannot read workbook: damaged .xlsx ({reason})") from None
    hidden = hidden_sheets(archive)
    shown = {n: sheet for n, sheet in sheets.items() if n not in hidden} or sheets
    if any(name in shown for name in sheets_beyond(xml, ROWS_READ)):  # header: row 1
        raise LimitExceeded(f"over {MAX_TABLE_ROWS:,} rows: split the table")
    merged = merged_down(xml)
    sheets = {n: with_text_column(text_header(s), text_column) for n, s in shown.items()}
    return _joined_sheets(
        {n: fill_merged(s, merged.get(n, []), text_column) for n, s in sheets.items()},
        text_column,
    )


def named_twice(columns: pd.Index, read: list[str]) -> list[str]:
    """Which of the columns ``read`` a table's header names twice: pandas reads the second of
    "text" as "text.1"."""
    names = set(map(str, columns))
    return [name for name in dict.fromkeys(read) if name in names and f"{name}.1" in names]


def header_below(table: pd.DataFrame, text_column: str, rows: int = 10) -> bool:
    """Whether one of the first ``rows`` rows holds the text column's name as a cell: the real
    header, under a title or notes a person put above it."""
    wanted = text_column.strip().lower()
    top = table.head(rows).astype(str)
    return any(cell.strip().lower() == wanted for column in top for cell in top[column])


def with_text_column(table: pd.DataFrame, text_column: str) -> pd.DataFrame:
    """``table`` with its text column named ``text_column`` where its header was typed with
    spaces around it ("text ") or in another case ("Text"), as the other known columns'
    headers are taken; not where two headers could be it."""
    if text_column in table.columns:
        return table
    for same in (str.strip, lambda name: name.strip().casefold()):  # "text ", then "Text"
        found = [c for c in table.columns if same(str(c)) == same(text_column)]
        if len(found) == 1:
            return table.rename(columns={found[0]: text_column})
    return table


def zip_archive(data: bytes) -> zipfile.ZipFile | None:
    """``data`` as a zip archive, opened once for the checks that look inside it; None if it is
    not one (the reader then says what it is not)."""
    import zipfile

    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        return None


# what a zip archive named .xlsx holds instead of an Excel workbook, by a member it has
OTHER_WORKBOOKS = {
    "content.xml": "an OpenDocument spreadsheet (.ods)",
    "xl/workbook.bin": "a binary Excel workbook (.xlsb)",
    "Index/Document.iwa": "a Numbers spreadsheet",
    "word/document.xml": "a Word document",
}


def check_workbook(archive: zipfile.ZipFile | None) -> None:
    """Refuse, by what it holds, a zip archive named .xlsx that is another kind of spreadsheet
    (a LibreOffice or binary workbook renamed), with what to do about it."""
    if archive is None:
        return  # not a zip at all: the reader says what it is not
    members = set(archive.namelist())
    if "xl/workbook.bin" not in members and any(m.startswith("xl/") for m in members):
        return  # Excel's parts: the reader reads them, or says what is wrong with them
    kind = next((k for m, k in OTHER_WORKBOOKS.items() if m in members), "not an Excel workbook")
    raise InputError(f"{kind} named .xlsx: save it as .xlsx or .csv and tag that")


def _joined_sheets(sheets: dict[str, pd.DataFrame], text_column: str) -> pd.DataFrame:
    """Every sheet's rows: with more than one sheet of rows, each sheet without a ``document``
    column is a letter named by its sheet (a workbook of one council's letters a sheet). A sheet
    of rows without the text column beside one with it fails the workbook: its sentences would
    be lost without a word (a "Text" header, a sheet of notes)."""
    filled = {name: sheet for name, sheet in sheets.items() if len(sheet)}
    lacking = [name for name, sheet in filled.items() if text_column not in sheet.columns]
    if lacking and len(lacking) < len(filled):
        sheet = filled[lacking[0]]
        found = ", ".join(sheet.columns[:10])
        raise InputError(
            f"sheet '{lacking[0]}' has no column '{text_column}' (found: {found}): "
            + (
                f"a row below its header holds '{text_column}': delete the rows above that row"
                if header_below(sheet, text_column)
                else "choose the column with --text-column, or move the sheet out of the workbook"
            )
        )
    if len(filled) > 1:
        named = {d for sheet in filled.values() if "document" in sheet for d in sheet["document"]}
        for name, sheet in filled.items():
            if "document" not in sheet.columns:
                if name in named:  # one letter of two sheets' rows would be a guess
                    raise InputError(
                        f"sheet '{name}' is a letter, and another sheet's document column names "
                        "a letter so too: rename the sheet or the document"
                    )
                sheet.insert(0, "document", name)
    parts = list(filled.values()) or list(sheets.values())[:1]
    return pd.concat(parts, ignore_index=True).fillna("") if parts else pd.DataFrame()


# a table's columns that say which letter a row is of and what is known of it, whatever their case
KNOWN_COLUMNS = {"document", "page", "year", *LETTER_COLUMNS}
# the key of a table letter's metadata naming the columns its rows fill with different values
# (two councils, two years), left blank in the summary
DISAGREED = "disagreed"


HEADER_SPACES = re.compile(r"[\s-]+")  # "visit type", "visit-date": "visit_type", "visit_date"


def text_header(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every column name text (a workbook's header may hold a year or a date,
    which would not match the same header read from a CSV or written back as JSON), and safe
    in a spreadsheet as the cells are (a header "=HYPERLINK(…)" would be a live formula)."""
    names: list[str] = []
    for column in table.columns:
        name = safe_cell(str(column))
        known = HEADER_SPACES.sub("_", name.strip().lower())  # "Visit type", "Council", "Year "
        if known in KNOWN_COLUMNS and known not in table.columns:
            name = known  # a column a letter is read by
        names.append(free_name(names, name))
    table.columns = names
    return table


def table_metadata(table: pd.DataFrame, codes: np.ndarray, letters: int) -> list[dict]:
    """Each letter's metadata from the table's own columns (``council``, ``visit_type``, …):
    a column's value where the letter's rows that fill it agree, so that a table of a council's
    sentences counts under that council in the summary."""
    found: list[dict] = [{} for _ in range(letters)]
    for column in [c for c in [*LETTER_COLUMNS, "year"] if c in table.columns]:
        values = table[column].astype(str).str.strip().to_numpy()
        if column == "council":  # "Leeds City Council" and "Leeds" agree
            values = area_names(values)
        elif column == "visit_type":  # "FV" and "Focused visit" too
            values = np.array([visit_kind(v) for v in values], dtype=object)
        filled = values != ""
        by_letter = pd.Series(values[filled]).groupby(codes[filled])
        agreed = by_letter.nunique()
        for code, value in by_letter.first()[agreed == 1].items():
            found[code][column] = value
        for code in agreed.index[agreed > 1]:  # left blank: the reader is told (DISAGREED)
            found[code].setdefault(DISAGREED, []).append(column)
    return [_as_letter_metadata(meta) for meta in found]


def area_names(councils: np.ndarray) -> np.ndarray:
    """Each council as its area (``area_name``), worked out once a distinct name."""
    names = {name: area_name(name) if name else "" for name in set(councils)}
    return np.array([names[name] for name in councils], dtype=object)


def _as_letter_metadata(meta: dict) -> dict:
    """A table's metadata as a letter's is read: the last day of its visit dates, or a year
    alone, as the visit date (the council is named by its area already: ``table_metadata``)."""
    year = meta.pop("year", "")
    last = last_day(meta.get("visit_dates", ""))  # "4 and 5 July 2023", as --meta reads them
    if "visit_date" not in meta and last and last.startswith(year):
        meta["visit_date"] = last
    elif YEAR.fullmatch(year) and "visit_date" not in meta:
        meta["visit_date"] = year  # the year alone, as a file name gives it
    return meta


def own_pages(table: pd.DataFrame) -> pd.DataFrame:
    """A table's ``page`` column as page numbers, as letters have them; one holding anything
    but whole numbers from 1 up is carried as ``input_page`` instead (pages of 1), so that
    every output format can hold the page column of letters and tables together (and a huge
    number does not wrap round to a negative page)."""
    if "page" not in table.columns:
        return table
    pages = pd.to_numeric(table["page"], errors="coerce")
    if pages.between(1, MAX_PAGE).all() and (pages % 1 == 0).all():
        return table.assign(page=pages.astype("int64"))
    return table.rename(columns={"page": free_name(table.columns, "input_page")})


def read_input(
    path: Path, document: str, text_column: str, split_rows: bool = False
) -> list[Letter]:
    if path.suffix.lower() in TABLE_SUFFIXES:
        return read_sentence_table(path, document, text_column, split_rows)
    return [read_letter(path, document)]


BASE_COLUMNS = ("sentence_no", "page", "text")


def free_name(taken: Iterable[str], name: str) -> str:
    """``name``, or ``input_`` before it as often as needed for a column name not ``taken``."""
    taken = set(taken)
    while name in taken:
        name = f"input_{name}"
    return name


LETTER_ROW_COLUMNS = ["council", "year"]  # on every sentence row, as the summary has them


def letter_columns(meta: dict, rows: int) -> dict[str, np.ndarray]:
    """The letter's council and year (LETTER_ROW_COLUMNS) on each of its sentence rows, so that
    the sentence table rolls up by council and year as the summary does."""
    values = [meta.get("council") or None, visit_year(meta.get("visit_date"))]
    return {
        column: np.full(rows, value, dtype=object)
        for column, value in zip(LETTER_ROW_COLUMNS, values, strict=True)
    }


def tag_letter(tagger: Tagger, letter: Letter, tags: Rows | None = None) -> Rows:
    """The letter's sentences with each theme's tag and score, and the evidence (``tags``: the
    model's columns for them, when a batch of letters was scored at once)."""
    sentences = letter.sentences
    if tags is None:
        tags = tagger.predict_columns([str(t) for t in sentences["text"]])
    columns = {"document": np.full(len(letter), letter.document, dtype=object)}
    columns |= letter_columns(letter.metadata, len(letter))
    columns |= {c: sentences[c] for c in BASE_COLUMNS}
    columns |= improvements_raise_concerns(tags, letter.to_improve, tagger.theme_ids)
    # an input column named like an output one (a tag table tagged again) keeps its values;
    # the concern columns are a tagger's output names whether or not this tagger writes them,
    # so that a table's ``concern`` column is never taken for the model's
    taken = set(columns) | set(CONCERN_COLUMNS)
    for c in [c for c in sentences if c not in BASE_COLUMNS]:
        name = free_name(taken, c)
        columns[name] = sentences[c]
        taken.add(name)
    return columns


def improvements_raise_concerns(tags: Rows, to_improve, theme_ids: list[str]) -> Rows:
    """``tags`` with ``concern`` 1 for each tagged item of the letter's list of what needs to
    improve: a concern by the guideline, which the model, reading the item alone ("The quality
    and use of performance information by managers.", 0.11), may score as none; its
    ``concern_score`` stays the model's."""
    if "concern" not in tags or to_improve is None or not to_improve.any():
        return tags
    themed = np.logical_or.reduce([np.asarray(tags[t]) == 1 for t in theme_ids])
    return tags | {"concern": np.where(to_improve & themed, 1, tags["concern"])}


# path, document name, text column, seconds to read, the letters of it tagged already
# (--resume), a table's rows split into sentences (--split-rows)
Job = tuple[Path, str, str, float | None, frozenset[str], bool]


def read_job(
    path: Path,
    document: str,
    text_column: str,
    seconds: float | None,
    done: frozenset[str] = frozenset(),
    split_rows: bool = False,
) -> Outcome:
    """One input file read and split (not yet tagged): its letters but those ``done``, or why
    it failed. Reading and splitting get ``seconds``; what they give is bounded, and so is
    tagging it."""
    try:
        with time_limit(seconds, "reading the file"):
            letters = read_input(path, document, text_column, split_rows)
        kept = [lt for lt in letters if lt.document not in done]
        return Outcome(
            document,
            [(lt, {"document": lt.document, **lt.metadata}) for lt in kept],
            skipped=len(letters) - len(kept),
            stamp=letters[0].stamp if len(letters) == 1 else None,
            skipped_digests={
                lt.document: text_digest(lt.sentences) for lt in letters if lt.document in done
            },
            held=[lt.document for lt in letters],
            several={lt.document: lt.rows_of_several for lt in kept if lt.rows_of_several},
        )
    except (DocumentError, InputError, LimitExceeded, OSError, ValueError, MemoryError) as exc:
        if interrupted(exc):
            raise KeyboardInterrupt from None
        ours = isinstance(exc, DocumentError | InputError | LimitExceeded)  # worded for the user
        return Outcome(document, error=str(exc) if ours else f"{type(exc).__name__}: {exc}")


def process_group(tagger: Tagger, jobs: list[Job]) -> list[Outcome]:
    """Read each file of ``jobs`` (a failure is that file's alone), then score every sentence
    of the group in one call of the model, whose fixed cost per call would otherwise be paid
    per letter; the tags are split back per letter, as if each had been scored alone."""
    outcomes = [read_job(*job) for job in jobs]
    letters = [letter for o in outcomes if not o.error for letter, _ in o.letters]
    texts = [str(t) for letter in letters for t in letter.sentences["text"]]
    try:
        columns = tagger.predict_columns(texts)
    except (ValueError, MemoryError):  # then each file on its own: one bad file fails
        return [o if o.error else tag_read(tagger, o) for o in outcomes]
    start = 0
    for outcome in outcomes:
        if outcome.error:
            continue
        tagged = []
        for letter, meta in outcome.letters:
            end = start + len(letter)
            mine = {c: values[start:end] for c, values in columns.items()}
            tagged.append((tag_letter(tagger, letter, mine), meta))
            start = end
        outcome.letters = tagged
    return outcomes


def process(
    tagger: Tagger,
    path: Path,
    document: str,
    text_column: str,
    seconds: float | None = READ_SECONDS,
) -> Outcome:
    """Read, split and tag one input file; any failure is caught and reported by name."""
    outcome = read_job(path, document, text_column, seconds)
    return outcome if outcome.error else tag_read(tagger, outcome)


def tag_read(tagger: Tagger, outcome: Outcome) -> Outcome:
    """A file's letters, already read, tagged alone; a failure is that file's."""
    try:
        outcome.letters = [(tag_letter(tagger, lt), meta) for lt, meta in outcome.letters]
    except (ValueError, MemoryError) as exc:
        return Outcome(outcome.name, error=f"{type(exc).__name__}: {exc}")
    return outcome


_worker_tagger: Tagger | None = None


def _init_worker(model_path: str, thresholds: dict[str, float]) -> None:
    global _worker_tagger
    exit_with_parent()
    # Ctrl-C reaches every process of the terminal's group: the batch stops its workers (a
    # SIGTERM, not unwound as the command's own is), so they print no traceback of their own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with process_start():  # the worker's own process
        _worker_tagger = Tagger.load(model_path)
    _worker_tagger.thresholds.update(thresholds)


def _process_group_in_worker(jobs: list[Job]) -> list[Outcome]:
    return process_group(_worker_tagger, jobs)


GROUP_FILES = 32  # files scored in one call of the model, at most


def groups(work: list[Job], workers: int) -> list[list[Job]]:
    """Consecutive files in groups of up to GROUP_FILES; with several workers, small enough
    that every worker gets several (a few files are not one worker's while the others wait).
    One process takes them GROUP_FILES at a time: each call of the model has a fixed cost."""
    if workers <= 1:
        size = GROUP_FILES
    else:
        size = max(1, min(GROUP_FILES, math.ceil(len(work) / (4 * workers))))
    return [work[i : i + size] for i in range(0, len(work), size)]


def tag_files(
    tagger: Tagger,
    jobs: list[tuple[Path, str]],
    text_column: str,
    workers: int = 1,
    model_path: str | None = None,
    seconds: float | None = READ_SECONDS,
    done: Iterable[str] = (),
    split_rows: bool = False,
) -> Iterator[Outcome]:
    """Outcomes in input order; files are read in groups, each group's sentences scored in one
    call of the model. With ``workers > 1`` groups are read and tagged in parallel processes,
    each holding its own copy of the model (loaded from ``model_path``). A table's letters in
    ``done`` (tagged by the run --resume continues) are left out before they are tagged."""
    tables = table_letters_done([n for p, n in jobs if p.suffix.lower() in TABLE_SUFFIXES], done)
    work = [
        (path, name, text_column, seconds, tables.get(name, frozenset()), split_rows)
        for path, name in jobs
    ]
    yield from tag_work(tagger, work, workers, model_path)


def tag_work(
    tagger: Tagger, work: list[Job], workers: int, model_path: str | None
) -> Iterator[Outcome]:
    """``tag_files`` of jobs: in this process, or in ``workers`` processes."""
    if workers <= 1 or model_path is None or len(work) < 2:
        for group in groups(work, 1):
            yield from process_group(tagger, group)
        return
    pool = worker_pool(workers, model_path, tagger)
    finished = 0
    try:
        for outcomes in pool.map(_process_group_in_worker, groups(work, workers)):
            for outcome in outcomes:
                finished += 1
                yield outcome
    except BrokenProcessPool:  # a worker died (out of memory, a crash in a C library)
        stop(pool)
        # the files it may have been reading: the groups the workers held or had queued
        held = work[finished : finished + (workers + 1) * GROUP_FILES]
        yield from one_by_one(tagger, held, model_path)
        yield from tag_work(tagger, work[finished + len(held) :], workers, model_path)
    finally:  # finished, failed or interrupted: no worker outlives the batch
        stop(pool)


DIED = "the process reading it died (out of memory?)"


def table_letters_done(tables: list[str], done: Iterable[str]) -> dict[str, frozenset[str]]:
    """The letters of ``done`` each table holds: the table itself, or ``<table>::<letter>``
    (a name may hold "::" itself: it is matched whole)."""
    done = set(done)
    return {
        table: frozenset(d for d in done if d == table or d.startswith(f"{table}::"))
        for table in tables
    }


def one_by_one(tagger: Tagger, work: list[Job], model_path: str) -> Iterator[Outcome]:
    """The files a worker may have been reading when it died, read one at a time by one worker
    (a new one after each death): which of them killed it is not known, and whatever killed it
    would kill the batch were the file read here. A file whose worker dies is the one that
    failed."""
    pool = None
    try:
        for job in work:
            pool = pool or worker_pool(1, model_path, tagger)
            try:
                outcomes = pool.submit(_process_group_in_worker, [job]).result()
            except BrokenProcessPool:
                stop(pool)
                pool, outcomes = None, [Outcome(job[1], error=DIED)]
            yield from outcomes
    finally:
        if pool is not None:
            stop(pool)


def worker_pool(workers: int, model_path: str, tagger: Tagger) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(model_path, tagger.thresholds)
    )


def stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down now: queued files are cancelled and running workers stopped, rather
    than waiting for every file (``with`` would wait)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # None once shut
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def exit_with_parent() -> None:
    """Have the kernel stop this worker when the process that started it dies, even by
    ``kill -9`` (Linux; elsewhere a killed batch's workers finish their file and exit)."""
    import ctypes
    import signal
    import sys

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # die at once, not unwind into a full pipe
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before the line above: nobody to signal us
        os._exit(1)


def document_names(paths: Iterable[Path], root: Path | None = None) -> list[str]:
    """Names unique per file, stable wherever the command runs from: each path relative to
    ``root`` (the folder of the first run of an output; the current one by default), or in full
    when outside it. Bytes of a
    file name that are not UTF-8 are shown as ``\\xNN``, so every output can hold the name."""
    root = (root or Path.cwd()).resolve()
    names = []
    for path in paths:
        real = path.resolve()
        names.append(
            printable_name(str(real.relative_to(root) if real.is_relative_to(root) else real))
        )
    return names


# controls, and the marks a terminal shows as nothing (as ``printable`` escapes them: a name
# must not pass for another), and what a workbook cannot hold
CONTROL = re.compile(rf"[{UNSHOWN}\ufffe\uffff]")


def printable_name(name: str) -> str:
    """A file name as text every output can hold: undecodable bytes (kept by Python as
    surrogates) as ``\\xNN``, and control characters escaped."""
    return without_controls(os.fsencode(name).decode("utf-8", "backslashreplace"))


def without_controls(name: str) -> str:
    """A letter's name with its control characters escaped (``\\x07``, ``\\n``), as the
    terminal shows them. A workbook cannot hold them: written there without them, a name would
    not match its file's when ``--resume`` reads the workbook back, and the letter would be
    tagged again."""
    return CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), name)
