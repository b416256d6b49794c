"""Probabilistic person resolution with Splink: which mentions are the same person, and why.

One call, :func:`link_person_mentions`, takes a frame of person mentions and returns clusters,
the scored pairs behind them and explanations (``PersonLinkage.explain``). The steps:

1. **features** (``_features``): names parsed order-insensitively, nickname groups, phonetic
   codes, aliases, years of birth allowed by a date of birth or an age range, postcodes and
   addresses; uninformative names (a lone initial, "unknown") are nulled, a one-word name is
   kept only to support other evidence;
2. **model** (``_settings``, ``_model``): Splink on DuckDB over the linkable mentions (an
   informative name, a PNC id, or two weaker identifiers), deduplicated across all submitters
   at once; trained without labels, or run on written priors when the input is too small;
3. **clusters** (``_cluster``): connected components at ``LinkageSettings.threshold``; a
   component holding contradictions (two PNC ids, genders, dates of birth) is rebuilt edge by
   edge with the contradictions weighed in, so that weak links cannot chain two people;
4. **context** (``_context``): a described-only mention joins a named offender only where
   shared vehicles and known associates point to exactly one compatible offender; otherwise
   it stays alone. Looks alone never join anything.

The engine is pure: frames in, frames out. ``engine_input`` builds its input from plain frames
of mentions, incidents and plates (the analysis pipeline's); ``load_person_mentions`` reads a
store into it, with the keys of a generated scenario's truth, for benchmarks and checks.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd

from crimelink.resolve.splink_engine._cluster import cluster_edges, disagreement_weights
from crimelink.resolve.splink_engine._context import ContextJoins, context_joins
from crimelink.resolve.splink_engine._explain import CONTEXT, WaterfallStep, score_pair, steps_from_row
from crimelink.resolve.splink_engine._features import INPUT_COLUMNS, prepare_features
from crimelink.resolve.splink_engine._model import SPLINK_COLUMNS, quiet_splink, run_model
from crimelink.resolve.splink_engine._settings import LinkageSettings
from crimelink.resolve.splink_engine._store import engine_input, load_person_mentions

__all__ = [
    "INPUT_COLUMNS",
    "LinkageSettings",
    "PersonLinkage",
    "WaterfallStep",
    "engine_input",
    "link_person_mentions",
    "load_person_mentions",
]

_GUARD_GAMMAS = ("gamma_dob", "gamma_pnc_id", "gamma_gender")  # what the chaining guard reads
_SIZE_BANDS = ((1, 1), (2, 2), (3, 5), (6, 10), (11, 50), (51, 100), (101, None))


@dataclass(frozen=True)
class PersonLinkage:
    """The outcome of linking person mentions.

    ``clusters``: one row per input mention: ``mention_id``, ``cluster_id`` (from 1, in order
    of each cluster's first mention id) and ``match_probability`` (of the strongest edge that
    joins the mention into its cluster; 1.0 for a mention alone). ``edges``: the pairs scored
    at or above the edge floor, plus context joins: ``mention_id_l`` < ``mention_id_r``,
    ``match_weight``, ``match_probability``, ``source`` ("splink" or "context"), ``reason``,
    and per comparison ``gamma_<name>`` (Splink's level number, -1 for missing),
    ``mw_<name>`` (its match weight, log2 of the Bayes factor) and ``mw_tf_adj_<name>``.
    ``model``: the trained Splink model (JSON-ready). ``diagnostics``: what ran, how long it
    took, and the cluster size distribution. ``blocked_pairs``: every pair the blocking rules
    produced (mention_id_l, mention_id_r), only with ``LinkageSettings.keep_blocked_pairs``.
    """

    clusters: pd.DataFrame
    edges: pd.DataFrame
    model: dict[str, Any]
    diagnostics: dict[str, Any]
    _features: pd.DataFrame = field(repr=False)
    blocked_pairs: pd.DataFrame | None = field(default=None, repr=False)

    def explain(self, mention_a: int, mention_b: int) -> list[WaterfallStep]:
        """The waterfall of match weights between two mentions, prior first.

        Scored pairs come from ``edges``; others are scored afresh with the trained model. A
        described-only mention was never compared: one step says so.
        """
        left, right = sorted((int(mention_a), int(mention_b)))
        if left == right:
            return []
        edges = self.edges
        hit = edges[(edges["mention_id_l"] == left) & (edges["mention_id_r"] == right)]
        if not hit.empty:
            row: dict[str, Any] = hit.iloc[0].to_dict()
            return steps_from_row(row, self.model)
        features = self._features.set_index("unique_id", drop=False)
        if left not in features.index or right not in features.index or not self.model:
            return [WaterfallStep("eligibility", "described only: not compared by the model", 1.0, 0.0)]
        records = [_record(features.loc[i], self._features) for i in (left, right)]
        with quiet_splink():
            scored = score_pair(self.model, records[0], records[1])
        return steps_from_row(scored, self.model)


def _record(row: pd.Series, linkable: pd.DataFrame) -> dict[str, Any]:
    """A feature row as Splink takes it, with the term frequencies of the whole input."""
    record: dict[str, Any] = {}
    for column in SPLINK_COLUMNS:
        value = row.get(column)
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        record[column] = None if value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value
    for column in ("given", "family"):
        value = record.get(column)
        present = linkable[column].dropna()
        record[f"tf_{column}"] = float((present == value).sum() / len(present)) if value and len(present) else None
    return record


def link_person_mentions(mentions: pd.DataFrame, *, settings: LinkageSettings = LinkageSettings()) -> PersonLinkage:
    """Link person mentions into people.

    Args:
        mentions: one row per person mention, columns (``INPUT_COLUMNS``):
            ``mention_id`` (int, unique), ``incident_id``, ``name`` (as reported, any order),
            ``given_names``, ``family_name`` (as intake parsed them; the engine re-parses
            ``name``), ``aliases`` (list of names), ``dob`` (date or None), ``age_min``,
            ``age_max``, ``gender`` ("male", "female", "other", "unknown" or None),
            ``height_cm``, ``build``, ``postcode``, ``pnc_id``, ``occurred_at`` (datetime of
            the incident), ``store_id``, ``police_force``, ``vehicle_keys`` (normalised
            plates seen in the same incident; co-offenders are found through ``incident_id``).
            ``address`` is optional and compared when present. Other columns are ignored.
        settings: thresholds and training limits (stored with each analysis run).

    Returns:
        PersonLinkage: clusters, edges, the trained model and diagnostics.
    """
    missing = [c for c in INPUT_COLUMNS if c not in mentions.columns]
    if missing:
        raise ValueError(f"person mentions lack columns: {', '.join(missing)}")
    clock: dict[str, float] = {}
    memory: dict[str, int] = {}
    started = perf_counter()
    frame = mentions.reset_index(drop=True)
    features = prepare_features(frame)
    clock["features"], memory["features"] = perf_counter() - started, _peak_mb()
    run = run_model(features, settings, keep_blocked=settings.keep_blocked_pairs)
    clock.update(run.seconds)
    memory["model"] = _peak_mb()
    started = perf_counter()
    linkable = features[features["linkable"]].reset_index(drop=True)
    node_of = pd.Series(np.arange(len(linkable), dtype=np.int64), index=linkable["unique_id"].to_numpy())
    wanted = ["match_weight", "match_probability", *(c for c in run.edges if c in _GUARD_GAMMAS)]
    edges = run.edges[wanted].assign(
        node_l=run.edges["mention_id_l"].map(node_of).to_numpy(dtype=np.int64),
        node_r=run.edges["mention_id_r"].map(node_of).to_numpy(dtype=np.int64),
    )
    nodes = pd.DataFrame({
        "node": np.arange(len(linkable), dtype=np.int64),
        "dob_date": pd.to_datetime(linkable["dob"], format="%Y%m%d", errors="coerce").dt.date.astype(object),
        "pnc_id": linkable["pnc_id"], "gender": linkable["gender"],
        "middles": [_middle_names(t, g, f) for t, g, f in zip(linkable["tokens"], linkable["given"], linkable["family"],
                                                                strict=True)],
    })  # fmt: skip
    nodes["dob_date"] = nodes["dob_date"].where(pd.notna(nodes["dob_date"]), None)
    clustering = cluster_edges(nodes, edges, settings.threshold, disagreement_weights(run.model))
    cluster_of = pd.Series(clustering.labels, index=linkable["unique_id"].to_numpy())
    clock["cluster"], memory["cluster"] = perf_counter() - started, _peak_mb()
    started = perf_counter()
    joins = context_joins(features, frame, cluster_of) if settings.context_pass else None
    clock["context"], memory["context"] = perf_counter() - started, _peak_mb()
    clusters, all_edges = _assemble(frame, cluster_of, run.edges, joins, settings)
    diagnostics = {
        "mentions": len(frame),
        "linkable": len(linkable),
        "blocked_pairs": run.blocked_pairs,
        "edges": len(run.edges),
        "trained": run.trained,
        "components_split": clustering.split,
        "context_candidates": joins.candidates if joins else 0,
        "context_joins": len(joins.joins) if joins else 0,
        "cluster_sizes": _size_bands(clusters),
        "largest_cluster": int(clusters["cluster_id"].value_counts().max()) if len(clusters) else 0,
        "seconds": {k: round(v, 3) for k, v in clock.items()},
        "peak_rss_mb_after": memory,
        "settings": settings.as_dict(),
    }
    return PersonLinkage(clusters, all_edges, run.model, diagnostics, linkable, run.blocked)


def _assemble(
    frame: pd.DataFrame, cluster_of: pd.Series, edges: pd.DataFrame, joins: ContextJoins | None,
    settings: LinkageSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Cluster ids for every mention, numbered in order of first mention; edges with sources."""
    ids = frame["mention_id"].astype("int64").to_numpy()
    label = pd.Series(cluster_of.reindex(ids).to_numpy(), index=ids)
    spare = -1 - np.arange(len(ids))  # described-only mentions start alone
    label = label.where(label.notna(), pd.Series(spare, index=ids)).astype("int64")
    # In place: the scored pairs run to millions of rows at national scale, and each copy of
    # them costs as much memory as the model itself.
    edges["source"] = "splink"
    edges["reason"] = None
    if joins is not None and not joins.joins.empty:
        j = joins.joins
        label.loc[j["mention_id"].to_numpy()] = j["cluster"].astype("int64").to_numpy()
        weight = float(np.log2(settings.context_probability / (1 - settings.context_probability)))
        context = pd.DataFrame({
            "mention_id_l": np.minimum(j["mention_id"], j["anchor"]).astype("int64"),
            "mention_id_r": np.maximum(j["mention_id"], j["anchor"]).astype("int64"),
            "match_weight": weight, "match_probability": settings.context_probability,
            "source": CONTEXT, "reason": j["reason"].to_numpy(),
        })  # fmt: skip
        for column in edges.columns:  # not compared by the model: level -1, weight 0, same dtypes
            if column.startswith(("gamma_", "mw_")):
                context[column] = pd.Series(-1 if column.startswith("gamma_") else 0.0, index=context.index).astype(
                    edges[column].dtype
                )
        edges = pd.concat([edges, context], ignore_index=True)
    first = pd.Series(ids, index=ids).groupby(label.to_numpy()).transform("min")
    order = np.unique(first.to_numpy())
    cluster_id = np.searchsorted(order, first.to_numpy()) + 1
    same = edges["mention_id_l"].map(pd.Series(cluster_id, index=ids)) == edges["mention_id_r"].map(
        pd.Series(cluster_id, index=ids)
    )
    inside = edges[
        same.to_numpy() & (edges["match_probability"] >= min(settings.threshold, settings.context_probability))
    ]
    strongest = pd.concat(
        [inside[["mention_id_l", "match_probability"]].set_axis(["mention_id", "p"], axis=1),
         inside[["mention_id_r", "match_probability"]].set_axis(["mention_id", "p"], axis=1)]
    ).groupby("mention_id")["p"].max()  # fmt: skip
    probability = pd.Series(ids).map(strongest).fillna(1.0).to_numpy()
    clusters = pd.DataFrame(
        {"mention_id": ids, "cluster_id": cluster_id.astype("int64"), "match_probability": probability}
    )
    return clusters, edges


def _middle_names(tokens: object, given: object, family: object) -> tuple[str, ...]:
    """The names a mention gives besides its first given name and family name."""
    if not isinstance(tokens, list | tuple | np.ndarray):
        return ()
    return tuple(str(t) for t in tokens if t not in (given, family))


def _peak_mb() -> int:
    """The process's peak resident memory so far, in MB (Linux reports it in KB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


def _size_bands(clusters: pd.DataFrame) -> dict[str, int]:
    sizes = clusters["cluster_id"].value_counts().to_numpy()
    bands: dict[str, int] = {}
    for low, high in _SIZE_BANDS:
        inside = (sizes >= low) & (sizes <= (high if high is not None else sizes.max(initial=0)))
        bands[f"{low}" if low == high else f"{low}-{high}" if high else f"{low}+"] = int(inside.sum())
    return bands
