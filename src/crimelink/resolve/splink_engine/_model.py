"""Running Splink: register the features, train without labels, score the blocked pairs.

Training follows Splink's unsupervised recipe: λ (the prior probability that two mentions
match) from deterministic rules and an assumed recall; u by random sampling (pairs drawn at
random are almost all non-matches); m by expectation maximisation over blocking rules that
each leave some comparisons free to be estimated. Each step runs only where the data is large
enough for it to mean something (``LinkageSettings.min_training_mentions``,
``min_em_pairs``); otherwise the priors written in ``_settings`` stand. A tiny input (a test,
a first week of data) is scored with those priors.

Splink uses its own DuckDB connection here, with the thread and memory limits of the settings;
nothing else reads from it, so no result is ever left partly read (DuckDB 2 refuses that).
"""

from __future__ import annotations

import copy
import logging
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.exceptions import SplinkException

from crimelink.resolve.splink_engine._blocking import blocking_rules, deterministic_rules, training_rules
from crimelink.resolve.splink_engine._settings import LinkageSettings, comparisons

__all__ = ["SPLINK_COLUMNS", "ModelRun", "run_model"]

logger = logging.getLogger(__name__)

# Pairs scored below this probability (under the starting λ) are dropped before λ is refined:
# even a λ a hundred times larger leaves them below 1e-4, too little to move the estimate.
_SCAN_FLOOR = 1e-6
_LAMBDA_ITERATIONS = 50
_M_FLOOR = 1e-3
_U_FLOOR = 1e-7

# Feature columns handed to Splink, with their types (lists travel as DuckDB lists).
_TEXT, _TEXTS, _INT, _FLOAT, _BOOL = pa.string(), pa.list_(pa.string()), pa.int64(), pa.float64(), pa.bool_()
SPLINK_COLUMNS: dict[str, pa.DataType] = {
    "unique_id": _INT, "given": _TEXT, "given_groups": _TEXTS, "given_mp": _TEXT, "family": _TEXT,
    "family_mp": _TEXT, "family_sdx": _TEXT, "initial": _TEXT, "tokens": _TEXTS, "name_key": _TEXT,
    "alias_keys": _TEXTS, "all_keys": _TEXTS, "dob": _TEXT, "dob_y": _INT, "dob_m": _INT, "dob_d": _INT,
    "dob_days": _INT, "dob_digits": _TEXT, "born_lo": _FLOAT, "born_hi": _FLOAT, "has_dob": _BOOL, "gender": _TEXT,
    "height_cm": _FLOAT, "build": _TEXT, "postcode": _TEXT, "postcode_sector": _TEXT, "postcode_sorted": _TEXT,
    "pnc_id": _TEXT, "address": _TEXT, "address_sorted": _TEXT, "address_head": _TEXT,
    "address_tail": _TEXT, "address_street": _TEXT, "address_words": _TEXTS, "police_force": _TEXT,
    "store_id": _TEXT, "vehicle_keys": _TEXTS,
}  # fmt: skip


@dataclass
class ModelRun:
    """What one run of the model produced.

    ``edges``: scored pairs at or above ``LinkageSettings.edge_floor`` (mention_id_l,
    mention_id_r, match_weight, match_probability, gamma_* and bf_* columns). ``model``: the
    trained Splink settings (JSON-ready), for explanations and audit. ``trained``: which
    training steps ran. ``blocked_pairs``: how many pairs the blocking rules produced.
    """

    edges: pd.DataFrame
    model: dict[str, Any]
    trained: dict[str, object] = field(default_factory=dict)
    blocked_pairs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    blocked: pd.DataFrame | None = None


def to_arrow(features: pd.DataFrame) -> pa.Table:
    """The Splink columns of ``features`` as an Arrow table with explicit types."""
    arrays = {}
    for column, kind in SPLINK_COLUMNS.items():
        values = features[column] if column in features else pd.Series([None] * len(features))
        if kind in (_INT, _FLOAT):
            numeric = pd.to_numeric(values, errors="coerce")
            arrays[column] = pa.array(numeric.to_numpy(dtype=float), mask=numeric.isna().to_numpy()).cast(kind)
        else:
            arrays[column] = pa.array([None if _missing(v) else v for v in values], type=kind)
    return pa.table(arrays)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _pairs(features: pd.DataFrame, columns: list[str]) -> int:
    """Pairs an equi-join blocking rule on ``columns`` produces (each side non-null)."""
    keyed = features.dropna(subset=columns)
    if keyed.empty:
        return 0
    sizes = keyed.groupby(columns, sort=False).size().to_numpy(dtype=np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _connection(settings: LinkageSettings, spill: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB held to the settings' threads and memory, spilling to ``spill``."""
    con = duckdb.connect()
    con.execute(f"SET threads = {int(settings.threads)}")
    con.execute("SET memory_limit = ?", [settings.memory_limit])
    con.execute("SET temp_directory = ?", [spill])
    con.execute("SET preserve_insertion_order = false")
    return con


def _settings_creator(features: pd.DataFrame, settings: LinkageSettings, prior: float) -> SettingsCreator:
    found = comparisons(features)
    if settings.backend == "spark":
        from crimelink.resolve.splink_engine._spark import spark_comparisons

        found = spark_comparisons(found)
    chosen: list[ComparisonCreator | dict[str, Any]] = [*found]
    rules: list[BlockingRuleCreator | dict[str, Any]] = [*blocking_rules(features, settings.pairs_per_mention)]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=chosen,
        blocking_rules_to_generate_predictions=rules,
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=25,
        em_convergence=1e-4,
    )


_MAX_PRIOR = 0.01


def _prior(n: int) -> float:
    """λ without training: as if each mention had about one other mention of the same person,
    but never above 1% (trained on the 20,000-incident scenario, λ is 0.2%): over a handful of
    mentions 1/(n-1) would be a coin toss, and a shared name and store would outweigh two
    dates of birth years apart."""
    return min(_MAX_PRIOR, 1.0 / max(n - 1, 1))


def _regularised(model: dict[str, Any]) -> dict[str, Any]:
    """The model with no level certain or impossible: m and u kept within [floor, 1].

    EM sets m to zero for a level it never sees among matches (a home postcode that never
    changed in the training data), which would make that level veto any link with a weight of
    minus infinity; reports err, people move. Floors keep every level finite: m ≥ 1e-3 (one
    true pair in a thousand may show any level), u ≥ 1e-7.
    """
    for comparison in model.get("comparisons", []):
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", _M_FLOOR), ("u_probability", _U_FLOOR)):
            values = [lv.get(key) for lv in levels]
            if any(v is None for v in values):
                continue
            clipped = [min(max(float(v), floor), 1.0) for v in values]
            total = sum(clipped)
            for level, value in zip(levels, clipped, strict=True):
                level[key] = value / total
    return model


def _without_term_frequencies(model: dict[str, Any]) -> dict[str, Any]:
    """The model without term-frequency adjustments: counted over a handful of mentions they are
    noise (a name in two of two reports would count as the commonest name there is, and every
    name match would weigh next to nothing)."""
    for comparison in model.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
    return model


def _train(
    linker: Linker, sdf: Any, features: pd.DataFrame, settings: LinkageSettings, clock: dict[str, float]
) -> tuple[Linker, dict[str, object]]:
    """Train what the data allows; record what ran and what was skipped (and why).

    Each EM session starts from a snapshot of the model: a session that fails (EM can drive a
    level's m to zero and Splink then refuses it) leaves the model as it was before, rather than
    half-changed, and the regularised model is reloaded between sessions.
    """
    trained: dict[str, object] = {}
    n = len(features)
    if n < settings.min_training_mentions:
        trained["skipped"] = (f"{n} linkable mentions < {settings.min_training_mentions}: written priors used, "
                              "no term-frequency adjustments")  # fmt: skip
        return Linker(sdf, _without_term_frequencies(linker.misc.save_model_to_json()), log_level=None), trained
    started = perf_counter()
    try:
        deterministic: list[str | BlockingRuleCreator] = [*deterministic_rules()]
        linker.training.estimate_probability_two_random_records_match(
            deterministic, recall=settings.deterministic_recall
        )
        trained["lambda"] = linker.misc.save_model_to_json()["probability_two_random_records_match"]
    except (ValueError, SplinkException) as exc:
        trained["lambda"] = f"prior kept: {exc}"
    clock["train_lambda"] = perf_counter() - started
    started = perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
    trained["u"] = "random sampling"
    clock["train_u"] = perf_counter() - started
    started = perf_counter()
    for rule, columns in zip(training_rules(), (["family_mp", "given_mp"], ["dob"]), strict=True):
        label = "+".join(columns)
        pairs = _pairs(features, columns)
        if pairs < settings.min_em_pairs:
            trained[f"em {label}"] = f"skipped: {pairs} pairs < {settings.min_em_pairs}"
            continue
        snapshot = _regularised(linker.misc.save_model_to_json())
        linker = Linker(sdf, snapshot, log_level=None)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True,
                max_pairs=settings.em_max_pairs if pairs > settings.em_max_pairs else None,
            )  # fmt: skip
            trained[f"em {label}"] = f"{pairs} pairs"
        except (ValueError, SplinkException) as exc:
            trained[f"em {label}"] = f"failed, model before it kept: {exc}"
            linker = Linker(sdf, copy.deepcopy(snapshot), log_level=None)
    clock["train_em"] = perf_counter() - started
    model = _regularised(linker.misc.save_model_to_json())
    labelled = _pairs(features[features["dob"].notna()], ["pnc_id"])
    if labelled >= settings.min_label_pairs:
        model = _dob_from_pnc_labels(sdf, model)
        trained["m dob"] = f"from {labelled} pairs sharing a PNC id"
    return Linker(sdf, model, log_level=None), trained


def _dob_from_pnc_labels(sdf: Any, model: dict[str, Any]) -> dict[str, Any]:
    """The date-of-birth m values measured on mentions that share a PNC id (the same person by
    the police's own identifier), in place of EM's.

    EM estimates the date-of-birth levels in its session blocked on names, where the pairs it
    takes for matches include every two people who share a name: at scale ("John Smith" many
    times over) it learns that matches often disagree on date of birth, and a mismatch stops
    counting against a link. Pairs that share a PNC id are matches by construction.
    """
    labeller = Linker(sdf, copy.deepcopy(model), log_level=None)
    labeller.training.estimate_m_from_label_column("pnc_id")
    measured = labeller.misc.save_model_to_json()
    for target, source in zip(model["comparisons"], measured["comparisons"], strict=True):
        if target["output_column_name"] != "dob":
            continue
        for level, found in zip(target["comparison_levels"], source["comparison_levels"], strict=True):
            value = found.get("m_probability")
            if isinstance(value, int | float) and not level.get("is_null_level"):
                level["m_probability"] = float(value)
    return _regularised(model)


@contextmanager
def quiet_splink() -> Iterator[None]:
    """Splink's warnings at ERROR only while the engine runs: it warns, level by level, about
    every level EM never saw and about sampling sizes; ``ModelRun.trained`` says what was
    trained instead."""
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        splink_logger.setLevel(level)


def run_model(features: pd.DataFrame, settings: LinkageSettings, *, keep_blocked: bool = False) -> ModelRun:
    """Train and predict over the linkable mentions of ``features``."""
    with quiet_splink():
        return _run_model(features, settings, keep_blocked=keep_blocked)


def _run_model(features: pd.DataFrame, settings: LinkageSettings, *, keep_blocked: bool) -> ModelRun:
    linkable = features[features["linkable"]].reset_index(drop=True)
    clock: dict[str, float] = {}
    creator = _settings_creator(linkable, settings, _prior(len(linkable)))
    if len(linkable) < 2:
        return ModelRun(edges=_empty_edges(), model={}, trained={"skipped": "fewer than two linkable mentions"})
    with _backend(settings) as db:
        table = to_arrow(linkable)
        if settings.backend == "spark":
            from crimelink.resolve.splink_engine._spark import to_spark

            sdf = db.register(to_spark(db, table), table_name="mentions")
        else:
            sdf = db.register(table, table_name="mentions")
        del table
        linker = Linker(sdf, creator, log_level=None)
        linker, trained = _train(linker, sdf, linkable, settings, clock)
        started = perf_counter()
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        blocked_pairs = int(_query(db, f"SELECT count(*) AS n FROM {blocked.physical_name}")["n"].iloc[0])
        kept = _query(db, _blocked_ids_sql(blocked.physical_name)) if keep_blocked else None
        clock["block"] = perf_counter() - started
        started = perf_counter()
        model = linker.misc.save_model_to_json()
        prior = float(model["probability_two_random_records_match"])
        # Pass 1: every blocked pair's weight only, for λ. Pass 2: the kept pairs in detail.
        predictions = linker.inference.predict(threshold_match_probability=_SCAN_FLOOR, warning_mode="never")
        refined = prior
        if "skipped" not in trained:
            refined = _refine_lambda(db, predictions.physical_name, prior, len(linkable))
            # u from random pairs counts the true matches among them as non-matches; with λ now
            # known, take them out and score again (``_decontaminated``).
            model = _decontaminated(model, refined, 1.0 / settings.u_max_pairs)
            trained["u"] = "random sampling, true matches among the sampled pairs taken out"
            predictions.drop_table_from_database_and_remove_from_cache()
            linker = Linker(sdf, model, log_level=None)
            predictions = linker.inference.predict(threshold_match_probability=_SCAN_FLOOR, warning_mode="never")
            refined = _refine_lambda(db, predictions.physical_name, prior, len(linkable))
            trained["lambda refined"] = refined
        model["probability_two_random_records_match"] = refined
        shift, floor = _logit2(refined) - _logit2(prior), _logit2(settings.edge_floor)
        pairs = db.query_sql(
            "SELECT '0' AS match_key, unique_id_l AS join_key_l, unique_id_r AS join_key_r "
            f"FROM {predictions.physical_name} WHERE match_weight >= {floor - shift!r}"
        )
        clock["predict"] = perf_counter() - started
        started = perf_counter()
        edges = _detailed_edges(db, sdf, model, pairs)
        predictions.drop_table_from_database_and_remove_from_cache()
        clock["detail"] = perf_counter() - started
    return ModelRun(edges=edges, model=model, trained=trained, blocked_pairs=blocked_pairs, seconds=clock, blocked=kept)


@contextmanager
def _backend(settings: LinkageSettings) -> Iterator[Any]:
    """Splink's database for this run: its own DuckDB connection (closed, and its spill files
    removed, afterwards), or Spark (``LinkageSettings.backend``)."""
    if settings.backend == "spark":
        from crimelink.resolve.splink_engine._spark import spark_api

        yield spark_api(settings.spark_master)
        return
    if settings.backend != "duckdb":
        raise ValueError(f"unknown linkage backend {settings.backend!r}: duckdb or spark")
    spill = tempfile.TemporaryDirectory(prefix="crimelink-linkage-")
    con = _connection(settings, spill.name)
    try:
        yield DuckDBAPI(connection=con)
    finally:
        con.close()
        spill.cleanup()


def _query(db: Any, sql: str) -> pd.DataFrame:
    """A query's whole result as pandas, on either backend."""
    frame: pd.DataFrame = db.query_sql(sql, output_type="pandas")
    return frame


def _decontaminated(model: dict[str, Any], lam: float, floor: float) -> dict[str, Any]:
    """u with the true matches among the randomly sampled pairs taken out.

    A random pair is a match with probability λ, so the share of random pairs at a level is
    λ·m + (1 - λ)·u, not u. Where λ is small and the level rare among non-matches ("same
    address", "names swapped") the matches make up most of what the sample found: on FEBRL 4
    (λ = 1e-4) "same address" was sampled at 3.3e-5 while the matches alone account for 4.3e-5,
    so u was overstated and every such pair's weight understated. Solved for u and floored at
    ``floor`` (one pair in the sample: the sample cannot say less than that).
    """
    for comparison in model.get("comparisons", []):
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        if any(lv.get("u_probability") is None or lv.get("m_probability") is None for lv in levels):
            continue
        corrected = [
            max((float(lv["u_probability"]) - lam * float(lv["m_probability"])) / (1.0 - lam), floor) for lv in levels
        ]
        total = sum(corrected)
        for level, value in zip(levels, corrected, strict=True):
            level["u_probability"] = value / total
    return model


def _logit2(p: float) -> float:
    return math.log2(p / (1.0 - p))


def _refine_lambda(db: Any, table: str, prior: float, n: int) -> float:
    """λ by expectation maximisation over all pairs, m and u held fixed.

    The deterministic rules give the starting value; their recall is only a guess, and on
    reports where few mentions carry a date of birth it can be off tenfold. With m and u fixed,
    the maximum-likelihood λ satisfies λ = Σ P(match | pair) / (all pairs): the scored pairs
    contribute their posteriors, pairs never blocked together are taken as non-matches. The
    log-likelihood is concave in λ, so the iteration converges to the one maximum. The pairs
    are read once, as a histogram of their weights (to 1/100 of a bit), and iterated on here.
    """
    histogram = _query(db, f"SELECT round(match_weight, 2) AS w, count(*) AS n FROM {table} GROUP BY 1")
    weights = histogram["w"].to_numpy(dtype=float)
    counts = histogram["n"].to_numpy(dtype=float)
    total = n * (n - 1) / 2
    lam = prior
    for _ in range(_LAMBDA_ITERATIONS):
        shift = _logit2(lam) - _logit2(prior)
        expected = float((counts / (1.0 + np.power(2.0, -(weights + shift)))).sum())
        new = min(max(expected / total, 1e-12), 0.5)
        if abs(math.log(new / lam)) < 1e-3:
            return new
        lam = new
    return lam


def _detailed_edges(db: Any, sdf: Any, model: dict[str, Any], pairs: Any) -> pd.DataFrame:
    """The kept pairs scored again with every comparison's level and weight retained."""
    detail = Linker(sdf, {**model, "retain_matching_columns": True, "retain_intermediate_calculation_columns": True},
                    log_level=None)  # fmt: skip
    detail.table_management.register_blocked_pairs_for_predict(pairs)
    scored = detail.inference.predict(warning_mode="never")
    names = list(_query(db, f"SELECT * FROM {scored.physical_name} LIMIT 0").columns)
    # Compact types in SQL, so that millions of edges never exist in pandas as 64-bit columns.
    parts = [
        f"CAST({c} AS TINYINT) AS {c}" if c.startswith("gamma_") else f"CAST({c} AS FLOAT) AS {c}"
        for c in names
        if c.startswith(("gamma_", "mw_"))
    ]
    frame = _query(
        db,
        "SELECT unique_id_l AS mention_id_l, unique_id_r AS mention_id_r, match_weight, match_probability, "
        f"{', '.join(parts)} FROM {scored.physical_name} ORDER BY mention_id_l, mention_id_r",
    )
    scored.drop_table_from_database_and_remove_from_cache()
    pairs.drop_table_from_database_and_remove_from_cache()
    return frame


def _blocked_ids_sql(table: str) -> str:
    """The blocked pairs as mention ids (for measuring blocking recall); join keys are unique ids."""
    return f"SELECT DISTINCT join_key_l AS mention_id_l, join_key_r AS mention_id_r FROM {table}"


def _empty_edges() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mention_id_l": pd.Series(dtype="int64"),
            "mention_id_r": pd.Series(dtype="int64"),
            "match_weight": pd.Series(dtype=float),
            "match_probability": pd.Series(dtype=float),
        }
    )
