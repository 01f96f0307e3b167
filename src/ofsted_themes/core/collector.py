"""A process's start kept out of Python's cycle collector.

Tagging starts by importing scikit-learn and reading a model: about 250,000 objects the collector
tracks, which live as long as the process. The collector's passes over them cost a quarter of the
CPU of tagging one letter from a cold start, and later passes went over them again and again
while tagging. So a start runs without the collector, and what it made is then frozen out of its
passes (``gc.freeze``). Only for a process that is one command's or one worker's: in a test or a
notebook, freezing would keep that process's garbage for good.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def process_start() -> Iterator[None]:
    """The collector off for the block, and what the process holds after it frozen; the
    collector is then as it was (on, unless the caller had turned it off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()
