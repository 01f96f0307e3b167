"""The streaming sentence table: rows held a few thousand at a time come out complete, in order,
whatever the format, and a column that appears midway is added to the rows before it."""

from __future__ import annotations

import pandas as pd
import pytest

from ofsted_themes.core.tables import read_documents, read_table, write_table
from ofsted_themes.tagging import sinks
from ofsted_themes.tagging.sinks import TableSink

COLUMNS = ["document", "sentence_no", "text"]


def letter(i: int, extra: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"document": f"l{i}.txt", "sentence_no": [1, 2], "text": [f"First {i}.", f"=SUM({i})"]}
    )
    return frame.assign(council=f"Council {i}") if extra else frame


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_held_rows_are_all_written_in_order_with_a_late_column(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(sinks, "BUFFERED_ROWS", 3)  # a flush every second letter
    frames = [letter(i, extra=i >= 3) for i in range(7)]
    sink = TableSink(tmp_path / f"tags{suffix}", COLUMNS)
    for frame in frames:
        sink.write(frame)
    out = sink.finish(tmp_path / f"done{suffix}")
    table = read_table(out)
    assert table["document"].tolist() == [f"l{i}.txt" for i in range(7) for _ in range(2)]
    assert table["text"].tolist() == [t for f in frames for t in f["text"]]  # formulas unquoted
    councils = table["council"].fillna("").replace("nan", "").tolist()
    assert councils == [f"Council {i}" if i >= 3 else "" for i in range(7) for _ in range(2)]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_a_column_empty_in_the_first_rows_takes_text_later(tmp_path, monkeypatch, suffix):
    """A long letter of no council read fills the first flush; a later letter has one."""
    monkeypatch.setattr(sinks, "BUFFERED_ROWS", 2)
    sink = TableSink(tmp_path / f"tags{suffix}", [*COLUMNS, "council"])
    sink.write(letter(0).assign(council=None))
    sink.write(letter(1).assign(council="Leeds"))
    table = read_table(sink.finish(tmp_path / f"done{suffix}"))
    councils = table["council"].astype(object).fillna("").tolist()
    assert councils == ["", "", "Leeds", "Leeds"]


def test_an_aborted_table_leaves_no_file_and_writes_nothing_held(tmp_path):
    sink = TableSink(tmp_path / "tags.csv", COLUMNS)
    sink.write(letter(0))
    sink.abort()
    assert list(tmp_path.iterdir()) == []


def test_the_csv_table_is_written_as_the_whole_frame_made_spreadsheet_safe(tmp_path):
    """Rows are made safe array by array: the file is byte for byte what spreadsheet_safe of
    the whole frame writes (formulas, quotes, carriage returns, empty cells, numbers)."""
    import numpy as np

    from ofsted_themes.core.tables import spreadsheet_safe

    texts = ["=SUM(A1)", "'+1", "plain", "a\rb", "line\r\nbreak", "-3", "", "@x", "\tTab", "é ’"]
    rows = {
        "document": np.asarray([f"d{i}.pdf" for i in range(10)], dtype=object),
        "sentence_no": np.arange(1, 11),
        "text": np.asarray(texts, dtype=object),
        "cse_score": np.linspace(0, 1, 10),
        "evidence": np.asarray(["x", None, "=y", *[""] * 7], dtype=object),
    }
    sink = TableSink(tmp_path / "tags.csv", list(rows))
    sink.write(rows)
    written = sink.finish(tmp_path / "done.csv").read_bytes()
    expected = tmp_path / "expected.csv"
    spreadsheet_safe(pd.DataFrame(rows)).to_csv(expected, index=False)
    assert written == expected.read_bytes()
    assert b"'=SUM(A1)" in written and b"a\nb" in written


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_the_letters_of_a_table_are_its_documents_as_read_table_gives_them(tmp_path, suffix):
    """A resumed run learns which letters are done from the document column alone: names that
    look like formulas, numbers or nothing come back as the whole table reads them."""
    names = ["=cmd.pdf", "'+quoted.txt", "007", "", "a, b.pdf", "plain.docx"]
    frame = pd.DataFrame({"document": names, "text": ["=1+1", "x", "y", "z", "w", "v"]})
    path = write_table(frame, tmp_path / f"tags{suffix}")
    assert read_documents(path) == set(read_table(path)["document"].astype(str))
    assert read_documents(path) == set(names)
    assert read_documents(write_table(frame[["text"]], tmp_path / f"plain{suffix}")) == set()


def test_a_long_table_whose_column_changes_type_late_is_read_back_without_a_warning(tmp_path):
    """A carried column blank or numeric in the first letters and text in later ones (a
    resumed run reads the tag table back): read whole, one type, no pandas warning on the
    terminal."""
    import warnings

    rows = 300_000  # more than pandas reads in one chunk
    extra = [1] * rows + ["later text"]
    path = tmp_path / "tags.csv"
    pd.DataFrame({"document": "a.pdf", "extra": extra}).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_table(path)
    assert table["extra"].iloc[-1] == "later text" and str(table["extra"].iloc[0]) == "1"


def awkward_columns(rng, rows: int) -> dict:
    """Columns of every kind a tag table holds, with the values that format or quote oddly."""
    import numpy as np

    floats = [0.0, -0.0, 1.0, 0.1 + 0.2, 1e-7, 1e16, 123456789.123, float("inf"), float("nan")]
    texts = [
        "plain", "", "a, b", 'say "no"', "two\nlines", "cr\rhere", "crlf\r\nhere", "=SUM(1)",
        "-1", "+44", "@x", "\tx", "'=quoted", "'plain", "café ✓", " spaced ", None, float("nan"),
    ]  # fmt: skip
    pick = lambda pool: [pool[i] for i in rng.integers(0, len(pool), rows)]  # noqa: E731
    return {
        "score": np.round(rng.random(rows), 4),
        "floats": np.array(pick(floats)),
        "count": rng.integers(-5, 10**12, rows),
        "flag": rng.random(rows) > 0.5,
        "text": np.array(pick(texts), dtype=object),
        "mixed": np.array(pick([*texts, 3, 2.5, True]), dtype=object),
        "none": np.full(rows, None, dtype=object),
        "same": np.full(rows, "Leeds", dtype=object),
    }


def test_csv_rows_are_appended_byte_for_byte_as_pandas_writes_them(tmp_path):
    """The sink's CSV writer, which builds no frame, against the frame pandas would write."""
    import numpy as np

    from ofsted_themes.core.tables import append_csv, spreadsheet_safe_frame

    rng = np.random.default_rng(3)
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    for part, rows in enumerate([1, 0, 40, 400]):
        columns = awkward_columns(rng, rows)
        append_csv(ours, columns, header=part == 0)
        frame = spreadsheet_safe_frame(columns)
        frame.to_csv(theirs, mode="a", header=part == 0, index=False)
    assert ours.read_bytes() == theirs.read_bytes()
    assert b'"cr\nhere"' in ours.read_bytes() and b"'=SUM(1)" in ours.read_bytes()


def test_columns_the_fast_writer_does_not_know_are_written_as_pandas_writes_them(tmp_path):
    """Dates, numbers held as objects beside text, bytes: the same bytes as pandas, and a
    formula among them still quoted (no column of a tag table is of these kinds today)."""
    import numpy as np

    from ofsted_themes.core.tables import append_csv, spreadsheet_safe_frame

    columns = {
        "when": np.array(["2024-01-01", "NaT"], dtype="datetime64[ns]"),
        "mixed": np.array([np.int64(2), "=x"], dtype=object),
        "scalar": np.array([np.float64(1.5), "a"], dtype=object),
        "raw": np.array([b"a", "-1"], dtype=object),
    }
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    append_csv(ours, columns, header=True)
    spreadsheet_safe_frame(columns).to_csv(theirs, mode="a", header=True, index=False)
    assert ours.read_bytes() == theirs.read_bytes()
    assert b"'=x" in ours.read_bytes() and b"'-1" in ours.read_bytes()


def test_csv_rows_end_as_pandas_ends_them_where_lines_end_in_cr_lf(tmp_path, monkeypatch):
    """On Windows pandas ends a row with os.linesep; so does the fast writer, so that a table
    widened midway (rewritten by pandas) keeps one kind of line ending."""
    import os

    import numpy as np

    from ofsted_themes.core.tables import append_csv, spreadsheet_safe_frame

    monkeypatch.setattr(os, "linesep", "\r\n")
    columns = awkward_columns(np.random.default_rng(5), 30)
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    append_csv(ours, columns, header=True)
    spreadsheet_safe_frame(columns).to_csv(theirs, mode="a", header=True, index=False)
    assert ours.read_bytes() == theirs.read_bytes()
    assert ours.read_bytes().count(b"\r\n") >= 31


def test_a_csv_saved_again_in_windows_1252_is_read_and_damaged_utf8_is_no_cp1252(tmp_path):
    """A spreadsheet saves the table it opened in its code page: read as such. A UTF-8 table
    with one damaged byte is damage, not Windows-1252 text: read so, its every curly quote
    would be garbled unsaid."""
    resaved, damaged = tmp_path / "resaved.csv", tmp_path / "damaged.csv"
    resaved.write_bytes("document,text\na.pdf,It\u2019s so.\n".encode("cp1252"))
    assert read_table(resaved)["text"].tolist() == ["It\u2019s so."]
    damaged.write_bytes("document,text\na.pdf,It\u2019s so.\nb.pdf,caf\xe9\n".encode() + b"\xff\n")
    with pytest.raises(UnicodeDecodeError):
        read_table(damaged)
