"""Finding the files to read: command-line inputs (files, folders, glob patterns) expanded into
paths, each input that gives nothing reported with a reason rather than fatal."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ofsted_themes.core.limits import MAX_FOLDER_FILES

# Document formats a user may take for letters but that are not read: met in a folder, each is
# reported (a skipped .doc would leave the counts short without a word), unlike other files.
SPREADSHEETS = {".xls", ".ods", ".xlsb", ".xlsm", ".numbers"}  # of sentences: save as .xlsx
EMAILS = {".eml", ".msg"}  # a letter sent by email: its attachment is the letter
NOT_REGULAR = "not a regular file (a pipe, a device, standard input): save it to a file and tag it"
BROKEN_LINK = "broken symbolic link"
# a process's open files, which /dev/stdin and /dev/fd/N link into: a stream, not a letter
DESCRIPTOR_FOLDER = re.compile(r"/proc/[^/]+/fd|/dev/fd")
MAX_LINKS = 40  # as the kernel follows
UNREAD_DOCUMENTS = {
    ".doc", ".docm", ".dot", ".odt", ".rtf", ".wpd", ".pages", *SPREADSHEETS, *EMAILS
}  # fmt: skip


def find_inputs(inputs: list[str], suffixes: set[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files, folders and glob patterns into the files to read, plus (name, reason) for
    each input that gives nothing, so that one bad input is reported rather than fatal.

    Folders are searched recursively in sorted order, following symbolic links but visiting each
    real folder once (a link loop cannot hang), and give up past MAX_FOLDER_FILES files (a
    link to ``/``, or a home folder named by mistake, would walk the whole disk). Files inside
    folders or matched by a pattern with other suffixes are skipped silently, but for documents
    in formats a user may take for letters (UNREAD_DOCUMENTS); a file named explicitly with one
    is a failure. A file reached twice (say, named and inside a named folder) is returned once.
    """
    wanted = {suffix.lower() for suffix in suffixes}
    found: list[Path] = []
    failures: list[tuple[str, str]] = []
    for name in inputs:
        paths, problems = _expand(name, wanted)
        found += paths
        failures += problems
    return _unique(found), failures


def unsupported_reason(path: Path) -> str:
    """Why a file is not read, from its suffix."""
    if not path.suffix:
        return "unsupported format (no file extension)"
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS:
        return f"unsupported format '{suffix}': a table of sentences is read as .xlsx, .csv or .tsv"
    if suffix in EMAILS:
        return f"unsupported format '{suffix}': an email; save its letter (attached) and tag that"
    if suffix in UNREAD_DOCUMENTS:
        return f"unsupported format '{suffix}': save it as DOCX or PDF and tag that"
    return f"unsupported format '{suffix}'"


def _expand(name: str, wanted: set[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files one command-line input stands for, and its failures."""
    path = Path(name)
    try:
        folder = path.is_dir()
    except OSError as error:  # a name longer than the system takes
        return [], [(name, os_reason(error))]
    if folder:
        return _walk(path, wanted)
    try:
        return _file_or_pattern(name, path, wanted)
    except OSError as error:
        return [], [(name, os_reason(error))]


def _file_or_pattern(
    name: str, path: Path, wanted: set[str]
) -> tuple[list[Path], list[tuple[str, str]]]:
    if names_a_descriptor(path) or (path.exists() and not path.is_file()):
        return [], [(name, NOT_REGULAR)]
    if path.is_file():
        if path.suffix.lower() not in wanted:
            return [], [(name, unsupported_reason(path))]
        return [path], []
    if path.is_symlink():
        return [], [(name, BROKEN_LINK)]
    if any(c in name for c in "*?["):
        return _glob(name, wanted)
    return [], [(name, "no such file or folder")]


def names_a_descriptor(path: Path) -> bool:
    """Whether ``path`` is, or links to, a process's open file (``/dev/stdin``, ``/dev/fd/0``,
    ``/proc/self/fd/3``): standard input redirected from a letter would otherwise be read as
    that letter again, its failure blamed on it; from a pipe, it was "a broken symbolic link".
    Such a path is a link (an open file's entry is one), so a plain file costs one look at it,
    not a resolution of its folder: a folder's walk asks this of every file."""
    for _ in range(MAX_LINKS):
        if not path.is_symlink():
            return False
        if DESCRIPTOR_FOLDER.fullmatch(os.path.realpath(path.parent)):
            return True
        path = path.parent / os.readlink(path)
    return False


def _glob(pattern: str, wanted: set[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files matching a glob pattern (``**`` for any depth); pathlib's glob does not follow
    symbolic links when it recurses, so a link loop cannot hang it."""
    parts = Path(pattern).parts
    first = next(i for i, part in enumerate(parts) if any(c in part for c in "*?["))
    base, rest = Path(*parts[:first]) if first else Path(), "/".join(parts[first:])
    paths: list[Path] = []
    failures: list[tuple[str, str]] = []
    for match in sorted(base.glob(rest)):
        if match.is_dir():
            more, problems = _walk(match, wanted)
            paths += more
            failures += problems
        elif match.is_file() and match.suffix.lower() in wanted:
            paths.append(match)
        elif match.is_file():
            failures += _unread(match)
    if not paths and not failures:
        failures.append((pattern, "no matching files"))
    return paths, failures


def _walk(folder: Path, wanted: set[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files with a wanted suffix under ``folder``, recursively and sorted; hidden files and
    Word's lock files (``~$...``) are skipped."""
    paths: list[Path] = []
    failures: list[tuple[str, str]] = []
    visited: set[tuple[int, int]] = set()

    def report(error: OSError) -> None:
        failures.append((str(error.filename or folder), os_reason(error)))

    seen = 0
    for root, dirs, files in os.walk(folder, onerror=report, followlinks=True):
        if not _first_visit(root, visited):
            dirs[:] = []
            continue
        seen += len(files)
        if seen > MAX_FOLDER_FILES:
            return [], [(str(folder), too_many_files(root))]
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.startswith(".") or is_lock_file(name):
                continue
            path = Path(root, name)
            if path.suffix.lower() not in wanted:
                failures += _unread(path)
                continue
            try:  # a link to standard input reads as the file it was redirected from
                regular = path.is_file() and not names_a_descriptor(path)
            except OSError as error:  # a path longer than the system takes: this file alone
                failures.append((str(path), os_reason(error)))
                continue
            if regular:
                paths.append(path)
            else:  # a link to nothing (or to itself), else a pipe or a device
                failures.append((str(path), NOT_REGULAR if path.exists() else BROKEN_LINK))
    if not paths and not failures:
        failures.append((str(folder), f"no {'/'.join(sorted(wanted))} files in this folder"))
    return sorted(paths), failures


def too_many_files(reached: str) -> str:
    """Why a folder's walk stopped, naming where it had got to (a link leading out shows)."""
    return (
        f"over {MAX_FOLDER_FILES:,} files under this folder (its subfolders and the folders its "
        f"links lead to; the search had reached {reached}): name the folders of the letters"
    )


def _unread(path: Path) -> list[tuple[str, str]]:
    """A file of another kind met in a folder or by a pattern: passed over, but for a document a
    user may take for a letter (UNREAD_DOCUMENTS), which is a failure with its reason."""
    if path.suffix.lower() in UNREAD_DOCUMENTS:
        return [(str(path), unsupported_reason(path))]
    return []


def _first_visit(folder: str, visited: set[tuple[int, int]]) -> bool:
    """Whether the real folder behind ``folder`` is seen for the first time (links can loop)."""
    try:
        info = os.stat(folder)
    except OSError:
        return False
    key = (info.st_dev, info.st_ino)
    if key in visited:
        return False
    visited.add(key)
    return True


def _unique(paths: list[Path]) -> list[Path]:
    """``paths`` without second mentions of the same real file, in order."""
    seen: set[str] = set()
    unique = []
    for path in paths:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    return unique


def os_reason(error: OSError) -> str:
    """An operating-system error in words."""
    if isinstance(error, PermissionError):
        return "permission denied"
    return (error.strerror or str(error)).lower()


def is_lock_file(name: str) -> bool:
    """Word's lock file beside an open document (``~$...``): never a letter."""
    return name.startswith("~$")
