"""The streaming sentence table: rows held a few thousand at a time come out complete, in order,
whatever the format, and a column that appears midway is added to the rows before it."""

from __future__ import annotations

import pandas as pd
import pytest

from ofsted_themes.core.tables import read_table
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


def test_an_aborted_table_leaves_no_file_and_writes_nothing_held(tmp_path):
    sink = TableSink(tmp_path / "tags.csv", COLUMNS)
    sink.write(letter(0))
    sink.abort()
    assert list(tmp_path.iterdir()) == []
