"""Training the concern model (``modelling.concerns``): measured in the themes' own grouped
cross-validation, each outer fold's concern model fitted on that fold's classifier, then fitted
on every sentence with a direction label.

Two measures: of the direction alone, on the sentences the annotators gave a direction (the
model's own quality); and of the counts an analyst reads, per theme: a sentence counts as a
theme's concern when the theme is tagged (at the thresholds tuned without its fold) and the
concern model says so, against the annotators' theme and a concern or mixed direction, on the
sources that carry direction labels. A concern the themes miss is a concern counted nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, average_precision_score, precision_recall_fscore_support

from ofsted_themes.modelling.concerns import (
    THRESHOLD,
    Cues,
    concern_features,
    concern_labels,
    fit_concerns,
    learnable,
)
from ofsted_themes.training.evaluation import binary_f1


@dataclass
class ConcernResult:
    model: object | None = None  # None: no estimator configured, or too few labels to learn
    metrics: dict[str, float] = field(default_factory=dict)
    why_not: str = ""  # why there is no model, for the terminal


def concern_truth(frame: pd.DataFrame) -> np.ndarray:
    """Per sentence, 1 if its direction label raises a concern, 0 if not, -1 if it has none."""
    directions = frame["direction"] if "direction" in frame else pd.Series(index=frame.index)
    labelled, y = concern_labels(directions)
    truth = np.full(len(frame), -1)
    truth[labelled] = y
    return truth


def why_not(estimator, truth: np.ndarray) -> str:
    """Why no concern model can be learned ("" if one can)."""
    if estimator is None:
        return "concern_model: null in the configuration"
    if not learnable(truth[truth >= 0]):
        return f"{int((truth >= 0).sum())} sentences of the data have a direction label"
    return ""


def fold_scorer(
    estimator, texts: np.ndarray, truth: np.ndarray, cues: Cues | None = None
) -> partial:
    """For ``cross_validate(also=...)``: a function of a fold's rows and fitted classifier."""
    return partial(_score_fold, estimator, texts, truth, cues)


def _score_fold(
    estimator, texts, truth, cues, train, test, fitted
) -> tuple[np.ndarray, np.ndarray]:
    """The held-out rows and their concern scores, from a model fitted on the fold's labelled
    training rows, its classifier's features and the cues (their base rate, where it cannot
    learn)."""
    learn = train[truth[train] >= 0]
    model = None
    if len(np.unique(truth[learn])) > 1:
        model = fit_concerns(estimator, fitted, texts[learn], truth[learn], cues)
    if model is None:  # a fold with one kind of label, or no features
        return test, np.full(len(test), float(truth[learn].mean()) if len(learn) else THRESHOLD)
    held_out = list(texts[test])
    features = concern_features(fitted.features_of(held_out), held_out, cues)
    return test, model.predict_proba(features)[:, 1]


def final_model(
    estimator, fitted, texts: np.ndarray, truth: np.ndarray, cues: Cues | None = None
) -> ConcernResult:
    """The concern model on every labelled sentence, the ``fitted`` classifier's features and
    the cues, or why there is none."""
    reason = why_not(estimator, truth)
    if reason:
        return ConcernResult(why_not=reason)
    labelled = truth >= 0
    model = fit_concerns(estimator, fitted, texts[labelled], truth[labelled], cues)
    if model is None:
        return ConcernResult(why_not="the classifier learns no features (phrase rules alone)")
    return ConcernResult(model)


def concern_metrics(
    frame: pd.DataFrame, truth: np.ndarray, theme_ids: list[str], tags: tuple, folds: list
) -> dict[str, float]:
    """The out-of-fold measures (module docstring) from what each outer fold's scorer gave
    (``folds``); ``tags``: the annotators' theme labels and the out-of-fold tags."""
    Y, tagged = tags
    scores = np.zeros(len(truth))
    for rows, part in folds:
        scores[rows] = part
    rows = np.flatnonzero(truth >= 0)
    voices = frame["voice"].to_numpy() if "voice" in frame else np.full(len(frame), "")
    metrics = _direction(truth[rows], scores[rows], "")
    if len(set(voices[rows])) > 1:
        for voice in sorted(set(voices[rows])):
            mine = rows[voices[rows] == voice]
            metrics |= _direction(truth[mine], scores[mine], f"_voice_{voice}")
    counted = (tagged == 1) & (scores >= THRESHOLD)[:, None]
    return metrics | _counted(frame, truth, theme_ids, Y, counted)


def _counted(frame, truth: np.ndarray, theme_ids: list[str], Y: np.ndarray, counted) -> dict:
    """Per theme, F1 of the sentences counted as its concerns, on the sources that carry
    direction labels (but their themed sentences given none: a user's label may leave it out,
    and a concern found there is no error), and their mean over the themes with a concern
    there."""
    sources = frame["source"].to_numpy() if "source" in frame else np.full(len(frame), "")
    unsaid = (truth < 0) & (Y == 1).any(axis=1)
    rows = np.isin(sources, np.unique(sources[truth >= 0])) & ~unsaid
    expected = (Y == 1) & (truth == 1)[:, None]
    out, present = {}, []
    for j, theme in enumerate(theme_ids):
        if expected[rows, j].any():
            out[f"concern_count_f1_{theme}"] = float(binary_f1(expected[rows, j], counted[rows, j]))
            present.append(out[f"concern_count_f1_{theme}"])
    if present:
        out["concern_count_macro_f1"] = float(np.mean(present))
    return out


def _direction(truth: np.ndarray, scores: np.ndarray, suffix: str) -> dict[str, float]:
    """Precision, recall and F1 of raising a concern at the model's threshold, its accuracy
    and average precision, and how many labelled sentences they are of."""
    predicted = (scores >= THRESHOLD).astype(int)
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="binary", zero_division=0
    )
    both = 0 < truth.sum() < len(truth)
    return {
        f"concern_f1{suffix}": float(f1),
        f"concern_precision{suffix}": float(precision),
        f"concern_recall{suffix}": float(recall),
        f"concern_accuracy{suffix}": float(accuracy_score(truth, predicted)),
        f"concern_average_precision{suffix}": float(average_precision_score(truth, scores))
        if both
        else 0.0,
        f"concern_sentences{suffix}": float(len(truth)),
    }
