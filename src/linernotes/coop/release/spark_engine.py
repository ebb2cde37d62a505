"""The pool engine for pools that outgrow one machine: Apache Spark (PySpark), local or on a cluster.

Same aggregates as :mod:`.duckdb_engine`, from the same SQL text (:mod:`.aggregates`); only reading the files
and exploding lists are written in Spark's words. The session starts quiet and small (no UI, few shuffle
partitions, modest driver memory) because a release is a handful of group-bys; ``master`` is ``local[*]`` on one
machine or a cluster URL. Many tiny files: Spark is given the file list (no directory listing, no partition
discovery job), and packs many files into one partition through ``openCostInBytes``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from linernotes.coop.contract import METRIC_NAMES
from linernotes.coop.release import aggregates as q
from linernotes.coop.release.aggregates import Aggregates, PoolError

DEFAULT_MASTER = "local[*]"


def session(master: str = DEFAULT_MASTER, *, conf: dict[str, str] | None = None) -> Any:
    """A SparkSession for releases (``pyspark`` must be installed: ``pip install 'linernotes[spark]'``)."""
    import warnings

    # PySpark warns about pandas 3 at import; releases never use its pandas API.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # an optional extra: say which one
        raise RuntimeError("the Spark engine needs pyspark: pip install 'linernotes[spark]'") from exc
    # The workers must run the same interpreter as the driver (a venv's Python, not the system's).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master.startswith("local"):  # one machine: no network interface to pick (and no warning about it)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "4",
        "spark.driver.memory": "1g",
        "spark.sql.files.maxPartitionBytes": str(64 * 1024 * 1024),
        "spark.sql.files.openCostInBytes": str(8 * 1024),
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "1000000000",
        "spark.sql.parquet.filterPushdown": "false",
        "spark.sql.adaptive.enabled": "false",
        "spark.driver.extraJavaOptions": "-Dlog4j2.level=ERROR",
    }
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName("linernotes-coop-release")
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def aggregate(benchmark_files: Sequence[Path], taste_files: Sequence[Path], *, taste_k: int = q.TASTE_TOP_K,
              master: str = DEFAULT_MASTER, spark: Any = None) -> Aggregates:
    """Exact aggregates of the given contributions, computed by Spark (a session is made when none is given)."""
    from pyspark.sql import functions as F

    from linernotes.coop.contract import benchmarks_schema, taste_schema

    own = spark is None
    spark = spark or session(master)
    try:
        out = Aggregates()
        if benchmark_files:
            df = (spark.read.schema(_spark_schema(benchmarks_schema())).parquet(*[str(p) for p in benchmark_files])
                  .withColumn("filename", F.input_file_name()).withColumn("cid", F.monotonically_increasing_id()))
            df = df.select("cid", "filename", *[F.col(n).cast("double").alias(n) for n in METRIC_NAMES],
                           "top_artists").cache()
            df.createOrReplaceTempView("b")
            out.benchmarks = _one_row_per_file(spark, "b", len(benchmark_files))
            out.histograms = q.histograms_from_rows(
                [(r[0], r[1], r[2]) for r in spark.sql(q.histogram_sql("b")).collect()])
            spark.sql("SELECT cid, pos, artist FROM b LATERAL VIEW posexplode(top_artists) e AS pos, artist"
                      ).createOrReplaceTempView("b_exploded")
            out.artist_counts = {r[0]: int(r[1]) for r in spark.sql(q.artists_sql("b_exploded")).collect()}
            df.unpersist()
        if taste_files:
            tf = (spark.read.schema(_spark_schema(taste_schema())).parquet(*[str(p) for p in taste_files])
                  .withColumn("filename", F.input_file_name()).withColumn("cid", F.monotonically_increasing_id()))
            tf.cache().createOrReplaceTempView("t")
            out.taste = _one_row_per_file(spark, "t", len(taste_files))
            spark.sql("""SELECT cid, pos, artist, try_element_at(affinity, pos + 1) AS affinity
                         FROM t LATERAL VIEW posexplode(artists) e AS pos, artist""").createOrReplaceTempView(
                "t_exploded")
            top = spark.sql(q.taste_top_sql("t_exploded", taste_k)).cache()
            top.createOrReplaceTempView("t_top")
            out.taste_counts = {r[0]: int(r[1]) for r in spark.sql(q.taste_counts_sql("t_top")).collect()}
            out.pair_counts = {(r[0], r[1]): int(r[2]) for r in spark.sql(q.pairs_sql("t_top")).collect()}
            top.unpersist()
            tf.unpersist()
        return out
    finally:
        if own:
            spark.stop()


def _spark_schema(schema: Any) -> Any:
    """The contract's Arrow schema in Spark's terms (reading with a schema skips Spark's footer sampling)."""
    from pyspark.sql import types as T

    def convert(t: Any) -> Any:
        import pyarrow as pa

        if pa.types.is_float64(t):
            return T.DoubleType()
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return T.StringType()
        if pa.types.is_int8(t):
            return T.ByteType()
        if pa.types.is_list(t):
            return T.ArrayType(convert(t.value_type), True)
        raise TypeError(f"no Spark type for {t}")

    return T.StructType([T.StructField(f.name, convert(f.type), True) for f in schema])


def _one_row_per_file(spark: Any, view: str, expected_files: int) -> int:
    rows, files = spark.sql(f"SELECT count(*), count(DISTINCT filename) FROM {view}").collect()[0]
    if rows != files:
        raise PoolError(f"{rows - files} contribution file(s) hold more than one row: a contribution is one row")
    return int(rows)
