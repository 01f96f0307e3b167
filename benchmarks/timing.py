"""Timing shared by the benchmarks that report medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


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
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for call, into in ((baseline, times[0]), (measured, times[1])):
            if call is measured:
                prepare()
            started = clock()
            call()
            into.append(clock() - started)
    return statistics.median(times[0]), statistics.median(times[1])
