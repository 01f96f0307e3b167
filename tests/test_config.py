"""Every option of every config group composes and builds; check_overrides turns bad command
lines into one line that says what to fix.

The options are discovered from the yaml files of each group folder, so a new option is covered
without editing this file.
"""

from __future__ import annotations

import os
import re
from functools import cache

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf

from ofsted_themes.core.config import CONF_DIR, check_overrides, register_resolvers
from ofsted_themes.modelling.classifier import ThemeClassifier

GROUPS = sorted(p.name for p in CONF_DIR.iterdir() if p.is_dir())


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


GROUP_OPTIONS = [(group, option) for group in GROUPS for option in options(group)]


@cache
def composed(*overrides: str, hydra_config: bool = False):
    """The composed training config (cached: composing is slow; tests must not modify it)."""
    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("train", overrides=list(overrides), return_hydra_config=hydra_config)


def test_the_groups_the_training_config_uses_are_discovered():
    found = {group for group, _ in GROUP_OPTIONS}
    expected = {
        "features",
        "model",
        "thresholds",
        "experiment",
        "debug",
        "hparams_search",
        "data",
        "themes",
    }
    assert expected <= found


def test_the_default_config_composes_and_builds():
    cfg = composed()
    classifier = instantiate(cfg.classifier, _convert_="all")
    assert isinstance(classifier, ThemeClassifier)
    assert classifier.theme_ids == list(cfg.themes)
    assert hasattr(instantiate(cfg.thresholds), "choose")


@pytest.mark.parametrize(
    ("group", "option"), GROUP_OPTIONS, ids=[f"{g}={o}" for g, o in GROUP_OPTIONS]
)
def test_every_option_composes_and_its_classifier_and_thresholds_build(group, option):
    cfg = composed(f"{group}={option}")
    choices = OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves
    assert choices["themes"], "no themes configured"
    classifier = instantiate(cfg.classifier, _convert_="all")
    assert isinstance(classifier, ThemeClassifier)
    assert classifier.theme_ids == list(cfg.themes)
    policy = instantiate(cfg.thresholds)
    scores, truth = np.array([0.1, 0.4, 0.6, 0.9]), np.array([False, False, True, True])
    assert 0.0 <= policy.choose(scores, truth) <= 1.0


@pytest.mark.parametrize("features", options("features"))
def test_phrase_weight_scales_the_phrase_columns_of_every_feature_set(features):
    weights = [
        transformer.weight
        for _, transformer in composed(
            f"features={features}", "phrase_weight=0.25"
        ).features.transformer_list
        if transformer._target_.endswith("ThemePhraseFeatures")
    ]
    assert weights == ([] if features == "tfidf_word" else [0.25])


@pytest.mark.parametrize("model", options("model"))
@pytest.mark.parametrize("features", options("features"))
def test_every_model_fits_on_every_feature_set(model, features, tiny_corpus):
    if "embeddings" in features:
        pytest.importorskip("sentence_transformers", reason="optional extra: make embeddings")
        if model == "complement_nb":
            pytest.skip("naive Bayes needs non-negative features; embeddings are signed")
    cfg = composed(f"model={model}", f"features={features}")
    classifier = instantiate(cfg.classifier, _convert_="all")
    columns = [tiny_corpus.theme_ids.index(t) for t in classifier.theme_ids]
    classifier.fit(tiny_corpus.texts, tiny_corpus.Y[:, columns])
    scores = classifier.predict_proba(["Children were exploited.", "Nothing of note here."])
    assert scores.shape == (2, len(columns))
    assert np.all((scores >= 0) & (scores <= 1))


def test_each_theme_option_configures_one_theme_with_phrases():
    for option in options("themes"):
        if option == "default":
            continue
        cfg = composed(f"themes={option}")
        assert list(cfg.themes) == [option]
        assert cfg.themes[option].phrases, f"theme {option} has no phrases"


def test_default_themes_lists_every_theme_file():
    themes = set(composed().themes)
    assert themes == set(options("themes")) - {"default"}


def test_the_debug_option_switches_tracking_off_and_moves_outputs():
    cfg = composed("debug=fast")
    assert cfg.mlflow.enabled is False
    assert cfg.output.model != composed().output.model


def test_the_debug_option_trains_on_the_seeds_unless_told_otherwise():
    assert composed().data.name == "seeds+letters"
    assert composed("debug=fast").data.name == "seeds"  # seconds, not a minute
    assert composed("debug=fast", "data=letters").data.name == "letters"


def test_the_rules_baseline_experiment_selects_rules_alone():
    cfg = composed("experiment=rules_baseline")
    classifier = instantiate(cfg.classifier, _convert_="all")
    assert classifier.estimator is None
    assert instantiate(cfg.thresholds).choose(np.array([0.9]), np.array([True])) == 0.5


def test_the_optuna_search_composes_with_the_optuna_sweeper():
    cfg = composed("hparams_search=optuna", hydra_config=True)
    assert "optuna" in cfg.hydra.sweeper._target_.lower()
    assert cfg.hydra.sweeper.direction == "maximize"
    assert cfg.hydra.sweeper.params, "the search has no parameters"


def test_the_optuna_search_names_only_existing_options_and_keys():
    cfg = composed("hparams_search=optuna", hydra_config=True)
    for key, space in cfg.hydra.sweeper.params.items():
        if key in GROUPS:
            chosen = re.fullmatch(r"choice\((.*)\)", space).group(1)
            for value in (v.strip() for v in chosen.split(",")):
                assert value in options(key), f"{key}={value} is not in conf/{key}"
        else:
            assert OmegaConf.select(cfg, key) is not None, f"{key} is not a config key"


# --- check_overrides -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["model=linear_svc", "features=tfidf_char"],
        ["-m", "model=logreg,linear_svc"],
        ["--multirun", "model=logreg,phrase_rules", "features=tfidf_word"],
        ["experiment=rules_baseline"],
        ["-m", "hparams_search=optuna"],
        ["model.prior_strength=5", "thresholds.strength=0"],
        ["hydra.run.dir=/somewhere/run", "output.model=/somewhere/tagger.skops"],
        ["mlflow.enabled=false"],
    ],
    ids=str,
)
def test_good_overrides_pass(argv):
    assert check_overrides("train", argv) is None


def one_line(message: str | None) -> str:
    assert message, "a bad override was accepted"
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_an_unknown_choice_names_the_available_options():
    message = one_line(check_overrides("train", ["model=foo"]))
    assert "foo" in message
    for option in options("model"):
        assert option in message


def test_an_unknown_choice_lists_only_the_options():
    message = one_line(check_overrides("train", ["model=foo"]))
    listed = {c.strip() for c in message.split("choose one of", 1)[1].split(",")}
    assert listed == set(options("model"))


def test_an_unknown_key_is_named():
    message = one_line(check_overrides("train", ["model.nope=1"]))
    assert "model.nope" in message


def test_a_key_not_where_it_was_looked_for_is_pointed_to():
    message = one_line(check_overrides("train", ["model.C=3"]))
    assert "model.estimator.C" in message


def test_an_added_key_that_nothing_would_read_is_refused_with_where_it_is():
    """+model.C=3 trained the default model, registered it and named the run 'C=3'."""
    message = one_line(check_overrides("train", ["+model.C=3"]))
    assert "nothing reads" in message and "model.estimator.C" in message
    assert check_overrides("train", ["-m", "model.estimator.C=1,3", "+data.lettres=x.csv"])


@pytest.mark.parametrize(
    "argv",
    [
        ["+model.estimator.l1_ratio=0.5"],  # an estimator takes it (and refuses a wrong one)
        ["+concern_model.tol=0.001"],
        ["+themes.neglect.name=Neglect"],  # the themes are read whole: a new one
        ["+data.user_labels=data/labels/user.csv"],  # a key another data option sets
    ],
    ids=str,
)
def test_a_key_added_where_it_is_read_passes(argv):
    assert check_overrides("train", argv) is None


@pytest.mark.parametrize("override", ["model=[logreg", "model", "model==logreg"])
def test_a_malformed_override_is_one_line(override):
    message = one_line(check_overrides("train", [override]))
    assert message.strip()


def test_a_sweep_with_an_unknown_later_choice_is_refused():
    message = one_line(check_overrides("train", ["-m", "model=logreg,foo"]))
    assert "foo" in message


def test_the_values_of_hydra_flags_are_not_read_as_overrides():
    assert check_overrides("train", ["--cfg", "job", "model=linear_svc"]) is None
    problem = check_overrides("train", ["--cfg", "job", "model=nonesuch"])
    assert problem and "nonesuch" in problem


@pytest.mark.slow
@pytest.mark.parametrize("model", options("model"))
def test_every_model_option_round_trips_through_tag_and_pyfunc(model, tiny_corpus, tmp_path):
    from ofsted_themes.core.themes import themes_from_config
    from ofsted_themes.modelling.tagger import Tagger

    cfg = composed(f"model={model}")
    classifier = instantiate(cfg.classifier, _convert_="all")
    columns = [tiny_corpus.theme_ids.index(t) for t in classifier.theme_ids]
    classifier.fit(tiny_corpus.texts, tiny_corpus.Y[:, columns])
    themes = themes_from_config(cfg.themes)
    tagger = Tagger(classifier, dict.fromkeys(classifier.theme_ids, 0.5), themes, {})
    saved = tagger.save(tmp_path / "tagger.skops")
    loaded = Tagger.load(saved)  # trusted types only
    sentences = ["Children were exploited.", "Caseloads are high.", "Nothing of note."]
    expected = tagger.predict(sentences)
    assert loaded.predict(sentences).equals(expected)
    assert_tag_and_pyfunc_agree(saved, sentences, expected, tmp_path)


def assert_tag_and_pyfunc_agree(saved, sentences, expected, tmp_path) -> None:
    """`tag` on a table of the sentences, and the MLflow pyfunc model made from the same file,
    give the Tagger's own tags and scores."""
    import mlflow
    import pandas as pd

    import ofsted_themes
    from ofsted_themes.cli import tag
    from ofsted_themes.tracking.runs import PYFUNC_CODE

    table = tmp_path / "sentences.csv"
    pd.DataFrame({"text": sentences}).to_csv(table, index=False)
    out = tmp_path / "tags.csv"
    assert tag.main([str(table), "--model", str(saved), "--out", str(out), "--no-report"]) == 0
    tagged = pd.read_csv(out)
    columns = [c for c in expected.columns if c != "evidence"]
    pd.testing.assert_frame_equal(tagged[columns], expected[columns], check_dtype=False)

    model = tmp_path / "pyfunc"
    package = os.path.dirname(ofsted_themes.__file__)
    mlflow.pyfunc.save_model(
        model, python_model=str(PYFUNC_CODE), artifacts={"tagger": str(saved)},
        code_paths=[package],
    )  # fmt: skip
    served = mlflow.pyfunc.load_model(str(model)).predict(pd.DataFrame({"text": sentences}))
    pd.testing.assert_frame_equal(served.reset_index(drop=True), expected, check_dtype=False)


@pytest.mark.parametrize(
    "overrides", [["model.estimator.C=10"], ["model.prior_strength=20", "phrase_weight=0.5"]]
)
def test_overriding_a_default_with_its_own_value_is_the_same_configuration(overrides):
    """The value as a user types it: the saved model, and so its registration, are the same."""
    from ofsted_themes.cli.train import model_settings

    assert OmegaConf.to_yaml(model_settings(composed(*overrides))) == OmegaConf.to_yaml(
        model_settings(composed())
    )
