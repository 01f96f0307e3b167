"""The per-letter summary: one row per letter with its metadata, sentence count, and per theme a
count and a share of its sentences."""

from __future__ import annotations

import re

import pandas as pd

from ofsted_themes.core.tables import LETTER_COLUMNS


def summarise(tags: pd.DataFrame, metadata: pd.DataFrame, theme_ids: list[str]) -> pd.DataFrame:
    """One row per letter: its metadata, sentence count, and per theme a count and share.

    Letters come in metadata order (so a letter that yielded no sentences still gets a row),
    then any letter found only in ``tags``. A letter with no sentences has shares of 0.
    """
    groups = tags.groupby("document", sort=False)
    counts = groups[theme_ids].sum() if theme_ids else pd.DataFrame(index=groups.size().index)
    counts.insert(0, "sentences", groups.size())
    return summarise_counts(counts.reset_index(), metadata, theme_ids)


def summarise_counts(
    counts: pd.DataFrame, metadata: pd.DataFrame, theme_ids: list[str]
) -> pd.DataFrame:
    """The summary from per-letter counts (``document, sentences, <theme>...``), so that a batch
    can tally letters as they stream past instead of keeping their sentences."""
    metadata = metadata.drop_duplicates("document").set_index("document")
    counts = counts.set_index("document")
    known = set(metadata.index)
    documents = list(metadata.index) + [d for d in counts.index if d not in known]
    out = with_year(metadata.reindex(index=documents, columns=LETTER_COLUMNS))
    out.index.name = "document"
    out["sentences"] = counts["sentences"].reindex(documents, fill_value=0).astype(int)
    for theme_id in theme_ids:
        count = counts[theme_id].reindex(documents, fill_value=0).astype(int)
        out[f"{theme_id}_count"] = count
        out[f"{theme_id}_share"] = _share(count, out["sentences"])
    return out.reset_index()


def _share(count: pd.Series, sentences: pd.Series) -> pd.Series:
    """count / sentences to four places (as scores are), 0.0 where a letter has no sentences
    (not NaN: it sorts and sums). Python's round works on the exact value, half to even, as
    Spark's ``bround`` does, so that both engines write the same shares."""
    shares = (count / sentences.where(sentences > 0)).fillna(0.0).astype(float)
    return shares.map(lambda share: round(share, 4))


YEAR = re.compile(r"(?:19|20)\d\d")


def with_year(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with the year of each visit beside its ``visit_date`` (an ISO date, or the
    year alone when only that is known): the column to roll letters up by."""
    years = summary["visit_date"].map(visit_year)
    summary = summary.drop(columns="year", errors="ignore")
    summary.insert(summary.columns.get_loc("visit_date") + 1, "year", years)
    return summary


def visit_year(date: object) -> str | None:
    """ "2019" of "2019-05-04" or "2019" (or 2019, as a table read back gives it); else None."""
    found = None if pd.isna(date) else YEAR.match(str(date))
    return found.group() if found else None
