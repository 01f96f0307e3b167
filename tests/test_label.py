"""python -m label: suggest the sentences to label (uncertainty, diversity, nothing labelled
twice), import filled-in labels (validated, appended with provenance, all or nothing), label in
the terminal (driven in a pseudo-terminal), and train on the seeds plus the user's labels.

Every file a test writes is under tmp_path; the model is the small session tagger of conftest.
Commands whose exit status, messages or terminal are the point run as subprocesses from the
project root (which they only read); the rest call the library.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import letter_factory as lf
import numpy as np
import pandas as pd
import pytest

from ofsted_themes import labelling
from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.training.corpus import USER_KEY_COLUMNS, LabelledSetError
from ofsted_themes.training.datasets import load_training_set

ROOT = Path(__file__).resolve().parents[1]
SEED_TEXT = pd.read_csv(ROOT / "data/sentences.csv", dtype=str)["text"].iloc[8]


# --- helpers -----------------------------------------------------------------------------------


def tag_table(rows: list[tuple[str, str, dict[str, float]]], themes: list[str]) -> pd.DataFrame:
    """A table as `python -m tag` writes it: (document, text, {theme: score}) per sentence."""
    records, numbers = [], {}
    for document, text, scores in rows:
        numbers[document] = numbers.get(document, 0) + 1
        record = {"document": document, "sentence_no": numbers[document], "page": 1, "text": text}
        for theme in themes:
            score = scores.get(theme, 0.01)
            record[theme] = int(score >= 0.5)
            record[f"{theme}_score"] = score
        record["evidence"] = ""
        records.append(record)
    return pd.DataFrame(records)


def run_label(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "label", *map(str, args)],
        cwd=ROOT,
        env=clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a timing assertion
        check=False,
    )


@pytest.fixture
def label_main(capsys):
    """`python -m label` in-process (faster than a subprocess): its exit status and output."""
    from ofsted_themes.cli import label

    def run(*args) -> subprocess.CompletedProcess:
        capsys.readouterr()
        status = label.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["label", *args], status, out, err)

    return run


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in done.stderr
    return [line for line in done.stderr.splitlines() if line.startswith("error:")]


def folder_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.fixture(scope="module")
def tagger(tagger_file) -> Tagger:
    return Tagger.load(tagger_file)


@pytest.fixture
def three_letters(configured_theme_ids, tagger) -> pd.DataFrame:
    """Three sentences, one per letter, whose first theme's score lies 0.01, 0.05 and 0.2 above
    the tagger's threshold (the other themes far from theirs): the order of uncertainty."""
    first = configured_theme_ids[0]
    limit = tagger.thresholds[first]
    texts = [
        "Leaders have not ensured that risks to children from exploitation are understood.",
        "Some young people who go missing are not offered an interview on their return.",
        "The local authority has recruited permanent social workers this year.",
    ]
    rows = [
        (f"letter_{i}.pdf", text, {first: round(limit + delta, 4)})
        for i, (text, delta) in enumerate(zip(texts, [0.01, 0.05, 0.2], strict=True), start=1)
    ]
    return tag_table(rows, configured_theme_ids)


# --- suggest: which sentences ----------------------------------------------------------------

THEMES = ["a", "b"]
LIMITS = {"a": 0.5, "b": 0.3}


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04garbage", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old .xls", "docx"],
    ids=["damaged", "old or encrypted", "a document renamed"],
)
def test_a_workbook_that_cannot_be_read_is_an_error_not_a_traceback(
    tmp_path, tagger_file, label_main, content
):
    """`label suggest` (and `tag --meta`) given a damaged workbook, an old or encrypted one
    (pandas chose a reader not installed) or a document renamed .xlsx ended in a traceback."""
    from ofsted_themes.cli import tag

    book = tmp_path / "tags.xlsx"
    if content == "docx":
        lf.make_docx_letter(book, "jtai")
    else:
        book.write_bytes(content)
    done = label_main("suggest", book, "--model", tagger_file, "--out", tmp_path / "l.csv")
    assert done.returncode == 2 and "cannot read the tag table" in done.stderr
    letter = lf.make_text_letter(tmp_path / "a.txt", "jtai")
    with pytest.raises(SystemExit) as stopped:
        tag.main([str(letter), "--meta", str(book), "--out", str(tmp_path / "o.csv"),
                  "--model", str(tagger_file)])  # fmt: skip
    assert stopped.value.code == 2


def test_sentences_come_most_uncertain_first_by_their_most_uncertain_theme():
    table = tag_table(
        [
            ("L1", "Far from both thresholds in every way.", {"a": 0.02, "b": 0.55}),
            ("L2", "Close to the second theme's threshold.", {"a": 0.1, "b": 0.32}),
            ("L3", "Closest of all to the first theme's threshold.", {"a": 0.51, "b": 0.0}),
            ("L4", "Somewhat close to the first theme.", {"a": 0.6, "b": 0.9}),
        ],
        THEMES,
    )
    chosen = labelling.select(table, THEMES, LIMITS, n=4)
    assert chosen["document"].tolist() == ["L3", "L2", "L4", "L1"]
    assert chosen["unsure_about"].tolist() == ["a", "b", "a", "b"]
    assert chosen["uncertainty"].tolist() == pytest.approx([0.01, 0.02, 0.1, 0.25])
    assert chosen["uncertainty"].is_monotonic_increasing


def test_near_identical_sentences_are_not_both_picked():
    base = "Managers do not always record the rationale for decisions on children's files"
    table = tag_table(
        [
            ("L1", base + ".", {"a": 0.50}),
            ("L2", base + " in Northshire.", {"a": 0.50}),
            ("L3", base.upper() + ".", {"a": 0.51}),  # the same text, shouted
            ("L4", "Caseloads are high and many posts are filled by agency staff.", {"a": 0.6}),
        ],
        THEMES,
    )
    chosen = labelling.select(table, THEMES, LIMITS, n=4)
    assert chosen["document"].tolist() == ["L1", "L4"]
    vectors = labelling.sentence_vectors(table["text"].tolist())
    similarity = (vectors @ vectors.T).toarray()
    assert similarity[0, 1] > labelling.SIMILARITY  # the test's pair is a near-copy


def test_no_two_picks_are_near_copies_on_a_table_full_of_them():
    rng = np.random.default_rng(0)
    councils = ["Northshire", "Southby", "Eastwick", "Westmoor", "Midvale", "Lakeside"]
    phrases = [
        "Return home interviews are not always offered to children who go missing from {}.",
        "Management oversight of casework in {} is not consistently recorded on files.",
        "Social workers in {} told inspectors that their caseloads are too high to manage.",
    ]
    rows = [
        (f"letter_{c}", phrase.format(c), {"a": float(rng.uniform(0.3, 0.7))})
        for c in councils
        for phrase in phrases
    ]
    chosen = labelling.select(tag_table(rows, THEMES), THEMES, LIMITS, n=10)
    assert len(chosen) == len(phrases)  # one of each near-copy family, however many asked
    vectors = labelling.sentence_vectors(chosen["text"].tolist())
    similarity = (vectors @ vectors.T).toarray()
    np.fill_diagonal(similarity, 0)
    assert similarity.max() <= labelling.SIMILARITY


def test_no_letter_gives_more_than_twice_its_fair_share():
    topics = ["caseloads", "supervision", "exploitation", "missing", "audits", "vacancies"]
    words = ["review", "planning", "visits", "records", "meetings", "training", "data", "budgets"]
    rows = [  # letter A holds the 24 most uncertain sentences, all different
        ("A", f"Sentence {i} of letter A is about {t} and {w}.", {"a": 0.5 + i / 1000})
        for i, (t, w) in enumerate((t, w) for t in topics[:3] for w in words)
    ]
    rows += [
        (letter, f"Letter {letter} says {t} are reviewed.", {"a": 0.8})
        for letter in "BCD"
        for t in topics
    ]
    table = tag_table(rows, THEMES)
    n = 12
    chosen = labelling.select(table, THEMES, LIMITS, n=n)
    cap = math.ceil(n / 4) * 2
    assert labelling.per_letter_cap(n, 4) == cap == 6
    assert len(chosen) == n
    assert chosen["document"].value_counts()["A"] == cap
    assert chosen["document"].value_counts().max() <= cap


def test_already_labelled_and_seed_sentences_are_skipped(tmp_path, configured_theme_ids):
    table = tag_table(
        [
            ("L1", "A sentence the user has labelled before.", {"cse": 0.5}),
            ("L2", SEED_TEXT, {"cse": 0.5}),
            ("L3", "A sentence nobody has labelled.", {"cse": 0.3}),
        ],
        configured_theme_ids,
    )
    labels = tmp_path / "user.csv"
    row = labelling.label_rows(table.iloc[[0]], np.zeros((1, 4)), configured_theme_ids, "d")
    labelling.append_labels(labels, row, configured_theme_ids)
    done = labelling.labelled_texts(labels, configured_theme_ids)
    done |= labelling.set_texts(ROOT / "data/sentences.csv")
    thresholds = dict.fromkeys(configured_theme_ids, 0.5)
    chosen = labelling.select(table, configured_theme_ids, thresholds, 3, done)
    assert chosen["document"].tolist() == ["L3"]


def test_sentences_the_default_data_holds_are_never_suggested(
    tmp_path, tagger_file, configured_theme_ids, label_main
):
    """A user tagging published letters meets sentences the real letters already label."""
    held = pd.read_csv(ROOT / "data/letters/train/sentences.csv")["text"].iloc[0]
    first = configured_theme_ids[0]
    rows = [("L1", held, {first: 0.5}), ("L2", "A sentence nobody has labelled.", {first: 0.3})]
    tags = tmp_path / "tags.csv"
    tag_table(rows, configured_theme_ids).to_csv(tags, index=False)
    out = tmp_path / "to_label.csv"
    done = label_main("suggest", tags, "--n", 5, "--out", out, "--model", tagger_file,
                      "--labels", tmp_path / "user.csv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out)["text"].tolist() == ["A sentence nobody has labelled."]


def test_the_suggestion_file_has_provenance_scores_model_tags_and_empty_theme_columns(
    configured_theme_ids,
):
    themes = configured_theme_ids
    table = tag_table([("L1", "Caseloads are high.", {themes[0]: 0.7, themes[1]: 0.2})], themes)
    out = labelling.suggestion_table(table, themes, dict.fromkeys(themes, 0.5), "abc123")
    per_theme = [c for t in themes for c in (f"{t}_score", f"{t}_model")]
    expected = ["document", "page", "sentence_no", "text", *per_theme, *themes, "direction",
                "source_digest"]  # fmt: skip
    assert list(out.columns) == expected
    row = out.iloc[0]
    assert (row["document"], row["page"], row["sentence_no"]) == ("L1", "1", "1")
    assert (row[f"{themes[0]}_model"], row[f"{themes[1]}_model"]) == (1, 0)
    assert row[f"{themes[0]}_score"] == 0.7
    assert all(row[t] == "" for t in themes)
    assert row["source_digest"] == "abc123"


# --- suggest: the command ----------------------------------------------------------------------


def test_suggest_writes_the_most_uncertain_sentences_first(tmp_path, three_letters, tagger_file):
    tags = tmp_path / "tags.csv"
    three_letters.to_csv(tags, index=False)
    out = tmp_path / "to_label.csv"
    done = run_label("suggest", tags, "--n", 2, "--out", out, "--model", tagger_file,
                     "--labels", tmp_path / "user.csv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["document"].tolist() == ["letter_1.pdf", "letter_2.pdf"]
    assert set(written["source_digest"]) == {labelling.file_digest(tags)}
    assert not (tmp_path / "user.csv").exists()  # suggesting labels nothing
    assert str(out) in done.stdout
    # the next step, as given: the store named (else another would be written) and directions
    assert f"python -m label import {out} --labels {tmp_path / 'user.csv'}" in done.stdout
    assert "and direction for a sentence with a theme" in done.stdout


def test_suggest_reads_a_tag_table_a_spreadsheet_saved_again_in_windows_1252(
    tmp_path, three_letters, tagger_file, label_main
):
    """Excel on Windows saves a CSV it opened in the system's code page: 'utf-8' codec can't
    decode byte 0x92 stopped suggest before."""
    tags = tmp_path / "tags.csv"
    edited = three_letters.assign(text=three_letters["text"] + " It’s so.")
    edited.to_csv(tags, index=False, encoding="cp1252", lineterminator="\r\n")
    out = tmp_path / "to_label.csv"
    done = label_main("suggest", tags, "--n", 3, "--out", out, "--model", tagger_file,
                      "--labels", tmp_path / "user.csv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert sorted(written["text"]) == sorted(edited["text"])


def test_suggest_refuses_an_out_that_names_a_folder(tmp_path, three_letters):
    """Path drops a final "/": "--out x.csv/" wrote a file x.csv."""
    tags = tmp_path / "tags.csv"
    three_letters.to_csv(tags, index=False)
    done = run_label("suggest", tags, "--out", f"{tmp_path / 'x.csv'}/")
    assert done.returncode == 2 and "names a folder, not a file" in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_label_freezes_its_start_as_tag_does(tmp_path, three_letters, tagger_file):
    """In its own process (run_command), what reading the model made is frozen out of the cycle
    collector (core.collector), and the collector is on again."""
    tags = tmp_path / "tags.csv"
    three_letters.to_csv(tags, index=False)
    argv = ["label", "suggest", tags, "--out", tmp_path / "to_label.csv", "--model", tagger_file,
            "--labels", tmp_path / "user.csv"]  # fmt: skip
    code = (
        "import atexit, gc, sys\n"
        "from ofsted_themes.cli import label\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 10_000, gc.isenabled()))\n"
        f"sys.argv = {[str(a) for a in argv]!r}\n"
        "label.run()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env(), capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "frozen True True"


def test_suggest_will_not_overwrite_labels_not_imported_yet(tmp_path, three_letters, tagger_file):
    tags = tmp_path / "tags.csv"
    three_letters.to_csv(tags, index=False)
    out = tmp_path / "to_label.csv"
    common = ["--out", out, "--model", tagger_file, "--labels", tmp_path / "user.csv"]
    assert run_label("suggest", tags, *common).returncode == 0
    filled = pd.read_csv(out, dtype=str, keep_default_na=False)
    filled.loc[0, ["cse", "missing", "staffing", "oversight"]] = ["1", "0", "0", "0"]
    filled.to_csv(out, index=False)
    before = out.read_bytes()
    done = run_label("suggest", tags, *common)
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "not imported yet" in line and "--force" in line
    assert out.read_bytes() == before
    assert run_label("import", out, "--labels", tmp_path / "user.csv").returncode == 0
    again = run_label("suggest", tags, *common)  # imported: nothing left to lose
    assert again.returncode == 0, again.stderr
    assert "letter_1.pdf" not in pd.read_csv(out)["document"].tolist()


def test_suggest_refuses_an_out_named_as_another_format_than_csv(tmp_path, three_letters):
    tags = tmp_path / "tags.csv"
    three_letters.to_csv(tags, index=False)
    done = run_label("suggest", tags, "--out", tmp_path / "to_label.xlsx")
    assert done.returncode == 2  # it wrote CSV text under the name, which Excel will not open
    assert "label suggest writes a CSV; name it .csv" in done.stderr
    assert not (tmp_path / "to_label.xlsx").exists()


def test_suggest_never_writes_over_the_label_store_the_tag_table_or_the_model(
    tmp_path, three_letters, tagger_file
):
    tags, store, model = tmp_path / "tags.csv", tmp_path / "user.csv", tmp_path / "m.skops"
    three_letters.to_csv(tags, index=False)
    store.write_text("kept")
    model.write_bytes(tagger_file.read_bytes())
    for out in (store, tags, model):
        before = out.read_bytes()
        done = run_label("suggest", tags, "--out", out, "--model", model,
                         "--labels", store, "--force")  # fmt: skip
        assert done.returncode == 2
        (line,) = error_lines(done)
        assert f"--out {out} is" in line
        assert out.read_bytes() == before


def test_suggest_replaces_only_its_own_suggestion_files_unless_forced(
    tmp_path, three_letters, tagger_file
):
    tags, letter = tmp_path / "tags.csv", tmp_path / "notes.csv"
    three_letters.to_csv(tags, index=False)
    letter.write_text("<p>A letter the user keeps.</p>")  # a table of the user's, say
    common = ["--model", tagger_file, "--labels", tmp_path / "user.csv"]
    done = run_label("suggest", tags, "--out", letter, *common)
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "not a suggestion file" in line and "--force" in line
    assert letter.read_text() == "<p>A letter the user keeps.</p>"
    assert run_label("suggest", tags, "--out", letter, *common, "--force").returncode == 0
    assert labelling.is_suggestion_file(letter)  # and a suggestion file is replaced unforced
    assert run_label("suggest", tags, "--out", letter, *common).returncode == 0


def test_suggest_never_writes_over_a_labelled_set_the_model_is_trained_on(tmp_path):
    from ofsted_themes.cli.label import check_out
    from ofsted_themes.core.errors import ProblemsError

    seeds = tmp_path / "sentences.csv"
    seeds.write_text("id,text\n")
    with pytest.raises(ProblemsError, match="labelled set"):
        check_out(seeds, tmp_path / "u.csv", tmp_path / "t.csv", "m.skops", [seeds])
    configured = {p.as_posix() for p in labelling.settings().labelled}
    assert configured == {"data/sentences.csv", "data/letters/train/sentences.csv"}


def test_a_missing_tag_table_or_model_is_a_usage_error(tmp_path, tagger_file):
    done = run_label("suggest", tmp_path / "nope.csv", "--model", tagger_file)
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "nope.csv" in line and "python -m tag" in line
    done = run_label("review", tmp_path / "nope.csv", "--model", tmp_path / "none.skops")
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "none.skops" in line


def test_a_table_that_is_not_a_tag_output_is_refused(tmp_path, tagger_file):
    table = tmp_path / "other.csv"
    pd.DataFrame({"document": ["a"], "text": ["Some text."]}).to_csv(table, index=False)
    done = run_label("suggest", table, "--model", tagger_file, "--out", tmp_path / "o.csv")
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "cse_score" in line
    assert not (tmp_path / "o.csv").exists()


# --- import --------------------------------------------------------------------------------------


@pytest.fixture
def suggested(tmp_path, configured_theme_ids) -> Path:
    """A suggestion file of four sentences in two letters, as `suggest` writes it."""
    table = tag_table(
        [
            ("north.pdf", "Caseloads are too high for social workers to do their best.", {}),
            ("north.pdf", "Leaders do not use audits to check the quality of practice.", {}),
            ("south.pdf", "Children who go missing are not offered return interviews.", {}),
            ("south.pdf", "The council has opened a new family hub.", {}),
        ],
        configured_theme_ids,
    )
    table["page"] = [1, 2, 1, 3]
    out = tmp_path / "to_label.csv"
    thresholds = dict.fromkeys(configured_theme_ids, 0.5)
    labelling.suggestion_table(table, configured_theme_ids, thresholds, "feedc0ffee").to_csv(
        out, index=False
    )
    return out


def fill(path: Path, labels: dict[int, list[str]]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for row, values in labels.items():
        frame.loc[row, ["cse", "missing", "staffing", "oversight"]] = values
    frame.to_csv(path, index=False)
    return frame


def test_an_import_appends_the_labels_with_their_provenance(tmp_path, suggested, label_main):
    fill(suggested, {0: ["0", "0", "1", "0"], 1: ["0", "0", "0", "1"], 2: ["0", "1", "0", "0"]})
    labels = tmp_path / "labels" / "user.csv"
    started = datetime.now().astimezone()
    done = label_main("import", suggested, "--labels", labels)
    assert done.returncode == 0, done.stderr
    assert "Imported 3" in done.stdout and "1 row(s) with no label" in done.stdout
    hint = f"train on them: python -m train data=seeds+letters+user user_labels={labels}"
    assert hint in done.stdout
    stored = pd.read_csv(labels, dtype=str, keep_default_na=False)
    themes = ["cse", "missing", "staffing", "oversight"]
    assert list(stored.columns) == [*USER_KEY_COLUMNS, *themes, "direction"]
    assert stored["direction"].tolist() == ["", "", ""]  # left blank: none given
    assert stored["document"].tolist() == ["north.pdf", "north.pdf", "south.pdf"]
    assert stored["page"].tolist() == ["1", "2", "1"]
    assert stored["sentence_no"].tolist() == ["1", "2", "1"]
    assert stored["id"].is_unique
    assert set(stored["source_digest"]) == {"feedc0ffee"}  # the tag table it was suggested from
    for stamp in stored["labelled_at"]:
        assert abs((datetime.fromisoformat(stamp) - started).total_seconds()) < 120
    assert stored[["staffing", "oversight", "missing"]].to_numpy().diagonal().tolist() == ["1"] * 3
    assert folder_files(labels.parent) == {"user.csv"}


def test_a_label_store_that_cannot_be_written_is_a_usage_error_before_any_work(
    tmp_path, suggested, label_main, monkeypatch
):
    """The default store a folder, or a "folder" on the store's path a file: said, exit 2, no
    traceback, nothing written."""
    fill(suggested, {0: ["0", "0", "1", "0"]})
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "labels" / "user.csv").mkdir(parents=True)  # the default store
    done = label_main("import", suggested)
    assert done.returncode == 2
    assert "--labels data/labels/user.csv is a folder: name a CSV file" in done.stderr
    done = label_main("import", suggested, "--labels", suggested / "user.csv")
    assert done.returncode == 2
    assert f"{suggested} is a file, not a folder" in done.stderr
    assert not list((tmp_path / "data" / "labels" / "user.csv").iterdir())  # nothing written


def test_an_import_keeps_each_themed_sentences_direction(tmp_path, suggested, label_main):
    """A concern missed or wrongly raised could not be corrected through the labelling loop:
    the suggestion file asks for each themed sentence's direction, and the store keeps it."""
    frame = fill(
        suggested, {0: ["0", "0", "1", "0"], 1: ["0", "0", "0", "1"], 2: ["0", "1", "0", "0"]}
    )
    frame.loc[[0, 1, 2], "direction"] = ["Concern ", "strength", ""]
    frame.to_csv(suggested, index=False)
    labels = tmp_path / "user.csv"
    assert label_main("import", suggested, "--labels", labels).returncode == 0
    stored = pd.read_csv(labels, dtype=str, keep_default_na=False)
    assert stored["direction"].tolist() == ["concern", "strength", ""]


@pytest.mark.parametrize(
    "themes, direction, problem",
    [
        (
            ["0", "0", "1", "0"],
            "worried",
            "a direction is one of concern, mixed, neutral, strength, or blank; not 'worried'",
        ),
        (["0", "0", "0", "0"], "concern", "a sentence with no theme has no direction"),
        (["", "", "", ""], "concern", "column 'cse': blank while other labels are filled in"),
    ],
    ids=["unknown", "no theme", "themes blank"],
)
def test_a_direction_the_guideline_does_not_allow_is_refused_with_its_line(
    tmp_path, suggested, label_main, themes, direction, problem
):
    frame = fill(suggested, {0: ["0", "0", "1", "0"], 1: themes})
    frame.loc[1, "direction"] = direction
    frame.to_csv(suggested, index=False)
    labels = tmp_path / "user.csv"
    done = label_main("import", suggested, "--labels", labels)
    assert done.returncode == 1
    assert "line 3, column" in done.stderr and problem in done.stderr
    assert not labels.exists()


def test_labels_stored_before_directions_are_read_and_kept_as_more_are_added(
    tmp_path, suggested, label_main
):
    labels = tmp_path / "user.csv"
    old = {"id": "user-1", "document": "old.pdf", "page": "1", "sentence_no": "1",
           "text": "Caseloads are too high.", "source_digest": "x", "labelled_at": "then",
           "cse": "0", "missing": "0", "staffing": "1", "oversight": "0"}  # fmt: skip
    pd.DataFrame([old]).to_csv(labels, index=False)
    frame = fill(suggested, {0: ["0", "0", "1", "0"]})
    frame.loc[0, "direction"] = "concern"
    frame.to_csv(suggested, index=False)
    assert label_main("import", suggested, "--labels", labels).returncode == 0
    stored = pd.read_csv(labels, dtype=str, keep_default_na=False)
    assert stored["document"].tolist() == ["old.pdf", "north.pdf"]
    assert stored["direction"].tolist() == ["", "concern"]
    assert stored.iloc[0][list(old)].to_dict() == old  # the earlier row as it was


def test_a_label_stored_without_a_direction_gains_it_when_imported_again_with_one(
    tmp_path, suggested, label_main
):
    """The same sentence imported again with its direction was "already labelled", the
    direction dropped: a store of labels made before directions could never gain them."""
    labels = tmp_path / "user.csv"
    fill(suggested, {0: ["0", "0", "1", "0"], 1: ["0", "0", "0", "1"]})
    assert label_main("import", suggested, "--labels", labels).returncode == 0
    frame = fill(suggested, {0: ["0", "0", "1", "0"], 1: ["0", "1", "0", "0"]})
    frame.loc[[0, 1], "direction"] = ["concern", "strength"]  # the second's themes differ
    frame.to_csv(suggested, index=False)
    done = label_main("import", suggested, "--labels", labels)
    assert done.returncode == 0, done.stderr
    assert "1 with different labels); 1 of them given the direction they lacked" in done.stdout
    assert "train on them:" in done.stdout  # new directions to train on, though no new rows
    stored = pd.read_csv(labels, dtype=str, keep_default_na=False)
    assert stored["direction"].tolist() == ["concern", ""]
    assert stored["missing"].tolist() == ["0", "0"]  # the earlier themes kept


def test_a_suggestion_shows_the_models_concern_where_the_table_has_it(configured_theme_ids):
    themes = configured_theme_ids
    table = tag_table([("L1", "Caseloads are high.", {themes[0]: 0.7})], themes)
    table = table.assign(concern=[1], concern_score=[0.61234])
    out = labelling.suggestion_table(table, themes, dict.fromkeys(themes, 0.5), "abc123")
    assert (out.at[0, "concern_score"], out.at[0, "concern_model"]) == (0.6123, 1)
    assert list(out.columns)[-2:] == ["direction", "source_digest"]


@pytest.mark.parametrize("saved_as", ["cp1252 semicolons", "workbook"])
def test_an_import_saved_by_a_spreadsheet_is_read_or_refused_with_what_to_do(
    tmp_path, suggested, label_main, saved_as
):
    """Excel on Windows saves a CSV as Windows-1252 (with semicolons where the comma is the
    decimal mark): refused as "not UTF-8", though `tag` reads such a file."""
    frame = fill(suggested, {0: ["0", "0", "1", "0"]})
    frame.loc[0, "text"] = "Caseloads are too high for social workers’ best work."
    if saved_as == "workbook":
        frame.to_excel(suggested.with_suffix(".xlsx"), index=False)
        suggested = suggested.with_suffix(".xlsx")
    else:
        suggested.write_bytes(frame.to_csv(index=False, sep=";").encode("cp1252"))
    labels = tmp_path / "user.csv"
    done = label_main("import", suggested, "--labels", labels)
    if saved_as == "workbook":
        assert done.returncode == 1 and "a workbook, not a CSV: save it as CSV" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    assert stored(labels)["text"].tolist() == [frame.loc[0, "text"]]


def test_importing_the_same_file_twice_adds_nothing(tmp_path, suggested, label_main):
    fill(suggested, {0: ["0", "0", "1", "0"], 1: ["0", "0", "0", "1"]})
    labels = tmp_path / "user.csv"
    assert label_main("import", suggested, "--labels", labels).returncode == 0
    before = labels.read_bytes()
    fill(suggested, {1: ["1", "1", "1", "1"]})  # a change of mind does not overwrite
    again = label_main("import", suggested, "--labels", labels)
    assert again.returncode == 0, again.stderr
    assert "Imported 0" in again.stdout and "train on them" not in again.stdout
    assert "2 already labelled" in again.stdout and "1 with different labels" in again.stdout
    assert labels.read_bytes() == before


def test_a_later_import_keeps_every_earlier_row_unchanged(tmp_path, suggested, label_main):
    labels = tmp_path / "user.csv"
    fill(suggested, {0: ["0", "0", "1", "0"]})
    assert label_main("import", suggested, "--labels", labels).returncode == 0
    first = labels.read_text(encoding="utf-8")
    fill(suggested, {2: ["0", "1", "0", "0"]})
    assert label_main("import", suggested, "--labels", labels).returncode == 0
    second = labels.read_text(encoding="utf-8")
    assert second.startswith(first)
    assert len(pd.read_csv(labels)) == 2


BAD_FILES = {
    "unknown column": (lambda f: f.assign(notes="x"), ["line 1", "'notes'"]),
    "value 2": (lambda f: f.assign(staffing=["2", "0", "0", "0"]), ["line 2", "'staffing'", "2"]),
    "value yes": (lambda f: f.assign(cse=["0", "0", "yes", "0"]), ["line 4", "'cse'", "yes"]),
    "partly blank": (lambda f: f.assign(missing=["0", "", "0", "0"]), ["line 3", "'missing'"]),
    "missing theme column": (lambda f: f.drop(columns="oversight"), ["'oversight'"]),
    "same sentence, other labels": (
        lambda f: pd.concat([f, f.iloc[[0]].assign(cse="1")], ignore_index=True),
        ["line 6", "line 2"],
    ),
}


@pytest.mark.parametrize("problem", list(BAD_FILES))
@pytest.mark.parametrize("earlier", [False, True], ids=["no labels yet", "earlier labels"])
def test_a_bad_file_is_refused_naming_row_and_column_and_nothing_is_written(
    tmp_path, suggested, problem, earlier, label_main
):
    labels = tmp_path / "labels" / "user.csv"
    if earlier:
        good = tmp_path / "good.csv"
        good.write_bytes(suggested.read_bytes())
        fill(good, {3: ["0", "0", "0", "0"]})
        assert label_main("import", good, "--labels", labels).returncode == 0
    before = labels.read_bytes() if earlier else None
    frame = fill(suggested, {row: ["0", "0", "0", "0"] for row in range(4)})
    change, expected = BAD_FILES[problem]
    change(frame).to_csv(suggested, index=False)
    done = label_main("import", suggested, "--labels", labels)
    assert done.returncode == 1
    lines = error_lines(done)
    assert lines, done.stderr
    assert any(all(part in line for part in expected) for line in lines), lines
    assert all(str(suggested) in line for line in lines)
    assert "nothing imported" in done.stderr
    if earlier:
        assert labels.read_bytes() == before
        assert folder_files(labels.parent) == {"user.csv"}  # no temporary file left
    else:
        assert not labels.parent.exists() or not any(labels.parent.iterdir())


def test_every_problem_of_a_file_is_reported_at_once(tmp_path, suggested):
    frame = fill(suggested, {0: ["2", "0", "0", "0"], 2: ["0", "", "maybe", "0"]})
    frame.to_csv(suggested, index=False)
    done = run_label("import", suggested, "--labels", tmp_path / "user.csv")
    assert done.returncode == 1
    lines = error_lines(done)
    assert len(lines) == 3
    assert "line 2, column 'cse'" in lines[0]
    assert "line 4, column 'missing'" in lines[1]
    assert "line 4, column 'staffing'" in lines[2]


def test_a_damaged_labels_file_is_reported_and_left_alone(tmp_path, suggested, label_main):
    labels = tmp_path / "user.csv"
    labels.write_text("id,document,text\nx,a,b\n", encoding="utf-8")
    fill(suggested, {0: ["0", "0", "1", "0"]})
    done = label_main("import", suggested, "--labels", labels)
    assert done.returncode == 1
    assert any(str(labels) in line and "missing column" in line for line in error_lines(done))
    assert labels.read_text(encoding="utf-8") == "id,document,text\nx,a,b\n"


@pytest.mark.parametrize("bound", ["MAX_FILE_BYTES", "MAX_TABLE_ROWS"])
def test_an_import_beyond_the_bounds_of_a_table_is_refused(tmp_path, monkeypatch, bound):
    """A file of labels was read whole, however large: `tag` bounds a table's bytes and rows."""
    from ofsted_themes.labelling import importing
    from ofsted_themes.labelling.store import LabelError

    path = tmp_path / "labels.csv"
    path.write_text("document,text,cse\n" + "a,Caseloads are high.,0\n" * 3)
    monkeypatch.setattr(importing, bound, 2 if bound == "MAX_TABLE_ROWS" else 40)
    with pytest.raises(LabelError) as refused:
        importing.read_import(path, ["cse"])
    (problem,) = refused.value.problems
    assert problem.startswith(str(path))
    assert ("over 2 rows" if bound == "MAX_TABLE_ROWS" else "file too large") in problem


def test_an_import_whose_first_row_has_a_field_too_many_is_refused_with_its_line(tmp_path):
    """Such a first row made pandas take the first field for an index: a traceback, where
    the same fault further down was an error naming its line."""
    from ofsted_themes.labelling import importing
    from ofsted_themes.labelling.store import LabelError

    path = tmp_path / "labels.csv"
    path.write_text("document,text,cse\na,Caseloads are high.,0,extra\nb,Plans drift.,0\n")
    with pytest.raises(LabelError) as refused:
        importing.read_import(path, ["cse"])
    assert refused.value.problems == [f"{path}, line 2: more fields than the header names "
                                      "(a comma in an unquoted cell?)"]  # fmt: skip


def test_an_imported_sentence_longer_than_a_tables_cell_is_refused(tmp_path, monkeypatch):
    """A 40-million-character "sentence" was imported into the label store, unbounded."""
    from ofsted_themes.labelling import importing
    from ofsted_themes.labelling.store import LabelError

    monkeypatch.setattr(importing, "MAX_CELL_CHARS", 30)
    path = tmp_path / "labels.csv"
    path.write_text("document,text,cse\na,Caseloads are high.,0\nb," + "x" * 31 + ",0\n")
    with pytest.raises(LabelError) as refused:
        importing.read_import(path, ["cse"])
    (problem,) = refused.value.problems
    assert problem.startswith(f"{path}, line 3, column 'text': 31 characters (the limit is 30)")


def test_a_full_disk_stops_a_label_command_with_one_line_and_the_store_as_it_was(
    tmp_path, suggested, label_main, monkeypatch
):
    """A full disk was a traceback from every label command."""
    import errno

    from ofsted_themes.core import atomic

    labels = tmp_path / "user.csv"
    fill(suggested, {0: ["0", "0", "1", "0"]})

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(labels))

    monkeypatch.setattr(atomic, "temporary_beside", full)
    done = label_main("import", suggested, "--labels", labels)
    assert done.returncode == 2
    assert error_lines(done) == [
        f"error: the command stopped: No space left on device ({labels}); what was saved "
        "before is kept, and the file being written is as it was"
    ]
    assert not labels.exists()


def test_a_missing_import_file_is_a_usage_error(tmp_path):
    done = run_label("import", tmp_path / "nope.csv", "--labels", tmp_path / "user.csv")
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "nope.csv" in line and "not found" in line


def test_an_undone_answer_is_removed_and_nothing_else(tmp_path, configured_theme_ids):
    labels = tmp_path / "user.csv"
    table = tag_table([("L", f"Sentence number {i}.", {}) for i in range(3)], configured_theme_ids)
    rows = labelling.label_rows(table, np.zeros((3, 4)), configured_theme_ids, "d")
    labelling.append_labels(labels, rows, configured_theme_ids)
    assert labelling.remove_labels(labels, [rows["id"].iloc[1]], configured_theme_ids) == 1
    assert pd.read_csv(labels)["text"].tolist() == ["Sentence number 0.", "Sentence number 2."]


# --- review: the terminal ------------------------------------------------------------------------


@pytest.fixture
def review(tmp_path, three_letters, tagger_file):
    """Start `python -m label review` on the three letters in a pseudo-terminal."""
    pexpect = pytest.importorskip("pexpect")
    tags = tmp_path / "tags.csv"
    three_letters.to_csv(tags, index=False)
    labels = tmp_path / "labels" / "user.csv"
    args = ["-m", "label", "review", str(tags), "--n", "3", "--model", str(tagger_file),
            "--labels", str(labels)]  # fmt: skip
    child = pexpect.spawn(sys.executable, args, cwd=str(ROOT), env=clean_env(),
                          encoding="utf-8", timeout=60, dimensions=(50, 250))  # fmt: skip
    yield child, labels, pexpect
    if child.isalive():
        child.terminate(force=True)


def labels_line(child) -> str:
    """The next label line the session draws (after a new sentence or a toggle)."""
    child.expect(r"labels  ([^\r\n]*oversight)")
    return child.match.group(1)


def at(child, position: str) -> str:
    """Wait for the sentence ``position`` ("2/3"); its label line."""
    child.expect_exact(f"[{position}]")
    return labels_line(child)


def stored(labels: Path) -> pd.DataFrame:
    return pd.read_csv(labels, dtype=str, keep_default_na=False) if labels.exists() else None


def test_review_saves_exactly_the_answers_given(review, three_letters):
    child, labels, pexpect = review
    line = at(child, "1/3")
    assert "[ ] 1/c cse" in line  # never the model's tag (its score is starred): the person's
    child.send("1")  # tick cse
    assert "[x] 1/c cse" in labels_line(child)
    child.send("3")  # tick staffing
    assert "[x] 3 staffing" in labels_line(child)
    child.send("a")
    child.expect_exact("saved")
    at(child, "2/3")
    child.send("s")
    child.expect_exact("skipped")
    at(child, "3/3")
    child.send("u")  # undo the skip: back to 2/3
    child.expect_exact("undone")
    at(child, "2/3")
    child.send("u")  # undo the first answer: its labels are removed
    child.expect_exact("its labels removed")
    line = at(child, "1/3")
    assert stored(labels).empty
    assert "[x] 1/c cse" in line and "[x] 3 staffing" in line  # the undone answer, to change
    child.send("o")
    assert "[x] 4/o oversight" in labels_line(child)
    child.send("\r")  # Enter accepts
    child.expect_exact("saved")
    at(child, "2/3")
    child.send("m")
    labels_line(child)
    child.send("a")
    child.expect_exact("saved")
    at(child, "3/3")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    rows = stored(labels)
    assert rows["text"].tolist() == three_letters["text"].iloc[:2].tolist()
    assert rows[["cse", "missing", "staffing", "oversight"]].to_numpy().tolist() == [
        ["1", "0", "1", "1"],
        ["0", "1", "0", "0"],  # missing ticked; the model's cse tag is no label
    ]
    assert rows["document"].tolist() == ["letter_1.pdf", "letter_2.pdf"]
    assert rows["source_digest"].str.len().eq(16).all()
    assert folder_files(labels.parent) == {"user.csv"}


def test_killing_review_loses_no_answer_already_given(review, three_letters):
    child, labels, _ = review
    at(child, "1/3")
    child.send("a")
    child.expect_exact("saved")
    at(child, "2/3")
    child.send("2")
    labels_line(child)
    child.send("a")
    child.expect_exact("saved")
    at(child, "3/3")
    child.send("4")
    labels_line(child)
    assert child.terminate(force=True)
    rows = stored(labels)
    assert rows["text"].tolist() == three_letters["text"].iloc[:2].tolist()
    assert rows["missing"].tolist() == ["0", "1"]
    assert folder_files(labels.parent) == {"user.csv"}


def test_review_shows_progress_scores_and_the_letter(review, three_letters, tagger):
    child, _, pexpect = review
    child.expect_exact("[1/3] letter_1.pdf, page 1, sentence 1")
    child.expect_exact(three_letters["text"].iloc[0])
    score = three_letters["cse_score"].iloc[0]
    child.expect_exact(f"cse {score:.2f}*")
    child.send("q")
    child.expect(pexpect.EOF)


def review_lines(tmp_path, three_letters, tagger_file, answers: str):
    """`label review` of the three letters, answered line by line (not in a terminal)."""
    tags = tmp_path / "tags.csv"
    three_letters.to_csv(tags, index=False)
    labels = tmp_path / "user.csv"
    done = run_label("review", tags, "--n", 3, "--model", tagger_file, "--labels", labels,
                     stdin=answers)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done, labels


def test_review_reads_lines_when_not_in_a_terminal(tmp_path, three_letters, tagger_file):
    # 1st: tick cse and staffing, then Enter; 2nd: skip; 3rd: accept with no theme
    done, labels = review_lines(tmp_path, three_letters, tagger_file, "13\n\ns\na\n")
    rows = stored(labels)
    assert rows["text"].tolist() == [three_letters["text"].iloc[0], three_letters["text"].iloc[2]]
    assert rows["staffing"].tolist() == ["1", "0"]
    assert rows["cse"].tolist() == ["1", "0"]  # the third: the model tags cse; not the person
    assert "2 labelled, 1 skipped" in done.stdout
    # on top of the default data, not the seeds alone
    hint = f"Train on them: python -m train data=seeds+letters+user user_labels={labels}"
    assert hint in done.stdout  # --labels names another file than the configured one


def test_review_takes_a_themed_sentences_direction_in_turn_and_none_without_a_theme(
    tmp_path, three_letters, tagger_file
):
    """It asked for themes only, so a concern the model missed could not be corrected there.
    1st: staffing, direction turned once (concern) then three more (neutral); 2nd: staffing and
    concern, undone and given again as strength; 3rd: a direction but no theme."""
    keys = "3d\nddd\n\n3d\n\nu\nd\n\nd\n\n"
    done, labels = review_lines(tmp_path, three_letters, tagger_file, keys)
    assert done.returncode == 0, done.stderr
    rows = stored(labels)
    assert rows["staffing"].tolist() == ["1", "1", "0"]
    assert rows["direction"].tolist() == ["neutral", "strength", ""]
    assert "direction (d): concern" in done.stdout and "direction (d): none" in done.stdout


def test_a_piped_line_that_is_not_all_keys_is_refused_whole(tmp_path, three_letters, tagger_file):
    """A word typed into a pipe was read key by key: "missing" toggled m, skipped at s, skipped
    the next sentence unseen, and the Enter after it saved the third with all themes 0."""
    done, labels = review_lines(tmp_path, three_letters, tagger_file, "missing\n3\n\nq\n")
    assert "'missing': not a key, nothing done" in done.stdout
    rows = stored(labels)
    assert rows["text"].tolist() == [three_letters["text"].iloc[0]]  # the first, answered
    assert "1 labelled, 0 skipped" in done.stdout


def test_review_with_nothing_answered_says_nothing_was_saved(tmp_path, three_letters, tagger_file):
    done, labels = review_lines(tmp_path, three_letters, tagger_file, "")
    assert "0 labelled, 0 skipped: nothing saved" in done.stdout
    assert "Train on them" not in done.stdout and not labels.exists()


def test_labels_written_as_pandas_writes_numbers_are_imported(tmp_path, suggested, label_main):
    frame = fill(suggested, {0: ["0", "0", "1", "0"]})
    themes = ["cse", "missing", "staffing", "oversight"]
    frame[themes] = frame[themes].replace("", float("nan")).astype(float)  # 0.0, 1.0 and blanks
    frame.to_csv(suggested, index=False)
    assert "1.0" in suggested.read_text()
    labels = tmp_path / "user.csv"
    done = label_main("import", suggested, "--labels", labels)
    assert done.returncode == 0, done.stderr
    assert stored(labels)[themes].values.tolist() == [["0", "0", "1", "0"]]


def test_review_skips_sentences_labelled_before(tmp_path, three_letters, tagger_file):
    tags = tmp_path / "tags.csv"
    three_letters.to_csv(tags, index=False)
    labels = tmp_path / "user.csv"
    common = ["--n", 3, "--model", tagger_file, "--labels", labels]
    assert run_label("review", tags, *common, stdin="a\nq\n").returncode == 0
    done = run_label("review", tags, *common, stdin="a\na\n")
    assert done.returncode == 0, done.stderr
    assert "[1/2] letter_2.pdf" in done.stdout
    assert stored(labels)["document"].tolist() == [f"letter_{i}.pdf" for i in (1, 2, 3)]


def test_the_review_session_keys(configured_theme_ids):
    keys = labelling.review_keys(configured_theme_ids)
    assert keys["1"] == ("toggle", 0) and keys["4"] == ("toggle", 3)
    assert keys["c"] == ("toggle", 0) and keys["o"] == ("toggle", 3)
    assert keys["s"] == ("skip", None)  # staffing's letter is taken by skip: it is 3 only
    assert keys["a"] == keys["\n"] == ("accept", None)
    assert keys["u"] == ("undo", None) and keys["q"] == ("quit", None)
    assert keys["d"] == ("direction", None)


# --- train on it ---------------------------------------------------------------------------------


def compose_train(*overrides: str):
    from hydra import compose, initialize_config_dir

    from ofsted_themes.core.config import CONF_DIR, register_resolvers

    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("train", overrides=list(overrides))


def project_data(cfg):
    """The data config with the seed paths made absolute (tests may run from anywhere)."""
    from omegaconf import OmegaConf

    data = OmegaConf.to_container(cfg.data)
    for key in ("raw_dir", "sentences", "excluded", "prepared"):
        data[key] = str(ROOT / data[key])
    return data


@pytest.fixture
def user_labels(tmp_path, configured_theme_ids) -> Path:
    """Six user-labelled sentences from three letters."""
    rows = [
        ("north.pdf", "Children at risk of exploitation are not always identified quickly.", 0),
        ("north.pdf", "Caseloads are high and agency staff cover many posts.", 2),
        ("south.pdf", "Return home interviews are not offered when children go missing.", 1),
        ("south.pdf", "Managers do not record their oversight of plans.", 3),
        ("east.pdf", "Supervision is infrequent and does not challenge drift.", 3),
        ("east.pdf", "The council has opened a new family hub.", None),
    ]
    table = pd.DataFrame({"document": [r[0] for r in rows], "text": [r[1] for r in rows]})
    Y = np.zeros((len(rows), len(configured_theme_ids)), dtype=int)
    for i, (_, _, theme) in enumerate(rows):
        if theme is not None:
            Y[i, theme] = 1
    path = tmp_path / "user.csv"
    labelling.append_labels(
        path, labelling.label_rows(table, Y, configured_theme_ids, "d"), configured_theme_ids
    )
    return path


def test_data_seeds_plus_user_adds_the_user_labels_grouped_by_letter(
    user_labels, configured_theme_ids
):
    from ofsted_themes.core.themes import themes_from_config
    from ofsted_themes.training.fitting import train

    cfg = compose_train(
        "data=seeds+user", "experiment=rules_baseline", "debug=fast", "cv.max_folds=10"
    )
    assert cfg.data.name == "seeds+user"
    assert cfg.data.user_labels == "data/labels/user.csv"
    data = project_data(cfg) | {"user_labels": str(user_labels)}
    frame = load_training_set(data, configured_theme_ids)
    seeds = load_training_set(project_data(compose_train("data=seeds")), configured_theme_ids)
    assert len(frame) == len(seeds) + 6
    user = frame.iloc[len(seeds) :]
    assert user["article"].tolist() == ["north.pdf"] * 2 + ["south.pdf"] * 2 + ["east.pdf"] * 2
    assert user["id"].str.startswith("user-").all()
    held_out = []
    from hydra.utils import instantiate

    result = train(
        instantiate(cfg.classifier, _convert_="all"),
        instantiate(cfg.thresholds),
        frame,
        themes_from_config(cfg.themes),
        cfg.cv.group_by,
        {"data": cfg.data.name},
        held_out.append,
        cfg.cv.max_folds,
    )
    assert {"north.pdf", "south.pdf", "east.pdf"} <= set(held_out)
    assert len(held_out) == seeds["article"].nunique() + 3
    assert len(result.out_of_fold) == len(frame)
    assert result.tagger.metadata["data"] == "seeds+user"


def test_the_seeds_alone_are_unchanged_by_the_user_labels_config(configured_theme_ids):
    cfg = compose_train("data=seeds")
    assert cfg.data.name == "seeds" and "user_labels" not in cfg.data
    assert cfg.cv.max_folds == 5
    frame = load_training_set(project_data(cfg), configured_theme_ids)
    assert frame["start"].dtype.kind == "i"  # the seeds' frame (and digest) as before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f.assign(cse="2"), "must be 0 or 1"),
        (lambda f: f.drop(columns="oversight"), "'oversight'"),
        (lambda f: f.assign(extra="1"), "'extra'"),
        (lambda f: f.assign(id="user-same"), "more than once"),
    ],
    ids=["bad label", "theme missing", "unknown column", "duplicate id"],
)
def test_bad_user_labels_stop_training_naming_the_problem(
    user_labels, configured_theme_ids, change, expected
):
    frame = pd.read_csv(user_labels, dtype=str, keep_default_na=False)
    change(frame).to_csv(user_labels, index=False)
    data = project_data(compose_train("data=seeds+user")) | {"user_labels": str(user_labels)}
    with pytest.raises(LabelledSetError) as error:
        load_training_set(data, configured_theme_ids)
    assert any(expected in p and str(user_labels) in p for p in error.value.problems)


def test_missing_user_labels_say_how_to_make_them(tmp_path, configured_theme_ids):
    data = project_data(compose_train("data=seeds+user")) | {"user_labels": str(tmp_path / "x")}
    with pytest.raises(LabelledSetError, match="python -m label"):
        load_training_set(data, configured_theme_ids)


@pytest.mark.slow
def test_train_with_seeds_plus_user_records_which_data_it_used(
    tmp_path, user_labels, new_mlflow_store
):
    from mlflow import MlflowClient

    uri = new_mlflow_store(tmp_path / "mlflow")
    env = clean_env() | {"MLFLOW_TRACKING_URI": uri}

    def train(name: str, *overrides: str) -> subprocess.CompletedProcess:
        out = tmp_path / name
        command = [
            *(sys.executable, "-m", "train", "experiment=rules_baseline", *overrides),
            *(f"hydra.run.dir={out / 'hydra'}", f"output.model={out / 'tagger.skops'}"),
            *(f"output.metrics={out / 'metrics.json'}", f"output.pr_curves={out / 'pr'}"),
        ]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    seeds = train("seeds", "data=seeds", f"user_labels={user_labels}")
    # a run that leaves the user's labels out says so, and how to train on them
    assert f"note: {user_labels} holds 6 labelled sentences of yours" in seeds.stdout
    assert "train on them with data=seeds+user" in seeds.stdout
    done = train("user", "data=seeds+user", f"user_labels={user_labels}", "cv.max_folds=10")
    assert "held out north.pdf" in done.stderr
    assert "leaves out" not in done.stdout
    client = MlflowClient(uri, uri)
    runs = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    datasets = {r.data.tags["data"]: r.inputs.dataset_inputs[0].dataset for r in runs}
    assert set(datasets) == {"seeds", "seeds+user"}
    assert datasets["seeds"].name == "seeds" and datasets["seeds+user"].name == "seeds+user"
    assert datasets["seeds"].digest != datasets["seeds+user"].digest
    assert "sentences.csv" in datasets["seeds+user"].source
    assert str(user_labels) in datasets["seeds+user"].source
    assert str(user_labels) not in datasets["seeds"].source
    tagger = Tagger.load(tmp_path / "user" / "tagger.skops")
    assert tagger.metadata["data"] == "seeds+user"


# --- all three flows on the output of `python -m tag` ----------------------------------------


@pytest.mark.slow
def test_suggest_import_and_train_on_the_output_of_tag(tmp_path, tagger_file, configured_theme_ids):
    tags = tmp_path / "tags.csv"
    done = subprocess.run(
        [sys.executable, "-m", "tag", "tests/fixtures/letters", "--model", str(tagger_file),
         "--out", str(tags), "--summary", str(tmp_path / "letters.csv"), "--no-report"],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out, labels = tmp_path / "to_label.csv", tmp_path / "labels" / "user.csv"
    common = ["--model", tagger_file, "--labels", labels]
    suggested = run_label("suggest", tags, "--n", 8, "--out", out, *common)
    assert suggested.returncode == 0 and "warning" not in suggested.stderr
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(frame) == 8 and frame["document"].nunique() >= 2
    for theme in configured_theme_ids:  # answer as the model guessed
        frame[theme] = frame[f"{theme}_model"]
    frame.to_csv(out, index=False)
    assert run_label("import", out, "--labels", labels).returncode == 0
    assert len(pd.read_csv(labels)) == 8
    review = run_label("review", tags, "--n", 2, *common, stdin="a\na\n")
    assert review.returncode == 0, review.stderr
    assert len(pd.read_csv(labels)) == 10
    cfg = compose_train("data=seeds+user")
    data = project_data(cfg) | {"user_labels": str(labels)}
    frame = load_training_set(data, configured_theme_ids)
    assert frame["article"].str.startswith("tests/fixtures/letters/").sum() == 10


@pytest.mark.slow
def test_suggest_warns_when_another_model_tagged_the_table(tmp_path, tagger_file):
    """Its scores against this model's thresholds would rank the wrong sentences first."""
    tags = tmp_path / "tags.csv"
    done = subprocess.run(
        [sys.executable, "-m", "tag", "tests/fixtures/letters", "--model", str(tagger_file),
         "--out", str(tags), "--no-report"],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    other = Tagger.load(tagger_file)
    other.thresholds = {t: 0.3 for t in other.thresholds}
    other_file = other.save(tmp_path / "other.skops")
    suggested = run_label("suggest", tags, "--n", 3, "--out", tmp_path / "to_label.csv",
                          "--model", other_file, "--labels", tmp_path / "user.csv")  # fmt: skip
    assert suggested.returncode == 0, suggested.stderr
    assert f"warning: {tags} was tagged by another model or other thresholds" in suggested.stderr
    assert (tmp_path / "to_label.csv").exists()  # a warning: the suggestions are still made


def test_the_hint_names_the_labels_file_only_when_it_is_not_the_configured_one(tmp_path):
    configured = tmp_path / "data" / "labels" / "user.csv"
    assert labelling.train_command(configured, configured) == labelling.TRAIN_ON_LABELS
    other = tmp_path / "mine.csv"
    assert labelling.train_command(other, configured).endswith(f" user_labels={other}")


@pytest.mark.parametrize("option", ["--labels", "--out"])
def test_a_folder_given_for_a_file_to_write_is_a_usage_error(tmp_path, option):
    command = ["suggest", tmp_path / "tags.csv"] if option == "--out" else ["import", "x.csv"]
    done = run_label(*command, option, tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{option} {tmp_path} is a folder" in done.stderr
