"""Training runs in MLflow: params, metrics, the dataset, artifacts and the pyfunc model of each
run; a sweep is one parent run with a child per job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric

import ofsted_themes
from ofsted_themes.core.digests import file_digest, folder_digest
from ofsted_themes.tracking.ranking import Ranking, rank
from ofsted_themes.tracking.registry import Registry
from ofsted_themes.tracking.store import use_experiment, writing
from ofsted_themes.tracking.views import publish_comparison_view

PARENT_RUN_ENV = "OFSTED_THEMES_PARENT_RUN"
PYFUNC_CODE = Path(__file__).with_name("pyfunc.py")
# The package travels with the model (code_paths), so that it loads where only these are
# installed; versions pinned to the training environment's, as skops files are read by them.
REQUIREMENTS = ["scikit-learn", "pandas", "numpy", "scipy", "skops", "snowballstemmer", "pystemmer"]


def pip_requirements() -> list[str]:
    """The logged model's requirements, pinned to the versions installed now."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in REQUIREMENTS]


def flatten(config: Mapping, prefix: str = "") -> dict[str, str]:
    """Nested config to dotted keys; lists become JSON strings."""
    flat = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = json.dumps(value) if isinstance(value, list | tuple) else str(value)
    return flat


# What changes in a working copy without changing what a run trains on: the pipeline's record of
# its last run (`make run` rewrites it once a user's letters are tagged) and the user's letters
NOT_TRAINING_INPUTS = ("dvc.lock", "inbox")


def git_commit() -> str:
    """The checked-out commit, with "-dirty" if the working copy differs from it (an untracked
    file too), but for NOT_TRAINING_INPUTS."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=5
        )
        exclude = [f":(top,exclude){path}" for path in NOT_TRAINING_INPUTS]
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", ":/", *exclude],
            capture_output=True, text=True, timeout=5,
        )  # fmt: skip
        return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def start_parent_run(experiment: str, name: str, tags: Mapping[str, str]) -> str:
    """Open and close the parent run of a sweep; children attach to it by id."""
    use_experiment(experiment)
    with mlflow.start_run(run_name=name, tags=dict(tags)) as run:
        return run.info.run_id


def finish_parent_run(run_id: str) -> Ranking | None:
    """Give the parent its best child's metrics and the data they were scored on (so that one
    ``macro_f1`` column ranks sweeps and single runs alike), log the ranking of its children,
    and return it."""
    client = MlflowClient()
    children = client.search_runs(
        [client.get_run(run_id).info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{run_id}'",
        max_results=10_000,
    )
    ranking = rank(children)
    now = int(time.time() * 1000)
    client.set_tag(run_id, "children", str(len(children)))
    client.set_terminated(run_id, end_time=now)  # it lasts the whole sweep
    if ranking is None:
        return None
    best = ranking.best
    client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in best.data.metrics.items()])
    if "choice.data" in best.data.params:  # what its metrics were scored on (the UI's column)
        client.log_param(run_id, "choice.data", best.data.params["choice.data"])
    client.set_tag(run_id, "best_child", best.info.run_name)
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "ranking.csv"
        ranking.table.to_csv(table, index=False)
        client.log_artifact(run_id, str(table))
    return ranking


def log_training_run(
    *,
    experiment: str,
    run_name: str,
    started: float,
    params: Mapping[str, str],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    dataset,
    artifacts_dir: Path,
    tagger_file: Path,
    input_example,
    registry: Registry | None,
) -> dict:
    """One run with everything a person comparing runs needs, registered when ``registry`` is
    given (a candidate); returns the run id and the registration's outcome."""
    with writing():  # one job at a time in the store; the training ran in parallel
        experiment_id = use_experiment(experiment)
        publish_comparison_view(experiment_id, metrics, params["themes"].split(","))
        parent = os.environ.get(PARENT_RUN_ENV)
        all_tags = {
            **tags,
            "mlflow.source.name": entry_point(),
            **model_digests(tagger_file),
        }
        if parent:
            all_tags["mlflow.parentRunId"] = parent
        # Created with the time training began, so that the UI's duration is the training's.
        created = MlflowClient().create_run(
            experiment_id, start_time=int(started * 1000), tags=all_tags, run_name=run_name
        )
        with mlflow.start_run(run_id=created.info.run_id) as run:
            mlflow.log_params(dict(params))
            mlflow.log_metrics(dict(metrics))
            mlflow.log_input(dataset, context="training")
            mlflow.log_artifacts(str(artifacts_dir))
            info = mlflow.pyfunc.log_model(
                name="tagger",
                python_model=str(PYFUNC_CODE),
                artifacts={"tagger": str(tagger_file)},
                input_example=input_example,
                pip_requirements=pip_requirements(),
                code_paths=[str(Path(ofsted_themes.__file__).parent)],
            )
            mlflow.set_tag("model_uri", info.model_uri)
        outcome = {"run_id": run.info.run_id, "registered": None}
        if registry is not None:
            outcome["registered"] = registry.register(mlflow.get_run(run.info.run_id))
        return outcome


def entry_point() -> str:
    """The command's script relative to the project (MLflow stores the absolute path)."""
    script = Path(sys.argv[0]).resolve()
    try:
        return script.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return script.name


def model_digests(tagger_file: Path) -> dict[str, str]:
    """What a logged model is: its tagger file and the package code logged with it to run it
    (a rerun on the same data and configuration makes the same file; the registry keeps one
    version of a file and code)."""
    package = Path(ofsted_themes.__file__).parent
    return {
        "tagger_digest": file_digest(tagger_file),
        "code_digest": folder_digest(package, ("*.py", "*.j2", "*.css", "*.js")),
    }
