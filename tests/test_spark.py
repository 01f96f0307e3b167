"""Tagging on Spark (`ofsted-tag-spark`) in local[2]: the same rows as `tag` on the same letters
with the same registered model, a bad file in failures/ rather than a failed job, and clear
errors when pyspark or Java is missing. Skipped without pyspark (`make spark`) or Java."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from servers import train_registered

from ofsted_themes.core.tables import LETTER_COLUMNS, read_table

ROOT = Path(__file__).resolve().parents[1]
MODEL = "models:/ofsted-themes@champion"
THEMES = ["Caseloads are high for social workers", "Children went missing from care"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
]


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One local[2] session for the module, as the command makes it; Spark's, Java's and the
    workers' temporary files under tmp."""
    from ofsted_themes.cli.spark import missing_requirement

    if why := missing_requirement():  # the command's own check: pyspark, Java
        pytest.skip(why)
    from ofsted_themes.tracking.spark import spark_session

    scratch = tmp_path_factory.mktemp("spark")
    config = {
        "spark.ui.enabled": "false",
        "spark.local.dir": str(scratch),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.sql.shuffle.partitions": "2",
    }
    with pytest.MonkeyPatch.context() as env:
        # every JVM (spark-submit's launcher too) and the Python workers (they inherit it)
        env.setenv("JAVA_TOOL_OPTIONS", f"-Djava.io.tmpdir={scratch} -XX:-UsePerfData")
        env.setenv("TMPDIR", str(scratch))
        env.setattr(tempfile, "tempdir", str(scratch))  # this process's (the model download)
        session = spark_session("local[2]", config)
        yield session
        session.stop()


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_mlflow_store) -> str:
    """A store whose champion is a quickly trained Tagger."""
    folder = tmp_path_factory.mktemp("store")
    uri = new_mlflow_store(folder / "mlflow")
    # with the letters, whose direction labels give it a concern model (two folds: quick)
    train_registered(folder, uri, "data=seeds+letters", "cv.max_folds=2")
    return uri


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A folder holding letters/: the sample letters, a letter of over 5,000 sentences (more
    than the model takes in one call), an empty PDF and a broken one, documents in formats
    not read (RTF, an old Word file), and files both engines skip."""
    work = tmp_path_factory.mktemp("work")
    letters = work / "letters"
    shutil.copytree(ROOT / "inbox", letters)
    lines = [f"{THEMES[i % 2]} in team {i}. Leaders reviewed case {i} in May." for i in range(2600)]
    (letters / "long" / "report.txt").parent.mkdir()
    (letters / "long" / "report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # a name that is not a plain URI path: a space, "#" and "?" (Spark's lists encode them)
    shutil.copy(letters / "sample-focused-visit.txt", letters / "visit #2?.txt")
    (letters / "empty file.pdf").write_bytes(b"")  # Spark's scan skips it: reported all the same
    (letters / "broken.pdf").write_bytes(b"%PDF-1.7\n not a PDF after all")  # fails when read
    (letters / "old.rtf").write_text("{\\rtf1 Caseloads are high.}")  # not read: said why
    (letters / "report.DOC").write_bytes(b"\xd0\xcf\x11\xe0")
    (letters / "~$lock.docx").write_bytes(b"x")
    (letters / ".hidden.txt").write_text("Caseloads are high.", encoding="utf-8")
    return work


@pytest.fixture(scope="module")
def local(work, store) -> dict[str, pd.DataFrame]:
    """`tag`'s outputs for letters/ with the registered champion."""
    out = work / "local"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    done = subprocess.run(
        [sys.executable, "-m", "ofsted_themes.cli.tag", "letters", "--model", MODEL,
         "--out", str(out / "tags.parquet"), "--no-report"],
        cwd=work, env=env | {"MLFLOW_TRACKING_URI": store}, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the bad PDFs failed, the rest are tagged
    return {
        "sentences": read_table(out / "tags.parquet"),
        "letters": read_table(out / "letters.csv"),
        "failures": read_table(out / "failures.csv"),
    }


@pytest.fixture(scope="module")
def on_spark(spark, work, store, current_mlflow_store):
    """`ofsted-tag-spark letters --out spark --master local[2]` run in this process (in the
    module's session), from the same folder as `tag`; its status and outputs. The paths are
    absolute: the session's JVM resolves relative ones from where it started, the project."""
    from ofsted_themes.cli.spark import main

    out = work / "spark"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as env, current_mlflow_store(store):
        env.chdir(work)
        with redirect_stdout(printed):
            code = main([str(work / "letters"), "--out", str(out), "--master", "local[2]"])
    return code, out, printed.getvalue()


def ordered(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def test_spark_writes_the_rows_tag_writes(on_spark, local):
    code, out, printed = on_spark
    assert code == 1  # a file failed; the job did not
    assert f"model {MODEL} (version 1, fingerprint" in printed  # the alias read once, named
    sentences = pd.read_parquet(out / "sentences")
    expected = ordered(local["sentences"], ["document", "sentence_no"])
    assert list(sentences.columns)[-1] == "document"  # the partition column comes back last
    sentences["document"] = sentences["document"].astype(str)
    got = ordered(sentences[expected.columns], ["document", "sentence_no"])
    assert sorted(got["document"].unique()) == [
        "letters/long/report.txt",
        "letters/sample-focused-visit.txt",
        "letters/sample-ilacs-inspection.txt",
        "letters/sample-jtai.html",
        "letters/visit #2?.txt",
    ]
    assert (got["document"] == "letters/long/report.txt").sum() > 5_000  # over one model call
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=False, atol=1e-9)
    scores = [c for c in expected.columns if c.endswith("_score")]
    assert (got[scores] - expected[scores]).abs().max().max() <= 1e-9
    # an item of a letter's list of what needs to improve raises a concern whatever its score
    assert ((got["concern"] == 1) & (got["concern_score"] < 0.5)).any()


def test_spark_writes_a_folder_per_letter_and_the_letters_table(on_spark, local):
    _, out, _ = on_spark
    folders = sorted(unquote(p.name) for p in (out / "sentences").iterdir() if p.is_dir())
    assert folders == [
        "document=letters/long/report.txt",
        "document=letters/sample-focused-visit.txt",
        "document=letters/sample-ilacs-inspection.txt",
        "document=letters/sample-jtai.html",
        "document=letters/visit #2?.txt",
    ]
    letters = pd.read_parquet(out / "letters")
    text = [*LETTER_COLUMNS, "year"]
    letters[text] = letters[text].fillna("")
    expected = ordered(local["letters"], ["document"])
    got = ordered(letters, ["document"])[expected.columns]
    assert expected["council"].ne("").any()  # the metadata was found, not two empty columns
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=False, atol=1e-12)


def test_bad_files_are_failure_rows_not_a_failed_job(on_spark, local):
    _, out, _ = on_spark
    failures = ordered(pd.read_parquet(out / "failures"), ["file"])
    assert list(failures["file"]) == [
        "letters/broken.pdf", "letters/empty file.pdf", "letters/old.rtf", "letters/report.DOC",
    ]  # fmt: skip
    assert failures["reason"].iloc[1] == "empty file"
    assert "save it as DOCX or PDF" in failures["reason"].iloc[3]  # never skipped unsaid
    assert failures.to_dict("records") == ordered(local["failures"], ["file"]).to_dict("records")


def test_a_missing_location_is_an_error_and_the_outputs_stay(
    on_spark, store, current_mlflow_store, capsys
):
    """A local path that names nothing fails before Spark starts, in one line (Spark's own
    answer came after half a minute and a Java stack trace); a URI is Spark's to find."""
    from ofsted_themes.cli.spark import main
    from ofsted_themes.tagging.spark import SparkInputError

    _, out, _ = on_spark
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    missing = out.parent / "no-such-folder"
    with pytest.MonkeyPatch.context() as env, current_mlflow_store(store):
        env.chdir(out.parent)
        with pytest.raises(SystemExit) as stopped:
            main([str(missing), "letters/*.nothing", "--out", str(out)])
        assert stopped.value.code == 2
        assert capsys.readouterr().err == (
            f"error: no such file or folder: {missing}, letters/*.nothing\n"
        )
        with pytest.raises(SparkInputError, match=r"^\[PATH_NOT_FOUND\].*no-such-folder"):
            main([missing.as_uri(), "--out", str(out)])  # run_command: status 2
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def run_command(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, "letters", "--out", "spark"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_without_pyspark_the_command_says_what_to_install():
    code = (
        "import sys; sys.modules['pyspark'] = None; sys.argv[0] = 'ofsted-tag-spark'; "
        "from ofsted_themes.cli.spark import run; run()"
    )
    done = run_command(code, dict(os.environ))
    assert done.returncode == 2
    assert done.stderr.startswith("error: pyspark is not installed: install the spark extra")
    assert "Traceback" not in done.stderr


def test_without_java_the_command_says_what_to_install(tmp_path):
    pytest.importorskip("pyspark")
    env = {k: v for k, v in os.environ.items() if k not in {"JAVA_HOME", "PYSPARK_GATEWAY_PORT"}}
    env["PATH"] = str(tmp_path)  # no java on it
    done = run_command("from ofsted_themes.cli.spark import run; run()", env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: java not found: Spark needs Java 17")
    assert "openjdk-17-jre-headless" in done.stderr and "Traceback" not in done.stderr
