"""Bounds on the work one input file may cause, so that a hostile or unlucky file fails alone,
with a reason, instead of hanging a batch or exhausting memory.

A real inspection report is 15-25 pages and 300-500 sentences; every bound below is far above
that. README's "Safety" section lists them.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO

from ofsted_themes.core.errors import OfstedThemesError

MAX_FILE_BYTES = 50_000_000  # a letter or a table, as stored
MAX_TEXT_BYTES = 10_000_000  # a letter stored as text or HTML: all of it is text to clean and split
MAX_UNPACKED_BYTES = 200_000_000  # every member of a DOCX/XLSX archive, unzipped
MAX_UNPACKED_XML_BYTES = (
    10_000_000  # its XML, parsed in memory (~25 bytes a byte); a report: 1-2 MB
)
MAX_SENTENCES = 10_000  # per letter (a long report has 500)
MAX_TABLE_ROWS = 200_000  # per table of sentences
MAX_CELL_CHARS = 20_000  # the text of one row of such a table
READ_SECONDS = 15.0  # reading and splitting one file (tagging what it gives is bounded above)


class LimitExceeded(OfstedThemesError):
    """An input file beyond one of the bounds above; the message names the bound."""


def check_archive(data: bytes, kind: str) -> None:
    """Refuse a zip archive (DOCX, XLSX) that would unpack beyond the bounds: sizes are read
    from its directory before anything is unpacked."""
    import zipfile  # here: ``tag --help`` never needs it

    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
        parsed = _parsed_as_xml(archive)
    except (zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError, OSError):
        return  # the format's reader says what is wrong with it
    total = sum(m.file_size for m in members)
    xml = sum(m.file_size for m in members if parsed(m.filename))
    if xml > MAX_UNPACKED_XML_BYTES:
        raise LimitExceeded(
            f"{kind} holds {xml / 1e6:.0f} MB of XML (the limit is "
            f"{MAX_UNPACKED_XML_BYTES / 1e6:.0f} MB): an archive bomb, or not a letter"
        )
    if total > MAX_UNPACKED_BYTES:
        raise LimitExceeded(
            f"{kind} unpacks to {total / 1e6:.0f} MB (the limit is "
            f"{MAX_UNPACKED_BYTES / 1e6:.0f} MB): an archive bomb, or not a letter"
        )


# [Content_Types].xml's entries that make a part XML, whatever its name ends with
XML_TYPE = r'(?=[^>]*\bContentType="[^"]*xml")'
XML_DEFAULT = re.compile(rf'<Default\b{XML_TYPE}[^>]*\bExtension="([^"]+)"', re.I)
XML_OVERRIDE = re.compile(rf'<Override\b{XML_TYPE}[^>]*\bPartName="/?([^"]+)"', re.I)
MAX_CONTENT_TYPES_BYTES = 1_000_000  # a real one is a few kB


def _parsed_as_xml(archive) -> Callable[[str], bool]:
    """Whether a member is parsed as XML: named .xml or .rels, or declared XML by the archive's
    [Content_Types].xml (a "document.bin" so declared is parsed all the same)."""
    declared = ""
    info = next((m for m in archive.infolist() if m.filename == "[Content_Types].xml"), None)
    if info is not None and info.file_size <= MAX_CONTENT_TYPES_BYTES:
        declared = archive.read(info).decode("utf-8", "replace")
    extensions = {e.lower() for e in XML_DEFAULT.findall(declared)}
    parts = set(XML_OVERRIDE.findall(declared))

    def parsed(name: str) -> bool:
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        return name.endswith((".xml", ".rels")) or suffix in extensions or name in parts

    return parsed


@contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Raise ``LimitExceeded`` in the block once ``seconds`` have passed (a timer signal, so
    only in a process's main thread; elsewhere the block runs unbounded)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not seconds or not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise LimitExceeded(f"{what} took over {seconds:g} s (the limit; see --time-limit)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
