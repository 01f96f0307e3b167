"""The cached tf-idf vectorizer gives scikit-learn's matrix, and saves its vocabulary compactly."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer, strip_accents_unicode

from ofsted_themes.modelling import vectorizers
from ofsted_themes.modelling.persistence import read_model, write_model
from ofsted_themes.modelling.vectorizers import CachedTfidfVectorizer

TRAIN = [
    "Leaders do not know the quality of social work practice.",
    "Social workers' caseloads are too high, and turnover is high.",
    "Children who go missing from home are not always offered a return interview.",
    "The risk of child sexual exploitation is well understood by partners.",
    "Managers' oversight of casework is not consistently effective.",
    "Newly qualified social workers are well supported.",
]
# Accents, a non-breaking space, a spacing diaeresis (which becomes a space once accents go),
# a ligature, tabs and runs of spaces, empty and blank texts.
AWKWARD = [
    "Naïve café workers\tand  managers",
    "social\u00a0workers’ caseloads",
    "a\u00a8b ﬁne Ⅻ",
    "",
    "   ",
    "Leaders know the quality of practice. Leaders know!",
    "UNALLOCATED work: 37 children",
    "spaces\u2003of\x1cevery\u3000\u2028kind\x85 \t here",  # what \s and str.split() cut at
]
SETTINGS = [
    {
        "analyzer": "char_wb",
        "ngram_range": (3, 5),
        "sublinear_tf": True,
        "strip_accents": "unicode",
    },
    {"analyzer": "char_wb", "ngram_range": (2, 4), "min_df": 2, "lowercase": False},
    {"ngram_range": (1, 2), "sublinear_tf": True, "strip_accents": "unicode"},
    {"ngram_range": (1, 1), "lowercase": False},
    # scikit-learn's own path: pairs alone, triples, stop words, and a word cut by max_df
    {"ngram_range": (2, 2)},
    {"ngram_range": (1, 3)},
    {"ngram_range": (1, 2), "stop_words": ["the", "of"]},
    {"ngram_range": (1, 2), "max_df": 0.3},
    {"ngram_range": (1, 2), "token_pattern": r"(?u)\b\w[\w ]+\b"},  # words with spaces
]


def test_python_patterns_and_str_split_take_the_same_characters_for_white_space():
    """Why the char_wb transform may split without first squeezing white space as
    scikit-learn does: ``\\s`` and ``str.split()`` agree on every code point."""
    import re

    space = re.compile(r"\s")
    for code in range(0x110000):
        c = chr(code)
        assert (space.fullmatch(c) is not None) == c.isspace() == (len(f"a{c}b".split()) == 2)


@pytest.mark.parametrize("settings", SETTINGS[:2])
def test_a_batch_without_a_single_word_has_a_row_per_text(settings):
    ours = CachedTfidfVectorizer(**settings).fit(TRAIN)
    theirs = TfidfVectorizer(**settings).fit(TRAIN)
    for texts in (["", "  "], ["", "social workers", ""]):
        assert (ours.transform(texts) != theirs.transform(texts)).nnz == 0
        assert ours.transform(texts).shape == (len(texts), len(theirs.vocabulary_))


@pytest.mark.parametrize("settings", SETTINGS)
def test_the_matrix_is_scikit_learns_cold_and_with_a_warm_cache(settings):
    ours = CachedTfidfVectorizer(**settings).fit(TRAIN)
    theirs = TfidfVectorizer(**settings).fit(TRAIN)
    texts = TRAIN + AWKWARD
    for _ in range(2):  # the second time every word comes from the cache
        difference = ours.transform(texts) - theirs.transform(texts)
        assert abs(difference).max() == 0


@pytest.mark.parametrize("settings", SETTINGS)
def test_fitting_and_transforming_at_once_gives_the_matrix_bit_for_bit(settings):
    """A model fitted on ``fit_transform``'s matrix is the one fitted on ``transform``'s: the
    same vocabulary, weights and values to the last bit, in the same order."""
    texts = TRAIN + AWKWARD
    apart = CachedTfidfVectorizer(**settings).fit(texts)
    together = CachedTfidfVectorizer(**settings)
    matrix, expected = together.fit_transform(texts), apart.transform(texts)
    assert together.vocabulary_ == apart.vocabulary_
    assert np.array_equal(together.idf_, apart.idf_)
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(matrix, part), getattr(expected, part))


def test_words_and_pairs_are_counted_without_scikit_learns_counting(monkeypatch):
    ours = CachedTfidfVectorizer(**SETTINGS[2]).fit(TRAIN)
    expected = TfidfVectorizer(**SETTINGS[2]).fit(TRAIN).transform(TRAIN + AWKWARD + TRAIN[::-1])

    def refuse(*args, **kwargs):
        raise AssertionError("counted by scikit-learn")

    monkeypatch.setattr(CachedTfidfVectorizer, "_count_vocab", refuse)
    assert abs(ours.transform(TRAIN + AWKWARD + TRAIN[::-1]) - expected).max() == 0


def test_a_pair_is_counted_within_a_sentence_never_across_two():
    ours = CachedTfidfVectorizer(ngram_range=(1, 2)).fit(["social workers", "the social"])
    theirs = TfidfVectorizer(ngram_range=(1, 2)).fit(["social workers", "the social"])
    texts = ["the social", "workers", "social", "workers social workers"]
    assert abs(ours.transform(texts) - theirs.transform(texts)).max() == 0


@pytest.mark.parametrize(
    "vocabulary, ngram_range",
    [
        ({"social": 0, "worker": 1, "social worker": 2}, (1, 1)),  # pairs are not counted
        ({"social": 0, "worker": 1, "social worker visits": 2}, (1, 2)),  # not a pair
        ({"social": 0, "worker": 1, "social  worker": 2}, (1, 2)),
        ({"worker": 0, "social worker": 1}, (1, 2)),  # a pair without its first word
    ],
)
def test_a_given_vocabulary_is_counted_as_scikit_learn_counts_it(vocabulary, ngram_range):
    texts = ["social worker visits", "the social worker", "worker social", "social  worker"]
    ours = CachedTfidfVectorizer(vocabulary=vocabulary, ngram_range=ngram_range).fit(texts)
    theirs = TfidfVectorizer(vocabulary=vocabulary, ngram_range=ngram_range).fit(texts)
    assert abs(ours.transform(texts) - theirs.transform(texts)).max() == 0


def test_narrowing_the_n_grams_after_fitting_counts_no_pairs():
    ours = CachedTfidfVectorizer(ngram_range=(1, 2)).fit(TRAIN)
    theirs = TfidfVectorizer(ngram_range=(1, 2)).fit(TRAIN)
    ours.transform(TRAIN)  # its pairs found and kept
    ours.set_params(ngram_range=(1, 1))
    theirs.set_params(ngram_range=(1, 1))
    assert abs(ours.transform(TRAIN) - theirs.transform(TRAIN)).max() == 0


def any_characters(count: int) -> list[str]:
    """Short texts of characters from anywhere: Latin, combining marks (alone and stacked, out
    of canonical order), Hangul syllables and jamo, ligatures, and the astral planes."""
    rng = random.Random(7)
    ranges = [(32, 0x3000), (0x300, 0x370), (0xAC00, 0xD7A4), (0x1100, 0x1200), (0x10000, 0x1F000)]
    return [
        "".join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(rng.randrange(1, 12)))
        for _ in range(count)
    ]


def test_accents_are_stripped_as_scikit_learn_strips_them():
    texts = AWKWARD + TRAIN + any_characters(5_000) + ["e\u0327\u0301 a\u0323\u0308 ǅ ½"]
    assert [vectorizers.strip_accents(t) for t in texts] == list(map(strip_accents_unicode, texts))


@pytest.mark.parametrize("settings", SETTINGS)
def test_the_analyser_cuts_what_scikit_learns_cuts_cold_and_warm(settings):
    ours = CachedTfidfVectorizer(**settings).build_analyzer()
    theirs = TfidfVectorizer(**settings).build_analyzer()
    texts = AWKWARD + TRAIN + any_characters(500)
    vectorizers.clear_caches()
    for _ in range(2):  # the second time every word's n-grams come from the cache
        assert [ours(t) for t in texts] == [theirs(t) for t in texts]
    assert bool(vectorizers._GRAMS) == (settings.get("analyzer") == "char_wb")


@pytest.mark.parametrize("ngram_range", [(3, 5), (2, 4), (1, 1), (1, 3), (5, 5), (4, 6)])
def test_a_word_is_cut_into_scikit_learns_n_grams_at_every_length(ngram_range):
    """Words shorter than, as long as and longer than every n, padded as scikit-learn pads them."""
    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range)._char_wb_ngrams
    words = ["a" * n for n in range(1, 12)] + [w for t in any_characters(300) for w in t.split()]
    for word in [*words, "social", "caseloads", "Naïve"]:
        assert vectorizers.word_grams(word, *ngram_range) == tuple(theirs(word))


def test_counted_pairs_are_scipys_sum_of_duplicates():
    """One entry per (row, column), columns sorted, counts summed: rows without pairs, rows in
    any order, and no pairs at all."""
    from scipy.sparse import csr_matrix

    rng = np.random.default_rng(3)
    for rows_count, pairs in [(50, 2_000), (7, 0), (1, 30), (300, 40)]:
        rows = rng.integers(0, rows_count, pairs)
        columns = rng.integers(0, 90, pairs)
        ours = vectorizers.count_matrix(rows, columns, (rows_count, 90), np.float64)
        theirs = csr_matrix((np.ones(pairs), (rows, columns)), shape=(rows_count, 90))
        theirs.sum_duplicates()
        assert ours.shape == theirs.shape and ours.has_canonical_format
        assert (ours.indptr == theirs.indptr).all() and (ours.indices == theirs.indices).all()
        assert (ours.data == theirs.data).all()


def test_the_table_of_characters_stays_bounded(monkeypatch):
    monkeypatch.setattr(vectorizers, "MAX_CHARACTERS", 50)
    texts = any_characters(200)
    assert [vectorizers.strip_accents(t) for t in texts] == list(map(strip_accents_unicode, texts))
    assert len(vectorizers._UNACCENTED) <= 51


def test_refitting_forgets_the_words_of_the_old_vocabulary():
    settings = SETTINGS[0]
    ours = CachedTfidfVectorizer(**settings).fit(TRAIN[:3])
    ours.transform(TRAIN)
    ours.fit(TRAIN[3:])
    expected = TfidfVectorizer(**settings).fit(TRAIN[3:]).transform(TRAIN)
    assert abs(ours.transform(TRAIN) - expected).max() == 0


def test_a_full_cache_starts_afresh_and_gives_the_same_matrix(monkeypatch):
    monkeypatch.setattr(vectorizers, "CACHED_WORDS", 3)
    ours = CachedTfidfVectorizer(**SETTINGS[0]).fit(TRAIN)
    expected = TfidfVectorizer(**SETTINGS[0]).fit(TRAIN).transform(TRAIN * 2)
    ours.transform(TRAIN)
    full = vectorizers._COLUMNS[ours][1]
    assert len(full) > 3
    assert abs(ours.transform(TRAIN * 2) - expected).max() == 0
    assert vectorizers._COLUMNS[ours][1] is not full  # past the bound: a new cache


def test_the_vocabulary_is_saved_as_one_array_and_comes_back_as_the_dict(tmp_path):
    fitted = CachedTfidfVectorizer(**SETTINGS[0]).fit(TRAIN)
    assert isinstance(fitted.__getstate__()["vocabulary_"], np.ndarray)
    loaded = read_model(write_model(tmp_path / "m.skops", {"v": fitted}))["v"]
    assert loaded.vocabulary_ == fitted.vocabulary_
    assert abs(loaded.transform(AWKWARD) - fitted.transform(AWKWARD)).max() == 0
    assert pickle.loads(pickle.dumps(fitted)).vocabulary_ == fitted.vocabulary_


def test_a_term_ending_in_nul_keeps_the_dict_which_an_array_would_truncate():
    fitted = CachedTfidfVectorizer(analyzer="char_wb", ngram_range=(1, 1)).fit(["a\0", "b"])
    state = fitted.__getstate__()
    assert isinstance(state["vocabulary_"], dict)
    assert pickle.loads(pickle.dumps(fitted)).vocabulary_ == fitted.vocabulary_


def test_a_single_string_is_refused_as_scikit_learn_refuses_it():
    fitted = CachedTfidfVectorizer(**SETTINGS[0]).fit(TRAIN)
    with pytest.raises(ValueError, match="string object received"):
        fitted.transform("one sentence")


def test_saving_leaves_the_fitted_vectorizer_as_it_was(tmp_path):
    fitted = CachedTfidfVectorizer(**SETTINGS[0]).fit(TRAIN)
    before = fitted.transform(TRAIN)
    write_model(tmp_path / "m.skops", {"v": fitted})
    assert isinstance(fitted.vocabulary_, dict)
    assert abs(fitted.transform(TRAIN) - before).max() == 0


def test_a_loaded_vectorizer_names_its_features_as_scikit_learn_does_and_a_refit_renames(tmp_path):
    """Names come from the terms as stored, not a sort of the vocabulary: the same names, and
    never those of a vocabulary the vectorizer no longer has."""
    for settings in SETTINGS:
        fitted = CachedTfidfVectorizer(**settings).fit(TRAIN)
        loaded = read_model(write_model(tmp_path / "m.skops", {"v": fitted}))["v"]
        expected = TfidfVectorizer(**settings).fit(TRAIN).get_feature_names_out()
        assert loaded.get_feature_names_out().tolist() == expected.tolist()
        loaded.fit(TRAIN[2:])
        refitted = TfidfVectorizer(**settings).fit(TRAIN[2:]).get_feature_names_out()
        assert loaded.get_feature_names_out().tolist() == refitted.tolist()
