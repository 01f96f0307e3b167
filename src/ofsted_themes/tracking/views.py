"""The MLflow UI's comparison view of an experiment: runs ranked by macro-F1 with per-theme F1
and the data each was scored on beside it, opened in the model-training view. The UI reads a
view from an experiment tag when its address names it (``viewStateShareKey``), so the view
travels with the store, not a browser."""

from __future__ import annotations

import json
from collections.abc import Iterable

from mlflow import MlflowClient

VIEW_KEY = "compare"
VIEW_TAG = f"mlflow.sharedViewState.{VIEW_KEY}"
RUN_NAME = "attributes.`Run Name`"
RUN_NAME_WIDTH = 280  # pixels: room for ``logreg·words_chars·C=0.3`` and a data override


def metric_column(name: str) -> str:
    return f"metrics.`{name}`"


DATA_COLUMN = "params.`choice.data`"  # scores on different data do not compare: shown beside them


def comparison_view(metric_names: Iterable[str], theme_ids: Iterable[str]) -> dict:
    """The data each run was scored on, then macro-F1 and each theme's F1; ranked best first."""
    names = set(metric_names)
    themes = sorted(f"f1_{t}" for t in theme_ids)
    scores = [metric_column(n) for n in ["macro_f1", *themes, "micro_f1"] if n in names]
    columns = [DATA_COLUMN, *scores]
    return {
        "selectedColumns": columns,
        "columnOrder": [RUN_NAME, *columns],
        "columnWidths": {RUN_NAME: RUN_NAME_WIDTH},
        "orderByKey": metric_column("macro_f1"),
        "orderByAsc": False,
    }


def publish_comparison_view(
    experiment_id: str, metric_names: Iterable[str], theme_ids: Iterable[str]
) -> None:
    view = json.dumps(comparison_view(metric_names, theme_ids))
    client = MlflowClient()
    if client.get_experiment(experiment_id).tags.get(VIEW_TAG) != view:
        client.set_experiment_tag(experiment_id, VIEW_TAG, view)


def runs_address(base: str, experiment_id: str) -> str:
    """The UI address of the experiment's runs in the comparison view."""
    return (
        f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs"
        f"?workflowType=machine_learning&viewStateShareKey={VIEW_KEY}"
    )


def main() -> None:
    """``python -m ofsted_themes.tracking.views URL``: print the comparison view's address of the
    ``train`` experiment in the default store (``make ui`` does this before serving)."""
    import sys

    from ofsted_themes.tracking.store import connect

    connect()
    experiment = MlflowClient().get_experiment_by_name("train")
    if experiment is None:
        print("no `train` experiment yet: run `make run` or `python -m train` first")
        return
    if VIEW_TAG not in experiment.tags:  # a store older than the view
        latest = MlflowClient().search_runs([experiment.experiment_id], max_results=1)
        if latest:
            last = latest[0].data
            themes = last.params.get("themes", "").split(",")
            publish_comparison_view(experiment.experiment_id, last.metrics, themes)
    address = runs_address(sys.argv[1], experiment.experiment_id)
    # printed before the server starts (make ui): the link works once the server is listening
    print(f"Runs ranked by macro-F1 (open it once the server below is listening): {address}")


if __name__ == "__main__":
    main()
