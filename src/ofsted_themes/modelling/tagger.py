"""The Tagger: a fitted classifier with its thresholds, themes and metadata; tags sentences with
scores and evidence; saved and loaded pickle-free (``persistence``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from ofsted_themes.core.themes import Theme
from ofsted_themes.modelling.classifier import SCORE_CHUNK, ThemeClassifier, chunks
from ofsted_themes.modelling.concerns import (
    RULES,
    THRESHOLD,
    Cues,
    concern_features,
)
from ofsted_themes.modelling.features import theme_matchers
from ofsted_themes.modelling.persistence import ModelError, read_model, write_model
from ofsted_themes.reading.cleaning import normalise

EVIDENCE_WORDS = 5  # per theme
CONCERN_COLUMNS = ["concern", "concern_score"]


@dataclass
class Tagger:
    classifier: ThemeClassifier
    thresholds: dict[str, float]
    themes: list[Theme]
    metadata: dict = field(default_factory=dict)
    # which tagged sentences raise a concern (``modelling.concerns``), learned on the
    # classifier's features; None where the labelled set held no directions to learn from
    concern_model: object | None = None
    # the direction cues the concern model reads beside those features (None: the features alone)
    concern_cues: Cues | None = None

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def has_concerns(self) -> bool:
        """Whether this tagger says which tagged sentences raise a concern."""
        return self.concern_model is not None

    def model_columns(self) -> list[str]:
        """What :meth:`predict` gives for each sentence, in order."""
        scores = [c for t in self.theme_ids for c in (t, f"{t}_score")]
        return [*scores, *(CONCERN_COLUMNS if self.has_concerns else []), "evidence"]

    def predict(self, sentences: Sequence[str]) -> pd.DataFrame:
        """One row per sentence: ``<theme>`` (0/1), ``<theme>_score``, ``concern`` (0/1) and
        ``concern_score`` (0 for a sentence with no theme; where the tagger learned them) and
        ``evidence``."""
        return pd.DataFrame(self.predict_columns(sentences))

    def concern_probabilities(self, sentences: Sequence[str]) -> np.ndarray:
        """Each sentence's probability of raising a concern were it a finding of some theme,
        whether or not it is tagged (to measure the concern model on labelled findings)."""
        if not self.has_concerns:
            raise ValueError("this tagger was trained without direction labels: no concerns")
        texts = [normalise(str(s)) for s in sentences]
        every = np.ones(len(texts), dtype=bool)
        return self._concern_scores(texts, self.classifier.features_of(texts), every)

    def predict_columns(self, sentences: Sequence[str]) -> dict[str, np.ndarray]:
        """:meth:`predict`'s columns as arrays, for a batch that splits them between letters
        (a frame would be built only to be taken apart). Each sentence is scored as a letter's
        line is cleaned (``normalise``): one from a table or a request, with a soft hyphen, a
        zero-width space or a ligature ("Staﬃng"), scores as the same sentence read from a
        letter."""
        texts = [normalise(str(s)) for s in sentences]
        if len(texts) <= SCORE_CHUNK:
            return self._predict(texts)
        # each chunk explained while its matches are cached
        parts = [self._predict(chunk) for chunk in chunks(texts)]
        return {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}

    def _predict(self, texts: list[str]) -> dict[str, np.ndarray]:
        if not texts:
            scores, matrix = np.zeros((0, len(self.themes))), None
        else:
            scores, matrix = self.classifier.scores(texts)
        limits = np.array([self.thresholds[t] for t in self.theme_ids])
        tags = scores >= limits
        out = {}
        for j, theme in enumerate(self.theme_ids):
            out[theme] = tags[:, j].astype(int)
            out[f"{theme}_score"] = scores[:, j].round(4)
        if self.has_concerns:
            concern = self._concern_scores(texts, matrix, tags.any(axis=1))
            out["concern"] = (concern >= THRESHOLD).astype(int)
            out["concern_score"] = concern.round(4)
        out["evidence"] = np.asarray(self._evidence(texts, tags, matrix), dtype=object)
        return out

    def _concern_scores(self, texts: list[str], matrix, tagged: np.ndarray) -> np.ndarray:
        """Each ``tagged`` sentence's probability of raising a concern, 0 for the others (no
        finding of any theme, so no concern about one): only the tagged are scored, their cues
        matched."""
        scores = np.zeros(len(texts))
        rows = np.flatnonzero(tagged)
        if rows.size:
            chosen = [texts[i] for i in rows.tolist()]
            features = concern_features(matrix[rows], chosen, self.concern_cues)
            scores[rows] = self.concern_model.predict_proba(features)[:, 1]
        return scores

    def _evidence(self, texts: list[str], tags: np.ndarray, matrix) -> list[str]:
        """For each tagged theme, the theme phrases found and the words the model weighed most."""
        matchers = list(theme_matchers(self.classifier.phrases).values())
        learned = self._learned_terms(tags, matrix)
        parts: dict[int, list[str]] = {}
        rows, columns = np.nonzero(tags)  # each sentence's tags together, themes in order
        for i, j in zip(rows.tolist(), columns.tolist(), strict=True):
            found = [m.phrase for m in matchers[j].find(texts[i]) if m.weight > 0]
            words = distinct_words(found + learned.get((i, j), []))[:EVIDENCE_WORDS]
            parts.setdefault(i, []).append(f"{self.theme_ids[j]}: {', '.join(words)}")
        evidence = [""] * len(texts)
        for i, tagged in parts.items():
            evidence[i] = "; ".join(tagged)
        return evidence

    def _learned_terms(self, tags: np.ndarray, matrix) -> dict[tuple[int, int], list[str]]:
        """(sentence, theme) -> the three usable features with the largest positive
        contribution to a tag (ties to the earlier column), ranked for all sentences at once."""
        terms: dict[tuple[int, int], list[str]] = {}
        if matrix is None or not tags.any():
            return terms
        matrix, names = csr_matrix(matrix), self._feature_names
        for j, weights in self._evidence_weights.items():
            rows = np.flatnonzero(tags[:, j])
            if not rows.size:
                continue
            part = matrix[rows]
            contribution = part.data * weights[part.indices]
            row_of = np.repeat(np.arange(len(rows)), np.diff(part.indptr))
            kept = np.flatnonzero(contribution > 0)
            order = kept[np.lexsort((part.indices[kept], -contribution[kept], row_of[kept]))]
            starts = np.searchsorted(row_of[order], np.arange(len(rows)))
            ends = np.append(starts[1:], len(order))
            for r, lo, hi in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
                best = part.indices[order[lo : min(hi, lo + 3)]]
                terms[r, j] = [content_words(names[k]) for k in best.tolist()]
        return terms

    @cached_property
    def _evidence_weights(self) -> dict[int, np.ndarray]:
        """Per theme, the weights of the features that can be evidence (positive, and with
        content words: :func:`content_words`), zero elsewhere."""
        names = self._feature_names
        if not names or not self._weights:
            return {}
        positive = np.logical_or.reduce([w > 0 for w in self._weights.values()])
        usable = np.zeros(len(names), dtype=bool)
        for k in np.flatnonzero(positive).tolist():  # each feature's words looked at once
            usable[k] = bool(content_words(names[k]))
        return {j: np.where(usable & (w > 0), w, 0.0) for j, w in self._weights.items()}

    @cached_property
    def _weights(self) -> dict[int, np.ndarray]:
        found = {}
        for j, est in enumerate(getattr(self.classifier, "estimators_", [])):
            coef = linear_weights(est)
            if coef is not None:
                found[j] = coef
        return found

    @cached_property
    def _feature_names(self) -> list[str]:
        try:
            return list(self.classifier.features_.get_feature_names_out())
        except (AttributeError, ValueError):  # a transformer without names (embeddings)
            return []

    def fingerprint(self) -> str:
        """What identifies the tags this tagger gives: its training (data, configuration, time)
        and its thresholds; a resumed output must come from the same fingerprint."""
        import hashlib

        # a tagger that says which findings raise a concern writes columns one that does not
        # lacks: never resumed onto the other's tables (a plain tagger's print is as it was)
        told = [
            self.metadata,
            self.thresholds,
            *([f"concerns {RULES}"] if self.has_concerns else []),
        ]
        made = json.dumps(told, sort_keys=True, default=str)
        return hashlib.sha256(made.encode()).hexdigest()[:16]

    def save(self, path: Path | str) -> Path:
        """Write the tagger as one skops file (no pickle)."""
        payload = {
            "classifier": self.classifier,
            "thresholds": {k: float(v) for k, v in self.thresholds.items()},
            "themes": json.dumps([asdict(t) for t in self.themes]),
            "metadata": json.dumps(self.metadata, default=str),
            "concern": self.concern_model,
            "concern_cues": json.dumps(asdict(self.concern_cues) if self.concern_cues else None),
        }
        return write_model(path, payload)

    @classmethod
    def load(cls, path: Path | str) -> Tagger:
        """Read a tagger saved by :meth:`save`, trusting only scikit-learn's and this package's
        model classes."""
        payload = read_model(path)
        try:
            themes = [
                Theme(**{**t, "phrases": tuple(t["phrases"])})
                for t in json.loads(payload["themes"])
            ]
            metadata = json.loads(payload["metadata"])
            thresholds = dict(payload["thresholds"])
            # a file saved before taggers said which findings raise a concern has none
            concern = payload.get("concern")
            cues = json.loads(payload.get("concern_cues", "null"))  # none saved before cues
            cues = Cues(cues["phrases"], cues["weight"]) if cues else None
            return cls(payload["classifier"], thresholds, themes, metadata, concern, cues)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model file {path} is damaged ({exc}): retrain it") from None


def linear_weights(estimator) -> np.ndarray | None:
    """A linear model's feature weights, looking inside calibration wrappers; None otherwise."""
    if estimator is None:
        return None
    if hasattr(estimator, "coef_"):
        return np.ravel(estimator.coef_)
    if hasattr(estimator, "calibrated_classifiers_"):
        inner = [linear_weights(c.estimator) for c in estimator.calibrated_classifiers_]
        inner = [w for w in inner if w is not None]
        return np.mean(inner, axis=0) if inner else None
    if hasattr(estimator, "feature_log_prob_"):  # naive Bayes: log-odds per feature
        return estimator.feature_log_prob_[1] - estimator.feature_log_prob_[0]
    return None


def distinct_words(words: list[str]) -> list[str]:
    """``words`` lower-cased, without one whose every word an earlier one holds ("missing"
    after "go missing")."""
    kept: list[str] = []
    seen: set[str] = set()
    for word in (w.lower() for w in words):
        if word and not set(word.split()) <= seen:
            kept.append(word)
            seen.update(word.split())
    return kept


@cache
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, and the verbs that carry tense or mood, not content,
    which it leaves in ("does")."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS | {"does", "did", "doing", "having", "shall"}


@lru_cache(maxsize=2**17)  # a model's features: the same ones explain many sentences
def content_words(feature: str) -> str:
    """A learned feature as evidence a reader can use: the content words of a word n-gram
    ("management of" gives "management"); nothing for a character n-gram, a phrase-score column
    or a term of stop words alone ("to")."""
    transformer, _, term = feature.rpartition("__")
    if transformer.startswith("chars") or ":" in term:
        return ""
    return " ".join(t for t in term.split() if t not in stop_words())
