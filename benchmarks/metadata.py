"""Letter metadata, field by field: precision (of the values read, how many are right) and
recall (of the values a reader finds in the text, how many were read), on the real openings of
published reports (tests/fixtures/openings, with their source addresses) and on the invented
fixture letters, each read as text and as a PDF made from that text.

    python benchmarks/metadata.py [--out benchmarks/results/metadata.md]

The rules were written with these openings in view, so the figures describe them, not letters
never seen; a council is named by its area ("Leeds" for "Leeds City Council"), as `tag` gives it.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fixture-letter builders

import letter_factory as lf  # noqa: E402

from ofsted_themes.reading.document import read_document  # noqa: E402
from ofsted_themes.reading.metadata import document_metadata  # noqa: E402

OPENINGS = ROOT / "tests" / "fixtures" / "openings"
FIELDS = ["council", "visit_type", "visit_dates", "visit_date", "judgement"]
INVENTED = {  # what a reader finds in each invented fixture letter
    "monitoring_visit": ["Harrowfield", "monitoring visit", "3 and 4 May 2022", "2022-05-04", ""],
    "focused_visit": [
        "Lowmoor", "focused visit", "31 January and 1 February 2023", "2023-02-01", "",
    ],
    "ilacs_inspection": [
        "Eastmere", "inspection", "12 to 16 September 2022", "2022-09-16",
        "Requires improvement to be good",
    ],
    "jtai": [
        "Kestrel Vale", "joint targeted area inspection", "between 27 February and 3 March 2023",
        "2023-03-03", "",
    ],
}  # fmt: skip


def cases() -> list[tuple[str, str, dict[str, str]]]:
    """(set, text, expected) for every opening and invented letter."""
    out = []
    with (OPENINGS / "openings.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = (OPENINGS / row["file"]).read_text(encoding="utf-8")
            out.append(("real openings", text, {k: row[k] for k in FIELDS}))
    for name, values in INVENTED.items():
        text = (lf.FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
        out.append(("invented letters", text, dict(zip(FIELDS, values, strict=True))))
    return out


def read(text: str, form: str, folder: Path) -> dict[str, str]:
    path = folder / ("letter.txt" if form == "text" else "letter.pdf")
    if form == "text":
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(lf._pdf_bytes(text, None, True, None))
    found = document_metadata(read_document(path))
    values = [found.council, found.visit_type, found.visit_dates, found.visit_date_iso]
    return dict(zip(FIELDS, [*values, found.judgement], strict=True))


def right(got: str | None, want: str) -> bool:
    return (got or "") == want


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/metadata.md"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for group, text, expected in cases():
            for form in ("text", "pdf"):
                got = read(text, form, Path(tmp))
                for field in FIELDS:
                    rows.append(
                        {
                            "set": group,
                            "form": form,
                            "field": field,
                            "read": bool(got[field]),
                            "expected": bool(expected[field]),
                            "right": bool(got[field]) and right(got[field], expected[field]),
                        }
                    )
    frame = pd.DataFrame(rows)
    table = frame.groupby(["set", "field"], sort=False).agg(
        letters=("expected", lambda s: len(s) // 2),
        given=("expected", lambda s: int(s.sum()) // 2),
        precision=("right", "sum"),
        recall=("right", "sum"),
        read=("read", "sum"),
        expected=("expected", "sum"),
    )
    table["precision"] = (table["precision"] / table["read"]).round(2)
    table["recall"] = (table["recall"] / table["expected"]).round(2)
    same = frame.pivot_table(index=["set", "field"], columns="form", values="right", aggfunc="sum")
    table["pdf = text"] = same["pdf"] == same["text"]
    text = table.drop(columns=["read", "expected"]).to_markdown()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
