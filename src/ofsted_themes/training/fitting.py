"""Training: grouped cross-validation, thresholds from out-of-fold scores, the final fit on all
data, and the files a run leaves behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from ofsted_themes.core.errors import OfstedThemesError
from ofsted_themes.core.themes import Theme
from ofsted_themes.modelling.concerns import Cues
from ofsted_themes.modelling.tagger import Tagger, linear_weights
from ofsted_themes.training.concerns import (
    ConcernResult,
    concern_metrics,
    concern_truth,
    final_model,
    fold_scorer,
    why_not,
)
from ofsted_themes.training.evaluation import (
    CrossValidation,
    choose_thresholds,
    cross_validate,
    flat_metrics,
    out_of_fold_table,
    save_plots,
    theme_metrics,
)


class NoPositivesError(OfstedThemesError, ValueError):
    """A configured theme has no positive sentence to learn or evaluate from."""


@dataclass
class TrainingResult:
    tagger: Tagger
    cv: CrossValidation
    tuned: pd.DataFrame  # per-theme metrics at thresholds tuned without the held-out group
    fixed: pd.DataFrame  # per-theme metrics at 0.5
    metrics: dict[str, float]
    out_of_fold: pd.DataFrame
    chosen: str = "tuned"  # how the thresholds were chosen: "tuned" on scores, or "fixed"
    concern: ConcernResult = field(default_factory=ConcernResult)


def check_positives(frame: pd.DataFrame, theme_ids: list[str]) -> None:
    empty = [t for t in theme_ids if frame[t].sum() == 0]
    if empty:
        raise NoPositivesError(
            f"theme(s) {', '.join(empty)} have no positive sentence in the labelled set: "
            "label some, or remove the theme from conf/themes/default.yaml"
        )


def train(
    classifier,
    policy,
    frame: pd.DataFrame,
    themes: list[Theme],
    group_by: str,
    metadata: dict,
    on_fold: Callable[[str], None] | None = None,
    max_folds: int | None = None,
    n_jobs: int = 1,
    concern_estimator=None,
    concern_cues: Cues | None = None,
) -> TrainingResult:
    """Cross-validate by group (leave one out, or ``max_folds`` folds when there are more groups),
    choose final thresholds on all out-of-fold scores, fit on all; likewise the
    ``concern_estimator`` (None: none), on the sentences with a direction label."""
    theme_ids = [t.id for t in themes]
    check_positives(frame, theme_ids)
    texts, Y = frame["text"].to_numpy(), frame[theme_ids].to_numpy(dtype=int)
    groups = frame[group_by].astype(str).to_numpy()
    truth = concern_truth(frame)
    learns = not why_not(concern_estimator, truth)
    also = fold_scorer(concern_estimator, texts, truth, concern_cues) if learns else None
    cv = cross_validate(
        classifier, texts, Y, groups, policy, theme_ids, on_fold, max_folds, n_jobs, also
    )
    tuned, tuned_overall = theme_metrics(Y, cv.scores, cv.tuned_predictions, theme_ids)
    fixed, fixed_overall = theme_metrics(Y, cv.scores, (cv.scores >= 0.5).astype(int), theme_ids)
    metrics = flat_metrics(tuned, tuned_overall) | flat_metrics(fixed, fixed_overall, "_at_0.5")
    metrics |= subset_metrics(frame, Y, cv.scores, cv.tuned_predictions, theme_ids)
    # Four decimals: what a person compares in the MLflow UI and metrics.json, no float noise.
    metrics = {name: round(value, 4) for name, value in metrics.items()}
    thresholds = choose_thresholds(policy, cv.scores, Y)
    fitted = clone(classifier).fit(texts, Y)
    concern = final_model(concern_estimator, fitted, texts, truth, concern_cues)
    if concern.model is not None:
        tags = (Y, cv.tuned_predictions)
        measured = concern_metrics(frame, truth, theme_ids, tags, cv.also)
        concern.metrics = {name: round(value, 4) for name, value in measured.items()}
    metrics |= concern.metrics
    # the tagger names its own quality, for the report of what it tags
    made = metadata | {"cv_macro_f1": metrics["macro_f1"]}
    if "concern_count_macro_f1" in metrics:  # the concerns counted per theme, as tag counts them
        made["cv_concern_macro_f1"] = metrics["concern_count_macro_f1"]
    limits = dict(zip(theme_ids, map(float, thresholds), strict=True))
    cues = concern_cues if concern.model is not None else None
    tagger = Tagger(fitted, limits, themes, made, concern.model, cues)
    oof = out_of_fold_table(frame, cv.scores, cv.tuned_predictions, theme_ids)
    chosen = "tuned" if policy.tuned else "fixed"
    return TrainingResult(tagger, cv, tuned, fixed, metrics, oof, chosen, concern)


SUBSETS = ("source", "voice")  # quality is also reported for each value of these columns


def subset_metrics(
    frame: pd.DataFrame, Y: np.ndarray, scores: np.ndarray, predicted: np.ndarray, theme_ids
) -> dict[str, float]:
    """The tuned metrics of each source and each voice (``macro_f1_voice_inspector``), where the
    column has more than one value."""
    metrics: dict[str, float] = {}
    for column in SUBSETS:
        if column not in frame.columns or frame[column].nunique() < 2:
            continue
        for value in sorted(frame[column].unique()):
            rows = (frame[column] == value).to_numpy()
            suffix = f"_{column}_{value}"
            metrics |= _subset(Y[rows], scores[rows], predicted[rows], theme_ids, suffix)
    return metrics


def _subset(Y, scores, predicted, theme_ids, suffix: str) -> dict[str, float]:
    """F1 per theme and their mean over the themes with a positive in the subset (a theme with
    none there has no F1 to speak of), and the subset's size."""
    table, _ = theme_metrics(Y, scores, predicted, theme_ids)
    present = [t for t, n in zip(theme_ids, Y.sum(axis=0), strict=True) if n > 0]
    flat = {f"f1_{t}{suffix}": float(table.at[t, "f1"]) for t in present}
    flat[f"macro_f1{suffix}"] = float(table.loc[present, "f1"].mean()) if present else 0.0
    flat[f"sentences{suffix}"] = float(len(Y))
    flat[f"positives{suffix}"] = float(Y.sum())  # few: its F1 moves by whole sentences
    return flat


def top_features(tagger: Tagger, n: int = 15) -> pd.DataFrame:
    """The heaviest positive features of each theme's learned model (empty for rules alone)."""
    rows = []
    try:
        names = tagger.classifier.features_.get_feature_names_out()
    except (AttributeError, ValueError):
        return pd.DataFrame(columns=["theme", "rank", "feature", "weight"])
    for theme, est in zip(tagger.theme_ids, tagger.classifier.estimators_, strict=True):
        weights = linear_weights(est)
        if weights is None:
            continue
        for rank, k in enumerate(np.argsort(weights)[::-1][:n], start=1):
            rows.append({"theme": theme, "rank": rank, "feature": names[k], "weight": weights[k]})
    return pd.DataFrame(rows, columns=["theme", "rank", "feature", "weight"])


def write_artifacts(result: TrainingResult, folder: Path) -> None:
    """Plots, out-of-fold predictions with errors, top features, thresholds and metrics."""
    folder.mkdir(parents=True, exist_ok=True)
    tagger, theme_ids = result.tagger, result.tagger.theme_ids
    Y = result.out_of_fold[[f"{t}_true" for t in theme_ids]].to_numpy()
    predicted = result.cv.tuned_predictions
    save_plots(Y, result.cv.scores, predicted, theme_ids, folder / "plots", result.chosen)
    result.out_of_fold.to_csv(folder / "out_of_fold.csv", index=False)
    top_features(tagger).to_csv(folder / "top_features.csv", index=False)
    result.cv.fold_thresholds.to_csv(folder / "fold_thresholds.csv", index_label="held_out")
    metric_table = pd.concat({"tuned": result.tuned, "at_0.5": result.fixed}, axis=1)
    metric_table.to_csv(folder / "metrics_per_theme.csv", index_label="theme")
    (folder / "thresholds.json").write_text(json.dumps(tagger.thresholds, indent=2))


def write_dvc_outputs(result: TrainingResult, metrics_path: Path, plots_dir: Path) -> None:
    """The metrics JSON and the per-theme plots (PR curve and confusion matrix, PNG) that
    dvc.yaml declares: images, so that `dvc plots show` is readable offline."""
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(result.metrics, indent=2, sort_keys=True))
    theme_ids = result.tagger.theme_ids
    Y = result.out_of_fold[[f"{t}_true" for t in theme_ids]].to_numpy()
    for stale in plots_dir.glob("*.csv"):  # the points earlier versions wrote
        stale.unlink()
    predicted = result.cv.tuned_predictions
    save_plots(Y, result.cv.scores, predicted, theme_ids, plots_dir, result.chosen)
