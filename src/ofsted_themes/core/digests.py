"""Digests that name files by their bytes: which letter or table a label came from, which data
a run trained on, which tagger file a registered version holds."""

from __future__ import annotations

import hashlib
from pathlib import Path


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
