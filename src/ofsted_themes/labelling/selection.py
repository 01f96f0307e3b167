"""Choosing what to label: the sentences of a ``tag`` output the model is least sure about (score
closest to the theme's threshold), diversified so that no two picks are near-copies and no letter
dominates, written as a table to fill in."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ofsted_themes.labelling.store import (
    LabelError,
    column_values,
    normalise,
    read_labels,
    row_key,
    whole_number_text,
)
from ofsted_themes.training.corpus import DIRECTION

SIMILARITY = 0.8  # cosine of word 1-2-gram counts above which two sentences are near-copies


def read_tag_table(path: Path | str, theme_ids: list[str]) -> pd.DataFrame:
    """A sentence table written by ``python -m tag`` (.csv, .jsonl or .parquet)."""
    from ofsted_themes.core.tables import read_table

    path = Path(path)
    if not path.is_file():
        raise LabelError([f"{path}: tag table not found: make one with `python -m tag LETTERS`"])
    try:
        table = read_table(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise LabelError([f"{path}: cannot read the tag table ({exc})"]) from None
    needed = ["document", "text", *(f"{t}_score" for t in theme_ids)]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise LabelError(
            [
                f"{path}: not a tag table of these themes: no column {', '.join(missing)} "
                "(make it with `python -m tag`)"
            ]
        )
    scores = table[[f"{t}_score" for t in theme_ids]].apply(pd.to_numeric, errors="coerce")
    bad = scores.isna().any(axis=1)
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise LabelError([f"{path}, line {line}: a theme score is missing or not a number"])
    table[scores.columns] = scores
    table["document"] = table["document"].astype(str)
    table["text"] = table["text"].fillna("").astype(str)
    return table.reset_index(drop=True)


def uncertainty(scores: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per sentence: the distance of its most uncertain theme's score from that theme's
    threshold (smaller is less sure), and which theme that is."""
    margins = np.abs(np.asarray(scores, dtype=float) - np.asarray(thresholds, dtype=float))
    return margins.min(axis=1), margins.argmin(axis=1)


def per_letter_cap(n: int, letters: int) -> int:
    """At most this many picks from one letter: twice a fair share."""
    return math.ceil(n / max(letters, 1)) * 2


def sentence_vectors(texts: list[str]):
    """Unit-length word 1-2-gram count vectors (log-scaled), for near-copy detection.

    No idf: it would give the one word two near-copies do not share (the council's name, say)
    most of the weight. None when no text has a word of two letters.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, use_idf=False)
        return vectorizer.fit_transform(texts)
    except ValueError:  # an empty vocabulary
        return None


def select(
    table: pd.DataFrame,
    theme_ids: list[str],
    thresholds: dict[str, float],
    n: int,
    exclude: set[str] | frozenset[str] = frozenset(),
    similarity: float = SIMILARITY,
    cap: int | None = None,
) -> pd.DataFrame:
    """The ``n`` sentences the model is least sure about, diversified.

    Sentences are ranked by their most uncertain theme (score closest to its threshold) and
    taken greedily, skipping one too similar (cosine of :func:`sentence_vectors` above
    ``similarity``) to one already taken, and any beyond ``cap`` picks from one letter
    (default: twice a fair share). Sentences whose text is in ``exclude`` (normalised: already
    labelled) are never taken. The result, in pick order, adds ``uncertainty`` (distance to the
    threshold) and ``unsure_about`` (theme).
    """
    limits = np.array([thresholds[t] for t in theme_ids], dtype=float)
    keys = table["text"].map(normalise)
    pool = table[(keys != "") & ~keys.isin(exclude)].copy()
    pool["row_key"] = keys
    margin, theme = uncertainty(pool[[f"{t}_score" for t in theme_ids]].to_numpy(), limits)
    pool["uncertainty"] = margin.round(4)
    pool["unsure_about"] = [theme_ids[j] for j in theme]
    pool["_order"] = np.arange(len(pool))
    pool = pool.sort_values(["uncertainty", "_order"], kind="stable")
    pool = pool.drop_duplicates("row_key").reset_index(drop=True)
    chosen_columns = [c for c in pool.columns if not c.startswith("_")]
    if n <= 0 or pool.empty:
        return pool.iloc[:0][chosen_columns]
    cap = cap or per_letter_cap(n, pool["document"].nunique())
    vectors = sentence_vectors(pool["text"].tolist())
    taken: list[int] = []
    per_letter: dict[str, int] = {}
    for i, document in enumerate(pool["document"]):
        if per_letter.get(document, 0) >= cap:
            continue
        if (
            taken
            and vectors is not None
            and (vectors[taken] @ vectors[i].T).toarray().max() > similarity
        ):
            continue
        taken.append(i)
        per_letter[document] = per_letter.get(document, 0) + 1
        if len(taken) == n:
            break
    return pool.iloc[taken][chosen_columns].reset_index(drop=True)


def model_tags(candidates: pd.DataFrame, theme_ids: list[str], thresholds: dict[str, float]):
    """The model's 0/1 guess for each candidate and theme (score at or above the threshold)."""
    scores = candidates[[f"{t}_score" for t in theme_ids]].to_numpy(dtype=float)
    return (scores >= np.array([thresholds[t] for t in theme_ids])).astype(int)


def suggestion_table(
    candidates: pd.DataFrame, theme_ids: list[str], thresholds: dict[str, float], digest: str
) -> pd.DataFrame:
    """The CSV to fill in: provenance, text, each theme's score and the model's tag (and its
    concern's, where the table has them), then an empty column per theme and one for a themed
    sentence's direction, then the digest of the tag table the sentences came from."""
    guess = model_tags(candidates, theme_ids, thresholds)
    out = pd.DataFrame(
        {
            "document": candidates["document"].astype(str),
            "page": [whole_number_text(v) for v in column_values(candidates, "page")],
            "sentence_no": [whole_number_text(v) for v in column_values(candidates, "sentence_no")],
            "text": candidates["text"].astype(str),
        }
    )
    for j, theme in enumerate(theme_ids):
        out[f"{theme}_score"] = candidates[f"{theme}_score"].to_numpy(dtype=float).round(4)
        out[f"{theme}_model"] = guess[:, j]
    if "concern_score" in candidates.columns:
        out["concern_score"] = pd.to_numeric(candidates["concern_score"]).to_numpy().round(4)
        out["concern_model"] = column_values(candidates, "concern")
    for theme in theme_ids:
        out[theme] = ""
    out[DIRECTION] = ""
    out["source_digest"] = digest
    return out


def is_suggestion_file(path: Path | str) -> bool:
    """Whether ``path`` is a file ``suggest`` wrote (its header ends with ``source_digest``),
    which a new suggestion may replace; anything else at --out is the user's."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            header = f.readline(100_000)
    except OSError:
        return False
    return header.rstrip("\r\n").split(",")[-1:] == ["source_digest"] and "text" in header


def unimported(path: Path | str, theme_ids: list[str], labels: Path | str) -> int:
    """How many rows of an existing suggestion file have labels filled in that are not in the
    labels file yet (work that overwriting the file would lose); 0 if it is unreadable."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError):
        return 0
    present = [t for t in theme_ids if t in frame.columns]
    if not present or not {"document", "text"} <= set(frame.columns):
        return 0
    filled = frame[(frame[present].apply(lambda c: c.str.strip()) != "").any(axis=1)]
    stored = read_labels(labels, theme_ids)
    known = {row_key(d, t) for d, t in zip(stored["document"], stored["text"], strict=True)}
    return sum(
        row_key(d, t) not in known for d, t in zip(filled["document"], filled["text"], strict=True)
    )
