"""Locks that keep two processes from writing one file at once (two ``label import`` runs into the
store, two ``tag`` runs onto one ``--out``, two ``train`` runs creating the MLflow store).

The lock is an empty file in the system's temporary folder named by the guarded file's real path,
so output folders stay clean; it stays after use (removing it while another process waits on it
would let two in). It guards processes of one machine, as the files are local.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ofsted_themes.core.errors import OfstedThemesError


class Busy(OfstedThemesError):
    """Another process holds the lock on a file this one must write."""


def lock_path(path: Path) -> Path:
    import hashlib
    import tempfile

    key = hashlib.sha256(os.fsencode(path.resolve())).hexdigest()[:24]
    folder = Path(tempfile.gettempdir(), "ofsted-themes-locks")
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
        os.chmod(folder, 0o1777)  # every user's locks, each removable only by its owner
    return folder / f"{key}.lock"


@contextmanager
def exclusive(path: Path | str, wait: float, holder: str) -> Iterator[None]:
    """Hold the lock on ``path`` for the block, waiting up to ``wait`` seconds for another
    ``holder`` (worded for the message: "tag run") to release it; then ``Busy``."""
    from filelock import FileLock, Timeout

    lock = FileLock(lock_path(Path(path)), mode=0o666)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise Busy(
            f"{path} is being written by another {holder}: wait for it to finish"
            + (" or choose another output" if wait == 0 else " and try again")
        ) from None
    try:
        yield
    finally:
        lock.release()
