"""Whether a tagged sentence raises a concern: the count an analyst wants apart from strengths
("caseloads are too high" against "leaders have stabilised the workforce").

The annotators label each themed sentence's direction (concern, strength, mixed, neutral:
``data/annotation-guideline.md``); a sentence raises a concern when it is labelled ``concern``
or ``mixed`` (a mixed finding holds one). One model per tagger, whatever the themes: the
direction is the sentence's, learned on the theme classifier's own features, so that it costs a
product of the matrix already made, not a second reading of the text; beside them, one column
per direction cue (``Cues``: "not", "too high", "remains a challenge", "stable"), as the same
words say which way a finding points whatever its theme, and a few hundred labelled directions
teach them poorly from the words alone ("staff morale remains low" scored 0.07).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, hstack
from sklearn.base import clone

from ofsted_themes.modelling.features import PhraseMatcher, parse_phrases, rule_score_table

RAISES_CONCERN = frozenset({"concern", "mixed"})
MIN_DIRECTIONS = 20  # labelled directions of each kind (concern, not) needed to learn from
THRESHOLD = 0.5  # a class-balanced model's own midpoint: no threshold is tuned
# How `tag` decides a concern beyond the model (2: a letter's list of what needs to improve):
# in a tagger's fingerprint, so that tables written under other rules are never resumed
RULES = 2


def concern_labels(directions: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The rows with a direction label, and for each whether it raises a concern (1) or not."""
    text = directions.astype("string").str.strip().str.lower()
    labelled = (text.notna() & (text != "")).to_numpy(dtype=bool)
    raises = text.isin(RAISES_CONCERN).fillna(False).to_numpy(dtype=bool)
    return labelled, raises[labelled].astype(int)


def learnable(y: np.ndarray) -> bool:
    """Whether labels ``y`` hold enough of both kinds to learn from."""
    return min(int(y.sum()), int(len(y) - y.sum())) >= MIN_DIRECTIONS


@dataclass(frozen=True)
class Cues:
    """Words that say which way a finding points, each a column beside the classifier's
    features (its phrase score, 0.63 where found, times ``weight``); the model learns each
    one's sign ("improve" is a concern in "needs to improve", a strength in "has improved")."""

    phrases: tuple[str, ...]
    weight: float

    @classmethod
    def of(cls, config) -> Cues | None:
        """The configuration's cues (``concern_cues``: phrases and weight), None where absent."""
        if not config or not config.get("phrases"):
            return None
        return cls(tuple(str(p) for p in config["phrases"]), float(config.get("weight", 1.0)))

    def columns(self, texts: Sequence[str]) -> csr_matrix:
        return csr_matrix(rule_score_table(_matchers(self.phrases), texts) * self.weight)


@cache
def _matchers(phrases: tuple[str, ...]) -> tuple[PhraseMatcher, ...]:
    return tuple(PhraseMatcher(parse_phrases([p])) for p in phrases)


def concern_features(matrix, texts: Sequence[str], cues: Cues | None):
    """What the concern model reads: the classifier's ``matrix`` of ``texts``, and the cues'
    columns where it has cues (a model saved without them reads the matrix alone)."""
    if cues is None:
        return matrix
    return hstack([csr_matrix(matrix), cues.columns(texts)], format="csr")


def fit_concerns(estimator, classifier, texts, y: np.ndarray, cues: Cues | None = None):
    """``estimator`` fitted on the fitted theme ``classifier``'s features of ``texts`` and the
    ``cues`` (None when the classifier learns no features: rules alone)."""
    texts = list(texts)
    matrix = classifier.features_of(texts)
    if matrix is None:
        return None
    return clone(estimator).fit(concern_features(matrix, texts, cues), y)


def concern_scores(model, features, tagged: np.ndarray) -> np.ndarray:
    """Each sentence's probability of raising a concern, from ``concern_features``; 0 for a
    sentence with no theme (no finding of any theme, so no concern about one)."""
    scores = model.predict_proba(features)[:, 1] if tagged.any() else np.zeros(len(tagged))
    return np.where(tagged, scores, 0.0)
