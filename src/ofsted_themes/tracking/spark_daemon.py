"""PySpark's worker daemon, with the package (and MLflow) imported before it forks the Python
workers.

Why: MLflow loads the registered model with the package copy logged beside it (``code_paths``)
first on ``sys.path``. A worker that has loaded the model and is then reused to read letters
would import the package from that copy, which may be older than the installed one (or lack
the Spark engine). Imported here first, the installed package is the one every worker uses,
for reading and for the model alike, as in the local engine; and forked workers start with it,
pandas, scikit-learn, MLflow and skops (whose first import, seconds, would otherwise be paid by
every worker loading the model) already imported. Spark starts this as ``python -m``
(``spark.python.daemon.module``, set by ``tracking.spark.spark_session``).
"""

import mlflow.pyfunc  # noqa: F401  (loads the model in every worker)
from pyspark.daemon import manager

import ofsted_themes.tracking.spark  # noqa: F401  (the installed package, before any model)
from ofsted_themes.modelling.persistence import skops_io

skops_io()  # reads the Tagger's file

if __name__ == "__main__":
    manager()
