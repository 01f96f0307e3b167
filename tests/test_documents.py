"""Reading letters of every format into pages of clean text, refusing bad files with a reason,
and finding the input files."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import letter_factory as lf
import pytest

from ofsted_themes.core.limits import READ_SECONDS, time_limit
from ofsted_themes.reading.cleaning import clean_pages
from ofsted_themes.reading.document import SUPPORTED, Document, DocumentError, read_document
from ofsted_themes.reading.inputs import find_inputs
from ofsted_themes.reading.sentences import (
    ENDS_SENTENCE,
    LIST_MARKER,
    letter_sentences,
    split_sentences,
)

FURNITURE = re.compile(r"Page \d+ of \d+|Ofsted \||^\d+$|GOV\.UK|Crown copyright|Licence")


def fixture_sentences(letter: str) -> list[str]:
    """Sentences of a fixture letter's prose and list items (not its address or headings)."""
    lines = lf.letter_text(letter).splitlines()
    keep = [line for line in lines if ENDS_SENTENCE.search(line) or LIST_MARKER.match(line)]
    return [s.text for line in keep for s in split_sentences(line)]


def page_sentences(document: Document) -> list[tuple[int, str]]:
    """(page number, sentence) for every sentence of a document."""
    return [(p.number, s.text) for p in document.pages for s in split_sentences(p.text)]


def raw_pdf_pages(path: Path) -> list[str]:
    """Page texts exactly as pdfium gives them (lines end in CR LF; U+FFFE marks a hyphen)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def build(kind: str, letter: str, folder: Path) -> Path:
    """A letter file of one kind, built from a fixture text."""
    if kind == "txt":
        return lf.FIXTURES / f"{letter}.txt"  # the fixture itself is an input
    builders = {
        "pdf": lambda p: lf.make_pdf_letter(p.with_suffix(".pdf"), letter),
        "pdf-4-pages": lambda p: lf.make_pdf_letter(p.with_suffix(".pdf"), letter, pages=4),
        "docx": lambda p: lf.make_docx_letter(p.with_suffix(".docx"), letter, pages=3),
        "html": lambda p: lf.make_html_letter(p.with_suffix(".html"), letter),
        "txt-pages": lambda p: lf.make_text_letter(p.with_suffix(".txt"), letter, pages=3),
        "txt-wrapped": lambda p: lf.make_text_letter(p.with_suffix(".txt"), letter, wrap=72),
        "txt-cp1252": lambda p: lf.make_cp1252_letter(p.with_suffix(".txt"), letter),
        "md": lambda p: lf.make_text_letter(p.with_suffix(".md"), letter, wrap=80),
    }
    return builders[kind](folder / letter)


KINDS = [
    "pdf",
    "pdf-4-pages",
    "docx",
    "html",
    "txt",
    "txt-pages",
    "txt-wrapped",
    "txt-cp1252",
    "md",
]


# ---------------------------------------------------------------------------------------------
# Every format reads to the letter's sentences


@pytest.mark.parametrize("letter", lf.LETTERS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_format_keeps_the_letters_sentences_and_drops_furniture(kind, letter, tmp_path):
    document = read_document(build(kind, letter, tmp_path))
    sentences = [text for _, text in page_sentences(document)]
    missing = [s for s in fixture_sentences(letter) if s not in sentences]
    assert not missing
    assert not [s for s in sentences if FURNITURE.search(s)]


def test_a_text_letter_put_on_the_web_in_pre_reads_as_the_text_letter(tmp_path):
    """A page that is a plain-text letter in <pre>: read as blocks, its address ran into its
    first sentence, its bullets into one, and its council was read wrongly."""
    import html

    letter = Path(__file__).resolve().parents[1] / "inbox" / "sample-focused-visit.txt"
    page = tmp_path / "letter.html"
    page.write_text(f"<html><body><pre>{html.escape(letter.read_text())}</pre></body></html>")
    assert read_document(page).text == read_document(letter).text
    # a page with a <pre> among its prose is read as a page
    mixed = tmp_path / "mixed.html"
    prose = "<p>Caseloads are too high in the assessment teams across the service.</p>" * 3
    mixed.write_text(f"<html><body>{prose}<pre>Table 1\nA  B</pre></body></html>")
    assert "Caseloads are too high" in read_document(mixed).text


def test_the_html_fixture_reads_without_page_furniture():
    document = read_document(lf.FIXTURES / "jtai.html")
    sentences = [text for _, text in page_sentences(document)]
    assert not [s for s in fixture_sentences("jtai") if s not in sentences]
    assert "Youth justice practitioners provide skilled and creative direct work." in sentences
    text = document.pages[0].text
    assert "dataLayer" not in text and "Education, training and skills" not in text
    assert "Published as an HTML attachment" not in text  # a comment
    assert "• The violence reduction unit is well established" in text  # list items, marked


@pytest.mark.parametrize("letter", lf.LETTERS)
@pytest.mark.parametrize("kind", ["pdf-4-pages", "docx-4-pages", "txt-4-pages"])
def test_sentences_are_on_the_right_page(kind, letter, tmp_path):
    builders = {
        "pdf-4-pages": lf.make_pdf_letter,
        "docx-4-pages": lf.make_docx_letter,
        "txt-4-pages": lf.make_text_letter,
    }
    suffix = "." + kind.split("-")[0]
    document = read_document(builders[kind](tmp_path / f"letter{suffix}", letter, pages=4))
    expected = {}
    for number, chunk in enumerate(lf.page_chunks(lf.letter_text(letter), 4), start=1):
        for sentence in split_sentences(chunk):
            expected.setdefault(sentence.text, number)
    assert len(document.pages) == 4
    actual = {s: page for page, s in reversed(page_sentences(document))}  # first page of each
    assert not [s for s in fixture_sentences(letter) if s not in actual]
    wrong = {
        s: (actual[s], page) for s, page in expected.items() if s in actual and actual[s] != page
    }
    assert not wrong


@pytest.fixture(scope="module")
def flowing_pdfs(tmp_path_factory) -> dict[str, Path]:
    """Each fixture letter as a PDF whose text flows across pages (built once: fonts are slow)."""
    folder = tmp_path_factory.mktemp("pdfs")
    return {letter: lf.make_pdf_letter(folder / f"{letter}.pdf", letter) for letter in lf.LETTERS}


def test_a_sentence_running_across_a_pdf_page_break_is_kept_whole_on_its_first_page(
    flowing_pdfs,
):
    crossing = []
    for letter, path in flowing_pdfs.items():
        flat = [re.sub(r"\s+", " ", raw.replace("\ufffe", "")) for raw in raw_pdf_pages(path)]
        expected = set(fixture_sentences(letter))
        for page, sentence in page_sentences(read_document(path)):
            if sentence in expected and not any(sentence in f for f in flat):
                crossing.append(sentence)
                assert sentence[:30] in flat[page - 1]
    assert crossing  # the layout does break paragraphs across pages


def test_pdf_words_hyphenated_across_lines_are_rejoined(flowing_pdfs):
    broken = []
    for path in flowing_pdfs.values():
        text = "\n".join(page.text for page in read_document(path).pages)
        for head, tail in re.findall(r"(\w+)\ufffe(\w+)", "".join(raw_pdf_pages(path))):
            broken.append(head + tail)
            assert head + tail in text
            assert f"{head}-{tail}" not in text
    assert broken  # the layout did hyphenate some words


def test_pdf_running_header_and_page_numbers_are_in_the_file_but_not_the_text(tmp_path):
    path = lf.make_pdf_letter(tmp_path / "letter.pdf", "ilacs_inspection")
    raw = raw_pdf_pages(path)
    total = len(raw)
    assert total >= 3
    assert f"Page 2 of {total}" in raw[1] and raw[-1].rstrip().endswith(str(total))
    document = read_document(path)
    assert [page.number for page in document.pages] == list(range(1, total + 1))
    for page in document.pages:
        assert "Page" not in page.text and not re.search(r"(?m)^\d+$", page.text)


def test_docx_table_cells_and_list_items_become_lines(tmp_path):
    path = lf.make_docx_letter(tmp_path / "letter.docx", "ilacs_inspection")
    lines = read_document(path).pages[0].text.splitlines()
    assert "Overall effectiveness" in lines
    assert lines[lines.index("Overall effectiveness") + 1] == "Requires improvement to be good"
    assert "• The oversight of children who are privately fostered." in lines
    assert not [line for line in lines if "Ofsted |" in line]  # running header is not body


# Word shows the text of runs and paragraphs nested in wrapper elements; python-docx's
# Paragraph.text and iter_inner_content() see only direct children.
NAMESPACES = " ".join(
    f'xmlns:{prefix}="{uri}"'
    for prefix, uri in {
        "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
        "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
        "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
        "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
        "v": "urn:schemas-microsoft-com:vml",
    }.items()
)
SAID = "Caseloads are no longer too high for social workers in the assessment teams."
TRACKED = 'w:id="1" w:author="HMI" w:date="2024-01-01T00:00:00Z"'
BOXED = "Leaders have recruited twelve permanent social workers."


def _run(text: str, tag: str = "w:t") -> str:
    return f'<w:r><{tag} xml:space="preserve">{text}</{tag}></w:r>'


def _said(inner: str) -> str:
    """The sentence SAID as a paragraph, its words "no longer " held in ``inner``'s "{}"."""
    rest = SAID.removeprefix("Caseloads are no longer ")
    return f"<w:p>{_run('Caseloads are ')}{inner.format(_run('no longer '))}{_run(rest)}</w:p>"


def _text_box(text: str) -> str:
    """A run holding a text box as Word saves one: a drawing, and a VML copy for old readers."""
    box = f"<w:txbxContent><w:p>{_run(text)}</w:p></w:txbxContent>"
    return (
        f'<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>'
        f"<a:graphicData><wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></a:graphicData>"
        f"</a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape>"
        f"<v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def docx_with_body(path: Path, xml: str) -> Path:
    """A Word file whose body holds the WordprocessingML ``xml`` between two paragraphs."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("Inspectors met leaders.")
    closing = document.add_paragraph("Inspectors spoke to children.")._p
    for element in parse_xml(f"<w:body {NAMESPACES}>{xml}</w:body>"):
        closing.addprevious(element)
    document.save(str(path))
    return path


DISPLAYED = {  # wrapper: a body holding the sentence SAID, its words in the wrapper
    "tracked insertion": _said(f"<w:ins {TRACKED}>{{}}</w:ins>"),
    "tracked move": _said(f'<w:moveTo {TRACKED}>{{}}</w:moveTo><w:moveFrom w:id="2">'
                          f"{_run('no longer ')}</w:moveFrom>"),
    "run content control": _said("<w:sdt><w:sdtPr/><w:sdtContent>{}</w:sdtContent></w:sdt>"),
    "block content control": f"<w:sdt><w:sdtPr/><w:sdtContent>{_said('{}')}</w:sdtContent>"
                             "</w:sdt>",
    "smart tag": _said('<w:smartTag w:uri="urn:x" w:element="place">{}</w:smartTag>'),
    "simple field": _said('<w:fldSimple w:instr="DOCPROPERTY Finding">{}</w:fldSimple>'),
    "complex field": _said(f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                           f"{_run(' DOCPROPERTY Finding ', 'w:instrText')}"
                           '<w:r><w:fldChar w:fldCharType="separate"/></w:r>{}'
                           '<w:r><w:fldChar w:fldCharType="end"/></w:r>'),
    "run custom XML": _said('<w:customXml w:element="finding">{}</w:customXml>'),
    "block custom XML": f'<w:customXml w:element="finding">{_said("{}")}</w:customXml>',
    "hyperlink in an insertion": _said(f"<w:ins {TRACKED}><w:hyperlink>{{}}</w:hyperlink></w:ins>"),
    "content control in a table row": f"<w:tbl><w:sdt><w:sdtContent><w:tr><w:tc>{_said('{}')}"
                                      "</w:tc></w:tr></w:sdtContent></w:sdt></w:tbl>",
}  # fmt: skip


@pytest.mark.parametrize("wrapper", DISPLAYED)
def test_docx_text_inside_wrappers_is_read_whole_and_in_order(wrapper, tmp_path):
    path = docx_with_body(tmp_path / "letter.docx", DISPLAYED[wrapper])
    assert read_document(path).pages[0].text.splitlines() == [
        "Inspectors met leaders.",
        SAID,
        "Inspectors spoke to children.",
    ]


def test_docx_deleted_text_is_not_read_and_inserted_text_is(tmp_path):
    deleted = f"<w:del {TRACKED}><w:r><w:delText>still much </w:delText></w:r></w:del>"
    path = docx_with_body(
        tmp_path / "letter.docx", _said(deleted + f"<w:ins {TRACKED}>{{}}</w:ins>")
    )
    text = read_document(path).pages[0].text
    assert SAID in text.splitlines()
    assert "still" not in text and "much" not in text


def test_a_docx_text_box_is_read_once_as_sentences_of_its_own(tmp_path):
    anchor = (
        f"<w:p>{_run('Managers check every plan ')}{_text_box(BOXED)}{_run('each month.')}</w:p>"
    )
    path = docx_with_body(tmp_path / "letter.docx", anchor)
    assert read_document(path).pages[0].text.splitlines() == [
        "Inspectors met leaders.",
        "Managers check every plan each month.",
        BOXED,  # after its anchor, once: not again from the copy for old readers
        "Inspectors spoke to children.",
    ]


def test_a_docx_page_break_inside_a_tracked_insertion_starts_a_page(tmp_path):
    inserted = f'<w:p><w:ins {TRACKED}><w:r><w:br w:type="page"/></w:r></w:ins></w:p>'
    pages = read_document(docx_with_body(tmp_path / "letter.docx", inserted)).pages
    assert [page.text for page in pages] == [
        "Inspectors met leaders.",
        "Inspectors spoke to children.",
    ]


def test_cp1252_text_is_decoded_not_rejected(tmp_path):
    text = "Café staff said the “front door” works – it’s quicker.\n"
    path = tmp_path / "letter.txt"
    path.write_bytes(text.encode("cp1252"))
    assert read_document(path).pages[0].text == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "Caseloads are high and the council spends €3,000 on agency staff. " * 3
        + "Children’s plans drift.",
        "It’s fine.",
    ],
)
def test_windows_1252_punctuation_is_read_as_windows_1252_not_a_mac_encoding(text, tmp_path):
    """Text whose only bytes past ASCII were Word's € and quotes was read as a Mac or CJK
    encoding, unsaid: "Ä3,000", "Childrenís", "It𠏋 fine."."""
    path = tmp_path / "letter.txt"
    path.write_bytes((text + "\n").encode("cp1252"))
    assert read_document(path).pages[0].text == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("Социальные работники сказали: «нагрузка высокая» – “да”.", "cp1251"),
     ("Οι λειτουργοί είπαν ότι ο φόρτος είναι υψηλός – “ναι”.", "cp1253")],
)  # fmt: skip
def test_another_scripts_windows_code_page_is_not_taken_for_windows_1252(text, encoding):
    """Its punctuation has Windows-1252's bytes, but its letters are another script's."""
    from ofsted_themes.reading.formats.text import decode_text

    assert decode_text(text.encode(encoding)) == text


@pytest.mark.parametrize(
    "encoding", ["utf-8-sig", "utf-16", "utf-16-be-marked", "utf-32", "utf-32-be-marked"]
)
def test_text_with_a_byte_order_mark_is_decoded(encoding, tmp_path):
    """UTF-32 was read as UTF-16 (its mark starts with UTF-16's): text garbled with NULs."""
    path = tmp_path / "letter.txt"
    text = "Children’s services are good.\n"
    if encoding.endswith("-marked"):  # big-endian, with the mark Python writes only little
        data = ("\ufeff" + text).encode(encoding.removesuffix("-marked"))
    else:
        data = text.encode(encoding)
    path.write_bytes(data)
    assert read_document(path).pages[0].text == "Children’s services are good."


def test_utf16_text_whose_first_character_is_nul_is_not_taken_for_utf32():
    """UTF-16's mark and a NUL character are UTF-32's mark: such text came out all "\ufffd"."""
    from ofsted_themes.reading.formats.text import decode_text

    text = "\x00Caseloads are too high."
    assert decode_text(("\ufeff" + text).encode("utf-16-le")) == text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_a_byte_order_mark_is_decoded(encoding, tmp_path):
    """Saved without a mark (as some Windows programs do), UTF-16 text was refused as "not a
    text file (binary content?)"; bytes with NULs that are not such text still are."""
    from ofsted_themes.reading.formats.text import decode_text

    text = "Focused visit to Leeds children’s services\n\nCaseloads are too high for workers.\n"
    path = tmp_path / "letter.txt"
    path.write_bytes(text.encode(encoding))
    assert "Caseloads are too high for workers." in read_document(path).pages[0].text
    with pytest.raises(DocumentError, match="not a text file"):
        decode_text(b"\x00\x01\x02binary\x00\x00garbage!")


def test_form_feeds_split_text_pages(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text("First page.\n\fSecond page.\n\f\fFourth page.\n", encoding="utf-8")
    pages = read_document(path).pages
    assert [(p.number, p.text) for p in pages] == [
        (1, "First page."),
        (2, "Second page."),
        (3, ""),
        (4, "Fourth page."),
    ]


def test_markdown_marks_are_removed(tmp_path):
    path = tmp_path / "letter.md"
    path.write_text(
        "# Focused visit\n\n**Leaders** know their [services](https://x.test) well.\n\n"
        "* improve plans\n",
        encoding="utf-8",
    )
    text = read_document(path).pages[0].text
    assert text.splitlines() == [
        "Focused visit",
        "Leaders know their services well.",
        "* improve plans",
    ]


def test_markdown_reference_links_read_as_their_text_and_their_targets_are_no_text(tmp_path):
    path = tmp_path / "letter.md"
    path.write_text(
        "Inspectors found that [caseloads are too high][1] and [plans drift][] in places.\n\n"
        '[1]: https://example.org/a\n[plans drift]: <https://example.org/b> "Plans"\n\n'
        "[Inspectors' note]: caseloads are too high in two teams.\n",
        encoding="utf-8",
    )
    assert read_document(path).pages[0].text.splitlines() == [
        "Inspectors found that caseloads are too high and plans drift in places.",
        "[Inspectors' note]: caseloads are too high in two teams.",  # prose, not a target
    ]


def test_markdown_front_matter_tables_and_hard_breaks_are_read_as_a_reader_sees_them(tmp_path):
    # a table row ends in "|", no sentence's end: its findings were dropped; front matter was
    # glued to the first sentence, and a line ending in a hard break (a backslash) was lost
    path = tmp_path / "letter.md"
    path.write_text(
        "---\ntitle: Focused visit\n---\n# Focused visit to Leeds\n\n"
        "Leaders plan to rely less on agency staff.\\\nChildren who go missing are seen.\n\n"
        "| Theme | Finding |\n|:--|--:|\n| Staffing | Caseloads are too high in most teams. |\n",
        encoding="utf-8",
    )
    sentences = [s.text for s in letter_sentences(read_document(path).text)]
    assert sentences == [
        "Leaders plan to rely less on agency staff.",
        "Children who go missing are seen.",
        "Caseloads are too high in most teams.",
    ]


def test_markdown_with_windows_line_ends_a_rule_first_and_a_link_in_parentheses(tmp_path):
    path = tmp_path / "letter.md"
    path.write_bytes(
        b"---\r\nLeaders know their services well.\r\n\r\n---\r\n\r\n## Findings ##\r\n\r\n"
        b"See [the guidance](https://x.test/Foo_(bar)) on plans.\\\r\n"
        b"| Staffing | Caseloads are too high. |\r\n"
    )
    sentences = [s.text for s in letter_sentences(read_document(path).text)]
    assert sentences == [  # a rule over prose is no front matter
        "Leaders know their services well.",
        "See the guidance on plans.",
        "Caseloads are too high.",
    ]


def test_markdown_emphasis_code_quotes_autolinks_images_and_escaped_pipes_read_as_shown(
    tmp_path,
):
    path = tmp_path / "letter.md"
    path.write_text(
        "> Leaders *know* their _services_ well, and `plans` are ***clear***.\n"
        "See <https://x.test/a> and ![a chart of caseloads](c.png) here.\n"
        "Use snake_case and 2*3*4 as written.\n"
        "| Staffing | Social workers leave often \\| agency staff fill posts. |\n",
        encoding="utf-8",
    )
    assert read_document(path).text.splitlines() == [
        "Leaders know their services well, and plans are clear.",
        "See https://x.test/a and a chart of caseloads here.",
        "Use snake_case and 2*3*4 as written.",  # marks inside words are not emphasis
        "Staffing",
        "Social workers leave often | agency staff fill posts.",  # the part before was lost
    ]


def test_markdown_front_matter_with_keys_of_several_words_or_quoted_is_dropped(tmp_path):
    path = tmp_path / "letter.md"
    path.write_text(
        '---\nLead inspector: Jane Smith\n"title": Focused visit\n---\nCaseloads are high.\n',
        encoding="utf-8",
    )
    assert read_document(path).text == "Caseloads are high."


def test_markdown_front_matter_of_lines_read_two_ways_is_read_within_the_time_limit(tmp_path):
    path = tmp_path / "letter.md"  # each "-a: b" a key and a list item: 2**n ways to fail
    path.write_text("---\n" + "-a: b\n" * 40 + "Caseloads are too high.\n", encoding="utf-8")
    with time_limit(READ_SECONDS, "reading"):
        text = read_document(path).text
    assert "Caseloads are too high." in text


@pytest.mark.parametrize(
    "text",
    ["[" * 150_000, " " * 150_000 + "x", "[a](" * 40_000, "*a" * 75_000, "`" * 150_000],
    ids=["brackets", "spaces", "unclosed-links", "stars", "backticks"],
)
def test_markdown_runs_of_marks_are_read_within_the_time_limit(tmp_path, text):
    # each pattern once tried every start in such a run again: a 150 KB file ran out of time
    path = tmp_path / "letter.md"
    path.write_text(text, encoding="utf-8")
    with time_limit(READ_SECONDS, "reading"):
        pages = read_document(path).pages
    assert pages[0].text.strip() == text.strip()


# ---------------------------------------------------------------------------------------------
# Page cleaning rules


@pytest.mark.parametrize("suffix", [".txt", ".pdf"])
def test_pages_all_alike_are_the_letter_not_its_furniture(tmp_path, suffix):
    # every line recurs at the top of every page: taken for running headers, nothing was left
    page = ["Leaders know their services well.", "Social workers have manageable caseloads."]
    path = tmp_path / f"copies{suffix}"
    if suffix == ".txt":
        path.write_text("\f".join(["\n".join(page)] * 3), encoding="utf-8")
    else:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.set_font("helvetica", size=11)
        for _ in range(3):
            pdf.add_page()
            for y, line in enumerate(page):
                pdf.text(20, 30 + 10 * y, line)
        path.write_bytes(bytes(pdf.output()))
    texts = [p.text for p in read_document(path).pages]
    assert texts == ["\n".join(page)] * 3


def test_running_headers_and_footers_are_dropped_comparing_digits_as_one():
    findings = ["Plans are clear.", "Visits are timely.", "Leaders know their services."]
    pages = [
        f"Ofsted | Focused visit to Lowmoor | Page {n} of 3\n{finding}\n"
        f"Ofsted, Piccadilly Gate, Manchester M1 2WD\n{n}"
        for n, finding in enumerate(findings, start=1)
    ]
    assert clean_pages(pages) == findings


@pytest.mark.parametrize("number", ["3", "Page 3", "3 of 7", "- 3 -", "page 3 of 7", "3/7"])
def test_bare_page_numbers_are_dropped(number):
    assert clean_pages([f"Leaders act quickly.\n{number}"]) == ["Leaders act quickly."]
    assert clean_pages([f"{number}\nLeaders act quickly."]) == ["Leaders act quickly."]


def test_a_line_recurring_at_the_edge_of_only_one_page_in_three_is_kept():
    pages = ["Headline findings\nText one.", "Other heading\nText two.", "Last\nText three."]
    assert clean_pages(pages)[0] == "Headline findings\nText one."


def test_hyphenated_word_at_line_end_is_rejoined():
    assert clean_pages(["Leaders improved safe-\nguarding quickly."]) == [
        "Leaders improved safeguarding quickly."
    ]
    assert clean_pages(["Leaders improved safe-\nguarding quickly."], wrapped=True) == [
        "Leaders improved safeguarding quickly."
    ]


def test_the_broken_word_is_the_one_a_search_of_the_whole_line_finds():
    """Searched after the last space only, the hyphenated word is the same as searched all."""
    import random

    from ofsted_themes.reading import cleaning

    rng = random.Random(0)
    alphabet = "ab é_-9 \t\u00a0'’."
    lines = ["".join(rng.choices(alphabet, k=rng.randint(0, 30))) + "-" for _ in range(20_000)]
    lines += ["well-", " -", "-", "a b-", "x\u00a0safe-", "9ab-", "a_b-"]
    for line in lines:
        ours, theirs = cleaning._hyphen_end(line), cleaning.HYPHEN_END.search(line)
        assert (ours and (ours.group(1), ours.span())) == (
            theirs and (theirs.group(1), theirs.span())
        )
    assert sum(cleaning._hyphen_end(line) is not None for line in lines) > 1_000


def test_hyphen_is_kept_when_the_document_spells_the_word_with_one():
    text = "Children’s well-being matters.\nWe checked their well-\nbeing often."
    assert clean_pages([text], wrapped=True) == [
        "Children’s well-being matters.\nWe checked their well-being often."
    ]


def test_real_hyphen_before_a_capital_is_kept():
    assert clean_pages(["The anti-\nSocial Behaviour team."], wrapped=True) == [
        "The anti-Social Behaviour team."
    ]


def test_wrapped_lines_join_until_a_blank_line_or_a_sentence_end():
    raw = (
        "The director of\nChildren’s Services has a clear plan.\nLeaders share it.\n\n"
        "Areas for improvement\n\nLeaders should act."
    )
    assert clean_pages([raw], wrapped=True) == [
        "The director of Children’s Services has a clear plan.\nLeaders share it.\n"
        "Areas for improvement\nLeaders should act."
    ]


def test_a_wrapped_text_whose_last_page_ends_with_a_form_feed_is_read(tmp_path):
    """pdftotext ends every page with a form feed, the last too: the empty page after it failed
    a hard-wrapped text with "ValueError: zip() argument 2 is longer than argument 1"."""
    import textwrap

    findings = [
        "High caseloads and a reliance on agency social workers in the assessment teams mean "
        "that some children experience frequent changes of social worker.",
        "Management oversight is not consistently evident on children’s records, and "
        "supervision does not always challenge drift in their plans.",
    ]
    path = tmp_path / "pdftotext.txt"
    path.write_text("".join(textwrap.fill(f, 60) + "\n\f" for f in findings), encoding="utf-8")
    assert [text for _, text in page_sentences(read_document(path))] == findings


def test_a_wrapped_text_with_a_few_longer_lines_keeps_its_sentences_whole(tmp_path):
    """A hard-wrapped letter (70 characters) holding a few longer lines, a judgement table's,
    was measured as wrapped wider: a wrapped line that fell short of that width ended its
    paragraph, and one finding counted as two sentences."""
    import textwrap

    findings = [
        "High caseloads and a reliance on agency social workers in the assessment teams mean "
        "that some children experience frequent changes of social worker.",
        "Management oversight is not consistently evident on children’s records, and "
        "supervision does not always challenge drift in their plans.",
        "Children who go missing from home are offered return home interviews, but the "
        "quality and timeliness of those interviews vary between the teams.",
    ]
    table = [
        "Judgement                                          Grade",
        "The impact of leaders on social work practice     Requires improvement to be good",
        "Overall effectiveness                              Requires improvement to be good",
        "The experiences of children in care                Requires improvement to be good",
    ]
    body = "\n\n".join(textwrap.fill(f"{i}. {f}", 70) for i, f in enumerate(findings, 1))
    path = tmp_path / "wrapped.txt"
    path.write_text("\n".join(table) + "\n\n" + body + "\n", encoding="utf-8")
    sentences = [text for _, text in page_sentences(read_document(path))]
    assert [s for s in sentences if s in findings] == findings


def test_one_paragraph_per_line_text_joins_only_lower_case_continuations():
    raw = "Areas for improvement\nLeaders should act\nquickly and well.\nYours sincerely\nAnn Lee"
    assert clean_pages([raw]) == [
        "Areas for improvement\nLeaders should act quickly and well.\nYours sincerely\nAnn Lee"
    ]


def test_an_abbreviation_at_a_line_end_does_not_end_the_paragraph():
    raw = "Inspectors met Mr.\nJones and Dr.\nAli."
    assert clean_pages([raw], wrapped=True) == ["Inspectors met Mr. Jones and Dr. Ali."]


def test_list_items_keep_their_own_lines_and_markers():
    raw = (
        "Leaders should improve:\n• the quality of\nplans\n- timeliness\n1. first item\n"
        "(a) second item\n2) third"
    )
    assert clean_pages([raw], wrapped=True)[0].splitlines() == [
        "Leaders should improve:",
        "• the quality of plans",
        "- timeliness",
        "1. first item",
        "(a) second item",
        "2) third",
    ]


def test_whitespace_invisible_characters_and_ligatures_are_normalised():
    raw = "  Leaders\t\u00a0 are\u200b ef\ufb01cient\u00ad.  \r\n\r\n"
    assert clean_pages([raw]) == ["Leaders are efficient."]


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u202c", "\u2069", "\u061c"])
@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_a_direction_mark_after_a_full_stop_still_ends_the_sentence(tmp_path, mark, suffix):
    # Word and web pages write these invisible marks after a stop ("&lrm;"): the paragraph then
    # ended no sentence, and its last sentence was dropped without a word
    paragraphs = ["Managers check plans every month.", "Agency staff are used in most teams."]
    path = tmp_path / f"letter{suffix}"
    if suffix == ".txt":
        path.write_text("\n\n".join(p + mark for p in paragraphs), encoding="utf-8")
    else:
        body = "".join(f"<p>{p}&#x{ord(mark):x};</p>" for p in paragraphs)
        path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    sentences = [s.text for s in letter_sentences(read_document(path).text)]
    assert sentences == paragraphs


@pytest.mark.parametrize(
    ("declared", "encoding"),
    [("utf-16", "utf-8"), ("windows-1252", "utf-8"), ("utf-8", "cp1252")],
)
def test_a_web_page_is_read_by_its_bytes_whatever_it_declares(tmp_path, declared, encoding):
    # declared UTF-16, a UTF-8 page was read as Chinese-looking characters: 0 sentences
    sentence = "Social workers’ caseloads are too high in the Leeds team."
    page = f"<html><head><meta charset='{declared}'></head><body><p>{sentence}</p></body></html>"
    path = tmp_path / "letter.html"
    path.write_bytes(page.encode(encoding))
    assert read_document(path).pages[0].text == sentence


def test_a_paragraph_running_onto_the_next_page_belongs_to_the_first():
    pages = clean_pages(
        ["Leaders have\nmade progress\n2", "Page 2\nin most teams. Plans are better.\nNew start."],
        wrapped=True,
    )
    assert pages == ["Leaders have made progress in most teams. Plans are better.", "New start."]


# A sentence closing two pages of three, a real letter's finding, was taken for a running footer.
REPEATED = "This is an area for improvement."
REPEATING_PAGES = [
    ["Ofsted | Focused visit to Lowmoor", "Leaders know their services well.", REPEATED],
    ["Ofsted | Focused visit to Lowmoor", "Plans for children are clear.", REPEATED],
    ["Ofsted | Focused visit to Lowmoor", "Visits are timely.", "Supervision is regular."],
]


def _docx_broken(path: Path, groups, page_breaks: bool) -> Path:
    """A Word file of groups of runs: each group one page of paragraphs (``page_breaks``, a page
    break after each page but the last) or one paragraph of runs with line breaks (w:br)."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for number, parts in enumerate(groups, start=1):
        paragraph = None if page_breaks else document.add_paragraph()
        for index, part in enumerate(parts, start=1):
            run = (paragraph or document.add_paragraph()).add_run(part)
            if page_breaks and index == len(parts) and number < len(groups):
                run.add_break(WD_BREAK.PAGE)
            elif not page_breaks and index < len(parts):
                run.add_break()
    document.save(path)
    return path


@pytest.mark.parametrize("kind", ["docx", "txt"])
def test_a_sentence_repeated_at_the_edge_of_half_the_pages_is_not_furniture(kind, tmp_path):
    path = tmp_path / f"letter.{kind}"
    if kind == "docx":
        _docx_broken(path, REPEATING_PAGES, page_breaks=True)
    else:
        path.write_text("\f".join("\n".join(lines) for lines in REPEATING_PAGES), "utf-8")
    found = page_sentences(read_document(path))
    assert [page for page, text in found if text == REPEATED] == [1, 2]
    assert not [text for _, text in found if "Lowmoor" in text]  # the running header still goes


def test_a_sentence_at_the_edge_of_nearly_every_page_of_a_long_document_is_furniture():
    """A footer may read as a sentence; on nearly every page of ten, it is one."""
    footer = "This letter is published on the Ofsted website."
    findings = [f"Leaders know the work of team {'ABCDEFGHIJ'[n]} well." for n in range(10)]
    pages = [f"{finding}\n{footer}" for finding in findings]
    pages[0] = findings[0]  # not on the first page
    assert clean_pages(pages) == findings
    assert footer in clean_pages(pages[:4])[1]  # on three pages of four, it is the letter's


# A line break inside a paragraph (Word's Shift+Enter, a vertical tab) before a capital made the
# part before it a paragraph that does not end like a sentence, dropped.
BROKEN = (
    "Inspectors found that caseloads are too high in",
    "North Yorkshire's teams, as managers know.",
)
ADDRESS = ("Ofsted", "Piccadilly Gate", "Store Street", "Manchester M1 2WD")


@pytest.mark.parametrize("kind", ["docx", "txt"])
def test_a_line_break_inside_a_sentence_keeps_the_sentence_whole(kind, tmp_path):
    path = tmp_path / f"letter.{kind}"
    if kind == "docx":
        _docx_broken(path, [ADDRESS, BROKEN], page_breaks=False)
    else:
        path.write_text("\x0b".join(ADDRESS) + "\n" + "\x0b".join(BROKEN) + "\n", "utf-8")
    document = read_document(path)
    assert document.pages[0].text.splitlines() == [*ADDRESS, " ".join(BROKEN)]
    assert [text for _, text in page_sentences(document)][-1:] == [" ".join(BROKEN)]
    assert not [s for s in letter_sentences(document.pages[0].text) if "Piccadilly" in s.text]


def test_line_breaks_join_only_the_parts_that_run_on_to_a_sentences_end():
    parts = ["Leaders should improve:", "1. the quality of", "plans.",
             "Caseloads in the assessment teams are", "High.",
             "Areas for improvement", "Leaders should review plans."]  # fmt: skip
    raw = "Dear Ms Lee\n" + "\x0b".join([*parts, "", "Yours sincerely", "Ann Lee HMI", ""])
    assert clean_pages([raw])[0].splitlines() == [
        "Dear Ms Lee",
        "Leaders should improve:",
        "1. the quality of plans.",  # a lower-case part continues the line before, as ever
        "Caseloads in the assessment teams are High.",
        "Areas for improvement",  # a heading before a sentence is not glued to it
        "Leaders should review plans.",
        "Yours sincerely",
        "Ann Lee HMI",
    ]


def test_a_sentence_like_footer_on_every_page_of_a_short_letter_is_furniture():
    footer = "This letter is published on the Ofsted website."
    pages = [f"Leaders know team {n} well.\n{footer}" for n in "ABC"]
    assert clean_pages(pages) == [f"Leaders know team {n} well." for n in "ABC"]


def test_a_number_of_four_digits_starting_a_wrapped_line_ends_the_sentence_before_it():
    raw = "The service received contacts numbering\n1500. This is a rise on last year.\n"
    text = clean_pages([raw], wrapped=True)[0]  # as a PDF's lines are read
    assert [s.text for s in letter_sentences(text)] == [
        "The service received contacts numbering 1500.", "This is a rise on last year."
    ]  # fmt: skip


def test_an_html_line_break_inside_a_sentence_keeps_the_sentence_whole(tmp_path):
    path = tmp_path / "letter.html"
    path.write_text(f"<p>{'<br>'.join(BROKEN)}</p><address>{'<br>'.join(ADDRESS)}</address>")
    assert read_document(path).pages[0].text.splitlines() == [" ".join(BROKEN), *ADDRESS]


def test_an_xml_file_named_html_is_read_without_a_parsers_warning(tmp_path):
    """BeautifulSoup printed a twelve-line warning, with code to silence it, to the user."""
    import warnings

    path = tmp_path / "letter.html"
    path.write_text('<?xml version="1.0"?>\n<letter><p>Managers lack oversight.</p></letter>')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_document(path).pages[0].text.strip() == "Managers lack oversight."


# ---------------------------------------------------------------------------------------------
# Bad input: each refused with a reason


def _reason(path: Path, **kwargs) -> str:
    with pytest.raises(DocumentError) as caught:
        read_document(path, **kwargs)
    return str(caught.value)


def test_a_docx_whose_xml_expands_entities_without_end_is_refused_in_words(tmp_path):
    """A "billion laughs" gave lxml's message cut mid-word ("…see xmlCtxtSetMaxAmp., l")."""
    letter = lf.make_docx_letter(tmp_path / "ok.docx", "Caseloads are high.\n", None)
    with zipfile.ZipFile(letter) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    entities = "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "lol") * 10}">' for i in range(1, 10)
    )
    xml = parts["word/document.xml"]
    body = xml[xml.index(b"<w:document") :].replace(b"Caseloads are high.", b"&lol9;")
    parts["word/document.xml"] = f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'.encode() + body
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert _reason(bomb) == (
        "refused .docx file (its XML expands entities beyond bounds: an XML bomb)"
    )


def test_a_size_just_over_a_limit_never_reads_as_the_limit():
    from ofsted_themes.core.limits import beside_limit

    assert beside_limit(100_400_000, 100_000_000) == ("100,400,000 bytes", "100,000,000 bytes")
    assert beside_limit(10_000_004, 10_000_000) == ("10,000,004 bytes", "10,000,000 bytes")
    assert beside_limit(12_345_678, 10_000_000) == ("12.35 MB", "10 MB")
    assert beside_limit(260_000_000, 200_000_000) == ("260 MB", "200 MB")


def test_a_long_message_is_clipped_at_a_words_end():
    from ofsted_themes.core.words import clipped

    message = "Maximum entity amplification factor exceeded, see xmlCtxtSetMaxAmplification."
    assert clipped(message, 60) == "Maximum entity amplification factor exceeded, see…"
    assert clipped("short", 60) == "short"
    assert clipped("x" * 100, 10) == "x" * 10 + "…"


def _docx_with_a_damaged_part(path: Path) -> None:
    """A DOCX whose zip directory reads but whose document part fails its checksum."""
    lf.make_docx_letter(path, "focused_visit")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:  # stored: bytes as written
        for name, data in parts.items():
            archive.writestr(name, data)
    data = bytearray(path.read_bytes())
    data[data.index(b"<w:body>") + 1] = ord("x")
    path.write_bytes(bytes(data))


def _docx_without_its_body(path: Path) -> None:
    """A Word file missing word/document.xml: "damaged .docx file (AttributeError)" before."""
    lf.make_docx_letter(path.with_name("whole.docx"), "Caseloads are high.\n")
    with zipfile.ZipFile(path.with_name("whole.docx")) as made, zipfile.ZipFile(path, "w") as out:
        for item in made.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, made.read(item))


def _docx_changed(path: Path, part: str, change) -> None:
    """A Word letter whose ``part`` is ``change``d (bytes to bytes)."""
    lf.make_docx_letter(path.with_name("made.docx"), "Caseloads are high.\n")
    with zipfile.ZipFile(path.with_name("made.docx")) as made, zipfile.ZipFile(path, "w") as out:
        for item in made.infolist():
            data = made.read(item)
            out.writestr(item, change(data) if item.filename == part else data)


def _docx_nested_too_deep(path: Path) -> None:
    """A Word file whose body nests 300 elements deep: lxml refuses it, and the reason was its
    exception's name alone ("XMLSyntaxError")."""
    deep = b"<w:customXml>" * 300 + b"</w:customXml>" * 300
    _docx_changed(
        path, "word/document.xml", lambda x: x.replace(b"<w:body>", b"<w:body>" + deep, 1)
    )


def _docx_macro_enabled(path: Path) -> None:
    """A .docm renamed .docx: "damaged .docx file (a part of its zip archive is damaged)"."""
    main = b"wordprocessingml.document.main+xml"
    macros = b"ms-word.document.macroEnabled.main+xml"
    _docx_changed(
        path,
        "[Content_Types].xml",
        lambda x: x.replace(b"vnd.openxmlformats-officedocument." + main, b"vnd." + macros),
    )


def _docx_strict(path: Path) -> None:
    """Word's Strict Open XML: "damaged .docx file (its main part is missing, …)"."""
    standard = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    strict = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
    _docx_changed(path, "word/document.xml", lambda x: x.replace(standard, strict))


@pytest.mark.parametrize(
    ("make", "name", "reason"),
    [
        (lambda p: p.write_bytes(b""), "empty.txt", "empty file"),
        (lambda p: p.write_bytes(b""), "empty.pdf", "empty file"),
        (lf.make_zero_page_pdf, "zero.pdf", "no pages"),
        (lf.make_corrupt_pdf, "cut.pdf", "corrupt PDF"),
        (lf.make_binary_pdf, "picture.pdf", "not a PDF"),
        (lf.make_encrypted_pdf, "locked.pdf", "encrypted PDF: remove the password and try again"),
        (lf.make_image_pdf, "scan.pdf", "no text layer (scanned image?): run OCR first"),
        (lf.make_not_zip_docx, "text.docx", "not a valid .docx file (not a zip archive)"),
        (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(600)), "old.docx", "old-format Word"),
        (lambda p: zipfile.ZipFile(p, "w").close(), "other.docx", "a zip archive of other files"),
        (_docx_nested_too_deep, "deep.docx", "its XML nests deeper than 256 levels"),
        (_docx_without_its_body, "nobody.docx", "its main part is missing, or its parts do not"),
        (_docx_with_a_damaged_part, "crc.docx", "a part of its zip archive is damaged"),
        (_docx_macro_enabled, "macros.docx", "a macro-enabled Word document (.docm) named .docx"),
        (_docx_strict, "strict.docx", "a Word document in the Strict Open XML format"),
        (lambda p: p.write_bytes(bytes(range(256)) * 4), "binary.txt", "not a text file"),
        (lambda p: p.write_bytes(b"\x00\x01binary"), "binary.html", "not a text file"),
        (lambda p: p.write_text(" \n\n\t\n"), "blank.txt", "no text found"),
        (
            lambda p: p.write_text("Staffing shortages in the team\nManagers and plans\n\f" * 5),
            "furniture.txt",
            "no text found in the file (none, or only lines repeated on every page",
        ),
        (
            lambda p: p.write_text("<html><script>x()</script></html>"),
            "blank.html",
            "no text found",
        ),
        (lambda p: p.write_text("x"), "notes.xyz", "unsupported format '.xyz'"),
        (lambda p: p.write_text("x"), "book.ods", "a table of sentences is read as .xlsx, .csv"),
        (lambda p: p.write_text("x"), "README", "unsupported format (no file extension)"),
        (lambda p: p.mkdir(), "folder.txt", "a folder, not a file"),
        (lambda p: os.mkfifo(p), "pipe.txt", "not a regular file"),
        (lambda p: None, "missing.pdf", "no such file"),
    ],
)
def test_bad_input_is_refused_with_a_reason(make, name, reason, tmp_path):
    path = tmp_path / name
    make(path)
    assert reason in _reason(path)


def test_a_file_over_the_size_limit_is_refused_saying_both_sizes(tmp_path):
    small = lf.make_text_letter(tmp_path / "letter.txt", "jtai")
    assert "the limit is 1,000 bytes" in _reason(small, max_bytes=1000)
    big = tmp_path / "big.pdf"
    with big.open("wb") as file:
        file.truncate(2_500_000)  # sparse: no need to write the bytes
    assert _reason(big, max_bytes=1_000_000) == "file too large (2.50 MB; the limit is 1 MB)"
    assert _reason(big, max_bytes=2_499_999) == (
        "file too large (2,500,000 bytes; the limit is 2,499,999 bytes)"
    )  # not "2.50 MB; the limit is 2.50 MB"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_is_refused(tmp_path):
    path = lf.make_text_letter(tmp_path / "letter.txt", "jtai")
    path.chmod(0)
    try:
        assert "permission denied" in _reason(path)
    finally:
        path.chmod(0o644)


def test_an_unreadable_file_is_refused_even_as_root(tmp_path, monkeypatch, refuse_to_open):
    path = lf.make_text_letter(tmp_path / "locked.txt", "jtai")
    refuse_to_open(monkeypatch, "locked.txt")
    assert _reason(path) == "cannot read the file: permission denied"


def test_supported_suffixes():
    expected = {".pdf", ".docx", ".html", ".htm", ".xhtml", ".txt", ".text", ".md", ".markdown"}
    assert expected == SUPPORTED


@pytest.mark.parametrize("suffix", [".markdown", ".text", ".xhtml"])
def test_a_formats_longer_name_is_read_as_its_short_one(suffix, tmp_path):
    """Passed over unsaid in a folder: a letter a user would count was left out."""
    text = "Caseloads are too high for many social workers."
    body = f'<?xml version="1.0"?><html><body><p>{text}</p></body></html>'
    path = _touch(
        tmp_path / f"letter{suffix}", body if suffix == ".xhtml" else f"# Visit\n\n{text}"
    )
    assert text in read_document(path).text
    assert find_inputs([str(tmp_path)], SUPPORTED) == ([path], [])


# ---------------------------------------------------------------------------------------------
# Finding inputs


def _touch(path: Path, text: str = "A letter.") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_folders_are_searched_recursively_in_order_skipping_other_files(tmp_path):
    root = tmp_path / "letters"
    wanted = [
        _touch(root / "a.pdf"),
        _touch(root / "b.TXT"),
        _touch(root / "2023" / "march" / "c.docx"),
        _touch(root / "2023" / "z.html"),
    ]
    for skipped in ["notes.csv", ".hidden.txt", "~$draft.docx", ".git/x.txt", "image.png"]:
        _touch(root / skipped)
    paths, failures = find_inputs([str(root)], SUPPORTED)
    assert paths == sorted(wanted)
    assert failures == []


def test_documents_a_user_may_take_for_letters_are_reported_not_skipped(tmp_path):
    """An old Word letter in a folder of PDFs would otherwise leave the counts short unsaid."""
    root = tmp_path / "letters"
    letter = _touch(root / "a.pdf")
    doc, rtf = _touch(root / "old letter.DOC"), _touch(root / "2019" / "b.rtf")
    _touch(root / "photo.jpg")
    paths, failures = find_inputs([str(root)], SUPPORTED)
    assert paths == [letter]
    assert sorted(failures) == sorted(
        [(str(p), f"unsupported format '{p.suffix.lower()}': save it as DOCX or PDF and tag that")
         for p in (doc, rtf)]
    )  # fmt: skip
    by_pattern = find_inputs([str(root / "*")], SUPPORTED)  # a pattern finds the same
    assert by_pattern[0] == paths and sorted(by_pattern[1]) == sorted(failures)


def test_an_email_in_a_folder_of_letters_fails_saying_to_save_its_attachment(tmp_path):
    """A letter forwarded as .eml or .msg was passed over unsaid, the counts short."""
    emails = [_touch(tmp_path / "letters" / name) for name in ("fwd.eml", "Visit letter.MSG")]
    paths, failures = find_inputs([str(tmp_path / "letters")], SUPPORTED)
    assert paths == []
    assert sorted(failures) == sorted(
        (str(p), f"unsupported format '{p.suffix.lower()}': an email; save its letter "
                 "(attached) and tag that")
        for p in emails
    )  # fmt: skip


def test_glob_patterns_expand(tmp_path):
    first = _touch(tmp_path / "in" / "one.txt")
    second = _touch(tmp_path / "in" / "deep" / "two.txt")
    _touch(tmp_path / "in" / "three.csv")
    assert find_inputs([str(tmp_path / "in" / "*.txt")], SUPPORTED) == ([first], [])
    assert find_inputs([str(tmp_path / "in" / "**" / "*.txt")], SUPPORTED) == (
        [second, first],
        [],
    )
    pattern = str(tmp_path / "in" / "*.docx")
    assert find_inputs([pattern], SUPPORTED) == ([], [(pattern, "no matching files")])


def test_files_with_the_same_name_in_different_folders_are_both_returned(tmp_path):
    one = _touch(tmp_path / "north" / "letter.pdf")
    two = _touch(tmp_path / "south" / "letter.pdf")
    paths, failures = find_inputs([str(tmp_path)], SUPPORTED)
    assert paths == [one, two] and one != two and failures == []


def test_a_file_named_twice_is_returned_once(tmp_path):
    one = _touch(tmp_path / "letter.txt")
    paths, _ = find_inputs([str(one), str(tmp_path), str(tmp_path / "*.txt")], SUPPORTED)
    assert paths == [one]


@pytest.mark.skipif(not Path("/dev/fd/0").exists(), reason="no /dev/fd on this system")
def test_standard_input_a_pipe_or_a_device_is_not_a_regular_file_named_as_given(tmp_path):
    """A link to a pipe was "a broken symbolic link", and an open file's link (/dev/stdin
    redirected from a letter) was read as that letter again, its failure blamed on it."""
    from ofsted_themes.reading.inputs import NOT_REGULAR

    letter = _touch(tmp_path / "letter.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "linked.txt").symlink_to(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    descriptor = os.open(letter, os.O_RDONLY)
    try:
        named = [f"/dev/fd/{descriptor}", "/dev/zero"]
        named += [str(tmp_path / n) for n in ("pipe.txt", "linked.txt", "zero.txt")]
        assert find_inputs(named, SUPPORTED) == ([], [(name, NOT_REGULAR) for name in named])
    finally:
        os.close(descriptor)
    folder = tmp_path / "folder"  # in a folder too, a link to an open file is none
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    (folder / "linked.txt").symlink_to(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "letter.txt").symlink_to(letter)
    with open(letter) as opened:
        (folder / "stdin.txt").symlink_to(f"/dev/fd/{opened.fileno()}")
        paths, failures = find_inputs([str(folder)], SUPPORTED)  # the letter alone is a file
    linked = sorted(str(folder / n) for n in ("linked.txt", "pipe.txt", "stdin.txt", "zero.txt"))
    assert paths == [folder / "letter.txt"]
    assert sorted(failures) == [(p, NOT_REGULAR) for p in linked]


def test_symlink_loops_do_not_hang_and_linked_folders_are_read_once(tmp_path):
    root = tmp_path / "root"
    inner = _touch(root / "a" / "file.txt")
    top = _touch(root / "top.txt")
    outside = _touch(tmp_path / "outside" / "far.txt")
    (root / "a" / "up").symlink_to(root, target_is_directory=True)  # a loop
    (root / "b").symlink_to(root / "a", target_is_directory=True)  # the same folder again
    (root / "ext").symlink_to(outside.parent, target_is_directory=True)
    (root / "self.txt").symlink_to(root / "self.txt")  # a link to itself
    paths, failures = find_inputs([str(root), str(root / "**" / "*.txt")], SUPPORTED)
    assert paths == [inner, root / "ext" / "far.txt", top]
    assert failures == [(str(root / "self.txt"), "broken symbolic link")]


def test_a_folder_whose_links_lead_to_too_many_files_fails_alone_saying_where(
    tmp_path, monkeypatch
):
    """A link to ``/`` in a folder of letters walked the whole disk until the run was killed:
    past the bound the folder fails, naming where the search had got to; others are read."""
    import ofsted_themes.reading.inputs as inputs

    monkeypatch.setattr(inputs, "MAX_FOLDER_FILES", 5)
    letters = tmp_path / "letters"
    _touch(letters / "a.txt")
    for i in range(6):
        _touch(tmp_path / "elsewhere" / "deep" / f"{i}.txt")
    (letters / "disk").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    other = _touch(tmp_path / "other" / "b.txt")
    paths, failures = find_inputs([str(letters), str(other.parent)], SUPPORTED)
    assert paths == [other]
    ((folder, reason),) = failures
    assert folder == str(letters) and "over 5 files under this folder" in reason
    assert str(letters / "disk" / "deep") in reason


def test_missing_and_unsupported_inputs_are_failures(tmp_path):
    notes = _touch(tmp_path / "notes.xyz")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = str(tmp_path / "nope.pdf")
    paths, failures = find_inputs([missing, str(notes), str(empty)], SUPPORTED)
    assert paths == []
    assert failures == [
        (missing, "no such file or folder"),
        (str(notes), "unsupported format '.xyz'"),
        (str(empty), f"no {'/'.join(sorted(SUPPORTED))} files in this folder"),
    ]


def test_a_broken_symlink_named_explicitly_is_a_failure(tmp_path):
    link = tmp_path / "gone.pdf"
    link.symlink_to(tmp_path / "missing.pdf")
    assert find_inputs([str(link)], SUPPORTED) == ([], [(str(link), "broken symbolic link")])


def test_an_unreadable_folder_is_a_failure_and_the_rest_are_still_found(tmp_path, monkeypatch):
    good = _touch(tmp_path / "open" / "letter.txt")
    _touch(tmp_path / "locked" / "secret.txt")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    paths, failures = find_inputs([str(tmp_path)], SUPPORTED)
    assert paths == [good]
    assert failures == [(str(tmp_path / "locked"), "permission denied")]


def test_a_folder_of_two_thousand_files(tmp_path):
    for folder in range(20):
        for n in range(100):
            (tmp_path / f"f{folder:02d}").mkdir(exist_ok=True)
            (tmp_path / f"f{folder:02d}" / f"letter{n:03d}.txt").write_bytes(b"x")
    paths, failures = find_inputs([str(tmp_path)], SUPPORTED)
    assert len(paths) == 2000 and failures == []
    assert paths == sorted(paths) and len(set(paths)) == 2000


def test_line_cleaning_equals_its_plain_definition_on_random_lines():
    """normalise and ends_sentence take shortcuts for speed (a pattern instead of a translation
    table; the pattern tried at a line's last stop only): they must give what the plain
    definitions give."""
    import random

    from ofsted_themes.reading import cleaning

    def plain_normalise(line: str) -> str:
        line = line.translate(cleaning.INVISIBLE).translate(cleaning.LIGATURES)
        return cleaning.SPACES.sub(" ", line).strip()

    def plain_ends_sentence(line: str) -> bool:
        if not ENDS_SENTENCE.search(line):
            return False
        last = line.rsplit(maxsplit=1)[-1].rstrip(".").lower()
        return not (line.endswith(".") and last in cleaning.ABBREVIATIONS)

    alphabet = "ab -.\u00ad\u200b\ufb01\ufb04\x01\x7f\t’”)Mr?:;\ufeff\u2060 Ac\xa0\u2003\n"
    rng = random.Random(0)
    lines = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(20_000)
    ]
    # and long runs of closing quotes and brackets after a stop, or after none
    lines += [f"Leaders know{stop}{'”)' * k}" for stop in ".?x" for k in range(0, 60, 7)]
    # and footnote marks after a stop, or after none
    marks = ["¹", "²³", "[1]", "1", "12", "123", "x"]
    lines += [f"Leaders know{stop}{mark}" for stop in ".?”x" for mark in marks]
    lines += ["See section 3.1", "We met Mr.1", "We met Dr.[2]"]
    for line in lines:
        assert cleaning.normalise(line) == plain_normalise(line), repr(line)
        tidy = cleaning.normalise(line)
        assert cleaning.ends_sentence(tidy) == plain_ends_sentence(tidy), repr(tidy)


def test_a_documents_vocabulary_is_its_lines_words_lower_cased():
    """The vocabulary that decides a hyphenated line break is gathered from the whole text at
    once: the words of each line, lower-cased, ASCII or not."""
    import random

    from ofsted_themes.reading import cleaning

    rng = random.Random(3)
    alphabet = "aB c-Dé İ\u0307ß ﬁ2_x-"
    for ascii_only in (True, False):
        letters = alphabet.encode("ascii", "ignore").decode() if ascii_only else alphabet
        pages = [
            ["".join(rng.choice(letters) for _ in range(rng.randint(0, 40))) for _ in range(9)]
            for _ in range(40)
        ]
        plain = {
            w.lower() for lines in pages for line in lines for w in cleaning.WORD.findall(line)
        }
        assert cleaning.Vocabulary(pages).words == plain
        assert len(plain) > 100


# ---------------------------------------------------------------------------------------------
# HTML furniture, list numbering and turned PDF pages

SEARCH_BOX = '<label for="q">Search GOV.UK</label><input id="q" name="q"><button>Search</button>'
PAGE_LAYOUTS = {  # parts of the page, each with what replaces it
    "ASP.NET form around the page": {  # one form holds all: a search box is bare controls
        "<body>": f'<body><form method="post" id="form1"><input type="hidden">{SEARCH_BOX}',
        "</body>": "</form></body>",
    },
    "article header holding the letter": {
        "<main": f'<form role="search" action="/search">{SEARCH_BOX}</form><main',
        "<article>": "<article><header>",
        "</article>": "</header></article>",
    },
}


@pytest.mark.parametrize("layout", PAGE_LAYOUTS)
def test_html_letter_inside_a_form_or_an_article_header_is_read(layout, tmp_path):
    page = lf.letter_html("focused_visit")  # with a site header, navigation and footer
    for tag, replacement in PAGE_LAYOUTS[layout].items():
        page = page.replace(tag, replacement)
    path = tmp_path / "letter.html"
    path.write_text(page, encoding="utf-8")
    document = read_document(path)
    sentences = [text for _, text in page_sentences(document)]
    assert not [s for s in fixture_sentences("focused_visit") if s not in sentences]
    assert not [s for s in sentences if FURNITURE.search(s)]  # the site header and footer
    assert "Search" not in document.pages[0].text  # the search form, its label and button


GOVUK_PARTS = (  # outside <nav>, <header> and <footer>, as GOV.UK places them
    '<div class="govuk-phase-banner"><p>This part of GOV.UK is being rebuilt, find out what '
    "that means for you and for the services you use here.</p></div>",
    '<div class="gem-c-feedback govuk-!-display-none-print"><h2>Is this page useful?</h2><p>'
    "Help us improve GOV.UK by telling us about your experience of using this page.</p></div>",
    '<div class="govuk-breadcrumbs"><ol><li>Home</li><li>Education, training and skills for '
    "children and young people</li></ol></div>",
)


def test_a_letter_saved_from_govuk_is_read_without_its_banners(tmp_path):
    """Its phase banner and feedback prompt were read as the letter's sentences, every share
    of its sentences smaller for them."""
    page = lf.letter_html("focused_visit")
    page = page.replace("<main", GOVUK_PARTS[0] + GOVUK_PARTS[2] + "<main", 1)
    page = page.replace("</main>", "</main>" + GOVUK_PARTS[1], 1)
    path = tmp_path / "letter.html"
    path.write_text(page, encoding="utf-8")
    sentences = [text for _, text in page_sentences(read_document(path))]
    assert not [s for s in fixture_sentences("focused_visit") if s not in sentences]
    assert not [s for s in sentences if "GOV.UK" in s or "children and young people" in s]


def test_what_a_browser_hides_is_not_read(tmp_path):
    """Text a page hides (the ``hidden`` attribute, an inline ``display: none`` or
    ``visibility: hidden``) was read and tagged as the letter's sentences; text hidden only
    from screen readers (``aria-hidden``) is shown, and read."""
    hidden = (
        "<div hidden><p>Staff turnover is high and caseloads are unmanageable.</p></div>"
        '<p style="color: red; DISPLAY : none">Children who go missing are not interviewed.</p>'
        '<p style="visibility:hidden">Managers do not oversee decisions.</p>'
        '<p aria-hidden="true">Leaders know the service well.</p>'
        '<div hidden="until-found"><p>Plans are reviewed on time.</p></div>'
    )
    page = lf.letter_html("focused_visit").replace("</main>", hidden + "</main>", 1)
    path = tmp_path / "letter.html"
    path.write_text(page, encoding="utf-8")
    sentences = [text for _, text in page_sentences(read_document(path))]
    assert not [s for s in fixture_sentences("focused_visit") if s not in sentences]
    assert "Leaders know the service well." in sentences
    assert "Plans are reviewed on time." in sentences  # a closed accordion's: shown when opened
    assert not [
        s for s in sentences if "unmanageable" in s or "not interviewed" in s or "oversee" in s
    ]


@pytest.mark.parametrize("start", ["²", "9" * 5000, "-2", "3.5", ""])
def test_html_list_start_that_is_no_plain_number_counts_from_one(start, tmp_path):
    path = tmp_path / "letter.html"
    path.write_text(
        f'<p>Leaders should improve:</p><ol start="{start}"><li>plans.</li><li>visits.</li></ol>'
        '<ol start="4"><li>supervision.</li></ol>',
        encoding="utf-8",
    )
    assert read_document(path).pages[0].text.splitlines() == [
        "Leaders should improve:",
        "1. plans.",
        "2. visits.",
        "4. supervision.",
    ]


def test_an_html_list_items_paragraph_stays_on_its_marker_line(tmp_path):
    """<li><p>…</p></li> put the bullet on a line of its own and the text on the next, so the
    item was read as a paragraph, not a list item."""
    path = tmp_path / "letter.html"
    path.write_text(
        "<ul><li>\n  <p>The quality of plans.</p></li><li><div><p>Supervision.</p></div></li>"
        "</ul><ol><li><p>Visits.</p><p>Their records.</p></li></ol><p>After.</p>",
        encoding="utf-8",
    )
    assert read_document(path).pages[0].text.splitlines() == [
        "• The quality of plans.",
        "• Supervision.",
        "1. Visits.",
        "Their records.",
        "After.",
    ]


def _turn_pdf_pages(source: Path, path: Path, stored: int, shown: int) -> Path:
    """A copy of a PDF whose pages' contents are stored turned ``stored`` degrees clockwise (the
    media box turned with them) and shown with /Rotate ``shown``."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(source)
    for page in pdf:
        width, height = page.get_size()
        shift = {0: (0, 0), 90: (0, width), 180: (width, height), 270: (height, 0)}[stored]
        for item in list(page.get_objects()):
            item.transform(pdfium.PdfMatrix().rotate(stored).translate(*shift))
        page.gen_content()
        if stored in (90, 270):
            page.set_mediabox(0, 0, height, width)
        page.set_rotation(shown)
    pdf.save(path)
    pdf.close()
    return path


@pytest.mark.parametrize(
    ("stored", "shown"), [(0, 90), (0, 270), (90, 270), (270, 90), (180, 180), (90, 0)]
)
def test_pdf_pages_turned_by_rotate_or_stored_turned_read_as_upright_ones(
    stored, shown, flowing_pdfs, tmp_path
):
    upright = flowing_pdfs["focused_visit"]
    turned = _turn_pdf_pages(upright, tmp_path / "turned.pdf", stored, shown)
    expected = [page.text for page in read_document(upright).pages]
    assert len(expected) >= 2
    assert [page.text for page in read_document(turned).pages] == expected


def test_windows_1252_text_after_a_utf8_byte_order_mark_is_read_as_windows_1252(tmp_path):
    # an editor that adds a BOM to a file it did not convert: before, every ’ became U+FFFD
    path = tmp_path / "letter.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "The council’s caseloads are too high.\n".encode("cp1252"))
    assert [page.text for page in read_document(path).pages] == [
        "The council’s caseloads are too high."
    ]


def test_a_form_beside_the_letter_is_dropped_one_that_holds_it_is_read(tmp_path):
    letter = "".join(f"<p>{t}</p>" for t in ("Caseloads are too high for many social workers.",
                     "Managers do not oversee the plans of children well enough.",
                     "Children who go missing are not always offered an interview."))  # fmt: skip
    survey = "<form><p>Please fill in this survey to help us improve the website.</p></form>"
    teaser = "<article><p>Read more news about the council.</p></article>"
    pages = {  # the letter, and a feedback form beside it, in four layouts
        "beside": f"<main>{letter}</main>{survey}",
        "round the page": f"<form><main>{letter}</main></form>{survey}",  # ASP.NET
        "in main": f"<main><h1>Focused visit</h1><form>{letter}</form></main>{survey}",
        "beside an article": f"<form>{letter}</form>{teaser}{survey}",
    }
    for name, body in pages.items():
        page = tmp_path / f"{name}.html"
        page.write_text(f"<html><body><nav>Home</nav>{body}</body></html>")
        text = read_document(page).pages[0].text
        assert "Caseloads are too high" in text and "survey" not in text, name


def test_an_upright_page_with_a_few_vertical_labels_is_not_turned():
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    body = ["Caseloads are too high for the social workers in the assessment teams.",
            "Managers oversee the plans for children well in every team that we saw.",
            "Children are safe and their plans are reviewed at the right time."]  # fmt: skip
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    for y, line in zip((30, 36, 42), body, strict=True):
        pdf.text(20, y, line)
    for i in range(4):  # a table's turned column labels: before, they turned the whole page
        with pdf.rotation(90, 190 - 8 * i, 250):
            pdf.text(190 - 8 * i, 250, f"Label {i}")
    assert read_pdf(bytes(pdf.output()))[0].splitlines()[:3] == body


def test_a_content_control_showing_its_placeholder_is_not_read(tmp_path):
    placeholder = (
        "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>"
        f"<w:p>{_run('Click or tap here to enter text.')}</w:p></w:sdtContent></w:sdt>"
    )
    document = read_document(docx_with_body(tmp_path / "form.docx", placeholder))
    assert "Click or tap" not in document.pages[0].text
    assert "Inspectors spoke to children." in document.pages[0].text


def _raw_pdf(operations: list[str]) -> bytes:
    """A one-page PDF (A4, Helvetica) drawing ``operations``, its content stream uncompressed."""
    stream = "\n".join(operations).encode()
    objects = [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 1 0 R"
        b" >> >> /Contents 3 0 R >>",
        b"<< /Type /Catalog /Pages 2 0 R >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 6 /Root 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % table
    return bytes(out)


def test_an_upright_page_mostly_a_sideways_table_keeps_its_upright_lines_in_order():
    from ofsted_themes.reading.formats.pdf import read_pdf

    cells = [f"BT /F1 9 Tf 0 1 -1 0 {80 + r * 14} {60 + c * 140} Tm (Cell {chr(65 + r)}{c} holds "
             "figures) Tj ET" for c in range(4) for r in range(10)]  # fmt: skip
    lines = ["Inspectors found that caseloads were too high in the",
             "assessment team, and that managers do not always oversee",
             "the plans of children well enough."]  # fmt: skip
    upright = [f"BT /F1 11 Tf 1 0 0 1 72 {800 - 14 * i} Tm ({t}) Tj ET"
               for i, t in enumerate(lines)]  # fmt: skip
    text = read_pdf(_raw_pdf(cells + upright))[0]
    # before: the sideways cells (most of the text) turned the page, and these read backwards
    assert " ".join(lines) in text


def test_utf8_text_with_a_stray_windows_byte_keeps_its_utf8_and_reads_the_byte(tmp_path):
    # before: one stray byte made the whole text another encoding's ("council‚Äôs")
    path = tmp_path / "letter.txt"
    path.write_bytes("The council’s caseloads are too high.\n".encode() + b"Plans \x92drift\x92.\n")
    assert read_document(path).pages[0].text == (
        "The council’s caseloads are too high.\nPlans ’drift’."
    )


def test_a_choice_of_alternatives_with_only_a_fallback_reads_the_fallback(tmp_path):
    only_fallback = (f"<w:p>{_run('Caseloads are ')}<mc:AlternateContent><mc:Fallback>"
                     f"{_run('no longer ')}</mc:Fallback></mc:AlternateContent>"
                     f"{_run('too high.')}</w:p>")  # fmt: skip
    document = read_document(docx_with_body(tmp_path / "fallback.docx", only_fallback))
    assert "Caseloads are no longer too high." in document.pages[0].text


def small_print_pdf(paragraphs: list[str], footer_on_first: bool, header_after_first: bool):
    """A letter's PDF with Ofsted's address in small print at the foot of page 1 alone, or a
    small-print running header on the later pages alone: furniture no text test finds, as it
    does not recur on most pages."""
    from fpdf import FPDF

    class Letter(FPDF):
        def header(self):
            if header_after_first and self.page_no() > 1:
                self.set_font("helvetica", size=8)
                self.cell(0, 4, "Focused visit to Ashmoor children's services", align="R")
                self.ln(10)
                self.set_font("helvetica", size=11)

        def footer(self):
            self.set_y(-18)
            self.set_font("helvetica", size=8)
            if footer_on_first and self.page_no() == 1:
                self.cell(0, 4, "Ofsted   Piccadilly Gate   Store Street   Manchester M1 2WD")
                self.ln(4)
                self.cell(0, 4, "T 0300 123 1231   enquiries@ofsted.gov.uk   www.gov.uk/ofsted")

    pdf = Letter()
    pdf.set_auto_page_break(True, margin=24)
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


@pytest.mark.parametrize("where", ["footer on page 1", "header after page 1"])
def test_small_print_on_some_pages_does_not_cut_a_sentence_across_the_page_break(where):
    """A sentence running from page 1 on to page 2 past Ofsted's address in page 1's footer (or
    a running header on page 2 alone) lost its first part: read with the footer's lines, as
    furniture, while the rest began a sentence of its own."""
    from ofsted_themes.reading.formats.pdf import read_pdf

    filler = [f"Inspectors met {n} families who had help from the early help service." for n in (
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
        "ninety a-hundred some-more many-more a-few several most all none other"
    ).split()]  # fmt: skip
    crossing = (
        "Children who are sexually exploited by adults, including through county lines, are "
        "identified late by agencies in the area, and the exploitation subgroup has not met this "
        "year, so that risks to these children are not understood or reduced by the partnership."
    )
    for cut in range(20, 36):  # the crossing sentence starts lower and lower on page 1
        data = small_print_pdf(
            [*filler[:cut], crossing, *filler[cut:]],
            footer_on_first=where == "footer on page 1",
            header_after_first=where == "header after page 1",
        )
        pages = read_pdf(data)
        if crossing not in pages[0].replace("\n", " "):
            break  # the sentence crosses the page break here
    else:
        pytest.fail("the layout never broke the sentence across pages")
    text = " ".join(page.replace("\n", " ") for page in pages)
    assert crossing in text
    assert "Piccadilly" not in text and "Focused visit to Ashmoor" not in text
    assert all(f in text for f in filler)


def test_a_paragraphs_tail_ending_two_pages_is_not_taken_for_a_footer():
    """ "year." closing the last paragraph of pages 1 and 2 of a three-page letter recurred at
    their foot, was taken for a footer, and was cut from both sentences."""
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    sentences = [f"Inspectors spoke with {n} families about the early help they had this" for n in
                 ("several", "many")]  # fmt: skip
    for sentence in [*sentences, None]:
        pdf.add_page()
        for line in range(5):
            pdf.text(20, 30 + 6 * line, f"Leaders have met {line + 2} times with partners.")
        if sentence:
            pdf.text(20, 260, sentence)
            pdf.text(20, 266, "year.")
    text = " ".join(page.replace("\n", " ") for page in read_pdf(bytes(pdf.output())))
    assert all(f"{sentence} year." in text for sentence in sentences)


def test_docx_hidden_text_is_not_read(tmp_path):
    """Hidden text (Word's Font > Hidden, w:vanish), which Word neither shows nor prints, was
    read and tagged; a run whose vanish is switched off is shown, and read."""
    hidden = '<w:r><w:rPr><w:vanish/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>'
    shown = '<w:r><w:rPr><w:vanish w:val="false"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>'
    body = (
        f"<w:p>{hidden.format('Children go missing every week and are never found.')}</w:p>"
        f"<w:p>{_run('Caseloads are ')}{hidden.format('not ')}{_run('manageable.')}</w:p>"
        f"<w:p>{shown.format('Leaders know the service well.')}</w:p>"
    )
    text = read_document(docx_with_body(tmp_path / "hidden.docx", body)).pages[0].text
    assert "missing" not in text and "Caseloads are manageable." in text
    assert "Leaders know the service well." in text


def test_docx_text_hidden_by_its_character_style_is_not_read(tmp_path):
    """A run whose character style hides its text (Font > Hidden in the style) was read."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    document.styles.add_style("Secret", WD_STYLE_TYPE.CHARACTER).font.hidden = True
    paragraph = document.add_paragraph("Caseloads are ")
    paragraph.add_run("not ", style="Secret")
    paragraph.add_run("manageable.")
    document.add_paragraph().add_run("Children go missing every week.", style="Secret")
    shown = document.add_paragraph().add_run("Leaders know the service well.", style="Secret")
    shown.font.hidden = False  # the run's own formatting shows it
    document.save(tmp_path / "styled.docx")
    text = read_document(tmp_path / "styled.docx").pages[0].text
    assert "Caseloads are manageable." in text and "missing" not in text
    assert "Leaders know the service well." in text


def test_a_pdf_of_furniture_alone_reads_as_empty_pages_not_a_failure():
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for _ in range(3):  # the same header and footer on every page, and nothing else
        pdf.add_page()
        pdf.text(20, 20, "Ofsted, Piccadilly Gate, Store Street")
        pdf.text(20, 280, "www.gov.uk/ofsted")
    assert read_pdf(bytes(pdf.output())) == ["", "", ""]  # before: a zip() ValueError


ITEMS = [
    "the response to children who go missing from care, so that return home interviews are "
    "timely and their findings are used to reduce the risks to each child",
    "the oversight of plans by team managers",
    "the recruitment of permanent social workers in the assessment teams",
]


def list_pdf(bullet: str | None, indent: float = 10, items: list[str] = ITEMS) -> bytes:
    """A letter's PDF whose "What needs to improve" items are indented, each with a bullet drawn
    as a dot (``bullet`` None, as a web page printed to PDF draws it) or written as text."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 5.5, "What needs to improve in this area of social work practice?",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    for item in items:
        y = pdf.get_y()
        if bullet is None:
            pdf.circle(pdf.l_margin + indent / 2, y + 2.75, 0.8, style="F")
            text = item
        else:
            text = f"{bullet} {item}"
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5.5, "Social workers visit children regularly and see them alone. "
                   "Leaders know the service well and have a clear plan to improve it.",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())


@pytest.mark.parametrize("bullet", [None, "-"])
def test_pdf_list_items_without_a_bullet_in_the_text_are_each_a_sentence(bullet):
    """Items indented as a list's, their bullets drawn as shapes (a web page printed to PDF),
    were no list items: those that are no sentence were dropped as headings, and the last was
    joined to the paragraph after it."""
    from ofsted_themes.reading.formats.pdf import read_pdf

    text = "\n".join(read_pdf(list_pdf(bullet)))
    found = [s.text for s in letter_sentences(text)]  # the list's heading is none (furniture)
    assert found[:3] == ITEMS
    assert found[3] == "Social workers visit children regularly and see them alone."


def findings(n: int) -> str:
    places = ["Ashby", "Brook", "Cole", "Dale", "Eden", "Fenn", "Gale"]
    return (
        f"Leaders in {places[n]} have an accurate understanding of the service and of what it "
        "must do next, and managers check the plans of children who go missing from home or "
        f"care every month, so that the risks to each child in {places[n]} are known and reduced."
    )


def test_a_pdf_that_indents_each_paragraphs_first_line_has_no_list():
    """In a letter that indents every paragraph's first line, a paragraph of one line and a
    heading set as a paragraph looked like a list's items: the heading was counted, and the
    next paragraph cut after its first line. A centred title is no item either."""
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 5.5, "Inspection of Ashmoor children's services", align="C",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    heading, short = "The experiences of children who need help", "Social workers see children."
    for text in [heading, findings(0), short, findings(1), heading, findings(2)]:
        pdf.set_x(pdf.l_margin + 8)
        first = pdf.multi_cell(0, 5.5, text, dry_run=True, output="LINES")[0]
        pdf.cell(0, 5.5, first, new_x="LMARGIN", new_y="NEXT")
        if rest := text[len(first) :].strip():
            pdf.multi_cell(0, 5.5, rest, new_x="LMARGIN", new_y="NEXT")
    text = "\n".join(read_pdf(bytes(pdf.output())))
    assert [s.text for s in letter_sentences(text)] == [findings(0), short, *map(findings, (1, 2))]


def test_a_pdf_page_set_in_from_the_others_is_no_list():
    """A list's indent is measured from each page's own left edge: a page set further in than
    the first (a book's right and left pages) had its headings taken for list items."""
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    pdf = FPDF()
    for page, margin in enumerate((20, 28)):
        pdf.set_left_margin(margin)
        pdf.add_page()
        for n in range(3 * page, 3 * page + 3):
            pdf.set_font("helvetica", "B", 11)
            pdf.multi_cell(
                0, 5.5, f"Help and protection in area {n}", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.set_font("helvetica", size=11)
            pdf.multi_cell(0, 5.5, findings(n), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    text = "\n".join(read_pdf(bytes(pdf.output())))
    assert [s.text for s in letter_sentences(text)] == [findings(n) for n in range(6)]


def test_word_symbol_bullets_mark_list_items(tmp_path):
    """Word's Symbol-font bullet reads as U+F0B7 from its PDFs and copied text: its items,
    which are no sentences, were dropped."""
    path = tmp_path / "letter.txt"
    lines = ["What needs to improve?", *(f"\uf0b7 {item}" for item in ITEMS[1:])]
    path.write_text("\n".join(lines) + "\n\nLeaders know the service well.\n", encoding="utf-8")
    text = read_document(path).pages[0].text
    assert (
        [s.text for s in letter_sentences(text)]
        == [  # the heading is none (furniture)
            *ITEMS[1:],
            "Leaders know the service well.",
        ]
    )


def test_page_numbers_take_no_place_among_a_pages_edge_lines():
    """A PDF printed from a web page puts its margins' text first: a header, "Page 1 of 2" and
    a footer of two lines. The footer's second line fell outside the edge lines looked at, was
    read as the body's, and cut in two the sentence running on to the next page."""
    furniture = ["Ofsted", "Page {} of 2", "Ofsted, Piccadilly Gate, Manchester M1 2WD.",
                 "www.gov.uk/ofsted"]  # fmt: skip
    first, second = ([f"Leaders met {n} partners in {m}." for n in ("two", "three", "four")]
                     for m in ("May", "June"))  # fmt: skip
    pages = [
        [*furniture[:1], furniture[1].format(1), *furniture[2:],
         *first, "Social workers visit children and see"],
        [*furniture[:1], furniture[1].format(2), *furniture[2:],
         "them alone in the team.", *second],
    ]  # fmt: skip
    assert clean_pages(["\n".join(page) for page in pages], wrapped=True) == [
        "\n".join([*first, "Social workers visit children and see them alone in the team."]),
        "\n".join(second),
    ]


def test_a_pdf_in_two_columns_is_read_a_column_at_a_time_with_its_sentences_whole():
    """Paragraph ends were judged by the width of a full line over the whole letter: every
    line of a narrower column looked like a paragraph's last, and its sentences were lost or
    cut into lines."""
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 5.5, findings(6), new_x="LMARGIN", new_y="NEXT")  # the page's full width
    top = pdf.get_y() + 4
    for column, ns in enumerate(((0, 1, 2), (3, 4, 5))):
        pdf.set_xy(pdf.l_margin + column * 95, top)
        for n in ns:
            pdf.multi_cell(85, 5.5, findings(n), new_x="LEFT", new_y="NEXT")
            pdf.ln(3)
    text = "\n".join(read_pdf(bytes(pdf.output())))
    assert [s.text for s in letter_sentences(text)] == [findings(n) for n in (6, 0, 1, 2, 3, 4, 5)]


def test_a_landscape_page_does_not_set_the_width_of_the_portrait_pages():
    """One landscape page of long lines set the letter's full width: the portrait pages' every
    line then looked like a paragraph's last, and their sentences were lost."""
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for page, ns in (("P", (0, 1)), ("L", (2, 3, 4, 5, 6))):
        pdf.add_page(orientation=page)
        for n in ns:
            pdf.multi_cell(0, 5.5, findings(n), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    text = "\n".join(read_pdf(bytes(pdf.output())))
    assert [s.text for s in letter_sentences(text)] == [findings(n) for n in range(7)]


def test_a_pdf_heading_in_larger_type_is_not_read_with_the_paragraph_after_it():
    """A heading nearly as wide as the body's lines, in larger type, looked like a paragraph's
    full first line, and was read as the start of the sentence after it."""
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 12)
    words = (
        "The experiences and progress of children who need help and protection in the "
        "city and its partners across the whole area"
    ).split()
    heading = words.pop(0)
    while words and pdf.get_string_width(f"{heading} {words[0]}") < pdf.epw - 2:
        heading += f" {words.pop(0)}"  # as wide as the body's lines, within a word
    for n in range(3):
        pdf.set_font("helvetica", "B", 12)
        pdf.cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 5.5, findings(n), new_x="LMARGIN", new_y="NEXT")
    text = "\n".join(read_pdf(bytes(pdf.output())))
    assert [s.text for s in letter_sentences(text)] == [findings(n) for n in range(3)]


def test_a_drawn_bullet_starts_an_item_however_full_the_line_before():
    """Two items whose bullets are drawn, the first's line as wide as the text can run: the
    second's first word would not have fitted after it, and the two were read as one."""
    from fpdf import FPDF

    from ofsted_themes.reading.formats.pdf import read_pdf

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    words = ("the oversight of plans by team managers and of the decisions they make for "
             "children at risk of harm in the assessment and help teams").split()  # fmt: skip
    full = words.pop(0)
    while words and pdf.get_string_width(f"{full} {words[0]}") < pdf.epw - 10 - 1:
        full += f" {words.pop(0)}"  # the width of the list's text, within a word
    items = [full, "Staffing shortfalls in the assessment teams", ITEMS[2]]
    text = "\n".join(read_pdf(list_pdf(None, items=items)))
    assert [s.text for s in letter_sentences(text)][:3] == items
