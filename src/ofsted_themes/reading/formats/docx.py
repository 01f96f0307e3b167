"""Word (.docx): paragraphs and table cells in order, via python-docx.

The text read is the text Word displays, tracked changes accepted. python-docx's
``Paragraph.text`` and ``iter_inner_content()`` see only direct children (runs, paragraphs,
tables), so the XML is walked here through the elements that merely wrap them: a tracked
insertion, a content control, a smart tag, a field... Their text was lost silently otherwise,
and a lost insertion can reverse a sentence ("Caseloads are [no longer] too high")."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from ofsted_themes.core.limits import OLE_FILE, LimitExceeded, check_archive
from ofsted_themes.core.words import clipped
from ofsted_themes.reading.cleaning import SOFT_BREAK, clean_pages
from ofsted_themes.reading.document import DocumentError

Element = Any  # a python-docx XML element: lxml's, with properties for its kind (CT_P, CT_Tc)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
PARAGRAPH, TABLE, ROW, CELL, RUN, BREAK = (W + tag for tag in ("p", "tbl", "tr", "tc", "r", "br"))
SDT = W + "sdt"  # a content control
TEXT_BOX = W + "txbxContent"  # in a run's drawing or picture: paragraphs of their own
ALTERNATIVES = MC + "AlternateContent"
# Elements that only wrap content Word displays in their place: content controls, custom XML,
# tracked insertions and moves to here, smart tags, simple fields (their result), hyperlinks,
# right-to-left embeddings, a choice of alternatives. Not w:del nor w:moveFrom, whose text Word
# no longer displays once changes are accepted; nor a run's w:delText and w:instrText (a field's
# code), which python-docx's run text leaves out.
WRAPPERS = frozenset(
    [ALTERNATIVES, MC + "Choice", MC + "Fallback"]
    + [W + tag for tag in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag")]
    + [W + tag for tag in ("fldSimple", "hyperlink", "dir", "bdo")]
)


def read_docx(data: bytes) -> list[str]:
    """Page texts of a Word file: paragraphs and table cells in order; a new page starts only
    at an explicit page break (Word lays out pages when it displays, not in the file)."""
    import zipfile

    import docx

    if data.startswith(OLE_FILE):
        raise DocumentError(
            "encrypted or old-format Word file: save it as .docx without a password"
        )
    check_archive(data, "DOCX")
    try:
        document = docx.Document(io.BytesIO(data))
        _hide_runs_of_hidden_styles(document)
        pages: list[list[str]] = [[]]
        _docx_blocks(document.element.body, pages)
    except LimitExceeded:  # the time limit, expiring inside python-docx
        raise
    except zipfile.BadZipFile:
        if zipfile.is_zipfile(io.BytesIO(data)):  # its directory reads; a part of it does not
            raise DocumentError(
                "damaged .docx file (a part of its zip archive is damaged)"
            ) from None
        raise DocumentError("not a valid .docx file (not a zip archive)") from None
    except Exception as error:  # damaged package: python-docx raises many kinds
        raise DocumentError(_damaged(data, error)) from None
    return clean_pages(["\n".join(lines) for lines in pages])


def _damaged(data: bytes, error: Exception) -> str:
    """Why a .docx that opens as a zip archive could not be read, in words: a name alone
    ("AttributeError") told a user nothing."""
    import zipfile
    import zlib

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        kind = _other_word_kind(archive, names)
    if kind:
        return kind
    if "[Content_Types].xml" not in names and not any(n.startswith("word/") for n in names):
        return "not a Word document: a zip archive of other files named .docx"
    if type(error).__name__ == "XMLSyntaxError":  # lxml's, named so as not to import it here
        if "Excessive depth" in str(error):  # lxml's limit on nesting, which Word never nears
            return "damaged .docx file (its XML nests deeper than 256 levels)"
        if "amplification" in str(error).lower():  # entities expanding without end
            return "refused .docx file (its XML expands entities beyond bounds: an XML bomb)"
        return f"damaged .docx file (malformed XML: {clipped(str(error).splitlines()[0], 80)})"
    if isinstance(error, ValueError | zlib.error | NotImplementedError | EOFError):
        return "damaged .docx file (a part of its zip archive is damaged)"  # seeks, inflation
    return "damaged .docx file (its main part is missing, or its parts do not fit together)"


def _other_word_kind(archive, names: list[str]) -> str:
    """Why a Word file python-docx does not read is no damaged one, where it is another kind:
    a macro-enabled document renamed, or one saved in the Strict Open XML format ("" if
    neither). Only the parts' first bytes are read: the file is not yet known to be sound."""

    def head(name: str) -> bytes:
        try:
            with archive.open(name) as part:
                return part.read(4096)
        except Exception:  # absent, or itself the damaged part: the file is damaged, then
            return b""

    if b"macroEnabled" in head("[Content_Types].xml"):
        return "a macro-enabled Word document (.docm) named .docx: save it as a Word Document"
    if b"purl.oclc.org/ooxml/wordprocessingml" in head("word/document.xml"):
        return "a Word document in the Strict Open XML format: save it as a Word Document"
    return ""


def _docx_blocks(parent: Element, pages: list[list[str]]) -> None:
    """Add the paragraphs and tables of a body, a table cell or a text box, in order."""
    for block in _displayed(parent, {PARAGRAPH, TABLE}):
        if block.tag == TABLE:
            _docx_table(block, pages)
        else:
            _docx_paragraph(block, pages)


def _docx_table(table: Element, pages: list[list[str]]) -> None:
    """Add a table's cells, each once, as its row holds it: row.cells repeats a cell once per
    column it spans (a damaged or hostile span of 2**31 columns fills memory), and a row below
    a vertical merge holds only a marker of the cell above."""
    for row in _displayed(table, {ROW}):
        for cell in _displayed(row, {CELL}):
            if cell.vMerge != "continue":
                _docx_blocks(cell, pages)


def _docx_paragraph(paragraph: Element, pages: list[list[str]]) -> None:
    """Add a paragraph as a line, then the paragraphs of text boxes anchored in it as lines of
    their own (Word draws a box beside the text: its words are not part of the sentence)."""
    from docx.text.parfmt import ParagraphFormat

    runs = [run for run in _displayed(paragraph, {RUN}) if not _hidden(run)]
    if ParagraphFormat(paragraph).page_break_before and pages[-1]:
        pages.append([])
    # python-docx's run text: w:t, with w:tab as "\t", and a line break (w:br, w:cr; Shift+Enter)
    # as "\n", which is a soft break, not a paragraph's end: marked as one for clean_pages
    text = "".join(run.text for run in runs).replace("\n", SOFT_BREAK)
    pages[-1].append(_docx_marker(paragraph) + text)
    for run in runs:  # before the paragraph's page breaks: on the page of their anchor
        for box in _text_boxes(run):
            _docx_blocks(box, pages)
    breaks = sum(br.get(W + "type") == "page" for run in runs for br in run.iterchildren(BREAK))
    pages.extend([] for _ in range(breaks))


VANISH = f"{W}rPr/{W}vanish"
OFF = {"0", "false", "off"}


def _hidden(run: Element) -> bool:
    """Whether a run is hidden text (Word's Font > Hidden, ``w:vanish``), which Word does not
    display or print."""
    vanish = run.find(VANISH)
    return vanish is not None and vanish.get(W + "val", "true").lower() not in OFF


def _hide_runs_of_hidden_styles(document) -> None:
    """Mark hidden (``w:vanish``, in the tree read, not the file) each run whose character style
    hides its text: Word shows such a run no more than one hidden by its own formatting."""
    styles = document.styles.element
    hidden = {
        style.get(W + "styleId")
        for style in styles.iterchildren(W + "style")
        if style.get(W + "type") == "character" and _hidden(style)
    }
    if not hidden:  # most documents: no run need be looked at
        return
    for named in document.element.body.iter(W + "rStyle"):
        if named.get(W + "val") in hidden and named.getparent().find(W + "vanish") is None:
            named.getparent().append(named.makeelement(W + "vanish", {}))


def _displayed(parent: Element, kinds: set[str]) -> Iterator[Element]:
    """The elements of some kinds (tags) that ``parent`` displays, in order: children, and
    those inside wrappers at any depth (the XML parser allows 256 levels: no deeper recursion)."""
    for child in _alternative(parent):
        if child.tag in kinds:
            yield child
        elif child.tag in WRAPPERS and not _placeholder(child):
            yield from _displayed(child, kinds)


def _placeholder(element: Element) -> bool:
    """Whether a content control shows only its placeholder ("Click or tap here to enter
    text."), which is not the letter's text."""
    return element.tag == SDT and element.find(f"{W}sdtPr/{W}showingPlcHdr") is not None


def _text_boxes(run: Element) -> Iterator[Element]:
    """The text boxes in a run's drawings or pictures."""
    if next(run.iter(TEXT_BOX), None) is not None:  # searched in C: most runs hold none
        yield from _outer_text_boxes(run)


def _outer_text_boxes(element: Element) -> Iterator[Element]:
    """The text boxes inside an element, not those inside them: a box in a box is read with
    the paragraphs of the outer one."""
    for child in _alternative(element):
        if child.tag == TEXT_BOX:
            yield child
        else:
            yield from _outer_text_boxes(child)


def _alternative(element: Element) -> Iterable[Element]:
    """An element's children; of a choice of alternatives, only the first mc:Choice (what Word
    shows), else the mc:Fallback: the others repeat it for readers that cannot, as an old-style
    text box."""
    if element.tag != ALTERNATIVES:
        return element
    return (element.findall(MC + "Choice") or element.findall(MC + "Fallback"))[:1]


def _docx_marker(paragraph: Element) -> str:
    """A bullet for list paragraphs, whose markers Word draws rather than stores. The style is
    read by its id ("ListBullet"): resolving the style object is slow."""
    p_pr = paragraph.pPr
    numbered = p_pr is not None and p_pr.numPr is not None
    style = paragraph.style or ""
    return "• " if numbered or style.startswith("List") else ""
