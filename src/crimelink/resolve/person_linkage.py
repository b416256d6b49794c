"""Person resolution for the analysis pipeline: the Splink engine plus analysts' decisions.

The engine (``splink_engine``) says which mentions are probably the same person; analysts'
decisions (``decisions``) override it where they have spoken. This module joins the two and
puts the outcome in the shape the store keeps: one link per mention, saying which offender it
belongs to, how sure the platform is, whether an analyst confirmed it, and which comparison
explains it (the mention it was linked to and each comparison's level and weight: with the
run's model, that is Splink's waterfall on the offender profile).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from crimelink.resolve.decisions import AnalystDecision, apply_decisions
from crimelink.resolve.persons import ALONE, DESCRIBED, PersonResolution, offender_rows, parse_name
from crimelink.resolve.splink_engine import LinkageSettings, link_person_mentions
from crimelink.resolve.splink_engine._explain import CONTEXT, gamma_labels

__all__ = ["CONFIRMED", "CONTEXT_JOINED", "SUGGESTED", "link_persons"]

SUGGESTED = "suggested"
CONFIRMED = "confirmed"
CONTEXT_JOINED = "context"
_ALONE_STATUS = "alone"
_DESCRIBED_STATUS = "described"
_TOP_REASONS = 3


def link_persons(
    mentions: pd.DataFrame, *, settings: LinkageSettings, decisions: Sequence[AnalystDecision] = ()
) -> PersonResolution:
    """Offenders from person mentions (``engine_input``'s frame), honouring every decision."""
    linkage = link_person_mentions(mentions, settings=settings)
    clusters, model, diagnostics = linkage.clusters, linkage.model, linkage.diagnostics
    labels = pd.Series(clusters["cluster_id"].to_numpy(), index=clusters["mention_id"].to_numpy())
    floor = min(settings.threshold, settings.context_probability)
    strong = linkage.edges[linkage.edges["match_probability"] >= floor]
    del linkage  # the features and every scored pair: gigabytes at national scale, not needed now
    incident_of = pd.Series(mentions["incident_id"].to_numpy(), index=mentions["mention_id"].to_numpy())
    decided = apply_decisions(labels, strong[["mention_id_l", "mention_id_r", "match_probability"]], decisions,
                              incident_of=incident_of)  # fmt: skip
    ids = np.asarray(decided.labels.index, dtype=np.int64)
    first = pd.Series(ids).groupby(decided.labels.to_numpy()).transform("min").to_numpy()
    offender_id = np.searchsorted(np.unique(first), first) + 1
    links = _explained(ids, offender_id, strong, model, decided.confirmed)
    m = mentions[["mention_id", "name", "pnc_id", "dob", "gender", "age_min", "age_max", "build"]].copy()
    m = m.merge(links[["mention_id", "offender_id"]], on="mention_id").sort_values("mention_id", ignore_index=True)
    m["node"] = np.arange(len(m), dtype=np.int64)
    m["display"] = [parse_name(n)[0] if isinstance(n, str) else None for n in m["name"]]
    links.loc[links["status"].eq(_ALONE_STATUS) & ~m["display"].notna().to_numpy() & m["pnc_id"].isna().to_numpy(),
              ["status", "reason"]] = [_DESCRIBED_STATUS, DESCRIBED]  # fmt: skip
    return PersonResolution(links=links, offenders=offender_rows(m), model=model, diagnostics=diagnostics)


def _explained(
    ids: np.ndarray, offender_id: np.ndarray, edges: pd.DataFrame, model: dict[str, Any], confirmed: dict[int, str]
) -> pd.DataFrame:
    """One link per mention: its offender, the strongest link inside it, and why."""
    offender_of = pd.Series(offender_id, index=ids)
    left, right = edges["mention_id_l"].to_numpy(), edges["mention_id_r"].to_numpy()
    inside = np.flatnonzero(offender_of.reindex(left).to_numpy() == offender_of.reindex(right).to_numpy())
    # Each mention's strongest link inside its offender, found on four narrow columns (the
    # scored pairs carry every comparison's level and weight: at a million mentions, copying
    # them twice over would cost gigabytes), then the chosen rows' details looked up once.
    probability = edges["match_probability"].to_numpy()[inside]
    ends = pd.DataFrame({
        "mention_id": np.concatenate([left[inside], right[inside]]),
        "linked_to": np.concatenate([right[inside], left[inside]]),
        "p": np.concatenate([probability, probability]), "row": np.concatenate([inside, inside]),
    }).sort_values(["mention_id", "p", "linked_to"], ascending=[True, False, True])  # fmt: skip
    best = ends.drop_duplicates("mention_id").set_index("mention_id").reindex(ids)
    has_row = best["row"].notna().to_numpy()
    chosen = pd.DataFrame(index=ids, columns=edges.columns)
    if has_row.any():
        picked = edges.iloc[best["row"].to_numpy()[has_row].astype(np.int64)]
        chosen = picked.set_axis(ids[has_row]).reindex(ids)
    chosen["linked_to"] = best["linked_to"].to_numpy()
    links = pd.DataFrame({"mention_id": ids, "offender_id": offender_id.astype(np.int64)})
    has_edge = chosen["match_probability"].notna().to_numpy()
    # Rounded: DuckDB sums in parallel, so the last bits of a weight differ from run to run, and
    # a re-run over the same reports should store the same conclusions.
    links["match_probability"] = chosen["match_probability"].astype(float).fillna(1.0).round(6).to_numpy()
    links["match_weight"] = chosen["match_weight"].astype(float).round(4).to_numpy()
    links["linked_to"] = chosen["linked_to"].astype("Int64").to_numpy()
    source = chosen["source"].to_numpy() if "source" in chosen else np.full(len(ids), None)
    links["status"] = np.where(has_edge, np.where(source == CONTEXT, CONTEXT_JOINED, SUGGESTED), _ALONE_STATUS)
    labels = gamma_labels(model)
    detail = [c for c in chosen.columns if c.startswith(("gamma_", "mw_"))]
    rows = chosen[detail].itertuples(index=False, name=None) if detail else repeat((), len(ids))
    context_reasons = chosen["reason"] if "reason" in chosen else repeat(None, len(ids))
    evidence: list[dict[str, list[float]] | None] = []
    reasons: list[str] = []
    for values, status, context_reason in zip(rows, links["status"], context_reasons, strict=True):
        if status == SUGGESTED:
            parts = _parts(dict(zip(detail, values, strict=True)))
            evidence.append(parts)
            reasons.append(_reason(parts, labels))
        else:
            evidence.append(None)
            reasons.append(str(context_reason) if status == CONTEXT_JOINED and context_reason else ALONE)
    links["evidence"] = evidence
    links["reason"] = reasons
    decided = links["mention_id"].isin(list(confirmed))
    links.loc[decided, "status"] = CONFIRMED
    links.loc[decided, "reason"] = [confirmed[int(m)][:400] for m in links.loc[decided, "mention_id"]]
    return links


def _parts(row: dict[str, Any]) -> dict[str, list[float]]:
    """{comparison: [level, weight, term-frequency adjustment]} of one scored pair (levels -1,
    "missing on either side", left out)."""
    parts: dict[str, list[float]] = {}
    for column, gamma in row.items():
        if not column.startswith("gamma_") or gamma is None or pd.isna(gamma) or int(gamma) == -1:
            continue
        name = column.removeprefix("gamma_")
        weight, tf = row.get(f"mw_{name}"), row.get(f"mw_tf_adj_{name}")
        parts[name] = [int(gamma), _weight(weight), _weight(tf)]
    return parts


def _weight(value: Any) -> float:
    """A weight as stored: three decimals, 0 where the comparison gave none."""
    return round(float(value), 3) if value is not None and pd.notna(value) else 0.0


def _reason(parts: dict[str, list[float]], labels: dict[str, dict[int, str]]) -> str:
    """The comparisons that weighed most for the link, in words: 'exact name; same date of birth'."""
    ranked = sorted(parts.items(), key=lambda item: -item[1][1])
    words = [labels.get(name, {}).get(int(level[0]), name) for name, level in ranked[:_TOP_REASONS]
             if level[1] > 0]  # fmt: skip
    return ("model: " + "; ".join(words))[:400] if words else "model"
