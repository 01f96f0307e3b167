"""Build letter files of every format from the text fixtures, for tests and benchmarks.

The fixtures in ``tests/fixtures/letters/*.txt`` hold one paragraph per line, blank lines between
blocks, list items with their markers and tables as Markdown rows ("| a | b |"). The builders
turn one into a multi-page PDF (running header, page numbers, words hyphenated at line ends), a
Word file (with a real table), a web page or a text file, and also build the broken files a
reader must refuse. Each builder takes a fixture name or the text itself and returns the path.
"""

from __future__ import annotations

import importlib.util
import random
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "letters"
LETTERS = ("monitoring_visit", "focused_visit", "ilacs_inspection", "jtai")

LIST_ITEM = re.compile(r"^(?:[•\-*]|\d{1,3}\.|\([a-z]\))\s+")
SUBJECT = re.compile(
    r"^(?:Monitoring visit|Focused visit|Inspection of|Joint targeted area inspection)\b.*$", re.M
)


def letter_text(letter: str) -> str:
    """The text of a fixture letter given its name, or ``letter`` itself if it is a text."""
    if "\n" not in letter and (FIXTURES / f"{letter}.txt").exists():
        return (FIXTURES / f"{letter}.txt").read_text(encoding="utf-8")
    return letter


def title(text: str) -> str:
    """The letter's subject line, used in running headers."""
    found = SUBJECT.search(text)
    return found.group() if found else "Letter"


def blocks(text: str) -> list[list[str]]:
    """Groups of consecutive non-blank lines."""
    return [b.splitlines() for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]


def page_chunks(text: str, pages: int | None) -> list[str]:
    """The letter cut into ``pages`` texts at block boundaries, blocks shared out evenly."""
    if not pages:
        return [text]
    groups = blocks(text)
    cuts = [round(i * len(groups) / pages) for i in range(pages + 1)]
    return ["\n\n".join("\n".join(b) for b in groups[a:z]) for a, z in pairwise(cuts)]


def _is_heading(block: list[str]) -> bool:
    """A one-line block that does not end like a sentence (headings, salutation, sign-off)."""
    line = block[0]
    return len(block) == 1 and not re.search(r"[.:;?!]$", line) and not line.startswith("|")


def _is_section_heading(block: list[str]) -> bool:
    """A heading of the letter's body, not its date, reference, salutation or sign-off."""
    return _is_heading(block) and not re.match(r"\d|Our reference|Ref|Dear|Yours", block[0])


def _table_rows(block: list[str]) -> list[list[str]] | None:
    """Cells of a Markdown table block, without its separator row; None if not a table."""
    if not all(line.startswith("|") for line in block):
        return None
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in block]
    return [row for row in rows if not all(re.fullmatch(r":?-{3,}:?", c) for c in row)]


# ---------------------------------------------------------------------------------------------
# PDF (fpdf2)

LEFT, RIGHT, TOP, BOTTOM = 20.0, 190.0, 28.0, 272.0  # mm on A4
GAP = 4.0  # space between blocks, mm
STYLES = {  # name: (font, size pt, line height mm)
    "body": ("regular", 11, 5.5),
    "bold": ("bold", 11, 6.0),
    "small": ("regular", 9, 4.6),
    "furniture": ("regular", 8, 4.0),
}


@dataclass(frozen=True)
class _Row:
    """One line of a PDF page: pieces of text at x positions, in one style."""

    style: str
    pieces: tuple[tuple[float, str], ...]
    height: float


@cache
def _font_files() -> tuple[str, str] | None:
    """Paths of a regular and a bold Unicode TrueType font (DejaVu: installed, or shipped with
    matplotlib); None to fall back on fpdf2's Latin-1 core fonts."""
    folders = [Path("/usr/share/fonts/truetype/dejavu")]
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        folders.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    for folder in folders:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return str(regular), str(bold)
    return None


def _new_pdf():
    """An A4 FPDF with the fonts registered as 'regular' and 'bold'."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT, TOP, 210 - RIGHT)
    fonts = _font_files()
    if fonts:
        pdf.add_font("regular", fname=fonts[0])
        pdf.add_font("bold", fname=fonts[1])
    return pdf


def _pdf_text(text: str) -> str:
    """Text the PDF's font can draw (the core fonts know only Latin-1)."""
    if _font_files():
        return text
    plain = text.translate(str.maketrans("’‘“”–—•", "''\"\"--*"))
    return plain.encode("latin-1", "replace").decode("latin-1")


def _use(pdf, style: str) -> float:
    """Select a style's font; return its line height."""
    font, size, height = STYLES[style]
    if _font_files():
        pdf.set_font(font, size=size)
    else:
        pdf.set_font("helvetica", style="B" if font == "bold" else "", size=size)
    return height


def _wrap(pdf, text: str, width: float, hyphenate: bool) -> list[str]:
    """Lines of ``text`` no wider than ``width`` in the current font; a long word that does not
    fit is hyphenated ("safe-" / "guarding") when ``hyphenate``, as a typesetter would."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if pdf.get_string_width(candidate) <= width:
            line = candidate
            continue
        cut = _hyphen_cut(pdf, line, word, width) if hyphenate else 0
        if cut:
            lines.append(f"{line} {word[:cut]}-".strip())
            line = word[cut:]
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def _hyphen_cut(pdf, line: str, word: str, width: float) -> int:
    """Where to hyphenate ``word`` so that its head fits after ``line`` (0: do not): only long
    words, and only when the line would otherwise end short by a tenth of its width."""
    if len(word) < 9 or not word.isalpha() or pdf.get_string_width(line) > 0.9 * width:
        return 0
    for cut in range(len(word) - 3, 3, -1):
        if pdf.get_string_width(f"{line} {word[:cut]}-") <= width:
            return cut
    return 0


def _block_rows(pdf, block: list[str], hyphenate: bool) -> list[_Row]:
    """The PDF lines of one block: a table, a heading, list items or paragraphs."""
    table = _table_rows(block)
    if table is not None:
        return _table_pdf_rows(pdf, table)
    if _is_heading(block):
        height = _use(pdf, "bold")
        lines = _wrap(pdf, _pdf_text(block[0]), RIGHT - LEFT, False)
        return [_Row("bold", ((LEFT, line),), height) for line in lines]
    height = _use(pdf, "body")
    rows = []
    for line in block:
        marker = LIST_ITEM.match(line)
        indent = 6.0 if marker else 0.0
        body = line[marker.end() :] if marker else line
        wrapped = _wrap(pdf, _pdf_text(body), RIGHT - LEFT - indent, hyphenate)
        for i, piece in enumerate(wrapped):
            pieces = [(LEFT + indent, piece)]
            if marker and i == 0:
                pieces.insert(0, (LEFT, _pdf_text(marker.group().strip())))
            rows.append(_Row("body", tuple(pieces), height))
    return rows


def _table_pdf_rows(pdf, table: list[list[str]]) -> list[_Row]:
    """A two-column table: the first cell wrapped in its column, the rest beside it."""
    height = _use(pdf, "small")
    rows = []
    for cells in table:
        lines = _wrap(pdf, _pdf_text(cells[0]), 105, False)
        rest = _pdf_text(" ".join(cells[1:]))
        for i, line in enumerate(lines):
            pieces = ((LEFT, line), (LEFT + 110, rest)) if i == 0 and rest else ((LEFT, line),)
            rows.append(_Row("small", pieces, height))
    return rows


def _paginate(pdf, chunks: list[str], hyphenate: bool) -> list[list[tuple[float, _Row]]]:
    """Rows placed on pages as (baseline y, row); each chunk starts a new page."""
    pages: list[list[tuple[float, _Row]]] = []
    for chunk in chunks:
        pages.append([])
        y = TOP
        for block in blocks(chunk):
            for row in _block_rows(pdf, block, hyphenate):
                if y + row.height > BOTTOM:
                    pages.append([])
                    y = TOP
                y += row.height
                pages[-1].append((y, row))
            y += GAP
    return pages


def make_pdf_letter(
    path: Path | str,
    letter: str,
    pages: int | None = None,
    *,
    hyphenate: bool = True,
    password: str | None = None,
) -> Path:
    """A multi-page PDF of a letter, with a running header ("Ofsted | <subject> | Page 2 of 4")
    from page 2 and a page number at the foot of every page.

    ``pages=None`` lets the text flow (paragraphs run across page breaks); ``pages=N`` shares
    the blocks out over N pages (so a test knows where each falls). ``password`` encrypts it.
    The same letter is laid out once and its bytes reused, so building many copies is fast.
    """
    path = Path(path)
    path.write_bytes(_pdf_bytes(letter_text(letter), pages, hyphenate, password))
    return path


@cache
def _pdf_bytes(text: str, pages: int | None, hyphenate: bool, password: str | None) -> bytes:
    """The PDF of a letter's text (see ``make_pdf_letter``)."""
    pdf = _new_pdf()
    placed = _paginate(pdf, page_chunks(text, pages), hyphenate)
    running = _pdf_text(f"Ofsted | {title(text)}")
    for number, rows in enumerate(placed, start=1):
        pdf.add_page()
        if number > 1:
            _use(pdf, "furniture")
            pdf.text(LEFT, 14, f"{running} | Page {number} of {len(placed)}")
        for y, row in rows:
            _use(pdf, row.style)
            for x, piece in row.pieces:
                pdf.text(x, y, piece)
        _use(pdf, "furniture")
        pdf.text(104, 287, str(number))
    if password:
        pdf.set_encryption(owner_password=f"{password}-owner", user_password=password)
    return bytes(pdf.output())


# ---------------------------------------------------------------------------------------------
# DOCX (python-docx)


def make_docx_letter(path: Path | str, letter: str, pages: int | None = None) -> Path:
    """A Word file of a letter: headings, bulleted and numbered lists (markers drawn by Word),
    a real table, a running header and footer (outside the body), and with ``pages=N`` explicit
    page breaks between N shares of the blocks."""
    import docx

    text = letter_text(letter)
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = f"Ofsted | {title(text)}"
    section.footer.paragraphs[0].text = "Ofsted | www.gov.uk/ofsted"
    for index, chunk in enumerate(page_chunks(text, pages)):
        if index:
            document.add_page_break()
        for block in blocks(chunk):
            _docx_block(document, block)
    path = Path(path)
    document.save(str(path))
    return path


def _docx_block(document, block: list[str]) -> None:
    """Add one block: a table, a heading, or paragraphs and list items."""
    table = _table_rows(block)
    if table is not None:
        grid = document.add_table(rows=len(table), cols=max(map(len, table)))
        grid.style = "Table Grid"
        for cells, row in zip(table, grid.rows, strict=True):
            for value, cell in zip(cells, row.cells, strict=False):
                cell.text = value
        return
    if _is_section_heading(block):
        document.add_heading(block[0], level=2)
        return
    for line in block:
        marker = LIST_ITEM.match(line)
        if marker is None:
            document.add_paragraph(line)
        else:
            numbered = marker.group()[0].isdigit()
            style = "List Number" if numbered else "List Bullet"
            document.add_paragraph(line[marker.end() :], style=style)


# ---------------------------------------------------------------------------------------------
# HTML and text

HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - GOV.UK</title>
<style>body {{ font-family: sans-serif; }} .govuk-header {{ background: #0b0c0c; }}</style>
<script>window.dataLayer = []; function track() {{ return "Page 1 of 1"; }}</script>
</head>
<body>
<header class="govuk-header"><a href="/">GOV.UK</a> <a href="/search">Search</a></header>
<nav aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li>
<li><a href="/education">Education, training and skills</a></li></ol></nav>
<main id="content">
<article>
{body}
</article>
</main>
<footer><p>All content is available under the Open Government Licence v3.0.</p>
<p>© Crown copyright</p></footer>
</body>
</html>
"""


def letter_html(letter: str) -> str:
    """A letter as a GOV.UK-style web page, with header, navigation, script and footer around
    it, address blocks as lines broken by ``<br>``, lists and a table."""
    from html import escape

    text = letter_text(letter)
    parts = []
    for block in blocks(text):
        table = _table_rows(block)
        if table is not None:
            head, *body = table
            cells = "".join(f"<th>{escape(c)}</th>" for c in head)
            rows = "".join(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in body
            )
            parts.append(
                f"<table>\n<thead><tr>{cells}</tr></thead>\n<tbody>{rows}</tbody>\n</table>"
            )
        elif _is_section_heading(block):
            level = 1 if block[0] == title(text) else 2
            parts.append(f"<h{level}>{escape(block[0])}</h{level}>")
        elif all(LIST_ITEM.match(line) for line in block):
            tag = "ol" if block[0][0].isdigit() else "ul"
            items = "\n".join(f"  <li>{escape(LIST_ITEM.sub('', line))}</li>" for line in block)
            parts.append(f"<{tag}>\n{items}\n</{tag}>")
        elif len(block) > 1:
            parts.append("<p>" + "<br>\n".join(escape(line) for line in block) + "</p>")
        else:
            parts.append(f"<p>\n  {escape(block[0])}\n</p>")
    return HTML_PAGE.format(title=escape(title(text)), body="\n".join(parts))


def make_html_letter(path: Path | str, letter: str) -> Path:
    """A web page of a letter (see ``letter_html``)."""
    path = Path(path)
    path.write_text(letter_html(letter), encoding="utf-8")
    return path


def make_text_letter(
    path: Path | str,
    letter: str,
    pages: int | None = None,
    *,
    encoding: str = "utf-8",
    wrap: int | None = None,
) -> Path:
    """A text file of a letter. ``pages=N`` splits it with form feeds, with a running header
    from page 2 and "Page n of N" at the foot of each page; ``wrap`` hard-wraps paragraphs at
    that many columns; ``encoding`` writes e.g. cp1252 (curly quotes as single bytes)."""
    text = letter_text(letter)
    chunks = page_chunks(text, pages)
    if wrap:
        chunks = [_hard_wrap(chunk, wrap) for chunk in chunks]
    if pages:
        running = f"Ofsted | {title(text)}"
        chunks = [
            (f"{running} | Page {n} of {len(chunks)}\n\n" if n > 1 else "")
            + f"{chunk}\n\nPage {n} of {len(chunks)}\n"
            for n, chunk in enumerate(chunks, start=1)
        ]
    path = Path(path)
    path.write_bytes("\f".join(chunks).encode(encoding))
    return path


def _hard_wrap(text: str, width: int) -> str:
    """Each line of ``text`` wrapped at ``width`` columns, as an old mail client would."""
    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) if line else ""
        for line in text.splitlines()
    )


def make_cp1252_letter(path: Path | str, letter: str) -> Path:
    """A text file of a letter in Windows-1252 (not UTF-8), as older Windows tools save it."""
    return make_text_letter(path, letter, encoding="cp1252")


# ---------------------------------------------------------------------------------------------
# Files a reader must refuse


def make_encrypted_pdf(
    path: Path | str, letter: str = "monitoring_visit", password: str = "secret"
) -> Path:
    """A letter PDF that needs a password to open."""
    return make_pdf_letter(path, letter, password=password)


def make_image_pdf(path: Path | str) -> Path:
    """A 'scanned' PDF: a picture of a page (grey bars for lines) and a rectangle, no text."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (620, 877), 255)
    draw = ImageDraw.Draw(image)
    for y in range(80, 800, 22):
        draw.rectangle((60, y, 560 - (y * 7) % 120, y + 9), fill=60)
    pdf = _new_pdf()
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=210)
    pdf.rect(15, 15, 180, 267)
    path = Path(path)
    pdf.output(str(path))
    return path


def make_zero_page_pdf(path: Path | str) -> Path:
    """A well-formed PDF whose page tree is empty."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path = Path(path)
    path.write_bytes(bytes(out))
    return path


def make_corrupt_pdf(path: Path | str, letter: str = "focused_visit") -> Path:
    """A letter PDF cut off part way (an interrupted download)."""
    path = make_pdf_letter(path, letter)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 5])
    return path


def make_binary_pdf(path: Path | str) -> Path:
    """A file named .pdf that is not a PDF (a PNG header and noise)."""
    noise = random.Random(0).randbytes(4096)
    path = Path(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + noise)
    return path


def make_not_zip_docx(path: Path | str) -> Path:
    """A file named .docx that is plain text, not a Word (zip) package."""
    path = Path(path)
    path.write_text("This was saved as text and renamed to .docx.\n", encoding="utf-8")
    return path
