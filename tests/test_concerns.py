"""Concerns apart from strengths: which tagged sentences raise a concern, learned from the
annotators' direction labels, measured out of fold, and counted per theme in every output."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from sklearn.linear_model import LogisticRegression

from ofsted_themes.cli import tag
from ofsted_themes.core.errors import OfstedThemesError
from ofsted_themes.core.themes import themes_from_config
from ofsted_themes.modelling.concerns import concern_labels
from ofsted_themes.modelling.persistence import write_model
from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.tagging.batch import run_batch
from ofsted_themes.training.fitting import train

ROOT = Path(__file__).resolve().parents[1]
LETTER = """Dear Ms Smith

Focused visit to Lowmoor children's services

Caseloads are too high in the assessment teams, and many experienced social workers have left.
Leaders have stabilised the workforce, and most social workers now stay with the council.
Managers do not always provide regular supervision, and it rarely challenges drift.
Supervision is regular and reflective, and it helps social workers to plan their work.
Children who go missing from home are not always offered a return home interview.
The council is in the north of England.

Yours sincerely
"""


def themed(frame: pd.DataFrame, theme_ids: list[str]) -> np.ndarray:
    return (frame[theme_ids] == 1).any(axis=1).to_numpy()


def test_a_concern_or_a_mixed_finding_raises_a_concern_and_a_blank_is_no_label():
    directions = pd.Series(["concern", " Mixed", "strength", "neutral", "", None, np.nan])
    labelled, raises = concern_labels(directions)
    assert labelled.tolist() == [True, True, True, True, False, False, False]
    assert raises.tolist() == [1, 1, 0, 0]


def test_a_users_themed_sentence_given_no_direction_is_no_error_of_the_counted_concerns():
    """A user's label may leave the direction out: a concern found there was a false one."""

    from ofsted_themes.training.concerns import concern_metrics

    frame = pd.DataFrame({"source": ["user"] * 4, "voice": ["unknown"] * 4})
    truth = np.array([1, 0, -1, -1])  # the third themed, its direction not given
    Y = np.array([[1], [1], [1], [0]])
    tagged = np.array([[1], [1], [1], [0]])
    folds = [(np.arange(4), np.array([0.9, 0.1, 0.9, 0.0]))]
    metrics = concern_metrics(frame, truth, ["staffing"], (Y, tagged), folds)
    assert metrics["concern_count_f1_staffing"] == 1.0  # the third neither right nor wrong


def test_only_a_tagged_sentence_raises_a_concern(tagger_file):
    tagger = Tagger.load(tagger_file)
    sentences = LETTER.splitlines()[4:10]
    tags = tagger.predict(sentences)
    assert tagger.has_concerns and {"concern", "concern_score"} <= set(tags.columns)
    tagged = themed(tags, tagger.theme_ids)
    assert tagged.any() and not tagged.all()  # the council's place has no theme
    assert (tags.loc[~tagged, ["concern", "concern_score"]] == 0).all().all()
    assert ((tags["concern_score"] >= 0.5).astype(int) == tags["concern"]).all()
    # the same theme, one way and the other: the concern scores higher
    by_text = dict(zip(sentences, tags["concern_score"], strict=True))
    assert by_text[sentences[0]] > by_text[sentences[1]]  # caseloads too high / stabilised
    assert by_text[sentences[2]] > by_text[sentences[3]]  # supervision lacking / regular


def test_a_tagger_without_a_concern_model_gives_no_concern_columns(tagger_file, tmp_path):
    tagger = Tagger.load(tagger_file)
    tagger.concern_model = None
    assert "concern" not in tagger.predict(["Caseloads are too high."]).columns
    # a model file saved before taggers learned concerns: read as a tagger without them
    old = tmp_path / "old.skops"
    payload = {"classifier": tagger.classifier, "thresholds": tagger.thresholds}
    themes = json.dumps([asdict(t) for t in tagger.themes])
    write_model(old, payload | {"themes": themes, "metadata": "{}"})
    loaded = Tagger.load(old)
    assert not loaded.has_concerns and "concern" not in loaded.model_columns()


def test_the_concern_model_reads_the_configured_direction_cues_beside_the_features(
    tagger_file, tmp_path
):
    """The cues are saved with the tagger and read at every scoring; a model file of format 1,
    saved before them, reads the classifier's features alone, as its model was fitted on."""
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    from ofsted_themes.core.config import CONF_DIR, register_resolvers
    from ofsted_themes.modelling.persistence import skops_io

    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        configured = instantiate(compose("train").concern_cues, _convert_="all")
    tagger = Tagger.load(tagger_file)
    assert configured is not None and tagger.concern_cues == configured
    sentences = LETTER.splitlines()[4:10]
    features = tagger.classifier.features_of(sentences)
    assert tagger.concern_model.n_features_in_ == features.shape[1] + configured.width
    plain = LogisticRegression().fit(features, [0, 1] * 3)
    old = tmp_path / "format1.skops"
    themes = json.dumps([asdict(t) for t in tagger.themes])
    saved = {"classifier": tagger.classifier, "thresholds": tagger.thresholds, "themes": themes}
    saved |= {"format_version": 1, "metadata": "{}", "concern": plain}  # no concern_cues
    old.write_bytes(skops_io().dumps(saved))
    loaded = Tagger.load(old)
    assert loaded.concern_cues is None
    expected = plain.predict_proba(features)[:, 1]
    assert loaded.concern_probabilities(sentences) == pytest.approx(expected)


def tag_letter(tagger_file: Path, folder: Path, **options):
    inbox = folder / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / "lowmoor.txt").write_text(LETTER, encoding="utf-8")
    out, summary = folder / "out" / "tags.csv", folder / "out" / "letters.csv"
    result = run_batch(
        Tagger.load(tagger_file), [str(inbox)], out=out, summary=summary, progress=False, **options
    )
    return result, pd.read_csv(out), pd.read_csv(summary)


def test_the_summary_counts_each_themes_sentences_that_raise_a_concern(tagger_file, tmp_path):
    result, tags, summary = tag_letter(tagger_file, tmp_path)
    theme_ids = Tagger.load(tagger_file).theme_ids
    raised = tags["concern"] == 1
    assert raised.any() and (~raised & themed(tags, theme_ids)).any()
    for theme in theme_ids:
        expected = int(((tags[theme] == 1) & raised).sum())
        assert summary.at[0, f"{theme}_concerns"] == expected
        assert expected <= summary.at[0, f"{theme}_count"]
        assert result.concern_counts[theme] == expected
    columns = list(summary.columns)
    assert columns.index("staffing_count") + 1 == columns.index("staffing_concerns")


def test_resume_refuses_a_summary_whose_concerns_were_edited(tagger_file, tmp_path):
    _, _tags, summary = tag_letter(tagger_file, tmp_path)
    theme = next(t for t in Tagger.load(tagger_file).theme_ids if summary.at[0, f"{t}_count"])
    summary.loc[0, f"{theme}_concerns"] += 1
    summary.to_csv(tmp_path / "out" / "letters.csv", index=False)
    with pytest.raises(OfstedThemesError, match=f"{theme} sentences raising a concern"):
        tag_letter(tagger_file, tmp_path, resume=True)


def tag_with_report(model: Path, folder: Path) -> tuple[pd.DataFrame, BeautifulSoup]:
    """The letter tagged by the command, which writes the report beside the tables."""
    (folder / "lowmoor.txt").write_text(LETTER, encoding="utf-8")
    out = folder / "out" / "tags.csv"
    assert tag.main([str(folder / "lowmoor.txt"), "--model", str(model), "--out", str(out)]) == 0
    report = (folder / "out" / "report.html").read_text(encoding="utf-8")
    return pd.read_csv(out), BeautifulSoup(report, "html.parser")


def test_the_report_counts_concerns_and_filters_the_sentences_by_them(tagger_file, tmp_path):
    tags, soup = tag_with_report(tagger_file, tmp_path)
    rows = soup.select("#findings-table tbody tr")
    marked = [row["data-concern"] for row in rows]
    assert marked.count("1") == int((tags["concern"] == 1).sum()) and "0" in marked
    assert soup.select_one("#f-concern") is not None
    links = [a["href"] for a in soup.select("#letters-table small.concerns a")]
    assert links and all("concern=1" in href for href in links)


def test_the_report_of_a_tagger_without_concerns_has_no_concern_filter(tagger_file, tmp_path):
    tagger = Tagger.load(tagger_file)
    tagger.concern_model = None
    tags, soup = tag_with_report(tagger.save(tmp_path / "plain.skops"), tmp_path)
    summary = pd.read_csv(tmp_path / "out" / "letters.csv")
    assert "concern" not in tags.columns and "staffing_concerns" not in summary.columns
    assert soup.select_one("#f-concern") is None and not soup.select("small.concerns")


class Recording(LogisticRegression):
    """Logistic regression that records how many sentences each of its fits saw."""

    fits: list[int] = []  # noqa: RUF012 (shared on purpose: clones record here too)

    def fit(self, X, y, sample_weight=None):
        Recording.fits.append(X.shape[0])
        return super().fit(X, y, sample_weight)


def letters_frame(theme_ids: list[str], rows: int = 400) -> pd.DataFrame:
    letters = pd.read_csv(ROOT / "data/letters/train/sentences.csv", dtype=str).head(rows)
    frame = letters.assign(group=letters["inspection"], article=letters["inspection"])
    return frame.astype(dict.fromkeys(theme_ids, int))


def small_training(theme_ids: list[str], frame: pd.DataFrame, concerns):
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    from ofsted_themes.core.config import CONF_DIR, register_resolvers

    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("train")
    themes = themes_from_config(cfg.themes)
    assert [t.id for t in themes] == theme_ids
    classifier = instantiate(cfg.classifier, _convert_="all")
    return train(
        classifier, instantiate(cfg.thresholds), frame, themes, "group", {}, max_folds=3,
        concern_estimator=concerns,
    )  # fmt: skip


def test_training_measures_concerns_out_of_fold_and_fits_them_on_every_label(
    configured_theme_ids,
):
    frame = letters_frame(configured_theme_ids)
    labelled, _ = concern_labels(frame["direction"])
    Recording.fits = []
    result = small_training(configured_theme_ids, frame, Recording(class_weight="balanced"))
    assert result.tagger.has_concerns
    assert result.metrics["concern_sentences"] == labelled.sum()
    assert 0 < result.metrics["concern_f1"] <= 1
    assert result.metrics["concern_sentences_voice_inspector"] < labelled.sum()
    # and the concerns an analyst reads: per theme, tagged and a concern against the labels
    assert 0 < result.metrics["concern_count_macro_f1"] <= 1
    assert "concern_count_f1_staffing" in result.metrics
    # three folds each fitted without their held-out sentences, then one fit on all of them
    *folds, final = Recording.fits
    assert len(folds) == 3 and final == labelled.sum()
    assert all(n < final for n in folds) and sum(final - n for n in folds) == final


def test_training_without_direction_labels_makes_no_concern_model(configured_theme_ids):
    frame = letters_frame(configured_theme_ids).assign(direction="")
    result = small_training(configured_theme_ids, frame, LogisticRegression())
    assert not result.tagger.has_concerns and "direction label" in result.concern.why_not
    assert not any(k.startswith("concern") for k in result.metrics)
    unset = small_training(configured_theme_ids, letters_frame(configured_theme_ids), None)
    assert not unset.tagger.has_concerns and "null" in unset.concern.why_not


def test_a_plain_taggers_tables_are_never_resumed_with_concerns(tagger_file, tmp_path):
    tagger = Tagger.load(tagger_file)
    plain = Tagger.load(tagger_file)
    plain.concern_model = None
    assert plain.fingerprint() != tagger.fingerprint()
    tag_letter(plain.save(tmp_path / "plain.skops"), tmp_path)
    with pytest.raises(OfstedThemesError, match="another model"):
        tag_letter(tagger_file, tmp_path, resume=True)


def test_resume_refuses_a_tag_table_without_the_concern_columns(tagger_file, tmp_path):
    _, tags, _ = tag_letter(tagger_file, tmp_path)
    tags.drop(columns=["concern", "concern_score"]).to_csv(
        tmp_path / "out" / "tags.csv", index=False
    )
    with pytest.raises(OfstedThemesError, match="has no concern, concern_score column"):
        tag_letter(tagger_file, tmp_path, resume=True)


def test_a_tables_own_concern_column_is_carried_as_input_never_counted(tagger_file, tmp_path):
    plain = Tagger.load(tagger_file)
    plain.concern_model = None
    table = tmp_path / "findings.csv"
    pd.DataFrame({"text": LETTER.splitlines()[4:9], "concern": 1, "concern_score": 0.9}).to_csv(
        table, index=False
    )
    out, summary = tmp_path / "out" / "tags.csv", tmp_path / "out" / "letters.csv"
    run_batch(plain, [str(table)], out=out, summary=summary, progress=False)
    tags, letters = pd.read_csv(out), pd.read_csv(summary)
    assert {"input_concern", "input_concern_score"} <= set(tags.columns)
    assert "concern" not in tags.columns and "staffing_concerns" not in letters.columns
    run_batch(plain, [str(table)], out=out, summary=summary, progress=False, resume=True)


@pytest.mark.parametrize(
    "theme_id", ["concern", "evidence", "text", "judgement", "staffing_score", "cse_concerns"]
)
def test_a_theme_may_not_take_an_outputs_column_name(theme_id):
    from ofsted_themes.core.themes import themes_from_config

    with pytest.raises(ValueError, match="a column the outputs already have"):
        themes_from_config({theme_id: {"name": "X"}})


IMPROVE = """Dear Ms Smith

Focused visit to Lowmoor children's services

Leaders have stabilised the workforce, and caseloads are manageable.

What needs to improve in this area of social work practice?

- The quality and use of performance information by managers.
- The recruitment and retention of experienced social workers.
- The timeliness of the council's responses to complaints.

Yours sincerely
"""


def test_a_tagged_item_of_what_needs_to_improve_raises_a_concern(tagger_file, tmp_path):
    (tmp_path / "letter.txt").write_text(IMPROVE, encoding="utf-8")
    out, summary = tmp_path / "out" / "tags.csv", tmp_path / "out" / "letters.csv"
    tagger = Tagger.load(tagger_file)
    run_batch(tagger, [str(tmp_path / "letter.txt")], out=out, summary=summary, progress=False)
    tags = pd.read_csv(out).set_index("text")
    items = IMPROVE.split("?\n\n")[1].split("\n\nYours")[0].splitlines()
    items = [i.removeprefix("- ") for i in items]
    tagged = themed(tags.reset_index(), tagger.theme_ids)
    by_text = dict(zip(tags.index, tagged, strict=True))
    for item in items:
        assert tags.at[item, "concern"] == int(by_text[item])  # tagged: a concern, whatever
    # its model's score; the scores are the model's, and one of them below its threshold
    scored = tagger.predict(items).set_index(pd.Index(items))
    assert (tags.loc[items, "concern_score"] == scored["concern_score"]).all()
    assert ((tags.loc[items, "concern"] == 1) & (scored["concern_score"] < 0.5)).any()
    assert tags.at["Leaders have stabilised the workforce, and caseloads are manageable.",
                   "concern"] == 0  # fmt: skip


def test_direction_cues_are_columns_of_their_weight_found_longest_first_and_checked():
    from ofsted_themes.modelling.concerns import Cues

    cues = Cues(["not", "not always", "delay", "stable"], 0.3)
    found = cues.columns(["Plans are not always reviewed, and delays persist.", "It is stable."])
    assert cues.width == 4
    # "not always" is one cue, not also "not"; "delays" is "delay" (stems)
    assert found.toarray().tolist() == [[0, 0.3, 0.3, 0], [0, 0, 0, 0.3]]
    refused = [([], 0.3, "give phrases"), (["not"], 0, "above 0"), (["not"], "abc", "a number")]
    for phrases, weight, said in refused:
        with pytest.raises(ValueError, match=said):
            Cues(phrases, weight)
