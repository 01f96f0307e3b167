"""The user's labels: one append-only table, ``data/labels/user.csv`` (columns
:data:`ofsted_themes.training.corpus.USER_KEY_COLUMNS`, then one 0/1 column per theme, then a
themed sentence's ``direction``, blank where not given), and what labelling needs of the
project's configuration.

Appending writes a new full file (temporary file, then rename) holding the old rows unchanged
plus the new ones: a reader never sees half a file, and a crash loses at most the answer being
written. A sentence already labelled (same document and text) is never added twice.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ofsted_themes.core.atomic import write_atomic
from ofsted_themes.core.errors import ProblemsError
from ofsted_themes.core.locks import exclusive
from ofsted_themes.core.tables import spreadsheet_safe, unquote_formulas
from ofsted_themes.training.corpus import DIRECTION, USER_KEY_COLUMNS, user_label_problems

STORE_WAIT = 60.0  # seconds another labelling command may hold the store before we give up


# Training on the user's labels: on top of the default data (the seeds and the real letters), so
# that a user's labels add to what the default tagger learns from rather than replace it.
TRAIN_ON_LABELS = "python -m train data=seeds+letters+user"


def train_command(labels: Path, configured: Path) -> str:
    """The command that trains on ``labels``: naming the file when it is not the configured
    one (``--labels``), which the command would otherwise not read."""
    if Path(labels).resolve() == Path(configured).resolve():
        return TRAIN_ON_LABELS
    return f"{TRAIN_ON_LABELS} user_labels={labels}"


class LabelError(ProblemsError):
    """Labels or inputs that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """What labelling needs of the project's configuration (``user_labels`` and the default
    data's files, composed as ``python -m train data=seeds+letters+user`` composes them)."""

    theme_ids: list[str]
    labels: Path  # the user's labels
    labelled: list[Path]  # the default data's sets: their sentences are never suggested


def settings(overrides: Iterable[str] = ()) -> Settings:
    """The configured themes and label files, composed the way ``python -m train`` does."""
    from hydra import compose, initialize_config_dir

    from ofsted_themes.core.config import CONF_DIR, register_resolvers

    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("train", overrides=["data=seeds+letters+user", *overrides])
    sets = [cfg.data.get(key) for key in ("sentences", "letters")]
    return Settings(
        [str(t) for t in cfg.themes], Path(cfg.data.user_labels), [Path(s) for s in sets if s]
    )


def normalise(text: str) -> str:
    """Text compared for "the same sentence": whitespace collapsed, case folded."""
    return " ".join(str(text).split()).casefold()


def label_id(document: str, text: str) -> str:
    """A stable id for a user-labelled sentence of a letter."""
    key = f"{document}\n{normalise(text)}".encode()
    return "user-" + hashlib.sha256(key).hexdigest()[:12]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def whole_number_text(value) -> str:
    """A page or sentence number as text ("3", not "3.0"); blank when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = str(value).strip()
    if re.fullmatch(r"[0-9]+\.0*", text):
        text = text.split(".")[0]
    return text


def check_model_themes(model_themes: list[str], theme_ids: list[str]) -> None:
    if list(model_themes) != list(theme_ids):
        raise LabelError(
            [
                f"the model's themes ({', '.join(model_themes)}) are not the configured themes "
                f"({', '.join(theme_ids)}): retrain it with `python -m train`"
            ]
        )


# ---------------------------------------------------------------------------------------------
# The user's labels: read, append, remove


def label_columns(theme_ids: list[str]) -> list[str]:
    return [*USER_KEY_COLUMNS, *theme_ids, DIRECTION]


def empty_labels(theme_ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=label_columns(theme_ids), dtype=str)


def read_labels(path: Path | str, theme_ids: list[str]) -> pd.DataFrame:
    """The user's labels exactly as stored (every cell text), validated; empty if no file yet."""
    path = Path(path)
    if not path.exists():
        return empty_labels(theme_ids)
    try:
        frame = unquote_formulas(
            pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise LabelError([f"{path}: cannot read the labels as UTF-8 CSV ({exc})"]) from None
    problems = user_label_problems(frame, theme_ids, path)
    if problems:
        raise LabelError(problems)
    if DIRECTION not in frame.columns:  # labels stored before directions were asked for
        frame[DIRECTION] = ""
    return frame


def labelled_texts(path: Path | str, theme_ids: list[str]) -> set[str]:
    return {normalise(t) for t in read_labels(path, theme_ids)["text"]}


def set_texts(path: Path | str | None) -> set[str]:
    """The sentences of a labelled set (the seeds, the real letters), never suggested again:
    a user tagging published letters would otherwise label sentences the default data holds.
    Empty if there is no such file."""
    if path is None:
        return set()
    path = Path(path)
    if not path.is_file():
        return set()
    return {normalise(t) for t in pd.read_csv(path, dtype=str, keep_default_na=False)["text"]}


@dataclass
class Appended:
    added: int = 0
    already: int = 0  # rows whose sentence was labelled before (the earlier labels are kept)
    differing: int = 0  # of those, how many were given different labels this time
    directed: int = 0  # of those, how many gained the direction their earlier row lacked
    ids: list[str] = field(default_factory=list)  # of the rows added


def row_key(document: str, text: str) -> tuple[str, str]:
    return str(document), normalise(text)


def append_labels(path: Path | str, rows: pd.DataFrame, theme_ids: list[str]) -> Appended:
    """Add ``rows`` (the user-label columns, cells as text) to the labels file, atomically.

    The earlier rows are written back unchanged; a sentence already labelled is not added again.
    The store is read and written under its lock, so concurrent writers take turns.
    """
    with exclusive(path, STORE_WAIT, "labelling command"):
        return _append(Path(path), rows, theme_ids)


def _append(path: Path, rows: pd.DataFrame, theme_ids: list[str]) -> Appended:
    existing = read_labels(path, theme_ids)
    columns = label_columns(theme_ids)
    rows = rows.reindex(columns=columns, fill_value="").astype(str)
    pairs = zip(existing["document"], existing["text"], strict=True)
    known = {row_key(d, t): i for i, (d, t) in enumerate(pairs)}
    labels = [*theme_ids, DIRECTION]
    outcome, keep = Appended(), []
    for i, row in rows.iterrows():
        key = row_key(row["document"], row["text"])
        if key not in known:
            known[key] = -1  # a sentence twice in ``rows``: its first row is taken
            keep.append(i)
            outcome.ids.append(row["id"])
            continue
        outcome.already += 1
        at = known[key]
        if at < 0:
            continue
        earlier = existing.iloc[at]
        if gains_direction(earlier, row, theme_ids):  # labels made before directions were asked
            existing.iat[at, existing.columns.get_loc(DIRECTION)] = row[DIRECTION]
            outcome.directed += 1
        elif tuple(earlier[labels]) != tuple(row[labels]):
            outcome.differing += 1
    outcome.added = len(keep)
    if keep or outcome.directed:
        combined = pd.concat([existing[columns], rows.loc[keep]], ignore_index=True)
        write_atomic(path, lambda f: spreadsheet_safe(combined).to_csv(f, index=False))
    return outcome


def gains_direction(earlier: pd.Series, row: pd.Series, theme_ids: list[str]) -> bool:
    """Whether ``row`` gives the direction a stored label of the same themes lacks."""
    same = tuple(earlier[theme_ids]) == tuple(row[theme_ids])
    return same and not earlier[DIRECTION] and bool(row[DIRECTION])


def remove_labels(path: Path | str, ids: Iterable[str], theme_ids: list[str]) -> int:
    """Remove the rows with these ids (an answer undone), atomically; returns how many."""
    with exclusive(path, STORE_WAIT, "labelling command"):
        return _remove(Path(path), ids, theme_ids)


def _remove(path: Path, ids: Iterable[str], theme_ids: list[str]) -> int:
    existing = read_labels(path, theme_ids)
    drop = existing["id"].isin(set(ids))
    if drop.any():
        kept = existing[~drop]
        write_atomic(path, lambda f: spreadsheet_safe(kept).to_csv(f, index=False))
    return int(drop.sum())


def label_rows(
    candidates: pd.DataFrame,
    labels: np.ndarray,
    theme_ids: list[str],
    source_digest: str | Iterable[str],
    labelled_at: str | None = None,
    directions: Iterable[str] | None = None,
) -> pd.DataFrame:
    """User-label rows (cells as text) for these sentences, their 0/1 labels and their
    directions (blank: not given)."""
    digests = (
        [source_digest] * len(candidates) if isinstance(source_digest, str) else list(source_digest)
    )
    documents = candidates["document"].astype(str).tolist()
    texts = candidates["text"].astype(str).tolist()
    frame = pd.DataFrame(
        {
            "id": [label_id(d, t) for d, t in zip(documents, texts, strict=True)],
            "document": documents,
            "page": [whole_number_text(v) for v in column_values(candidates, "page")],
            "sentence_no": [whole_number_text(v) for v in column_values(candidates, "sentence_no")],
            "text": texts,
            "source_digest": digests,
            "labelled_at": labelled_at or now(),
        }
    )
    labels = np.asarray(labels, dtype=int).reshape(len(candidates), len(theme_ids))
    for j, theme in enumerate(theme_ids):
        frame[theme] = labels[:, j].astype(str)
    frame[DIRECTION] = [""] * len(frame) if directions is None else list(directions)
    return frame


def column_values(frame: pd.DataFrame, name: str) -> list:
    return frame[name].tolist() if name in frame.columns else [""] * len(frame)
