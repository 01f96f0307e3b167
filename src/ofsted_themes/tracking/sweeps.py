"""A Hydra callback that makes a multirun sweep one MLflow parent run with a child run per job;
when the sweep ends, the parent carries its best child's metrics and ranking, and the best child
alone is registered."""

from __future__ import annotations

import os
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class MlflowSweepCallback(Callback):
    """Opens the parent run before the first job; ranks, records and registers after the last."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if not config.mlflow.enabled:
            return
        from ofsted_themes.tracking import runs as tracking  # mlflow is slow to import
        from ofsted_themes.tracking.names import sweep_name
        from ofsted_themes.tracking.store import connect

        connect(config.mlflow.tracking_uri)
        run_id = tracking.start_parent_run(
            config.mlflow.experiment,
            sweep_name(config.hydra.overrides.task),
            {"sweep": "true", "git_commit": tracking.git_commit()},
        )
        os.environ[tracking.PARENT_RUN_ENV] = run_id

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from ofsted_themes.tracking import runs as tracking

        run_id = os.environ.pop(tracking.PARENT_RUN_ENV, None)
        if not run_id:
            return
        from ofsted_themes.core.config import default_choice
        from ofsted_themes.tracking.ranking import printable
        from ofsted_themes.tracking.registry import Registry

        ranking = tracking.finish_parent_run(run_id)
        if ranking is None:
            print(f"sweep {run_id}: no job logged a macro-F1; nothing registered")
            return
        print(f"\nsweep {run_id}, ranked by macro-F1 (also ranking.csv on the parent run):")
        print(printable(ranking))
        mlflow = config.mlflow
        registry = Registry(
            mlflow.registered_model,
            mlflow.alias,
            mlflow.force_champion,
            home_data=default_choice("train", "data"),
        )
        registered = registry.register(ranking.best)
        summary = registered.summary(mlflow.registered_model, mlflow.alias)
        print(f"best: {ranking.best.info.run_name}; {summary}")
