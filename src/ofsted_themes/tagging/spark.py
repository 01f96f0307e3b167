"""Tagging at scale on Spark: letters wherever Spark can read them (a folder, HDFS, S3) in,
Parquet out, with the same rows as the local engine (``tag``).

The local engine's parallelism ends at one machine's cores; here each stage is a Spark stage,
but every step that decides a row is the local engine's own: a file is read and split by
``read_job`` (same readers, limits, metadata and failure reasons), and sentences are scored by
the registered model (``predict``, a column function built by ``tracking.spark``). This module
holds no MLflow: it is given the scoring as a function.

Outputs, under ``out``: ``sentences/`` (one row per sentence, partitioned by letter),
``letters/`` (one row per letter: metadata, counts and shares, as ``letters.csv``) and
``failures/`` (``file, reason``: files that could not be read; never a failed job).
"""

from __future__ import annotations

import re
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial, reduce
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pyarrow as pa
from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ofsted_themes.core.errors import OfstedThemesError
from ofsted_themes.core.limits import MAX_FILE_BYTES, READ_SECONDS
from ofsted_themes.core.tables import LETTER_COLUMNS
from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.reading.document import SUPPORTED, too_large_reason
from ofsted_themes.reading.inputs import UNREAD_DOCUMENTS, is_lock_file, unsupported_reason
from ofsted_themes.tagging.batch import sentence_columns
from ofsted_themes.tagging.letters import (
    BASE_COLUMNS,
    document_names,
    printable_name,
    read_job,
)
from ofsted_themes.tagging.summary import YEAR, concerns_of

# PySpark 4.3 warns about pandas 3 at every UDF; the tests check these rows against the local
# engine's, so the warning is noise for our users.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")

SENTENCE = T.StructType(
    [
        T.StructField("sentence_no", T.LongType()),
        T.StructField("page", T.LongType()),
        T.StructField("text", T.StringType()),
        T.StructField("to_improve", T.BooleanType()),  # Letter.to_improve: read, not written
    ]
)
# One row per letter read, or per file that failed (``reason`` set, no sentences).
LETTER = T.StructType(
    [
        T.StructField("document", T.StringType()),
        *[T.StructField(c, T.StringType()) for c in LETTER_COLUMNS],
        T.StructField("reason", T.StringType()),
        T.StructField("sentences", T.ArrayType(SENTENCE)),
    ]
)


class SparkInputError(OfstedThemesError, ValueError):
    """Inputs Spark cannot list (no such path, no letters), worded for the user."""


@dataclass
class SparkResult:
    """What a run tagged and wrote, for the terminal (the tables hold the rest)."""

    letters: int = 0
    sentences: int = 0
    theme_counts: dict[str, int] = field(default_factory=dict)
    concern_counts: dict[str, int] = field(default_factory=dict)  # of a tagger that says
    failures: list[tuple[str, str]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)


def letter_glob() -> str:
    """A Hadoop glob, any case (``*.{[pP][dD][fF],...}``), of the letter formats and of the
    documents a user may take for letters (UNREAD_DOCUMENTS: ``.doc``, ``.rtf``…), each of which
    is a failure with its reason, as `tag` lists it: Spark lists only these, and never reads the
    bytes of other files in the folders."""

    def any_case(suffix: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in suffix)

    listed = sorted(SUPPORTED | UNREAD_DOCUMENTS)
    return "*.{" + ",".join(any_case(s.lstrip(".")) for s in listed) + "}"


def is_letter_format(path: Column) -> Column:
    """Whether a listed file's name ends in a format that is read (SUPPORTED)."""
    suffixes = "|".join(re.escape(s.lstrip(".")) for s in sorted(SUPPORTED))
    return F.lower(path).rlike(rf"\.({suffixes})$")


def find_files(spark: SparkSession, locations: list[str]) -> DataFrame:
    """The letter files under ``locations`` (files, folders searched recursively, globs, any
    Spark-readable URI): ``path, length, content`` (content is read only when selected)."""
    reader = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", letter_glob())
    )
    try:
        files = reader.load(locations)
    except AnalysisException as error:  # no such path: before anything is written
        raise SparkInputError(str(error).splitlines()[0]) from None
    if files.select("path").isEmpty():  # as bad as a typo: the last outputs stay
        formats = ", ".join(sorted(SUPPORTED))
        raise SparkInputError(f"no letters to tag ({formats}) in {', '.join(locations)}")
    return files


def read_letters(files: DataFrame, root: Path) -> DataFrame:
    """Each file read and split on the executors: a ``LETTER`` row per letter, or one with the
    reason it failed. Files over the size limit fail without their bytes being read."""
    files = files.where(is_letter_format(F.col("path")))  # the others fail unread
    fits = F.col("length") <= MAX_FILE_BYTES
    read = files.where(fits).select("path", "content")
    large = files.where(~fits).select("path", "length")
    return read.mapInPandas(partial(split_files, root=str(root)), LETTER).unionByName(
        large.mapInPandas(partial(too_large, root=str(root)), LETTER)
    )


def split_files(batches: Iterator[pd.DataFrame], root: str) -> Iterator[pd.DataFrame]:
    """``mapInPandas``: files (``path, content``) to letter rows."""
    for batch in batches:
        rows = [
            row
            for uri, content in zip(batch["path"], batch["content"], strict=True)
            for row in letter_rows(uri, bytes(content), root)
        ]
        yield letter_frame(rows)


def too_large(batches: Iterator[pd.DataFrame], root: str) -> Iterator[pd.DataFrame]:
    """``mapInPandas``: files over the size limit (``path, length``) to failure rows."""
    for batch in batches:
        rows = [
            failure_row(document_name(uri, root), too_large_reason(length, MAX_FILE_BYTES))
            for uri, length in zip(batch["path"], batch["length"], strict=True)
        ]
        yield letter_frame(rows)


def letter_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as ``LETTER``, every column of Python objects: pandas 3 would make a text column
    its own string type, which PySpark 4.3's Arrow conversion refuses (and a column without a
    value, floats)."""
    return pd.DataFrame(rows, columns=LETTER.names, dtype=object)


def letter_rows(uri: str, content: bytes, root: str) -> list[dict]:
    """One file's letter rows, read as the local engine reads it: its bytes become a file of
    the same name (the metadata falls back on the name), handed to ``read_job``."""
    name = uri.rsplit("/", 1)[-1]
    if is_lock_file(name):  # skipped as the local engine skips it
        return []
    document = document_name(uri, root)
    with tempfile.TemporaryDirectory(prefix="ofsted-spark-") as folder:
        path = Path(folder, name)
        path.write_bytes(content)
        outcome = read_job(path, document, "text", READ_SECONDS)
    if outcome.error:
        return [failure_row(document, outcome.error)]
    return [
        {
            **{c: meta.get(c) for c in ["document", *LETTER_COLUMNS]},
            "reason": None,
            "sentences": [
                dict(zip(BASE_COLUMNS, row, strict=True)) | {"to_improve": bool(improve)}
                for *row, improve in zip(
                    *(letter.sentences[c].tolist() for c in BASE_COLUMNS),
                    improvement_items(letter),
                    strict=True,
                )
            ],
        }
        for letter, meta in outcome.letters
    ]


def improvement_items(letter) -> list[bool]:
    """Letter.to_improve as a list (all False for a letter of a table)."""
    if letter.to_improve is None:
        return [False] * len(letter)
    return letter.to_improve.tolist()


def failure_row(document: str, reason: str) -> dict:
    return {"document": document, "reason": reason, "sentences": None}


def unread_files(files: DataFrame, letters: DataFrame, root: Path) -> DataFrame:
    """Failure rows (``document, reason``) for the files listed but never read: a format that
    is not read (``.doc``, ``.rtf``…: ``unsupported_reason``, as `tag` gives it), and an empty
    file, which Spark's file scan skips and the local engine reports as such."""
    paths = [unquote(uri) for uri in files.inputFiles()]  # they come percent-encoded
    listed = {
        document_name(path, str(root)): path
        for path in paths
        if not is_lock_file(path.rsplit("/", 1)[-1])
    }
    seen = {row["document"] for row in letters.select("document").collect()}
    names = sorted(set(listed) - seen)
    reasons = [unread_reason(Path(listed[name])) for name in names]
    # From Arrow: rows from Python would start another Python daemon for them (seconds)
    table = pa.table(
        {"document": pa.array(names, pa.string()), "reason": pa.array(reasons, pa.string())}
    )
    return files.sparkSession.createDataFrame(table)


def unread_reason(path: Path) -> str:
    """Why a listed file gave no letter row: its format, or its being empty."""
    return unsupported_reason(path) if path.suffix.lower() not in SUPPORTED else "empty file"


def document_name(uri: str, root: str) -> str:
    """A letter's name as the local engine gives it: a local file relative to ``root`` (the
    folder the command runs in) when inside it; any other URI in full. ``uri`` is as Spark's
    ``path`` column gives it, not percent-encoded: a "#" or "?" is part of the file's name."""
    if not uri.startswith("file:"):
        return printable_name(uri)
    return document_names([Path(uri.removeprefix("file:"))], Path(root))[0]


def tags_type(tagger: Tagger) -> T.StructType:
    """The model's columns (``Tagger.model_columns``: tags, scores, evidence), as Spark
    types."""
    kinds = {"evidence": T.StringType()}
    return T.StructType(
        [
            T.StructField(c, kinds.get(c, T.DoubleType() if c.endswith("_score") else T.LongType()))
            for c in tagger.model_columns()
        ]
    )


def tag_letters(
    spark: SparkSession,
    tagger: Tagger,
    predict: Callable[[Column], Column],
    locations: list[str],
    out: str,
    root: Path,
    partition: bool = True,
) -> SparkResult:
    """Read, split and tag every letter under ``locations``; write the three tables under
    ``out`` (replacing them). ``predict`` turns a struct of ``text`` into ``tags_type``."""
    files = find_files(spark, locations)
    letters = read_letters(files, root).persist()  # read once, used by all three tables
    try:
        paths = {name: f"{out.rstrip('/')}/{name}" for name in ["sentences", "letters", "failures"]}
        write_sentences(tag_sentences(letters, tagger, predict), paths["sentences"], partition)
        sentences = spark.read.schema(sentence_schema(tagger)).parquet(paths["sentences"])
        summary = letter_summary(sentences, letters, tagger.theme_ids, tagger.has_concerns)
        summary.coalesce(1).write.mode("overwrite").parquet(paths["letters"])
        failures = letters.where(F.col("reason").isNotNull()).select("document", "reason")
        failures = failures.unionByName(unread_files(files, letters, root))
        failures = failures.withColumnRenamed("document", "file")
        failures.coalesce(1).write.mode("overwrite").parquet(paths["failures"])
        written = [spark.read.parquet(paths[name]) for name in ["letters", "failures"]]
        return outcome(*written, tagger, list(paths.values()))
    finally:
        letters.unpersist()


def tag_sentences(
    letters: DataFrame, tagger: Tagger, predict: Callable[[Column], Column]
) -> DataFrame:
    """One row per sentence, in ``tag``'s columns (``batch.sentence_columns``)."""
    sentences = letters.where(F.col("reason").isNull()).select(
        "document", "council", visit_year("visit_date"), F.explode("sentences").alias("s")
    )
    tagged = sentences.select("document", "council", "year", "s.*")
    tagged = tagged.withColumn("tags", predict(F.struct("text")))
    columns = sentence_columns(tagger)
    model = set(tags_type(tagger).names)
    chosen = {c: F.col(f"tags.{c}" if c in model else c) for c in columns}
    if tagger.has_concerns:  # as letters.improvements_raise_concerns
        themed = reduce(lambda a, b: a | b, [F.col(f"tags.{t}") == 1 for t in tagger.theme_ids])
        chosen["concern"] = F.when(F.col("to_improve") & themed, F.lit(1).cast("long")).otherwise(
            F.col("tags.concern")
        )
    return tagged.select(*[value.alias(c) for c, value in chosen.items()])


def write_sentences(tagged: DataFrame, path: str, partition: bool) -> None:
    """Parquet, a folder per letter (``document=...``) unless ``partition`` is False; each
    letter's rows in sentence order."""
    writer = tagged.sortWithinPartitions("document", "sentence_no").write.mode("overwrite")
    (writer.partitionBy("document") if partition else writer).parquet(path)


def sentence_schema(tagger: Tagger) -> T.StructType:
    """The sentence table as written: ``document`` read back as text (never a number)."""
    text = [T.StructField(c, T.StringType()) for c in ("document", "council", "year")]
    base = {f.name: f for f in [*text, *SENTENCE.fields]}
    base |= {f.name: f for f in tags_type(tagger).fields}
    return T.StructType([base[c] for c in sentence_columns(tagger)])


def visit_year(visit_date: str) -> Column:
    """The ``year`` of a visit date, as ``summary.visit_year`` gives it (null where none)."""
    year = F.regexp_extract(visit_date, f"^({YEAR.pattern})", 1)
    return F.when(year != "", year).alias("year")


def letter_summary(
    sentences: DataFrame, letters: DataFrame, theme_ids: list[str], with_concerns: bool = False
) -> DataFrame:
    """One row per letter, as ``summary.summary_of`` makes it: metadata, sentences, and
    per theme a count, its concerns (``with_concerns``) and a share (0.0 for a letter without
    sentences)."""
    raised = []
    if with_concerns:
        raised = [
            F.sum(((F.col(t) == 1) & (F.col("concern") == 1)).cast("long")).alias(concerns_of(t))
            for t in theme_ids
        ]
    counts = sentences.groupBy("document").agg(
        F.count(F.lit(1)).alias("sentences"),
        *[F.sum(t).alias(f"{t}_count") for t in theme_ids],
        *raised,
    )
    meta = letters.where(F.col("reason").isNull()).select("document", *LETTER_COLUMNS)
    joined = meta.join(counts, "document", "left")
    columns = [F.col(c) for c in ["document", *LETTER_COLUMNS]]
    after = LETTER_COLUMNS.index("visit_date") + 2  # after document and visit_date
    columns.insert(after, visit_year("visit_date"))
    columns.append(F.coalesce("sentences", F.lit(0)).cast("long").alias("sentences"))
    for theme in theme_ids:
        count = F.coalesce(f"{theme}_count", F.lit(0)).cast("long")
        share = F.when(F.col("sentences") > 0, count / F.col("sentences")).otherwise(0.0)
        share = F.bround(share, 4)  # to four places, half to even: as the local engine rounds
        columns.append(count.alias(f"{theme}_count"))
        if with_concerns:
            concerns = F.coalesce(concerns_of(theme), F.lit(0)).cast("long")
            columns.append(concerns.alias(concerns_of(theme)))
        columns.append(share.cast("double").alias(f"{theme}_share"))
    return joined.select(*columns)


def outcome(
    summary: DataFrame, failures: DataFrame, tagger: Tagger, written: list[str]
) -> SparkResult:
    """The totals for the terminal, from the small tables just written."""
    sums = [F.sum(f"{t}_count").alias(t) for t in tagger.theme_ids]
    told = tagger.theme_ids if tagger.has_concerns else []  # the themes whose concerns it tells
    sums += [F.sum(concerns_of(t)).alias(concerns_of(t)) for t in told]
    totals = summary.agg(F.count(F.lit(1)).alias("letters"), F.sum("sentences").alias("n"), *sums)
    row = totals.first()
    return SparkResult(
        letters=int(row["letters"]),
        sentences=int(row["n"] or 0),
        theme_counts={t: int(row[t] or 0) for t in tagger.theme_ids},
        concern_counts={t: int(row[concerns_of(t)] or 0) for t in told},
        failures=[(r["file"], r["reason"]) for r in failures.orderBy("file").collect()],
        written=written,
    )
