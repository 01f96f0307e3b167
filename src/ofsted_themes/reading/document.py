"""A letter read into cleaned pages: the registry of format readers and the checks on a file's
bytes that give the clearest reasons.

Each reader (``formats/``) turns a file's bytes into page texts with a well-kept library
(pypdfium2, python-docx, BeautifulSoup with lxml, charset-normalizer) and cleans them
(``cleaning``). A file that cannot be read raises ``DocumentError`` with a reason worded for the
person who supplied it, so a caller can report it and carry on.
"""

from __future__ import annotations

import importlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ofsted_themes.core.digests import FileStamp, stamp_of
from ofsted_themes.core.errors import OfstedThemesError
from ofsted_themes.core.limits import MAX_FILE_BYTES, MAX_TEXT_BYTES, beside_limit, for_people
from ofsted_themes.reading.inputs import os_reason, unsupported_reason

# Suffix -> the module in formats/ that reads it; modules are imported when first needed, so
# reading a text letter never loads pdfium or lxml. The longer names of a format are read as
# its short one: a folder's "notes.markdown" or "letter.xhtml" was passed over unsaid.
FORMATS = {
    ".pdf": ("pdf", "read_pdf"),
    ".docx": ("docx", "read_docx"),
    ".html": ("html", "read_html"),
    ".htm": ("html", "read_html"),
    ".xhtml": ("html", "read_html"),
    ".txt": ("text", "read_text"),
    ".text": ("text", "read_text"),
    ".md": ("text", "read_markdown"),
    ".markdown": ("text", "read_markdown"),
}
SUPPORTED = set(FORMATS)


@dataclass(frozen=True)
class Page:
    """One page of a letter: ``text`` holds one paragraph per line, with furniture removed."""

    number: int
    text: str


@dataclass(frozen=True)
class Document:
    """A letter read from ``path``: its pages in order, numbered from 1, and the file as it
    was read (``stamp``: a resumed run tells by it whether the letter changed since)."""

    path: Path
    pages: list[Page]
    stamp: FileStamp | None = None

    @property
    def text(self) -> str:
        """The whole letter, one paragraph per line (for metadata, which ignores pages)."""
        return "\n".join(page.text for page in self.pages)


class DocumentError(OfstedThemesError):
    """Reason a file cannot be read, worded for the user (e.g. 'encrypted PDF: remove the password
    and try again', 'no text layer (scanned image?): run OCR first, e.g. ocrmypdf')."""


def read_document(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read a letter into cleaned pages; raise ``DocumentError`` saying why it cannot be read."""
    path = Path(path)
    if reader_for(path).__module__.endswith((".text", ".html")):
        max_bytes = min(max_bytes, MAX_TEXT_BYTES)
    data, info = read_checked(path, max_bytes)
    texts = reader_for(path)(data)
    if not any(text.strip() for text in texts):
        raise DocumentError(
            "no text found in the file (none, or only lines repeated on every page, read as its "
            "headers and footers)"
        )
    pages = [Page(number, text) for number, text in enumerate(texts, start=1)]
    return Document(path, pages, stamp_of(info, data))


def reader_for(path: Path) -> Callable[[bytes], list[str]]:
    """The function that reads files like ``path`` into page texts, from its suffix."""
    entry = FORMATS.get(path.suffix.lower())
    if entry is None:
        raise DocumentError(unsupported_reason(path))
    module, function = entry
    return getattr(importlib.import_module(f"ofsted_themes.reading.formats.{module}"), function)


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, after the checks that give the clearest reasons (folder, empty, size)."""
    return read_checked(path, max_bytes)[0]


def read_checked(path: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[bytes, os.stat_result]:
    """:func:`read_bytes`, and the file's status as it was checked, before the reading."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DocumentError("no such file") from None
    except OSError as error:
        raise DocumentError(f"cannot read the file: {os_reason(error)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DocumentError("a folder, not a file")
    if not stat.S_ISREG(info.st_mode):  # a pipe or device could block or never end
        raise DocumentError("not a regular file")
    if info.st_size > max_bytes:
        raise DocumentError(too_large_reason(info.st_size, max_bytes))
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise DocumentError(f"cannot read the file: {os_reason(error)}") from None
    if not data:
        raise DocumentError("empty file")
    if len(data) > max_bytes:  # grew since stat, or a device
        raise DocumentError(f"file too large (over {for_people(max_bytes)})")
    return data, info


def too_large_reason(size: int, max_bytes: int) -> str:
    """Why a file of ``size`` bytes is refused, for the user."""
    shown, limit = beside_limit(size, max_bytes)
    return f"file too large ({shown}; the limit is {limit})"
