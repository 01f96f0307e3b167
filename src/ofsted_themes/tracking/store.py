"""The MLflow store: where runs go (the embedded SQLite store by default, or
``MLFLOW_TRACKING_URI``) and the experiment they go in. Imported only by commands that need
MLflow, as mlflow is slow to import."""

from __future__ import annotations

import logging
import os
import warnings
from contextlib import nullcontext
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

from ofsted_themes.core.locks import exclusive  # noqa: E402

# uv-made environments have no pip for MLflow to report; the requirements are given explicitly.
logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
# MLflow's progress notes (uv project detected, signature inferred) are not for our users.
logging.getLogger("mlflow").setLevel(logging.WARNING)

DEFAULT_URI = "sqlite:///mlflow.db"
EXPERIMENT_KIND = "mlflow.experimentKind"
MODEL_TRAINING = "custom_model_development"
STORE_WAIT = 300.0  # seconds: creating a new store takes a few


def sqlite_file(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` store; None for any other store."""
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def store_uri(tracking_uri: str | None = None) -> str:
    """The store a command uses: the one given, else MLFLOW_TRACKING_URI, else the project's."""
    return tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_URI


def connect(tracking_uri: str | None = None) -> None:
    uri = store_uri(tracking_uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    database = sqlite_file(uri)
    if database:
        # The first use of a SQLite store creates or migrates its schema; two commands doing it
        # at once race (one run goes missing). One does it, under a lock; the other then finds
        # it done.
        with exclusive(database, STORE_WAIT, "MLflow command"):
            mlflow.MlflowClient(uri).search_experiments(max_results=1)


def writing():
    """Hold the SQLite store for one run's writes: sweep jobs running in parallel (the joblib
    launcher) would otherwise meet "database is locked". Other stores need no lock."""
    database = sqlite_file(mlflow.get_tracking_uri())
    return exclusive(database, STORE_WAIT, "MLflow run") if database else nullcontext()


def use_experiment(name: str) -> str:
    """Make ``name`` the active experiment and return its id, creating it with its artifacts
    beside a SQLite store (not in whatever folder the command happens to run from)."""
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is None:
        database = sqlite_file(mlflow.get_tracking_uri())
        location = (database.resolve().parent / "mlruns").as_uri() if database else None
        mlflow.create_experiment(name, artifact_location=location)
        experiment = mlflow.get_experiment_by_name(name)
    if experiment.tags.get(EXPERIMENT_KIND) != MODEL_TRAINING:
        # Otherwise the UI may open the experiment as a GenAI app (traces, token usage).
        mlflow.MlflowClient().set_experiment_tag(
            experiment.experiment_id, EXPERIMENT_KIND, MODEL_TRAINING
        )
    mlflow.set_experiment(experiment_id=experiment.experiment_id)
    return experiment.experiment_id
