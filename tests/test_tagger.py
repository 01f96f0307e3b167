"""The Tagger: predictions with scores and evidence, and a pickle-free save and load that refuses
missing, damaged and untrusted files with a clear message."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from scipy.sparse import csr_matrix
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from ofsted_themes.core.themes import Theme
from ofsted_themes.modelling import classifier as classifier_module
from ofsted_themes.modelling import tagger as tagger_module
from ofsted_themes.modelling.classifier import ThemeClassifier
from ofsted_themes.modelling.features import ThemePhraseFeatures
from ofsted_themes.modelling.persistence import FORMAT_VERSION, ModelError, is_sklearn_estimator
from ofsted_themes.modelling.tagger import Tagger

SENTENCES = [
    "Children at risk of sexual exploitation were not identified quickly.",
    "Girls went missing from care and return home interviews were late.",
    "Social workers carry high caseloads and rely on agency staff.",
    "Managers' oversight and supervision of plans are weak.",
    "The weather was pleasant on the day of the visit.",
    "Young people exploited through county lines went missing from care.",
]


def themes_for(tiny_corpus) -> list[Theme]:
    return [
        Theme(id=t, name=t.title(), phrases=tuple(map(str, p)))
        for t, p in tiny_corpus.phrases.items()
    ]


def tiny_tagger(tiny_corpus, estimator) -> Tagger:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("phrases", ThemePhraseFeatures(tiny_corpus.phrases)),
        ]
    )
    classifier = ThemeClassifier(tiny_corpus.phrases, features, estimator, 5.0, 3)
    classifier.fit(tiny_corpus.texts, tiny_corpus.Y)
    thresholds = {t: 0.4 + 0.05 * j for j, t in enumerate(tiny_corpus.theme_ids)}
    metadata = {"data": "tiny", "overrides": ["model=logreg"], "trained_at": "today"}
    return Tagger(classifier, thresholds, themes_for(tiny_corpus), metadata)


@pytest.fixture
def tagger(tiny_corpus) -> Tagger:
    return tiny_tagger(tiny_corpus, LogisticRegression(class_weight="balanced"))


@pytest.fixture
def rules_tagger(tiny_corpus) -> Tagger:
    classifier = ThemeClassifier(tiny_corpus.phrases, estimator=None)
    classifier.fit(tiny_corpus.texts, tiny_corpus.Y)
    thresholds = dict.fromkeys(tiny_corpus.theme_ids, 0.5)
    return Tagger(classifier, thresholds, themes_for(tiny_corpus))


def test_predict_gives_a_tag_and_a_score_per_theme_and_evidence(tagger):
    out = tagger.predict(SENTENCES)
    raw = tagger.classifier.predict_proba(SENTENCES)
    assert len(out) == len(SENTENCES)
    for j, theme in enumerate(tagger.theme_ids):
        np.testing.assert_allclose(out[f"{theme}_score"], raw[:, j], atol=5e-5)
        assert out[f"{theme}_score"].between(0, 1).all()
        expected = (raw[:, j] >= tagger.thresholds[theme]).astype(int)
        np.testing.assert_array_equal(out[theme], expected)
    assert out[tagger.theme_ids].to_numpy().any(), "nothing tagged: the checks above are empty"
    assert "evidence" in out.columns


def test_a_sentence_is_scored_as_a_letters_line_is_cleaned(tagger):
    """From a table or a REST request, a sentence with soft hyphens, a zero-width space, a
    ligature or runs of spaces scored otherwise than the same sentence read from a letter,
    whose line is cleaned of them ("Staﬃng" was no "staffing")."""
    clean = ["Staffing is unstable and caseloads are high.", "Children go missing from care."]
    written = [
        "Staﬃng is un\u00adstable and  caseloads are high.",
        "Children go mis\u200bsing from care.",
    ]
    assert tagger.predict(written).equals(tagger.predict(clean))


def test_save_then_load_gives_identical_predictions(tagger, tmp_path):
    path = tagger.save(tmp_path / "models" / "tagger.skops")
    assert path.is_file()
    loaded = Tagger.load(path)
    pd.testing.assert_frame_equal(loaded.predict(SENTENCES), tagger.predict(SENTENCES))
    assert loaded.thresholds == tagger.thresholds
    assert loaded.themes == tagger.themes
    assert loaded.metadata == tagger.metadata


def test_save_leaves_no_temporary_file_behind(tagger, tmp_path):
    tagger.save(tmp_path / "tagger.skops")
    tagger.save(tmp_path / "tagger.skops")  # overwrite in place
    assert [p.name for p in tmp_path.iterdir()] == ["tagger.skops"]


def test_the_saved_file_is_not_a_pickle(tagger, tmp_path):
    path = tagger.save(tmp_path / "tagger.skops")
    assert path.read_bytes()[:2] == b"PK"  # a skops zip archive


def test_loading_a_missing_file_says_how_to_get_one(tmp_path):
    with pytest.raises(ModelError, match=r"not found.*python -m train") as error:
        Tagger.load(tmp_path / "nowhere.skops")
    assert "project folder" not in str(error.value)  # a full path needs no hint


def test_a_missing_default_path_says_where_it_was_looked_for(tmp_path, monkeypatch):
    """Run outside the project, the default models/tagger.skops is not there: the message says
    which folder was searched and what to do."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError) as error:
        Tagger.load("models/tagger.skops")
    assert f"not found in {tmp_path} (run from the project folder" in str(error.value)


@pytest.mark.parametrize("content", [b"", b"this is not a model", b"PK\x03\x04broken zip"])
def test_loading_a_corrupt_file_raises_model_error(tmp_path, content):
    path = tmp_path / "tagger.skops"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=r"tagger\.skops.*not a tagger saved by this tool"):
        Tagger.load(path)


def test_loading_a_truncated_file_raises_model_error(tagger, tmp_path):
    path = tagger.save(tmp_path / "tagger.skops")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelError, match=r"tagger\.skops"):
        Tagger.load(path)


def payload(tagger: Tagger, **changes) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "classifier": tagger.classifier,
        "thresholds": tagger.thresholds,
        "themes": json.dumps([asdict(t) for t in tagger.themes]),
        "metadata": json.dumps(tagger.metadata),
    } | changes


def test_loading_a_file_with_an_untrusted_type_is_refused(tagger, tmp_path):
    path = tmp_path / "tagger.skops"
    path.write_bytes(sio.dumps(payload(tagger, metadata=collections.Counter("abc"))))
    with pytest.raises(ModelError, match=r"does not trust.*collections\.Counter"):
        Tagger.load(path)


def test_loading_a_file_that_carries_eval_is_refused(tagger, tmp_path):
    path = tmp_path / "tagger.skops"
    evil = FunctionTransformer(eval).fit(["x"])
    path.write_bytes(sio.dumps(payload(tagger, classifier=evil)))
    with pytest.raises(ModelError, match="does not trust"):
        Tagger.load(path)


def load_in_fresh_process(path) -> str:
    """Load ``path`` as a cold ``tag`` would (skops not yet imported); what it printed."""
    code = (
        "import sys\n"
        "from ofsted_themes.modelling.tagger import Tagger\n"
        "from ofsted_themes.modelling.persistence import ModelError\n"
        f"try: print(Tagger.load({str(path)!r}).theme_ids)\n"
        "except ModelError as e: print('refused:', e)\n"
        "print('scanned' if 'sklearn.gaussian_process' in sys.modules else 'not scanned')\n"
        "print('ensembles', 'sklearn.ensemble' in sys.modules)\n"
        "print('clustering', 'sklearn.cluster' in sys.modules)\n"
        "import scipy, scipy.special, sklearn.utils, sklearn.ensemble, sklearn.cluster\n"
        "print('restored', scipy.special is sys.modules['scipy.special'],"
        " hasattr(scipy.special, 'expit'), len(sklearn.utils.all_estimators()) > 100,"
        " hasattr(sklearn.ensemble, 'RandomForestClassifier'), hasattr(sklearn.cluster, 'KMeans'))"
    )
    return python_prints(code)


def python_prints(code: str) -> str:
    """What a fresh interpreter running ``code`` prints."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_cold_load_skips_the_estimator_scan_and_still_trusts_scikit_learn(tagger, tmp_path):
    printed = load_in_fresh_process(tagger.save(tmp_path / "tagger.skops"))
    assert printed.splitlines() == [
        str(tagger.theme_ids),
        "not scanned",
        "ensembles False",  # nor imported for skops's list of boosting's internal types
        "clustering False",  # nor for the one clustering type skops refuses to save
        "restored True True True True True",  # what the import of skops hid is back, and works
    ]


def test_threads_loading_at_once_leave_no_stand_in_behind(tagger, tmp_path):
    """The import of skops, done once under a lock: four threads loading a model together
    leave scipy's special functions and scikit-learn's estimator list as they were, and no
    module holds the empty stand-in for scipy.special."""
    path = tagger.save(tmp_path / "tagger.skops")
    code = (
        "import sys, threading, types\n"
        "from ofsted_themes.modelling.tagger import Tagger\n"
        f"load = lambda: Tagger.load({str(path)!r})\n"
        "threads = [threading.Thread(target=load) for _ in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "import scipy, scipy.special, sklearn.utils\n"
        "real = sys.modules['scipy.special']\n"
        "left = [m for m in list(sys.modules.values()) for v in list(vars(m).values())"
        " if isinstance(v, types.ModuleType) and v.__name__ == 'scipy.special' and v is not real]\n"
        "print(scipy.special is real, len(sklearn.utils.all_estimators()) > 100, len(left))"
    )
    assert python_prints(code).split() == ["True", "True", "0"]


def test_a_cold_load_still_refuses_what_no_list_trusts(tagger, tmp_path):
    path = tmp_path / "tagger.skops"
    path.write_bytes(sio.dumps(payload(tagger, classifier=FunctionTransformer(eval).fit(["x"]))))
    printed = load_in_fresh_process(path)
    assert printed.startswith("refused:") and "builtins.eval" in printed


@pytest.mark.parametrize(
    ("type_name", "trusted"),
    [
        ("sklearn.linear_model._logistic.LogisticRegression", True),
        ("sklearn.pipeline.FeatureUnion", True),
        ("sklearn.linear_model.LogisticRegression", False),  # not where the class is defined
        ("sklearn.base.BaseEstimator", False),
        ("sklearn.linear_model._base.LinearModel", False),  # abstract
        ("sklearn.utils._testing.TempMemmap", False),  # not an estimator
        ("sklearn.utils._mocking.CheckingClassifier", False),  # exported by no public package
        ("sklearn.no_such_module.Thing", False),
        ("os.system", False),
    ],
)
def test_scikit_learn_estimators_are_told_by_their_own_class(type_name, trusted):
    assert is_sklearn_estimator(type_name) is trusted


def test_a_type_from_scikit_learns_tests_is_refused_without_importing_them():
    # importing this module would raise pytest's Skipped, which no handler expects
    assert not is_sklearn_estimator("sklearn.tests.test_docstrings.Nope")
    assert "sklearn.tests.test_docstrings" not in sys.modules


def test_the_scikit_learn_types_trusted_are_those_skops_trusts_by_default():
    """Every scikit-learn estimator class, told apart as skops's own default list does."""
    code = (
        "import json, skops.io._trusted_types as t, sklearn.base as b\n"
        "def subclasses(c):\n"
        "    for s in c.__subclasses__():\n"
        "        yield s\n"
        "        yield from subclasses(s)\n"
        "every = {f'{c.__module__}.{c.__qualname__}' for c in subclasses(b.BaseEstimator)}\n"
        "print(json.dumps([t.SKLEARN_ESTIMATOR_TYPE_NAMES, sorted(every)]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    trusted, every = json.loads(done.stdout)
    sklearn_classes = [n for n in every if n.startswith("sklearn.")]
    assert len(trusted) > 100 and len(sklearn_classes) > len(trusted)
    assert [n for n in sklearn_classes if is_sklearn_estimator(n) != (n in trusted)] == []


def test_loading_a_file_of_another_format_version_is_refused(tagger, tmp_path):
    path = tmp_path / "tagger.skops"
    path.write_bytes(sio.dumps(payload(tagger, format_version=FORMAT_VERSION + 1)))
    with pytest.raises(ModelError, match="incompatible version"):
        Tagger.load(path)


def test_loading_a_skops_file_that_is_not_a_tagger_is_refused(tmp_path):
    path = tmp_path / "tagger.skops"
    path.write_bytes(sio.dumps(LogisticRegression()))
    with pytest.raises(ModelError, match=r"tagger\.skops"):
        Tagger.load(path)


def test_scoring_in_chunks_gives_what_scoring_at_once_gives(tagger, monkeypatch):
    whole = tagger.predict(SENTENCES)
    scores, matrix = tagger.classifier.scores(SENTENCES)
    for module in (classifier_module, tagger_module):
        monkeypatch.setattr(module, "SCORE_CHUNK", 4)  # six sentences: two chunks
    pd.testing.assert_frame_equal(tagger.predict(SENTENCES), whole)
    chunked_scores, chunked_matrix = tagger.classifier.scores(SENTENCES)
    np.testing.assert_array_equal(chunked_scores, scores)
    assert chunked_matrix.shape == matrix.shape and (chunked_matrix != matrix).nnz == 0


def test_predict_of_no_sentences_is_an_empty_frame_with_the_theme_columns(tagger):
    out = tagger.predict([])
    assert len(out) == 0
    expected = [c for t in tagger.theme_ids for c in (t, f"{t}_score")] + ["evidence"]
    assert list(out.columns) == expected
    assert list(out.columns) == list(tagger.predict(SENTENCES[:1]).columns)


def test_evidence_names_only_tagged_themes(tiny_corpus):
    classifier = ThemeClassifier(tiny_corpus.phrases, estimator=None)
    classifier.fit(tiny_corpus.texts, tiny_corpus.Y)
    thresholds = dict.fromkeys(tiny_corpus.theme_ids, 0.5) | {"missing": 0.99}
    tagger = Tagger(classifier, thresholds, themes_for(tiny_corpus))
    text = "Girls were exploited and went missing from care."
    row = tagger.predict([text]).iloc[0]
    assert row["cse"] == 1 and row["missing"] == 0
    assert row["missing_score"] > 0  # the phrase is there, but the theme is not tagged
    assert row["evidence"] == "cse: exploited"


def test_evidence_lists_the_phrases_found_for_each_tagged_theme(rules_tagger):
    out = rules_tagger.predict(
        [
            "Young people exploited through county lines had high caseloads.",
            "The weather was pleasant.",
        ]
    )
    parts = dict(p.split(": ", 1) for p in out.loc[0, "evidence"].split("; "))
    assert set(parts) == {t for t in rules_tagger.theme_ids if out.loc[0, t] == 1}
    assert parts["cse"].split(", ") == ["exploited", "county lines"]
    assert parts["staffing"] == "caseloads"
    assert out.loc[1, "evidence"] == ""


def test_evidence_of_a_learned_model_stays_with_tagged_themes(tagger):
    out = tagger.predict(SENTENCES)
    for _, row in out.iterrows():
        named = {p.split(":", 1)[0] for p in row["evidence"].split("; ") if p}
        assert named == {t for t in tagger.theme_ids if row[t] == 1}


@pytest.mark.parametrize(
    "estimator",
    [
        LogisticRegression(class_weight="balanced"),
        CalibratedClassifierCV(LinearSVC(class_weight="balanced"), cv=2),  # model=linear_svc
        ComplementNB(),  # weights from log-probabilities
    ],
    ids=["logreg", "linear_svc", "complement_nb"],
)
def test_learned_evidence_is_the_largest_contributions_of_word_features(tiny_corpus, estimator):
    """Ranked for a whole chunk at once, each tagged sentence's learned words are still its own
    three word features of largest weight x value, ties to the earlier column."""
    from ofsted_themes.modelling.tagger import content_words

    tagger = tiny_tagger(tiny_corpus, estimator)
    sentences = SENTENCES * 3  # several tagged for each theme
    scores, matrix = tagger.classifier.scores(sentences)
    tags = scores >= np.array([tagger.thresholds[t] for t in tagger.theme_ids])
    learned = tagger._learned_terms(tags, matrix)
    names, matrix = tagger._feature_names, csr_matrix(matrix)
    expected = {}
    for i, j in zip(*np.nonzero(tags), strict=True):
        weights, row = tagger._weights[j], matrix.getrow(i)
        ranked = sorted(
            (-value * weights[k], k)
            for k, value in zip(row.indices, row.data, strict=True)
            if weights[k] > 0 and content_words(names[k])
        )
        expected[i, j] = [content_words(names[k]) for _, k in ranked[:3]]
    assert learned == expected and any(learned.values())


def test_predict_is_deterministic_and_row_independent(tagger):
    alone = tagger.predict(SENTENCES[2:3]).reset_index(drop=True)
    among = tagger.predict(SENTENCES).iloc[2:3].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, among)
    assert np.array_equal(
        tagger.predict(SENTENCES).to_numpy(), tagger.predict(SENTENCES).to_numpy()
    )


@pytest.mark.parametrize(
    ("feature", "words"),
    [
        ("words__management of", "management"),
        ("words__to", ""),
        ("words__of the", ""),
        ("chars__ overs", ""),
        ("phrases__oversight:score", ""),
        ("words__caseloads", "caseloads"),
        ("words__does", ""),  # an auxiliary verb, which scikit-learn's stop words leave in
        ("words__oversight does", "oversight"),
    ],
)
def test_evidence_is_content_words_of_word_features_only(feature, words):
    from ofsted_themes.modelling.tagger import content_words

    assert content_words(feature) == words


def test_evidence_does_not_repeat_a_word_an_earlier_term_holds():
    from ofsted_themes.modelling.tagger import distinct_words

    assert distinct_words(["go missing", "Missing", "return home", "home visits", "go"]) == [
        "go missing", "return home", "home visits"]  # fmt: skip


def test_no_evidence_term_is_a_stop_word(tagger_file):
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    tagger = Tagger.load(tagger_file)
    sentences = [
        "Social workers told inspectors that their caseloads are too high to do their best work.",
        "Leaders do not have oversight of the quality of practice and audits are weak.",
        "Children who go missing are not always offered a return home interview.",
        "Children at risk of exploitation are not protected by the exploitation panel.",
    ]
    evidence = tagger.predict(sentences)["evidence"]
    terms = [
        t for e in evidence for part in e.split("; ") for t in part.split(": ", 1)[1].split(", ")
    ]
    assert terms, "the tagger tagged nothing"
    assert not [t for t in terms if t in ENGLISH_STOP_WORDS or not t.strip()]


def test_the_same_tagger_saved_by_two_processes_is_the_same_bytes(tagger_file, tmp_path):
    import subprocess
    import sys

    code = "import sys; from ofsted_themes.modelling.tagger import Tagger; "
    code += "Tagger.load(sys.argv[1]).save(sys.argv[2])"
    copies = [tmp_path / "a.skops", tmp_path / "b.skops"]
    Tagger.load(tagger_file).save(copies[0])  # here, and in another process
    subprocess.run([sys.executable, "-c", code, str(tagger_file), str(copies[1])], check=True)
    assert copies[0].read_bytes() == copies[1].read_bytes()
    assert (
        Tagger.load(copies[0])
        .predict(["Caseloads are high."])
        .equals(Tagger.load(tagger_file).predict(["Caseloads are high."]))
    )
