"""Grouped cross-validation, out-of-fold scores, per-theme thresholds and metrics.

Every score a metric sees comes from a model that never saw the sentence's group (article or
letter). Thresholds reported as "tuned" are chosen by an inner grouped CV inside each outer
training fold, so the held-out group never influences its own threshold.

Each level leaves one group out, unless there are more groups than ``max_folds`` (many user
letters, say): then it holds out groups in ``max_folds`` folds (GroupKFold), which bounds the
cost of the nested CV at about ``max_folds**2`` fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import average_precision_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut


@dataclass(frozen=True)
class FixedThreshold:
    """The same threshold for every theme."""

    value: float = 0.5
    tuned: ClassVar[bool] = False  # chosen from no scores: the run says "fixed", not "tuned"

    def __post_init__(self) -> None:
        _check_unit("thresholds.value", self.value)

    def choose(self, scores: np.ndarray, truth: np.ndarray) -> float:
        return self.value


@dataclass(frozen=True)
class ShrunkF1Threshold:
    """The F1-best threshold on out-of-fold scores, shrunk towards a prior threshold.

    ``t = (n * t_best + strength * prior) / (n + strength)`` for a theme with ``n`` positives:
    a theme with many positives keeps its own best threshold, one with a handful stays near the
    prior, and one with none gets the prior. The best threshold is the middle of the widest run
    of candidates that reach the best F1, which keeps it away from a single lucky score.
    """

    prior: float = 0.5
    strength: float = 20.0
    tuned: ClassVar[bool] = True

    def __post_init__(self) -> None:
        _check_unit("thresholds.prior", self.prior)
        if not isinstance(self.strength, int | float) or self.strength < 0:
            raise ValueError(f"thresholds.strength must be a number >= 0, got {self.strength!r}")

    def choose(self, scores: np.ndarray, truth: np.ndarray) -> float:
        positives = int(truth.sum())
        if positives == 0:
            return self.prior
        best = best_f1_threshold(scores, truth)
        return (positives * best + self.strength * self.prior) / (positives + self.strength)


def _check_unit(name: str, value) -> None:
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")


def best_f1_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """Middle of the threshold interval that maximises F1 on these scores."""
    values = np.unique(np.concatenate([scores, [0.0, 1.0]]))
    candidates = (values[:-1] + values[1:]) / 2
    f1 = np.array([binary_f1(truth, scores >= c) for c in candidates])
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(candidates[best[len(best) // 2]])


def binary_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """F1 of boolean ``predicted`` against boolean ``truth`` (0 where neither has a positive)."""
    tp = np.sum(truth & predicted)
    return 2 * tp / max(truth.sum() + predicted.sum(), 1)


def choose_thresholds(policy, scores: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return np.array([policy.choose(scores[:, j], Y[:, j].astype(bool)) for j in range(Y.shape[1])])


def check_max_folds(max_folds) -> None:
    if max_folds is not None and (
        isinstance(max_folds, bool) or not isinstance(max_folds, int) or max_folds < 2
    ):
        raise ValueError(f"cv.max_folds must be a whole number >= 2 (or null), got {max_folds!r}")


def group_folds(groups: np.ndarray, max_folds: int | None = None):
    """Leave one group out; GroupKFold(max_folds) when there are more groups than max_folds."""
    check_max_folds(max_folds)
    if max_folds is not None and len(np.unique(groups)) > max_folds:
        return GroupKFold(n_splits=max_folds)
    return LeaveOneGroupOut()


def fold_count(groups, max_folds: int | None = None) -> int:
    """How many folds :func:`group_folds` makes of these groups."""
    check_max_folds(max_folds)
    n = len(np.unique(np.asarray(groups, dtype=str)))
    return n if max_folds is None else min(n, max_folds)


def fold_name(held_out: np.ndarray) -> str:
    """A held-out fold's name: its group, or its first groups and how many more."""
    names = [str(g) for g in dict.fromkeys(held_out)]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{', '.join(names[:3])} +{len(names) - 3} more"


def out_of_fold_scores(
    classifier,
    texts: np.ndarray,
    Y: np.ndarray,
    groups: np.ndarray,
    max_folds: int | None = None,
    n_jobs: int = 1,
) -> np.ndarray:
    """Scores of every sentence from a model fitted without its group."""
    splits = within(np.arange(len(groups)), groups, max_folds)
    scores = np.zeros(Y.shape, dtype=float)
    parts = held_out_scores(classifier, texts, Y, splits, n_jobs)
    for (_, test), (part, _) in zip(splits, parts, strict=True):
        scores[test] = part
    return scores


def held_out_scores(
    classifier, texts: np.ndarray, Y: np.ndarray, splits: list, n_jobs: int, also=None
):
    """For each (train, test) split in turn, the test rows' scores from a model fitted on the
    train rows, and what ``also`` (per split, None or a function of the fitted model: more of
    it measured without refitting it) gave, or None; the fits run in ``n_jobs`` processes, and
    each result comes as it is ready."""
    from joblib import Parallel, delayed

    also = also or [None] * len(splits)
    fits = (
        delayed(_fit_and_score)(classifier, texts[a], Y[a], texts[b], more)
        for (a, b), more in zip(splits, also, strict=True)
    )
    return Parallel(n_jobs=min(n_jobs, len(splits)) or 1, return_as="generator")(fits)


def _fit_and_score(classifier, texts, Y, held_out, also=None):
    fitted = clone(classifier).fit(texts, Y)
    scores = fitted.predict_proba(held_out)
    return scores, None if also is None else also(fitted)


PARALLEL_FROM_SENTENCES = 1_000  # below this, starting worker processes costs more than it saves


def cv_jobs(requested: int, sentences: int) -> int:
    """Processes for the cross-validation's fits: ``requested`` when positive; otherwise (0)
    every core this process may use, for a set large enough to repay starting them, unless this
    process is itself a worker (a job of a parallel sweep, whose siblings have the other cores)."""
    import multiprocessing

    import joblib

    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 0:
        raise ValueError(f"cv.n_jobs must be a whole number >= 0 (0: automatic), got {requested!r}")
    if requested > 0:
        return requested
    if sentences < PARALLEL_FROM_SENTENCES or multiprocessing.parent_process() is not None:
        return 1
    return joblib.cpu_count()  # the cores allowed (affinity, a container's quota), not the host's


@dataclass
class CrossValidation:
    """Out-of-fold scores and predictions at thresholds tuned without the held-out group."""

    scores: np.ndarray
    tuned_predictions: np.ndarray
    fold_thresholds: pd.DataFrame  # one row per held-out group (or fold of groups)
    also: list = field(default_factory=list)  # per held-out fold, what ``also`` gave


def cross_validate(
    classifier,
    texts: np.ndarray,
    Y: np.ndarray,
    groups: np.ndarray,
    policy,
    theme_ids: list[str],
    on_fold: Callable[[str], None] | None = None,
    max_folds: int | None = None,
    n_jobs: int = 1,
    also: Callable | None = None,
) -> CrossValidation:
    """Leave-one-group-out scores, with thresholds for each held-out group tuned by an inner
    leave-one-group-out on the remaining groups (each level in at most ``max_folds`` folds).
    Every fit of both levels is independent of the others: they run in ``n_jobs`` processes.
    ``also(train, test, fitted)``: more to measure of each outer fold's fitted model
    (held_out_scores); what it gave comes in ``CrossValidation.also``, fold by fold."""
    outer = within(np.arange(len(groups)), groups, max_folds)
    inner = [within(train, groups, max_folds) for train, _ in outer]
    splits, more = [], []
    for fold, folds in zip(outer, inner, strict=True):
        splits += [*folds, fold]
        more += [None] * len(folds) + [None if also is None else partial(also, *fold)]
    parts = held_out_scores(classifier, texts, Y, splits, n_jobs, more)
    scores = np.zeros(Y.shape, dtype=float)
    predictions = np.zeros(Y.shape, dtype=int)
    chosen, extras = {}, []
    for (train, test), folds in zip(outer, inner, strict=True):
        inner_scores = np.zeros(Y.shape, dtype=float)
        for _, rows in folds:
            inner_scores[rows], _ = next(parts)
        thresholds = choose_thresholds(policy, inner_scores[train], Y[train])
        scores[test], extra = next(parts)
        extras.append(extra)
        predictions[test] = scores[test] >= thresholds
        held_out = fold_name(groups[test])
        chosen[held_out] = thresholds
        if on_fold:
            on_fold(held_out)
    frame = pd.DataFrame.from_dict(chosen, orient="index", columns=theme_ids)
    return CrossValidation(scores, predictions, frame, extras)


def within(rows: np.ndarray, groups: np.ndarray, max_folds: int | None) -> list:
    """The grouped folds of ``rows`` (all of them, or a fold's training rows) as (train, test)
    rows of the whole set."""
    folds = group_folds(groups[rows], max_folds).split(rows, groups=groups[rows])
    return [(rows[a], rows[b]) for a, b in folds]


def theme_metrics(Y: np.ndarray, scores: np.ndarray, predicted: np.ndarray, theme_ids: list[str]):
    """Per-theme precision, recall, F1, average precision and support, plus macro and micro F1."""
    precision, recall, f1, support = precision_recall_fscore_support(
        Y, predicted, average=None, zero_division=0
    )
    table = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support}, index=theme_ids
    )
    table["average_precision"] = [
        average_precision_score(Y[:, j], scores[:, j]) if Y[:, j].any() else np.nan
        for j in range(Y.shape[1])
    ]
    micro = precision_recall_fscore_support(Y, predicted, average="micro", zero_division=0)[2]
    return table, {"macro_f1": float(f1.mean()), "micro_f1": float(micro)}


def flat_metrics(table: pd.DataFrame, overall: dict, suffix: str = "") -> dict[str, float]:
    """Metrics as MLflow-style flat keys: ``f1_cse``, ``macro_f1`` (with an optional suffix)."""
    flat = {f"{k}{suffix}": v for k, v in overall.items()}
    names = ("precision", "recall", "f1") + (() if suffix else ("average_precision",))
    for theme, row in table.iterrows():
        for name in names:  # average precision does not depend on the threshold
            if pd.notna(row[name]):
                flat[f"{name}_{theme}{suffix}"] = float(row[name])
    return flat


def out_of_fold_table(
    frame: pd.DataFrame, scores: np.ndarray, predicted: np.ndarray, theme_ids: list[str]
) -> pd.DataFrame:
    """The labelled set with out-of-fold scores, predictions and the errors marked."""
    out = frame[["id", "article", "text"]].copy()
    errors = []
    for j, theme in enumerate(theme_ids):
        out[f"{theme}_true"] = frame[theme].to_numpy()
        out[f"{theme}_score"] = scores[:, j].round(4)
        out[f"{theme}_pred"] = predicted[:, j]
        truth = frame[theme].to_numpy()
        errors.append(
            np.where(truth > predicted[:, j], f"FN:{theme}", "")
            + np.where(truth < predicted[:, j], f"FP:{theme}", "")
        )
    out["errors"] = [" ".join(e for e in row if e) for row in zip(*errors, strict=True)]
    return out


def pr_curve_points(Y: np.ndarray, scores: np.ndarray, theme_ids: list[str]) -> pd.DataFrame:
    """Precision-recall points per theme (long format, for DVC plots and the PNGs)."""
    from sklearn.metrics import precision_recall_curve

    parts = []
    for j, theme in enumerate(theme_ids):
        if Y[:, j].any():
            precision, recall, _ = precision_recall_curve(Y[:, j], scores[:, j])
            parts.append(pd.DataFrame({"theme": theme, "recall": recall, "precision": precision}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def save_plots(
    Y: np.ndarray,
    scores: np.ndarray,
    predicted: np.ndarray,
    theme_ids: list[str],
    folder: Path,
    chosen: str = "tuned",
) -> list[Path]:
    """Per-theme PR curve and confusion matrix PNGs; ``chosen`` says how the thresholds of the
    confusion matrices were chosen ("tuned", "fixed")."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    folder.mkdir(parents=True, exist_ok=True)
    points = pr_curve_points(Y, scores, theme_ids)
    written = []
    for j, theme in enumerate(theme_ids):
        fig, (pr, cm) = plt.subplots(1, 2, figsize=(9, 4))
        curve = points[points["theme"] == theme] if len(points) else points
        if len(curve):
            pr.step(curve["recall"], curve["precision"], where="post")
        pr.set(
            title=f"{theme}: precision-recall (out of fold)", xlabel="recall", ylabel="precision"
        )
        pr.set(xlim=(0, 1.02), ylim=(0, 1.02))
        ConfusionMatrixDisplay.from_predictions(
            Y[:, j], predicted[:, j], labels=[0, 1], ax=cm, colorbar=False
        )
        cm.set_title(f"{theme}: confusion at {chosen} threshold")
        fig.tight_layout()
        path = folder / f"{theme}.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        written.append(path)
    return written
