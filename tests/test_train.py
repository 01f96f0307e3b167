"""python -m train end to end: what a run leaves in MLflow and on disk, sweeps as parent and child
runs, the champion alias, and the one-line errors of a bad config or labelled set.

The subprocess tests are marked slow; each writes only under tmp_path (its own MLflow store,
Hydra folders and outputs) and runs from the project root, where the labelled data lives.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = "ofsted-themes"
SAMPLE = [
    "Children at risk of child sexual exploitation were not identified quickly.",
    "Two girls went missing from care and return home interviews were not done.",
    "Social workers carry high caseloads and many posts are filled by agency staff.",
    "Management oversight of plans is weak and supervision is infrequent.",
    "The council approved its budget in March.",
]


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    out: Path  # the folder of this run's outputs


def run_train(out: Path, *args: str, uri: str | None = None) -> Outcome:
    """python -m train with every output, Hydra folder and the MLflow store under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "train",
        *args,
        f"hydra.run.dir={out / 'hydra'}",
        f"hydra.sweep.dir={out / 'multirun'}",
        f"output.model={out / 'tagger.skops'}",
        f"output.metrics={out / 'metrics.json'}",
        f"output.pr_curves={out / 'pr_curves'}",
        f"user_labels={out / 'no-labels.csv'}",  # not the labels of whoever runs the tests
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_TRACKING_URI"] = uri or f"sqlite:///{out / 'unused.db'}"
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    return Outcome(done.returncode, done.stdout, done.stderr, out)


def succeeded(outcome: Outcome) -> Outcome:
    assert outcome.returncode == 0, outcome.stderr[-3000:]
    return outcome


# --- one training run ------------------------------------------------------------------------


@dataclass
class Trained:
    outcome: Outcome
    uri: str
    client: object  # MlflowClient
    experiment_id: str
    run: object  # mlflow Run


@pytest.fixture(scope="module")
def trained(tmp_path_factory, new_mlflow_store) -> Trained:
    from mlflow import MlflowClient

    out = tmp_path_factory.mktemp("train")
    uri = new_mlflow_store(out / "mlflow")
    outcome = succeeded(run_train(out, "model=logreg", uri=uri))
    client = MlflowClient(uri, uri)
    experiment = client.get_experiment_by_name("train")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    return Trained(outcome, uri, client, experiment.experiment_id, runs[0])


@pytest.mark.slow
def test_the_run_has_a_readable_name_and_the_choices_as_params(trained, configured_theme_ids):
    run = trained.run
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "logreg·words_chars"  # the output paths do not name a run
    params = run.data.params
    assert params["choice.model"] == "logreg"
    assert params["choice.features"] == "words_chars"
    assert params["model.name"] == "logreg"
    assert params["themes"] == ",".join(configured_theme_ids)


@pytest.mark.slow
def test_the_run_lasts_as_long_as_its_training(trained):
    """The UI's duration is the training's, not the few seconds of logging at its end."""
    import re

    seconds = float(re.search(r"in (\d+\.\d+)s", trained.outcome.stdout)[1])
    info = trained.run.info
    assert (info.end_time - info.start_time) / 1000 >= seconds


@pytest.mark.slow
def test_no_tag_or_param_holds_a_path_of_this_machine(trained):
    stored = {**trained.run.data.tags, **trained.run.data.params}
    assert not [k for k, v in stored.items() if str(ROOT) in v]
    assert trained.run.data.tags["mlflow.source.name"] == "src/train.py"


@pytest.mark.slow
def test_the_experiment_opens_as_model_training_ranked_by_macro_f1(trained, configured_theme_ids):
    import json

    from ofsted_themes.tracking.views import VIEW_TAG

    tags = trained.client.get_experiment(trained.experiment_id).tags
    assert tags["mlflow.experimentKind"] == "custom_model_development"
    view = json.loads(tags[VIEW_TAG])
    themes = sorted(f"metrics.`f1_{t}`" for t in configured_theme_ids)
    scores = ["metrics.`macro_f1`", *themes, "metrics.`micro_f1`"]
    assert view["selectedColumns"] == ["params.`choice.data`", *scores]  # runs on other data
    assert "choice.data" in trained.run.data.params  # the column shows what each run logged
    assert view["orderByKey"] == "metrics.`macro_f1`" and view["orderByAsc"] is False


@pytest.mark.slow
def test_no_param_holds_a_long_config(trained):
    long = {k: len(v) for k, v in trained.run.data.params.items() if len(v) > 500}
    assert not long


@pytest.mark.slow
def test_the_run_logs_overall_and_per_theme_metrics(trained, configured_theme_ids):
    metrics = trained.run.data.metrics
    expected = {"macro_f1", "micro_f1", "macro_f1_at_0.5", "micro_f1_at_0.5"}
    for theme in configured_theme_ids:
        expected |= {
            f"{m}_{theme}{s}" for m in ("precision", "recall", "f1") for s in ("", "_at_0.5")
        }
    assert expected <= set(metrics)
    assert all(0.0 <= metrics[k] <= 1.0 for k in expected)
    per_theme = [metrics[f"f1_{t}"] for t in configured_theme_ids]
    assert metrics["macro_f1"] == pytest.approx(sum(per_theme) / len(per_theme), abs=1e-4)


@pytest.mark.slow
def test_the_metrics_file_matches_the_logged_metrics(trained):
    import json

    written = json.loads((trained.outcome.out / "metrics.json").read_text())
    assert written == pytest.approx(trained.run.data.metrics)
    assert (trained.outcome.out / "pr_curves").exists()


@pytest.mark.slow
def default_training_set(theme_ids: list[str]) -> pd.DataFrame:
    """The default data config's training set, its paths made absolute."""
    from hydra import compose, initialize_config_dir

    from ofsted_themes.core.config import CONF_DIR, register_resolvers
    from ofsted_themes.training.datasets import load_training_set

    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        data = dict(compose("train").data)
    data = {k: str(ROOT / v) if isinstance(v, str) and "/" in v else v for k, v in data.items()}
    return load_training_set(data, theme_ids)


@pytest.mark.slow
def test_the_run_is_tagged_with_the_commit_and_the_data_digest(trained, configured_theme_ids):
    from ofsted_themes.training.corpus import digest

    tags = trained.run.data.tags
    assert tags["git_commit"]
    assert tags["data_digest"] == digest(default_training_set(configured_theme_ids))


@pytest.mark.slow
def test_the_run_records_its_dataset(trained):
    inputs = trained.run.inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "seeds+letters"
    source = inputs[0].dataset.source
    assert "data/sentences.csv@" in source and "data/letters/train/sentences.csv@" in source


@pytest.mark.slow
def test_the_run_logs_plots_tables_and_its_config(trained, configured_theme_ids, tmp_path):
    client, run_id = trained.client, trained.run.info.run_id
    top = {a.path for a in client.list_artifacts(run_id)}
    wanted = {"config.yaml", "overrides.yaml", "out_of_fold.csv", "top_features.csv"}
    assert wanted | {"metrics_per_theme.csv", "plots"} <= top
    plots = {a.path for a in client.list_artifacts(run_id, "plots")}
    assert plots == {f"plots/{t}.png" for t in configured_theme_ids}
    local = Path(client.download_artifacts(run_id, "", str(tmp_path)))
    oof = pd.read_csv(local / "out_of_fold.csv", keep_default_na=False)
    assert "errors" in oof.columns
    assert len(oof) == len(default_training_set(configured_theme_ids))
    assert "model=logreg" in (local / "overrides.yaml").read_text()
    assert (local / "plots" / f"{configured_theme_ids[0]}.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_the_run_logs_a_model_registered_as_a_described_champion(trained):
    run_id = trained.run.info.run_id
    logged = trained.client.search_logged_models(experiment_ids=[trained.experiment_id])
    assert [m.source_run_id for m in logged] == [run_id]
    versions = trained.client.search_model_versions(f"name = '{MODEL}'")
    assert len(versions) == 1
    champion = trained.client.get_model_version_by_alias(MODEL, "champion")
    assert champion.run_id == run_id
    macro_f1 = trained.run.data.metrics["macro_f1"]
    assert float(champion.tags["macro_f1"]) == pytest.approx(macro_f1, abs=1e-4)
    assert champion.tags["data_digest"] == trained.run.data.tags["data_digest"]
    assert champion.tags["model"] == "logreg" and champion.tags["features"] == "words_chars"
    assert f"{macro_f1:.3f}" in champion.description
    assert "seeds+letters" in champion.description
    assert "now @champion" in trained.outcome.stdout


@pytest.mark.slow
def test_the_saved_tagger_predicts_as_the_registered_champion(
    trained, tmp_path, current_mlflow_store
):
    import mlflow

    from ofsted_themes.modelling.tagger import Tagger

    local = Tagger.load(trained.outcome.out / "tagger.skops").predict(SAMPLE)
    with current_mlflow_store(trained.uri):
        model = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion", dst_path=str(tmp_path))
        served = model.predict(pd.DataFrame({"text": SAMPLE}))
    pd.testing.assert_frame_equal(served.reset_index(drop=True), local, check_dtype=False)


def uv() -> str:
    found = shutil.which("uv") or ROOT / ".tools" / "bin" / "uv"
    if not Path(found).is_file():
        pytest.skip("uv is installed by `make setup`")
    return str(found)


@pytest.mark.slow
def test_the_champion_loads_in_a_fresh_environment_with_only_its_requirements(
    trained, tmp_path, current_mlflow_store
):
    """The package travels with the model (code_paths): a new virtual environment with the
    logged requirements alone, outside the checkout, loads it and tags as the saved Tagger."""
    import mlflow

    from ofsted_themes.modelling.tagger import Tagger

    with current_mlflow_store(trained.uri):
        requirements = mlflow.pyfunc.get_model_dependencies(f"models:/{MODEL}@champion")
    assert "ofsted" not in Path(requirements).read_text()
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    install = [uv(), "pip", "install", "-q", "--python", str(python), "-r", requirements]
    subprocess.run(install, check=True, timeout=600)
    code = (
        "import importlib.util, sys, mlflow, pandas as pd\n"
        "assert importlib.util.find_spec('ofsted_themes') is None\n"
        "model = mlflow.pyfunc.load_model(sys.argv[1])\n"
        "print(model.predict(pd.DataFrame({'text': sys.argv[2:]})).to_json(orient='records'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PYTHON"))}
    done = subprocess.run(
        [str(python), "-c", code, f"models:/{MODEL}@champion", *SAMPLE],
        cwd=tmp_path,
        env=env | {"MLFLOW_TRACKING_URI": trained.uri},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    served = pd.read_json(io.StringIO(done.stdout.strip().splitlines()[-1]), orient="records")
    local = Tagger.load(trained.outcome.out / "tagger.skops").predict(SAMPLE)
    pd.testing.assert_frame_equal(served, local, check_dtype=False)


# --- a sweep ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_sweep_ranks_its_jobs_and_registers_only_the_best(tmp_path, new_mlflow_store):
    from mlflow import MlflowClient

    uri = new_mlflow_store(tmp_path / "mlflow")
    outcome = succeeded(
        run_train(tmp_path, "-m", "data=seeds", "model.estimator.C=0.3,3", "model=logreg", uri=uri)
    )
    client = MlflowClient(uri, uri)
    experiment = client.get_experiment_by_name("train").experiment_id
    runs = client.search_runs([experiment])
    assert len(runs) == 3
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1
    parent = parents[0]
    children = sorted(
        (r for r in runs if r is not parent), key=lambda r: -r.data.metrics["macro_f1"]
    )
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    names = {c.info.run_name for c in children}
    assert names == {"logreg·words_chars·data=seeds·C=0.3", "logreg·words_chars·data=seeds·C=3"}
    assert parent.info.run_name == "sweep·data=seeds·C=0.3,3·model=logreg"
    # One macro_f1 column ranks parents and single runs alike: the parent carries its best's.
    best = children[0]
    for name in ("macro_f1", *(k for k in best.data.metrics if k.startswith("f1_"))):
        assert parent.data.metrics[name] == pytest.approx(best.data.metrics[name])
    assert parent.data.params["choice.data"] == best.data.params["choice.data"] == "seeds"
    assert parent.info.status == "FINISHED"
    local = Path(client.download_artifacts(parent.info.run_id, "ranking.csv", str(tmp_path)))
    ranking = pd.read_csv(local)
    assert list(ranking["run_id"]) == [c.info.run_id for c in children]
    assert ranking["macro_f1"].is_monotonic_decreasing
    printed = outcome.stdout[outcome.stdout.index("ranked by macro-F1") :]
    assert printed.index(best.info.run_name) < printed.index(children[1].info.run_name)
    # Only the best job is a candidate: one version, from it.
    versions = client.search_model_versions(f"name = '{MODEL}'")
    assert [v.run_id for v in versions] == [best.info.run_id]
    assert client.get_model_version_by_alias(MODEL, "champion").run_id == best.info.run_id


@pytest.mark.slow
def test_a_parallel_sweep_loses_no_run(tmp_path, new_mlflow_store):
    """Four jobs, two at a time in joblib's processes, writing to one SQLite store."""
    from mlflow import MlflowClient

    uri = new_mlflow_store(tmp_path / "mlflow")
    parallel = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
    jobs = ["data=seeds", "model.estimator.C=0.3,1,3,10"]
    succeeded(run_train(tmp_path, "-m", *parallel, *jobs, uri=uri))
    client = MlflowClient(uri, uri)
    runs = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 4
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parents[0].info.run_id}
    assert sorted(c.data.params["model.estimator.C"] for c in children) == ["0.3", "1", "10", "3"]
    assert all(c.info.status == "FINISHED" and "macro_f1" in c.data.metrics for c in children)
    best = max(c.data.metrics["macro_f1"] for c in children)
    assert parents[0].data.metrics["macro_f1"] == pytest.approx(best)
    [version] = client.search_model_versions(f"name = '{MODEL}'")
    champion = client.get_model_version_by_alias(MODEL, "champion")
    assert champion.version == version.version
    owner = next(c for c in children if c.info.run_id == champion.run_id)
    assert owner.data.metrics["macro_f1"] == best


# --- the champion alias ----------------------------------------------------------------------


def registry_versions(tmp_path):
    """In the store: a maker of registered versions (a run with a macro-F1 on data named as
    their digest) and a reader of the champion's version."""
    from mlflow import MlflowClient

    client = MlflowClient()
    experiment = client.get_experiment_by_name("train").experiment_id
    client.create_registered_model(MODEL)

    def version(macro_f1: float, data: str) -> str:
        run = client.create_run(experiment, tags={"data_digest": data, "data": data})
        client.log_metric(run.info.run_id, "macro_f1", macro_f1)
        client.set_terminated(run.info.run_id)
        source = tmp_path / run.info.run_id
        source.mkdir()
        made = client.create_model_version(MODEL, str(source), run_id=run.info.run_id)
        return str(made.version)

    def champion() -> str:
        return str(client.get_model_version_by_alias(MODEL, "champion").version)

    return version, champion


def test_the_champion_moves_only_to_an_as_good_run_on_the_same_data_unless_forced(
    mlflow_store, tmp_path
):
    from ofsted_themes.tracking.registry import Registry

    version, champion = registry_versions(tmp_path)
    registry, forced = Registry(MODEL, "champion"), Registry(MODEL, "champion", True)
    first, worse = version(0.6, "A"), version(0.5, "A")
    better, same, elsewhere = version(0.7, "A"), version(0.7, "A"), version(0.9, "B")
    assert registry.promote(first, 0.6, "A")[0] is True  # no champion yet
    assert champion() == first
    assert registry.promote(worse, 0.5, "A")[0] is False
    assert champion() == first
    assert registry.promote(better, 0.7, "A")[0] is True
    assert champion() == better
    # a tie goes to the newer version (today's code), so that the champion stays the Tagger
    # the last run saved rather than the first of equals
    moved, reason = registry.promote(same, 0.7, "A")
    assert moved is True and "ties" in reason
    assert champion() == same
    assert registry.promote(better, 0.7, "A")[0] is False  # an older version's tie does not
    assert registry.promote(version(float("nan"), "A"), float("nan"), "A")[0] is False
    assert champion() == same
    moved, reason = registry.promote(elsewhere, 0.9, "B")  # higher, but on other data
    assert moved is False and "other data" in reason
    assert champion() == same
    assert forced.promote(worse, 0.5, "A")[0] is True
    assert champion() == worse


def test_a_run_on_the_pipelines_data_takes_the_champion_from_one_on_other_data(
    mlflow_store, tmp_path
):
    """A new store whose first run was on the seeds alone gave that run the alias for good: no
    run on the pipeline's data could take it, their scores not comparing, and `make serve`
    served the seeds' model. A run on the pipeline's data now takes it; others still do not."""
    from ofsted_themes.tracking.registry import Registry

    version, champion = registry_versions(tmp_path)
    registry = Registry(MODEL, "champion", home_data="seeds+letters")
    seeds, home, user = (
        version(0.94, "seeds"),
        version(0.90, "seeds+letters"),
        version(0.95, "seeds+user"),
    )
    assert registry.promote(seeds, 0.94, "seeds", "seeds")[0] is True  # no version held it
    moved, reason = registry.promote(home, 0.90, "seeds+letters", "seeds+letters")
    assert moved is True and "pipeline's data (seeds+letters)" in reason
    assert champion() == home
    moved, reason = registry.promote(user, 0.95, "seeds+user", "seeds+user")
    assert moved is False and "other data (seeds+letters)" in reason
    assert champion() == home
    # the pipeline's data under another digest (labels edited; a file swapped under its name):
    # a run there may be a baseline or worse, and does not take it unasked
    changed = version(0.5, "seeds+letters@2")
    moved, reason = registry.promote(changed, 0.5, "seeds+letters@2", "seeds+letters")
    assert moved is False and champion() == home


@pytest.mark.slow
def test_a_rerun_registers_nothing_new_and_a_worse_run_says_what_tag_now_uses(
    tmp_path, new_mlflow_store
):
    """The same data and configuration make the same tagger file: the registry keeps one
    version of it. A run that leaves the champion where it was says where its Tagger is, and
    which model is the champion."""
    from mlflow import MlflowClient

    uri = new_mlflow_store(tmp_path / "mlflow")
    best = ("data=seeds", "experiment=rules_baseline")  # on the seeds, better than the default
    first = succeeded(run_train(tmp_path / "first", *best, uri=uri))
    assert "version 1 (now @champion" in first.stdout and "note:" not in first.stdout
    again = succeeded(run_train(tmp_path / "again", *best, uri=uri))
    assert (
        "version 1 (the same tagger file and code: not registered again; now @champion: it held"
        in again.stdout
    )
    assert "note:" not in again.stdout
    # where a run saves its outputs is not part of the model: the files are the same
    assert (first.out / "tagger.skops").read_bytes() == (again.out / "tagger.skops").read_bytes()
    assert len(MlflowClient(uri, uri).search_model_versions(f"name='{MODEL}'")) == 1
    assert len(MlflowClient(uri, uri).search_runs(["1"])) == 2  # every run is still recorded
    worse = succeeded(run_train(tmp_path / "worse", "data=seeds", uri=uri))
    assert "version 2 (@champion unchanged" in worse.stdout
    notes = [line for line in worse.stdout.splitlines() if line.startswith("note:")]
    saved = worse.out / "tagger.skops"  # not where tag looks by default
    assert notes == [
        f"note: this run's Tagger is {saved} (tag --model {saved}); the champion is "
        f"models:/{MODEL}@champion"
    ]
    assert saved.exists()


def test_a_run_saved_where_tag_looks_says_it_changed_what_tag_uses():
    from ofsted_themes.cli.train import not_champion_note

    note = not_champion_note(Path("models/tagger.skops"), MODEL, "champion")
    assert "now holds this run's Tagger, which tag uses by default" in note
    assert f"(tag --model models:/{MODEL}@champion)" in note


def labels_config(tmp_path, data: str, user_labels: str | None, on_data: str | None = None):
    from omegaconf import OmegaConf

    return OmegaConf.create(
        {"user_labels": user_labels, "data": {"name": data, "user_labels": on_data}}
    )


def test_a_run_without_the_users_labels_says_so_only_when_there_are_labels(tmp_path):
    from ofsted_themes.cli.train import unused_labels_note

    labels = tmp_path / "user.csv"
    labels.write_text("id,text\nu1,One.\n")
    note = unused_labels_note(labels_config(tmp_path, "seeds+letters", str(labels)))
    assert note.startswith(f"note: {labels} holds 1 labelled sentence of yours that")
    assert "train on them with data=seeds+letters+user" in note
    labels.write_text("id,text\nu1,One.\nu2,Two.\n")
    note = unused_labels_note(labels_config(tmp_path, "seeds", str(labels)))
    assert "2 labelled sentences" in note and "data=seeds+user" in note
    # labels used, left out on purpose, no file, an empty file, no labels setting at all
    for cfg in [
        labels_config(tmp_path, "seeds+user", str(labels), on_data=str(labels)),
        labels_config(tmp_path, "seeds+user", str(labels), on_data=None),
        labels_config(tmp_path, "seeds", str(tmp_path / "none.csv")),
        labels_config(tmp_path, "seeds", None),
    ]:
        assert unused_labels_note(cfg) is None
    labels.write_text("")
    assert unused_labels_note(labels_config(tmp_path, "seeds", str(labels))) is None


# --- errors ----------------------------------------------------------------------------------


def error_line(outcome: Outcome) -> str:
    assert outcome.returncode == 2, outcome.stderr[-3000:]
    assert "Traceback" not in outcome.stderr
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error:")
    return lines[0]


@pytest.mark.slow
def test_an_unknown_model_exits_2_naming_the_choices(tmp_path):
    line = error_line(run_train(tmp_path, "model=foo"))
    assert "foo" in line
    for option in sorted(p.stem for p in (ROOT / "conf/model").glob("*.yaml")):
        assert option in line


@pytest.mark.slow
def test_an_unknown_key_exits_2(tmp_path):
    assert "model.nope" in error_line(run_train(tmp_path, "model.nope=1"))


@pytest.mark.slow
def test_a_bad_value_of_a_model_setting_exits_2_naming_it(tmp_path):
    line = error_line(run_train(tmp_path, "data=seeds", "model.estimator.C=abc"))
    assert "'C' parameter" in line and "'abc'" in line


@pytest.mark.slow
def test_a_labelled_set_that_fails_validation_exits_2_naming_the_row(tmp_path):
    frame = pd.read_csv(ROOT / "data/sentences.csv", dtype=str, keep_default_na=False)
    frame.loc[3, "missing"] = "yes"
    broken = tmp_path / "sentences.csv"
    frame.to_csv(broken, index=False)
    line = error_line(run_train(tmp_path / "out", f"data.sentences={broken}"))
    assert str(broken) in line
    assert "line 5" in line and "'missing'" in line
    assert not (tmp_path / "out" / "tagger.skops").exists()


@pytest.mark.slow
def test_a_theme_without_positives_exits_2_naming_it(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data/raw", data / "raw")
    shutil.copy(ROOT / "data" / "excluded.csv", data / "excluded.csv")  # prepared.csv: generated
    frame = pd.read_csv(ROOT / "data/sentences.csv", dtype=str, keep_default_na=False)
    assert (frame["cse"] == "1").any()
    frame["cse"] = "0"
    frame.to_csv(data / "sentences.csv", index=False)
    line = error_line(
        run_train(
            tmp_path / "out",
            f"data.raw_dir={data / 'raw'}",
            f"data.sentences={data / 'sentences.csv'}",
            f"data.excluded={data / 'excluded.csv'}",
            f"data.prepared={data / 'prepared.csv'}",
            "data=seeds",
        )
    )
    assert "cse" in line
    assert not (tmp_path / "out" / "tagger.skops").exists()


def test_the_table_by_source_and_voice_counts_whole_sentences_and_leaves_blanks(capsys):
    from ofsted_themes.cli.train import print_subsets

    metrics = {
        "macro_f1_source_letters": 0.9, "sentences_source_letters": 2980.0,
        "positives_source_letters": 700.0,
        "f1_cse_source_letters": 0.99, "f1_missing_source_letters": 0.9,
        "macro_f1_voice_unknown": 0.87, "sentences_voice_unknown": 3.0,
        "positives_voice_unknown": 2.0,
        "f1_cse_voice_unknown": 0.87,  # no missing sentence among the three: no F1
    }  # fmt: skip
    print_subsets(metrics, ["cse", "missing"], "tuned")
    lines = capsys.readouterr().out.splitlines()
    assert lines[-3].split() == ["source", "letters", "2980", "700", "0.900", "0.990", "0.900"]
    assert lines[-2].split() == ["voice", "unknown", "3", "2", "0.870", "0.870"]
    assert lines[-1].startswith("  (fewer than 20 positives: one sentence moves such an F1")


def test_subset_metrics_count_each_subsets_positives():
    from ofsted_themes.training.fitting import subset_metrics

    frame = pd.DataFrame({"source": ["a", "a", "b"]})
    Y = np.array([[1, 0], [1, 1], [0, 0]])
    metrics = subset_metrics(frame, Y, Y.astype(float), Y, ["cse", "missing"])
    assert (metrics["positives_source_a"], metrics["positives_source_b"]) == (3.0, 0.0)


def test_a_run_is_dirty_for_a_changed_input_not_for_the_pipelines_record_or_letters(
    tmp_path, monkeypatch
):
    """`make run` rewrites dvc.lock once a user's letters are tagged, and deleting the sample
    letters showed in git: every training run after was recorded "-dirty", though nothing it
    trains on had changed."""
    from ofsted_themes.tracking.runs import git_commit

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "conf").mkdir()
    for name, text in (("dvc.lock", "a"), ("inbox/sample-letter.txt", "b"), ("conf/x.yaml", "c")):
        (tmp_path / name).write_text(text)
    git("add", "-A")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "start")
    (tmp_path / "dvc.lock").write_text("rewritten")
    (tmp_path / "inbox/sample-letter.txt").unlink()
    monkeypatch.chdir(tmp_path / "conf")  # from a subfolder too
    clean = git_commit()
    assert len(clean) == 40 and not clean.endswith("-dirty")
    (tmp_path / "conf/x.yaml").write_text("changed")
    assert git_commit() == f"{clean}-dirty"


@pytest.mark.slow
def test_fixed_thresholds_are_called_fixed_on_the_terminal(tmp_path):
    """With `thresholds=fixed` the run said its thresholds were tuned without the held-out
    fold, and its table by source gave "F1 at the tuned thresholds", every one of them 0.5."""
    outcome = succeeded(
        run_train(
            tmp_path, "data=letters", "cv.max_folds=3", "thresholds=fixed", "mlflow.enabled=false"
        )
    )
    assert "pooled out-of-fold (fixed thresholds)" in outcome.stdout
    assert "(F1 at the fixed thresholds)" in outcome.stdout and "tuned" not in outcome.stdout
