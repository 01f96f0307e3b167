"""Bounds on the work one input file may cause, so that a hostile or unlucky file fails alone,
with a reason, instead of hanging a batch or exhausting memory.

A real inspection report is 15-25 pages and 300-500 sentences; every bound below is far above
that. README's "Safety" section lists them.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO

from ofsted_themes.core.errors import OfstedThemesError

MAX_FILE_BYTES = 50_000_000  # a letter or a table, as stored
MAX_TEXT_BYTES = 10_000_000  # a letter stored as text or HTML: all of it is text to clean and split
MAX_UNPACKED_BYTES = 200_000_000  # every member of a DOCX/XLSX archive, unzipped
MAX_UNPACKED_XML_BYTES = (
    10_000_000  # its XML, parsed in memory (~25 bytes a byte); a report: 1-2 MB
)
# a workbook's XML, read by calamine as it streams (~8 bytes a byte): 200,000 rows of a few
# columns are 55 MB
MAX_WORKBOOK_XML_BYTES = 100_000_000
MAX_SENTENCES = 10_000  # per letter (a long report has 500)
MAX_TABLE_ROWS = 200_000  # per table of sentences
# a workbook's sheet, as the grid its cells span (the reader builds it whole, ~300 bytes a cell
# with pandas'): a table of sentences has a few columns
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 5_000_000
MAX_CELL_CHARS = 20_000  # the text of one row of such a table
MAX_FOLDER_FILES = 200_000  # files under one folder named to tag (every remit's reports: ~50,000)
READ_SECONDS = 15.0  # reading and splitting one file (tagging what it gives is bounded above)


class LimitExceeded(OfstedThemesError):
    """An input file beyond one of the bounds above; the message names the bound."""


def check_archive(data: bytes, kind: str, xml_limit: int = MAX_UNPACKED_XML_BYTES) -> None:
    """Refuse a zip archive (DOCX, XLSX) that would unpack beyond the bounds (its XML beyond
    ``xml_limit``): sizes are read from its directory, and the first bytes of each member,
    before anything is unpacked."""
    import zipfile  # here: ``tag --help`` never needs it

    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        return  # the format's reader says what is wrong with it
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    xml = sum(m.file_size for m in members if _parsed_as_xml(archive, m))
    if xml > xml_limit:
        size, limit = beside_limit(xml, xml_limit)
        raise LimitExceeded(
            f"{kind} holds {size} of XML (the limit is {limit}): an archive bomb, or not a letter"
        )
    if total > MAX_UNPACKED_BYTES:
        size, limit = beside_limit(total, MAX_UNPACKED_BYTES)
        raise LimitExceeded(
            f"{kind} unpacks to {size} (the limit is {limit}): an archive bomb, or not a letter"
        )


def beside_limit(size: int, limit: int) -> tuple[str, str]:
    """``size`` (over ``limit``) and ``limit`` for people, in bytes where megabytes would
    print the size as no more than the limit ("100 MB of XML (the limit is 100 MB)")."""
    shown = [for_people(size), for_people(limit)]
    (size_figure, size_unit), (limit_figure, limit_unit) = (text.split() for text in shown)
    alike = float(size_figure.replace(",", "")) <= float(limit_figure.replace(",", ""))
    if size_unit == limit_unit and alike:
        return f"{size:,} bytes", f"{limit:,} bytes"
    return shown[0], shown[1]


def for_people(size: int) -> str:
    """A byte count for people: in MB from a million bytes (``megabytes``), else in bytes."""
    return megabytes(size) if size >= 1_000_000 else f"{size:,} bytes"


def megabytes(size: int) -> str:
    """``size`` in MB, with as many decimals as keep a size just over a limit apart from it
    ("10.04 MB", not "10 MB" beside a limit of 10 MB)."""
    whole = size / 1e6
    return f"{whole:.0f} MB" if whole == round(whole) or whole >= 100 else f"{whole:.2f} MB"


XML_START = (b"<", b"\xff\xfe", b"\xfe\xff")  # markup, or UTF-16 text (of markup)


def _parsed_as_xml(archive, member) -> bool:
    """Whether a member may be parsed as XML: named so, or starting like it. Its name is not
    enough: [Content_Types].xml can declare any part XML ("document.bin"), in forms a reader of
    it would have to parse as Word does; its first bytes are the content itself."""
    if member.filename.endswith((".xml", ".rels")):
        return True
    try:
        with archive.open(member) as part:
            head = part.read(64)
    except Exception:  # a damaged member: the format's reader says what is wrong with it
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(XML_START)


OLE_FILE = b"\xd0\xcf\x11\xe0"  # an old .doc or .xls, or an encrypted DOCX or XLSX


def interrupted(error: BaseException) -> bool:
    """Whether ``error`` was raised while a Ctrl-C was on its way: the time limit's alarm, due
    at the same moment, replaces the KeyboardInterrupt, which must still stop the run."""
    seen = error.__context__
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__context__
    return False


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
