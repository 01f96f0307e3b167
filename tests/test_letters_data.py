"""The real-letter sentences in data/letters: well-formed, honestly split, labelled as the data
card says, and free of anything held out for evaluation (../shared/evaluation-exclusions.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from ofsted_themes.training.inspections import (
    KINDS,
    council_key,
    in_test_split,
    read_inspection_sentences,
)

ROOT = Path(__file__).resolve().parents[1]
LETTERS = ROOT / "data" / "letters"
EXCLUSIONS = ROOT.parent / "shared" / "evaluation-exclusions.md"
THEMES = ["cse", "missing", "staffing", "oversight"]
KIND_OF = {"ilacs": "inspection", "sif": "inspection", "protection": "inspection",
           "reinspection": "inspection", "focused": "focused visit",
           "monitoring": "monitoring visit", "jtai": "jtai"}  # fmt: skip


@pytest.fixture(scope="module")
def splits() -> dict[str, pd.DataFrame]:
    return {
        s: read_inspection_sentences(LETTERS / s / "sentences.csv", THEMES)
        for s in ("train", "test")
    }


@pytest.fixture(scope="module")
def letters(splits) -> pd.DataFrame:
    return pd.concat(splits.values(), ignore_index=True)


def test_no_inspection_or_council_is_on_both_sides_of_the_test_split(splits):
    train, test = splits["train"], splits["test"]
    assert not set(train["inspection"]) & set(test["inspection"])
    assert not set(train["council"].map(council_key)) & set(test["council"].map(council_key))
    assert test["council"].map(in_test_split).all()
    assert not train["council"].map(in_test_split).any()


def test_the_set_is_as_large_and_varied_as_the_data_card_says(letters):
    assert len(letters) >= 1500
    assert letters["inspection"].nunique() >= 100
    assert letters["council"].map(council_key).nunique() >= 60
    assert (letters["voice"] == "inspector").mean() >= 2 / 3
    assert set(letters["kind"]) == KINDS
    assert not letters["text"].str.strip().str.lower().duplicated().any()


def test_every_disagreement_of_the_blind_passes_is_settled_in_the_log(letters):
    passes = {p: pd.read_csv(LETTERS / "annotation" / f"pass_{p}.csv", dtype=str,
                             keep_default_na=False).set_index("id") for p in "ab"}  # fmt: skip
    log = pd.read_csv(LETTERS / "annotation" / "settlements.csv", dtype=str, keep_default_na=False)
    columns = [*THEMES, "direction"]
    differ = (passes["a"][columns] != passes["b"].loc[passes["a"].index, columns]).any(axis=1)
    assert set(differ[differ].index) <= set(log["id"])
    assert log["reason"].str.strip().astype(bool).all()
    final = letters.set_index("id")[columns].astype(str)
    settled = log.set_index("id")[[f"{c}_final" for c in columns]]
    settled.columns = columns
    pd.testing.assert_frame_equal(final.loc[settled.index], settled, check_names=False)


def exclusion_rows() -> list[tuple[str, set[str], str | None]]:
    """(council key, years, kind) of each held-out inspection; no years: any year."""
    if not EXCLUSIONS.is_file():
        pytest.skip("../shared/evaluation-exclusions.md is not beside the checkout")
    rows = []
    for match in re.finditer(r"^\| (\w+) \| ([^|]+) \|", EXCLUSIONS.read_text(), re.M):
        ident, councils = match.groups()
        parts = ident.split("_")
        years = {p for p in parts if re.fullmatch(r"\d{4}", p)}
        kinds = [KIND_OF[k] for p in parts if (k := re.sub(r"\d+$", "", p)) in KIND_OF]
        names = councils.split("(")[1].rstrip(") ").split(";") if "(" in councils else [councils]
        if ident.startswith("sif_cme"):
            years, kinds = {"2016", "2017"}, ["inspection"]
        rows += [(council_key(n), years, kinds[0] if kinds else None) for n in names]
    return rows


def test_nothing_from_a_held_out_page_is_in_data():
    urls = (
        set(re.findall(r"https?://[^ |]+", EXCLUSIONS.read_text()))
        if EXCLUSIONS.is_file()
        else set()
    )
    if not urls:
        pytest.skip("../shared/evaluation-exclusions.md is not beside the checkout")
    for path in (ROOT / "data").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [u for u in urls if u in text], path


def test_no_sentence_comes_from_a_held_out_inspection(letters):
    held_out = exclusion_rows()
    for row in letters.itertuples():
        council = council_key(row.council)
        for key, years, kind in held_out:
            same = council == key and (not years or str(row.year) in years)
            assert not (same and kind in (None, row.kind)), (row.id, key, years, kind)
