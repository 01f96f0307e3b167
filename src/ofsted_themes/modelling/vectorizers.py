"""Tf-idf as scikit-learn computes it, made cheap to apply and to store.

Tagging spends most of its model time in character n-grams: scikit-learn cuts every word of every
sentence into 3-5 character pieces and looks each up, in Python. A letter says "social workers"
and "children" hundreds of times, so :class:`CachedTfidfVectorizer` looks a word's pieces up once
and reuses their columns: the same matrix, several times faster. Word pairs are found the same
way: each word is looked up once, and the pairs of a whole batch of sentences in one numpy search,
instead of a joined string and a dictionary look-up per pair. Its vocabulary is stored as one
array of terms in column order rather than a dict: skops writes a dict entry by entry as JSON, which
made most of a model file's 37 MB and of its loading time.
"""

from __future__ import annotations

import unicodedata
import weakref
from array import array
from functools import partial

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import (
    CountVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
    _preprocess,
)
from sklearn.utils.validation import check_is_fitted

CACHED_WORDS = 200_000  # per vectorizer; a long tagging run starts afresh past this many
WORD_PATTERN = TfidfVectorizer().token_pattern  # scikit-learn's default: words of 2+ characters

# (min_n, max_n) -> word -> its character n-grams: shared by clones, which refit on the same words.
_GRAMS: dict[tuple[int, int], dict[str, tuple[str, ...]]] = {}
# vectorizer -> (the vocabulary the cache was built from, word -> its columns). Held outside the
# estimator, so that it is neither saved in the model file nor copied by clone().
_COLUMNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# vectorizer -> (its vocabulary and n-gram range, its word pairs as sorted keys and their
# columns), held likewise.
_PAIRS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# vectorizer -> (the vocabulary it was loaded with, its terms in column order, as stored), held
# likewise.
_TERMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class CachedTfidfVectorizer(TfidfVectorizer):
    """scikit-learn's ``TfidfVectorizer`` (same parameters, same output) whose ``char_wb``
    transform analyses each distinct word once and whose word transform finds a batch's word
    pairs at once, saved with its vocabulary as an array."""

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # for classes outside sklearn, it is __dict__ itself
        vocabulary = state.get("vocabulary_")
        # numpy's text arrays drop trailing NULs: such a vocabulary stays a dict
        if isinstance(vocabulary, dict) and not any(t.endswith("\0") for t in vocabulary):
            terms = sorted(vocabulary, key=vocabulary.__getitem__)  # column order
            state["vocabulary_"] = np.asarray(terms, dtype=str)
        return state

    def __setstate__(self, state: dict) -> None:
        terms = state.get("vocabulary_")
        if isinstance(terms, np.ndarray):
            state = {**state, "vocabulary_": {t: i for i, t in enumerate(terms.tolist())}}
        super().__setstate__(state)
        if isinstance(terms, np.ndarray):
            _TERMS[self] = (self.vocabulary_, terms)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """scikit-learn's names, the terms in column order; a loaded vectorizer has them as
        stored, where scikit-learn sorts the vocabulary (a tenth of a second of tagging one
        letter: evidence names features)."""
        vocabulary, terms = _TERMS.get(self, (None, None))
        if vocabulary is not None and vocabulary is getattr(self, "vocabulary_", None):
            return np.asarray(terms, dtype=object)
        return super().get_feature_names_out(input_features)

    def build_preprocessor(self):
        """scikit-learn's preprocessor, with ``strip_accents="unicode"`` done by a table of the
        characters met (the same text: tested)."""
        if self.preprocessor is None and self.strip_accents == "unicode":
            return partial(_preprocess, accent_function=strip_accents, lower=self.lowercase)
        return super().build_preprocessor()

    def build_analyzer(self):
        """scikit-learn's analyser; ``char_wb`` cuts each distinct word once (the same n-grams:
        tested), which fitting wants too: cross-validation fits on the same sentences 30 times."""
        analyzer = super().build_analyzer()
        if self.analyzer != "char_wb" or not isinstance(analyzer, partial):
            return analyzer
        return partial(analyzer.func, **(analyzer.keywords | {"ngrams": self._cached_wb_ngrams}))

    def _cached_wb_ngrams(self, text: str) -> list[str]:
        grams: list[str] = []
        for word in text.split():  # no need to squeeze white space first: see _char_counts
            grams.extend(self._word_grams(word))
        return grams

    def _word_grams(self, word: str) -> tuple[str, ...]:
        """A word's character n-grams, as scikit-learn cuts them, kept for every vectorizer with
        the same n-gram range (the clones of one cross-validation among them)."""
        cut = _GRAMS.setdefault(tuple(self.ngram_range), {})
        found = cut.get(word)
        if found is None:
            if len(cut) > CACHED_WORDS:
                cut.clear()
            found = cut[word] = word_grams(word, *self.ngram_range)
        return found

    def fit_transform(self, raw_documents, y=None):
        """scikit-learn's fit and transform in one reading of the text (half the cost of
        fitting, then transforming), with the counts' columns put in order within each row
        before they are weighted: scikit-learn's own ``fit_transform`` leaves them as found, so
        each row's norm was summed in another order than ``transform``'s, and its values
        differed from it in the last bit."""
        self._check_params()
        self._tfidf = TfidfTransformer(
            norm=self.norm,
            use_idf=self.use_idf,
            smooth_idf=self.smooth_idf,
            sublinear_tf=self.sublinear_tf,
        )
        counts = CountVectorizer.fit_transform(self, raw_documents)
        counts.sort_indices()
        self._tfidf.fit(counts)
        return self._tfidf.transform(counts, copy=False)

    def transform(self, raw_documents):
        """The tf-idf matrix of ``raw_documents``, equal to scikit-learn's."""
        if self.binary or not (self.analyzer == "char_wb" or self._plain_words()):
            return super().transform(raw_documents)
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        self._check_vocabulary()
        if self.analyzer == "char_wb":
            counts = self._char_counts(raw_documents)
        else:
            pairs = self._word_pairs()
            if pairs is None:  # a term that is not a word or a pair of word columns
                return super().transform(raw_documents)
            counts = self._word_counts(raw_documents, *pairs)
        return self._tfidf.transform(counts, copy=False)

    def _plain_words(self) -> bool:
        """Words and word pairs cut by scikit-learn's own token pattern (its words hold no space,
        so a term with one is a pair): what ``_word_counts`` counts."""
        return (
            self.analyzer == "word"
            and self.tokenizer is None
            and self.token_pattern == WORD_PATTERN
            and self.stop_words is None
            and tuple(self.ngram_range) in ((1, 1), (1, 2))
        )

    def _word_counts(self, raw_documents, keys: np.ndarray, pair_columns: np.ndarray) -> csr_matrix:
        """Counts of the vocabulary's words and word pairs: a word is a column found in the
        vocabulary; a pair of two such words, in the sorted keys of the vocabulary's pairs."""
        preprocess, tokenize = self.build_preprocessor(), self.build_tokenizer()
        get, columns, lengths = self.vocabulary_.get, [], []
        for document in raw_documents:
            tokens = tokenize(preprocess(self.decode(document)))
            columns.extend([get(token, -1) for token in tokens])
            lengths.append(len(tokens))
        words = np.asarray(columns, dtype=np.int64)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        known = words >= 0
        found_rows, found_columns = [rows[known]], [words[known]]
        if len(keys) and len(words) > 1:
            first, second = words[:-1], words[1:]
            both = known[:-1] & known[1:] & (rows[:-1] == rows[1:])
            wanted = first[both] * len(self.vocabulary_) + second[both]
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            hit = keys[at] == wanted
            found_rows.append(rows[:-1][both][hit])
            found_columns.append(pair_columns[at[hit]])
        rows, words = np.concatenate(found_rows), np.concatenate(found_columns)
        return count_matrix(rows, words, (len(lengths), len(self.vocabulary_)), self.dtype)

    def _word_pairs(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``word_pairs`` of this vectorizer, worked out once for its vocabulary and n-grams."""
        vocabulary, ngram_range, pairs = _PAIRS.get(self, (None, None, None))
        if vocabulary is not self.vocabulary_ or ngram_range != tuple(self.ngram_range):
            pairs = word_pairs(self.vocabulary_, tuple(self.ngram_range))
            _PAIRS[self] = (self.vocabulary_, tuple(self.ngram_range), pairs)
        return pairs

    def _char_counts(self, raw_documents) -> csr_matrix:
        """Counts of the vocabulary's n-grams, built word by word from cached columns."""
        preprocess, columns = self.build_preprocessor(), self._cached_columns()
        indices = array("l")  # a machine array: numpy takes it without converting each item
        indptr = array("l", [0])
        for document in raw_documents:
            # as scikit-learn's char_wb analyser, which squeezes runs of white space (\s\s+)
            # first: that changes no word str.split() gives, as it cuts at the same characters
            for word in preprocess(self.decode(document)).split():
                found = columns.get(word)
                if found is None:
                    found = columns[word] = self._word_columns(word)
                indices.extend(found)
            indptr.append(len(indices))
        shape = (len(indptr) - 1, len(self.vocabulary_))
        rows = np.repeat(np.arange(shape[0]), np.diff(indptr))
        # the array's own C type: a C long is 4 bytes on Windows, where numpy's int_ is 8
        columns = np.frombuffer(indices, dtype=indices.typecode)
        return count_matrix(rows, columns, shape, self.dtype)

    def _word_columns(self, word: str) -> array:
        grams = self._word_grams(word)  # scikit-learn's own cutting, on one word
        return array("l", [c for c in map(self.vocabulary_.get, grams) if c is not None])

    def _cached_columns(self) -> dict[str, array]:
        vocabulary, columns = _COLUMNS.get(self, (None, None))
        if vocabulary is not self.vocabulary_ or len(columns) > CACHED_WORDS:
            columns = {}
            _COLUMNS[self] = (self.vocabulary_, columns)
        return columns


def word_grams(word: str, min_n: int, max_n: int) -> tuple[str, ...]:
    """The ``char_wb`` n-grams of one word as scikit-learn's ``_char_wb_ngrams`` cuts them (the
    word padded with a space each side; a padded word no longer than n is one n-gram, and ends
    the cutting), by slicing rather than its loop of appends: a long tagging run meets new
    words (names, places) to the end."""
    padded = f" {word} "
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if len(padded) <= n:
            grams.append(padded)
            break
        grams += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    return tuple(grams)


def count_matrix(
    rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int], dtype
) -> csr_matrix:
    """How often each (row, column) pair occurs, as a CSR matrix of one entry per pair with its
    columns sorted: what scipy's ``sum_duplicates`` makes of a matrix of ones, from one sort of
    the pairs as 64-bit integers (row in the high half) rather than a sort of each row. Rows
    below 2**31 and columns below 2**32: a batch of sentences and a vocabulary are far smaller."""
    keys = np.left_shift(rows, 32, dtype=np.int64)
    keys |= columns
    keys.sort()
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=len(keys)).astype(dtype)
    pairs = keys[starts]
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs >> 32, minlength=shape[0]), out=indptr[1:])
    matrix = csr_matrix((counts, pairs & 0xFFFFFFFF, indptr), shape=shape)
    matrix.has_canonical_format = True
    return matrix


def word_pairs(
    vocabulary: dict[str, int], ngram_range: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray] | None:
    """A vocabulary's word pairs as sorted keys (the first word's column × the vocabulary's size
    + the second's) and each key's column; None when a term with a space is not a pair of two
    word columns (a vocabulary given by the user, or one cut by max_df or max_features), or when
    pairs are not counted at all (``ngram_range`` (1, 1))."""
    size, keys, columns = len(vocabulary), [], []
    for term, column in vocabulary.items():
        if " " not in term:
            continue
        words = term.split(" ")
        if ngram_range[1] < 2 or len(words) != 2 or not all(w in vocabulary for w in words):
            return None
        keys.append(vocabulary[words[0]] * size + vocabulary[words[1]])
        columns.append(column)
    order = np.argsort(keys)
    return np.asarray(keys, dtype=np.int64)[order], np.asarray(columns, dtype=np.int64)[order]


class _Unaccented(dict):
    """Code point -> the character without its accents, as scikit-learn's
    ``strip_accents_unicode`` gives it (NFKD, combining marks dropped), worked out once each.
    Character by character is the same as the whole text at once: NFKD decomposes each
    character alone, and the only reordering it does is of the combining marks dropped."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        if len(self) > MAX_CHARACTERS:  # any text may hold any character: bounded
            self.clear()
        found = self[code] = "".join(c for c in decomposed if not unicodedata.combining(c))
        return found


MAX_CHARACTERS = 10_000
_UNACCENTED = _Unaccented()


def strip_accents(text: str) -> str:
    """scikit-learn's ``strip_accents_unicode``, faster on text with a few non-ASCII
    characters (a letter's curly apostrophes would send each sentence down its slow path)."""
    return text if text.isascii() else text.translate(_UNACCENTED)


def clear_caches() -> None:
    """Forget every vectorizer's cached words (benchmarks compare cold runs)."""
    _COLUMNS.clear()
    _PAIRS.clear()
    _GRAMS.clear()
    _UNACCENTED.clear()
