"""python -m tag: exit status, messages and outputs of the command.

The command runs as a subprocess from the project root wherever its exit status or its printed
messages are the point (one batch of every kind of bad input is shared by several tests), and
in-process through ``tag.main`` where that is faster. Every output goes under tmp; the model is
the small session tagger of conftest, or for the MLflow test one registered in a temp store.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import letter_factory as lf
import pandas as pd
import pytest
import skops.io as sio
from servers import train_registered

from ofsted_themes.cli import common, tag
from ofsted_themes.core.errors import OfstedThemesError, ProblemsError
from ofsted_themes.core.tables import read_table
from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.tagging import letters as tagging
from ofsted_themes.tagging.batch import run_batch

ROOT = Path(__file__).resolve().parents[1]
FINDINGS = pd.DataFrame(
    {
        "ref": ["F1", "F2"],
        "finding": [
            "Children at risk of exploitation are not always identified quickly.",
            "Return home interviews are not always offered when children go missing.",
        ],
        "inspector": ["AB", "CD"],
    }
)


def visible_files(folder: Path) -> set[str]:
    """What a person sees in an output folder: not the hidden marker of what made the outputs."""
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def without_council_warnings(stderr: str) -> str:
    """A run's terminal errors but the warning that the letters' (invented) councils are none
    of England's authorities."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if "none of England's" not in line
    )


def run_tag(*args, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """python -m tag from the project root, without any MLflow setting of this shell."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    environment |= env or {}
    return subprocess.run(
        [sys.executable, "-m", "tag", *map(str, args)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a timing assertion
        check=False,
    )


def outputs_of(out: Path) -> list[str]:
    return ["--out", str(out), "--summary", str(out.with_name("letters.csv")),
            "--report", str(out.with_name("report.html"))]  # fmt: skip


def text_letter(path: Path, letter: str, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return lf.make_text_letter(path, letter, **options)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------
# One batch with every kind of bad input among good letters

BAD = {  # file: what its reason must say
    "empty.txt": "empty file",
    "zero_pages.pdf": "PDF has no pages",
    "corrupt.pdf": "corrupt PDF",
    "binary.pdf": "not a PDF",
    "encrypted.pdf": "encrypted PDF",
    "scanned.pdf": "no text layer (scanned image?): run OCR first",
    "huge.txt": "file too large (60 MB",
    "findings.csv": "no column 'text' (found: ref, finding, inspector)",
}


@pytest.fixture(scope="module")
def zoo(tagger_file, tmp_path_factory):
    """Good letters (two of the same name in different folders, one in Windows-1252, a PDF)
    mixed with bad files and a symbolic link looping back to the folder, tagged in one run."""
    tmp = tmp_path_factory.mktemp("zoo")
    letters = tmp / "letters"
    good = {
        "2023": text_letter(letters / "2023" / "letter.txt", "monitoring_visit"),
        "2024": text_letter(letters / "2024" / "letter.txt", "focused_visit"),
        "cp1252": lf.make_cp1252_letter(letters / "windows.txt", "jtai"),
        "pdf": lf.make_pdf_letter(letters / "inspection.pdf", "ilacs_inspection", pages=3),
    }
    (letters / "empty.txt").write_bytes(b"")
    lf.make_zero_page_pdf(letters / "zero_pages.pdf")
    lf.make_corrupt_pdf(letters / "corrupt.pdf")
    lf.make_binary_pdf(letters / "binary.pdf")
    lf.make_encrypted_pdf(letters / "encrypted.pdf")
    lf.make_image_pdf(letters / "scanned.pdf")
    with (letters / "huge.txt").open("wb") as file:
        file.truncate(60_000_000)  # sparse: over the 50 MB limit without writing the bytes
    FINDINGS.to_csv(letters / "findings.csv", index=False)
    (letters / "2023" / "loop").symlink_to(letters, target_is_directory=True)
    out = tmp / "out" / "tags.csv"
    done = run_tag(letters, "--model", tagger_file, *outputs_of(out))
    return done, letters, good, out


def test_a_batch_with_bad_files_exits_1_and_tags_every_good_letter(zoo):
    done, _, good, out = zoo
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(set(read_table(out)["document"])) == sorted(str(p) for p in good.values())
    summary = read_table(out.with_name("letters.csv"))
    assert sorted(summary["document"]) == sorted(str(p) for p in good.values())
    assert f"Tagged {len(good)} letters" in done.stdout


@pytest.mark.parametrize("name", list(BAD))
def test_each_bad_file_is_reported_by_name_with_its_reason(zoo, name):
    done, letters, _, out = zoo
    path = str(letters / name)
    lines = [line for line in done.stderr.splitlines() if path in line]
    assert len(lines) == 1, done.stderr
    assert BAD[name] in lines[0]
    failures = pd.read_csv(out.with_name("failures.csv"))
    [reason] = failures.loc[failures["file"] == path, "reason"]
    assert BAD[name] in reason


def test_the_failures_table_lists_exactly_the_bad_files_on_stderr_and_beside_out(zoo):
    done, letters, _, out = zoo
    failures = pd.read_csv(out.with_name("failures.csv"))
    assert list(failures.columns) == ["file", "reason"]
    assert sorted(failures["file"]) == sorted(str(letters / name) for name in BAD)
    assert f"{len(BAD)} file(s) could not be tagged:" in done.stderr
    assert not any(name in done.stdout for name in BAD)  # failures go to stderr


def test_letters_of_the_same_name_in_different_folders_keep_distinct_documents(zoo):
    _, _, good, out = zoo
    summary = read_table(out.with_name("letters.csv")).set_index("document")
    first, second = str(good["2023"]), str(good["2024"])
    assert first != second
    assert summary.loc[first, "council"] == "Harrowfield"
    assert summary.loc[second, "council"] == "Lowmoor"


def test_a_symbolic_link_loop_neither_hangs_nor_tags_a_letter_twice(zoo):
    done, _, _, out = zoo  # the run finished (the subprocess has a time guard)
    tags = read_table(out)
    assert not tags["document"].str.contains("/loop/").any()
    assert not tags.duplicated(["document", "sentence_no"]).any()
    assert "loop" not in done.stderr


def test_a_cp1252_letter_is_tagged_with_its_curly_quotes(zoo):
    done, _, good, out = zoo
    assert str(good["cp1252"]) not in without_council_warnings(done.stderr)
    tags = read_table(out)
    text = " ".join(tags.loc[tags["document"] == str(good["cp1252"]), "text"])
    assert "’" in text and "\ufffd" not in text


def test_the_progress_bar_is_quiet_when_stderr_is_not_a_terminal(zoo):
    done, *_ = zoo
    assert "letter/s" not in done.stderr and "%|" not in done.stderr
    assert "\r" not in done.stderr


def test_the_progress_bar_shows_when_asked(tagger_file, tmp_path, capsys):
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    options = {"out": out, "summary": out.with_name("letters.csv")}
    run_batch(Tagger.load(tagger_file), [str(letter)], **options)
    assert "letter" not in capsys.readouterr().err  # not a terminal: quiet
    run_batch(Tagger.load(tagger_file), [str(letter)], progress=True, **options)
    assert "1/1" in capsys.readouterr().err


def test_runs_into_one_folder_under_their_own_names_keep_their_own_failures(
    tagger_file, tmp_path, capsys
):
    """Each run's failures table is named after its tag table (failures.csv beside tags.csv
    alone), so one run neither replaces nor removes another's; a clean run removes its own."""
    letters, others = tmp_path / "letters", tmp_path / "others"
    good = text_letter(letters / "good.txt", "jtai")
    (letters / "bad.pdf").write_text("not a pdf")
    text_letter(others / "fine.txt", "jtai")
    (others / "worse.pdf").write_text("not a pdf either")
    folder = tmp_path / "out"
    a = ["--out", folder / "a.csv", "--summary", folder / "a_letters.csv", "--no-report"]
    b = ["--out", folder / "b.csv", "--summary", folder / "b_letters.csv", "--no-report"]
    assert main_in_process(capsys, letters, "--model", tagger_file, *a)[0] == 1
    assert main_in_process(capsys, others, "--model", tagger_file, *b)[0] == 1
    assert "bad.pdf" in (folder / "a-failures.csv").read_text()  # run a's, not replaced
    assert "worse.pdf" in (folder / "b-failures.csv").read_text()
    assert not (folder / "failures.csv").exists()
    assert main_in_process(capsys, good, "--model", tagger_file, *a)[0] == 0
    assert not (folder / "a-failures.csv").exists()  # run a's own, removed by its clean run
    assert "worse.pdf" in (folder / "b-failures.csv").read_text()  # run b's, kept


def test_a_clean_run_removes_the_failures_csv_its_run_of_an_older_version_wrote(
    tagger_file, tmp_path, capsys
):
    """Before failures tables were named after their tag table, a run into a.csv wrote
    failures.csv; its marker does not say so, and the next clean run removes that file too."""
    letters = tmp_path / "letters"
    good = text_letter(letters / "good.txt", "jtai")
    (letters / "bad.pdf").write_text("not a pdf")
    folder = tmp_path / "out"
    a = ["--out", folder / "a.csv", "--summary", folder / "a_letters.csv", "--no-report"]
    assert main_in_process(capsys, letters, "--model", tagger_file, *a)[0] == 1
    marker = folder / ".a.csv.commit.json"
    state = json.loads(marker.read_text())
    assert state.pop("failures_named") is True
    marker.write_text(json.dumps(state))  # as the older version left it
    (folder / "a-failures.csv").rename(folder / "failures.csv")
    assert main_in_process(capsys, good, "--model", tagger_file, *a)[0] == 0
    assert not (folder / "failures.csv").exists()


def test_a_batch_of_good_letters_exits_0_without_a_failures_table(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    text_letter(letters / "a.txt", "jtai")
    lf.make_html_letter(letters / "b.html", "focused_visit")
    out = tmp_path / "out" / "tags.csv"
    done = run_tag(letters, "--model", tagger_file, *outputs_of(out))
    assert done.returncode == 0, done.stderr
    assert without_council_warnings(done.stderr) == ""  # the letters' councils are invented
    assert "Tagged 2 letters" in done.stdout
    assert visible_files(out.parent) == {"tags.csv", "letters.csv", "report.html"}


# ---------------------------------------------------------------------------------------------
# Usage errors: exit 2, one clear line, no traceback, nothing written


def test_a_missing_model_is_a_usage_error_in_one_line(tmp_path):
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    done = run_tag(letter, "--model", tmp_path / "nothing.skops", *outputs_of(out))
    assert done.returncode == 2
    [line] = error_lines(done.stderr)
    assert line.startswith("error: model file") and "nothing.skops" in line
    assert "python -m train" in line
    assert done.stdout == ""
    assert not out.parent.exists()


def test_a_model_that_is_a_device_or_a_pipe_is_named_as_one(tmp_path, capsys):
    """Not "not found" (it is there), and never read: a device or a pipe may not end."""
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    pipe = tmp_path / "model.skops"
    os.mkfifo(pipe)
    for model in (Path("/dev/zero"), pipe):
        out = tmp_path / "out" / "tags.csv"
        status, _, err = main_in_process(capsys, letter, "--model", model, *outputs_of(out))
        assert status == 2
        assert error_lines(err) == [f"error: model {model} is not a regular file: give the "
                                    "model file"]  # fmt: skip


def test_a_model_that_is_a_folder_is_named_as_one(tmp_path, capsys):
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, letter, "--model", tmp_path, *outputs_of(out))
    assert status == 2
    assert error_lines(err) == [f"error: model {tmp_path} is a folder: give the model file "
                                f"(e.g. {tmp_path}/tagger.skops)"]  # fmt: skip


def test_an_incompatible_model_file_is_a_usage_error_in_one_line(tmp_path):
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    model = tmp_path / "tagger.skops"
    model.write_bytes(b"PK\x03\x04 this is not a tagger")
    out = tmp_path / "out" / "tags.csv"
    done = run_tag(letter, "--model", model, *outputs_of(out))
    assert done.returncode == 2
    [line] = error_lines(done.stderr)
    assert line.startswith("error: model file") and "not a tagger saved by this tool" in line
    assert not out.parent.exists()


def main_in_process(capsys, *args) -> tuple[int, str, str]:
    try:
        status = tag.main([*map(str, args)])
    except SystemExit as exit:  # fail(): the command's own exit
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"format_version": 99}, "incompatible version"),
        (["a", "list"], "incompatible version"),
    ],
)
def test_a_skops_file_of_another_kind_is_a_usage_error(tmp_path, capsys, payload, message):
    model = tmp_path / "tagger.skops"
    model.write_bytes(sio.dumps(payload))
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    status, _, err = main_in_process(
        capsys, letter, "--model", model, *outputs_of(tmp_path / "out" / "tags.csv")
    )
    assert status == 2
    [line] = error_lines(err)
    assert message in line and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("jobs", "message"),
    [("-1", "'-1': give 0 (automatic) or a number of workers"), ("two", "not a whole number")],
)
def test_a_number_of_workers_that_cannot_be_is_a_usage_error(tmp_path, capsys, jobs, message):
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, tmp_path, *outputs_of(out), "--jobs", jobs)
    assert status == 2
    assert f"error: argument --jobs: {message}" in err
    assert not out.parent.exists()


def test_report_and_no_report_together_are_a_usage_error(tmp_path, capsys):
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(
        capsys, tmp_path, "--out", out, "--report", tmp_path / "r.html", "--no-report"
    )
    assert status == 2 and "--report and --no-report: give one" in err  # --report was ignored
    assert not out.parent.exists()


def test_a_batch_never_starts_more_workers_than_files_or_cores(monkeypatch):
    from ofsted_themes.tagging import batch

    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)
    assert batch.workers_for(3, 16) == 2  # cores
    assert batch.workers_for(1, 2) == 1  # files
    assert batch.workers_for(100, 0) == 2  # automatic
    assert batch.workers_for(3, 0) == 1  # automatic, too few files to pay for a worker


@pytest.mark.parametrize(
    "option, message",
    [
        (["--threshold", "cse=1.5"], "thresholds lie between 0 and 1"),
        (["--threshold", "cse=-0.1"], "thresholds lie between 0 and 1"),
        (["--threshold", "cse=0.5", "--threshold", "cse=0.2"], "cse is given twice (cse=0.5"),
        (["--threshold", "cse=high"], "'high' is not a number"),
        (["--threshold", "cse"], "--threshold cse: give THEME=VALUE, e.g. cse=0.5"),
        (["--threshold", "bullying=0.3"], "unknown theme 'bullying' (themes: cse, missing"),
        (["--out", "{tmp}/out/tags.html"], "unsupported output format"),
        (["--summary", "{tmp}/out/letters.txt"], "unsupported output format"),
        (["--report", "{tmp}/out/report.csv"], "use .html"),
    ],
)
def test_a_bad_option_is_a_usage_error_and_writes_nothing(
    tagger_file, tmp_path, capsys, option, message
):
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    option = [o.format(tmp=tmp_path) for o in option]
    status, stdout, err = main_in_process(
        capsys, letter, "--model", tagger_file, *outputs_of(out), *option
    )
    assert status == 2
    [line] = error_lines(err)
    assert line.startswith("error: ") and message in line
    assert stdout == ""
    assert not out.parent.exists()


# ---------------------------------------------------------------------------------------------
# Options, in-process


def tagged_by_another(tags: pd.DataFrame) -> pd.Series:
    return (tags[["missing", "staffing", "oversight"]] == 1).any(axis=1)


def test_threshold_zero_tags_every_sentence_with_that_theme_only(tagger_file, tmp_path, capsys):
    letter = text_letter(tmp_path / "letter.txt", "ilacs_inspection")
    default, low = tmp_path / "default" / "tags.csv", tmp_path / "low" / "tags.csv"
    assert main_in_process(capsys, letter, "--model", tagger_file, *outputs_of(default))[0] == 0
    status, _, err = main_in_process(
        capsys, letter, "--model", tagger_file, *outputs_of(low), "--threshold", "cse=0"
    )
    assert status == 0
    assert "warning: --threshold cse=0 tags every sentence cse" in err  # said, as it is odd
    before, after = read_table(default), read_table(low)
    assert (after["cse"] == 1).all()
    assert (before["cse"] == 0).any()  # so the override made the difference
    # a sentence tagged now may raise a concern; every other column is as it was
    changed = ("cse", "evidence", "concern", "concern_score")
    others = [c for c in before.columns if c not in changed]
    pd.testing.assert_frame_equal(after[others], before[others])
    newly = (before["cse"] == 0) & ~tagged_by_another(before)
    assert (before.loc[newly, "concern_score"] == 0).all()


def test_text_column_chooses_the_sentence_column_of_a_table(tagger_file, tmp_path, capsys):
    table = tmp_path / "findings.csv"
    FINDINGS.to_csv(table, index=False)
    out = tmp_path / "out" / "tags.jsonl"
    status, *_ = main_in_process(
        capsys, table, "--model", tagger_file, *outputs_of(out), "--text-column", "finding"
    )
    assert status == 0
    tags = read_table(out)
    assert list(tags["text"]) == list(FINDINGS["finding"])
    assert list(tags.columns[-2:]) == ["ref", "inspector"]
    assert list(tags["ref"]) == ["F1", "F2"]


def test_a_run_in_which_every_file_fails_leaves_the_last_runs_tables(tagger_file, tmp_path, capsys):
    table = tmp_path / "findings.csv"
    FINDINGS.to_csv(table, index=False)
    out = tmp_path / "out" / "tags.csv"
    tagged = ["--model", tagger_file, *outputs_of(out)]
    assert main_in_process(capsys, table, *tagged, "--text-column", "finding")[0] == 0
    before = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    status, stdout, err = main_in_process(capsys, table, *tagged, "--text-column", "Findings")
    assert status == 1
    assert "no table or report written" in stdout and "no column 'Findings'" in stdout + err
    assert "Tagged no letter" in stdout and "every file failed" in stdout
    assert "cse 0" not in stdout  # counts of nothing, read as findings of none
    kept = ("failures.csv", ".tags.csv.commit.json")  # the marker records the failures table
    before = {name: data for name, data in before.items() if name not in kept}
    after = {p.name: p.read_bytes() for p in out.parent.iterdir() if p.name not in kept}
    assert after == before  # the tags, the summary and the report of the good run
    assert "Findings" in (out.parent / "failures.csv").read_text()


@pytest.mark.parametrize(
    ("option", "out"),
    [("--out", ""), ("--out", "."), ("--out", "/"), ("--out", ".."), ("--out", "dir.csv/"),
     ("--summary", "dir.csv/"), ("--report", "dir.html/")],
)  # fmt: skip
def test_an_out_naming_a_folder_is_a_usage_error(tmp_path, capsys, monkeypatch, option, out):
    """``--out .`` was a traceback (a path with an empty name) rather than a usage error, and
    ``--out dir.csv/`` wrote a file ``dir.csv``."""
    letter = text_letter(tmp_path / "a.txt", "jtai")
    monkeypatch.chdir(tmp_path)
    status, _, err = main_in_process(capsys, letter, option, out)
    assert status == 2 and "names a folder, not a file: give a file name" in err
    assert not (tmp_path / "dir.csv").exists() and not (tmp_path / "dir.html").exists()


def test_resume_says_which_earlier_letters_it_was_not_given(tagger_file, tmp_path, capsys):
    letters = tmp_path / "letters"
    kept, gone = (
        text_letter(letters / "kept.txt", "jtai"),
        text_letter(letters / "gone.txt", "jtai"),
    )
    table = letters / "t.csv"
    table.write_text("document,text\na,Caseloads are too high in the team.\n")
    out = tmp_path / "out" / "tags.csv"
    run = ("--model", tagger_file, "--out", out, "--no-report")
    assert main_in_process(capsys, letters, *run)[0] == 0
    gone.unlink()
    status, printed, err = main_in_process(capsys, letters, *run, "--resume")
    assert status == 0, err
    assert "note: 1 letter of the earlier outputs not among this run's inputs" in printed
    assert str(kept) in set(read_table(out.with_name("letters.csv"))["document"])
    status, printed, _ = main_in_process(capsys, kept, table, *run, "--resume")
    assert "note: 1 letter of the earlier" in printed  # gone.txt, not the table's letter


def test_resume_refuses_a_tag_table_a_spreadsheet_saved_again_in_windows_1252(
    tagger_file, tmp_path, capsys
):
    """Appending UTF-8 rows to it would make a file of two encodings; before, a bare
    UnicodeDecodeError named the table unreadable."""
    letters = tmp_path / "letters"
    text_letter(letters / "a.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    run = ("--model", tagger_file, "--out", out, "--no-report")
    assert main_in_process(capsys, letters, *run)[0] == 0
    rows = pd.read_csv(out, dtype=str, keep_default_na=False)
    rows.assign(text=rows["text"] + " It’s so.").to_csv(out, index=False, encoding="cp1252")
    saved = out.read_bytes()
    text_letter(letters / "b.txt", "jtai")
    with pytest.raises(OfstedThemesError) as refused:
        main_in_process(capsys, letters, *run, "--resume")
    assert f"--resume: {out} is not UTF-8" in str(refused.value)
    assert 'save it as "CSV UTF-8"' in str(refused.value)
    assert out.read_bytes() == saved


def test_resume_keeps_an_earlier_failure_of_a_file_it_is_not_given(tagger_file, tmp_path, capsys):
    """A resumed run given other letters removed the failures table: the file that failed
    before, still untagged, was named nowhere any more. Given again, it is tried again."""
    letters = tmp_path / "letters"
    good, bad = text_letter(letters / "good.txt", "jtai"), letters / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    later = text_letter(tmp_path / "later" / "later.txt", "focused_visit")
    out = tmp_path / "out" / "tags.csv"
    run = ("--model", tagger_file, "--out", out)
    assert main_in_process(capsys, good, bad, *run)[0] == 1
    status, _, err = main_in_process(capsys, later, *run, "--resume")
    assert status == 1  # the outputs hold a file that could not be tagged
    failed = read_table(out.with_name("failures.csv"))
    assert failed["file"].tolist() == [str(bad)] and "bad.pdf" in err
    assert "1 file could not be read" in out.with_name("report.html").read_text("utf-8")
    assert main_in_process(capsys, bad, *run, "--resume")[0] == 1  # tried again, failing again
    assert read_table(out.with_name("failures.csv"))["file"].tolist() == [str(bad)]  # once
    lf.make_pdf_letter(bad, "Caseloads are too high in the team.\n")  # mended
    status, _, err = main_in_process(capsys, bad, *run, "--resume")
    assert status == 0, err
    assert not out.with_name("failures.csv").exists()
    worse = letters / "worse.pdf"  # failing, then deleted: no longer a file to tag
    worse.write_bytes(b"not a pdf")
    assert main_in_process(capsys, worse, *run, "--resume")[0] == 1
    worse.unlink()
    assert main_in_process(capsys, later, *run, "--resume")[0] == 0
    assert not out.with_name("failures.csv").exists()


def test_resume_warns_of_a_letter_changed_since_it_was_tagged(tagger_file, tmp_path, capsys):
    """--resume skips a letter by name: a file replaced by a corrected one kept its old rows
    without a word. Saved again unchanged (a new time, the same bytes), it is not warned of."""
    import os

    letters = tmp_path / "letters"
    edited = text_letter(letters / "edited.txt", "jtai")
    saved = text_letter(letters / "saved.txt", "focused_visit")
    out = tmp_path / "out" / "tags.csv"
    run = ("--model", tagger_file, "--out", out)
    assert main_in_process(capsys, letters, *run)[0] == 0
    edited.write_text(edited.read_text() + "\nManagers do not check plans.\n")
    os.utime(saved, ns=(saved.stat().st_atime_ns, saved.stat().st_mtime_ns + 10**9))
    for _ in range(2):  # and again on the next resume: the rows are still the old file's
        status, _, err = main_in_process(capsys, letters, *run, "--resume")
        assert status == 0, err
        warning = next(line for line in err.splitlines() if "changed since" in line)
        assert warning.startswith("warning: 1 letter changed") and warning.endswith(str(edited))
        report = out.with_name("report.html").read_text(encoding="utf-8")
        assert "1 letter changed since an earlier run tagged the file" in report
    assert main_in_process(capsys, letters, *run)[0] == 0  # tagged afresh: the change taken
    status, _, err = main_in_process(capsys, letters, *run, "--resume")
    assert status == 0 and "changed since" not in err


def test_a_file_is_changed_by_its_size_or_else_by_its_bytes_where_its_time_moved(tmp_path):
    import os

    from ofsted_themes.core.digests import has_changed, stamp_of

    path = tmp_path / "a.txt"
    path.write_bytes(b"Caseloads are high.")
    stamp = stamp_of(path.stat(), path.read_bytes())
    assert not has_changed(path, stamp)
    path.write_bytes(b"Caseloads are lower")  # the same size, a new time
    assert has_changed(path, stamp)
    path.write_bytes(b"Caseloads are high.")
    os.utime(path, ns=(0, stamp.mtime_ns + 5))  # the same bytes, a new time: a copy
    assert not has_changed(path, stamp)
    path.write_bytes(b"Caseloads are high. Plans drift.")
    os.utime(path, ns=(0, stamp.mtime_ns))  # the same time, another size
    assert has_changed(path, stamp)
    path.unlink()
    assert not has_changed(path, stamp)  # gone: reading it says so, not this


def test_a_markers_damaged_file_entries_are_not_taken_for_stamps():
    from ofsted_themes.tagging.batch import recorded_stamps

    files = {"a": [10, 5, "ab"], "b": [10, "5", "ab"], "c": [10, 5], "d": "x", "e": [True, 5, "f"]}
    assert recorded_stamps({"files": files}) == {"a": (10, 5, "ab")}
    assert recorded_stamps({"files": ["a"]}) == {} and recorded_stamps({}) == {}


def test_resume_skips_the_letters_already_tagged(tagger_file, tmp_path, capsys, monkeypatch):
    letters = [
        text_letter(tmp_path / "letters" / f"{i}.txt", name)
        for i, name in enumerate(["monitoring_visit", "focused_visit", "jtai", "ilacs_inspection"])
    ]
    out = tmp_path / "out" / "tags.parquet"
    model = ["--model", tagger_file, *outputs_of(out), "--jobs", "1"]
    status, stdout, _ = main_in_process(capsys, *letters[:2], *model)
    assert status == 0 and "Tagged 2 letters" in stdout
    first = read_table(out)

    tagged: list[str] = []
    real = tagging.tag_letter

    def spy(tagger, letter, tags=None):
        tagged.append(letter.document)
        return real(tagger, letter, tags)

    monkeypatch.setattr(tagging, "tag_letter", spy)
    status, stdout, _ = main_in_process(capsys, tmp_path / "letters", *model, "--resume")
    assert status == 0
    assert "Tagged 2 letters" in stdout and "(2 already tagged, skipped)" in stdout
    assert "tagged sentences (all 4 letters in the outputs)" in stdout  # not this run's 2
    assert tagged == [str(p) for p in letters[2:]]
    tags = read_table(out)
    assert list(dict.fromkeys(tags["document"])) == [str(p) for p in letters]
    assert not tags.duplicated(["document", "sentence_no"]).any()
    pd.testing.assert_frame_equal(tags.head(len(first)), first)
    assert len(read_table(out.with_name("letters.csv"))) == 4


def test_an_interrupted_run_changes_no_output_and_leaves_no_temporary_file(
    tagger_file, tmp_path, capsys, monkeypatch, interrupt_third_letter
):
    letters = [
        text_letter(tmp_path / "letters" / f"{i}.txt", name)
        for i, name in enumerate(["monitoring_visit", "focused_visit", "jtai", "ilacs_inspection"])
    ]
    out = tmp_path / "out" / "tags.csv"
    model = ["--model", tagger_file, *outputs_of(out), "--jobs", "1"]
    assert main_in_process(capsys, letters[0], *model)[0] == 0
    before = {p.name: p.read_bytes() for p in out.parent.iterdir()}

    calls = interrupt_third_letter(monkeypatch)
    status, _, err = main_in_process(capsys, tmp_path / "letters", *model)
    assert status == 130
    assert "interrupted: no output was changed" in err
    assert len(calls) == 3
    assert {p.name: p.read_bytes() for p in out.parent.iterdir()} == before


def test_an_interrupted_first_run_says_what_it_kept_and_how_to_go_on(
    tagger_file, tmp_path, capsys, monkeypatch, interrupt_third_letter
):
    from ofsted_themes.tagging import letters as tagging

    monkeypatch.setattr(tagging, "GROUP_FILES", 1)
    for i, name in enumerate(["monitoring_visit", "focused_visit", "jtai", "ilacs_inspection"]):
        text_letter(tmp_path / "letters" / f"{i}.txt", name)
    out = tmp_path / "out" / "tags.csv"
    interrupt_third_letter(monkeypatch)
    status, printed, err = main_in_process(
        capsys, tmp_path / "letters", "--model", tagger_file, *outputs_of(out), "--jobs", "1"
    )
    assert status == 130
    assert (
        "interrupted: the 2 letters tagged before it are in the outputs; run the same command "
        "with --resume to tag the rest" in err
    )
    assert "Tagged 2 letters before the interrupt" in printed
    assert out.with_name("report.html").is_file()
    assert "this run was interrupted" in out.with_name("report.html").read_text()
    assert read_table(out.with_name("letters.csv"))["document"].str[-5:].tolist() == [
        "0.txt", "1.txt"
    ]  # fmt: skip


def test_ctrl_c_while_a_first_runs_outputs_are_written_waits_until_they_are(
    tagger_file, tmp_path, capsys, monkeypatch
):
    """Past the last letter, an interrupt threw away a whole first run's work."""
    import signal

    from ofsted_themes.tagging import batch

    for i, name in enumerate(["monitoring_visit", "focused_visit", "jtai"]):
        text_letter(tmp_path / "letters" / f"{i}.txt", name)
    written = batch.write_table

    def write_table(frame, path):
        os.kill(os.getpid(), signal.SIGINT)  # as the summary is written
        return written(frame, path)

    monkeypatch.setattr(batch, "write_table", write_table)
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, tmp_path / "letters", "--model", tagger_file,
                                     *outputs_of(out), "--jobs", "1")  # fmt: skip
    assert status == 130 and "interrupted: the outputs were written" in err
    assert len(read_table(out.with_name("letters.csv"))) == 3
    assert out.with_name("report.html").is_file()


# ---------------------------------------------------------------------------------------------
# A model from the MLflow registry


def test_an_alias_is_pinned_to_the_version_it_names_before_the_download(monkeypatch):
    """The version printed is the version downloaded: the alias is read once, and what is
    fetched is models:/name/N, which a moving alias cannot change."""
    from types import SimpleNamespace

    from ofsted_themes import pinned_model
    from ofsted_themes.tracking import registry

    asked = []

    class Client:
        def get_model_version_by_alias(self, name, alias):
            asked.append((name, alias))
            return SimpleNamespace(version=7)

    monkeypatch.setattr(registry, "connect_to_read", lambda uri: None)
    monkeypatch.setattr(registry, "MlflowClient", Client)
    assert pinned_model("models:/ofsted-themes@champion") == ("models:/ofsted-themes/7", "7")
    assert asked == [("ofsted-themes", "champion")]
    assert pinned_model("models:/ofsted-themes/3") == ("models:/ofsted-themes/3", "3")
    assert pinned_model("runs:/abc/tagger") == ("runs:/abc/tagger", None)
    assert pinned_model("models/tagger.skops") == ("models/tagger.skops", None)
    assert len(asked) == 1


def test_a_model_fetched_from_a_remote_store_leaves_no_download_behind(
    tmp_path, monkeypatch, tagger_file
):
    """A remote store's model is downloaded; MLflow, asked for no folder, downloads it into a
    new temporary one and leaves it there. Loading a tagger by URI cleans up after itself."""
    import tempfile

    import mlflow

    from ofsted_themes import load_tagger
    from ofsted_themes.tracking import registry

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    def download(artifact_uri, dst_path=None):  # as a remote store does
        folder = Path(dst_path or tempfile.mkdtemp())
        shutil.copy(tagger_file, folder / "tagger.skops")
        return str(folder)

    monkeypatch.setattr(registry, "connect_to_read", lambda uri: None)
    monkeypatch.setattr(mlflow.artifacts, "download_artifacts", download)
    tagger = load_tagger("models:/ofsted-themes/3")
    assert tagger.theme_ids == Tagger.load(tagger_file).theme_ids
    assert not list(temporary.iterdir())


def test_a_model_uri_without_a_store_is_an_error_and_leaves_no_store_behind(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    done = subprocess.run(
        [sys.executable, "-m", "tag", str(letter), "--model", "models:/ofsted-themes@champion",
         "--out", str(tmp_path / "out" / "tags.csv")],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    [line] = error_lines(done.stderr)
    assert line.startswith("error: cannot fetch model models:/ofsted-themes@champion: no MLflow")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.txt"]  # no mlflow.db made


@pytest.mark.slow
def test_a_registered_model_is_used_by_its_alias(tmp_path, new_mlflow_store):
    uri = new_mlflow_store(tmp_path / "mlflow")
    (tmp_path / "train").mkdir()
    trained = train_registered(tmp_path / "train", uri)
    letter = text_letter(tmp_path / "letter.txt", "focused_visit")
    out = tmp_path / "out" / "tags.csv"
    env = {"MLFLOW_TRACKING_URI": uri}
    done = run_tag(letter, "--model", "models:/ofsted-themes@champion", *outputs_of(out), env=env)
    assert done.returncode == 0, done.stderr
    assert "models:/ofsted-themes@champion (version 1, trained on" in done.stdout
    tags = read_table(out)
    assert len(tags) > 0
    local = Tagger.load(trained).predict(tags["text"].tolist())
    pd.testing.assert_frame_equal(tags[list(local.columns)].reset_index(drop=True), local)

    missing = run_tag(letter, "--model", "models:/ofsted-themes@nobody", *outputs_of(out), env=env)
    assert missing.returncode == 2
    [line] = error_lines(missing.stderr)
    assert line.startswith("error: cannot fetch model models:/ofsted-themes@nobody")


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("leters", "no such file or folder"),
        ("x" * 300 + ".txt", "no such file or folder"),  # a name too long: was a traceback
        ("letters/**/*.pdf", "no matching files"),  # a pattern that matches nothing
        ("empty", "files in this folder"),  # a folder with no letter in it
    ],
    ids=["typo", "name too long", "no match", "empty folder"],
)
def test_nothing_to_tag_is_a_usage_error_and_the_outputs_stay(
    tagger_file, tmp_path, capsys, given, reason
):
    letter = text_letter(tmp_path / "letters" / "a.txt", "jtai")
    (tmp_path / "empty").mkdir()
    out = tmp_path / "out" / "tags.csv"
    assert main_in_process(capsys, letter, "--model", tagger_file, *outputs_of(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    status, _, err = main_in_process(
        capsys, tmp_path / given, "--model", tagger_file, *outputs_of(out)
    )
    assert status == 2
    [line] = error_lines(err)
    assert line.startswith(f"error: {tmp_path / given}") and reason in line
    assert {p.name: p.read_bytes() for p in out.parent.iterdir()} == before


def test_the_summary_and_report_go_beside_out_unless_named(tagger_file, tmp_path, capsys):
    letter = text_letter(tmp_path / "letters" / "a.txt", "jtai")
    out = tmp_path / "mine" / "tags.csv"
    status, stdout, err = main_in_process(capsys, letter, "--model", tagger_file, "--out", out)
    assert status == 0, err
    assert visible_files(out.parent) == {"tags.csv", "letters.csv", "report.html"}
    fingerprint = Tagger.load(tagger_file).fingerprint()
    assert f"model {tagger_file} (trained on" in stdout and fingerprint in stdout
    from ofsted_themes.core.digests import file_digest  # its MLflow run's tag, to search by

    assert f"MLflow tagger_digest {file_digest(tagger_file)}" in stdout


def test_a_run_does_not_replace_the_summary_and_report_of_another_tag_table(
    tagger_file, tmp_path, capsys
):
    """Runs into ``x.xlsx`` and then ``x.jsonl`` both wrote ``x-letters.csv`` and
    ``x-report.html`` (and ``x-failures.csv``, which no option names): the second replaced the
    first's, unsaid, and the first's --resume refused. Now the second is a usage error, before
    any work, naming the first's table."""
    letter = text_letter(tmp_path / "letters" / "a.txt", "jtai")
    first, second = tmp_path / "out" / "x.xlsx", tmp_path / "out" / "x.jsonl"
    assert main_in_process(capsys, letter, "--model", tagger_file, "--out", first)[0] == 0
    summary = first.with_name("x-letters.csv").read_bytes()
    own = ("--summary", tmp_path / "out" / "y.csv", "--report", tmp_path / "out" / "y.html")
    for named in ((), own):  # its failures table would be the first's all the same
        with pytest.raises(ProblemsError) as refused:  # the command's usage error (status 2)
            main_in_process(capsys, letter, "--model", tagger_file, "--out", second, *named)
        assert str(refused.value) == (
            f"--out {second}: {first} beside it is another run's tag table of that name, whose "
            "summary, report and failures table this run's would replace: give --out another name"
        )
    assert first.with_name("x-letters.csv").read_bytes() == summary and not second.exists()
    again = ("--model", tagger_file, "--out", first, "--resume")  # its own run carries on
    assert main_in_process(capsys, letter, *again)[0] == 0
    other = tmp_path / "out" / "z.jsonl"  # named apart, it runs
    assert main_in_process(capsys, letter, "--model", tagger_file, "--out", other)[0] == 0


def test_an_earlier_runs_tables_copied_without_their_marker_are_not_letters(
    tagger_file, tmp_path, capsys
):
    """Outputs copied with ``cp out/*`` leave their hidden marker behind: the tag table and
    the summary among the letters were tagged as letters, every sentence counted twice."""
    folder = tmp_path / "letters"
    text_letter(folder / "a.txt", "jtai")
    first = tmp_path / "run1" / "tags.csv"
    assert main_in_process(capsys, folder, "--model", tagger_file, "--out", first)[0] == 0
    for name in ("tags.csv", "letters.csv"):
        shutil.copy(first.with_name(name), folder / name)
    again = tmp_path / "again" / "tags.csv"
    status, _, err = main_in_process(capsys, folder, "--model", tagger_file, "--out", again)
    assert status == 1, err
    assert read_table(again)["document"].unique().tolist() == [str(folder / "a.txt")]
    failed = read_table(again.with_name("failures.csv"))
    assert sorted(Path(f).name for f in failed["file"]) == ["letters.csv", "tags.csv"]
    alone = tmp_path / "alone" / "tags.csv"  # named on its own: a tag table tagged again
    assert (
        main_in_process(capsys, folder / "tags.csv", "--model", tagger_file, "--out", alone)[0] == 0
    )


def test_a_file_named_as_a_tables_letter_fails_rather_than_stopping_the_run(
    tagger_file, tmp_path, capsys
):
    folder = tmp_path / "in"
    text_letter(folder / "t.csv::a.txt", "jtai")
    (folder / "t.csv").write_text("document,text\na.txt,Caseloads are too high in the team.\n")
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, folder, "--model", tagger_file, "--out", out)
    assert status == 1 and "Traceback" not in err
    summary = read_table(out.with_name("letters.csv"))
    assert summary["document"].tolist() == [f"{folder}/t.csv::a.txt"]  # the first, tagged
    failed = pd.read_csv(out.with_name("failures.csv"))
    assert failed["reason"].str.startswith("another letter of this run has the same name").all()


def test_a_tag_table_tagged_again_reads_its_texts_without_the_spreadsheet_quote(
    tagger_file, tmp_path, capsys
):
    table = tmp_path / "in.csv"
    table.write_text('text\n"-5% fewer social workers were in post."\n=1+1 is not a formula.\n')
    first, again = tmp_path / "first" / "tags.csv", tmp_path / "again" / "tags.csv"
    for source, out in ((table, first), (first, again)):
        status, _, err = main_in_process(capsys, source, "--model", tagger_file, "--out", out)
        assert status == 0, err
    assert "'-5% fewer" in first.read_text()  # written safe for spreadsheets
    texts = read_table(again)["text"].tolist()  # read back as the sentences were
    assert texts == ["-5% fewer social workers were in post.", "=1+1 is not a formula."]


def test_a_tag_table_tagged_again_keeps_its_columns_under_an_input_prefix(
    tagger_file, tmp_path, capsys
):
    letter = text_letter(tmp_path / "letters" / "a.txt", "jtai")
    first = tmp_path / "first" / "tags.csv"
    assert main_in_process(capsys, letter, "--model", tagger_file, "--out", first)[0] == 0
    again = tmp_path / "again" / "tags.csv"
    status, _, err = main_in_process(capsys, first, "--model", tagger_file, "--out", again)
    assert status == 0, err
    before, after = read_table(first), read_table(again)
    assert after["input_sentence_no"].astype(int).tolist() == before["sentence_no"].tolist()
    assert after["input_cse_score"].tolist() == before["cse_score"].tolist()
    assert after["cse_score"].tolist() == before["cse_score"].tolist()  # same model, same scores


# --- --meta: letter metadata supplied or corrected by the user --------------------------------


def test_meta_supplies_and_corrects_letters_metadata(tagger_file, tmp_path, capsys):
    letters = tmp_path / "letters"
    letters.mkdir()
    for name in ("focused_visit", "monitoring_visit"):
        shutil.copy(lf.FIXTURES / f"{name}.txt", letters / f"{name}.txt")
    meta = tmp_path / "meta.csv"
    meta.write_text(
        "document,council,visit_date,judgement\n"
        "focused_visit.txt,Ashmoor Borough Council,2023-02-01,\n"  # by file name alone
        f"{letters / 'monitoring_visit.txt'},,,Inadequate\n"  # by the name tag gives it
        "not_tagged.pdf,Nowhere,,\n"
    )
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(
        capsys, letters, "--model", tagger_file, "--out", out, "--meta", meta, "--no-report"
    )
    assert status == 0, err
    summary = pd.read_csv(out.with_name("letters.csv"), dtype=str, keep_default_na=False)
    rows = summary.set_index(summary["document"].map(lambda d: Path(d).name))
    assert rows.loc["focused_visit.txt", "council"] == "Ashmoor"  # named as letters name it
    assert rows.loc["focused_visit.txt", "visit_date"] == "2023-02-01"
    assert rows.loc["focused_visit.txt", "visit_type"] == "focused visit"  # as read: kept
    assert rows.loc["monitoring_visit.txt", "judgement"] == "Inadequate"
    assert rows.loc["monitoring_visit.txt", "council"] == "Harrowfield"
    assert "not_tagged.pdf" in err and "match no letter" in err
    tags = read_table(out)  # the sentence rows carry the corrected council and year too
    mine = tags[tags["document"].map(lambda d: Path(d).name) == "focused_visit.txt"]
    assert set(mine["council"]) == {"Ashmoor"} and set(mine["year"].astype(str)) == {"2023"}


@pytest.fixture
def tag_notes(tagger_file, tmp_path, capsys):
    """`tag` of one letter, notes.txt, with the --meta table given; (status, stderr, summary)."""
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "notes.txt")
    meta, out = tmp_path / "meta.csv", tmp_path / "out" / "tags.csv"

    def run(table: str, encoding: str = "utf-8") -> tuple[int, str, pd.DataFrame | None]:
        meta.write_bytes(table.encode(encoding))
        status, _, err = main_in_process(
            capsys, letters, "--model", tagger_file, "--out", out, "--meta", meta, "--no-report"
        )
        summary = out.with_name("letters.csv")
        read = pd.read_csv(summary, dtype=str, keep_default_na=False) if status == 0 else None
        return status, err, read

    return run


def test_a_meta_csv_as_excel_saves_it_is_read_as_a_table_of_sentences_is(tag_notes):
    """A --meta CSV saved by Excel in Windows-1252 ("3 – 7 May") or with semicolons was
    refused ("cannot read it", "no 'document' column"), where a table of sentences is read."""
    status, err, summary = tag_notes(
        "document,visit_dates\r\nnotes.txt,3 – 7 May 2023\r\n", "cp1252"
    )
    assert status == 0, err
    assert summary.iloc[0]["visit_dates"] == "3 – 7 May 2023"
    for table in (
        "document;council\nnotes.txt;York\n",
        "sep=;\ndocument;council\nnotes.txt;York\n",
    ):
        status, err, summary = tag_notes(table)
        assert status == 0, err
        assert summary.iloc[0]["council"] == "York"


def test_a_meta_table_may_be_a_tsv_as_a_table_of_sentences_may(tagger_file, tmp_path, capsys):
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "notes.txt")
    meta, out = tmp_path / "meta.tsv", tmp_path / "out" / "tags.csv"
    meta.write_text("document\tcouncil\nnotes.txt\tYork, North\n")  # its comma no separator
    status, _, err = main_in_process(
        capsys, letters, "--model", tagger_file, "--out", out, "--meta", meta, "--no-report"
    )
    assert status == 0, err
    assert read_table(out.with_name("letters.csv"))["council"].tolist() == ["York, North"]


def test_meta_visit_dates_give_the_visit_date_their_last_day(tag_notes):
    """visit_dates "4 and 5 July 2023" beside a year set the visit date to the year alone;
    with a year they contradict, the row is an error naming the dates."""
    status, err, summary = tag_notes(
        "document,visit_dates,year\nnotes.txt,4 and 5 July 2023,2023\n"
    )
    assert status == 0, err
    row = summary.iloc[0]
    assert (row["visit_dates"], row["visit_date"], row["year"]) == (
        "4 and 5 July 2023",
        "2023-07-05",
        "2023",
    )
    status, err, _ = tag_notes("document,visit_dates,year\nnotes.txt,4 and 5 July 2023,2022\n")
    assert status == 2 and "year '2022' and visit_dates '4 and 5 July 2023' disagree" in err


def test_a_meta_table_over_the_row_limit_is_refused_not_cut_short(tag_notes):
    """A --meta CSV was read to the row limit and the rest left out without a word."""
    from ofsted_themes.core.limits import MAX_TABLE_ROWS

    rows = "".join(f"l{i}.txt,Leeds\n" for i in range(MAX_TABLE_ROWS)) + "notes.txt,York\n"
    status, err, _ = tag_notes("document,council\n" + rows)
    assert status == 2 and f"over {MAX_TABLE_ROWS:,} rows" in err


def test_a_meta_table_that_is_not_there_is_said_so_in_words(tagger_file, tmp_path, capsys):
    """It printed Python's "[Errno 2] No such file or directory: ..."."""
    status, _, err = main_in_process(
        capsys, lf.FIXTURES / "focused_visit.txt", "--model", tagger_file,
        "--out", tmp_path / "t.csv", "--meta", tmp_path / "nope.csv", "--no-report",
    )  # fmt: skip
    assert status == 2 and f"--meta {tmp_path / 'nope.csv'}: no such file" in err
    assert "Errno" not in err


def test_meta_gives_a_year_when_only_the_year_is_known(tag_notes):
    status, err, summary = tag_notes("document,year\nnotes.txt,2021\n")
    assert status == 0, err
    row = summary.iloc[0]
    assert (row["visit_date"], row["year"]) == ("2021", "2021")  # before: 'unknown columns'
    assert row["visit_dates"] == ""  # the dates read, of 2023, are not this visit's
    status, err, summary = tag_notes("document,year\nnotes.txt,2023\n")  # the year read
    assert summary.iloc[0]["visit_date"] == "2023-02-01"  # agrees: the date read is kept
    assert "2023" in summary.iloc[0]["visit_dates"]
    status, err, summary = tag_notes("document,visit_date\nnotes.txt,2022-06-09\n")
    assert (summary.iloc[0]["visit_date"], summary.iloc[0]["visit_dates"]) == ("2022-06-09", "")
    status, err, _ = tag_notes("document,year\nnotes.txt,21\n")
    assert status == 2 and "year '21' is not a date (YYYY-MM-DD) or a year (YYYY)" in err
    status, err, _ = tag_notes("document,year,visit_date\nnotes.txt,2019,2020-05-01\n")
    assert status == 2 and "year '2019' and visit_date '2020-05-01' disagree" in err


def test_meta_headers_and_years_as_a_spreadsheet_writes_them_are_read(tag_notes):
    """ "Document" was "no 'document' column", and a year of 2021.0 (pandas', of a column with
    gaps) or a date cell's midnight "not a date": a table of sentences takes all of them."""
    status, err, summary = tag_notes("Document,Council ,YEAR\nnotes.txt,Ashmoor,2021.0\n")
    assert status == 0, err
    assert (summary.iloc[0]["council"], summary.iloc[0]["year"]) == ("Ashmoor", "2021")
    for written in ("2022-06-09 00:00:00", "9 June 2022"):  # a date cell; a person's date
        status, err, summary = tag_notes(f"document,visit_date\nnotes.txt,{written}\n")
        assert status == 0, err
        assert summary.iloc[0]["visit_date"] == "2022-06-09"
    status, err, _ = tag_notes("document,Council,council\nnotes.txt,A,B\n")
    assert status == 2 and "unknown columns ['Council']" in err  # two councils: not guessed


@pytest.mark.parametrize(
    ("written", "named"),
    [("JTAI", "joint targeted area inspection"), ("ilacs", "inspection"),
     ("Focused  Visit", "focused visit"), ("inspection (SIF)", "inspection"),
     ("Assurance visit", "Assurance visit"), ("Area SEND inspection", "Area SEND inspection"),
     ("Inspection of children's homes", "Inspection of children's homes"),
     ("Standard inspection", "inspection")],
)  # fmt: skip
def test_meta_kinds_of_visit_are_named_as_the_summary_names_them(written, named):
    from ofsted_themes.reading.metadata import visit_kind

    assert visit_kind(written) == named  # anything else is kept as written


def test_meta_names_a_kind_of_visit_as_the_summary_does_and_one_row_a_letter(tag_notes):
    status, err, summary = tag_notes("document,visit_type\nnotes.txt,Monitoring  Visit\n")
    assert status == 0, err
    assert summary["visit_type"].tolist() == ["monitoring visit"]  # one kind, one roll-up row
    status, err, _ = tag_notes("document,council\nnotes.txt,Leeds\nnotes.txt,York\n")
    assert status == 2 and "row 3: 'notes.txt' is named by row 2 too" in err


def test_a_meta_file_name_two_letters_share_is_refused_unless_the_other_is_named_whole(
    tagger_file, tmp_path, capsys
):
    for folder in ("north", "south"):
        (tmp_path / folder).mkdir()
        shutil.copy(lf.FIXTURES / "focused_visit.txt", tmp_path / folder / "visit.txt")
    letters = [tmp_path / "north", tmp_path / "south"]
    meta, out = tmp_path / "meta.csv", tmp_path / "out" / "tags.csv"
    run = ("--model", tagger_file, "--out", out, "--meta", meta, "--no-report")
    meta.write_text("document,council\nvisit.txt,Ashmoor Borough Council\n")
    refused = run_tag(*letters, *run)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "'visit.txt' could be any of 2 letters" in refused.stderr
    assert "north" in refused.stderr and "south" in refused.stderr
    assert not out.exists()

    north = (tmp_path / "north" / "visit.txt").resolve()
    meta.write_text(f"document,council\nvisit.txt,Ashmoor Borough Council\n{north},Northby\n")
    assert main_in_process(capsys, *letters, *run)[0] == 0
    summary = pd.read_csv(out.with_name("letters.csv"), dtype=str)
    folders = summary["document"].map(lambda d: Path(d).parent.name)
    councils = dict(zip(folders, summary["council"], strict=True))
    assert councils == {"north": "Northby", "south": "Ashmoor"}


def test_a_meta_file_name_two_letters_of_a_table_share_stops_the_run(tagger_file, tmp_path, capsys):
    """A table's letters are known only as it is read: the row is refused when it reaches the
    second, and nothing is written."""
    table = tmp_path / "sentences.csv"
    table.write_text(
        "document,text\n"
        "north/visit.pdf,Managers check the plans.\n"
        "south/visit.pdf,Caseloads are high.\n"
    )
    meta, out = tmp_path / "meta.csv", tmp_path / "out" / "tags.csv"
    meta.write_text("document,council\nvisit.pdf,Ashmoor Borough Council\n")
    with pytest.raises(ProblemsError, match=r"'visit\.pdf' could be any of 2 letters"):
        tag.main([str(table), "--model", str(tagger_file), "--out", str(out), "--meta",
                  str(meta), "--no-report", "--jobs", "1"])  # fmt: skip
    assert not out.exists() and not out.with_name("letters.csv").exists()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("council\nLeeds\n", "no 'document' column"),
        ("document,county\nx.pdf,Leeds\n", "unknown columns ['county']"),
        # before: "unknown columns ['council.1']", pandas's name for the second
        ("document,council,council\nx.pdf,Leeds,York\n", "columns named twice: 'council'"),
        ("document,visit_date\nx.pdf,May 2019\n", "row 2: visit_date 'May 2019' is not a date"),
    ],
)
def test_a_meta_table_it_cannot_use_is_a_usage_error_before_any_output(
    tagger_file, tmp_path, capsys, table, message
):
    meta = tmp_path / "meta.csv"
    meta.write_text(table)
    out = tmp_path / "tags.csv"
    status, _, err = main_in_process(
        capsys, lf.FIXTURES / "focused_visit.txt", "--model", tagger_file, "--out", out,
        "--meta", meta,
    )  # fmt: skip
    assert status == 2
    assert message in err and err.startswith("error:")
    assert not out.exists() and not out.with_name("letters.csv").exists()


def test_help_names_every_output_format_and_the_defaults():
    from ofsted_themes.core.tables import FORMATS

    done = run_tag("--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    out_help = text[text.index("--out OUT the") :]  # the option, not the usage line
    assert all(suffix in out_help[:200] for suffix in FORMATS), out_help[:200]
    assert "(default: reports/tags.csv)" in text and "(default: models/tagger.skops)" in text


def test_an_empty_path_is_not_the_working_folder(tagger_file, tmp_path, capsys):
    # Path("") is ".": tagging it would tag everything under the folder the user stands in
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, "", "--model", tagger_file, *outputs_of(out))
    assert status == 2
    assert error_lines(err) == ["error: '': no such file or folder"]
    assert not out.parent.exists()


@pytest.fixture
def command_process(monkeypatch):
    """This process as a command's own (run_command's), and its collector as it was after."""
    monkeypatch.setattr(common, "_in_command", True)
    yield
    gc.unfreeze()
    gc.enable()


def test_a_command_starts_without_the_collector_and_freezes_what_it_made(command_process):
    frozen = gc.get_freeze_count()
    with common.starting_up():
        assert not gc.isenabled()
        made = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(made)


def test_a_failed_start_leaves_the_collector_on(command_process):
    with pytest.raises(ValueError), common.starting_up():
        raise ValueError("no model")
    assert gc.isenabled()


def test_the_tag_command_and_its_workers_freeze_their_start(tagger_file, tmp_path):
    """In their own processes: `tag` (run_command) and a `--jobs` worker's start."""
    letter = text_letter(tmp_path / "letters" / "a.txt", "jtai")
    report = "print('frozen', gc.get_freeze_count() > 10_000, gc.isenabled())"
    command = (
        "import atexit, gc, sys\n"
        "from ofsted_themes.cli import tag\n"
        f"atexit.register(lambda: {report})\n"
        f"sys.argv = ['tag', {str(letter)!r}, '--model', {str(tagger_file)!r}, "
        f"'--out', {str(tmp_path / 'out' / 'tags.csv')!r}, '--no-report']\n"
        "tag.run()"
    )
    worker = (
        "import gc\n"
        "from ofsted_themes.tagging.letters import _init_worker\n"
        f"_init_worker({str(tagger_file)!r}, {{}})\n{report}"
    )
    for code in (command, worker):
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[-1] == "frozen True True"


def test_a_start_leaves_a_collector_turned_off_off(command_process):
    gc.disable()
    with common.starting_up():
        pass
    assert not gc.isenabled()


def test_called_as_a_function_a_command_leaves_the_collector_alone():
    frozen = gc.get_freeze_count()
    with common.starting_up():
        assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def one_letter_tagged(tagger_file, tmp_path, capsys, suffix: str) -> tuple[Path, Path, tuple]:
    """letters/ holding focused_visit.txt, tagged into out/tags<suffix>; the folder, the table
    and the options of the run."""
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "focused_visit.txt")
    out = tmp_path / "out" / f"tags{suffix}"
    run = ("--model", tagger_file, "--out", out, "--no-report")
    assert main_in_process(capsys, letters, *run)[0] == 0
    return letters, out, run


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_meta_given_to_a_resumed_run_corrects_the_letters_it_skips(
    tagger_file, tmp_path, capsys, suffix
):
    letters, out, run = one_letter_tagged(tagger_file, tmp_path, capsys, suffix)
    shutil.copy(lf.FIXTURES / "monitoring_visit.txt", letters / "monitoring_visit.txt")
    meta = tmp_path / "meta.csv"
    meta.write_text("document,council\nfocused_visit.txt,Ashmoor\n")
    status, printed, err = main_in_process(capsys, letters, *run, "--resume", "--meta", meta)
    assert status == 0, err
    assert "1 already tagged" in printed and "match no letter" not in err
    summary = pd.read_csv(out.with_name("letters.csv"), dtype=str, keep_default_na=False)
    names = summary["document"].map(lambda d: Path(d).name)
    councils = dict(zip(names, summary["council"], strict=True))
    assert councils == {"focused_visit.txt": "Ashmoor", "monitoring_visit.txt": "Harrowfield"}
    tags = read_table(out)  # the earlier letter's sentence rows are corrected too
    rows = dict(zip(tags["document"].map(lambda d: Path(d).name), tags["council"], strict=True))
    assert rows == councils


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_resuming_a_table_written_without_council_and_year_gives_every_row_them(
    tagger_file, tmp_path, capsys, monkeypatch, suffix
):
    """A table an earlier version wrote, of more rows than are held at once (the first rows
    written have no council: a column of no value, which must still take text later)."""
    from ofsted_themes.core.tables import write_table
    from ofsted_themes.tagging import sinks

    monkeypatch.setattr(sinks, "BUFFERED_ROWS", 5)
    letters, out, run = one_letter_tagged(tagger_file, tmp_path, capsys, suffix)
    write_table(read_table(out).drop(columns=["council", "year"]), out)  # as it was written
    shutil.copy(lf.FIXTURES / "monitoring_visit.txt", letters / "monitoring_visit.txt")
    status, _, err = main_in_process(capsys, letters, *run, "--resume")
    assert status == 0, err
    tags = read_table(out)
    assert list(tags.columns[:3]) == ["document", "council", "year"]
    names = tags["document"].map(lambda d: Path(d).name)
    assert dict(zip(names, tags["council"], strict=True)) == {
        "focused_visit.txt": "Lowmoor", "monitoring_visit.txt": "Harrowfield"
    }  # fmt: skip
    assert tags["year"].notna().all()


def test_a_run_says_when_it_replaces_letters_of_an_earlier_one_and_leaves_its_report(
    tagger_file, tmp_path, capsys
):
    letters = tmp_path / "letters"
    letters.mkdir()
    for name in ("focused_visit", "monitoring_visit"):
        shutil.copy(lf.FIXTURES / f"{name}.txt", letters / f"{name}.txt")
    out = tmp_path / "out" / "tags.csv"
    run = ("--model", tagger_file, "--out", out)
    assert main_in_process(capsys, letters, *run)[0] == 0
    status, printed, _ = main_in_process(capsys, letters / "focused_visit.txt", *run, "--no-report")
    assert status == 0
    assert "had 1 letter not in this run" in printed and "--resume" in printed
    assert "report.html is an earlier run's" in printed
    status, printed, _ = main_in_process(capsys, letters / "focused_visit.txt", *run)
    assert "not in this run" not in printed and "earlier run's" not in printed


def test_the_report_names_the_model_as_mlflow_does_its_quality_and_the_files_that_failed(
    tagger_file, tmp_path, capsys
):
    from ofsted_themes.core.digests import file_digest

    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "focused_visit.txt")
    (letters / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 not a letter we read")
    out = tmp_path / "out" / "tags.csv"
    status, _, _ = main_in_process(capsys, letters, "--model", tagger_file, "--out", out)
    assert status == 1  # a file failed
    page = out.with_name("report.html").read_text(encoding="utf-8")
    assert f"MLflow tagger_digest {file_digest(tagger_file)}" in page
    assert "in grouped cross-validation on its training data" in page
    assert "1 file could not be read: see failures.csv" in page  # from the report's folder


def test_the_report_names_the_failures_table_from_its_own_folder(tagger_file, tmp_path, capsys):
    """A reader opens the report where it is: the failures table is named from there, not from
    the folder the run was started in."""
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "focused_visit.txt")
    (letters / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 not a letter we read")
    out = tmp_path / "tables" / "2019.csv"
    report = tmp_path / "pages" / "report.html"
    options = ["--model", tagger_file, "--out", out, "--report", report]
    assert main_in_process(capsys, letters, *options)[0] == 1
    page = report.read_text(encoding="utf-8")
    assert "could not be read: see ../tables/2019-failures.csv" in page
    assert (report.parent / "../tables/2019-failures.csv").is_file()


def test_runs_into_one_folder_under_their_own_names_keep_their_own_summaries(
    tagger_file, tmp_path, capsys
):
    """--out res/2023.csv then --out res/2022.csv shared letters.csv and report.html: the
    second run replaced the first's summary and report, and resuming the first was refused."""
    folder = tmp_path / "res"
    for year, letter in (("2023", "jtai.txt"), ("2022", "focused_visit.txt")):
        run = ("--model", tagger_file, "--out", folder / f"{year}.csv")
        assert main_in_process(capsys, lf.FIXTURES / letter, *run)[0] == 0
    for year, letter in (("2023", "jtai.txt"), ("2022", "focused_visit.txt")):
        summary = read_table(folder / f"{year}-letters.csv")
        assert [Path(d).name for d in summary["document"]] == [letter]
        assert letter in (folder / f"{year}-report.html").read_text(encoding="utf-8")
    run = ("--model", tagger_file, "--out", folder / "2023.csv", "--resume")
    assert main_in_process(capsys, lf.FIXTURES / "jtai.txt", *run)[0] == 0
    assert not (folder / "letters.csv").exists()


def test_a_letter_without_a_sentence_is_counted_with_a_warning(tagger_file, tmp_path, capsys):
    """A scan with a scrap of text, or headings alone, gives a letter of 0 sentences: still a
    row of the summary (so --resume does not read it again), and named on the terminal and in
    the report, where a reader of the letter counts will see it."""
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "focused_visit.txt")
    (letters / "scan.txt").write_text("Page 1 of 3\nPrinted 04/05/2023 10:12\n", encoding="utf-8")
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, letters, "--model", tagger_file, "--out", out)
    assert status == 0, err
    [warning] = [line for line in err.splitlines() if "gave no sentence" in line]
    assert "1 letter gave no sentence" in warning and warning.endswith("scan.txt")
    assert "focused_visit" not in warning
    summary = pd.read_csv(out.with_name("letters.csv"))
    assert summary.set_index("document")["sentences"].min() == 0 and len(summary) == 2
    page = out.with_name("report.html").read_text(encoding="utf-8")
    assert "1 letter gave no sentence, each counted as a letter with 0 sentences" in page
    # resumed with another letter: the summary and the report still count it, and say so
    shutil.copy(lf.FIXTURES / "jtai.txt", letters / "jtai.txt")
    options = ["--model", tagger_file, "--out", out, "--resume"]
    status, _, err = main_in_process(capsys, letters, *options)
    assert status == 0, err
    assert any("1 letter gave no sentence" in line for line in err.splitlines())
    page = out.with_name("report.html").read_text(encoding="utf-8")
    assert "1 letter gave no sentence" in page and "scan.txt" in page


def test_a_council_that_is_no_authority_is_warned_of(tagger_file, tmp_path, capsys):
    """A council that is none of England's authorities (a typo in a table, an invented or a
    misread name) counts under a name of its own: named on the terminal and in the report, so a
    reader of counts by council can correct it; a council given by --meta is not warned of."""
    table = tmp_path / "findings.csv"
    rows = [
        ("Leeds City Council", "Caseloads are high and social workers leave."),
        ("Wigan MBC", "Managers do not oversee decisions on children's plans."),
        ("Leeds Citty", "Children who go missing are not offered return home interviews."),
    ]
    pd.DataFrame(rows, columns=["council", "text"]).to_csv(table, index=False)
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, table, "--model", tagger_file, "--out", out)
    assert status == 0, err
    [warning] = [line for line in err.splitlines() if "none of England's" in line]
    assert warning.startswith("warning: 1 letter named a council") and "(Leeds Citty)" in warning
    assert "Wigan" not in warning and "(Leeds)" not in warning
    page = out.with_name("report.html").read_text(encoding="utf-8")
    assert "none of England&#39;s local authorities" in page and "Leeds Citty" in page
    # an invented council read from a letter; corrected by --meta, no longer warned of
    shutil.copy(lf.FIXTURES / "focused_visit.txt", tmp_path / "focused_visit.txt")
    status, _, err = main_in_process(
        capsys, tmp_path / "focused_visit.txt", "--model", tagger_file, "--out", out
    )
    assert status == 0, err
    assert any("none of England's" in line and "(Lowmoor)" in line for line in err.splitlines())
    meta = tmp_path / "meta.csv"
    meta.write_text("document,council\nfocused_visit.txt,Leeds\n", encoding="utf-8")
    run = ("--model", tagger_file, "--out", out, "--meta", meta)
    status, _, err = main_in_process(capsys, tmp_path / "focused_visit.txt", *run)
    assert status == 0, err
    assert "none of England's" not in err
    assert "none of England" not in out.with_name("report.html").read_text(encoding="utf-8")


def test_table_rows_of_several_sentences_are_warned_of_or_split(tagger_file, tmp_path, capsys):
    """A table of paragraphs was tagged a paragraph a sentence, unsaid: its letters' counts
    and shares were of paragraphs. The terminal and the report say so and name --split-rows,
    which tags each sentence as a row."""
    table = tmp_path / "paragraphs.csv"
    paragraphs = [
        ("Leeds", "2022", "Caseloads are high. Many social workers have left the service."),
        ("Leeds", "2022", "Managers do not oversee plans."),
    ]
    pd.DataFrame(paragraphs, columns=["council", "year", "text"]).to_csv(table, index=False)
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, table, "--model", tagger_file, "--out", out)
    assert status == 0, err
    [warning] = [line for line in err.splitlines() if "several sentences" in line]
    assert "--split-rows" in warning and warning.endswith("paragraphs.csv (1 row)")
    assert "--split-rows" in out.with_name("report.html").read_text(encoding="utf-8")
    assert len(read_table(out)) == 2
    run = ("--model", tagger_file, "--out", out, "--split-rows")
    status, printed, err = main_in_process(capsys, table, *run)
    assert status == 0, err
    assert "several sentences" not in err and "Tagged 1 letter, 3 sentences" in printed
    assert "--split-rows" not in out.with_name("report.html").read_text(encoding="utf-8")
    assert read_table(out)["text"].tolist()[1] == "Many social workers have left the service."


def test_resume_keeps_the_warning_of_rows_of_several_and_reads_rows_as_before(
    tagger_file, tmp_path, capsys
):
    """A resume that tagged other letters dropped the warning, though the outputs still held
    the rows of several; and one given --split-rows appended split rows to rows as given."""
    table = tmp_path / "paragraphs.csv"
    table.write_text("text\nCaseloads are high. Many social workers have left the service.\n")
    later = text_letter(tmp_path / "later.txt", "jtai")
    out = tmp_path / "out" / "tags.csv"
    run = ("--model", tagger_file, "--out", out)
    assert main_in_process(capsys, table, *run)[0] == 0
    status, _, err = main_in_process(capsys, table, later, *run, "--resume")
    assert status == 0, err
    assert any("several sentences" in line and "paragraphs.csv (1 row)" in line
               for line in err.splitlines())  # fmt: skip
    assert "--split-rows" in out.with_name("report.html").read_text(encoding="utf-8")
    with pytest.raises(ProblemsError, match="read tables' rows as given: resume without"):
        main_in_process(capsys, table, later, *run, "--resume", "--split-rows")


def test_a_letter_whose_council_or_year_is_not_read_is_warned_of(tagger_file, tmp_path, capsys):
    """A letter whose council or visit year its text does not give counts under "unknown"
    there: named on the terminal and in the report with what is missing, until --meta gives
    it; a table's letter whose rows disagree is warned of as that alone."""
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / "notes.txt").write_text(
        "Notes from a visit\n\nCaseloads are high and social workers leave the service.\n",
        encoding="utf-8",
    )
    pd.DataFrame(
        [("Leeds", "2022", "Plans drift."), ("York", "2022", "Caseloads are high.")],
        columns=["council", "year", "text"],
    ).assign(document="mixed").to_csv(letters / "t.csv", index=False)
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "focused_visit.txt")
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, letters, "--model", tagger_file, "--out", out)
    assert status == 0, err
    [warning] = [line for line in err.splitlines() if "none read from the letter" in line]
    assert warning.startswith("warning: 1 letter gave no council or no visit year")
    assert warning.endswith("notes.txt (council, year)")
    page = out.with_name("report.html").read_text(encoding="utf-8")
    assert "notes.txt (council, year)" in page
    meta = tmp_path / "meta.csv"
    meta.write_text("document,council,year\nnotes.txt,Leeds,2023\n", encoding="utf-8")
    run = ("--model", tagger_file, "--out", out, "--meta", meta, "--resume")
    status, _, err = main_in_process(capsys, letters, *run)
    assert status == 0, err
    assert not [line for line in err.splitlines() if "none read from" in line and "notes" in line]
    assert "notes.txt (council, year)" not in out.with_name("report.html").read_text("utf-8")


def test_a_tables_letter_of_blank_rows_is_a_letter_without_a_sentence(
    tagger_file, tmp_path, capsys
):
    """A letter a table's document column names, whose every text is blank, is counted and
    warned of as any letter without a sentence, never dropped unsaid; a spreadsheet's trailing
    rows, naming no letter, are no letter."""
    table = tmp_path / "findings.csv"
    table.write_text(
        "document,text\n"
        "a.pdf,Caseloads are too high in the assessment teams.\n"
        "b.pdf,\n"
        "b.pdf,   \n"
        "c.pdf,Managers do not oversee the plans of children.\n"
        ",\n"
        ",\n",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, table, "--model", tagger_file, "--out", out)
    assert status == 0, err
    summary = pd.read_csv(out.with_name("letters.csv")).set_index("document")
    names = [f"{table}::{n}" for n in ("a.pdf", "c.pdf", "b.pdf")]
    assert sorted(summary.index) == sorted(names)
    assert summary.loc[f"{table}::b.pdf", "sentences"] == 0
    assert any("1 letter gave no sentence" in line and "b.pdf" in line for line in err.splitlines())
    assert len(pd.read_csv(out)) == 2


def test_the_report_names_letters_counted_twice(tagger_file, tmp_path, capsys):
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "visit.txt")
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "copy <i>2.txt")
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, letters, "--model", tagger_file, "--out", out)
    assert status == 0, err
    page = out.with_name("report.html").read_text(encoding="utf-8")
    assert "1 letter with the very same sentences as another, each counted" in page
    assert f"{letters}/visit.txt = {letters}/copy &lt;i&gt;2.txt" in page


def test_tag_piped_into_a_reader_that_stops_early_exits_quietly(tagger_file, tmp_path):
    letters = tmp_path / "letters"
    letters.mkdir()
    for i in range(3):
        (letters / f"{i}.txt").write_text("Caseloads are high.\n", encoding="utf-8")
    out = tmp_path / "out" / "tags.csv"
    command = [sys.executable, "-m", "tag", letters, "--model", tagger_file, "--out", out]
    with subprocess.Popen(list(map(str, command)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=ROOT) as process:  # fmt: skip
        process.stdout.close()  # the reader has gone before tag prints
        err = process.stderr.read().decode()
        status = process.wait(timeout=120)
    assert "Traceback" not in err and status == 141, err
    assert out.is_file()  # the outputs were written before the print that met the closed pipe


def test_one_letter_in_two_files_is_counted_twice_with_a_warning(tagger_file, tmp_path, capsys):
    letters = tmp_path / "letters"
    (letters / "copies").mkdir(parents=True)
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "focused_visit.txt")
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "copies" / "visit.txt")
    shutil.copy(lf.FIXTURES / "jtai.txt", letters / "jtai.txt")
    out = tmp_path / "out" / "tags.csv"
    status, _, err = main_in_process(capsys, letters, "--model", tagger_file, "--out", out)
    assert status == 0
    [warning] = [line for line in err.splitlines() if "very same sentences" in line]
    assert "visit.txt" in warning and "focused_visit.txt" in warning and "jtai" not in warning
    assert len(pd.read_csv(out.with_name("letters.csv"))) == 3  # each still counted


def test_meta_councils_are_named_as_letters_name_them_so_one_council_is_one_row(tag_notes):
    status, err, summary = tag_notes("document,council\nnotes.txt,Westbridge City Council\n")
    assert status == 0, err
    assert summary["council"].tolist() == ["Westbridge"]


def test_an_output_that_is_the_meta_table_is_refused_and_the_table_kept(
    tagger_file, tmp_path, capsys
):
    meta = tmp_path / "meta.csv"
    meta.write_text("document,council\nfocused_visit.txt,Foo\n")
    letter = lf.FIXTURES / "focused_visit.txt"
    for option in ("--out", "--summary"):
        other = tmp_path / ("tags.csv" if option == "--summary" else "letters.csv")
        done = run_tag(
            letter, "--model", tagger_file, option, meta,
            "--summary" if option == "--out" else "--out", other, "--meta", meta, "--no-report",
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert f"{option} {meta} is one of the inputs" in done.stderr
        assert meta.read_text() == "document,council\nfocused_visit.txt,Foo\n"


def test_meta_that_is_not_a_table_says_so(tagger_file, tmp_path, capsys):
    meta = tmp_path / "meta.txt"
    meta.write_text("document,council\n")
    status, _, err = main_in_process(
        capsys, lf.FIXTURES / "focused_visit.txt", "--model", tagger_file,
        "--out", tmp_path / "tags.csv", "--meta", meta,
    )  # fmt: skip
    assert status == 2
    assert error_lines(err) == [f"error: --meta {meta}: not a table; give one of "
                                ".csv, .tsv, .xlsx, .jsonl, .parquet"]  # fmt: skip


@pytest.mark.skipif(not Path("/dev/fd/0").exists(), reason="no /dev/fd on this system")
def test_standard_input_named_fails_by_its_own_name_not_the_file_it_reads(
    tagger_file, tmp_path, capsys
):
    """/dev/stdin redirected from a letter failed as "unsupported format" under that letter's
    name, which was tagged all the same."""
    letter = text_letter(tmp_path / "letter.txt", "jtai")
    descriptor = os.open(letter, os.O_RDONLY)  # as "< letter.txt" opens it for /dev/stdin
    try:
        status, _, _ = main_in_process(
            capsys, f"/dev/fd/{descriptor}", letter, "--model", tagger_file,
            "--out", tmp_path / "out" / "tags.csv", "--jobs", "1",
        )  # fmt: skip
    finally:
        os.close(descriptor)
    assert status == 1
    failures = pd.read_csv(tmp_path / "out" / "failures.csv", dtype=str)
    assert list(failures["file"]) == [f"/dev/fd/{descriptor}"]
    assert list(failures["reason"].str.split(" [(]").str[0]) == ["not a regular file"]


def test_meta_that_is_not_a_file_is_refused_before_any_work(tagger_file, tmp_path, capsys):
    pipe = tmp_path / "meta.csv"
    os.mkfifo(pipe)  # reading it would wait for a writer for ever
    status, _, err = main_in_process(
        capsys, lf.FIXTURES / "jtai.txt", "--model", tagger_file, "--out", tmp_path / "t.csv",
        "--meta", pipe,
    )  # fmt: skip
    assert status == 2 and "--meta" in err and "not a file" in err


def test_the_summary_gives_each_letter_its_year_dated_or_named(tagger_file, tmp_path, capsys):
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(lf.FIXTURES / "focused_visit.txt", letters / "focused_visit.txt")
    (letters / "Oakridge focused visit 2020.txt").write_text("Caseloads are high.\n")
    out = tmp_path / "out" / "tags.csv"
    assert main_in_process(capsys, letters, "--model", tagger_file, "--out", out)[0] == 0
    summary = pd.read_csv(out.with_name("letters.csv"), dtype=str)
    years = dict(zip(summary["document"].map(lambda d: Path(d).name), summary["year"], strict=True))
    assert years == {"focused_visit.txt": "2023", "Oakridge focused visit 2020.txt": "2020"}
    meta = tmp_path / "meta.csv"
    meta.write_text("document,visit_date\nfocused_visit.txt,2021-03-04\n")
    status, _, err = main_in_process(
        capsys, letters, "--model", tagger_file, "--out", out, "--resume", "--meta", meta
    )
    assert status == 0, err
    summary = pd.read_csv(out.with_name("letters.csv"), dtype=str).set_index("document")
    assert summary["year"].str.len().eq(4).all() and "2021" in set(summary["year"])
