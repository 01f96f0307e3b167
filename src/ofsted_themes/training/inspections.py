"""The labelled sentences of published inspections (``data/letters/``): one row per sentence with
its provenance (page address, council, year, kind of visit, voice) and its hand labels, checked
before use. The held-out test split lives beside the training split and is read only to
measure the finished tagger."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from ofsted_themes.training.corpus import (
    DIRECTION,
    LabelledSetError,
    check_columns,
    direction_problem,
    read_csv_table,
    row_name,
)

PROVENANCE = ["id", "inspection", "council", "year", "kind", "voice", "url", "text"]
KINDS = {"inspection", "focused visit", "monitoring visit", "jtai"}
VOICES = {"inspector", "reported"}


def read_inspection_sentences(path: Path | str, themes: list[str]) -> pd.DataFrame:
    """The sentences of ``path``, validated; labels as int, every other column as text."""
    path = Path(path)
    frame = read_csv_table(path, "inspection sentences")
    problems = check_columns(
        frame,
        themes,
        path,
        keys=[*PROVENANCE, DIRECTION],
        unknown="is not a configured theme or a provenance column",
    )
    if not problems:
        problems = _row_problems(frame, themes, path)
    if problems:
        raise LabelledSetError(problems)
    return frame.astype(dict.fromkeys(themes, int))


def _row_problems(frame: pd.DataFrame, themes: list[str], path: Path) -> list[str]:
    problems = [
        f"{path}: id '{ident}' is used more than once: give each row its own id"
        for ident in frame.loc[frame["id"].duplicated(), "id"].unique()
    ]
    for i in frame.index:
        problems += _problems_of_row(frame.loc[i], themes, row_name(path, i, frame))
    return problems


def _problems_of_row(row: pd.Series, themes: list[str], where: str) -> list[str]:
    problems = [f"{where}: '{c}' is empty" for c in PROVENANCE if not row[c].strip()]
    for column, allowed in (("kind", KINDS), ("voice", VOICES)):
        if row[column] not in allowed:
            choices = ", ".join(sorted(allowed))
            problems.append(f"{where}: {column} '{row[column]}' is not one of {choices}")
    labels = [row[t] for t in themes]
    problems += [
        f"{where}: label '{t}' is '{row[t]}'; it must be 0 or 1"
        for t in themes
        if row[t] not in ("0", "1")
    ]
    if wrong := direction_problem(where, "1" in labels, row[DIRECTION], required=True):
        problems.append(wrong)
    return problems


def council_key(council: str) -> str:
    """A council's name reduced to its letters, so that spellings of one council agree."""
    return re.sub(r"[^a-z]", "", council.lower())


def in_test_split(council: str) -> bool:
    """Whether a council's inspections belong to the held-out test split: a quarter of the
    councils, fixed by name (the first byte of its SHA-256 below 64) before any modelling, so
    that every inspection of a council, and each new sentence of it, falls on one side."""
    return hashlib.sha256(council_key(council).encode()).digest()[0] < 64
