"""The multi-label theme classifier: learned per-theme models blended with the themes' phrase rules.

Each theme is one binary problem. Where a theme has few positives, the learned score is shrunk
towards the phrase-rule score (a prior from the theme's configured knowledge): the blend weight
of the rules is ``prior_strength / (prior_strength + positives)``. A theme with fewer than
``min_positives`` positives in the training data is scored by its rules alone, since a model fitted
to one or two examples says more about those sentences than about the theme.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from scipy.sparse import issparse
from scipy.sparse import vstack as sparse_vstack
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import type_of_target

from ofsted_themes.modelling.features import (
    check_fitted,
    check_sentences,
    rule_score_table,
    text_tags,
    theme_matchers,
)

# What fit sets, and model files saved before ``classes_`` existed have too: they stay usable.
FITTED = ["estimators_", "rule_weights_"]
# Sentences scored at once: the phrase features, the rule scores and the tagger's evidence all
# read each sentence's phrase matches, and a chunk's stay in the matches' cache between them (a
# table of 20,000 sentences in one go would evict them and stem every sentence twice).
SCORE_CHUNK = 2048


class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier of raw sentences: a 0/1 output and a score per theme.

    Takes a list of sentences (``X``) and an (n_sentences, n_themes) 0/1 array (``y``); being
    text, the input has no ``n_features_in_``.

    Parameters
    ----------
    phrases: theme id -> configured phrases (also fixes the theme order of the outputs).
    features: a transformer of raw text (e.g. a FeatureUnion of tf-idf and phrase features),
        or None for the rules alone.
    estimator: a binary classifier with ``predict_proba``, cloned per theme; None for rules alone.
    prior_strength: how many positives the rules are worth (0: learned scores only).
    min_positives: below this many positives a theme is scored by its rules alone.

    Attributes
    ----------
    classes_: one ``array([0, 1])`` per theme, as scikit-learn's multi-label classifiers have.
    positives_: the number of positive sentences of each theme.
    features_: the fitted ``features`` (None when nothing is learned).
    estimators_: each theme's fitted ``estimator``, or None where its rules alone score it.
    rule_weights_: each theme's weight of the rules in its score.
    """

    _parameter_constraints: ClassVar[dict] = {
        "phrases": [Mapping, None],
        "features": [HasMethods(["fit", "transform"]), None],
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "prior_strength": [Interval(Real, 0, None, closed="left")],
        "min_positives": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        phrases: Mapping[str, list] | None = None,
        features=None,
        estimator=None,
        prior_strength: float = 20.0,
        min_positives: int = 3,
    ):
        self.phrases = phrases
        self.features = features
        self.estimator = estimator
        self.prior_strength = prior_strength
        self.min_positives = min_positives

    @property
    def theme_ids(self) -> list[str]:
        return list(self.phrases or {})

    # the features and estimator are the caller's: let their own fit validate their parameters
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit each theme with enough positives (and some negatives) a model of its own."""
        Y = self._check_target(y)
        X = check_sentences(X, self)
        self._check_lengths(X, Y)
        self.classes_ = [np.array([0, 1]) for _ in range(Y.shape[1])]
        self.positives_ = Y.sum(axis=0)
        learn = self.estimator is not None and self.features is not None
        self.features_ = clone(self.features) if learn else None
        # fit and transform at once: the text read once, not twice (the same matrix, tested)
        matrix = self.features_.fit_transform(X, Y) if learn else None
        self.estimators_ = [
            clone(self.estimator).fit(matrix, Y[:, j])
            if learn and n >= self.min_positives and n < len(X)
            else None
            for j, n in enumerate(self.positives_)
        ]
        self.rule_weights_ = np.asarray(
            [
                self._rule_weight(n, e)
                for n, e in zip(self.positives_, self.estimators_, strict=True)
            ]
        )
        return self

    def _check_target(self, y) -> np.ndarray:
        """``y`` as an int (n_sentences, n_labels) array of 0/1, else a ValueError worded as
        scikit-learn's classifiers word it."""
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        kind = type_of_target(y, input_name="y")
        if kind not in ("binary", "multilabel-indicator"):
            raise ValueError(
                f"{name} takes 0/1 labels, one column per theme, but y is {kind}. "
                "Only binary classification is supported, theme by theme."
            )
        Y = np.asarray(y)
        if not np.isin(Y, (0, 1)).all():
            raise ValueError(f"{name} takes 0/1 labels, got {np.unique(Y).tolist()}")
        return (Y.reshape(-1, 1) if Y.ndim == 1 else Y).astype(int)

    def _check_lengths(self, X: list[str], Y: np.ndarray) -> None:
        if not X or len(Y) != len(X):
            raise ValueError(
                f"{type(self).__name__} needs at least one sentence and a label row per "
                f"sentence, got {len(X)} sentences and {len(Y)} label rows"
            )
        if Y.shape[1] != len(self.theme_ids):
            raise ValueError(
                f"y has {Y.shape[1]} label columns but phrases name {len(self.theme_ids)} "
                "themes: give one column per theme, in the order of phrases"
            )

    def _rule_weight(self, positives: int, estimator) -> float:
        if estimator is None:
            return 1.0
        if self.prior_strength <= 0:
            return 0.0
        return self.prior_strength / (self.prior_strength + positives)

    def rule_scores(self, X) -> np.ndarray:
        """Each theme's phrase-rule score in [0, 1]; needs no fit, the rules being the phrases."""
        return self._rule_scores(check_sentences(X, self))

    def _rule_scores(self, X: list[str]) -> np.ndarray:
        return rule_score_table(list(theme_matchers(self.phrases).values()), X)

    def features_of(self, X):
        """The feature matrix the learned models score (None when no theme has one)."""
        check_fitted(self, FITTED)
        return self._features_of(check_sentences(X, self))

    def _features_of(self, X: list[str]):
        if self.features_ is None or all(e is None for e in self.estimators_):
            return None
        return self.features_.transform(X)

    def learned_scores(self, X, matrix=None) -> np.ndarray:
        """Each theme's learned probability (NaN where the theme has no learned model)."""
        check_fitted(self, FITTED)
        X = check_sentences(X, self)
        return self._learned_scores(X, self._features_of(X) if matrix is None else matrix)

    def _learned_scores(self, X: list[str], matrix) -> np.ndarray:
        scores = np.full((len(X), len(self.estimators_)), np.nan)
        for j, est in enumerate(self.estimators_):
            if est is not None:
                scores[:, j] = est.predict_proba(matrix)[:, 1]
        return scores

    def scores(self, X) -> tuple[np.ndarray, object]:
        """Scores in [0, 1], one column per theme, and the feature matrix behind them, so that
        explaining a score does not transform the text twice. Scored SCORE_CHUNK sentences at
        a time."""
        check_fitted(self, FITTED)
        X = check_sentences(X, self)
        if len(X) <= SCORE_CHUNK:
            return self._scores(X)
        parts = [self._scores(chunk) for chunk in chunks(X)]
        return np.vstack([s for s, _ in parts]), stack_rows([m for _, m in parts])

    def _scores(self, X: list[str]) -> tuple[np.ndarray, object]:
        matrix = self._features_of(X)
        learned = np.nan_to_num(self._learned_scores(X, matrix), nan=0.0)
        blended = self.rule_weights_ * self._rule_scores(X) + (1 - self.rule_weights_) * learned
        return blended, matrix

    def predict_proba(self, X) -> np.ndarray:
        """Each theme's score in [0, 1]: an (n_sentences, n_themes) array.

        Scikit-learn's own multi-label classifiers return a list of one (n_sentences, 2) array
        per theme; this returns only the positive-class column of each, side by side, which is
        what the tagger, the cross-validation and the threshold tuning consume.
        """
        return self.scores(X)[0]

    def predict(self, X) -> np.ndarray:
        """0/1 per sentence and theme: a score of 0.5 or more (the Tagger applies tuned
        thresholds, as :meth:`predict_with_thresholds` does)."""
        return (self.predict_proba(X) >= 0.5).astype(int)

    def predict_with_thresholds(self, X, thresholds) -> np.ndarray:
        """0/1 per sentence and theme: a score at or above that theme's threshold."""
        return (self.predict_proba(X) >= np.asarray(thresholds)).astype(int)

    def __sklearn_tags__(self):
        tags = text_tags(super().__sklearn_tags__())
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        tags.classifier_tags.multi_class = False  # each theme is a 0/1 problem
        return tags


def stack_rows(matrices: list):
    """Feature matrices of consecutive chunks as one (None if the chunks have no matrix: no
    learned model)."""
    if any(m is None for m in matrices):
        return None
    if issparse(matrices[0]):
        return sparse_vstack(matrices, format="csr")
    return np.vstack(matrices)


def chunks(items: list) -> list[list]:
    """``items`` in consecutive chunks of SCORE_CHUNK."""
    return [items[i : i + SCORE_CHUNK] for i in range(0, len(items), SCORE_CHUNK)]
