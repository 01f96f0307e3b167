"""Digests that name files by their bytes: which letter or table a label came from, which data
a run trained on, which tagger file a registered version holds."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NamedTuple


def file_digest(path: Path | str, length: int = 16) -> str:
    """The first ``length`` hex digits of the sha256 of a file's bytes, read in blocks."""
    sha = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()[:length]


def folder_digest(folder: Path | str, patterns: tuple[str, ...]) -> str:
    """One digest of the files under ``folder`` matching ``patterns``, by relative path and
    bytes (so a moved or edited file changes it)."""
    sha = hashlib.sha256()
    root = Path(folder)
    files = sorted({p for pattern in patterns for p in root.rglob(pattern) if p.is_file()})
    for path in files:
        sha.update(path.relative_to(root).as_posix().encode() + b"\0")
        sha.update(file_digest(path, 64).encode())
    return sha.hexdigest()[:16]


class FileStamp(NamedTuple):
    """A file as it was read: its size, its modification time and the digest of its bytes, so
    that a later run can tell whether it changed without reading it again when it did not."""

    size: int
    mtime_ns: int
    digest: str


def stamp_of(info: os.stat_result, data: bytes) -> FileStamp:
    """The stamp of ``data``, read from a file whose status was ``info`` before the reading (a
    change during it then shows as a later time, and the bytes settle it)."""
    return FileStamp(len(data), info.st_mtime_ns, hashlib.sha256(data).hexdigest()[:16])


def has_changed(path: Path, stamp: FileStamp) -> bool:
    """Whether the file at ``path`` differs from what ``stamp`` recorded: by its size, or, where
    its time differs (a copy, a save without changes), by its bytes. Unreadable, it is not
    called changed: reading it says why."""
    try:
        info = path.stat()
        if info.st_size != stamp.size:
            return True
        return info.st_mtime_ns != stamp.mtime_ns and file_digest(path) != stamp.digest
    except OSError:
        return False
