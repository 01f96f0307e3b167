"""Thresholds, grouped cross-validation without leaks, and the metric tables."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from ofsted_themes.training.evaluation import (
    FixedThreshold,
    ShrunkF1Threshold,
    best_f1_threshold,
    choose_thresholds,
    cross_validate,
    cv_jobs,
    flat_metrics,
    fold_count,
    out_of_fold_scores,
    out_of_fold_table,
    theme_metrics,
)

# --- thresholds --------------------------------------------------------------------------------

SCORES = np.array([0.05, 0.2, 0.3, 0.45, 0.55, 0.6, 0.7, 0.9])
TRUTH = np.array([0, 0, 1, 0, 1, 1, 0, 1], dtype=bool)


def test_fixed_threshold_ignores_the_scores():
    assert FixedThreshold(0.3).choose(SCORES, TRUTH) == 0.3


def test_shrunk_threshold_with_no_positives_is_the_prior():
    truth = np.zeros_like(TRUTH)
    assert ShrunkF1Threshold(prior=0.3, strength=5.0).choose(SCORES, truth) == 0.3
    assert ShrunkF1Threshold(prior=0.7, strength=0.0).choose(SCORES, truth) == 0.7


def test_shrunk_threshold_with_strength_zero_is_the_f1_best():
    chosen = ShrunkF1Threshold(prior=0.5, strength=0.0).choose(SCORES, TRUTH)
    assert chosen == pytest.approx(best_f1_threshold(SCORES, TRUTH))


def test_shrunk_threshold_with_great_strength_approaches_the_prior():
    chosen = ShrunkF1Threshold(prior=0.5, strength=1e9).choose(SCORES, TRUTH)
    assert chosen == pytest.approx(0.5, abs=1e-6)


def test_shrunk_threshold_moves_from_the_best_towards_the_prior_as_strength_grows():
    best = best_f1_threshold(SCORES, TRUTH)
    prior = 0.9
    chosen = [ShrunkF1Threshold(prior, s).choose(SCORES, TRUTH) for s in (0, 1, 4, 16, 64)]
    assert chosen[0] == pytest.approx(best)
    assert all(a < b for a, b in pairwise(chosen))
    assert all(best <= c <= prior for c in chosen)


def test_best_f1_threshold_separates_separable_scores():
    scores = np.array([0.1, 0.25, 0.3, 0.62, 0.8, 0.95])
    truth = np.array([0, 0, 0, 1, 1, 1], dtype=bool)
    threshold = best_f1_threshold(scores, truth)
    assert np.array_equal(scores >= threshold, truth)
    assert 0.3 < threshold <= 0.62


def test_best_f1_threshold_reaches_the_best_f1_of_any_cut():
    scores, truth = SCORES, TRUTH

    def f1(cut):
        predicted = scores >= cut
        return 2 * np.sum(predicted & truth) / (predicted.sum() + truth.sum())

    cuts = np.concatenate([scores, [1.01]])
    assert f1(best_f1_threshold(scores, truth)) == pytest.approx(max(f1(c) for c in cuts))


def test_choose_thresholds_gives_one_per_theme():
    scores = np.column_stack([SCORES, SCORES[::-1]])
    Y = np.column_stack([TRUTH, np.zeros_like(TRUTH)]).astype(int)
    chosen = choose_thresholds(ShrunkF1Threshold(prior=0.42, strength=0.0), scores, Y)
    assert chosen.shape == (2,)
    assert chosen[0] == pytest.approx(best_f1_threshold(SCORES, TRUTH))
    assert chosen[1] == 0.42  # no positives: the prior


# --- grouped cross-validation ------------------------------------------------------------------

FITTED: list[Recorder] = []


class Recorder(BaseEstimator):
    """Scores a sentence by how often its last word was positive in the training data, and
    records the sentences each fitted copy was trained on and asked to score."""

    def fit(self, X, Y):
        X, Y = [str(x) for x in X], np.asarray(Y, dtype=float)
        self.trained_on_ = set(X)
        self.scored_ = []
        keys = np.array([x.split()[-1] for x in X])
        self.rates_ = {k: Y[keys == k].mean(axis=0) for k in set(keys)}
        self.default_ = Y.mean(axis=0)
        FITTED.append(self)
        return self

    def predict_proba(self, X):
        X = [str(x) for x in X]
        self.scored_.extend(X)
        return np.array([self.rates_.get(x.split()[-1], self.default_) for x in X])


@pytest.fixture
def recorded():
    FITTED.clear()
    yield FITTED
    FITTED.clear()


def grouped_data():
    """Four groups of six sentences; two themes that mostly follow the last word."""
    words = ["alpha", "beta", "gamma", "alpha", "beta", "gamma"]
    texts, groups, Y = [], [], []
    for g, group in enumerate("abcd"):
        for i, word in enumerate(words):
            texts.append(f"{group}{i} a sentence about {word}")
            groups.append(group)
            noisy = (g + i) % 5 == 0  # some labels disagree with the word
            Y.append([int((word == "alpha") != noisy), int(word == "gamma")])
    return np.array(texts, dtype=object), np.array(Y), np.array(groups, dtype=object)


def assert_no_model_scored_its_own_training_groups(fitted, texts, groups):
    group_of = dict(zip(texts, groups, strict=True))
    assert fitted
    for model in fitted:
        trained = {group_of[t] for t in model.trained_on_}
        scored = {group_of[t] for t in model.scored_}
        assert not trained & scored, f"a model trained on {trained} scored {scored}"


def test_out_of_fold_scores_never_come_from_a_model_that_saw_the_group(recorded):
    texts, Y, groups = grouped_data()
    scores = out_of_fold_scores(Recorder(), texts, Y, groups)
    assert scores.shape == Y.shape
    assert len(recorded) == len(set(groups))
    assert_no_model_scored_its_own_training_groups(recorded, texts, groups)
    for model in recorded:  # each model scored one whole group and trained on all others
        assert set(model.scored_) | model.trained_on_ == set(texts)
    for group in set(groups):
        held = groups == group
        alone = Recorder().fit(texts[~held], Y[~held]).predict_proba(texts[held])
        np.testing.assert_allclose(scores[held], alone)


def test_cross_validation_never_scores_a_sentence_with_a_model_that_saw_its_group(recorded):
    texts, Y, groups = grouped_data()
    cv = cross_validate(Recorder(), texts, Y, groups, ShrunkF1Threshold(0.5, 0.0), ["x", "y"])
    assert cv.scores.shape == Y.shape
    assert_no_model_scored_its_own_training_groups(recorded, texts, groups)
    # outer models (one per group) plus inner models (one per remaining group, per outer fold)
    n = len(set(groups))
    assert len(recorded) == n + n * (n - 1)


def test_fold_thresholds_have_one_row_per_held_out_group(recorded):
    texts, Y, groups = grouped_data()
    held_out = []
    cv = cross_validate(
        Recorder(), texts, Y, groups, ShrunkF1Threshold(0.5, 0.0), ["x", "y"], held_out.append
    )
    assert sorted(cv.fold_thresholds.index) == sorted(set(groups))
    assert list(cv.fold_thresholds.columns) == ["x", "y"]
    assert sorted(held_out) == sorted(set(groups))
    for group in set(groups):  # each group's predictions use its own fold's thresholds
        rows = groups == group
        limits = cv.fold_thresholds.loc[group].to_numpy()
        np.testing.assert_array_equal(cv.tuned_predictions[rows], cv.scores[rows] >= limits)


class CountingPolicy:
    """Remembers how many scores each threshold choice saw."""

    def __init__(self):
        self.sizes = []

    def choose(self, scores, truth):
        self.sizes.append(len(scores))
        return 0.5


def test_thresholds_are_chosen_on_scores_of_the_other_groups_only(recorded):
    texts, Y, groups = grouped_data()
    policy = CountingPolicy()
    cross_validate(Recorder(), texts, Y, groups, policy, ["x", "y"])
    sizes = {len(texts) - int(np.sum(groups == g)) for g in set(groups)}
    assert set(policy.sizes) == sizes


@pytest.mark.parametrize("group", list("abcd"))
def test_a_held_out_groups_own_labels_do_not_change_its_threshold(group, recorded):
    texts, Y, groups = grouped_data()
    policy = ShrunkF1Threshold(prior=0.5, strength=0.0)
    before = cross_validate(Recorder(), texts, Y, groups, policy, ["x", "y"])
    flipped = Y.copy()
    flipped[groups == group] = 1 - flipped[groups == group]
    after = cross_validate(Recorder(), texts, flipped, groups, policy, ["x", "y"])
    pd.testing.assert_series_equal(
        before.fold_thresholds.loc[group], after.fold_thresholds.loc[group]
    )
    held = groups == group
    np.testing.assert_array_equal(before.scores[held], after.scores[held])
    # the flip is visible elsewhere, so the check above could fail
    assert not before.fold_thresholds.drop(index=group).equals(
        after.fold_thresholds.drop(index=group)
    )


def test_each_folds_thresholds_come_from_an_inner_cross_validation_of_its_training_groups():
    texts, Y, groups = grouped_data()
    policy = ShrunkF1Threshold(prior=0.5, strength=0.0)
    cv = cross_validate(Recorder(), texts, Y, groups, policy, ["x", "y"])
    for group in sorted(set(groups)):
        train = groups != group
        inner = out_of_fold_scores(Recorder(), texts[train], Y[train], groups[train])
        expected = choose_thresholds(policy, inner, Y[train])
        np.testing.assert_array_equal(cv.fold_thresholds.loc[group].to_numpy(), expected)


@pytest.mark.parametrize("max_folds", [None, 4])  # leave one group out; GroupKFold
def test_cross_validation_in_two_processes_gives_what_one_process_gives(max_folds):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from ofsted_themes.modelling.classifier import ThemeClassifier

    texts, Y, groups = many_groups(6)
    phrases = {"x": ["alpha"], "y": ["beta"]}
    classifier = ThemeClassifier(phrases, TfidfVectorizer(), LogisticRegression(), 1.0, 1)
    data = (texts, Y, groups, ShrunkF1Threshold(prior=0.5, strength=1.0), ["x", "y"])
    one = cross_validate(classifier, *data, max_folds=max_folds, n_jobs=1)
    two = cross_validate(classifier, *data, max_folds=max_folds, n_jobs=2)
    np.testing.assert_array_equal(one.scores, two.scores)
    np.testing.assert_array_equal(one.tuned_predictions, two.tuned_predictions)
    pd.testing.assert_frame_equal(one.fold_thresholds, two.fold_thresholds)
    assert len(one.fold_thresholds) == (6 if max_folds is None else 4)


def test_cv_jobs_are_every_core_for_a_large_set_and_one_for_a_small_one(monkeypatch):
    monkeypatch.setattr("joblib.cpu_count", lambda: 4)
    assert cv_jobs(0, 3_000) == 4
    assert cv_jobs(0, 200) == 1
    assert cv_jobs(3, 200) == 3


def _jobs_in_a_worker(queue) -> None:
    queue.put(cv_jobs(0, 3_000))


def test_a_parallel_sweeps_job_runs_its_folds_in_turn(monkeypatch):
    import multiprocessing

    monkeypatch.setattr("joblib.cpu_count", lambda: 4)  # as on a machine with cores to spare
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_jobs_in_a_worker, args=(queue,))
    worker.start()
    worker.join(timeout=60)
    assert queue.get(timeout=5) == 1


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_cv_jobs_must_be_a_whole_number_of_at_least_zero(bad):
    with pytest.raises(ValueError, match=r"cv\.n_jobs"):
        cv_jobs(bad, 3_000)


# --- many groups: at most max_folds folds ---------------------------------------------------------


def many_groups(n: int = 12):
    """``n`` groups (letters) of three sentences each."""
    texts, Y, groups = [], [], []
    for g in range(n):
        for i, word in enumerate(["alpha", "beta", "gamma"]):
            texts.append(f"letter{g} sentence{i} about {word}")
            groups.append(f"L{g:02d}")
            Y.append([int(word == "alpha"), int((g + i) % 2 == 0)])
    return np.array(texts, dtype=object), np.array(Y), np.array(groups, dtype=object)


def test_more_groups_than_max_folds_are_held_out_in_max_folds_folds(recorded):
    texts, Y, groups = many_groups(12)
    held_out = []
    cv = cross_validate(
        Recorder(), texts, Y, groups, ShrunkF1Threshold(0.5, 0.0), ["x", "y"], held_out.append, 4
    )
    assert len(held_out) == len(cv.fold_thresholds) == fold_count(groups, 4) == 4
    assert_no_model_scored_its_own_training_groups(recorded, texts, groups)
    # 4 outer models, and 4 inner ones per outer fold (its 9 training groups > 4)
    assert len(recorded) == 4 + 4 * 4
    outer = [m for m in recorded if len(m.trained_on_) == len(texts) * 3 // 4]
    assert len(outer) == 4
    scored = [t for m in outer for t in m.scored_]
    assert sorted(scored) == sorted(texts)  # each sentence scored once, out of fold
    named = [g for name in held_out for g in name.split(", ")]  # "L00, L04, L08"
    assert sorted(named) == sorted(set(groups))


def test_out_of_fold_scores_with_max_folds_never_see_their_group(recorded):
    texts, Y, groups = many_groups(12)
    scores = out_of_fold_scores(Recorder(), texts, Y, groups, max_folds=5)
    assert scores.shape == Y.shape
    assert len(recorded) == 5
    assert_no_model_scored_its_own_training_groups(recorded, texts, groups)


def test_with_no_more_groups_than_max_folds_each_group_is_left_out_alone(recorded):
    texts, Y, groups = grouped_data()
    policy = ShrunkF1Threshold(0.5, 0.0)
    capped = cross_validate(Recorder(), texts, Y, groups, policy, ["x", "y"], max_folds=4)
    plain = cross_validate(Recorder(), texts, Y, groups, policy, ["x", "y"])
    np.testing.assert_array_equal(capped.scores, plain.scores)
    assert sorted(capped.fold_thresholds.index) == sorted(set(groups))
    assert fold_count(groups, 10) == fold_count(groups) == 4


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, "ten", True])
def test_max_folds_must_be_a_whole_number_of_at_least_two(bad):
    texts, Y, groups = grouped_data()
    with pytest.raises(ValueError, match="max_folds"):
        out_of_fold_scores(Recorder(), texts, Y, groups, max_folds=bad)


# --- metrics -----------------------------------------------------------------------------------


def test_metrics_of_perfect_and_of_empty_predictions():
    Y = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    scores = Y * 0.8 + 0.1
    table, overall = theme_metrics(Y, scores, Y, ["x", "y"])
    assert list(table.index) == ["x", "y"]
    assert list(table["support"]) == [2, 1]
    assert overall == {"macro_f1": 1.0, "micro_f1": 1.0}
    _, none = theme_metrics(Y, scores, np.zeros_like(Y), ["x", "y"])
    assert none == {"macro_f1": 0.0, "micro_f1": 0.0}


def test_flat_metrics_name_each_theme_and_skip_missing_values():
    Y = np.array([[1, 0], [0, 0], [1, 0]])
    table, overall = theme_metrics(Y, Y * 0.9, Y, ["x", "y"])
    flat = flat_metrics(table, overall, "_at_0.5")
    assert {"macro_f1_at_0.5", "micro_f1_at_0.5", "f1_x_at_0.5", "f1_y_at_0.5"} <= set(flat)
    assert not any(k.startswith("average_precision") for k in flat)  # threshold-free: logged once
    unsuffixed = flat_metrics(table, overall)
    assert "average_precision_x" in unsuffixed
    assert "average_precision_y" not in unsuffixed  # no positives: undefined, not logged


def test_out_of_fold_table_marks_false_negatives_and_false_positives():
    frame = pd.DataFrame(
        {"id": ["1", "2", "3"], "article": ["a", "a", "b"], "text": ["t1", "t2", "t3"]}
        | {"x": [1, 0, 1], "y": [0, 1, 0]}
    )
    predicted = np.array([[1, 1], [1, 1], [0, 0]])
    table = out_of_fold_table(frame, predicted * 0.7, predicted, ["x", "y"])
    assert list(table["errors"]) == ["FP:y", "FP:x", "FN:x"]
    assert {"x_true", "x_score", "x_pred", "y_true", "y_score", "y_pred"} <= set(table.columns)
