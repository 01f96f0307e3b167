"""Everything MLflow: runs (parent and child for sweeps), params, metrics, artifacts, the
registered model and its champion alias. Imported only by commands that need MLflow."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import warnings
from collections.abc import Mapping
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
# Hints that do not apply: the tagger's integer outputs are never missing, and the dataset
# source is a local file either way.
warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
warnings.filterwarnings("ignore", message="The specified dataset source can be interpreted")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

# uv-made environments have no pip for MLflow to report; the requirements are given explicitly.
logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)

DEFAULT_URI = "sqlite:///mlflow.db"
PARENT_RUN_ENV = "OFSTED_THEMES_PARENT_RUN"
PYFUNC_CODE = Path(__file__).with_name("pyfunc_model.py")
PIP_REQUIREMENTS = [
    "scikit-learn",
    "pandas",
    "numpy",
    "scipy",
    "skops",
    "snowballstemmer",
    "ofsted-themes",
]


def connect(tracking_uri: str | None = None) -> None:
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_URI
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)


def use_experiment(name: str) -> None:
    """Make ``name`` the active experiment, creating it with its artifacts beside a SQLite store
    (not in whatever folder the command happens to run from)."""
    if mlflow.get_experiment_by_name(name) is None:
        uri = mlflow.get_tracking_uri()
        location = None
        if uri.startswith("sqlite:///"):
            location = (Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlruns").as_uri()
        mlflow.create_experiment(name, artifact_location=location)
    mlflow.set_experiment(name)


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
            pip_requirements=PIP_REQUIREMENTS,
            registered_model_name=registered_model,
        )
    version = str(info.registered_model_version)
    moved = promote(registered_model, alias, version, metrics["macro_f1"], force_champion)
    return {"run_id": run.info.run_id, "version": version, "champion": moved}


def promote(model: str, alias: str, version: str, macro_f1: float, force: bool) -> bool:
    """Move the alias to ``version`` when it beats the current holder's macro-F1 (or forced)."""
    client = MlflowClient()
    try:
        current = client.get_model_version_by_alias(model, alias)
        best = client.get_run(current.run_id).data.metrics.get("macro_f1", float("-inf"))
    except MlflowException:
        best = float("-inf")
    if force or macro_f1 > best:
        client.set_registered_model_alias(model, alias, version)
        return True
    return False


def download_tagger(uri: str) -> Path:
    """The tagger file of an MLflow model (``models:/name@alias``, ``runs:/id/tagger``)."""
    from ofsted_themes.tagger import ModelError

    connect()
    try:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    except (MlflowException, OSError) as exc:
        raise ModelError(
            f"cannot fetch model {uri} from {mlflow.get_tracking_uri()}: {exc}"
        ) from None
    found = sorted(local.rglob("*.skops"))
    if not found:
        raise ModelError(f"model {uri} holds no tagger file (*.skops)")
    return found[0]
