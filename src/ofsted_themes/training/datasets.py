"""The training set a data config names (``conf/data/``): any of the seed articles, the sentences
of published inspections (``data/letters/``) and the user's own labels, in one frame.

Each row carries its cross-validation ``group`` (a seed article, an inspection, a user's letter:
one document never straddles two folds), its ``source`` (seeds, letters, user) and its ``voice``
(inspector, reported, or unknown for the user's labels), so that quality can be reported for
each."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ofsted_themes.core.digests import file_digest
from ofsted_themes.training.corpus import (
    DataPaths,
    LabelledSetError,
    load_labelled,
    read_user_labels,
)
from ofsted_themes.training.inspections import read_inspection_sentences

# ``direction``: the annotators' concern, strength, mixed or neutral of a themed sentence of the
# letters (blank elsewhere), which the concern model learns from
COLUMNS = ["id", "article", "start", "end", "text", "group", "source", "voice", "direction"]
SEED_VOICE = "reported"  # the seed articles are news reports of an inspection


def load_training_set(data, themes: list[str]) -> pd.DataFrame:
    """The labelled sentences of every source ``data`` names, ids unique across sources."""
    parts = [part for load in (_seeds, _letters, _user) if (part := load(data, themes)) is not None]
    if not parts:
        raise LabelledSetError(["the data config names no labelled sentences"])
    frame = pd.concat(parts, ignore_index=True)
    repeated = frame.loc[frame["id"].duplicated(), "id"].unique()
    if len(repeated):
        raise LabelledSetError([f"id '{i}' is used by two sources" for i in repeated])
    kinds = {"start": "Int64", "end": "Int64"} if frame["start"].isna().any() else {}
    return frame.astype(kinds | dict.fromkeys(themes, int))


def _seeds(data, themes: list[str]) -> pd.DataFrame | None:
    if not data.get("sentences"):
        return None
    seeds = load_labelled(DataPaths.from_config(data), themes)
    seeds = seeds.assign(group=seeds["article"], source="seeds", voice=SEED_VOICE, direction=None)
    return seeds[COLUMNS + themes]


def _letters(data, themes: list[str]) -> pd.DataFrame | None:
    if not data.get("letters"):
        return None
    letters = read_inspection_sentences(data["letters"], themes)
    rows = {
        "id": letters["id"],
        "article": letters["inspection"],
        "start": pd.NA,
        "end": pd.NA,
        "text": letters["text"],
        "group": letters["inspection"],
        "source": "letters",
        "voice": letters["voice"],
        "direction": letters.get("direction"),
    }
    return pd.DataFrame(rows | {t: letters[t] for t in themes})


def _user(data, themes: list[str]) -> pd.DataFrame | None:
    if not data.get("user_labels"):
        return None
    user = read_user_labels(Path(data["user_labels"]), themes)
    rows = {
        "id": user["id"],
        "article": user["document"],
        "start": pd.NA,
        "end": pd.NA,
        "text": user["text"],
        "group": user["document"],
        "source": "user",
        "voice": "unknown",
        "direction": user["direction"].mask(user["direction"] == "", None),  # blank: not given
    }
    return pd.DataFrame(rows | {t: user[t] for t in themes})


def data_sources(data) -> list[Path]:
    """The labelled files a data config reads (for provenance: MLflow's dataset source)."""
    keys = ("sentences", "letters", "user_labels")
    return [Path(data[key]) for key in keys if data.get(key)]


def source_digests(data) -> list[str]:
    """Each labelled file a data config reads with the digest of its bytes (``path@digest``), so
    that a run names exactly the data it saw."""
    return [f"{path.as_posix()}@{file_digest(path, 12)}" for path in data_sources(data)]
