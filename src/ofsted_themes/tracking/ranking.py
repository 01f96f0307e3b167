"""The ranking of a sweep's runs by macro-F1, printed at the end of a sweep and logged on its
parent run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Ranking:
    best: object  # the best run (mlflow Run)
    table: pd.DataFrame  # one row per run, best first


def rank(runs: Sequence) -> Ranking | None:
    """Runs that logged a macro-F1, best first, with their per-theme F1; None when none did."""
    scored = [run for run in runs if "macro_f1" in run.data.metrics]
    if not scored:
        return None
    scored.sort(key=lambda run: run.data.metrics["macro_f1"], reverse=True)
    rows = []
    for position, run in enumerate(scored, 1):
        metrics = run.data.metrics
        themes = run.data.params.get("themes", "").split(",")
        rows.append(
            {
                "rank": position,
                "run": run.info.run_name,
                "macro_f1": metrics["macro_f1"],
                **{f"f1_{t}": metrics.get(f"f1_{t}") for t in themes if t},
                "micro_f1": metrics.get("micro_f1"),
                "run_id": run.info.run_id,
            }
        )
    return Ranking(scored[0], pd.DataFrame(rows))


def printable(ranking: Ranking, limit: int = 20) -> str:
    """The ranking as a terminal table (the first ``limit`` runs)."""
    table = ranking.table.drop(columns="run_id").head(limit).set_index("rank")
    more = len(ranking.table) - limit
    text = table.round(3).to_string()
    return text + (f"\n… and {more} more in ranking.csv" if more > 0 else "")
