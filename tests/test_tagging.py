"""Batch tagging in-process (``tagging.batch.run_batch``): letters of every format in, the
sentence table, per-letter summary, report and failures out; bad files fail alone, outputs are
atomic, ``resume`` carries on, and the Python API.

The model is the small session tagger of conftest (``tagger_file``); nothing here reads
models/tagger.skops or asserts a model score.
"""

from __future__ import annotations

import html
import itertools
import os
from pathlib import Path

import letter_factory as lf
import numpy as np
import pandas as pd
import pytest

from ofsted_themes.core.tables import read_table
from ofsted_themes.modelling.classifier import ThemeClassifier
from ofsted_themes.modelling.persistence import ModelError
from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.reporting.html import write_batch_report
from ofsted_themes.tagging import letters as tagging
from ofsted_themes.tagging.batch import run_batch
from ofsted_themes.tagging.letters import InputError

FIXTURE_LETTERS = {  # name: (council, visit type) as the fixture letters state them
    "monitoring_visit": ("Harrowfield", "monitoring visit"),
    "focused_visit": ("Lowmoor", "focused visit"),
    "ilacs_inspection": ("Eastmere", "inspection"),
    "jtai": ("Kestrel Vale", "joint targeted area inspection"),
}
FINDINGS = pd.DataFrame(
    {
        "ref": ["F1", "F2", "F3"],
        "finding": [
            "Children at risk of exploitation are not always identified quickly.",
            "Return home interviews are not always offered when children go missing.",
            "Managers do not consistently record their oversight of plans.",
        ],
        "inspector": ["AB", "CD", "EF"],
    }
)


@pytest.fixture(scope="module")
def tagger(tagger_file) -> Tagger:
    return Tagger.load(tagger_file)


def fresh(tagger: Tagger) -> Tagger:
    """A copy of the session tagger whose thresholds a test may change."""
    return Tagger(tagger.classifier, dict(tagger.thresholds), tagger.themes, tagger.metadata)


def batch(tagger: Tagger, inputs: list[Path | str], out: Path, **options):
    """run_batch with the summary and report beside ``out``, in this process (one worker)."""
    report = options.pop("report", out.with_name("report.html"))
    result = run_batch(
        tagger,
        [str(i) for i in inputs],
        out=out,
        summary=out.with_name("letters.csv"),
        jobs=1,
        **options,
    )
    if report:
        result.written.append(write_batch_report(report, out, result.summary, tagger.themes))
    return result


def mixed_folder(root: Path) -> dict[str, Path]:
    """A folder of letters of every format, and a table of findings with extra columns (named
    to come last, after letters that lack those columns)."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "pdf": lf.make_pdf_letter(root / "monitoring.pdf", "monitoring_visit", pages=3),
        "docx": lf.make_docx_letter(root / "focused.docx", "focused_visit", pages=2),
        "html": lf.make_html_letter(root / "jtai.html", "jtai"),
        "txt": lf.make_text_letter(root / "ilacs.txt", "ilacs_inspection", pages=2),
        "csv": root / "z_findings.csv",
    }
    FINDINGS.to_csv(files["csv"], index=False)
    return files


@pytest.fixture(scope="module")
def mixed_run(tagger, tmp_path_factory):
    """One run over the mixed folder, with the findings' text in the column 'finding'."""
    tmp = tmp_path_factory.mktemp("mixed")
    files = mixed_folder(tmp / "letters")
    out = tmp / "out" / "tags.csv"
    result = batch(tagger, [tmp / "letters"], out, text_column="finding")
    return result, files, read_table(out), read_table(out.with_name("letters.csv")), out


def text_letter(path: Path, letter: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return lf.make_text_letter(path, letter)


def rows_of(tags: pd.DataFrame, path: Path) -> pd.DataFrame:
    return tags[tags["document"] == str(path)]


# ---------------------------------------------------------------------------------------------
# A folder of letters of every format


def test_every_letter_of_a_mixed_folder_is_tagged(mixed_run):
    result, files, tags, _, out = mixed_run
    assert result.failures == []
    assert result.letters == len(files)
    assert set(tags["document"]) == {str(p) for p in files.values()}
    assert result.sentences == len(tags)
    assert not out.with_name("failures.csv").exists()


def test_the_sentence_table_has_the_documented_columns_in_order(mixed_run, tagger):
    _, _, tags, _, _ = mixed_run
    themes = [c for t in tagger.theme_ids for c in (t, f"{t}_score")]
    concerns = ["concern", "concern_score"]  # the session tagger learned them
    base = ["document", "council", "year", "sentence_no", "page", "text", *themes, *concerns]
    assert list(tags.columns) == [*base, "evidence", "ref", "inspector"]
    for theme in tagger.theme_ids:
        assert set(tags[theme]) <= {0, 1}
        assert tags[f"{theme}_score"].between(0, 1).all()


def test_sentences_are_numbered_from_one_within_each_letter(mixed_run):
    _, _, tags, _, _ = mixed_run
    for _, rows in tags.groupby("document"):
        assert list(rows["sentence_no"]) == list(range(1, len(rows) + 1))


def test_a_multi_page_pdf_gives_page_numbers_beyond_one(mixed_run):
    _, files, tags, _, _ = mixed_run
    pages = rows_of(tags, files["pdf"])["page"]
    assert set(pages) == {1, 2, 3}
    assert pages.is_monotonic_increasing
    assert set(rows_of(tags, files["docx"])["page"]) == {1, 2}


def test_no_page_header_footer_or_page_number_becomes_a_sentence(mixed_run):
    _, _, tags, _, _ = mixed_run
    text = tags["text"].astype(str)
    assert not text.str.contains(r"Page \d+ of \d+").any()
    assert not text.str.startswith("Ofsted |").any()
    assert not text.str.fullmatch(r"\s*\d+\s*").any()
    for furniture in ("www.gov.uk/ofsted", "GOV.UK", "Crown copyright", "Open Government"):
        assert not text.str.contains(furniture, regex=False).any(), furniture


def test_a_sentence_broken_across_lines_and_hyphens_is_whole(mixed_run):
    _, files, tags, _, _ = mixed_run
    source = lf.letter_text("monitoring_visit")
    pdf = rows_of(tags, files["pdf"])["text"]
    # Every sentence of the PDF is a stretch of the letter's own text: nothing split or glued.
    flat = " ".join(source.split())
    assert all(" ".join(s.split()) in flat for s in pdf)


def test_a_table_of_sentences_carries_its_other_columns_and_uses_the_text_column(mixed_run):
    _, files, tags, _, _ = mixed_run
    rows = rows_of(tags, files["csv"]).reset_index(drop=True)
    assert list(rows["text"]) == list(FINDINGS["finding"])
    assert list(rows["ref"]) == list(FINDINGS["ref"])
    assert list(rows["inspector"]) == list(FINDINGS["inspector"])
    assert list(rows["sentence_no"]) == [1, 2, 3]
    letters = tags[tags["document"] != str(files["csv"])]
    assert letters["ref"].isna().all() or (letters["ref"] == "").all()


def test_a_tables_own_council_and_visit_columns_fill_its_letters_summary_rows(tagger, tmp_path):
    """Counting council by council works for tables too: a letter's metadata comes from the
    table's columns where its rows agree (and stays blank where they do not)."""
    table = pd.DataFrame({
        "document": ["a", "a", "b", "b"],
        "text": ["Caseloads are high.", "Agency staff cover posts.",
                 "Children go missing from care.", "Supervision is rare."],
        "council": ["Leeds", "Leeds", "York", "Hull"],
        "visit_type": ["focused visit", "", "inspection", "inspection"],
    })  # fmt: skip
    table.to_csv(tmp_path / "findings.csv", index=False)
    out = tmp_path / "out" / "tags.csv"
    batch(tagger, [tmp_path / "findings.csv"], out)
    summary = read_table(out.with_name("letters.csv")).set_index("document").fillna("")
    source = str(tmp_path / "findings.csv")
    assert summary.loc[f"{source}::a", ["council", "visit_type"]].tolist() == [
        "Leeds", "focused visit"]  # fmt: skip
    assert summary.loc[f"{source}::b", ["council", "visit_type"]].tolist() == ["", "inspection"]


def test_a_table_splits_into_its_letters_in_order_with_their_rows_in_order(tmp_path):
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    table.write_text("document,text,page,ref\nb,b one.,1,x\na,a one.,1,y\nb,b two.,2,z\n"
                     "a,a two.,3,w\n")  # fmt: skip
    letters = read_sentence_table(table, "t.csv", "text")
    assert [lt.document for lt in letters] == ["t.csv::b", "t.csv::a"]  # as they first appear
    assert [list(lt.sentences["text"]) for lt in letters] == [["b one.", "b two."],
                                                             ["a one.", "a two."]]  # fmt: skip
    assert [list(lt.sentences["sentence_no"]) for lt in letters] == [[1, 2], [1, 2]]
    assert [list(lt.sentences["page"]) for lt in letters] == [[1, 2], [1, 3]]
    assert [list(lt.sentences["ref"]) for lt in letters] == [["x", "z"], ["y", "w"]]
    for header in ("document,text\n", "text\n"):  # a header alone: a failure, named
        table.write_text(header)
        with pytest.raises(InputError, match="holds its header alone"):
            read_sentence_table(table, "t.csv", "text")


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_table_separated_by_semicolons_or_tabs_is_read_by_its_columns(tmp_path, separator):
    """A spreadsheet saved as CSV where the comma is the decimal mark uses semicolons: the
    whole header was one column, and the table failed with "no column 'text'"."""
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    rows = [["document", "text"], ["a", "Caseloads are high, and rising."], ["b", "Plans improve."]]
    table.write_text("\n".join(separator.join(r) for r in rows) + "\n", encoding="utf-8")
    letters = read_sentence_table(table, "t.csv", "text")
    assert [lt.document for lt in letters] == ["t.csv::a", "t.csv::b"]
    assert list(letters[0].sentences["text"]) == ["Caseloads are high, and rising."]


def test_a_windows_1252_table_separated_by_semicolons_keeps_its_euro_signs(tmp_path):
    """Excel's CSV where the comma is the decimal mark: "€3,000" was read as "Ä3,000"."""
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    text = "The council spends €3,000 a week on agency staff for children’s teams."
    table.write_bytes(f"document;text\r\na;{text}\r\n".encode("cp1252"))
    letters = read_sentence_table(table, "t.csv", "text")
    assert list(letters[0].sentences["text"]) == [text]


def test_a_tsv_is_a_table_separated_by_tabs_even_with_a_comma_in_its_header(tmp_path):
    """A .tsv in a folder was passed over unsaid; by its name, its tabs separate its cells."""
    from ofsted_themes.reading.inputs import find_inputs
    from ofsted_themes.tagging.letters import INPUT_SUFFIXES, read_sentence_table

    table = tmp_path / "t.tsv"
    table.write_text("document\ttext\tnotes, if any\na\tCaseloads are high, and rising.\t\n")
    letters = read_sentence_table(table, "t.tsv", "text")
    assert [lt.document for lt in letters] == ["t.tsv::a"]
    assert list(letters[0].sentences["text"]) == ["Caseloads are high, and rising."]
    assert find_inputs([str(tmp_path)], INPUT_SUFFIXES) == ([table], [])  # found in a folder


def test_rows_naming_no_letter_are_the_tables_own_letter_not_one_named_blank(tmp_path):
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    table.write_text("document,text\na,Caseloads are high.\n,Plans improve.\n  ,Visits are late.\n")
    letters = read_sentence_table(table, "t.csv", "text")
    assert [lt.document for lt in letters] == ["t.csv::a", "t.csv"]  # before: "t.csv::"
    assert list(letters[1].sentences["text"]) == ["Plans improve.", "Visits are late."]


def test_a_workbook_of_two_sheets_of_one_name_fails_rather_than_losing_one(tmp_path):
    """Excel never saves it, but a crafted workbook can: pandas kept one sheet of the name,
    and the other's sentences were lost unsaid."""
    import zipfile

    import openpyxl

    from ofsted_themes.tagging.letters import read_sentence_table

    book = openpyxl.Workbook()
    book.active.title = "Main"
    book.active.append(["text"])
    book.active.append(["Caseloads are high."])
    other = book.create_sheet("Other")
    other.append(["text"])
    other.append(["Plans drift."])
    book.save(tmp_path / "made.xlsx")
    with (
        zipfile.ZipFile(tmp_path / "made.xlsx") as made,
        zipfile.ZipFile(tmp_path / "book.xlsx", "w") as crafted,
    ):
        for item in made.infolist():
            data = made.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b'name="Other"', b'name="MAIN"')  # Excel's names ignore case
            crafted.writestr(item, data)
    with pytest.raises(
        InputError, match=r"sheets of one name \('Main'; 'MAIN'; Excel ignores case, and spaces"
    ):
        read_sentence_table(tmp_path / "book.xlsx", "book.xlsx", "text")


def test_sheets_named_apart_by_a_space_at_the_end_alone_are_refused(tmp_path):
    """Their letters were written as 'book.xlsx::Leeds 2022' twice, alike to the eye."""
    import openpyxl

    from ofsted_themes.tagging.letters import read_sentence_table

    book = openpyxl.Workbook()
    book.active.title = "Leeds 2022"
    other = book.create_sheet("Leeds 2022 ")
    for sheet in (book.active, other):
        sheet.append(["text"])
        sheet.append(["Caseloads are high."])
    book.save(tmp_path / "book.xlsx")
    with pytest.raises(InputError, match=r"sheets of one name \('Leeds 2022'; 'Leeds 2022 '"):
        read_sentence_table(tmp_path / "book.xlsx", "book.xlsx", "text")


def test_a_workbook_whose_text_cells_are_all_blank_fails_with_its_reason(tmp_path):
    """openpyxl writes formulas without their values: pandas reads the cells as blank."""
    import openpyxl

    from ofsted_themes.tagging.letters import read_sentence_table

    book = openpyxl.Workbook()
    book.active.append(["raw", "text"])
    book.active.append(["Caseloads are too high in the team.", "=A2"])
    book.save(tmp_path / "formulas.xlsx")
    with pytest.raises(InputError, match=r"every 'text' cell is blank .*save it"):
        read_sentence_table(tmp_path / "formulas.xlsx", "formulas.xlsx", "text")


def test_a_table_row_of_invisible_characters_is_blank_as_a_letters_line_is(tmp_path):
    """A zero-width space or a soft hyphen alone cleans to nothing in a letter: in a table's
    row it is no sentence either, not one scored as if it said something."""
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    table.write_text("text\n\u200b\n\u00ad \u2060\nCaseloads are high.\n", encoding="utf-8")
    (letter,) = read_sentence_table(table, "t.csv", "text")
    assert list(letter.sentences["text"]) == ["Caseloads are high."]


def test_a_boolean_cell_in_a_workbooks_text_column_is_no_sentence(tmp_path):
    """A TRUE cell was read as "True" and tagged as a sentence; a number or a date is dropped."""
    import openpyxl

    from ofsted_themes.tagging.letters import read_sentence_table

    book = openpyxl.Workbook()
    for row in (["text"], [True], ["Caseloads are too high."], [False], [" TRUE "]):
        book.active.append(row)
    book.save(tmp_path / "t.xlsx")
    (letter,) = read_sentence_table(tmp_path / "t.xlsx", "t.xlsx", "text")
    assert list(letter.sentences["text"]) == ["Caseloads are too high."]


def test_a_table_row_without_a_word_is_no_sentence(tmp_path):
    """A date, a number or a dash in a workbook's text column was scored as a sentence."""
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    table.write_text("text\n2023-05-04 00:00:00\n12\n–\nCaseloads are high.\n£5m was cut.\n")
    (letter,) = read_sentence_table(table, "t.csv", "text")
    assert list(letter.sentences["text"]) == ["Caseloads are high.", "£5m was cut."]
    table.write_text("text\n12\n2022\n")
    with pytest.raises(InputError, match=r"holds no word .*numbers, dates or TRUE"):
        read_sentence_table(table, "t.csv", "text")
    # a council and year whose rows hold no word is a letter of no sentence, not dropped unsaid
    table.write_text("council,year,text\nLeeds,2022,Plans drift.\nYork,2023,12\nYork,2023,\n")
    letters = read_sentence_table(table, "t.csv", "text")
    assert [(lt.document, len(lt)) for lt in letters] == [
        ("t.csv::Leeds 2022", 1), ("t.csv::York 2023", 0)
    ]  # fmt: skip
    assert letters[1].metadata["council"] == "York"


PARAGRAPHS = (  # a table of paragraphs: the first row holds two sentences, the other one
    "document,ref,page,text\n"
    'a,P1,2,"Caseloads are high. Many social workers have left."\n'
    "a,P2,3,Managers do not oversee plans.\n"
)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_table_naming_a_column_it_reads_twice_is_refused_saying_which(tmp_path, suffix):
    """Of two 'text' or 'council' columns the first was read and the second carried as
    'text.1', without a word."""
    from ofsted_themes.tagging.letters import read_sentence_table

    frame = pd.DataFrame(
        [["Caseloads are high.", "Plans drift.", "Leeds", "York", "x"]],
        columns=["text", "text", "council", "council", "notes"],
    )
    path = tmp_path / f"t{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_excel(path, index=False)
    with pytest.raises(InputError, match="columns named twice: 'text'; 'council'"):
        read_sentence_table(path, path.name, "text")


@pytest.mark.parametrize("line", [2, 3])
def test_a_quotation_mark_never_closed_is_named_by_its_line(tmp_path, line):
    """pandas said "Error tokenizing data. C error: EOF inside string starting at row 1"."""
    from ofsted_themes.tagging.letters import read_sentence_table

    rows = ["Caseloads are high.,Leeds", "Plans drift.,York", "Managers are absent.,Hull"]
    rows[line - 2] = '"' + rows[line - 2]
    (tmp_path / "t.csv").write_text("text,council\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=rf"a quotation mark \(\"\) opened on line {line} or"):
        read_sentence_table(tmp_path / "t.csv", "t.csv", "text")


def test_an_empty_workbook_says_it_is_empty(tmp_path):
    """It said "no column 'text' (found: )"."""
    from openpyxl import Workbook

    from ofsted_themes.tagging.letters import read_sentence_table

    Workbook().save(tmp_path / "blank.xlsx")
    with pytest.raises(InputError, match=r"^no header and no rows: an empty table \(or sheet\)$"):
        read_sentence_table(tmp_path / "blank.xlsx", "blank.xlsx", "text")


def test_a_table_whose_header_is_below_a_title_row_says_so(tmp_path):
    """A title above the header made the title the header: "choose it with --text-column"
    could not help."""
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    table.write_text("Findings extract March 2024,,\ncouncil,Text,ref\nLeeds,Plans drift.,1\n")
    with pytest.raises(InputError, match=r"a row below the header holds 'text': delete the rows"):
        read_sentence_table(table, "t.csv", "text")
    table.write_text("notes,ref\nLeeds,1\n")  # no such row: the column is another's
    with pytest.raises(InputError, match="choose it with --text-column"):
        read_sentence_table(table, "t.csv", "text")
    table.write_text("Findings extract March 2024\ncouncil,text\nLeeds,Plans drift.\n")
    with pytest.raises(InputError, match="a title above the header"):  # no commas to fill it
        read_sentence_table(table, "t.csv", "text")
    import openpyxl

    book = openpyxl.Workbook()  # one sheet of a workbook under a title
    book.active.append(["text"])
    book.active.append(["Caseloads are high."])
    titled = book.create_sheet("B")
    for row in (["Findings extract", None], ["council", "text"], ["Leeds", "Plans drift."]):
        titled.append(row)
    book.save(tmp_path / "book.xlsx")
    with pytest.raises(InputError, match=r"sheet 'B' .* a row below its header holds 'text'"):
        read_sentence_table(tmp_path / "book.xlsx", "book.xlsx", "text")


def test_a_table_row_of_several_sentences_is_one_sentence_counted_or_split(tmp_path):
    """A row holding a paragraph was scored as one sentence, unsaid: the letter counts it, and
    ``split_rows`` makes each of its sentences a row carrying the row's other cells."""
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    table.write_text(PARAGRAPHS)
    (letter,) = read_sentence_table(table, "t.csv", "text")
    assert len(letter) == 2 and letter.rows_of_several == 1
    assert letter.sentences["text"][0] == "Caseloads are high. Many social workers have left."
    (split,) = read_sentence_table(table, "t.csv", "text", split_rows=True)
    assert split.rows_of_several == 0
    assert list(split.sentences["text"]) == [
        "Caseloads are high.", "Many social workers have left.", "Managers do not oversee plans."
    ]  # fmt: skip
    assert list(split.sentences["sentence_no"]) == [1, 2, 3]
    assert list(split.sentences["ref"]) == ["P1", "P1", "P2"]
    assert list(split.sentences["page"]) == [2, 2, 3]


def test_a_cells_sentences_are_split_as_a_letters_paragraphs_are():
    """A quotation of two sentences is two; a list's bullets go, as a letter's do."""
    from ofsted_themes.tagging.letters import several_sentences

    cells = ['Staff said: "We feel supported. We are listened to."',
             "• Caseloads are high.\n• Plans drift."]  # fmt: skip
    assert several_sentences(cells) == {
        0: ['Staff said: "We feel supported.', 'We are listened to."'],
        1: ["Caseloads are high.", "Plans drift."],
    }


def test_only_cells_that_cannot_hold_two_sentences_go_unsplit():
    """The cheap look that spares most rows the splitter never passes over a cell the splitter
    finds two sentences in: real letters' sentences, two by two, with notes and footnote marks."""
    from ofsted_themes.reading.sentences import ENDS_SENTENCE, split_sentences
    from ofsted_themes.tagging.letters import may_hold_several

    texts = pd.read_csv(Path(__file__).parents[1] / "data/letters/train/sentences.csv")["text"]
    texts = texts.sample(300, random_state=0).tolist()
    cells = [
        *texts,
        *(f"{a} {b}" for a, b in itertools.pairwise(texts)),
        *(f"{a}¹ {b}" for a, b in zip(texts, texts[2:], strict=False)),
        *(f"{a} (see annex {i})" for i, a in enumerate(texts)),
    ]
    for cell in cells:
        ends = sum(1 for s in split_sentences(cell) if ENDS_SENTENCE.search(s.text))
        assert ends < 2 or may_hold_several(cell), cell
    spared = [cell for cell in cells[-300:] if not may_hold_several(cell)]
    assert len(spared) > 200  # a sentence and its note: most are spared the splitter


def test_table_rows_of_one_sentence_are_not_split_nor_counted_as_several(tmp_path):
    """An abbreviation's stop, a quotation and a line break after the sentence are no second
    sentence: such rows stay as they are, with or without splitting."""
    from ofsted_themes.tagging.letters import read_sentence_table

    texts = [
        "Leaders, e.g. the director, know the service well.",
        "Staff said: “We feel supported.”",
        "Plans are reviewed.\n",
        "Plans drift in the assessment team. (see annex 2)",
    ]
    table = tmp_path / "t.csv"
    pd.DataFrame({"text": texts}).to_csv(table, index=False)
    for split_rows in (False, True):
        (letter,) = read_sentence_table(table, "t.csv", "text", split_rows=split_rows)
        assert list(letter.sentences["text"]) == texts and letter.rows_of_several == 0


def test_rows_joined_by_a_quotation_mark_left_open_are_warned_of(tagger, tmp_path):
    """A stray quotation mark opening a cell joins the rows after it into one cell, up to the
    next quotation mark: 31 findings were scored as one sentence, unsaid."""
    rows = [f"Caseloads in team {i} are too high." for i in range(12)]
    rows[3] = '"Why do I have to move again? one child asked inspectors.'
    rows[8] = '"Stable" homes are not available for most older children.'
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "t.csv").write_text("text\n" + "\n".join(rows) + "\n")
    result = batch(tagger, [tmp_path / "in"], tmp_path / "out" / "tags.csv", report=None)
    assert result.sentences == 7  # rows 4 to 9 read as one cell
    assert result.several == [f"{tmp_path / 'in' / 't.csv'} (1 row)"]


def test_rows_joined_by_a_quotation_mark_left_open_are_not_split_into_another_letter(tmp_path):
    """Joined into one cell, the rows' other cells are its text: split with --split-rows,
    York's sentences were counted for Leeds, and York's letter was gone. Read as given, the
    cell is a row of several sentences, warned of; split, the table fails."""
    from ofsted_themes.tagging.letters import read_sentence_table

    table = tmp_path / "t.csv"
    table.write_text(
        "document,council,text\na,Leeds,Caseloads are too high.\n"
        'a,Leeds,"Why do I have to move again? one child asked.\nb,York,Plans drift.\n'
        'b,York,"Stable" homes are few.\nb,York,Managers do not oversee plans.\n'
    )
    letters = read_sentence_table(table, "t.csv", "text")
    assert letters[0].rows_of_several == 1
    with pytest.raises(InputError, match=r"lines that read as rows .*left open at its start"):
        read_sentence_table(table, "t.csv", "text", split_rows=True)
    # a paragraph's own lines, commas, councils, years and all, are no rows of the table
    prose = [
        'document,text\na,"Caseloads are high.\nLeaders, however, act."\nb,Plans.\n',
        'council,text\nLeeds,"Partners help.\nYork, too."\nYork,Plans drift.\n',
        'council,year,text\nLeeds,2022,"Work is strong.\nLeeds, Bradford and York plan."\n',
    ]
    for written in prose:
        table.write_text(written)
        assert read_sentence_table(table, "t.csv", "text", split_rows=True), written


def test_a_batch_warns_of_rows_of_several_sentences_and_splits_them_when_asked(tagger, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "t.csv").write_text(PARAGRAPHS)
    whole = batch(tagger, [tmp_path / "in"], tmp_path / "whole" / "tags.csv")
    assert whole.sentences == 2
    assert whole.several == [f"{tmp_path / 'in' / 't.csv'}::a (1 row)"]
    split = batch(tagger, [tmp_path / "in"], tmp_path / "split" / "tags.csv", split_rows=True)
    assert split.sentences == 3 and split.several == []
    rows = read_table(tmp_path / "split" / "tags.csv")
    assert rows["text"].tolist()[:2] == ["Caseloads are high.", "Many social workers have left."]
    assert read_table(tmp_path / "split" / "letters.csv")["sentences"].tolist() == [3]


def test_a_tables_year_and_council_count_as_a_letters_do(tagger, tmp_path):
    """A table's year is its letters' year (the year alone, as a file name gives it), and its
    council is named by the area, as a letter's is: one council, one row of a roll-up."""
    table = pd.DataFrame({
        "document": ["a", "b", "b"],
        "text": ["Caseloads are high.", "Supervision is rare.", "Children go missing."],
        "council": ["Devon County Council", "Devon", "Devon"],
        "year": ["2022", "2023", "2023"],
    })  # fmt: skip
    table.to_csv(tmp_path / "findings.csv", index=False)
    out = tmp_path / "out" / "tags.csv"
    batch(tagger, [tmp_path / "findings.csv"], out)
    summary = read_table(out.with_name("letters.csv")).set_index("document")
    source = str(tmp_path / "findings.csv")
    assert summary.loc[f"{source}::a", ["council", "year"]].tolist() == ["Devon", "2022"]
    assert summary.loc[f"{source}::b", ["council", "year"]].tolist() == ["Devon", "2023"]


def test_a_table_without_a_document_column_is_a_letter_per_council_and_year(tagger, tmp_path):
    """Rows that name their council and year count under them, as an analyst's table of
    findings means; the headers may be capitalised as a spreadsheet's are."""
    (tmp_path / "findings.csv").write_text(
        "Council,Year,text\n"
        "Westbridge City Council,2022,Caseloads are too high.\n"
        "Northam,2024,Supervision is rare.\n"
        "Westbridge,2022,Children go missing from care.\n"
        ",,A finding of no named council.\n"
    )
    out = tmp_path / "out" / "tags.csv"
    batch(tagger, [tmp_path / "findings.csv"], out, report=None)
    summary = read_table(out.with_name("letters.csv")).set_index("document")
    source = str(tmp_path / "findings.csv")
    assert summary.index.tolist() == [f"{source}::Westbridge 2022", f"{source}::Northam 2024",
                                      source]  # fmt: skip
    assert summary["council"].fillna("").tolist() == ["Westbridge", "Northam", ""]
    assert summary["year"].fillna("").astype(str).tolist() == ["2022", "2024", ""]
    assert summary["sentences"].tolist() == [2, 1, 1]
    one = tmp_path / "one.csv"  # one council and year: one letter, as before
    one.write_text("council,year,text\nLeeds,2022,Caseloads are high.\nLeeds,2022,So it is.\n")
    batch(tagger, [one], tmp_path / "one" / "tags.csv", report=None)
    assert read_table(tmp_path / "one" / "letters.csv")["document"].tolist() == [str(one)]


def test_every_sentence_row_has_its_letters_council_and_year(mixed_run):
    """The sentence table rolls up by council and year as the summary does, for letters read
    from documents as for tables (whose own council column is carried as input_council)."""
    _, _, tags, summary, _ = mixed_run
    by_letter = summary.set_index("document")[["council", "year"]].astype(object).fillna("")
    rows = tags[["document", "council", "year"]].astype(object).fillna("")
    assert rows["council"].ne("").any()
    for document, row in by_letter.iterrows():
        mine = rows[rows["document"] == document]
        assert set(mine["council"].astype(str)) <= {str(row["council"])}, document
        assert set(mine["year"].astype(str)) <= {str(row["year"])}, document


def test_the_summary_has_one_row_per_letter_with_council_and_visit_type(mixed_run, tagger):
    _, files, tags, summary, _ = mixed_run
    assert sorted(summary["document"]) == sorted(str(p) for p in files.values())
    by_name = summary.set_index("document")
    for kind, letter in [
        ("pdf", "monitoring_visit"),
        ("docx", "focused_visit"),
        ("html", "jtai"),
        ("txt", "ilacs_inspection"),
    ]:
        row = by_name.loc[str(files[kind])]
        assert (row["council"], row["visit_type"]) == FIXTURE_LETTERS[letter]
    assert by_name.loc[str(files["txt"]), "judgement"].startswith("Requires improvement")
    counts = tags.groupby("document").size()
    for document, row in by_name.iterrows():
        assert row["sentences"] == counts[document]
        for theme in tagger.theme_ids:
            tagged = int(rows_of(tags, Path(document))[theme].sum())
            assert row[f"{theme}_count"] == tagged
            assert row[f"{theme}_share"] == round(tagged / counts[document], 4)


def test_the_report_is_written_and_mentions_every_letter(mixed_run):
    result, files, _, _, out = mixed_run
    report = out.with_name("report.html")
    assert report in result.written
    page = report.read_text(encoding="utf-8")
    for path in files.values():
        assert html.escape(str(path)) in page


def test_the_three_output_formats_hold_the_same_rows(tagger, tmp_path):
    files = mixed_folder(tmp_path / "letters")
    tables = {}
    for suffix in (".csv", ".jsonl", ".parquet"):
        out = tmp_path / suffix[1:] / f"tags{suffix}"
        result = batch(tagger, [tmp_path / "letters"], out, report=None, text_column="finding")
        assert result.failures == []
        tables[suffix] = read_table(out)
    expected = tables[".csv"]
    assert set(expected["document"]) == {str(p) for p in files.values()}
    for suffix in (".jsonl", ".parquet"):
        got = tables[suffix]
        assert list(got.columns) == list(expected.columns), suffix
        pd.testing.assert_frame_equal(  # a missing value is missing, however a format says it
            got.astype(object).fillna("").astype(str).replace({"nan": "", "None": ""}),
            expected.astype(object).fillna("").astype(str).replace({"nan": "", "None": ""}),
            obj=suffix,
        )


# ---------------------------------------------------------------------------------------------
# Text encodings


def test_a_cp1252_letter_is_tagged_like_its_utf8_twin_with_curly_quotes_intact(tagger, tmp_path):
    cp1252 = lf.make_cp1252_letter(tmp_path / "windows.txt", "monitoring_visit")
    utf8 = lf.make_text_letter(tmp_path / "unicode.txt", "monitoring_visit")
    with pytest.raises(UnicodeDecodeError):
        cp1252.read_bytes().decode("utf-8")
    out = tmp_path / "out" / "tags.csv"
    result = batch(tagger, [cp1252, utf8], out)
    assert result.failures == []
    tags = read_table(out)
    windows, unicode = rows_of(tags, cp1252), rows_of(tags, utf8)
    assert len(windows) > 0
    text = " ".join(windows["text"])
    assert "children’s" in text
    assert "\ufffd" not in text and "â€" not in text
    columns = [c for c in tags.columns if c != "document"]
    pd.testing.assert_frame_equal(
        windows[columns].reset_index(drop=True), unicode[columns].reset_index(drop=True)
    )


# ---------------------------------------------------------------------------------------------
# Bad input: each fails alone, by name and with its reason


def test_an_unreadable_file_fails_alone(tagger, tmp_path, monkeypatch, refuse_to_open):
    folder = tmp_path / "letters"
    folder.mkdir()
    locked = lf.make_text_letter(folder / "locked.txt", "jtai")
    good = lf.make_text_letter(folder / "good.txt", "focused_visit")
    refuse_to_open(monkeypatch, "locked.txt")
    out = tmp_path / "out" / "tags.csv"
    result = batch(tagger, [folder], out)
    assert result.failures == [(str(locked), "cannot read the file: permission denied")]
    assert set(read_table(out)["document"]) == {str(good)}
    failures = pd.read_csv(out.with_name("failures.csv"))
    assert failures.to_dict("records") == [
        {"file": str(locked), "reason": "cannot read the file: permission denied"}
    ]


def test_a_huge_file_fails_alone_without_being_read(tagger, tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    huge = folder / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(60_000_000)  # sparse: no need to write the bytes
    good = lf.make_text_letter(folder / "good.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    result = batch(tagger, [folder], out)
    [(name, reason)] = result.failures
    assert name == str(huge)
    assert reason.startswith("file too large (60 MB")
    assert set(read_table(out)["document"]) == {str(good)}


def test_a_table_without_the_text_column_names_the_columns_it_has(tagger, tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    table = folder / "findings.csv"
    FINDINGS.to_csv(table, index=False)
    good = lf.make_text_letter(folder / "good.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    result = batch(tagger, [folder], out)  # the default column, 'text', is not there
    [(name, reason)] = result.failures
    assert name == str(table)
    assert "no column 'text'" in reason
    assert "found: ref, finding, inspector" in reason
    assert "--text-column" in reason
    assert set(read_table(out)["document"]) == {str(good)}


def test_two_letters_of_the_same_name_in_different_folders_are_both_tagged(tagger, tmp_path):
    first = text_letter(tmp_path / "2023" / "letter.txt", "monitoring_visit")
    second = text_letter(tmp_path / "2024" / "letter.txt", "focused_visit")
    out = tmp_path / "out" / "tags.csv"
    result = batch(tagger, [tmp_path / "2023", tmp_path / "2024"], out)
    assert result.failures == []
    summary = read_table(out.with_name("letters.csv")).set_index("document")
    assert list(summary.index) == [str(first), str(second)]
    assert summary.loc[str(first), "council"] != summary.loc[str(second), "council"]
    assert set(read_table(out)["document"]) == {str(first), str(second)}


def test_a_symbolic_link_loop_in_a_folder_is_walked_once(tagger, tmp_path):
    folder = tmp_path / "letters"
    good = text_letter(folder / "sub" / "good.txt", "jtai")
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    out = tmp_path / "out" / "tags.csv"
    result = batch(tagger, [folder], out)
    assert result.failures == []
    assert result.letters == 1
    assert set(read_table(out)["document"]) == {str(good)}


def test_thousands_of_letters_are_all_tagged_one_summary_row_each(tagger, tiny_corpus, tmp_path):
    """2,000 tiny letters in 20 folders. The rules alone score them: the learned model would
    only add time."""
    assert tiny_corpus.theme_ids == tagger.theme_ids
    rules = ThemeClassifier(tagger.classifier.phrases, estimator=None)
    rules.fit(tiny_corpus.texts, tiny_corpus.Y)
    folder = tmp_path / "letters"
    expected = []
    for i in range(2000):
        path = folder / f"{i // 100:02d}" / f"letter{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Children went missing from care {i} times.\n")
        expected.append(str(path))
    out = tmp_path / "out" / "tags.csv"
    result = batch(
        Tagger(rules, dict(tagger.thresholds), tagger.themes), [folder], out, report=None
    )
    assert result.failures == []
    assert result.letters == 2000
    summary = read_table(out.with_name("letters.csv"))
    assert list(summary["document"]) == expected  # one row each, in sorted input order
    assert (summary["sentences"] == 1).all()
    tags = read_table(out)
    assert list(tags["document"]) == expected
    assert all(f"care {i} times" in text for i, text in enumerate(tags["text"]))


# ---------------------------------------------------------------------------------------------
# Atomic outputs and resume


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def four_letters(folder: Path) -> list[Path]:
    return [text_letter(folder / f"{i}_{name}.txt", name) for i, name in enumerate(FIXTURE_LETTERS)]


@pytest.mark.parametrize("out_name", ["tags.csv", "tags.jsonl", "tags.parquet"])
def test_an_interrupted_first_run_writes_nothing(
    tagger, tmp_path, monkeypatch, out_name, interrupt_third_letter
):
    four_letters(tmp_path / "letters")
    seen = interrupt_third_letter(monkeypatch)
    out = tmp_path / "out" / out_name
    with pytest.raises(KeyboardInterrupt):
        batch(tagger, [tmp_path / "letters"], out)
    assert len(seen) == 3
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_an_interrupted_first_run_keeps_the_letters_it_tagged_and_resume_tags_the_rest(
    tagger, tmp_path, monkeypatch, interrupt_third_letter
):
    """Ctrl-C two hours into a first run lost two hours: the letters tagged before it are
    written (each whole), and --resume tags the rest."""
    monkeypatch.setattr(tagging, "GROUP_FILES", 1)  # each letter its own call of the model
    four_letters(tmp_path / "letters")
    seen = interrupt_third_letter(monkeypatch)
    out = tmp_path / "out" / "tags.csv"
    result = batch(tagger, [tmp_path / "letters"], out)
    assert result.interrupted and result.letters == 2 and len(seen) == 3
    kept = read_table(out)
    assert kept["document"].nunique() == 2 and len(read_table(out.with_name("letters.csv"))) == 2
    monkeypatch.undo()
    whole = batch(tagger, [tmp_path / "letters"], tmp_path / "whole" / "tags.csv")
    assert not whole.interrupted
    expected = read_table(tmp_path / "whole" / "tags.csv")
    pd.testing.assert_frame_equal(kept, expected.head(len(kept)))  # whole letters, as tagged
    resumed = batch(tagger, [tmp_path / "letters"], out, resume=True)
    assert resumed.letters == 2 and not resumed.interrupted
    pd.testing.assert_frame_equal(read_table(out), expected)


def test_ctrl_c_while_a_letter_is_written_waits_for_it_and_puts_the_handlers_back(
    tagger, tmp_path, monkeypatch
):
    """The signal itself, sent as the second letter's rows are being written: the letter is
    written whole, the run stops after it, and Ctrl-C and SIGTERM mean what they meant."""
    import signal

    from ofsted_themes.tagging.sinks import TableSink

    monkeypatch.setattr(tagging, "GROUP_FILES", 1)
    four_letters(tmp_path / "letters")
    written = TableSink.write

    def write(self, rows):
        if rows["document"][0].endswith("1_focused_visit.txt"):  # the second letter
            os.kill(os.getpid(), signal.SIGINT)
        written(self, rows)

    monkeypatch.setattr(TableSink, "write", write)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    out = tmp_path / "out" / "tags.csv"
    result = batch(tagger, [tmp_path / "letters"], out)
    assert result.interrupted and result.letters == 2
    assert {s: signal.getsignal(s) for s in handlers} == handlers
    monkeypatch.undo()
    batch(tagger, [tmp_path / "letters"], tmp_path / "whole" / "tags.csv")
    whole = read_table(tmp_path / "whole" / "tags.csv")
    kept = read_table(out)
    pd.testing.assert_frame_equal(kept, whole[whole["document"].isin(set(kept["document"]))])


def test_an_interrupted_resume_appends_what_it_tagged_but_a_run_replacing_one_changes_nothing(
    tagger, tmp_path, monkeypatch, interrupt_third_letter
):
    monkeypatch.setattr(tagging, "GROUP_FILES", 1)
    letters = four_letters(tmp_path / "letters")
    out = tmp_path / "out" / "tags.csv"
    batch(tagger, letters[:1], out)
    before = outputs(out.parent)
    interrupt_third_letter(monkeypatch)
    with pytest.raises(KeyboardInterrupt):  # it would replace a finished run's outputs
        batch(tagger, [tmp_path / "letters"], out)
    assert outputs(out.parent) == before
    interrupt_third_letter(monkeypatch)  # the first letter is done: the next two are tagged
    result = batch(tagger, [tmp_path / "letters"], out, resume=True)
    assert result.interrupted and result.letters == 2
    assert read_table(out)["document"].nunique() == 3


@pytest.mark.parametrize("out_name", ["tags.csv", "tags.parquet"])
def test_an_interrupted_run_leaves_the_previous_outputs_as_they_were(
    tagger, tmp_path, monkeypatch, out_name, interrupt_third_letter
):
    letters = four_letters(tmp_path / "letters")
    out = tmp_path / "out" / out_name
    batch(tagger, letters[:1], out)
    before = outputs(out.parent)
    assert set(before) == {out_name, "letters.csv", "report.html", f".{out_name}.commit.json"}
    seen = interrupt_third_letter(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        batch(tagger, [tmp_path / "letters"], out)
    assert outputs(out.parent) == before  # same files, same bytes, no temporary file left
    seen.clear()
    with pytest.raises(KeyboardInterrupt):
        batch(tagger, [tmp_path / "letters"], out, resume=True)
    assert outputs(out.parent) == before


@pytest.mark.parametrize("out_name", ["tags.csv", "tags.jsonl", "tags.parquet"])
def test_resume_tags_only_the_new_letters_and_appends_them(tagger, tmp_path, monkeypatch, out_name):
    letters = four_letters(tmp_path / "letters")
    out = tmp_path / "out" / out_name
    first = batch(tagger, letters[:2], out)
    assert first.letters == 2
    before = read_table(out)

    processed: list[str] = []
    real = tagging.read_job

    def read_job(path, document, *args):
        processed.append(document)
        return real(path, document, *args)

    monkeypatch.setattr(tagging, "read_job", read_job)
    second = batch(tagger, [tmp_path / "letters"], out, resume=True)
    assert processed == [str(p) for p in letters[2:]]
    assert (second.letters, second.skipped) == (2, 2)

    tags = read_table(out)
    assert list(dict.fromkeys(tags["document"])) == [str(p) for p in letters]
    assert not tags.duplicated(["document", "sentence_no"]).any()
    pd.testing.assert_frame_equal(tags.head(len(before)), before)  # the first two untouched
    summary = read_table(out.with_name("letters.csv"))
    assert list(summary["document"]) == [str(p) for p in letters]
    page = out.with_name("report.html").read_text(encoding="utf-8")
    for path in letters:
        assert html.escape(str(path)) in page
    assert "No sentences were found" not in page  # the earlier letters keep their text


def test_resume_with_nothing_new_changes_no_row(tagger, tmp_path):
    letters = four_letters(tmp_path / "letters")
    out = tmp_path / "out" / "tags.csv"
    batch(tagger, letters, out)
    before = read_table(out), read_table(out.with_name("letters.csv"))
    again = batch(tagger, [tmp_path / "letters"], out, resume=True)
    assert (again.letters, again.skipped) == (0, 4)
    pd.testing.assert_frame_equal(read_table(out), before[0])
    pd.testing.assert_frame_equal(read_table(out.with_name("letters.csv")), before[1])


# ---------------------------------------------------------------------------------------------
# Thresholds and the Python API


def test_a_threshold_of_zero_tags_every_sentence(tagger, tmp_path):
    letter = lf.make_text_letter(tmp_path / "letter.txt", "ilacs_inspection")
    low = fresh(tagger)
    low.thresholds["cse"] = 0.0
    out = tmp_path / "zero" / "tags.csv"
    batch(low, [letter], out, report=None)
    tags = read_table(out)
    assert len(tags) > 0 and (tags["cse"] == 1).all()
    assert tags["evidence"].str.contains("cse").all()
    default = tmp_path / "default" / "tags.csv"
    batch(tagger, [letter], default, report=None)
    assert (read_table(default)["cse"] == 0).any()  # so the override made the difference


def test_load_tagger_predict_gives_tags_scores_and_evidence(tagger_file, configured_theme_ids):
    from ofsted_themes import load_tagger

    loaded = load_tagger(tagger_file)
    sentences = [
        "Return home interviews are not always offered.",
        "The council approved its budget in March.",
        "Young people were exploited through county lines.",
    ]
    frame = loaded.predict(sentences)
    assert isinstance(frame, pd.DataFrame)
    themes = loaded.theme_ids
    assert themes == configured_theme_ids
    scored = [c for t in themes for c in (t, f"{t}_score")]
    assert list(frame.columns) == [*scored, "concern", "concern_score", "evidence"]
    assert len(frame) == len(sentences)
    for theme in themes:
        scores = frame[f"{theme}_score"].to_numpy()
        assert ((scores >= 0) & (scores <= 1)).all()
        expected = (scores >= loaded.thresholds[theme] - 5e-5).astype(int)
        assert np.array_equal(frame[theme].to_numpy(), expected)
        tagged = frame[theme] == 1
        assert frame.loc[tagged, "evidence"].str.contains(f"{theme}:").all()
    untagged = frame[[*themes]].sum(axis=1) == 0
    assert (frame.loc[untagged, "evidence"] == "").all()
    assert (frame.loc[untagged, ["concern", "concern_score"]] == 0).all().all()


def test_load_tagger_of_a_missing_file_raises_a_model_error(tmp_path):
    from ofsted_themes import load_tagger

    with pytest.raises(ModelError, match="not found"):
        load_tagger(tmp_path / "nothing.skops")


def test_a_complete_run_leaves_its_outputs_and_no_temporary_file(mixed_run):
    *_, out = mixed_run
    # and the marker of what made them, which --resume reads
    assert sorted(os.listdir(out.parent)) == [
        ".tags.csv.commit.json",
        "letters.csv",
        "report.html",
        "tags.csv",
    ]


def test_letters_scored_in_a_group_get_the_rows_each_would_get_alone(tagger, tmp_path):
    """One call of the model for a group of files (a bad one among them) gives each letter
    exactly what tagging it alone gives, and the bad file its own failure."""
    paths = [
        lf.make_text_letter(tmp_path / "a.txt", "focused_visit"),
        lf.make_corrupt_pdf(tmp_path / "b.pdf"),
        lf.make_text_letter(tmp_path / "c.txt", "jtai"),
        lf.make_text_letter(tmp_path / "d.txt", "monitoring_visit"),
    ]
    jobs = [(p, p.name, "text", None) for p in paths]
    grouped = tagging.process_group(tagger, jobs)
    alone = [tagging.process(tagger, *job) for job in jobs]
    assert [o.name for o in grouped] == [p.name for p in paths]
    assert grouped[1].error == alone[1].error and grouped[1].error
    for together, single in zip(grouped, alone, strict=True):
        assert len(together.letters) == len(single.letters)
        for (rows, meta), (expected, expected_meta) in zip(
            together.letters, single.letters, strict=True
        ):
            pd.testing.assert_frame_equal(pd.DataFrame(rows), pd.DataFrame(expected))
            assert meta == expected_meta


def test_one_process_scores_its_files_a_full_group_at_a_time():
    """Each call of the model has a fixed cost: one process groups GROUP_FILES files a call,
    while workers get groups small enough that each has several, in input order."""
    work = [(Path(f"{i}.txt"), f"{i}.txt", "text", None, frozenset()) for i in range(70)]
    alone = tagging.groups(work, 1)
    assert [len(g) for g in alone] == [tagging.GROUP_FILES, tagging.GROUP_FILES, 6]
    shared = tagging.groups(work, 2)
    assert len(shared) >= 8 and max(map(len, shared)) <= tagging.GROUP_FILES
    assert [job for g in alone for job in g] == [job for g in shared for job in g] == work


def test_input_columns_named_like_outputs_or_each_other_are_all_kept(tagger):
    """A table tagged again carries its columns; one named like an output column gets an
    ``input_`` prefix, and one already named so gets another: no value is overwritten."""
    sentences = pd.DataFrame(
        {
            "sentence_no": [1, 2],
            "page": [1, 1],
            "text": ["Caseloads are high.", "Leaders know their services."],
            "cse": ["a", "b"],
            "input_cse": ["c", "d"],
            "council": ["X", "Y"],
        }
    )
    frame = tagging.tag_letter(tagger, tagging.Letter("t.csv", tagging.columns_of(sentences)))
    assert frame["input_cse"].tolist() == ["a", "b"]
    assert frame["input_input_cse"].tolist() == ["c", "d"]
    assert frame["input_council"].tolist() == ["X", "Y"]  # the letter's own is "council"
    assert frame["council"].tolist() == [None, None]
    assert set(frame["cse"]) <= {0, 1}  # the tag itself


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_letter_with_no_sentences_is_counted_and_adds_no_rows(tagger, tmp_path, suffix):
    """A letter holding only a heading has no sentences: it gets its summary row (0 sentences)
    and nothing in the sentence table, even before a table whose extra columns widen it."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a_heading.txt").write_text("Ofsted\n")
    FINDINGS.to_csv(tmp_path / "in" / "b_findings.csv", index=False)
    out = tmp_path / "out" / f"tags{suffix}"
    result = batch(tagger, [tmp_path / "in"], out, report=None, text_column="finding")
    assert result.failures == []
    summary = read_table(out.with_name("letters.csv")).set_index("document")
    heading = next(d for d in summary.index if d.endswith("a_heading.txt"))
    assert summary.loc[heading, "sentences"] == 0
    tags = read_table(out)
    assert len(tags) == len(FINDINGS) and not tags["document"].str.endswith("a_heading.txt").any()
    assert tags["ref"].tolist() == FINDINGS["ref"].tolist()


def test_a_tables_page_numbers_join_the_letters_pages_in_every_format(tagger, tmp_path):
    """A table's page column (text, as read) becomes page numbers, so that letters and tables
    share one column; pages that are not whole numbers are carried as input_page."""
    (tmp_path / "in").mkdir()
    lf.make_text_letter(tmp_path / "in" / "a.txt", "jtai")
    numbered = pd.DataFrame({"page": ["2", "3"], "text": ["Caseloads are high.", "Plans drift."]})
    numbered.to_csv(tmp_path / "in" / "b.csv", index=False)
    pd.DataFrame({"page": ["iv"], "text": ["Leaders know."]}).to_csv(
        tmp_path / "in" / "c.csv", index=False
    )
    for suffix in (".parquet", ".jsonl", ".csv"):
        out = tmp_path / f"out{suffix}" / f"tags{suffix}"
        assert batch(tagger, [tmp_path / "in"], out, report=None).failures == []
        tags = read_table(out)
        by_file = {name: tags[tags["document"].str.endswith(name)] for name in ("b.csv", "c.csv")}
        assert by_file["b.csv"]["page"].astype(int).tolist() == [2, 3]
        assert by_file["c.csv"]["page"].astype(int).tolist() == [1]
        assert by_file["c.csv"]["input_page"].tolist() == ["iv"]


def test_a_failed_path_too_long_to_look_at_is_named_as_given(tmp_path):
    """Asking whether it is a file raised (the name is over the system's limit): the run of
    every other letter stopped with it."""
    from ofsted_themes.tagging.batch import failure_name

    name = str(tmp_path.joinpath(*["d" * 240] * 18, "x.txt"))  # over 4,096 bytes
    assert failure_name(name, tmp_path) == name


def test_a_pattern_too_long_to_look_at_is_a_failure_not_a_traceback(tmp_path):
    from ofsted_themes.reading.inputs import find_inputs

    pattern = str(tmp_path / ("x" * 300 + "*.txt"))
    assert find_inputs([pattern], {".txt"}) == ([], [(pattern, "file name too long")])


def test_a_file_too_deep_to_look_at_fails_alone_not_its_folder(tmp_path, monkeypatch):
    from ofsted_themes.reading import inputs

    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "deep.txt").write_text("x")
    real = Path.is_file

    def is_file(path):
        if path.name == "deep.txt":
            raise OSError(36, "File name too long")
        return real(path)

    monkeypatch.setattr(inputs.Path, "is_file", is_file)
    found, failures = inputs.find_inputs([str(tmp_path)], {".txt"})
    assert found == [tmp_path / "a.txt"]  # the whole folder was lost
    assert failures == [(str(tmp_path / "deep.txt"), "file name too long")]
