"""PDF: page texts via pypdfium2 (fast, tolerant of odd files), with paragraph ends found from
the geometry of the lines."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, NamedTuple

from ofsted_themes.reading.cleaning import bodies, normalise, rebuild
from ofsted_themes.reading.document import DocumentError
from ofsted_themes.reading.sentences import LIST_MARKER

NOT_PDF = "not a PDF (the file does not start with %PDF): check the file and its extension"
ENCRYPTED_PDF = "encrypted PDF: remove the password and try again"
NO_TEXT_LAYER = "no text layer (scanned image?): run OCR first, e.g. ocrmypdf"
# pdfium marks a hyphen it took for a line-end hyphenation with U+FFFE (or U+0002) and joins the
# two lines; compiled once, as they split every line
HYPHEN_MARK = re.compile("[\ufffe\x02]")
WORD_END = re.compile(r"[\s\ufffe\x02]")


_Box = tuple[float, float, float, float]  # a character box: left, bottom, right, top
# Where a line sits in pdfium's text: the line (stripped) and the indices of its first and last
# characters and of its first word's last; a plain tuple, as one is made for every line
_Span = tuple[str, int, int, int]


class _Line(NamedTuple):  # a tuple, made in C: there is one for every line of every page
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


class _Edges(NamedTuple):
    """Where a page's lines start: each page its own, as a book's left and right pages differ."""

    left: float  # the body's left edge
    shared: frozenset[int]  # left edges (whole points) that two lines or more share


def read_pdf(data: bytes) -> list[str]:
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
        if not any(pages):
            raise DocumentError(NO_TEXT_LAYER)
        lines = _pdf_paragraph_lines(_pdf_bodies(pages), lambda index: _drawn_bullets(pdf[index]))
    except pdfium.PdfiumError:
        raise DocumentError("corrupt PDF: a page could not be read") from None
    finally:
        pdf.close()
    return rebuild(lines, wrapped=True)


def _pdf_bodies(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Each page's lines without its running header, footer and page number, and without the
    small print set apart at its top or bottom that is on some pages only."""
    texts = [[normalise(line.text) for line in page] for page in pages]
    layout = _layout(pages)
    return [
        _without_edge_print(page[part], layout)
        for page, part in zip(pages, bodies(texts), strict=True)
    ]


SMALL_PRINT = 0.85  # of the body's line height: type this much smaller is a header's or footer's
EDGE_PRINT_LINES = 4  # at most this many lines of it at a page's top or bottom


def _without_edge_print(page: list[_Line], layout: _Layout) -> list[_Line]:
    """``page`` without a few lines of small print at its top or bottom set apart from the body
    by a wider gap than the body's lines have: a first page's footer (Ofsted's address), a
    running header on the later pages only. Found by their text, they would have to recur;
    read as the body's, they cut in two a sentence that runs on to the next page, and the part
    before them was read with them, as furniture."""
    small = [line.height < SMALL_PRINT * layout.height for line in page]
    start, end = 0, len(page)
    while end > 0 and small[end - 1] and len(page) - end < EDGE_PRINT_LINES:
        end -= 1
    if end == len(page) or end == 0 or page[end - 1].bottom - page[end].top <= layout.gap:
        end = len(page)
    while start < end and small[start] and start < EDGE_PRINT_LINES:
        start += 1
    if start == 0 or start == end or page[start - 1].bottom - page[start].top <= layout.gap:
        start = 0
    return page[start:end]


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
    """The text lines of a page with their geometry, measured as the text reads (upright, left to
    right) whatever the page's /Rotate and however its text is stored."""
    textpage = None
    try:
        rotation = page.get_rotation()
        textpage, spans = _pdf_spans(page)
        turn = _upright_turn(textpage, spans, rotation)
        if turn != rotation:
            # pdfium orders lines as the page is shown (on a page shown sideways, last line
            # first): show the page with its text upright and read it again
            textpage.close()
            textpage = None
            page.set_rotation(turn)
            textpage, spans = _pdf_spans(page)
        bounds = page.get_bbox() if turn else None
        return [_pdf_line(textpage, span, turn, bounds) for span in spans]
    finally:  # whatever failed, pdfium's memory for the page goes now, not at a later collection
        if textpage is not None:
            textpage.close()
        page.close()


def _pdf_spans(page: Any) -> tuple[Any, list[_Span]]:
    """A page's text page and its lines' character indices; pdfium gives lines separated by
    CR LF and one character box per character of that text."""
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    limit = textpage.count_chars() - 1  # guards against text and boxes falling out of step
    spans, position = [], 0
    for raw in text.split("\r\n"):
        if stripped := raw.strip():
            first = min(limit, position + len(raw) - len(raw.lstrip()))
            last = min(limit, position + len(raw.rstrip()) - 1)
            word_end = min(limit, first + len(WORD_END.split(stripped, maxsplit=1)[0]) - 1)
            spans.append((stripped, first, last, word_end))
        position += len(raw) + 2
    return textpage, spans


def _upright_turn(textpage: Any, spans: list[_Span], rotation: int) -> int:
    """The clockwise turn of the page (0, 90, 180 or 270 degrees) that shows its text upright,
    by the angle of the first character of up to 8 lines spread over the page (a page's text
    mostly runs one way; asking every line costs time), each line weighing its length; the
    page's own /Rotate unless nine tenths of the text say otherwise: a page shown turned runs
    all one way, while an upright page may hold vertical labels, margin notes or a sideways
    table, and turning it would read its upright lines backwards."""
    import pypdfium2.raw as pdfium_c

    votes: Counter[int] = Counter()
    for text, first, _, _ in spans[:: len(spans) // 8 + 1]:
        angle = pdfium_c.FPDFText_GetCharAngle(textpage, first)
        if angle >= 0:  # -1 is an error
            # pdfium's angle is clockwise: a turn as far anticlockwise shows the line upright
            votes[-round(math.degrees(angle) / 90) % 4 * 90] += len(text)
    turn, weight = max(votes.items(), key=lambda vote: vote[1], default=(rotation, 0))
    return turn if 10 * weight >= 9 * sum(votes.values()) else rotation


def _upright_box(box: _Box, turn: int, bounds: _Box) -> _Box:
    """A character box (left, bottom, right, top) placed where it shows on the page turned
    clockwise by ``turn`` degrees, the turned page's lower left corner at the page's."""
    x0, y0, x1, y1 = bounds
    left, bottom, right, top = box
    if turn == 90:  # (x, y) -> (y, -x)
        return x0 + bottom - y0, y0 + x1 - right, x0 + top - y0, y0 + x1 - left
    if turn == 180:  # (x, y) -> (-x, -y)
        return x0 + x1 - right, y0 + y1 - top, x0 + x1 - left, y0 + y1 - bottom
    if turn == 270:  # (x, y) -> (-y, x)
        return x0 + y1 - top, y0 + left - x0, x0 + y1 - bottom, y0 + right - x0
    return box


def _pdf_line(textpage: Any, span: _Span, turn: int, bounds: _Box | None) -> _Line:
    """One line of text and its geometry, from three character boxes (turned upright when the
    text is stored turned)."""
    text, first_index, last_index, word_end = span
    first = textpage.get_charbox(first_index, loose=True)
    last = textpage.get_charbox(last_index, loose=True)
    word = textpage.get_charbox(word_end, loose=True)
    if bounds:
        first, last, word = (_upright_box(box, turn, bounds) for box in (first, last, word))
    left, first_bottom, _, top = first
    _, bottom, right, _ = last
    return _Line(text, left, right, top, bottom, top - first_bottom, word[2] - left)


EDGE_SHARE = 0.1  # of a page's lines, at least, start at its body's left edge


def _layout(pages: list[list[_Line]]) -> _Layout:
    """Body-text measures over the whole document (a short last page says little alone)."""
    lines = [line for page in pages for line in page] or [_Line("", 0, 1, 1, 0, 1, 0)]
    rights = sorted(line.right for line in lines)
    height = statistics.median(line.height for line in lines)
    gaps = [a.bottom - b.top for page in pages for a, b in pairwise(page)]
    usual_gap = statistics.median(gaps) if gaps else 0.0
    return _Layout(rights[int(0.9 * (len(rights) - 1))], usual_gap + height / 2, height)


def _edges(page: list[_Line]) -> _Edges:
    """A page's body edge, the leftmost that many of its lines share (a list's may be more
    common), and the edges its lines share."""
    edges = Counter(round(line.left) for line in page) or Counter([0])
    body = [edge for edge, count in edges.items() if count >= EDGE_SHARE * len(page)]
    left = min(body) if body else edges.most_common(1)[0][0]
    return _Edges(left, frozenset(edge for edge, count in edges.items() if count > 1))


BLOCK_LINES = 4  # lines at one left edge of a page, at least, to have a full width of their own
WRAPPED_SHARE = 0.5  # of those followed by another there, at least, wrapped: the next's first
# word would not have fitted after them (wrapped text, not a list of short items)


def _full_rights(page: list[_Line], layout: _Layout) -> dict[int, float]:
    """Where full lines end, for each left edge (whole points) of a page whose lines wrap at a
    width of their own: a column, a landscape page, a box of text. Elsewhere the document's
    width holds (``layout.right``): measured on every line of the letter, it took a narrower
    column's every line for a paragraph's last, and its sentences were lost."""
    edges = [round(line.left) for line in page]
    blocks: dict[int, list[int]] = {}  # each edge's lines, by their place on the page
    for k, edge in enumerate(edges):
        blocks.setdefault(edge, []).append(k)
    rights, slack = {}, layout.height / 2
    for edge, places in blocks.items():
        if len(places) < BLOCK_LINES:
            continue
        ends = sorted(page[k].right for k in places)
        full = ends[int(0.9 * (len(ends) - 1))]
        if abs(full - layout.right) < slack:
            continue  # the letter's own width: nothing to change
        followed = [k for k in places if k + 1 < len(page) and edges[k + 1] == edge]
        wrapped = sum(full - page[k].right <= page[k + 1].word + slack for k in followed)
        if followed and wrapped >= WRAPPED_SHARE * len(followed):
            rights[edge] = full
    return rights


def _ends_paragraph(
    line: _Line, below: _Line, layout: _Layout, same_page: bool, right: float | None = None
) -> bool:
    """Whether a paragraph ends after ``line``: a wide gap follows, the next line jumps up (a new
    column), or the next line's first word would have fitted on this one (a deliberate break),
    full lines ending at ``right`` (the document's width unless given). Across a page break
    only the last test means anything."""
    gap = line.bottom - below.top
    if same_page and (gap > layout.gap or gap < -1.5 * layout.height or _resized(line, below)):
        return True
    return (right or layout.right) - line.right > below.word + layout.height / 2


RESIZED = 0.05  # of a line's height: type this much larger or smaller is a heading's or a note's


def _resized(line: _Line, below: _Line) -> bool:
    """Whether the type changes size from ``line`` to ``below``, both starting with a letter or a
    digit (a bullet's glyph is often of another font, and of another height): a heading as
    wide as the body's lines was read with the paragraph after it."""
    if not (line.text[:1].isalnum() and below.text[:1].isalnum()):
        return False
    return abs(line.height - below.height) > RESIZED * max(line.height, below.height)


# A list's indent from the body's left edge, in line heights: wider is a column or a centred
# heading, narrower the jitter of one left edge
LIST_INDENT = (0.8, 4.0)


def _in_list(line: _Line, edges: _Edges, layout: _Layout) -> bool:
    """Whether ``line`` starts where a list's items do: indented from its page's body by a
    list's indent, at a left edge another line shares (a centred heading rarely does)."""
    indent = (line.left - edges.left) / layout.height
    return LIST_INDENT[0] <= indent <= LIST_INDENT[1] and round(line.left) in edges.shared


def _outdented(line: _Line, below: _Line, layout: _Layout) -> bool:
    """Whether ``below`` starts back left of ``line`` by a list's indent or more."""
    return line.left - below.left >= LIST_INDENT[0] * layout.height


def _list_items(
    placed: list[tuple[int, _Line]], ends: list[bool], edges: list[_Edges], layout: _Layout
) -> set[int]:
    """The lines that start a list's item, known by its indent: the paragraphs starting at a
    list's indent, but under an item whose mark is text ("1. Leaders…"), where an indented
    line is that item's, cut from it where text runs beside a box; none at all where a
    paragraph's next line goes back to the body's edge (a document that indents each
    paragraph's first line: its paragraphs, and headings set as they are, are no list's)."""
    starts = [0, *(k + 1 for k, end in enumerate(ends[:-1]) if end)][: len(placed)]
    under = _under_marked_items(placed)
    items = {
        k for k in starts if k not in under and _in_list(placed[k][1], edges[placed[k][0]], layout)
    }
    for k in items:
        (page, line), (next_page, below) = placed[k], placed[min(k + 1, len(placed) - 1)]
        # a list's last item may run on into the paragraph after it, which starts a sentence
        last_item = (
            k > 0
            and placed[k - 1][0] == page
            and abs(placed[k - 1][1].left - line.left) < 1
            and not below.text[:1].islower()
        )
        if not ends[k] and next_page == page and _outdented(line, below, layout) and not last_item:
            return set()
    return items


def _under_marked_items(placed: list[tuple[int, _Line]]) -> set[int]:
    """The lines indented under a line that starts with a list's mark as text, down to the next
    line as far left as it, on the same page."""
    under, mark = set(), None  # the line whose mark the lines below hang from
    for k, (page, line) in enumerate(placed):
        if mark is not None and page == mark[0] and line.left > mark[1].left + 1:
            under.add(k)
        else:
            mark = (page, line) if LIST_MARKER.match(line.text) else None
    return under


BULLET_SIZE = (0.15, 0.7)  # a drawn bullet's width and height, in the body's line heights


def _drawn_bullets(page: Any) -> list[_Box]:
    """The small shapes of an upright page, as a bullet drawn rather than written is (left,
    bottom, right, top); none on a turned page, whose shapes are placed otherwise. Asked only
    of a page holding a list known by its indent: listing a page's objects costs more than
    extracting its text where a web page printed to PDF makes one of each run of text."""
    import pypdfium2.raw as pdfium_c

    try:
        if page.get_rotation():
            return []
        shapes = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=1)
        return [shape.get_bounds() for shape in shapes]
    finally:
        page.close()


def _bullet_starts(page: list[_Line], shapes: list[_Box], layout: _Layout) -> set[int]:
    """The lines of ``page`` that a drawn bullet starts: a shape of a bullet's size just left of
    the line's first character, at its height."""
    smallest, largest = (size * layout.height for size in BULLET_SIZE)
    bullets = [
        (right, (bottom + top) / 2)
        for left, bottom, right, top in shapes
        if smallest <= right - left <= largest and smallest <= top - bottom <= largest
    ]
    return {
        k
        for k, line in enumerate(page)
        for right, middle in bullets
        if line.left - 2 * layout.height <= right <= line.left and line.bottom <= middle <= line.top
    }


def _drawn_items(
    pages: list[list[_Line]],
    listed: set[int],
    shapes: Callable[[int], list[_Box]],
    layout: _Layout,
) -> set[int]:
    """The lines (by their place in the letter) that a drawn bullet starts, on the ``listed``
    pages: an item whose last line nearly filled the width ran on into the next."""
    starts, first = set(), 0
    for index, page in enumerate(pages):
        if index in listed:
            starts |= {first + k for k in _bullet_starts(page, shapes(index), layout)}
        first += len(page)
    return starts


def _pdf_paragraph_lines(
    pages: list[list[_Line]], shapes: Callable[[int], list[_Box]]
) -> list[list[str]]:
    """Each page's lines with a blank line after each paragraph end. The lines pdfium joined at a
    hyphen (HYPHEN_MARK) are split again so that one rule (``clean_pages``) decides about
    hyphens. A list's item known by its indent (``_list_items``) is given a bullet where the
    page has none in its text, and ends where the next line goes back to the body's edge: a
    bullet drawn as a shape (a web page printed to PDF), or in a font with no text for it, left
    the items without one, an item that is no sentence ("the oversight of plans by team
    managers") was dropped as a heading, and the last was joined to the paragraph after it."""
    layout = _layout(pages)
    placed = [(index, line) for index, page in enumerate(pages) for line in page]
    following = [*placed[1:], None][: len(placed)]  # each line's next, None after the last
    rights = [_full_rights(page, layout) for page in pages]
    ends = [
        after is not None
        and _ends_paragraph(
            line, after[1], layout, after[0] == index, rights[index].get(round(line.left))
        )
        for (index, line), after in zip(placed, following, strict=True)
    ]
    items = _list_items(placed, ends, [_edges(page) for page in pages], layout)
    # a list's items start where a bullet is drawn, however full the line before
    items |= _drawn_items(pages, {placed[k][0] for k in items}, shapes, layout)
    for k in items:
        if k and placed[k - 1][0] == placed[k][0]:
            ends[k - 1] = True
    out: list[list[str]] = [[] for _ in pages]
    in_item = False  # the line is an item's, known by its indent
    for k, ((index, line), after) in enumerate(zip(placed, following, strict=True)):
        *heads, tail = HYPHEN_MARK.split(line.text)
        texts = [normalise(head) + "-" for head in heads] + [normalise(tail)]
        if k in items and not LIST_MARKER.match(texts[0]):
            texts[0] = f"• {texts[0]}"
        out[index] += texts
        in_item = k in items or in_item
        above = placed[k - 1] if k else None
        leaves = (
            in_item
            and after is not None
            and after[0] == index
            and above is not None
            and above[0] == index
            and abs(above[1].left - line.left) < 1
            and _outdented(line, after[1], layout)
        )
        if ends[k] or leaves:
            out[index].append("")
            in_item = False
    return out
