"""Word (.docx): paragraphs and table cells in order, via python-docx."""

from __future__ import annotations

import io
from typing import Any

from ofsted_themes.core.limits import OLE_FILE, LimitExceeded, check_archive
from ofsted_themes.reading.cleaning import clean_pages
from ofsted_themes.reading.document import DocumentError


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
        pages: list[list[str]] = [[]]
        for block in document.iter_inner_content():
            _docx_block(block, pages)
    except LimitExceeded:  # the time limit, expiring inside python-docx
        raise
    except zipfile.BadZipFile:
        raise DocumentError("not a valid .docx file (not a zip archive)") from None
    except Exception as error:  # damaged package: python-docx raises many kinds
        raise DocumentError(f"damaged .docx file ({type(error).__name__})") from None
    return clean_pages(["\n".join(lines) for lines in pages])


def _docx_block(block: Any, pages: list[list[str]]) -> None:
    """Add a paragraph or table (recursively, each cell once) to the current page."""
    from docx.table import Table, _Cell

    if isinstance(block, Table):
        # each cell once, as its row holds it: row.cells repeats a cell once per column it spans
        # (a damaged or hostile span of 2**31 columns fills memory), and a row below a vertical
        # merge holds only a marker of the cell above
        for row in block.rows:
            for tc in row._tr.tc_lst:
                if tc.vMerge != "continue":
                    for inner in _Cell(tc, block).iter_inner_content():
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
