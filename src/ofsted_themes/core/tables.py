"""Output tables (CSV, JSONL, Parquet): written atomically, read back with text kept as text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

from ofsted_themes.core.atomic import write_atomic

# A letter's metadata, as every output table and summary names it (reading/metadata finds it).
LETTER_COLUMNS = ["council", "visit_type", "visit_dates", "visit_date", "judgement"]
# Columns read back as text whatever they look like (a council called "1" stays a string).
TEXT_COLUMNS = ["document", *LETTER_COLUMNS, "text", "evidence"]
FORMATS = (".csv", ".jsonl", ".parquet")


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
        ".csv": (lambda f: frame.to_csv(f, index=False), "w"),
        ".jsonl": (lambda f: _write_jsonl(frame, f), "w"),
        ".parquet": (lambda f: frame.to_parquet(f, index=False), "wb"),
    }
    write, mode = writers[check_format(path)]
    return write_atomic(path, write, mode=mode)


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


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (for ``--resume``); text stays text."""
    path = Path(path)
    suffix = check_format(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".jsonl" and path.stat().st_size == 0:
        return pd.DataFrame()
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS})
    else:  # dtype=False: JSON already says what is a number; no guessing of dates.
        frame = pd.read_json(path, lines=True, dtype=False, precise_float=True)
    present = [c for c in TEXT_COLUMNS if c in frame.columns]
    frame[present] = frame[present].fillna("")
    return frame
