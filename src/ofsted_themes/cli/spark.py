"""ofsted-tag-spark LOCATION...: tag letters at scale on Spark with the registered model.

Reads letters (PDF, DOCX, HTML, TXT/MD) from files, folders (recursive) or globs on any
Spark-readable store, and writes Parquet under --out: sentences/ (one row per sentence, as
`tag` writes them, a folder per letter), letters/ (one row per letter) and failures/ (files
that could not be read, and why). Runs in local[*] unless --master or spark-submit says where.
Exit status: 0 all files tagged, 1 some files failed (the rest are tagged), 2 usage error
(including pyspark or Java missing).
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ofsted_themes import is_model_uri, pinned_model
from ofsted_themes.cli.common import (
    PROBLEMS_SHOWN,
    fail,
    print_failures,
    printable,
    run_command,
    theme_tally,
)
from ofsted_themes.core.errors import ExitCode
from ofsted_themes.core.words import counted

if TYPE_CHECKING:  # pyspark is checked for before it is imported
    from pyspark.sql import SparkSession

    from ofsted_themes.modelling.tagger import Tagger
    from ofsted_themes.tagging.spark import SparkResult

DEFAULT_MODEL = "models:/ofsted-themes@champion"
RUN_MODEL_HINT = "name a registered model (models:/name@alias) or a run's model (runs:/<id>/tagger)"
INSTALL_SPARK = (
    "install the spark extra: `make spark` (or `uv sync --extra spark`, or "
    "`pip install 'ofsted-themes[spark]'`)"
)
INSTALL_JAVA = (
    "Spark needs Java 17 or later: install it (Debian/Ubuntu: `apt-get install "
    "openjdk-17-jre-headless`; `make spark` does) or set JAVA_HOME"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="ofsted-tag-spark", description=__doc__.split("\n\n")[0].split(": ", 1)[1]
    )
    parser.add_argument(
        "locations",
        nargs="+",
        metavar="LOCATION",
        help="files, folders (recursive) or globs; local paths or URIs (hdfs://, s3a://, ...)",
    )
    parser.add_argument(
        "--out", default="reports/spark", help="output folder or URI (default reports/spark)"
    )
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, help=f"MLflow model URI (default {DEFAULT_MODEL})"
    )
    parser.add_argument(
        "--master", help="Spark master (default: spark-submit's, or local[*] without it)"
    )
    parser.add_argument(
        "--no-partition",
        action="store_true",
        help="one sentence table, not a folder per letter (many letters: fewer, larger files)",
    )
    return parser.parse_args(argv)


def under_spark_submit() -> bool:
    """Whether spark-submit started this Python (its JVM is running and says where to run)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def missing_requirement() -> str | None:
    """What is missing to start Spark here, worded with what to install; None if nothing."""
    if importlib.util.find_spec("pyspark") is None:
        return f"pyspark is not installed: {INSTALL_SPARK}"
    if under_spark_submit():
        return None
    java_home = os.environ.get("JAVA_HOME")
    if java_home and not Path(java_home, "bin", "java").is_file():
        return f"JAVA_HOME={java_home} holds no bin/java: {INSTALL_JAVA}"
    if not java_home and shutil.which("java") is None:
        return f"java not found: {INSTALL_JAVA}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = missing_requirement()
    if missing:
        fail(missing)
    if not is_model_uri(args.model):
        fail(f"--model {args.model}: an MLflow model URI: {RUN_MODEL_HINT}")
    master = args.master or (None if under_spark_submit() else "local[*]")
    local_files = master and master.startswith("local") and "HADOOP_CONF_DIR" not in os.environ
    if local_files and (absent := absent_paths(args.locations)):
        fail(f"no such file or folder: {', '.join(map(printable, absent))}")
    with tempfile.TemporaryDirectory(prefix="ofsted-model-") as fetched:
        # a bad URI fails here, before Spark; the model's copy goes when the job is done
        folder, tagger, version = fetch_model(args.model, Path(fetched))
        started = time.perf_counter()
        spark, own = start_session(master)
        try:
            result = run_job(spark, folder, tagger, args)
        finally:
            if own:  # a session spark-submit or the caller made is theirs to stop
                spark.stop()
    made = f"version {version}, " if version else ""
    print_outcome(result, time.perf_counter() - started, args.model, made, tagger.fingerprint())
    return ExitCode.FAILURES if result.failures else ExitCode.OK


def absent_paths(locations: list[str]) -> list[str]:
    """The local paths among ``locations`` (no URI scheme) that name nothing, a glob matching
    nothing included: in local mode, with no Hadoop configuration naming another file system,
    they are this machine's, and found missing before Spark starts (Spark's own answer came
    after half a minute and a Java stack trace)."""
    absent = []
    for location in locations:
        if "://" in location or location.startswith("file:") or "{" in location:
            continue  # a URI, or a Hadoop glob's alternatives ("*.{pdf,docx}"): Spark's to read
        magic = any(c in location for c in "*?[")
        found = glob.glob(location) if magic else Path(location).exists()
        if not found:
            absent.append(location)
    return absent


def fetch_model(model: str, into: Path) -> tuple[Path, Tagger, str | None]:
    """The model's local folder (what Spark ships to the executors), fetched ``into`` a folder,
    its Tagger (for the themes) and registered version: fetched once, an alias read once, so all
    three are one model."""
    from ofsted_themes.modelling.persistence import ModelError
    from ofsted_themes.modelling.tagger import Tagger
    from ofsted_themes.tracking.registry import download_model, tagger_file

    uri, version = pinned_model(model)
    folder = download_model(uri, into)
    if not (folder / "MLmodel").is_file():  # e.g. runs:/<id> without the model's path
        raise ModelError(f"{model} is not an MLflow model (no MLmodel file): {RUN_MODEL_HINT}")
    return folder, Tagger.load(tagger_file(folder, uri)), version


def start_session(master: str | None) -> tuple[SparkSession, bool]:
    """The Spark session, and whether this command started it; Java failing to start is an
    ``error:`` line, not a traceback."""
    from pyspark.errors import PySparkRuntimeError
    from pyspark.sql import SparkSession

    from ofsted_themes.tracking.spark import spark_session

    own = SparkSession.getActiveSession() is None
    try:
        return spark_session(master), own
    except PySparkRuntimeError as error:  # JAVA_GATEWAY_EXITED: Java missing, too old, broken
        fail(f"Spark did not start ({error}): {INSTALL_JAVA}")


def run_job(
    spark: SparkSession, folder: Path, tagger: Tagger, args: argparse.Namespace
) -> SparkResult:
    from ofsted_themes.tagging.spark import tag_letters
    from ofsted_themes.tracking.spark import model_udf

    predict = model_udf(spark, str(folder), tagger)
    return tag_letters(
        spark, tagger, predict, args.locations, args.out, Path.cwd(), not args.no_partition
    )


def print_outcome(
    result: SparkResult, seconds: float, model: str, made: str, fingerprint: str
) -> None:
    """What was tagged and written, and which files failed (stderr), as `tag` says it."""
    counts = theme_tally(result.theme_counts, result.concern_counts)
    letters = counted(result.letters, "letter")
    print(
        f"Tagged {letters}, {counted(result.sentences, 'sentence')} in {seconds:.1f}s on Spark; "
        f"tagged sentences: {counts}"
    )
    for path in result.written:
        print(f"  wrote {printable(path)}")
    print(f"  model {printable(model)} ({made}fingerprint {fingerprint})")
    if result.failures:  # all of them are in failures/
        print_failures(result.failures, PROBLEMS_SHOWN, rest=" (failures/)")


def run() -> None:
    """The ``ofsted-tag-spark`` command (and spark-submit's entry, scripts/spark_tag.py)."""
    run_command(main)


if __name__ == "__main__":
    run()
