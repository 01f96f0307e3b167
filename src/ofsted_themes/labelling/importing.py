"""Importing labels filled in a spreadsheet: every row checked (columns, 0/1 values, directions,
blank rows skipped, repeats counted once) before anything is written."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ofsted_themes.core.digests import file_digest
from ofsted_themes.core.limits import MAX_CELL_CHARS, MAX_FILE_BYTES, MAX_TABLE_ROWS
from ofsted_themes.core.tables import csv_parts, first_row_shifted, unquote_formulas
from ofsted_themes.labelling.store import LabelError, label_rows, row_key
from ofsted_themes.reading.document import DocumentError, read_bytes
from ofsted_themes.reading.formats.text import decode_text
from ofsted_themes.training.corpus import DIRECTION, direction_problem


@dataclass
class Imported:
    rows: pd.DataFrame  # user-label rows ready to append
    blank: int  # rows with no theme filled in (not labelled yet: skipped)
    repeated: int = 0  # rows repeating an earlier row of the file (same sentence and labels)


def import_columns(theme_ids: list[str]) -> list[str]:
    scores = [c for t in theme_ids for c in (f"{t}_score", f"{t}_model")]
    concern = ["concern_score", "concern_model"]
    return [
        "document", "page", "sentence_no", "text", *scores, *concern, *theme_ids, DIRECTION,
        "source_digest",
    ]  # fmt: skip


def read_import(path: Path | str, theme_ids: list[str], labelled_at: str | None = None) -> Imported:
    """Validate a filled-in suggestion file; every problem is reported with its line and column.

    Each theme cell is 0, 1 or blank. A row with every theme blank is not labelled yet and is
    skipped; a row with some blank is refused. A themed row's direction (concern, strength,
    mixed, neutral) may be given or left blank; a row with no theme has none. Rows keep their
    ``source_digest`` (the tag table they were suggested from), or get this file's digest.
    """
    path = Path(path)
    if not path.is_file():
        raise LabelError([f"{path}: file not found"])
    try:  # bounded as `tag` bounds a table: a file too large to be labels is refused unread
        data = read_bytes(path, MAX_FILE_BYTES)
    except DocumentError as exc:
        raise LabelError([f"{path}: {exc}"]) from None
    if data.startswith(b"PK\x03\x04"):  # a zip: the suggestions saved as a workbook
        raise LabelError([f"{path}: a workbook, not a CSV: save it as CSV and import that"])
    try:  # decoded as `tag` decodes a table: Excel on Windows saves CSV as Windows-1252
        text, separator = csv_parts(decode_text(data))
        frame = unquote_formulas(
            pd.read_csv(
                io.StringIO(text),
                sep=separator,
                dtype=str,
                keep_default_na=False,
                nrows=MAX_TABLE_ROWS + 1,  # enough to tell the file is too long
            )
        )
    except (pd.errors.ParserError, DocumentError, pd.errors.EmptyDataError) as exc:
        raise LabelError([f"{path}: cannot read as a CSV ({exc})"]) from None
    if first_row_shifted(frame):
        raise LabelError(
            [f"{path}, line 2: more fields than the header names (a comma in an unquoted cell?)"]
        )
    if len(frame) > MAX_TABLE_ROWS:
        raise LabelError([f"{path}: over {MAX_TABLE_ROWS:,} rows: split it and import each part"])
    known = import_columns(theme_ids)
    problems = [
        f"{path}, line 1: unknown column '{c}': the columns are those of "
        f"`python -m label suggest` ({', '.join(['document', 'text', *theme_ids])} and "
        "provenance); remove it or fix its name"
        for c in frame.columns
        if c not in known
    ]
    problems += [
        f"{path}, line 1: missing column '{c}'"
        for c in ["document", "text", *theme_ids]
        if c not in frame.columns
    ]
    if problems:
        raise LabelError(problems)
    frame = frame.apply(lambda column: column.str.strip())
    # "0.0" and "1.0": the labels as pandas writes a column it read as numbers
    frame[theme_ids] = frame[theme_ids].replace({"0.0": "0", "1.0": "1"})
    frame[DIRECTION] = frame[DIRECTION].str.lower() if DIRECTION in frame.columns else ""
    labels = frame[[*theme_ids, DIRECTION]]
    blank = (labels == "").all(axis=1)
    for i in frame.index[~blank]:
        where = f"{path}, line {i + 2}"
        themed = bool((labels.loc[i, theme_ids] == "1").any())
        direction = labels.at[i, DIRECTION]
        if wrong := direction_problem(f"{where}, column '{DIRECTION}'", themed, direction, False):
            problems.append(wrong)
        for t in theme_ids:
            value = labels.at[i, t]
            if value == "":
                problems.append(
                    f"{where}, column '{t}': blank while other labels are filled in: give "
                    "every theme 0 or 1 (or leave the whole row blank to skip it)"
                )
            elif value not in ("0", "1"):
                problems.append(f"{where}, column '{t}': '{value}' is not 0, 1 or blank")
        for column in ("document", "text"):
            if frame.at[i, column] == "":
                problems.append(f"{where}, column '{column}': empty")
        if len(frame.at[i, "text"]) > MAX_CELL_CHARS:  # as `tag` bounds a table's text cell
            problems.append(
                f"{where}, column 'text': {len(frame.at[i, 'text']):,} characters (the limit "
                f"is {MAX_CELL_CHARS:,}): one sentence a row"
            )
        for column in ("page", "sentence_no"):
            value = frame.at[i, column] if column in frame.columns else ""
            if value and not re.fullmatch(r"[0-9]+(\.0*)?", value):
                problems.append(f"{where}, column '{column}': '{value}' is not a whole number")
    rows = frame[~blank]
    keys = [row_key(d, t) for d, t in zip(rows["document"], rows["text"], strict=True)]
    first: dict[tuple[str, str], int] = {}
    for i, key in zip(rows.index, keys, strict=True):
        if key in first and tuple(labels.loc[i]) != tuple(labels.loc[first[key]]):
            problems.append(
                f"{path}, line {i + 2}: the same sentence as line {first[key] + 2} with "
                "different labels: keep one"
            )
        first.setdefault(key, i)
    if problems:
        raise LabelError(problems)
    repeated = pd.Series(keys, index=rows.index, dtype=object).duplicated().to_numpy()
    rows = rows[~repeated]
    digest = file_digest(path)
    digests = (
        [d or digest for d in rows["source_digest"]] if "source_digest" in rows.columns else digest
    )
    out = label_rows(
        rows, rows[theme_ids].to_numpy(dtype=int), theme_ids, digests, labelled_at, rows[DIRECTION]
    )
    return Imported(out, int(blank.sum()), int(repeated.sum()))
