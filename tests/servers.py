"""Servers and stores for the end-to-end tests: a real server started on a free loopback port
and stopped with everything it started, and a store holding one quickly trained, registered
Tagger."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(command: list[str], env: dict, probe: str, wait: float = 120) -> Iterator[str]:
    """Start ``command`` (given ``{port}`` to fill in) in its own process group, wait until
    ``probe`` (a path) answers, yield the base address, then stop the whole group and check
    nothing of it is left."""
    port = free_port()
    process = subprocess.Popen(
        [part.format(port=port) for part in command], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}{probe}", timeout=2)
                break
            except OSError:
                assert process.poll() is None, f"{command[0]} exited"
                time.sleep(0.5)
        else:
            pytest.fail(f"{command[0]} did not answer within {wait:.0f} s")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if not group_ends(process.pid, 10):  # its workers did not follow it: stop them
            os.killpg(process.pid, signal.SIGKILL)
    assert group_ends(process.pid, 10), "a process of the server is still running"


def group_ends(group: int, seconds: float) -> bool:
    """Whether every process of ``group`` has ended within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def train_registered(folder: Path, uri: str, *overrides: str) -> Path:
    """Train a Tagger with the fast debug config (and ``overrides``) into the store ``uri``
    (registered, so it is @champion there) and return its file."""
    trained = folder / "tagger.skops"
    command = [
        sys.executable, "-m", "train", "debug=fast", "mlflow.enabled=true",
        f"output.model={trained}", f"output.metrics={folder / 'm.json'}",
        f"output.pr_curves={folder / 'pr'}", f"hydra.run.dir={folder / 'run'}", *overrides,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    done = subprocess.run(
        command, cwd=ROOT, env=env | {"MLFLOW_TRACKING_URI": uri}, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return trained
