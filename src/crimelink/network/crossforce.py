"""Cross-force offending: the force areas each offender, group and series touches, and in what order.

Travelling groups exploit force boundaries: each force sees a few thefts, nobody sees the
pattern. For every entity this gives the forces affected, the *route* — its incidents in
time order, consecutive incidents in the same force folded into one leg (force, first, last,
incidents) — and a flag when the activity spans ``min_forces`` or more forces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CrossForceSettings", "routes"]

COLUMNS = ("kind", "entity_id", "forces", "force_list", "route", "legs", "cross_force")


@dataclass(frozen=True)
class CrossForceSettings:
    """When activity counts as cross-force; stored with each analysis run."""

    min_forces: int = 2
    keep_single_force: tuple[str, ...] = ("group", "series")  # offenders: only the cross-force ones


def routes(
    *, kind: str, pairs: pd.DataFrame, key: str, incidents: pd.DataFrame,
    settings: CrossForceSettings | None = None,
) -> pd.DataFrame:
    """One row per entity (``COLUMNS``): its forces and its route in time order.

    Args:
        kind: "offender", "group" or "series".
        pairs: (``key``, incident_id) — which incidents each entity is linked to.
        incidents: incident_id, occurred_at, police_force (unknown forces are left out).
    """
    settings = settings or CrossForceSettings()
    seen = pairs[[key, "incident_id"]].drop_duplicates().merge(
        incidents[["incident_id", "occurred_at", "police_force"]], on="incident_id")
    seen = seen.dropna(subset=["police_force"]).sort_values([key, "occurred_at", "incident_id"], ignore_index=True)
    if seen.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    counts = seen.groupby(key)["police_force"].nunique()
    wanted = counts.index if kind in settings.keep_single_force else counts.index[counts >= settings.min_forces]
    seen = seen[seen[key].isin(wanted)]
    entity = seen[key].to_numpy()
    force = seen["police_force"].to_numpy()
    new_leg = np.ones(len(seen), dtype=bool)
    new_leg[1:] = (entity[1:] != entity[:-1]) | (force[1:] != force[:-1])
    seen = seen.assign(leg=np.cumsum(new_leg))
    legs = seen.groupby("leg", sort=True).agg(
        entity=(key, "first"), force=("police_force", "first"), first=("occurred_at", "min"),
        last=("occurred_at", "max"), incidents=("incident_id", "size"))
    by_entity: dict[Any, list[dict[str, Any]]] = {}
    for row in legs.itertuples(index=False):
        by_entity.setdefault(row.entity, []).append({
            "force": row.force, "first": pd.Timestamp(row.first).isoformat(),
            "last": pd.Timestamp(row.last).isoformat(), "incidents": int(row.incidents)})
    forces = seen.groupby(key)["police_force"].agg(lambda s: sorted(set(s)))
    ids = list(by_entity)
    out = pd.DataFrame({
        "kind": kind,
        "entity_id": np.asarray(ids, dtype=np.int64),
        "force_list": [forces[i] for i in ids],
        "route": [by_entity[i] for i in ids],
    })
    out["forces"] = out["force_list"].map(len).astype(np.int64)
    out["legs"] = out["route"].map(len).astype(np.int64)
    out["cross_force"] = out["forces"] >= settings.min_forces
    return out[list(COLUMNS)]
