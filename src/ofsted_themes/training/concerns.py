"""Training the concern model (``modelling.concerns``): measured in the themes' own grouped
cross-validation, on the held-out sentences whose direction the annotators labelled, by a model
fitted on each outer fold's classifier; then fitted on all of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, average_precision_score, precision_recall_fscore_support

from ofsted_themes.modelling.concerns import THRESHOLD, concern_labels, fit_concerns, learnable


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
        return "concerns: null in the configuration"
    if not learnable(truth[truth >= 0]):
        return f"{int((truth >= 0).sum())} sentences of the data have a direction label"
    return ""


def fold_scorer(estimator, texts: np.ndarray, truth: np.ndarray):
    """For ``cross_validate(also=...)``: given an outer fold's rows, the function of its fitted
    classifier that gives the held-out labelled rows and their concern scores."""
    return lambda train, test: partial(_score_fold, estimator, texts, truth, train, test)


def _score_fold(estimator, texts, truth, train, test, fitted) -> tuple[np.ndarray, np.ndarray]:
    learn, score = train[truth[train] >= 0], test[truth[test] >= 0]
    kinds = np.unique(truth[learn])
    model = fit_concerns(estimator, fitted, texts[learn], truth[learn]) if len(kinds) > 1 else None
    if model is None:  # a fold with one kind of label, or no features: its base rate
        return score, np.full(len(score), float(truth[learn].mean()) if len(learn) else THRESHOLD)
    return score, model.predict_proba(fitted.features_of(list(texts[score])))[:, 1]


def concern_result(
    estimator, fitted, texts: np.ndarray, truth: np.ndarray, voices: np.ndarray, folds: list
) -> ConcernResult:
    """The model on all labelled rows (the ``fitted`` classifier's features) and its metrics
    from the out-of-fold scores of ``folds`` (what each outer fold's scorer gave)."""
    reason = why_not(estimator, truth)
    if reason:
        return ConcernResult(why_not=reason)
    labelled = truth >= 0
    model = fit_concerns(estimator, fitted, texts[labelled], truth[labelled])
    if model is None:
        return ConcernResult(why_not="the classifier learns no features (phrase rules alone)")
    scores = np.zeros(len(truth))
    for rows, part in folds:
        scores[rows] = part
    rows = np.flatnonzero(labelled)
    metrics = _metrics(truth[rows], scores[rows], "")
    if len(set(voices[rows])) > 1:
        for voice in sorted(set(voices[rows])):
            mine = rows[voices[rows] == voice]
            metrics |= _metrics(truth[mine], scores[mine], f"_voice_{voice}")
    return ConcernResult(model, {k: round(v, 4) for k, v in metrics.items()})


def _metrics(truth: np.ndarray, scores: np.ndarray, suffix: str) -> dict[str, float]:
    """Precision, recall and F1 of raising a concern at the model's midpoint, its accuracy and
    average precision, and how many labelled sentences they are of."""
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
