"""Explanations: why two mentions were (or were not) judged the same person, step by step.

A Splink score is a sum of match weights (log2 Bayes factors): the prior, then one term per
comparison (plus a term-frequency adjustment where the value is rarer or commoner than
usual). Listed in order, the terms are the waterfall an analyst reads: "same family name
+9.1, dates of birth a year out +4.3, different force area -0.8 ...".

A pair the model scored is explained from its row in ``edges``; any other pair (never
blocked together, or scored below the edge floor) is scored afresh with the trained model,
so that "why not?" has an answer too. Pairs joined by the context pass are explained by the
rule that joined them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker

__all__ = ["WaterfallStep", "gamma_labels", "score_pair", "steps_from_row"]

PRIOR = "prior"
CONTEXT = "context"


@dataclass(frozen=True)
class WaterfallStep:
    """One term of a match score: which comparison, at which level, and its weight."""

    comparison: str
    level_label: str
    bayes_factor: float
    match_weight: float

    def as_dict(self) -> dict[str, object]:
        return {
            "comparison": self.comparison,
            "level_label": self.level_label,
            "bayes_factor": self.bayes_factor,
            "match_weight": round(self.match_weight, 4),
        }


def _step(comparison: str, label: str, weight: float) -> WaterfallStep:
    return WaterfallStep(comparison, label, 2.0**weight, weight)


def gamma_labels(model: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """Comparison → gamma value → level label, numbered as Splink numbers them (null is -1)."""
    out: dict[str, dict[int, str]] = {}
    for comparison in model.get("comparisons", []):
        levels = comparison["comparison_levels"]
        ranked = [level for level in levels if not level.get("is_null_level")]
        labels: dict[int, str] = {}
        for level in levels:
            if level.get("is_null_level"):
                # Splink numbers every null level -1; the first one's label stands for them all.
                labels.setdefault(-1, level.get("label_for_charts", "missing"))
        for position, level in enumerate(ranked):
            labels[len(ranked) - 1 - position] = level.get("label_for_charts", "")
        out[comparison["output_column_name"]] = labels
    return out


def _prior_step(model: Mapping[str, Any]) -> WaterfallStep:
    lam = float(model.get("probability_two_random_records_match", 0.5))
    return _step(PRIOR, f"two mentions picked at random match ({lam:.3g})", math.log2(lam / (1 - lam)))


def steps_from_row(row: Mapping[str, Any], model: Mapping[str, Any]) -> list[WaterfallStep]:
    """The waterfall of one scored pair (a row of ``edges``, or a fresh score)."""
    if row.get("source") == CONTEXT:
        weight = float(row["match_weight"])
        return [_step(CONTEXT, str(row.get("reason") or "joined by context"), weight)]
    steps = [_prior_step(model)]
    labels = gamma_labels(model)
    for comparison, levels in labels.items():
        gamma = row.get(f"gamma_{comparison}")
        if gamma is None or (isinstance(gamma, float) and math.isnan(gamma)):
            continue
        weight = float(row.get(f"mw_{comparison}", 0.0) or 0.0)
        steps.append(_step(comparison, levels.get(int(gamma), f"level {int(gamma)}"), weight))
        adjustment = row.get(f"mw_tf_adj_{comparison}")
        if adjustment is not None and not math.isnan(float(adjustment)) and float(adjustment) != 0.0:
            steps.append(_step(comparison, "term-frequency adjustment (how common the value is)", float(adjustment)))
    return steps


def score_pair(model: Mapping[str, Any], left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Score one pair with the trained model on a throwaway DuckDB connection.

    ``left``/``right`` are feature rows (``SPLINK_COLUMNS``) with ``tf_<column>`` values for
    the term-frequency adjusted columns, as the model saw them over the whole input.
    """
    con = duckdb.connect()
    try:
        db = DuckDBAPI(connection=con)
        sdf = db.register(pd.DataFrame([left, right]), table_name="pair")
        linker = Linker(sdf, dict(model), log_level=None, validate_settings=False)
        scored = linker.inference.score_pair(left, right)
        rows: list[dict[str, Any]] = scored.as_record_list()
    finally:
        con.close()
    return rows[0]
