"""`python -m prepare` end to end, and the committed labelled set against the committed articles."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from ofsted_themes.core.themes import themes_from_config
from ofsted_themes.training.corpus import (
    DataPaths,
    load_labelled,
    prepare_sentences,
    read_articles,
    read_csv_table,
)

ROOT = Path(__file__).resolve().parents[1]
THEMES = ["cse", "missing", "staffing", "oversight"]  # conf/themes/default.yaml

ARTICLES = {
    "a1": (
        "Council services judged inadequate\n"
        "By A Reporter\n"
        "\n"
        "Inspectors found weak management oversight of casework. Staff turnover remains high.\n"
        "\n"
        "Cllr Jones said:\n"
        "\n"
        "Subscribe to our newsletter.\n"
    ),
    "a2": (
        "Second headline\n"
        "\n"
        "A child sexual exploitation panel now meets weekly.\n"
        "Children missing from care are not always offered return home interviews.\n"
    ),
}
LABELS = {  # text -> cse, missing, staffing, oversight
    "Inspectors found weak management oversight of casework.": "0001",
    "Staff turnover remains high.": "0010",
    "A child sexual exploitation panel now meets weekly.": "1000",
    "Children missing from care are not always offered return home interviews.": "0100",
}
EXCLUDED = {"Cllr Jones said:": "attribution lead-in with no content of its own"}


def write_dataset(root: Path) -> DataPaths:
    """A tiny raw folder, a labelled set covering it and an excluded list, under ``root``."""
    paths = DataPaths(root / "raw", root / "sentences.csv", root / "excluded.csv", root / "p.csv")
    paths.raw_dir.mkdir()
    for article, text in ARTICLES.items():
        (paths.raw_dir / f"{article}.txt").write_text(text, encoding="utf-8")
    rows = prepare_sentences(ARTICLES).to_dict("records")
    pd.DataFrame(
        [
            {**row, **dict(zip(THEMES, LABELS[row["text"]], strict=True))}
            for row in rows
            if row["text"] in LABELS
        ]
    ).to_csv(paths.sentences, index=False)
    pd.DataFrame(
        [
            {k: row[k] for k in ("article", "start", "end", "text")} | {"reason": EXCLUDED[t]}
            for row in rows
            if (t := row["text"]) in EXCLUDED
        ]
    ).to_csv(paths.excluded, index=False)
    return paths


def run_prepare(paths: DataPaths) -> subprocess.CompletedProcess:
    overrides = [f"data.{k}={getattr(paths, k)}" for k in DataPaths.__dataclass_fields__]
    return subprocess.run(
        [sys.executable, "-m", "prepare", *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def edit_labelled(paths: DataPaths, edit) -> None:
    frame = pd.read_csv(paths.sentences, dtype=str, keep_default_na=False)
    edit(frame).to_csv(paths.sentences, index=False)


# --- python -m prepare -------------------------------------------------------------------------


def test_prepare_on_good_data_prints_counts_and_writes_prepared(tmp_path):
    paths = write_dataset(tmp_path)
    result = run_prepare(paths)
    assert result.returncode == 0, result.stderr
    assert "error:" not in result.stderr
    out = result.stdout
    assert "5 sentences prepared from 2 articles" in out
    assert "4 labelled; positives per theme:" in out
    header = next(line for line in out.splitlines() if "sentences" in line and "cse" in line)
    assert header.split() == ["sentences", *THEMES]
    rows = {
        parts[0]: parts[1:]
        for parts in map(str.split, out.splitlines())
        if parts and parts[0] in {"a1", "a2", "total"}
    }
    assert rows["a1"] == ["2", "0", "0", "1", "1"]
    assert rows["a2"] == ["2", "1", "1", "0", "0"]
    assert rows["total"] == ["4", "1", "1", "1", "1"]
    prepared = pd.read_csv(paths.prepared)
    assert list(prepared.columns) == ["id", "article", "start", "end", "text"]
    assert len(prepared) == 5


def test_prepare_on_bad_data_prints_one_error_line_per_problem(tmp_path):
    paths = write_dataset(tmp_path)

    def spoil(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[0, "cse"] = "yes"  # not 0/1
        frame.loc[1, "text"] = "Staff turnover is low."  # not the article's text
        frame.loc[2, "article"] = "a9"  # no such article ... and a2-001 no longer covered
        return frame

    edit_labelled(paths, spoil)
    result = run_prepare(paths)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 4, result.stderr
    assert all(line.startswith("error: ") for line in lines)
    assert re.search(r"line 2 \(id a1-001\): label 'cse' is 'yes'", lines[0])
    assert re.search(r"line 3 \(id a1-002\): text differs", lines[1])
    assert re.search(r"line 4 \(id a2-001\): article 'a9' has no file", lines[2])
    assert "sentence a2-001" in lines[3] and "neither labelled nor excluded" in lines[3]
    assert "positives per theme" not in result.stdout


@pytest.mark.parametrize(
    "spoil",
    [
        lambda paths: paths.sentences.unlink(),
        lambda paths: [f.unlink() for f in paths.raw_dir.iterdir()],
        lambda paths: edit_labelled(paths, lambda f: f.drop(columns="staffing")),
    ],
    ids=["no-sentences", "no-articles", "no-theme-column"],
)
def test_prepare_on_a_broken_input_exits_2_without_a_traceback(tmp_path, spoil):
    paths = write_dataset(tmp_path)
    spoil(paths)
    result = run_prepare(paths)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


# --- the committed data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed():
    """Paths (absolute) and theme ids from the project's own prepare config."""
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("prepare")
    paths = DataPaths.from_config(cfg.data)
    paths = DataPaths(*(ROOT / p for p in (getattr(paths, k) for k in paths.__dataclass_fields__)))
    return paths, [t.id for t in themes_from_config(cfg.themes)]


def test_the_configured_themes_are_the_default_four(committed):
    assert committed[1] == THEMES


def test_the_committed_labelled_set_validates(committed):
    paths, themes = committed
    labelled = load_labelled(paths, themes)
    assert len(labelled) > 0
    assert set(labelled[themes].stack().unique()) <= {0, 1}


def test_prepare_reproduces_the_labelled_and_excluded_sentences_exactly(committed):
    paths, _ = committed
    prepared = prepare_sentences(read_articles(paths.raw_dir))
    labelled = read_csv_table(paths.sentences, "labelled set")
    excluded = read_csv_table(paths.excluded, "excluded-sentence list")

    def keys(frame: pd.DataFrame) -> list[tuple]:
        columns = ["article", "start", "end", "text"]
        return sorted(map(tuple, frame[columns].astype(str).itertuples(index=False)))

    assert not set(keys(labelled)) & set(keys(excluded)), "a sentence both labelled and excluded"
    assert keys(prepared) == sorted(keys(labelled) + keys(excluded))


def test_the_labelled_ids_are_the_ids_prepare_gives(committed):
    paths, _ = committed
    prepared = prepare_sentences(read_articles(paths.raw_dir)).astype(str)
    labelled = read_csv_table(paths.sentences, "labelled set")
    merged = labelled.merge(prepared, on=["article", "start", "end", "text"], suffixes=("", "_p"))
    assert len(merged) == len(labelled)
    assert (merged["id"] == merged["id_p"]).all()


def test_every_exclusion_has_a_reason(committed):
    paths, _ = committed
    excluded = read_csv_table(paths.excluded, "excluded-sentence list")
    assert (excluded["reason"].str.strip() != "").all()
