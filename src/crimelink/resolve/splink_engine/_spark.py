"""Splink on Spark: the same model, for deployments that outgrow one server.

``LinkageSettings(backend="spark")`` runs every step of ``_model`` (training, blocking,
scoring) through Splink's ``SparkAPI`` instead of DuckDB; features, clustering and the
context pass stay in pandas on the driver, so the edges, clusters and explanations have the
same shape either way. The comparisons are written in DuckDB's SQL; ``spark_sql`` renames the
few functions whose names differ (Spark's ``array_contains`` for DuckDB's ``list_contains``,
Splink's ``jaro_winkler`` UDF for ``jaro_winkler_similarity``, and so on).

pyspark is an optional dependency (``pip install crimelink[spark]``), imported only here and
only when Spark is asked for; Java 17 must be on the path.
"""

from __future__ import annotations

import re
import tempfile
from typing import Any

import pyarrow as pa
import splink.comparison_level_library as cll
from splink.internals.comparison_creator import ComparisonCreator

from crimelink.extras import require

__all__ = ["spark_api", "spark_comparisons", "spark_sql", "to_spark"]

# DuckDB function → Spark function. Dates of birth are always eight characters (YYYYMMDD), so
# Levenshtein's "at most one edit" is Hamming's "at most one digit different" there.
_SPARK_FUNCTIONS = {
    "list_contains": "array_contains",
    "list_has_any": "arrays_overlap",
    "list_intersect": "array_intersect",
    "len": "size",
    "jaro_winkler_similarity": "jaro_winkler",
    "hamming": "levenshtein",
}
_CALL = re.compile(r"\b(" + "|".join(_SPARK_FUNCTIONS) + r")\(")
_SPARK_TYPES = {
    pa.string(): "string",
    pa.list_(pa.string()): "array<string>",
    pa.int64(): "bigint",
    pa.float64(): "double",
    pa.bool_(): "boolean",
}


def spark_sql(condition: str) -> str:
    """A comparison condition written for DuckDB, in Spark SQL."""
    return _CALL.sub(lambda match: _SPARK_FUNCTIONS[match[1]] + "(", condition)


def spark_comparisons(comparisons: list[ComparisonCreator]) -> list[ComparisonCreator]:
    """The comparisons with every custom level's SQL rewritten for Spark (in place)."""
    for comparison in comparisons:
        for level in getattr(comparison, "_comparison_levels", []):
            if isinstance(level, cll.CustomLevel):
                level.sql_condition = spark_sql(level.sql_condition)
    return comparisons


def _session(master: str) -> Any:
    """The active Spark session, or a new one at ``master`` with Splink's similarity UDFs."""
    from pyspark.sql import SparkSession
    from splink.internals.spark.jar_location import similarity_jar_location

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    session = (
        SparkSession.builder.master(master)
        .appName("crimelink-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="crimelink-spark-"))
    return session


def spark_api(master: str) -> Any:
    """Splink's SparkAPI over the active session (or a new one at ``master``, e.g. "local[2]" or
    "spark://host:7077"); intermediate tables are persisted rather than written out."""
    require("spark", "pyspark")  # MissingExtra names `pip install 'crimelink[spark]'`
    from splink import SparkAPI

    return SparkAPI(spark_session=_session(master), break_lineage_method="persist")  # type: ignore[no-untyped-call]


def to_spark(db: Any, table: pa.Table) -> Any:
    """An Arrow table as a Spark DataFrame with the same column types (through Python rows:
    pandas would turn a missing integer into NaN, which Spark's long type refuses)."""
    schema = ", ".join(f"{field.name} {_SPARK_TYPES[field.type]}" for field in table.schema)
    return db.spark.createDataFrame(table.to_pylist(), schema=schema)
