"""Data as configuration: each conf/data option names its sources, and the training set carries
each sentence's cross-validation group, source and voice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from ofsted_themes.core.config import CONF_DIR, register_resolvers
from ofsted_themes.training.corpus import LabelledSetError
from ofsted_themes.training.datasets import load_training_set, source_digests
from ofsted_themes.training.fitting import subset_metrics

THEMES = ["cse", "missing", "staffing", "oversight"]
ROOT = Path(__file__).resolve().parents[1]


def data_config(name: str) -> dict:
    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        data = dict(compose("train", overrides=[f"data={name}"]).data)
    return {k: str(ROOT / v) if isinstance(v, str) and "/" in v else v for k, v in data.items()}


@pytest.mark.parametrize(
    "name, sources",
    [
        ("seeds", {"seeds"}),
        ("letters", {"letters"}),
        ("seeds+letters", {"seeds", "letters"}),
    ],
)
def test_each_data_option_loads_exactly_its_sources(name, sources):
    frame = load_training_set(data_config(name), THEMES)
    assert set(frame["source"]) == sources
    assert not frame["id"].duplicated().any()
    letters = frame[frame["source"] == "letters"]
    assert (letters["group"] == letters["article"]).all()  # one inspection, one group
    assert set(letters["voice"]) <= {"inspector", "reported"}
    assert not set(letters["group"]) & set(frame.loc[frame["source"] == "seeds", "group"])


def test_the_default_trains_on_seeds_and_the_training_split_only():
    data = data_config("seeds+letters")
    assert data["letters"].endswith("data/letters/train/sentences.csv")
    test = pd.read_csv(ROOT / "data/letters/test/sentences.csv", dtype=str)
    frame = load_training_set(data, THEMES)
    assert not set(test["text"]) & set(frame["text"])


@pytest.mark.parametrize("name", ["seeds+letters+user", "letters+user"])
def test_user_labels_are_added_on_top_of_each_set(name, tmp_path):
    labels = tmp_path / "user.csv"
    row = {"id": "user-1", "document": "mine.pdf", "page": "1", "sentence_no": "1",
           "text": "Caseloads are too high.", "source_digest": "x", "labelled_at": "now",
           "cse": 0, "missing": 0, "staffing": 1, "oversight": 0}  # fmt: skip
    pd.DataFrame([row]).to_csv(labels, index=False)
    frame = load_training_set(data_config(name) | {"user_labels": str(labels)}, THEMES)
    user = frame[frame["source"] == "user"]
    assert user["group"].tolist() == ["mine.pdf"] and user["voice"].tolist() == ["unknown"]


def test_the_users_directions_reach_the_concern_model_and_a_blank_one_is_none(tmp_path):
    """Concern errors, the commonest, could not be corrected through the labelling loop: the
    user's directions now train the concern model beside the letters'."""
    from ofsted_themes.training.concerns import concern_truth

    labels = tmp_path / "user.csv"
    base = {"page": "1", "sentence_no": "1", "source_digest": "x", "labelled_at": "now",
            "cse": 0, "missing": 0, "oversight": 0}  # fmt: skip
    rows = [
        base | {"id": "u1", "document": "a.pdf", "text": "Morale is low.", "staffing": 1,
                "direction": "concern"},
        base | {"id": "u2", "document": "a.pdf", "text": "Staff feel valued.", "staffing": 1,
                "direction": ""},
        base | {"id": "u3", "document": "b.pdf", "text": "The hub opened.", "staffing": 0,
                "direction": ""},
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(labels, index=False)
    frame = load_training_set(data_config("seeds+user") | {"user_labels": str(labels)}, THEMES)
    user = frame[frame["source"] == "user"]
    assert user["direction"].isna().tolist() == [False, True, True]  # blank: none given
    assert user["direction"].iloc[0] == "concern"
    truth = concern_truth(frame)
    assert truth[(frame["source"] == "user").to_numpy()].tolist() == [1, -1, -1]


def test_a_direction_the_guideline_does_not_name_is_refused_in_the_users_labels(tmp_path):
    labels = tmp_path / "user.csv"
    row = {"id": "user-1", "document": "mine.pdf", "page": "1", "sentence_no": "1",
           "text": "Caseloads are too high.", "source_digest": "x", "labelled_at": "now",
           "cse": 0, "missing": 0, "staffing": 1, "oversight": 0, "direction": "worry"}  # fmt: skip
    pd.DataFrame([row]).to_csv(labels, index=False)
    with pytest.raises(LabelledSetError, match=r"a direction is one of .*, or blank; not 'worry'"):
        load_training_set(data_config("seeds+user") | {"user_labels": str(labels)}, THEMES)


def test_a_bad_letters_row_is_named(tmp_path):
    broken = pd.read_csv(ROOT / "data/letters/train/sentences.csv", dtype=str).head(3)
    broken.loc[1, "voice"] = "narrator"
    broken.loc[2, "direction"] = ""
    path = tmp_path / "sentences.csv"
    broken.to_csv(path, index=False)
    with pytest.raises(LabelledSetError) as error:
        load_training_set(data_config("letters") | {"letters": str(path)}, THEMES)
    text = "\n".join(error.value.problems)
    assert "line 3" in text and "voice 'narrator'" in text
    if broken.loc[2, THEMES].astype(int).any():
        assert "line 4" in text and "needs a direction" in text


def test_the_sources_are_named_with_a_digest_of_their_bytes(tmp_path):
    data = data_config("seeds+letters")
    names = source_digests(data)
    assert [n.split("@")[0] for n in names] == [data["sentences"], data["letters"]]
    assert all(len(n.split("@")[1]) == 12 for n in names)


def test_metrics_are_reported_per_source_and_voice():
    frame = pd.DataFrame({"source": ["seeds", "seeds", "letters", "letters"],
                          "voice": ["reported", "reported", "inspector", "reported"]})  # fmt: skip
    Y = [[1, 0], [0, 1], [1, 0], [0, 0]]
    predicted = [[1, 0], [0, 0], [0, 0], [0, 0]]
    import numpy as np

    metrics = subset_metrics(
        frame, np.array(Y), np.array(predicted, float), np.array(predicted), ["a", "b"]
    )
    assert metrics["f1_a_source_seeds"] == 1.0 and metrics["f1_b_source_seeds"] == 0.0
    assert metrics["macro_f1_source_seeds"] == 0.5
    assert "f1_b_source_letters" not in metrics  # no positive of b among the letters
    assert metrics["macro_f1_source_letters"] == 0.0
    assert metrics["sentences_voice_reported"] == 3
