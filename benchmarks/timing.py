"""Timing shared by the benchmarks that report medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

MODEL = Path(__file__).resolve().parents[1] / "models" / "tagger.skops"


def median_seconds(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def paired_medians(
    baseline: Callable[[], object],
    measured: Callable[[], object],
    repeats: int,
    clock: Callable[[], float] = time.perf_counter,
    prepare: Callable[[], object] = lambda: None,
) -> tuple[float, float]:
    """Median times of two calls run in turn, so that a change in the machine's speed during
    the benchmark hits both alike; ``clock`` is wall time, or ``time.process_time`` for the
    CPU of this process; ``prepare`` runs, untimed, before each measured call."""

    def timed(call: Callable[[], object]) -> float:
        started = clock()
        call()
        return clock() - started

    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        times[0].append(timed(baseline))
        prepare()
        times[1].append(timed(measured))
    return statistics.median(times[0]), statistics.median(times[1])


def load_as_tag_does(model: Path = MODEL):
    """The model, loaded as `tag` starts: what the start made frozen out of Python's cycle
    collector (``core.collector``), so that the collector's passes over it weigh on neither
    side of a comparison, as they do not in `tag`."""
    from ofsted_themes.core.collector import process_start
    from ofsted_themes.modelling.tagger import Tagger

    with process_start():
        return Tagger.load(model)
