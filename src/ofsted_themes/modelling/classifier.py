"""The multi-label theme classifier: learned per-theme models blended with the themes' phrase rules.

Each theme is one binary problem. Where a theme has few positives, the learned score is shrunk
towards the phrase-rule score (a prior from the theme's configured knowledge): the blend weight
of the rules is ``prior_strength / (prior_strength + positives)``. A theme with fewer than
``min_positives`` positives in the training data is scored by its rules alone, since a model fitted
to one or two examples says more about those sentences than about the theme.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from ofsted_themes.modelling.features import rule_score, theme_matchers


class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier of raw sentences.

    Parameters
    ----------
    phrases: theme id -> configured phrases (also fixes the theme order of the outputs).
    features: a transformer of raw text (e.g. a FeatureUnion of tf-idf and phrase features),
        or None for the rules alone.
    estimator: a binary classifier with ``predict_proba``, cloned per theme; None for rules alone.
    prior_strength: how many positives the rules are worth (0: learned scores only).
    min_positives: below this many positives a theme is scored by its rules alone.
    """

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

    def fit(self, X, Y):
        X, Y = list(X), np.asarray(Y, dtype=int).reshape(len(X), -1)
        self.positives_ = Y.sum(axis=0)
        learn = self.estimator is not None and self.features is not None
        self.features_ = clone(self.features).fit(X, Y) if learn else None
        matrix = self.features_.transform(X) if learn else None
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

    def _rule_weight(self, positives: int, estimator) -> float:
        if estimator is None:
            return 1.0
        if self.prior_strength <= 0:
            return 0.0
        return self.prior_strength / (self.prior_strength + positives)

    def rule_scores(self, X) -> np.ndarray:
        matchers = list(theme_matchers(self.phrases).values())
        return np.asarray([[rule_score(m.find(t)) for m in matchers] for t in X]).reshape(
            len(X), len(matchers)
        )

    def features_of(self, X):
        """The feature matrix the learned models score (None when no theme has one)."""
        if self.features_ is None or all(e is None for e in self.estimators_):
            return None
        return self.features_.transform(X)

    def learned_scores(self, X, matrix=None) -> np.ndarray:
        """Each theme's learned probability (NaN where the theme has no learned model)."""
        scores = np.full((len(X), len(self.estimators_)), np.nan)
        matrix = self.features_of(X) if matrix is None else matrix
        for j, est in enumerate(self.estimators_):
            if est is not None:
                scores[:, j] = est.predict_proba(matrix)[:, 1]
        return scores

    def scores(self, X) -> tuple[np.ndarray, object]:
        """Scores in [0, 1], one column per theme, and the feature matrix behind them, so that
        explaining a score does not transform the text twice."""
        X = list(X)
        matrix = self.features_of(X)
        learned = np.nan_to_num(self.learned_scores(X, matrix), nan=0.0)
        blended = self.rule_weights_ * self.rule_scores(X) + (1 - self.rule_weights_) * learned
        return blended, matrix

    def predict_proba(self, X) -> np.ndarray:
        """Scores in [0, 1], one column per theme."""
        return self.scores(X)[0]

    def predict(self, X, thresholds=None) -> np.ndarray:
        limits = np.full(len(self.theme_ids), 0.5) if thresholds is None else thresholds
        return (self.predict_proba(X) >= np.asarray(limits)).astype(int)
