"""The Splink engine on Spark (local mode) gives the same people as on DuckDB.

A small generated scenario is linked twice with one settings object, once per backend. It is
small enough that the engine scores it with the written priors on both: training samples
pairs at random, and the two backends draw different random pairs, so trained models would
differ by sampling noise; with the priors every remaining step (features, blocking, scoring,
clustering, the context pass) must agree exactly.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crimelink.access.organisations import add_organisation
from crimelink.intake import import_files
from crimelink.resolve.splink_engine import LinkageSettings, link_person_mentions, load_person_mentions
from crimelink.scenario import generate_scenario
from crimelink.store import StoreHandle

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark not installed (the spark extra)"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java on the path (Spark needs Java 17)"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("crimelink-test")
        .config("spark.jars", _jar())
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _jar() -> str:
    from splink.internals.spark.jar_location import similarity_jar_location

    return similarity_jar_location()


def _mentions(store: StoreHandle, tmp_path: Path) -> pd.DataFrame:
    out = tmp_path / "s.jsonl"
    generate_scenario(incidents=150, seed=11, out=out)
    with store.session() as session:
        for row in csv.DictReader((tmp_path / "s.jsonl.truth" / "organisations.csv").open()):
            add_organisation(session=session, code=row["code"], kind=row["kind"], name=row["name"],
                             force=row["police_force"] or None)  # fmt: skip
    import_files(store=store, paths=[out])
    return load_person_mentions(store=store)


def _partition(clusters: pd.DataFrame) -> set[frozenset[int]]:
    return {frozenset(group) for group in clusters.groupby("cluster_id")["mention_id"].agg(list)}


def test_spark_links_the_same_people_as_duckdb(spark: Any, sqlite_store: StoreHandle, tmp_path: Path) -> None:
    mentions = _mentions(sqlite_store, tmp_path)
    on_duckdb = link_person_mentions(mentions, settings=LinkageSettings())
    on_spark = link_person_mentions(mentions, settings=LinkageSettings(backend="spark"))
    assert "priors" in str(on_duckdb.diagnostics["trained"].get("skipped"))
    assert on_duckdb.diagnostics["edges"] > 20, "the scenario must give the comparison something to compare"
    assert _partition(on_spark.clusters) == _partition(on_duckdb.clusters)
    assert on_spark.diagnostics["blocked_pairs"] == on_duckdb.diagnostics["blocked_pairs"]
    keys = ["mention_id_l", "mention_id_r"]
    spark_edges = on_spark.edges.sort_values(keys, ignore_index=True)
    duckdb_edges = on_duckdb.edges.sort_values(keys, ignore_index=True)
    assert spark_edges[keys].equals(duckdb_edges[keys])
    assert spark_edges["match_weight"].to_numpy() == pytest.approx(duckdb_edges["match_weight"].to_numpy(), abs=1e-3)
    gammas = [c for c in duckdb_edges if c.startswith("gamma_")]
    assert (spark_edges[gammas].to_numpy() == duckdb_edges[gammas].to_numpy()).all()
