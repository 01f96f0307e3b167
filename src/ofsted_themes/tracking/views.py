"""The MLflow UI's comparison view of an experiment: runs ranked by macro-F1 with per-theme F1
beside it, opened in the model-training view. The UI reads a view from an experiment tag when its
address names it (``viewStateShareKey``), so the view travels with the store, not a browser."""

from __future__ import annotations

import json
from collections.abc import Iterable

from mlflow import MlflowClient

VIEW_KEY = "compare"
VIEW_TAG = f"mlflow.sharedViewState.{VIEW_KEY}"


def metric_column(name: str) -> str:
    return f"metrics.`{name}`"


def comparison_view(metric_names: Iterable[str]) -> dict:
    """Macro-F1 first, then each theme's F1; ranked best first."""
    names = set(metric_names)
    themes = sorted(n for n in names if n.startswith("f1_") and n.count("_") == 1)
    columns = [metric_column(n) for n in ["macro_f1", *themes, "micro_f1"] if n in names]
    return {
        "selectedColumns": columns,
        "columnOrder": columns,
        "orderByKey": metric_column("macro_f1"),
        "orderByAsc": False,
    }


def publish_comparison_view(experiment_id: str, metric_names: Iterable[str]) -> None:
    view = json.dumps(comparison_view(metric_names))
    client = MlflowClient()
    if client.get_experiment(experiment_id).tags.get(VIEW_TAG) != view:
        client.set_experiment_tag(experiment_id, VIEW_TAG, view)


def runs_address(base: str, experiment_id: str) -> str:
    """The UI address of the experiment's runs in the comparison view."""
    return (
        f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs"
        f"?workflowType=machine_learning&viewStateShareKey={VIEW_KEY}"
    )
