"""Validation of the labelled set against the raw articles, on small fixtures in tmp_path.

Each failure must name the row (file, line and id) and say what to fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ofsted_themes.training.corpus import (
    EXCLUDED_COLUMNS,
    KEY_COLUMNS,
    DataPaths,
    LabelledSetError,
    load_labelled,
    prepare_sentences,
    read_articles,
    theme_counts,
)

THEMES = ["cse", "missing", "staffing", "oversight"]

ARTICLES = {
    "a1": (
        "Council services judged inadequate\n"
        "By A Reporter\n"
        "\n"
        "Inspectors found weak management oversight of casework. Staff turnover remains high.\n"
        "\n"
        "Children missing from care are not always offered return home interviews.\n"
        "\n"
        "Cllr Jones said:\n"
        "\n"
        "Subscribe to our newsletter.\n"
    ),
    "a2": "Second headline\n\nA child sexual exploitation panel now meets weekly.\n",
}
LABELS = {  # text -> cse, missing, staffing, oversight
    "Inspectors found weak management oversight of casework.": "0001",
    "Staff turnover remains high.": "0010",
    "Children missing from care are not always offered return home interviews.": "0100",
    "A child sexual exploitation panel now meets weekly.": "1000",
}
EXCLUDED = {"Cllr Jones said:": "attribution lead-in with no content of its own"}


class Dataset:
    """A tiny raw folder, labelled set and excluded list, rewritten after each change."""

    def __init__(self, root: Path):
        self.paths = DataPaths(
            raw_dir=root / "raw",
            sentences=root / "sentences.csv",
            excluded=root / "excluded.csv",
            prepared=root / "prepared.csv",
        )
        self.paths.raw_dir.mkdir()
        for article, text in ARTICLES.items():
            (self.paths.raw_dir / f"{article}.txt").write_text(text, encoding="utf-8")
        prepared = prepare_sentences(ARTICLES).astype(str)
        self.labelled = pd.DataFrame(
            [
                {**row, **dict(zip(THEMES, LABELS[row["text"]], strict=True))}
                for row in prepared.to_dict("records")
                if row["text"] in LABELS
            ],
            columns=KEY_COLUMNS + THEMES,
        )
        self.excluded = pd.DataFrame(
            [
                {**row, "reason": EXCLUDED[row["text"]]}
                for row in prepared.to_dict("records")
                if row["text"] in EXCLUDED
            ],
            columns=EXCLUDED_COLUMNS,
        )

    def write(self) -> Dataset:
        self.labelled.to_csv(self.paths.sentences, index=False)
        self.excluded.to_csv(self.paths.excluded, index=False)
        return self

    def problems(self) -> list[str]:
        self.write()
        with pytest.raises(LabelledSetError) as error:
            load_labelled(self.paths, THEMES)
        assert str(error.value) == "\n".join(error.value.problems)
        return error.value.problems


@pytest.fixture
def dataset(tmp_path) -> Dataset:
    return Dataset(tmp_path).write()


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


# --- the fixture itself ------------------------------------------------------------------------


def test_the_fixture_articles_prepare_into_the_expected_sentences():
    assert list(prepare_sentences(ARTICLES)["text"]) == [
        "Inspectors found weak management oversight of casework.",
        "Staff turnover remains high.",
        "Children missing from care are not always offered return home interviews.",
        "Cllr Jones said:",
        "A child sexual exploitation panel now meets weekly.",
    ]


def test_prepared_ids_are_article_and_running_number():
    ids = ["a1-001", "a1-002", "a1-003", "a1-004", "a2-001"]
    assert list(prepare_sentences(ARTICLES)["id"]) == ids


def test_read_articles_keys_by_file_stem(dataset):
    assert read_articles(dataset.paths.raw_dir) == ARTICLES


def test_read_articles_of_an_empty_folder_says_what_to_do(tmp_path):
    with pytest.raises(LabelledSetError) as error:
        read_articles(tmp_path)
    assert str(tmp_path) in only(error.value.problems)
    assert "no articles" in error.value.problems[0]


# --- a valid set -------------------------------------------------------------------------------


def test_a_valid_set_loads_with_integer_offsets_and_labels(dataset):
    labelled = load_labelled(dataset.paths, THEMES)
    assert len(labelled) == 4
    for column in ["start", "end", *THEMES]:
        assert pd.api.types.is_integer_dtype(labelled[column]), column
    assert labelled[THEMES].sum().to_dict() == dict.fromkeys(THEMES, 1)


def test_theme_counts_per_article_with_totals(dataset):
    counts = theme_counts(load_labelled(dataset.paths, THEMES), THEMES)
    assert counts.loc["a1"].to_dict() == {
        "sentences": 3,
        "cse": 0,
        "missing": 1,
        "staffing": 1,
        "oversight": 1,
    }
    assert counts.loc["total"].to_dict() == {"sentences": 4, **dict.fromkeys(THEMES, 1)}


# --- columns -----------------------------------------------------------------------------------


@pytest.mark.parametrize("column", KEY_COLUMNS)
def test_a_missing_key_column_is_reported(dataset, column):
    dataset.labelled = dataset.labelled.drop(columns=column)
    problem = only(dataset.problems())
    assert str(dataset.paths.sentences) in problem
    assert f"missing column '{column}'" in problem


def test_a_missing_theme_column_is_reported(dataset):
    dataset.labelled = dataset.labelled.drop(columns="staffing")
    problem = only(dataset.problems())
    assert str(dataset.paths.sentences) in problem
    assert "theme 'staffing'" in problem
    assert "add a 0/1 column 'staffing'" in problem


def test_an_unknown_extra_column_is_reported(dataset):
    dataset.labelled["notes"] = ""
    problem = only(dataset.problems())
    assert str(dataset.paths.sentences) in problem
    assert "column 'notes' is not a configured theme" in problem
    assert "add conf/themes/notes.yaml or drop it" in problem


@pytest.mark.parametrize("column", EXCLUDED_COLUMNS)
def test_a_missing_column_of_the_excluded_list_is_reported(dataset, column):
    dataset.excluded = dataset.excluded.drop(columns=column)
    assert f"missing column '{column}'" in only(dataset.problems())


# --- rows --------------------------------------------------------------------------------------


def test_a_duplicate_id_is_reported(dataset):
    dataset.labelled.loc[2, "id"] = dataset.labelled.loc[1, "id"]
    problem = only(dataset.problems())
    assert str(dataset.paths.sentences) in problem
    assert "id 'a1-002' is used more than once" in problem
    assert "give each row its own id" in problem


@pytest.mark.parametrize("value", ["", "2", "yes", "1.0", " 1", "-1"])
def test_a_label_that_is_not_0_or_1_is_reported(dataset, value):
    dataset.labelled.loc[1, "staffing"] = value
    problem = only(dataset.problems())
    assert problem.startswith(f"{dataset.paths.sentences}, line 3 (id a1-002): ")
    assert f"label 'staffing' is '{value}'" in problem
    assert "it must be 0 or 1" in problem


def test_every_bad_label_of_a_row_is_reported(dataset):
    dataset.labelled.loc[0, ["cse", "oversight"]] = ["yes", "2"]
    problems = dataset.problems()
    assert len(problems) == 2
    assert all("line 2 (id a1-001)" in p for p in problems)


@pytest.mark.parametrize(
    ("column", "value"),
    [("text", "Staff turnover remains very high."), ("start", "+1"), ("end", "-1")],
)
def test_text_that_differs_from_the_article_at_its_offsets_is_reported(dataset, column, value):
    row = dataset.labelled.loc[1]
    if value in ("+1", "-1"):
        value = str(int(row[column]) + int(value))
    dataset.labelled.loc[1, column] = value
    problems = dataset.problems()
    problem = problems[0]
    assert problem.startswith(f"{dataset.paths.sentences}, line 3 (id a1-002): ")
    assert "text differs from the article" in problem
    assert "fix the offsets or the text" in problem
    if column != "text":  # the offsets no longer match a prepared sentence either
        assert len(problems) == 2 and "neither labelled nor excluded" in problems[1]
    else:
        assert len(problems) == 1


def test_the_text_mismatch_message_shows_what_the_article_has(dataset):
    dataset.labelled.loc[1, "text"] = "Staff turnover is low."
    problem = only(dataset.problems())
    assert "'Staff turnover remains high.'" in problem


@pytest.mark.parametrize(
    ("start", "end"), [("12.0", "40"), ("", "40"), ("-3", "40"), ("ten", "40"), ("12", "4O")]
)
def test_non_integer_offsets_are_reported(dataset, start, end):
    dataset.labelled.loc[1, ["start", "end"]] = [start, end]
    problems = dataset.problems()
    assert problems[0] == (
        f"{dataset.paths.sentences}, line 3 (id a1-002): "
        f"start and end must be whole numbers, got '{start}', '{end}'"
    )
    assert "a1-002" in problems[1] and "neither labelled nor excluded" in problems[1]
    assert len(problems) == 2


def test_an_unknown_article_is_reported(dataset):
    dataset.labelled.loc[3, "article"] = "a9"
    problems = dataset.problems()
    assert problems[0] == (
        f"{dataset.paths.sentences}, line 5 (id a2-001): article 'a9' has no file in the raw folder"
    )
    assert len(problems) == 2 and "neither labelled nor excluded" in problems[1]


# --- coverage ----------------------------------------------------------------------------------


def test_a_prepared_sentence_neither_labelled_nor_excluded_is_reported(dataset):
    dataset.labelled = dataset.labelled.drop(index=2)
    problem = only(dataset.problems())
    assert problem.startswith(f"{dataset.paths.sentences}: sentence a1-003 ")
    assert "'Children missing from care" in problem
    assert "is neither labelled nor excluded" in problem
    assert "label it, or list it in the excluded file with a reason" in problem


def test_a_sentence_missing_from_the_excluded_list_is_reported(dataset):
    dataset.excluded = dataset.excluded.iloc[0:0]
    assert "sentence a1-004 ('Cllr Jones said:')" in only(dataset.problems())


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_exclusion_with_an_empty_reason_does_not_cover(dataset, reason):
    dataset.excluded.loc[0, "reason"] = reason
    problem = only(dataset.problems())
    assert "sentence a1-004" in problem
    assert "list it in the excluded file with a reason" in problem


def test_an_excluded_sentence_with_a_reason_covers_it(dataset):
    moved = dataset.labelled.loc[[1]]
    dataset.labelled = dataset.labelled.drop(index=1)
    dataset.excluded = pd.concat(
        [dataset.excluded, moved[EXCLUDED_COLUMNS[:-1]].assign(reason="a test")]
    )
    dataset.write()
    assert len(load_labelled(dataset.paths, THEMES)) == 3


# --- several problems, and files -----------------------------------------------------------------


def test_every_problem_is_reported_at_once(dataset):
    dataset.labelled.loc[0, "cse"] = "yes"
    dataset.labelled.loc[1, "text"] = "Something else."
    dataset.labelled = dataset.labelled.drop(index=2)
    problems = dataset.problems()
    assert len(problems) == 3
    assert "line 2 (id a1-001)" in problems[0]
    assert "line 3 (id a1-002)" in problems[1]
    assert "sentence a1-003" in problems[2]


def test_column_problems_are_reported_before_row_checks(dataset):
    dataset.labelled = dataset.labelled.drop(columns="oversight")
    dataset.labelled.loc[0, "cse"] = "yes"
    assert "theme 'oversight'" in only(dataset.problems())


@pytest.mark.parametrize("which", ["sentences", "excluded"])
def test_a_missing_file_is_reported_by_name(dataset, which):
    path = getattr(dataset.paths, which)
    dataset.write()
    path.unlink()
    with pytest.raises(LabelledSetError) as error:
        load_labelled(dataset.paths, THEMES)
    problem = only(error.value.problems)
    assert problem.startswith(f"{path}: ") and "not found" in problem


def test_a_file_that_is_not_utf8_is_reported_by_name(dataset):
    dataset.write()
    dataset.paths.sentences.write_bytes("id,text\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(LabelledSetError) as error:
        load_labelled(dataset.paths, THEMES)
    assert only(error.value.problems).startswith(f"{dataset.paths.sentences}: cannot read")
