"""Atomic file output: a reader never sees a half-written file. A file is written beside its
destination under a temporary name, then renamed into place."""

from __future__ import annotations

import errno
import glob
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomic(path: Path | str, write: Callable[[IO], object], mode: str = "w") -> Path:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place: beside
    and onto the file a link at ``path`` leads to, which a rename onto the link would have
    replaced with a file of its own (a label store kept elsewhere, never written)."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # a loop of links stays as it is, no RuntimeError
        if not path.parent.is_dir():  # a share not mounted: never written on the local disk
            raise FileNotFoundError(
                errno.ENOENT, "a link to a folder that does not exist", str(path)
            )
    tmp = temporary_beside(path)
    try:
        with tmp.open(mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as f:
            write(f)
        return move_into_place(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# The longest output name: a temporary copy is written beside it under its name and about 30
# bytes more, and most file systems take names of up to 255 bytes.
MAX_NAME_BYTES = 200


def temporary_beside(path: Path) -> Path:
    """A new, empty, private temporary file in ``path``'s folder (made if needed), so that the
    final rename stays on one file system. Its name carries this process's id, so that a later
    run can tell it from a live one's and remove it (``remove_stale_temporaries``)."""
    return _new_file(path, ".tmp")


def staged_beside(path: Path) -> Path:
    """Like :func:`temporary_beside`, but ending in ``path``'s own extension, for writers that
    choose the format by it."""
    return _new_file(path, f".tmp{path.suffix}")


def _new_file(path: Path, suffix: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    os.close(fd)
    return Path(tmp)


def remove_stale_temporaries(path: Path) -> None:
    """Remove temporary files beside ``path`` left by processes that no longer run (killed
    before they could clean up)."""
    if not path.parent.is_dir():
        return
    # a staged file's own temporary starts with two dots (".", then the staged file's name)
    for dots in (".", ".."):
        for tmp in path.parent.glob(f"{dots}{glob.escape(path.name)}.*.tmp*"):
            pid = tmp.name[len(dots) + len(path.name) + 1 :].split(".", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def move_into_place(tmp: Path, path: Path) -> Path:
    """Rename a finished temporary file over ``path``, with the permissions ``path`` had (or a
    new file's usual ones)."""
    os.chmod(tmp, file_mode(path))
    os.replace(tmp, path)
    return path


def file_mode(path: Path) -> int:
    """The permissions a replaced file keeps, or a new file's usual ones (temporary files are
    created private, 0600)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
