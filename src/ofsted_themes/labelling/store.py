"""Growing the labelled set from the user's own letters.

Picks the sentences of a ``tag`` output the model is least sure about (score closest to the
theme's threshold), diversified so that no two picks are near-copies and no letter dominates;
reads and validates labels filled in a spreadsheet; drives a labelling session one sentence at a
time; and keeps every answer in one append-only table, ``data/labels/user.csv`` (columns
:data:`ofsted_themes.training.corpus.USER_KEY_COLUMNS`, then one 0/1 column per theme).

Appending writes a new full file (temporary file, then rename) holding the old rows unchanged
plus the new ones: a reader never sees half a file, and a crash loses at most the answer being
written. A sentence already labelled (same document and text) is never added twice.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ofsted_themes.core.atomic import write_atomic
from ofsted_themes.core.errors import ProblemsError
from ofsted_themes.training.corpus import USER_KEY_COLUMNS, user_label_problems

SIMILARITY = 0.8  # cosine of word 1-2-gram counts above which two sentences are near-copies
COMMAND_KEYS = {"a": "accept", "\n": "accept", "\r": "accept", "s": "skip", "u": "undo"}
QUIT_KEYS = {"q", "\x04"}  # q, Ctrl-D


class LabelError(ProblemsError):
    """Labels or inputs that cannot be used."""


# ---------------------------------------------------------------------------------------------
# Configuration and small helpers


@dataclass(frozen=True)
class Settings:
    """What labelling needs of the project's configuration (the ``seeds+user`` data config)."""

    theme_ids: list[str]
    labels: Path  # the user's labels
    seeds: Path  # the seed set (its sentences are never suggested)


def settings(overrides: Iterable[str] = ()) -> Settings:
    """The configured themes and label files, composed the way ``python -m train`` does."""
    from hydra import compose, initialize_config_dir

    from ofsted_themes.core.config import CONF_DIR, register_resolvers

    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("train", overrides=["data=seeds+user", *overrides])
    return Settings(
        [str(t) for t in cfg.themes], Path(cfg.data.user_labels), Path(cfg.data.sentences)
    )


def file_digest(path: Path | str) -> str:
    """A short sha256 digest of a file's bytes: which tag table or letter a label came from."""
    sha = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()[:16]


def normalise(text: str) -> str:
    """Text compared for "the same sentence": whitespace collapsed, case folded."""
    return " ".join(str(text).split()).casefold()


def label_id(document: str, text: str) -> str:
    """A stable id for a user-labelled sentence of a letter."""
    key = f"{document}\n{normalise(text)}".encode()
    return "user-" + hashlib.sha256(key).hexdigest()[:12]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _whole(value) -> str:
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


def empty_labels(theme_ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*USER_KEY_COLUMNS, *theme_ids], dtype=str)


def read_labels(path: Path | str, theme_ids: list[str]) -> pd.DataFrame:
    """The user's labels exactly as stored (every cell text), validated; empty if no file yet."""
    path = Path(path)
    if not path.exists():
        return empty_labels(theme_ids)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise LabelError([f"{path}: cannot read the labels as UTF-8 CSV ({exc})"]) from None
    problems = user_label_problems(frame, theme_ids, path)
    if problems:
        raise LabelError(problems)
    return frame


def labelled_texts(path: Path | str, theme_ids: list[str]) -> set[str]:
    return {normalise(t) for t in read_labels(path, theme_ids)["text"]}


def seed_texts(path: Path | str) -> set[str]:
    """The seed set's sentences (never suggested again); empty if the file is not there."""
    path = Path(path)
    if not path.is_file():
        return set()
    return {normalise(t) for t in pd.read_csv(path, dtype=str, keep_default_na=False)["text"]}


@dataclass
class Appended:
    added: int = 0
    already: int = 0  # rows whose sentence was labelled before (the earlier labels are kept)
    differing: int = 0  # of those, how many were given different labels this time
    ids: list[str] = field(default_factory=list)  # of the rows added


def _key(document: str, text: str) -> tuple[str, str]:
    return str(document), normalise(text)


def append_labels(path: Path | str, rows: pd.DataFrame, theme_ids: list[str]) -> Appended:
    """Add ``rows`` (the user-label columns, cells as text) to the labels file, atomically.

    The earlier rows are written back unchanged; a sentence already labelled is not added again.
    """
    path = Path(path)
    existing = read_labels(path, theme_ids)
    columns = [*USER_KEY_COLUMNS, *theme_ids]
    rows = rows[columns].astype(str)
    known = {
        _key(d, t): tuple(r)
        for d, t, r in zip(
            existing["document"],
            existing["text"],
            existing[theme_ids].itertuples(index=False),
            strict=True,
        )
    }
    outcome, keep = Appended(), []
    for i, row in rows.iterrows():
        key = _key(row["document"], row["text"])
        if key in known:
            outcome.already += 1
            outcome.differing += known[key] != tuple(row[theme_ids])
            continue
        known[key] = tuple(row[theme_ids])
        keep.append(i)
        outcome.ids.append(row["id"])
    outcome.added = len(keep)
    if keep:
        combined = pd.concat([existing[columns], rows.loc[keep]], ignore_index=True)
        write_atomic(path, lambda f: combined.to_csv(f, index=False))
    return outcome


def remove_labels(path: Path | str, ids: Iterable[str], theme_ids: list[str]) -> int:
    """Remove the rows with these ids (an answer undone), atomically; returns how many."""
    path = Path(path)
    existing = read_labels(path, theme_ids)
    drop = existing["id"].isin(set(ids))
    if drop.any():
        kept = existing[~drop]
        write_atomic(path, lambda f: kept.to_csv(f, index=False))
    return int(drop.sum())


def label_rows(
    candidates: pd.DataFrame,
    labels: np.ndarray,
    theme_ids: list[str],
    source_digest: str | Iterable[str],
    labelled_at: str | None = None,
) -> pd.DataFrame:
    """User-label rows (cells as text) for these sentences and their 0/1 labels."""
    digests = (
        [source_digest] * len(candidates) if isinstance(source_digest, str) else list(source_digest)
    )
    documents = candidates["document"].astype(str).tolist()
    texts = candidates["text"].astype(str).tolist()
    frame = pd.DataFrame(
        {
            "id": [label_id(d, t) for d, t in zip(documents, texts, strict=True)],
            "document": documents,
            "page": [_whole(v) for v in _column(candidates, "page")],
            "sentence_no": [_whole(v) for v in _column(candidates, "sentence_no")],
            "text": texts,
            "source_digest": digests,
            "labelled_at": labelled_at or now(),
        }
    )
    labels = np.asarray(labels, dtype=int).reshape(len(candidates), len(theme_ids))
    for j, theme in enumerate(theme_ids):
        frame[theme] = labels[:, j].astype(str)
    return frame


def _column(frame: pd.DataFrame, name: str) -> list:
    return frame[name].tolist() if name in frame.columns else [""] * len(frame)


# ---------------------------------------------------------------------------------------------
# Suggest: the most informative sentences first


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
    pool["_key"] = keys
    margin, theme = uncertainty(pool[[f"{t}_score" for t in theme_ids]].to_numpy(), limits)
    pool["uncertainty"] = margin.round(4)
    pool["unsure_about"] = [theme_ids[j] for j in theme]
    pool["_order"] = np.arange(len(pool))
    pool = pool.sort_values(["uncertainty", "_order"], kind="stable")
    pool = pool.drop_duplicates("_key").reset_index(drop=True)
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
    """The CSV to fill in: provenance, text, each theme's score and the model's tag, then an
    empty column per theme, then the digest of the tag table the sentences came from."""
    guess = model_tags(candidates, theme_ids, thresholds)
    out = pd.DataFrame(
        {
            "document": candidates["document"].astype(str),
            "page": [_whole(v) for v in _column(candidates, "page")],
            "sentence_no": [_whole(v) for v in _column(candidates, "sentence_no")],
            "text": candidates["text"].astype(str),
        }
    )
    for j, theme in enumerate(theme_ids):
        out[f"{theme}_score"] = candidates[f"{theme}_score"].to_numpy(dtype=float).round(4)
        out[f"{theme}_model"] = guess[:, j]
    for theme in theme_ids:
        out[theme] = ""
    out["source_digest"] = digest
    return out


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
    known = {_key(d, t) for d, t in zip(stored["document"], stored["text"], strict=True)}
    return sum(
        _key(d, t) not in known for d, t in zip(filled["document"], filled["text"], strict=True)
    )


# ---------------------------------------------------------------------------------------------
# Import: labels filled in a spreadsheet


@dataclass
class Imported:
    rows: pd.DataFrame  # user-label rows ready to append
    blank: int  # rows with no theme filled in (not labelled yet: skipped)
    repeated: int = 0  # rows repeating an earlier row of the file (same sentence and labels)


def import_columns(theme_ids: list[str]) -> list[str]:
    scores = [c for t in theme_ids for c in (f"{t}_score", f"{t}_model")]
    return ["document", "page", "sentence_no", "text", *scores, *theme_ids, "source_digest"]


def read_import(path: Path | str, theme_ids: list[str], labelled_at: str | None = None) -> Imported:
    """Validate a filled-in suggestion file; every problem is reported with its line and column.

    Each theme cell is 0, 1 or blank. A row with every theme blank is not labelled yet and is
    skipped; a row with some blank is refused. Rows keep their ``source_digest`` (the tag table
    they were suggested from), or get this file's digest.
    """
    path = Path(path)
    if not path.is_file():
        raise LabelError([f"{path}: file not found"])
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise LabelError([f"{path}: cannot read as a UTF-8 CSV ({exc})"]) from None
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
    labels = frame[theme_ids]
    blank = (labels == "").all(axis=1)
    for i in frame.index[~blank]:
        where = f"{path}, line {i + 2}"
        for t in theme_ids:
            value = labels.at[i, t]
            if value == "":
                problems.append(
                    f"{where}, column '{t}': blank while other themes are filled in: give "
                    "every theme 0 or 1 (or leave the whole row blank to skip it)"
                )
            elif value not in ("0", "1"):
                problems.append(f"{where}, column '{t}': '{value}' is not 0, 1 or blank")
        for column in ("document", "text"):
            if frame.at[i, column] == "":
                problems.append(f"{where}, column '{column}': empty")
        for column in ("page", "sentence_no"):
            value = frame.at[i, column] if column in frame.columns else ""
            if value and not re.fullmatch(r"[0-9]+(\.0*)?", value):
                problems.append(f"{where}, column '{column}': '{value}' is not a whole number")
    rows = frame[~blank]
    keys = [_key(d, t) for d, t in zip(rows["document"], rows["text"], strict=True)]
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
    out = label_rows(rows, rows[theme_ids].to_numpy(dtype=int), theme_ids, digests, labelled_at)
    return Imported(out, int(blank.sum()), int(repeated.sum()))


# ---------------------------------------------------------------------------------------------
# Review: label one sentence at a time


def review_keys(theme_ids: list[str]) -> dict[str, tuple[str, int | None]]:
    """Key -> (action, theme index). Themes toggle with 1-9 and, where it is free, their first
    letter; Enter or a accepts, s skips, u undoes, q quits."""
    keys: dict[str, tuple[str, int | None]] = {k: (a, None) for k, a in COMMAND_KEYS.items()}
    keys |= {k: ("quit", None) for k in QUIT_KEYS}
    for j, _ in enumerate(theme_ids[:9]):
        keys[str(j + 1)] = ("toggle", j)
    for j, theme in enumerate(theme_ids):
        letter = theme[:1].lower()
        if letter and letter not in keys:
            keys[letter] = ("toggle", j)
    return keys


@dataclass
class Answer:
    position: int
    labels: tuple[int, ...]
    saved_id: str | None  # None: skipped, or the sentence was already labelled elsewhere


class Review:
    """A labelling session over ``candidates``: each answer is saved the moment it is given."""

    def __init__(
        self,
        candidates: pd.DataFrame,
        theme_ids: list[str],
        thresholds: dict[str, float],
        labels_path: Path | str,
        source_digest: str,
        clock: Callable[[], str] = now,
    ):
        self.candidates = candidates.reset_index(drop=True)
        self.theme_ids = list(theme_ids)
        self.guesses = model_tags(self.candidates, self.theme_ids, thresholds)
        self.thresholds = thresholds
        self.labels_path = Path(labels_path)
        self.source_digest = source_digest
        self.clock = clock
        self.history: list[Answer] = []
        self.position = 0
        self.current = self._guess(0)

    def _guess(self, position: int) -> list[int]:
        if position >= len(self.candidates):
            return [0] * len(self.theme_ids)
        return [int(v) for v in self.guesses[position]]

    @property
    def total(self) -> int:
        return len(self.candidates)

    @property
    def done(self) -> bool:
        return self.position >= self.total

    @property
    def saved(self) -> int:
        return sum(a.saved_id is not None for a in self.history)

    @property
    def skipped(self) -> int:
        return sum(a.saved_id is None for a in self.history)

    def sentence(self) -> pd.Series:
        return self.candidates.iloc[self.position]

    def toggle(self, theme: int) -> None:
        if not self.done and 0 <= theme < len(self.current):
            self.current[theme] = 1 - self.current[theme]

    def accept(self) -> bool:
        """Save the current labels; False if the sentence was already labelled (kept as was)."""
        if self.done:
            return False
        row = label_rows(
            self.candidates.iloc[[self.position]],
            np.array([self.current]),
            self.theme_ids,
            self.source_digest,
            self.clock(),
        )
        outcome = append_labels(self.labels_path, row, self.theme_ids)
        saved = outcome.ids[0] if outcome.ids else None
        self._advance(Answer(self.position, tuple(self.current), saved))
        return saved is not None

    def skip(self) -> None:
        if not self.done:
            self._advance(Answer(self.position, tuple(self.current), None))

    def _advance(self, answer: Answer) -> None:
        self.history.append(answer)
        self.position += 1
        self.current = self._guess(self.position)

    def undo(self) -> Answer | None:
        """Go back to the last answered sentence, removing its saved labels (if any); its
        answer becomes the current labels, to change or give again."""
        if not self.history:
            return None
        answer = self.history.pop()
        if answer.saved_id is not None:
            remove_labels(self.labels_path, [answer.saved_id], self.theme_ids)
        self.position = answer.position
        self.current = list(answer.labels)
        return answer
