"""The seed set (sentences of the raw articles: prepared, loaded, validated) and the user's own
labelled sentences (``data/labels/user.csv``), with the checks every labelled table shares."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ofsted_themes.core.errors import ProblemsError, looked_in
from ofsted_themes.core.tables import unquote_formulas
from ofsted_themes.reading.sentences import article_sentences

KEY_COLUMNS = ["id", "article", "start", "end", "text"]
EXCLUDED_COLUMNS = ["article", "start", "end", "text", "reason"]
# The user's labels: provenance, then one 0/1 column per configured theme.
USER_KEY_COLUMNS = [
    "id",
    "document",
    "page",
    "sentence_no",
    "text",
    "source_digest",
    "labelled_at",
]
# A themed sentence's direction (the guideline's last section), so that concerns are counted
# apart from strengths: required of the real letters, optional in the user's labels.
DIRECTION = "direction"
DIRECTIONS = ("concern", "strength", "mixed", "neutral")


def direction_problem(where: str, themed: bool, direction: str, required: bool) -> str | None:
    """What is wrong with a sentence's ``direction`` (blank: none given), if anything."""
    if themed and direction not in DIRECTIONS and (direction or required):
        kinds = ", ".join(sorted(DIRECTIONS))
        if required:
            return (
                f"{where}: a sentence with a theme needs a direction ({kinds}), not '{direction}'"
            )
        return f"{where}: a direction is one of {kinds}, or blank; not '{direction}'"
    if not themed and direction:
        return f"{where}: a sentence with no theme has no direction (leave it blank)"
    return None


class LabelledSetError(ProblemsError):
    """The labelled set does not match the articles or the configured themes."""


@dataclass(frozen=True)
class DataPaths:
    raw_dir: Path
    sentences: Path
    excluded: Path
    prepared: Path

    @classmethod
    def from_config(cls, data) -> DataPaths:
        return cls(*(Path(data[k]) for k in ("raw_dir", "sentences", "excluded", "prepared")))


def read_articles(raw_dir: Path) -> dict[str, str]:
    """Raw article texts by article id (the file stem)."""
    files = sorted(Path(raw_dir).glob("*.txt"))
    if not files:
        raise LabelledSetError(
            [
                f"{raw_dir}: no articles (*.txt) found{looked_in(raw_dir)}; "
                "copy the seed articles here"
            ]
        )
    return {f.stem: f.read_text(encoding="utf-8") for f in files}


def prepare_sentences(articles: dict[str, str]) -> pd.DataFrame:
    """Every prose sentence of every article, with ids stable across runs."""
    rows = [
        {
            "id": f"{article}-{n:03d}",
            "article": article,
            "start": s.start,
            "end": s.end,
            "text": s.text,
        }
        for article, raw in articles.items()
        for n, s in enumerate(article_sentences(raw), start=1)
    ]
    return pd.DataFrame(rows, columns=KEY_COLUMNS)


def read_csv_table(path: Path, what: str) -> pd.DataFrame:
    if not Path(path).is_file():
        raise LabelledSetError([f"{path}: {what} not found"])
    try:
        return unquote_formulas(
            pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise LabelledSetError([f"{path}: cannot read {what} as UTF-8 CSV ({exc})"]) from None


def row_name(path: Path, index: int, frame: pd.DataFrame) -> str:
    ident = frame.at[index, "id"] if "id" in frame.columns else ""
    return f"{path}, line {index + 2}" + (f" (id {ident})" if ident else "")


def check_columns(
    frame: pd.DataFrame,
    themes: list[str],
    path: Path,
    keys: list[str] = KEY_COLUMNS,
    missing_theme: str = "add a 0/1 column '{theme}'",
    unknown: str = "is not a configured theme: add conf/themes/{column}.yaml or drop it",
) -> list[str]:
    """Problems with a labelled table's columns: ``keys`` and one per theme, nothing else."""
    problems = [f"{path}: missing column '{c}'" for c in keys if c not in frame.columns]
    problems += [
        f"{path}: no label column for theme '{t}': {missing_theme.format(theme=t)}"
        for t in themes
        if t not in frame.columns
    ]
    problems += [
        f"{path}: column '{c}' {unknown.format(column=c)}"
        for c in frame.columns
        if c not in keys and c not in themes
    ]
    return problems


def _check_rows(
    frame: pd.DataFrame, themes: list[str], articles: dict[str, str], path: Path
) -> list[str]:
    problems = []
    for ident in frame.loc[frame["id"].duplicated(), "id"].unique():
        problems.append(f"{path}: id '{ident}' is used more than once: give each row its own id")
    for i in frame.index:
        where = row_name(path, i, frame)
        for t in themes:
            if frame.at[i, t] not in ("0", "1"):
                problems.append(f"{where}: label '{t}' is '{frame.at[i, t]}'; it must be 0 or 1")
        problems += _check_offsets(frame, i, articles, where)
    return problems


def _check_offsets(frame: pd.DataFrame, i: int, articles: dict[str, str], where: str) -> list[str]:
    article, start, end = frame.at[i, "article"], frame.at[i, "start"], frame.at[i, "end"]
    if article not in articles:
        return [f"{where}: article '{article}' has no file in the raw folder"]
    if not (re.fullmatch(r"[0-9]+", start) and re.fullmatch(r"[0-9]+", end)):
        return [f"{where}: start and end must be whole numbers, got '{start}', '{end}'"]
    actual = articles[article][int(start) : int(end)]
    if actual != frame.at[i, "text"]:
        return [
            f"{where}: text differs from the article at {start}:{end} "
            f"(article has {actual[:60]!r}); fix the offsets or the text"
        ]
    return []


def _check_coverage(
    labelled: pd.DataFrame, excluded: pd.DataFrame, prepared: pd.DataFrame, path: Path
) -> list[str]:
    def keys(f: pd.DataFrame) -> set[tuple]:
        return set(zip(f["article"], f["start"].astype(str), f["end"].astype(str), strict=True))

    covered = keys(labelled) | keys(excluded[excluded["reason"].str.strip() != ""])
    return [
        f"{path}: sentence {row.id} ({row.text[:60]!r}) is neither labelled nor excluded: "
        f"label it, or list it in the excluded file with a reason"
        for row in prepared.itertuples()
        if (row.article, str(row.start), str(row.end)) not in covered
    ]


def validate(
    labelled: pd.DataFrame,
    excluded: pd.DataFrame,
    prepared: pd.DataFrame,
    articles: dict[str, str],
    themes: list[str],
    path: Path = Path("sentences.csv"),
    excluded_path: Path = Path("excluded.csv"),
) -> None:
    """Raise LabelledSetError listing every problem of the labelled set, if any."""
    problems = check_columns(labelled, themes, path)
    missing = [c for c in EXCLUDED_COLUMNS if c not in excluded.columns]
    problems += [f"{excluded_path}: missing column '{c}'" for c in missing]
    if not problems:
        problems = _check_rows(labelled, themes, articles, path)
        for i in excluded.index:
            where = f"{excluded_path}, line {i + 2}"
            problems += _check_offsets(excluded, i, articles, where)
        problems += _check_coverage(labelled, excluded, prepared, path)
    if problems:
        raise LabelledSetError(problems)


def load_labelled(paths: DataPaths, themes: list[str]) -> pd.DataFrame:
    """The validated labelled set, with integer offsets and labels."""
    articles = read_articles(paths.raw_dir)
    labelled = read_csv_table(paths.sentences, "labelled set")
    excluded = read_csv_table(paths.excluded, "excluded-sentence list")
    prepared = prepare_sentences(articles)
    validate(labelled, excluded, prepared, articles, themes, paths.sentences, paths.excluded)
    return labelled.astype({"start": int, "end": int, **dict.fromkeys(themes, int)})


def user_label_problems(frame: pd.DataFrame, themes: list[str], path: Path) -> list[str]:
    """Every problem of a user-label table: its columns, then each row (ids unique, a document
    and a text, labels 0/1, no sentence labelled twice)."""
    optional = [DIRECTION] if DIRECTION in frame.columns else []  # labels before directions
    problems = check_columns(
        frame,
        themes,
        path,
        keys=USER_KEY_COLUMNS + optional,
        missing_theme=f"the themes of the user labels must be the configured themes "
        f"({', '.join(themes)})",
        unknown="is not a configured theme or a provenance column",
    )
    if problems:
        return problems
    for ident in frame.loc[frame["id"].duplicated(), "id"].unique():
        problems.append(f"{path}: id '{ident}' is used more than once: give each row its own id")
    twice = frame.duplicated(["document", "text"], keep="first")
    for i in frame.index:
        where = row_name(path, i, frame)
        for column in ("id", "document", "text"):
            if not frame.at[i, column].strip():
                problems.append(f"{where}: '{column}' is empty")
        for t in themes:
            if frame.at[i, t] not in ("0", "1"):
                problems.append(f"{where}: label '{t}' is '{frame.at[i, t]}'; it must be 0 or 1")
        themed = any(frame.at[i, t] == "1" for t in themes)
        if optional and (wrong := direction_problem(where, themed, frame.at[i, DIRECTION], False)):
            problems.append(wrong)
        if twice[i]:
            problems.append(
                f"{where}: this sentence of {frame.at[i, 'document']} is labelled twice"
            )
    return problems


def read_user_labels(path: Path, themes: list[str]) -> pd.DataFrame:
    """The user's labelled sentences, validated, labels as int (every other column stays text).

    A missing file is an error: a data config that names user labels expects them."""
    path = Path(path)
    if not path.is_file():
        raise LabelledSetError(
            [
                f"{path}: user labels not found: label sentences with `python -m label`, "
                "or train without them (a data config without +user: the default seeds+letters)"
            ]
        )
    frame = read_csv_table(path, "user labels")
    problems = user_label_problems(frame, themes, path)
    if problems:
        raise LabelledSetError(problems)
    if DIRECTION not in frame.columns:
        frame[DIRECTION] = ""
    return frame[[*USER_KEY_COLUMNS, *themes, DIRECTION]].astype(dict.fromkeys(themes, int))


def theme_counts(labelled: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """Positive sentences per theme and article, with totals."""
    counts = labelled.groupby("article")[themes].sum()
    counts.insert(0, "sentences", labelled.groupby("article").size())
    counts.loc["total"] = counts.sum()
    return counts


def digest(frame: pd.DataFrame) -> str:
    """A short content digest of a table, to tie a model to the exact data it saw."""
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()[:16]
