"""The sentence table as it streams: rows appended to a temporary file beside the output, which
becomes a staged output when the batch completes (``finish``), or is removed (``abort``). An XLSX
table streams as JSON lines and becomes a workbook when committed. Rows are appended a few
thousand at a time: appending a short letter's dozen rows costs more than tagging them."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ofsted_themes.core.atomic import move_into_place, temporary_beside
from ofsted_themes.core.tables import (
    append_csv,
    check_format,
    columns_of,
    read_table,
    write_table,
)

BUFFERED_ROWS = 5_000  # held in memory before an append: memory stays flat, appends are few


class TableSink:
    """Appends letters' rows to a table file that appears only when complete (temporary file, then
    rename). With ``resume``, the existing table's rows come first."""

    def __init__(self, path: Path, columns: list[str], resume: bool = False):
        self.path = Path(path)
        self.format = check_format(self.path)
        self.stream = ".jsonl" if self.format == ".xlsx" else self.format  # how rows are appended
        self.tmp = temporary_beside(self.path)
        self.base_columns = columns
        self.columns: list[str] | None = None
        self._parquet = None
        self._held: list[tuple[Mapping[str, np.ndarray], int]] = []  # columns, rows
        self._held_rows = 0
        self.rows = 0
        if resume and self.path.exists():
            self._start_from_existing()

    def _start_from_existing(self) -> None:
        if self.format in (".parquet", ".xlsx"):
            self.write(read_table(self.path))
            return
        shutil.copyfile(self.path, self.tmp)
        head = pd.read_csv(self.path, nrows=0) if self.format == ".csv" else None
        self.columns = list(head.columns) if head is not None else None
        if self.format == ".jsonl" and self.path.stat().st_size:
            self.columns = list(pd.read_json(self.path, lines=True, nrows=1).columns)

    def write(self, rows: Mapping[str, np.ndarray] | pd.DataFrame) -> None:
        """Hold a letter's rows: a frame, or its columns (arrays of one length), which
        become a frame only a few thousand rows at a time."""
        if isinstance(rows, pd.DataFrame):
            rows = columns_of(rows)
        if self.columns is None:
            self.columns = list(self.base_columns)
        extra = [c for c in rows if c not in self.columns]
        if extra:  # columns carried from an input table, after letters that lacked them
            self.flush()
            self._widen(extra, rows)
        count = len(next(iter(rows.values()), ()))
        self._held.append((rows, count))
        self._held_rows += count
        if self._held_rows >= BUFFERED_ROWS:
            self.flush()

    def flush(self) -> None:
        """Append the rows held so far to the temporary file."""
        if not self._held:
            return
        held, rows = self._held, self._held_rows
        self._held, self._held_rows = [], 0
        columns = {c: _column(held, c) for c in self.columns}
        if self.stream == ".csv":
            append_csv(self.tmp, columns, header=self.tmp.stat().st_size == 0)
        elif self.stream == ".jsonl":
            with self.tmp.open("a", encoding="utf-8") as f:
                frame = pd.DataFrame(columns, columns=self.columns)
                frame.to_json(f, orient="records", lines=True, force_ascii=False)
        else:
            self._write_parquet(pd.DataFrame(columns, columns=self.columns))
        self.rows += rows

    def _widen(self, extra: list[str], rows: Mapping[str, np.ndarray]) -> None:
        """Add columns, rewriting the rows written so far with them empty (JSON lines need no
        rewriting: each record names its fields)."""
        self.columns += extra
        if self._parquet is None and not self.tmp.stat().st_size:
            return
        if self.stream == ".csv":  # already spreadsheet-safe: rewritten as it is
            written = pd.read_csv(self.tmp, dtype=str, keep_default_na=False)
            written.reindex(columns=self.columns, fill_value="").to_csv(self.tmp, index=False)
        elif self.stream == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            self._parquet.close()
            written = pq.read_table(self.tmp).replace_schema_metadata(None)
            added = pd.DataFrame({c: rows[c] for c in extra})
            types = pa.Table.from_pandas(added, preserve_index=False).schema
            for column in types:
                written = written.append_column(column, pa.nulls(len(written), column.type))
            self._parquet = pq.ParquetWriter(self.tmp, written.schema)
            self._parquet.write_table(written)

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._parquet is None:
            # a column of the first rows without a value (no council read in the first letters,
            # or rows of an earlier table that had no such column) is text: typed as null, or as
            # the numbers pandas takes empty cells for, it could take no later text
            empty = {c for c in table.column_names if table.column(c).null_count == len(table)}
            fields = [f.with_type(pa.string()) if f.name in empty else f for f in table.schema]
            self._parquet = pq.ParquetWriter(self.tmp, pa.schema(fields))
        self._parquet.write_table(table.cast(self._parquet.schema))

    def finish(self, destination: Path) -> Path:
        """Complete the table as ``destination`` (a staged file the caller renames into place
        with the run's other outputs)."""
        if self.columns is None:  # nothing tagged: still a valid, empty table
            self.write(pd.DataFrame(columns=self.base_columns))
        self.flush()
        if self._parquet is not None:
            self._parquet.close()
        if self.format == ".xlsx":
            rows = pd.read_json(self.tmp, lines=True, dtype=False) if self.rows else None
            write_table(pd.DataFrame(rows, columns=self.columns), destination)
            self.tmp.unlink()
            return destination
        return move_into_place(self.tmp, destination)

    def abort(self) -> None:
        self._held, self._held_rows = [], 0
        if self._parquet is not None:
            self._parquet.close()
        self.tmp.unlink(missing_ok=True)


def _column(held: list[tuple[Mapping[str, np.ndarray], int]], name: str) -> np.ndarray:
    """One column of the held letters, empty (NaN) for those without it."""
    parts = [rows[name] if name in rows else np.full(count, np.nan) for rows, count in held]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
