"""Locks that keep two processes from writing one file at once (two ``label import`` runs into the
store, two ``tag`` runs onto one ``--out``, two ``train`` runs creating the MLflow store).

The lock is an empty file in the system's temporary folder named by the guarded file's real path,
so output folders stay clean; it stays after use (removing it while another process waits on it
would let two in). It guards processes of one machine, as the files are local.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ofsted_themes.core.errors import OfstedThemesError


class Busy(OfstedThemesError):
    """Another process holds the lock on a file this one must write."""


def lock_path(path: Path) -> Path:
    import hashlib

    key = hashlib.sha256(os.fsencode(path.resolve())).hexdigest()[:24]
    return lock_folder() / f"{key}.lock"


def lock_folder() -> Path:
    """The folder every user's locks share; this user's own where that one cannot be used (a
    file, or a folder another user made that this one cannot write): a run would otherwise
    stop on "Permission denied". Locks in it guard this user's runs alone."""
    import tempfile

    shared = Path(tempfile.gettempdir(), "ofsted-themes-locks")
    try:
        if not shared.is_dir():
            shared.mkdir(exist_ok=True)
            os.chmod(shared, 0o1777)  # every user's locks, each removable only by its owner
        if os.access(shared, os.W_OK | os.X_OK):
            return shared
    except OSError:
        pass
    uid = os.getuid() if hasattr(os, "getuid") else None  # Windows: a user's own temp folder
    own = shared.with_name(f"{shared.name}-{uid}") if uid is not None else shared
    own.mkdir(mode=0o700, exist_ok=True)
    info = own.lstat()
    if uid is not None and (not stat.S_ISDIR(info.st_mode) or info.st_uid != uid):
        # made by another user (its name is known): locks there could be turned on our files
        raise Busy(f"the lock folder {own} is not this user's own folder: remove it")
    return own


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
