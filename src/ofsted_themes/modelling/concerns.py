"""Whether a tagged sentence raises a concern: the count an analyst wants apart from strengths
("caseloads are too high" against "leaders have stabilised the workforce").

The annotators label each themed sentence's direction (concern, strength, mixed, neutral:
``data/annotation-guideline.md``); a sentence raises a concern when it is labelled ``concern``
or ``mixed`` (a mixed finding holds one). One model per tagger, whatever the themes: the
direction is the sentence's, learned on the theme classifier's own features, so that it costs a
product of the matrix already made, not a second reading of the text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

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


def fit_concerns(estimator, classifier, texts, y: np.ndarray):
    """``estimator`` fitted on the fitted theme ``classifier``'s features of ``texts`` (None
    when the classifier learns no features: rules alone)."""
    matrix = classifier.features_of(list(texts))
    if matrix is None:
        return None
    return clone(estimator).fit(matrix, y)


def concern_scores(model, matrix, tagged: np.ndarray) -> np.ndarray:
    """Each sentence's probability of raising a concern; 0 for a sentence with no theme (no
    finding of any theme, so no concern about one)."""
    scores = model.predict_proba(matrix)[:, 1] if tagged.any() else np.zeros(len(tagged))
    return np.where(tagged, scores, 0.0)
