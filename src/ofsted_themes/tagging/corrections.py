"""Letter metadata supplied or corrected by the user (``tag --meta FILE.csv``): a table with a
``document`` column and any of the letter columns (or ``year``, a visit date known only to the
year); a non-empty cell replaces what was read from the letter. A row names a letter as `tag`
does (``inbox/leeds.pdf``) or by its file name alone (``leeds.pdf``) when no two letters of the
run share it (``check``)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path, PurePath

from ofsted_themes.core.errors import ProblemsError, looked_in
from ofsted_themes.core.limits import MAX_TABLE_ROWS
from ofsted_themes.core.tables import FORMATS, LETTER_COLUMNS, read_table
from ofsted_themes.reading.inputs import os_reason
from ofsted_themes.reading.metadata import area_name, last_day, visit_kind
from ofsted_themes.tagging.letters import (
    named_twice,
    quoted,
    read_csv_table,
    spreadsheet_dates,
    text_header,
)
from ofsted_themes.tagging.summary import is_date_or_year

META_FORMATS = (".csv", ".tsv", *FORMATS[1:])  # a table of letters, as tables of sentences
# ``year`` gives the year alone of a visit whose date is not known (the summary's year follows)
CORRECTABLE = [*LETTER_COLUMNS, "year"]


class Corrections:
    def __init__(
        self,
        rows: dict[str, dict[str, str]],
        path: Path | None = None,
        years: dict[str, str] | None = None,
    ) -> None:
        self.rows = rows
        # a row's year given without a date: it corrects a letter's date only where they differ
        self.years = years or {}
        self.path = path  # the table read: an input, which no output may replace
        self.used: dict[str, str] = {}  # row -> the letter it corrected

    @classmethod
    def read(cls, path: Path) -> Corrections:
        """The table at ``path``; an InputError naming what to fix if it cannot be used."""
        if not Path(path).exists():
            raise ProblemsError([f"--meta {path}: no such file{looked_in(path)}"])
        if not Path(path).is_file():  # a folder, a pipe (it would wait)
            raise ProblemsError([f"--meta {path}: not a file"])
        suffix = Path(path).suffix.lower()
        if suffix not in META_FORMATS:
            given = ", ".join(META_FORMATS)
            raise ProblemsError([f"--meta {path}: not a table; give one of {given}"])
        try:
            if suffix in (".csv", ".tsv"):  # as a table of sentences is: Excel's cp1252, ";"
                tabs = "\t" if suffix == ".tsv" else None
                table = read_csv_table(Path(path).read_bytes(), tabs)
            else:
                table = read_table(path)
        except (OSError, ValueError) as error:
            reason = os_reason(error) if isinstance(error, OSError) else str(error)
            reason = reason.removeprefix("cannot read table: ")
            raise ProblemsError([f"--meta {path}: cannot read it ({reason})"]) from None
        if len(table) > MAX_TABLE_ROWS:  # read no further: the rest would be left out unsaid
            raise ProblemsError([f"--meta {path}: over {MAX_TABLE_ROWS:,} rows: split it"])
        table = spreadsheet_dates(text_header(table))  # read as a table of sentences is
        if "document" not in table.columns:
            raise ProblemsError([f"--meta {path}: no 'document' column (the letters to correct)"])
        if twice := named_twice(table.columns, ["document", *CORRECTABLE]):  # read "x.1"
            raise ProblemsError(
                [f"--meta {path}: columns named twice: {quoted(twice)}: keep one of each (which "
                 "to believe would be a guess)"]
            )  # fmt: skip
        unknown = [c for c in table.columns if c != "document" and c not in CORRECTABLE]
        if unknown:
            known = ", ".join(CORRECTABLE)
            raise ProblemsError([f"--meta {path}: unknown columns {unknown}; use any of {known}"])
        rows, years, problems, lines = {}, {}, [], {}
        for number, record in enumerate(table.fillna("").astype(str).to_dict("records"), 2):
            document = record.pop("document").strip()
            year = record.pop("year", "").strip()
            given = record.get("visit_date", "").strip()
            column, shown = ("visit_date", given) if given else ("year", year)
            written = record.get("visit_dates", "").strip()
            if not given and (last := last_day(written)):  # their last day, not the year alone
                given, column, shown = last, "visit_dates", written
            date = given or year
            record["visit_date"] = given  # a year alone corrects a date only where they differ
            if date and not is_date_or_year(date):  # a year alone is a date too, as a file's
                problems.append(
                    f"--meta {path} row {number}: {column} '{shown}' is not a date "
                    "(YYYY-MM-DD) or a year (YYYY)"
                )
            elif year and not date.startswith(year):
                problems.append(
                    f"--meta {path} row {number}: year '{year}' and {column} '{shown}' disagree"
                )
            record["visit_type"] = visit_kind(record.get("visit_type", ""))
            record["council"] = area_name(record.get("council", ""))  # as a letter's is read
            if document in rows:  # which of two rows to believe would be a guess
                problems.append(
                    f"--meta {path} row {number}: '{document}' is named by row {lines[document]} "
                    "too: keep one row a letter"
                )
            elif document:
                rows[document] = {k: v.strip() for k, v in record.items() if v.strip()}
                if year and not given:
                    years[document] = year
                lines[document] = number
        if problems:
            raise ProblemsError(problems)
        return cls(rows, Path(path), years)

    def key(self, document: str) -> str:
        """The row that speaks of ``document``: the one naming it whole, else its file name."""
        return document if document in self.rows else PurePath(document).name

    def check(self, documents: list[str]) -> None:
        """Refuse, before any letter is read, a row that would speak of two letters of the run
        (a file name they share): which one it corrects would be a guess."""
        sharing = defaultdict(list)
        for document in documents:
            sharing[self.key(document)].append(document)
        problems = [
            ambiguous(key, found)
            for key, found in sharing.items()
            if key in self.rows and len(found) > 1
        ]
        if problems:
            raise ProblemsError(problems)

    def apply(self, meta: dict) -> dict:
        """``meta`` (a letter's, with its ``document``) with this table's cells for it. The
        letters of a table input are known only as they are read: a row that reaches a second
        of them stops the run (its outputs are not written)."""
        document = str(meta.get("document", ""))
        key = self.key(document)
        if key not in self.rows:
            return meta
        first = self.used.setdefault(key, document)
        if first != document:
            raise ProblemsError([ambiguous(key, [first, document])])
        cells = dict(self.rows[key])
        year = self.years.get(key, "")
        if year and not str(meta.get("visit_date") or "").startswith(year):
            cells["visit_date"] = year  # the date read is of another year: the year alone
        written = str(meta.get("visit_dates") or "")
        if "visit_date" in cells and cells["visit_date"][:4] not in written:
            # the dates read are of another year: not this visit's, whatever the row says
            cells.setdefault("visit_dates", None)
        return meta | cells

    def unused(self) -> list[str]:
        """Rows that matched no letter tagged in this run (a typo, or a letter not given)."""
        return sorted(set(self.rows) - set(self.used))


def ambiguous(key: str, documents: list[str]) -> str:
    more = ", ..." if len(documents) > 3 else ""
    return (
        f"--meta row '{key}' could be any of {len(documents)} letters "
        f"({', '.join(documents[:3])}{more}): name the letter as tag prints it, with its folder"
    )
