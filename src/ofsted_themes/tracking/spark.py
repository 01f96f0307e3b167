"""Spark with the registered model: the session the command runs in, and the model as a Spark
column function (``mlflow.pyfunc.spark_udf`` on the folder the registered model was fetched to)
for ``tagging.spark``.

The driver fetches the model from the MLflow store once (the command reads its themes from it
and gives ``spark_udf`` its local folder); Spark hands it to the executors, which never contact
the store. It runs in the executors' own Python
(``env_manager="local"``), where the package and its dependencies are installed, as for
``tag``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

import mlflow
from pyspark.sql import Column, SparkSession

from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.tagging.spark import tags_type

# Python workers are forked from this daemon, which imports the package first (see its module).
DAEMON_MODULE = "ofsted_themes.tracking.spark_daemon"
# Sentences per call of the model: the pyfunc refuses more than MAX_REQUEST_SENTENCES (5,000,
# its REST guard) in one call, and spark_udf calls it once per Arrow batch (10,000 rows by
# default).
BATCH_ROWS = 2_000
ARROW_BATCH = "spark.sql.execution.arrow.maxRecordsPerBatch"


def spark_session(master: str | None, config: dict[str, str] | None = None) -> SparkSession:
    """The session, or the one already running (spark-submit's, a notebook's: then only its
    runtime settings change). A session this makes forks its Python workers from the package's
    daemon, and in local mode runs them in this Python (not whatever ``python3`` is)."""
    builder = SparkSession.builder.appName("ofsted-tag-spark")
    if master:
        builder = builder.master(master)
    if master and master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # read when the JVM starts
    settings = {"spark.python.daemon.module": DAEMON_MODULE, **(config or {})}
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def limit_batches(spark: SparkSession, rows: int = BATCH_ROWS) -> None:
    """Arrow batches of at most ``rows`` (a smaller setting of the session is kept)."""
    current = int(spark.conf.get(ARROW_BATCH) or 0)
    if current <= 0 or current > rows:
        spark.conf.set(ARROW_BATCH, str(rows))


def model_udf(spark: SparkSession, folder: str, tagger: Tagger) -> Callable[[Column], Column]:
    """The model downloaded to ``folder`` as a function of a ``struct(text)`` column, giving the
    Tagger's columns (``tagger``: the same model, loaded on the driver for its themes)."""
    limit_batches(spark)
    # Its warning that env_manager="local" does not recreate the training environment: that is
    # the intent (the installed package, as `tag` uses); version mismatches are still reported.
    logger = logging.getLogger("mlflow.pyfunc")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return mlflow.pyfunc.spark_udf(
            spark, folder, result_type=tags_type(tagger), env_manager="local"
        )
    finally:
        logger.setLevel(level)
