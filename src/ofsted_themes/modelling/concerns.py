"""Whether a tagged sentence raises a concern: the count an analyst wants apart from strengths
("caseloads are too high" against "leaders have stabilised the workforce").

The annotators label each themed sentence's direction (concern, strength, mixed, neutral:
``data/annotation-guideline.md``); a sentence raises a concern when it is labelled ``concern``
or ``mixed`` (a mixed finding holds one). One model per tagger, whatever the themes: the
direction is the sentence's, learned on the theme classifier's own features, so that it costs a
product of the matrix already made, not a second reading of the text; beside them, one column
per direction cue (``Cues``: "not", "too high", "remains a challenge", "stable"), as the same
words say which way a finding points whatever its theme, and a few hundred labelled directions
teach them poorly from the words alone ("workforce stability is not a strength" scored 0.34 for
a concern without them, 0.65 with them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, hstack
from sklearn.base import clone

from ofsted_themes.modelling.features import PhraseMatcher, parse_phrases

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
    """Words that say which way a finding points, one column each beside the classifier's
    features (``weight`` where the sentence holds it, matched as the themes' phrases are); the
    model learns each one's sign ("improve" is a concern in "needs to improve", a strength in
    "has improved"). Built from the configuration (``concern_cues``, a ``_target_``) or a
    saved tagger."""

    phrases: tuple[str, ...]
    weight: float

    def __post_init__(self) -> None:  # a configuration's list and number, checked
        object.__setattr__(self, "phrases", tuple(str(p) for p in self.phrases))
        try:
            object.__setattr__(self, "weight", float(self.weight))
        except (TypeError, ValueError):
            raise ValueError(f"concern_cues: the weight is a number, not {self.weight!r}") from None
        if not self.phrases or not self.weight > 0:
            raise ValueError("concern_cues: give phrases, and a weight above 0 (or null: none)")

    @property
    def width(self) -> int:
        """Columns: one per distinct phrase as stemmed ("vacancy" and "vacancies" are one)."""
        return len(_scanner(self.phrases)[1])

    def columns(self, texts: Sequence[str]) -> csr_matrix:
        """Which cues each text holds, scanned once for them all (longest first, as a theme's
        phrases are: "not always" is not also "not")."""
        matcher, column = _scanner(self.phrases)
        rows, columns = [], []
        for i, text in enumerate(texts):
            found = {column[key] for key in matcher.keys(text)}
            rows += [i] * len(found)
            columns += sorted(found)
        data = np.full(len(rows), self.weight)
        return csr_matrix((data, (rows, columns)), shape=(len(texts), len(column)))


@cache
def _scanner(phrases: tuple[str, ...]) -> tuple[PhraseMatcher, dict[str, int]]:
    """One matcher of all the cues, and each (stemmed) cue's column."""
    stemmed = parse_phrases(phrases)
    return PhraseMatcher(stemmed), {key: j for j, key in enumerate(stemmed)}


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
