"""A Hydra callback that makes a multirun sweep one MLflow parent run with a child run per job."""

from __future__ import annotations

import os
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class MlflowSweepCallback(Callback):
    """Opens the parent run before the first job and records the best child after the last."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if not config.mlflow.enabled:
            return
        from ofsted_themes.tracking import runs as tracking  # mlflow is slow to import
        from ofsted_themes.tracking.store import connect

        connect(config.mlflow.tracking_uri)
        overrides = [o for o in config.hydra.overrides.task if not o.startswith("hydra")]
        name = "sweep: " + (" ".join(overrides) or "default")
        run_id = tracking.start_parent_run(
            config.hydra.job.config_name,
            name[:250],
            {"sweep": "true", "git_commit": tracking.git_commit()},
        )
        os.environ[tracking.PARENT_RUN_ENV] = run_id

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from ofsted_themes.tracking import runs as tracking

        run_id = os.environ.pop(tracking.PARENT_RUN_ENV, None)
        if run_id:
            tracking.finish_parent_run(run_id)
