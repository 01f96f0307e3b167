"""spark-submit's entry for tagging on a cluster (`ofsted-tag-spark` on the driver): the package
must be installed on the driver and the executors (a wheel in --py-files, or a venv in
--archives; see README). Spark's master comes from spark-submit.

    spark-submit --master yarn scripts/spark_tag.py hdfs:///letters --out hdfs:///tags
"""

from ofsted_themes.cli.spark import run

if __name__ == "__main__":
    run()
