"""Training runs in MLflow: params, metrics, the dataset, artifacts and the pyfunc model of each
run; a sweep is one parent run with a child per job."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import mlflow
from mlflow import MlflowClient

import ofsted_themes
from ofsted_themes.tracking.registry import promote
from ofsted_themes.tracking.store import use_experiment

PARENT_RUN_ENV = "OFSTED_THEMES_PARENT_RUN"
PYFUNC_CODE = Path(__file__).with_name("pyfunc.py")
# The package travels with the model (code_paths), so that it loads where only these are
# installed; versions pinned to the training environment's, as skops files are read by them.
REQUIREMENTS = ["scikit-learn", "pandas", "numpy", "scipy", "skops", "snowballstemmer"]


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


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=5
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True)
        return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def start_parent_run(experiment: str, name: str, tags: Mapping[str, str]) -> str:
    """Open and close the parent run of a sweep; children attach to it by id."""
    use_experiment(experiment)
    with mlflow.start_run(run_name=name, tags=dict(tags)) as run:
        return run.info.run_id


def finish_parent_run(run_id: str, metric: str = "macro_f1") -> None:
    """Record the best child's metric on the parent, so sweeps compare at a glance."""
    run = mlflow.get_run(run_id)
    children = mlflow.search_runs(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{run_id}'",
        order_by=[f"metrics.{metric} DESC"],
    )
    client = MlflowClient()
    if len(children) and f"metrics.{metric}" in children:
        best = children.iloc[0]
        client.log_metric(run_id, f"best_{metric}", float(best[f"metrics.{metric}"]))
        client.set_tag(run_id, "best_child", best["tags.mlflow.runName"])
    client.set_tag(run_id, "children", str(len(children)))


def log_training_run(
    *,
    experiment: str,
    run_name: str,
    params: Mapping[str, str],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    dataset,
    artifacts_dir: Path,
    tagger_file: Path,
    input_example,
    registered_model: str,
    alias: str,
    force_champion: bool,
) -> dict:
    """One run with everything a person comparing runs needs; returns run id, model version and
    whether the alias moved."""
    use_experiment(experiment)
    parent = os.environ.get(PARENT_RUN_ENV)
    with mlflow.start_run(run_name=run_name, parent_run_id=parent, tags=dict(tags)) as run:
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
            registered_model_name=registered_model,
        )
    version = str(info.registered_model_version)
    moved = promote(registered_model, alias, version, metrics["macro_f1"], force_champion)
    return {"run_id": run.info.run_id, "version": version, "champion": moved}
