"""The per-letter summary: one row per letter with its metadata, sentence count, and per theme a
count, how many of those raise a concern (a tagger that says so) and a share of its sentences."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from ofsted_themes.core.tables import LETTER_COLUMNS


def summarise(tags: pd.DataFrame, metadata: pd.DataFrame, theme_ids: list[str]) -> pd.DataFrame:
    """One row per letter: its metadata, sentence count, and per theme a count, its concerns
    (where ``tags`` has a ``concern`` column) and a share.

    Letters come in metadata order (so a letter that yielded no sentences still gets a row),
    then any letter found only in ``tags``. A letter with no sentences has shares of 0.
    """
    with_concerns = "concern" in tags.columns
    if with_concerns:
        tags = tags.assign(**theme_concerns(tags, theme_ids))
    counted_columns = [*theme_ids, *(map(concerns_of, theme_ids) if with_concerns else [])]
    groups = tags.groupby("document", sort=False)
    counts = groups[counted_columns].sum() if theme_ids else pd.DataFrame(index=groups.size().index)
    counts.insert(0, "sentences", groups.size())
    counted = counts.to_dict("index")
    letters = metadata.drop_duplicates("document").to_dict("records")
    known = {letter["document"] for letter in letters}
    letters += [{"document": d} for d in counted if d not in known]
    tallies = [letter | counted.get(letter["document"], {}) for letter in letters]
    return summary_of(tallies, theme_ids, with_concerns)


def concerns_of(theme: str) -> str:
    """A tally's key, and the summary's column, of a theme's sentences raising a concern."""
    return f"{theme}_concerns"


def theme_concerns(rows, theme_ids: list[str]) -> dict[str, np.ndarray]:
    """Per theme (``concerns_of``), whether each of ``rows`` (a frame, or columns as arrays,
    with a ``concern`` column) is tagged with it and raises a concern."""
    raised = pd.to_numeric(pd.Series(rows["concern"]), errors="coerce").to_numpy() == 1
    return {concerns_of(t): (np.asarray(rows[t]) == 1) & raised for t in theme_ids}


def summary_of(
    tallies: list[dict], theme_ids: list[str], with_concerns: bool = False
) -> pd.DataFrame:
    """The summary of letters' tallies, in their order: each a letter's ``document``, its
    metadata (LETTER_COLUMNS), ``sentences`` and per theme its tagged sentences (absent: none)
    and, ``with_concerns``, those of them raising a concern (``concerns_of``), as a batch keeps
    them for the letters streaming past instead of their sentences. Built row by row: a run's
    summary is a few letters or a few thousand, where a frame's every column reindexed cost
    more than tagging a short letter."""
    columns = summary_columns(theme_ids, with_concerns)
    rows = []
    for tally in tallies:
        row = {"document": tally["document"]} | {c: tally.get(c) for c in LETTER_COLUMNS}
        row["year"] = visit_year(row["visit_date"])
        row["sentences"] = sentences = int(tally.get("sentences") or 0)
        for theme in theme_ids:
            count = int(tally.get(theme) or 0)
            row[f"{theme}_count"] = count
            if with_concerns:
                row[concerns_of(theme)] = int(tally.get(concerns_of(theme)) or 0)
            # to four places, as scores are; Python's round works on the exact value, half to
            # even, as Spark's ``bround`` does, so that both engines write the same shares
            row[f"{theme}_share"] = round(count / sentences, 4) if sentences else 0.0
        rows.append(row)
    kinds = {"sentences": int} | {f"{t}_count": int for t in theme_ids}
    kinds |= {concerns_of(t): int for t in theme_ids if with_concerns}
    kinds |= {f"{t}_share": float for t in theme_ids}
    return pd.DataFrame(rows, columns=columns).astype(kinds)  # so when there are no rows too


def summary_columns(theme_ids: list[str], with_concerns: bool = False) -> list[str]:
    """The summary's columns: the letter, its metadata with the year of its visit beside its
    date, its sentences, and per theme a count, its concerns (``with_concerns``) and a share."""
    metadata = [*LETTER_COLUMNS]
    metadata.insert(metadata.index("visit_date") + 1, "year")
    kinds = ("count", "concerns", "share") if with_concerns else ("count", "share")
    per_theme = [f"{t}_{kind}" for t in theme_ids for kind in kinds]
    return ["document", *metadata, "sentences", *per_theme]


YEAR = re.compile(r"(?:19|20)\d\d")


def with_year(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with the year of each visit beside its ``visit_date`` (an ISO date, or the
    year alone when only that is known): the column to roll letters up by."""
    years = summary["visit_date"].map(visit_year)
    summary = summary.drop(columns="year", errors="ignore")
    summary.insert(summary.columns.get_loc("visit_date") + 1, "year", years)
    return summary


def is_date_or_year(value: str) -> bool:
    """Whether ``value`` is an ISO date or a year: what the summary's visit_date holds."""
    if re.fullmatch(r"\d{4}", value):
        return True
    try:
        return date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def visit_year(date: object) -> str | None:
    """ "2019" of "2019-05-04" or "2019" (or 2019, as a table read back gives it); else None."""
    found = None if pd.isna(date) else YEAR.match(str(date))
    return found.group() if found else None
