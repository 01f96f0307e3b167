"""The model registry: the champion alias moves only to a better model; registered taggers are
fetched by URI (``models:/ofsted-themes@champion``)."""

from __future__ import annotations

from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from ofsted_themes.modelling.persistence import ModelError
from ofsted_themes.tracking.store import connect


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
