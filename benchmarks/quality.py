"""Quality on real letters: each model and feature set cross-validated on the training data
(seeds + data/letters/train, grouped by document, thresholds tuned without the held-out fold),
then fitted on all of it and scored once on the held-out test split (data/letters/test: a quarter
of the councils, never used to write phrases or choose features, models or thresholds), per theme
and per voice, and on the challenge set (sentences written for the product).

    python benchmarks/quality.py [--out benchmarks/results/quality.md]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from sklearn.metrics import f1_score

from ofsted_themes.core.config import CONF_DIR, register_resolvers
from ofsted_themes.core.themes import themes_from_config
from ofsted_themes.modelling.concerns import concern_labels
from ofsted_themes.training.datasets import load_training_set
from ofsted_themes.training.fitting import train
from ofsted_themes.training.inspections import read_inspection_sentences

TEST = Path("data/letters/test/sentences.csv")
CHALLENGE = Path("data/challenge/sentences.csv")
CONFIGS = {  # name: overrides; the first is the product's default
    "default (logreg, words_chars, phrase_weight=0.5)": [],
    "default, concerns without direction cues (before)": ["concern_cues=null"],
    "logreg, phrase_weight=1 (before)": ["phrase_weight=1"],
    "logreg, phrase_weight=0.25, C=30": ["phrase_weight=0.25", "model.estimator.C=30"],
    "phrase rules alone": ["experiment=rules_baseline"],
    "logreg, tfidf_phrases, C=1 (before)": [
        "features=tfidf_phrases",
        "model.estimator.C=1",
        "phrase_weight=1",
    ],
    "logreg, tfidf_char": ["features=tfidf_char"],
    "linear_svc, words_chars": ["model=linear_svc"],
    "logreg, seeds only (before)": [
        "data=seeds",
        "features=tfidf_phrases",
        "model.estimator.C=1",
        "phrase_weight=1",
    ],
}
if importlib.util.find_spec("sentence_transformers"):  # the optional extra is installed
    CONFIGS["logreg, embeddings (optional extra)"] = ["features=embeddings"]
    CONFIGS["logreg, words_chars + embeddings (optional extra)"] = [
        "features=words_chars_embeddings"
    ]


def compose_config(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("train", overrides=overrides)


def f1s(truth: np.ndarray, predicted: np.ndarray, ids: list[str], prefix: str) -> dict:
    """Per-theme F1 and their mean over the themes with a positive (prefix ``test_``...)."""
    per_theme = f1_score(truth, predicted, average=None, zero_division=0)
    present = truth.sum(axis=0) > 0
    row = {f"{prefix}macro_f1": float(per_theme[present].mean())}
    pairs = zip(ids, per_theme, present, strict=True)
    return row | {f"{prefix}{t}": float(f) for t, f, p in pairs if p}


def evaluate(overrides: list[str], test: pd.DataFrame, challenge: pd.DataFrame | None) -> dict:
    cfg = compose_config(overrides)
    themes = themes_from_config(cfg.themes)
    ids = [t.id for t in themes]
    frame = load_training_set(cfg.data, ids)
    classifier = instantiate(cfg.classifier, _convert_="all")
    concern_estimator = instantiate(cfg.concern_model) if cfg.get("concern_model") else None
    result = train(
        classifier, instantiate(cfg.thresholds), frame, themes, "group", {}, None,
        cfg.cv.max_folds, concern_estimator=concern_estimator,
        concern_cues=instantiate(cfg.concern_cues, _convert_="all") if cfg.concern_cues else None,
    )  # fmt: skip
    m = result.metrics
    row = {"cv_macro_f1": m["macro_f1"], "cv_letters": m.get("macro_f1_source_letters")}
    row |= concern_figures(result, test)
    predicted = result.tagger.predict(test["text"].tolist())[ids].to_numpy()
    truth = test[ids].to_numpy()
    row |= f1s(truth, predicted, ids, "test_")
    for voice in ("inspector", "reported"):
        rows = (test["voice"] == voice).to_numpy()
        row |= f1s(truth[rows], predicted[rows], ids, f"test_{voice}_")
    if challenge is not None:
        guessed = result.tagger.predict(challenge["text"].tolist())[ids].to_numpy()
        row |= f1s(challenge[ids].to_numpy(), guessed, ids, "challenge_")
    return row


def concern_figures(result, test: pd.DataFrame) -> dict:
    """The concern model's F1 in grouped CV and on the test split's sentences with a direction
    label (overall and by voice), and its accuracy there; and the concerns counted per theme
    (tagged, and a concern) against the labels, in CV and on the test split: none for a tagger
    without one."""
    tagger = result.tagger
    if not tagger.has_concerns:
        return {}
    row = {"cv_concern_f1": result.metrics["concern_f1"]}
    row["cv_concern_count_macro_f1"] = result.metrics.get("concern_count_macro_f1")
    row |= counted_concerns(tagger, test)
    labelled, truth = concern_labels(test["direction"])
    scores = tagger.concern_probabilities(test.loc[labelled, "text"].tolist())
    predicted = (scores >= 0.5).astype(int)
    voices = test.loc[labelled, "voice"].to_numpy()
    row["test_concern_f1"] = float(f1_score(truth, predicted))
    row["test_concern_accuracy"] = float((truth == predicted).mean())
    for voice in ("inspector", "reported"):
        mine = voices == voice
        row[f"test_{voice}_concern_f1"] = float(f1_score(truth[mine], predicted[mine]))
    return row


def counted_concerns(tagger, test: pd.DataFrame) -> dict:
    """Per theme, F1 of the test sentences counted as its concerns (``<theme>`` and
    ``concern`` both 1) against the labels (the theme, and a concern or mixed direction)."""
    ids = tagger.theme_ids
    tags = tagger.predict(test["text"].tolist())
    labelled, raises = concern_labels(test["direction"])
    concern = np.zeros(len(test), dtype=bool)
    concern[np.flatnonzero(labelled)] = raises == 1
    expected = (test[ids].to_numpy() == 1) & concern[:, None]
    counted = (tags[ids].to_numpy() == 1) & (tags["concern"].to_numpy() == 1)[:, None]
    row = f1s(expected.astype(int), counted.astype(int), ids, "test_concern_count_")
    return row


TABLES = {  # the README's tables: columns of each
    "overall": ["cv_macro_f1", "cv_letters", "test_macro_f1", "test_inspector_macro_f1",
                "test_reported_macro_f1", "challenge_macro_f1"],
    "test, per theme": ["test_cse", "test_missing", "test_staffing", "test_oversight"],
    "test, inspector's words": ["test_inspector_cse", "test_inspector_missing",
                                "test_inspector_staffing", "test_inspector_oversight"],
    "test, reported": ["test_reported_cse", "test_reported_missing", "test_reported_staffing",
                       "test_reported_oversight"],
    "challenge set, per theme": ["challenge_cse", "challenge_missing", "challenge_staffing",
                                 "challenge_oversight"],
    "concerns (sentences with a direction label)": ["cv_concern_f1", "test_concern_f1",
                                                    "test_inspector_concern_f1",
                                                    "test_reported_concern_f1",
                                                    "test_concern_accuracy",
                                                    "cv_concern_count_macro_f1",
                                                    "test_concern_count_macro_f1"],
    "concerns counted per theme, test": ["test_concern_count_cse", "test_concern_count_missing",
                                         "test_concern_count_staffing",
                                         "test_concern_count_oversight"],
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/quality.md"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    register_resolvers()
    ids = [t.id for t in themes_from_config(compose_config([]).themes)]
    test = read_inspection_sentences(TEST, ids)
    challenge = pd.read_csv(CHALLENGE) if CHALLENGE.is_file() else None
    rows = {}
    for name, overrides in CONFIGS.items():
        print(f"  {name}", file=sys.stderr, flush=True)
        rows[name] = evaluate(overrides, test, challenge)
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("configuration")
    parts = [
        f"#### {title}\n\n"
        + table.reindex(columns=cols).round(3).reset_index().to_markdown(index=False)
        for title, cols in TABLES.items()
    ]
    text = "\n\n".join(parts)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
