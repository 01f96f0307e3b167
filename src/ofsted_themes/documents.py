"""Reading letters of each format into text with page numbers.

Each reader turns a file's bytes into raw page texts with a well-kept library (pypdfium2,
python-docx, BeautifulSoup with lxml, charset-normalizer); ``clean_pages`` then removes page
furniture (repeated headers and footers, page numbers) and rebuilds paragraphs one per line, the
form that ``sentences.split_sentences`` expects. A file that cannot be read raises
``DocumentError`` with a reason worded for the person who supplied it, so a caller can report it
and carry on.
"""

from __future__ import annotations

import io
import math
import os
import re
import stat
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from ofsted_themes.sentences import ABBREVIATIONS, ENDS_SENTENCE, LIST_MARKER

SUPPORTED = {".pdf", ".docx", ".html", ".htm", ".txt", ".md"}

NOT_PDF = "not a PDF (the file does not start with %PDF): check the file and its extension"
ENCRYPTED_PDF = "encrypted PDF: remove the password and try again"
NO_TEXT_LAYER = "no text layer (scanned image?): run OCR first, e.g. ocrmypdf"
NOT_TEXT = "not a text file (binary content?): check the file and its extension"

# Page furniture: "3", "Page 3", "3 of 7", "- 3 -", "Page 3 of 7" on a line of its own...
PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—]?\s*\d{1,3}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,3})?$", re.I)
# ...or "Page 3 of 7" inside a running header or footer.
PAGE_OF = re.compile(r"\bpage\s+\d{1,3}\s+(?:of|/)\s+\d{1,3}\b", re.I)
EDGE_LINES = 3  # headers and footers are looked for among the first and last lines of a page
HYPHEN_END = re.compile(r"([^\W\d_]+)-$")  # a word broken with a hyphen at the end of a line
WORD_START = re.compile(r"[^\W\d_]+")
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
SPACES = re.compile(r"\s+")
# Characters that carry no text: soft hyphens, zero-width marks, controls; ligatures are spelt out.
INVISIBLE = {ord(c): None for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff\x7f"} | {
    c: None for c in range(32) if chr(c) not in "\t\n\r\x0b\x0c"
}
LIGATURES = {ord(c): unicodedata.normalize("NFKC", c) for c in "\ufb00\ufb01\ufb02\ufb03\ufb04"}
BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True)
class Page:
    """One page of a letter: ``text`` holds one paragraph per line, with furniture removed."""

    number: int
    text: str


@dataclass(frozen=True)
class Document:
    """A letter read from ``path``: its pages in order, numbered from 1."""

    path: Path
    pages: list[Page]

    @property
    def text(self) -> str:
        """The whole letter, one paragraph per line (for metadata, which ignores pages)."""
        return "\n".join(page.text for page in self.pages)


class DocumentError(Exception):
    """Reason a file cannot be read, worded for the user (e.g. 'encrypted PDF: remove the password
    and try again', 'no text layer (scanned image?): run OCR first, e.g. ocrmypdf')."""


# ---------------------------------------------------------------------------------------------
# Entry points


def read_document(path: Path | str, max_bytes: int = 50_000_000) -> Document:
    """Read a letter into cleaned pages; raise ``DocumentError`` saying why it cannot be read."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(unsupported_reason(path))
    texts = reader(_read_bytes(path, max_bytes))
    if not any(text.strip() for text in texts):
        raise DocumentError("no text found in the file")
    return Document(path, [Page(number, text) for number, text in enumerate(texts, start=1)])


def find_inputs(inputs: list[str], suffixes: set[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files, folders and glob patterns into the files to read, plus (name, reason) for
    each input that gives nothing, so that one bad input is reported rather than fatal.

    Folders are searched recursively in sorted order, following symbolic links but visiting each
    real folder once (a link loop cannot hang). Files inside folders or matched by a pattern with
    other suffixes are skipped silently; a file named explicitly with one is a failure. A file
    reached twice (say, named and inside a named folder) is returned once.
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
    return f"unsupported format '{path.suffix.lower()}'"


# ---------------------------------------------------------------------------------------------
# Finding inputs


def _expand(name: str, wanted: set[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files one command-line input stands for, and its failures."""
    path = Path(name)
    if path.is_dir():
        return _walk(path, wanted)
    if path.is_file():
        if path.suffix.lower() not in wanted:
            return [], [(name, unsupported_reason(path))]
        return [path], []
    if path.is_symlink():
        return [], [(name, "broken symbolic link")]
    if path.exists():
        return [], [(name, "not a regular file")]
    if any(c in name for c in "*?["):
        return _glob(name, wanted)
    return [], [(name, "no such file or folder")]


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
        failures.append((str(error.filename or folder), _os_reason(error)))

    for root, dirs, files in os.walk(folder, onerror=report, followlinks=True):
        if not _first_visit(root, visited):
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.startswith((".", "~$")) or Path(name).suffix.lower() not in wanted:
                continue
            path = Path(root, name)
            if path.is_file():
                paths.append(path)
            else:
                failures.append((str(path), "broken symbolic link or not a regular file"))
    if not paths and not failures:
        failures.append((str(folder), f"no {'/'.join(sorted(wanted))} files in this folder"))
    return sorted(paths), failures


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


def _os_reason(error: OSError) -> str:
    """An operating-system error in words."""
    if isinstance(error, PermissionError):
        return "permission denied"
    return (error.strerror or str(error)).lower()


# ---------------------------------------------------------------------------------------------
# Reading bytes


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, after the checks that give the clearest reasons (folder, empty, size)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DocumentError("no such file") from None
    except OSError as error:
        raise DocumentError(f"cannot read the file: {_os_reason(error)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DocumentError("a folder, not a file")
    if not stat.S_ISREG(info.st_mode):  # a pipe or device could block or never end
        raise DocumentError("not a regular file")
    if info.st_size > max_bytes:
        raise DocumentError(
            f"file too large ({_size(info.st_size)}; the limit is {_size(max_bytes)})"
        )
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise DocumentError(f"cannot read the file: {_os_reason(error)}") from None
    if not data:
        raise DocumentError("empty file")
    if len(data) > max_bytes:  # grew since stat, or a device
        raise DocumentError(f"file too large (over {_size(max_bytes)})")
    return data


def _size(n: int) -> str:
    """A byte count for people."""
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n:,} bytes"


# ---------------------------------------------------------------------------------------------
# PDF


@dataclass(frozen=True)
class _Line:
    """A line of PDF text with where it sits (PDF points, y upwards)."""

    text: str
    left: float
    right: float  # right edge of the last character
    top: float  # top of the first character
    bottom: float  # bottom of the last character (lower when pdfium joined a hyphenated line)
    height: float
    word: float  # width of the first word: would it have fitted at the end of the line above?


@dataclass(frozen=True)
class _Layout:
    """Measures of a PDF's body text that tell a paragraph end from a wrapped line."""

    right: float  # where full lines end
    gap: float  # a wider gap between lines ends a paragraph
    height: float  # a typical line height


def _read_pdf(data: bytes) -> list[str]:
    """Page texts of a PDF, via pypdfium2 (fast, tolerant of odd files)."""
    import pypdfium2 as pdfium

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(NOT_PDF)
    try:
        _forget_pdfium_error()
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise DocumentError(_pdfium_reason(error)) from None
    try:
        if len(pdf) == 0:
            raise DocumentError("PDF has no pages")
        pages = [_pdf_lines(pdf[index]) for index in range(len(pdf))]
    except pdfium.PdfiumError:
        raise DocumentError("corrupt PDF: a page could not be read") from None
    finally:
        pdf.close()
    if not any(pages):
        raise DocumentError(NO_TEXT_LAYER)
    return _rebuild(_pdf_paragraph_lines(_pdf_bodies(pages)), wrapped=True)


def _pdf_bodies(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Each page's lines without its running header, footer and page number."""
    texts = [[_normalise(line.text) for line in page] for page in pages]
    furniture = _furniture(texts)
    return [page[_body(text, furniture)] for page, text in zip(pages, texts, strict=True)]


def _pdfium_reason(error: Any) -> str:
    """Why pdfium could not open a PDF, in words."""
    import pypdfium2.raw as pdfium_c

    if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return ENCRYPTED_PDF
    if error.err_code == pdfium_c.FPDF_ERR_SECURITY:
        return "PDF protected by an unsupported security handler: save an unprotected copy"
    if error.err_code == pdfium_c.FPDF_ERR_FILE:  # unchanged: a page-less PDF sets no error
        return "PDF has no pages (empty or damaged file)"
    return "corrupt PDF: the file is damaged or incomplete"


def _forget_pdfium_error() -> None:
    """Set pdfium's last error to FPDF_ERR_FILE, which loading from memory never sets: pdfium
    refuses a page-less PDF without setting an error, so the previous file's error would show."""
    import pypdfium2.raw as pdfium_c

    pdfium_c.FPDF_LoadDocument(b"", None)  # no such file


def _pdf_lines(page: Any) -> list[_Line]:
    """The text lines of a page with their geometry; pdfium gives lines separated by CR LF and
    one character box per character of that text."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        last = textpage.count_chars() - 1  # guards against text and boxes falling out of step
        lines, position = [], 0
        for raw in text.split("\r\n"):
            if raw.strip():
                lines.append(_pdf_line(textpage, raw, position, last))
            position += len(raw) + 2
        return lines
    finally:
        textpage.close()
        page.close()


def _pdf_line(textpage: Any, raw: str, position: int, limit: int) -> _Line:
    """One line of text and its geometry, from three character boxes."""
    stripped = raw.strip()
    first = min(limit, position + len(raw) - len(raw.lstrip()))
    last = min(limit, position + len(raw.rstrip()) - 1)
    word_end = min(limit, first + len(re.split(r"[\s\ufffe\x02]", stripped, maxsplit=1)[0]) - 1)
    left, first_bottom, _, top = textpage.get_charbox(first, loose=True)
    _, bottom, right, _ = textpage.get_charbox(last, loose=True)
    word_right = textpage.get_charbox(word_end, loose=True)[2]
    return _Line(stripped, left, right, top, bottom, top - first_bottom, word_right - left)


def _layout(pages: list[list[_Line]]) -> _Layout:
    """Body-text measures over the whole document (a short last page says little alone)."""
    lines = [line for page in pages for line in page] or [_Line("", 0, 1, 1, 0, 1, 0)]
    rights = sorted(line.right for line in lines)
    height = statistics.median(line.height for line in lines)
    gaps = [a.bottom - b.top for page in pages for a, b in pairwise(page)]
    usual_gap = statistics.median(gaps) if gaps else 0.0
    return _Layout(rights[int(0.9 * (len(rights) - 1))], usual_gap + height / 2, height)


def _ends_paragraph(line: _Line, below: _Line, layout: _Layout, same_page: bool) -> bool:
    """Whether a paragraph ends after ``line``: a wide gap follows, the next line jumps up (a new
    column), or the next line's first word would have fitted on this one (a deliberate break).
    Across a page break only the last test means anything."""
    gap = line.bottom - below.top
    if same_page and (gap > layout.gap or gap < -1.5 * layout.height):
        return True
    return layout.right - line.right > below.word + layout.height / 2


def _pdf_paragraph_lines(pages: list[list[_Line]]) -> list[list[str]]:
    """Each page's lines with a blank line after each paragraph end. pdfium marks a hyphen it
    took for a line-end hyphenation with U+FFFE (or U+0002) and joins the two lines; they are
    split again so that one rule (``clean_pages``) decides about hyphens."""
    layout = _layout(pages)
    placed = [(index, line) for index, page in enumerate(pages) for line in page]
    out: list[list[str]] = [[] for _ in pages]
    for (index, line), after in zip(placed, [*placed[1:], None], strict=True):
        *heads, tail = re.split("[\ufffe\x02]", line.text)
        out[index] += [_normalise(head) + "-" for head in heads] + [_normalise(tail)]
        if after and _ends_paragraph(line, after[1], layout, same_page=after[0] == index):
            out[index].append("")
    return out


# ---------------------------------------------------------------------------------------------
# DOCX


def _read_docx(data: bytes) -> list[str]:
    """Page texts of a Word file: paragraphs and table cells in order; a new page starts only
    at an explicit page break (Word lays out pages when it displays, not in the file)."""
    import zipfile

    import docx

    if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE container: password-protected or old .doc
        raise DocumentError(
            "encrypted or old-format Word file: save it as .docx without a password"
        )
    try:
        document = docx.Document(io.BytesIO(data))
        pages: list[list[str]] = [[]]
        for block in document.iter_inner_content():
            _docx_block(block, pages)
    except zipfile.BadZipFile:
        raise DocumentError("not a valid .docx file (not a zip archive)") from None
    except Exception as error:  # damaged package: python-docx raises many kinds
        raise DocumentError(f"damaged .docx file ({type(error).__name__})") from None
    return clean_pages(["\n".join(lines) for lines in pages])


def _docx_block(block: Any, pages: list[list[str]]) -> None:
    """Add a paragraph or table (recursively, each cell once) to the current page."""
    from docx.table import Table

    if isinstance(block, Table):
        seen: dict[int, Any] = {}  # merged cells repeat across the grid; keep each once
        for row in block.rows:
            for cell in row.cells:
                if id(cell._tc) not in seen:
                    seen[id(cell._tc)] = cell._tc
                    for inner in cell.iter_inner_content():
                        _docx_block(inner, pages)
        return
    if block.paragraph_format.page_break_before and pages[-1]:
        pages.append([])
    pages[-1].append(_docx_marker(block) + block.text)
    for _ in block._p.xpath('./w:r/w:br[@w:type="page"]'):
        pages.append([])


def _docx_marker(paragraph: Any) -> str:
    """A bullet for list paragraphs, whose markers Word draws rather than stores. The style is
    read by its id ("ListBullet"): resolving the style object is slow."""
    p_pr = paragraph._p.pPr
    numbered = p_pr is not None and p_pr.numPr is not None
    style = paragraph._p.style or ""
    return "• " if numbered or style.startswith("List") else ""


# ---------------------------------------------------------------------------------------------
# HTML

DROPPED_TAGS = [
    "head", "script", "style", "nav", "header", "footer", "noscript", "template", "svg",
    "form", "button", "iframe",
]  # fmt: skip
BLOCK_TAGS = [
    "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol",
    "p", "pre", "section", "table", "td", "th", "tr", "ul",
]  # fmt: skip
LINE = "\ue000"  # a private-use character marking a line break until whitespace is collapsed


def _read_html(data: bytes) -> list[str]:
    """The text of a web page as one page: furniture elements dropped, block elements and list
    items on lines of their own (BeautifulSoup works out the encoding)."""
    from bs4 import BeautifulSoup

    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(NOT_TEXT)
    soup = BeautifulSoup(data, "lxml")
    for tag in soup(DROPPED_TAGS):
        tag.decompose()
    for br in soup("br"):
        br.replace_with(LINE)
    for tag in soup(BLOCK_TAGS):
        tag.insert_before(LINE)
        tag.append(LINE)
    for item in soup("li"):
        item.insert(0, _list_marker(item))
    text = SPACES.sub(" ", soup.get_text()).replace(LINE, "\n")
    return clean_pages([text])


def _list_marker(item: Any) -> str:
    """'• ' for an unordered list item, 'N. ' for an ordered one."""
    parent = item.find_parent(["ul", "ol"])
    if parent is None or parent.name == "ul":
        return "• "
    start = int(parent.get("start", "1")) if str(parent.get("start", "1")).isdigit() else 1
    return f"{start + len(item.find_previous_siblings('li'))}. "


# ---------------------------------------------------------------------------------------------
# Plain text and Markdown


def _read_text(data: bytes) -> list[str]:
    """Pages of a text file (form feeds separate pages)."""
    return _text_pages(_decode(data))


def _read_markdown(data: bytes) -> list[str]:
    """Pages of a Markdown file, with heading marks, emphasis and link targets removed."""
    text = _decode(data)
    text = re.sub(r"(?m)^ {0,3}#{1,6}\s+|\s+#+\s*$", "", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return _text_pages(text)


def _text_pages(text: str) -> list[str]:
    """Clean the pages of a text; hard-wrapped text gets its paragraph ends marked first."""
    pages = text.split("\f")
    width = _hard_wrap_width(pages)
    if width is None:
        return clean_pages(pages)
    return clean_pages([_mark_short_lines(page, width) for page in pages], wrapped=True)


def _decode(data: bytes) -> str:
    """Text from bytes: a BOM, else UTF-8, else charset-normalizer's guess. Among equally
    plausible single-byte encodings Windows-1252 is preferred, as these are English letters
    (charset-normalizer may otherwise pick cp1250 and garble accented letters)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in data[:4096]:
        raise DocumentError(NOT_TEXT)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise DocumentError(NOT_TEXT)
    if any(m.chaos <= best.chaos and "cp1252" in m.could_be_from_charset for m in matches):
        return data.decode("cp1252", errors="replace")
    return str(best)


def _hard_wrap_width(pages: list[str]) -> int | None:
    """The line width of a hard-wrapped text (most lines near one width of at most 100
    characters, many not ending a sentence), or None for one paragraph per line."""
    lines = [line.strip() for page in pages for line in page.splitlines() if line.strip()]
    if len(lines) < 5:
        return None
    width = sorted(map(len, lines))[int(0.9 * (len(lines) - 1))]
    wrapped = sum(len(line) >= 0.8 * width and not _ends_sentence(line) for line in lines)
    return width if width <= 100 and wrapped >= max(3, len(lines) // 4) else None


def _mark_short_lines(page: str, width: int) -> str:
    """Put a blank line after each line that ends its paragraph: the next line's first word
    would have fitted on it."""
    lines = [line.strip() for line in page.splitlines()]
    out = []
    for line, below in zip(lines, [*lines[1:], ""], strict=True):
        out.append(line)
        if line and below and width - len(line) > len(below.split()[0]) + 1:
            out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Cleaning pages: shared by every format


def clean_pages(raw_pages: list[str], wrapped: bool = False) -> list[str]:
    """Page texts with furniture removed and paragraphs rebuilt, one per line.

    Removed: lines at the top or bottom of a page that recur there on at least half the pages
    (compared with digits masked, so "Page 3 of 7" matches "Page 4 of 7"), bare page numbers,
    and edge lines holding "Page N of M". Lines are then joined into paragraphs, across page
    breaks too (a paragraph belongs to the page where it starts):

    - a blank line always ends a paragraph, and a list item ("•", "-", "1.", "(a)") starts one;
    - a line starting in lower case continues the one before (a broken line); a word split by a
      hyphen at a line end is joined without the hyphen, unless the document spells the word
      with a hyphen elsewhere and never without ("well-being");
    - a line ending a sentence (not with an abbreviation like "Mr.") ends the paragraph;
    - otherwise ``wrapped`` decides: wrapped text (PDF; text with paragraph ends already marked
      by blank lines) joins the lines, text with one paragraph per line keeps them apart.
    """
    pages = [_lines(page) for page in raw_pages]
    furniture = _furniture(pages)
    return _rebuild([lines[_body(lines, furniture)] for lines in pages], wrapped)


def _rebuild(pages: list[list[str]], wrapped: bool) -> list[str]:
    """Page texts of paragraphs joined from clean lines (blank lines end paragraphs)."""
    vocabulary = {w.lower() for lines in pages for line in lines for w in WORD.findall(line)}
    texts: list[list[str]] = [[] for _ in pages]
    for index, paragraph in _paragraphs(pages, wrapped, vocabulary):
        texts[index].append(paragraph)
    return ["\n".join(paragraphs) for paragraphs in texts]


def _lines(raw: str) -> list[str]:
    """Clean lines of a raw page."""
    return [_normalise(line) for line in raw.splitlines()]


def _normalise(line: str) -> str:
    """A line with whitespace collapsed, invisible characters removed, ligatures spelt out."""
    return SPACES.sub(" ", line.translate(INVISIBLE).translate(LIGATURES)).strip()


def _key(line: str) -> str:
    """A line as compared when looking for running headers and footers."""
    return re.sub(r"\d+", "#", line.casefold())


def _furniture(pages: list[list[str]]) -> set[str]:
    """Keys of lines that recur near the top or bottom of at least half the pages (two or more)."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        body = [line for line in lines if line]
        counts.update({_key(line) for line in body[:EDGE_LINES] + body[-EDGE_LINES:]})
    needed = max(2, math.ceil(len(pages) / 2))
    return {key for key, count in counts.items() if count >= needed}


def _is_furniture(line: str, furniture: set[str]) -> bool:
    """Whether an edge line is a page number, a running header or a footer."""
    return bool(
        not line or PAGE_NUMBER.match(line) or PAGE_OF.search(line) or _key(line) in furniture
    )


def _body(lines: list[str], furniture: set[str]) -> slice:
    """The part of a page between the furniture (and blank lines) at its top and bottom."""
    start, end = 0, len(lines)
    while start < end and _is_furniture(lines[start], furniture):
        start += 1
    while end > start and _is_furniture(lines[end - 1], furniture):
        end -= 1
    return slice(start, end)


def _paragraphs(
    pages: list[list[str]], wrapped: bool, vocabulary: set[str]
) -> list[tuple[int, str]]:
    """(page index, paragraph) pairs, joining lines by the rules in ``clean_pages``."""
    paragraphs: list[tuple[int, str]] = []
    after_blank = True
    for index, lines in enumerate(pages):
        for line in lines:
            if not line:
                after_blank = True
            elif not after_blank and _continues(paragraphs[-1][1], line, wrapped):
                paragraphs[-1] = (paragraphs[-1][0], _join(paragraphs[-1][1], line, vocabulary))
            else:
                paragraphs.append((index, line))
                after_blank = False
    return paragraphs


def _continues(previous: str, line: str, wrapped: bool) -> bool:
    """Whether ``line`` carries on the paragraph that ``previous`` holds."""
    if LIST_MARKER.match(line):
        return False
    if line[0].islower():
        return True
    if _ends_sentence(previous):
        return False
    return wrapped or bool(HYPHEN_END.search(previous))


def _ends_sentence(line: str) -> bool:
    """Whether a line ends with terminal punctuation that is not an abbreviation's full stop."""
    if not ENDS_SENTENCE.search(line):
        return False
    last = line.rsplit(maxsplit=1)[-1].rstrip(".").lower()
    return not (line.endswith(".") and last in ABBREVIATIONS)


def _join(previous: str, line: str, vocabulary: set[str]) -> str:
    """Two lines of one paragraph as one, mending a word hyphenated across the break."""
    broken = HYPHEN_END.search(previous)
    if broken is None:
        return f"{previous} {line}"
    start = WORD_START.match(line)
    if start is None or not line[0].islower():
        return previous + line  # "Anti-" + "Social": a real hyphen
    head, tail = broken.group(1).lower(), start.group().lower()
    if f"{head}-{tail}" in vocabulary and f"{head}{tail}" not in vocabulary:
        return previous + line
    return previous[:-1] + line


READERS: dict[str, Callable[[bytes], list[str]]] = {
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".html": _read_html,
    ".htm": _read_html,
    ".txt": _read_text,
    ".md": _read_markdown,
}
