"""The context pass: described-only mentions joined to a named person only where context says so.

A mention with no usable name or PNC id, and at most one weaker identifier ("white male, 25-35,
slim, grey hoodie"), never enters the probabilistic model: looks are shared by thousands. It
joins a named offender's cluster only when

1. **context** points to that offender twice over: at least ``_MIN_SUPPORT`` distinct pieces
   of it, each a vehicle of the incident also seen at incidents where the offender was named,
   or a named co-offender in the incident who is a known associate of the offender (named
   together in at least ``_MIN_ASSOCIATION`` other incidents);
2. the description is **compatible** with the offender: no contradiction on gender, on age (the
   description's age range against the offender's date of birth or reported ages, with a few
   years' slack), height (±7 cm) or build; and it positively **agrees** on at least
   ``_MIN_AGREEING`` of them;
3. exactly **one** offender has context and is compatible. Two compatible candidates mean the
   description could be either: it stays alone.

A named offender in another report of the same store on the same day is not taken as context:
on the 20,000-incident scenario such a candidate was the right person only 41% of the time
(two reports from one store on one day are mostly different people), against 97-99% for the
rule above.

Looks only ever rule candidates out; they never bring one in. Everything else stays a
singleton.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ContextJoins", "context_joins"]

_MIN_ASSOCIATION = 2
_MIN_SUPPORT = 2
_MIN_AGREEING = 2
_AGE_SLACK_YEARS = 3.0
_HEIGHT_SLACK_CM = 7.0


@dataclass(frozen=True)
class ContextJoins:
    """``joins``: mention_id, cluster, anchor (a mention of the cluster), reason."""

    joins: pd.DataFrame
    candidates: int  # described-only mentions that had at least one contextual candidate


def _explode(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    out = frame[frame[column].map(lambda v: isinstance(v, list) and len(v) > 0)].explode(column)
    return out.dropna(subset=[column])


def _vehicle_candidates(described: pd.DataFrame, named: pd.DataFrame) -> pd.DataFrame:
    """(mention_id, cluster, reason): clusters named in other incidents with the same vehicle."""
    plates = _explode(named[["incident_id", "cluster", "vehicle_keys"]], "vehicle_keys")
    seen = plates.groupby(["vehicle_keys", "cluster"], sort=False)["incident_id"].agg(["nunique", "min", "max"])
    seen = seen.reset_index()
    wanted = _explode(described[["mention_id", "incident_id", "vehicle_keys"]], "vehicle_keys")
    found = wanted.merge(seen, on="vehicle_keys")
    # The offender must have been named with the vehicle in an incident other than this one.
    elsewhere = (found["nunique"] > 1) | (found["min"] != found["incident_id"])
    found = found[elsewhere]
    found["reason"] = "vehicle " + found["vehicle_keys"].astype(str) + " also at their incidents"
    return found[["mention_id", "cluster", "reason"]]


def _associate_candidates(described: pd.DataFrame, named: pd.DataFrame) -> pd.DataFrame:
    """Clusters named together with a named co-offender of this incident in other incidents.

    Each co-offender is its own piece of context (the reason names its mention), so that two
    named co-offenders who both run with the same offender count twice.
    """
    present = named.groupby(["incident_id", "cluster"], sort=False)["mention_id"].min().rename("via").reset_index()
    pairs = present[["incident_id", "cluster"]]
    together = pairs.merge(pairs, on="incident_id", suffixes=("", "_partner"))
    together = together[together["cluster"] != together["cluster_partner"]]
    strength = together.groupby(["cluster", "cluster_partner"], sort=False).size().rename("times").reset_index()
    strength = strength[strength["times"] >= _MIN_ASSOCIATION]
    here = described[["mention_id", "incident_id"]].merge(present, on="incident_id")
    found = here.merge(strength, on="cluster")
    found["reason"] = (
        "named co-offender (mention " + found["via"].astype(str) + ") is a known associate ("
        + found["times"].astype(str) + " incidents together)"
    )  # fmt: skip
    return found.rename(columns={"cluster_partner": "candidate"})[["mention_id", "candidate", "reason"]].rename(
        columns={"candidate": "cluster"}
    )


def _profiles(named: pd.DataFrame, clusters: pd.Index) -> pd.DataFrame:
    """Per candidate cluster: gender, years of birth, height and build, as its mentions say."""
    mine = named[named["cluster"].isin(clusters)]
    by = mine.groupby("cluster", sort=False)
    profile = pd.DataFrame(
        {
            "gender": _mode(mine, "gender"),
            "build": _mode(mine, "build"),
            "height": by["height_cm"].median(),
            "born_lo": by["born_lo"].median(),
            "born_hi": by["born_hi"].median(),
        }
    )
    dated = mine[mine["has_dob"]].groupby("cluster")["born_lo"].median()
    profile.loc[dated.index, "born_lo"] = dated
    profile.loc[dated.index, "born_hi"] = dated
    return profile.reindex(clusters)


def _mode(frame: pd.DataFrame, column: str) -> pd.Series:
    """The most frequent non-missing value of ``column`` per cluster (ties: the smallest)."""
    counts = frame.dropna(subset=[column]).groupby(["cluster", column], sort=True).size().rename("n").reset_index()
    counts = counts.sort_values(["cluster", "n"], ascending=[True, False], kind="stable")
    return counts.drop_duplicates("cluster").set_index("cluster")[column]


def _compatible(candidates: pd.DataFrame) -> pd.Series:
    """No contradiction between the description and the candidate's profile."""
    c = candidates
    gender = c["gender_d"].isna() | c["gender_c"].isna() | (c["gender_d"] == c["gender_c"])
    build = c["build_d"].isna() | c["build_c"].isna() | (c["build_d"] == c["build_c"])
    height = c["height_d"].isna() | c["height_c"].isna() | ((c["height_d"] - c["height_c"]).abs() <= _HEIGHT_SLACK_CM)
    gap = np.maximum(c["born_lo_d"], c["born_lo_c"]) - np.minimum(c["born_hi_d"], c["born_hi_c"])
    age = c["born_lo_d"].isna() | c["born_lo_c"].isna() | (gap <= _AGE_SLACK_YEARS)
    result: pd.Series = gender & build & height & age.astype(bool)
    return result


def _agreeing(c: pd.DataFrame) -> pd.Series:
    """How many of gender, age, height and build positively agree (both known and alike)."""
    gap = np.maximum(c["born_lo_d"], c["born_lo_c"]) - np.minimum(c["born_hi_d"], c["born_hi_c"])
    counts: pd.Series = (
        (c["gender_d"].notna() & (c["gender_d"] == c["gender_c"])).astype(int)
        + (c["born_lo_d"].notna() & c["born_lo_c"].notna() & (gap <= 0)).astype(int)
        + (c["height_d"].notna() & ((c["height_d"] - c["height_c"]).abs() <= _HEIGHT_SLACK_CM / 2)).astype(int)
        + (c["build_d"].notna() & (c["build_d"] == c["build_c"])).astype(int)
    )
    return counts


def context_joins(features: pd.DataFrame, mentions: pd.DataFrame, cluster_of: pd.Series) -> ContextJoins:
    """Joins for the described-only mentions; ``cluster_of`` maps linkable mention ids to clusters."""
    base = features[["unique_id", "linkable", "gender", "build", "height_cm", "born_lo", "born_hi", "has_dob",
                     "vehicle_keys"]].rename(columns={"unique_id": "mention_id"})  # fmt: skip
    base = base.assign(incident_id=mentions["incident_id"].to_numpy())
    named = base[base["linkable"]].assign(cluster=lambda f: f["mention_id"].map(cluster_of))
    described = base[~base["linkable"]]
    empty = pd.DataFrame(columns=["mention_id", "cluster", "anchor", "reason"])
    if named.empty or described.empty:
        return ContextJoins(empty, 0)
    found = pd.concat(
        [
            _vehicle_candidates(described, named),
            _associate_candidates(described, named),
        ],
        ignore_index=True,
    )
    # A person is mentioned once per incident: offenders already named here are not candidates.
    here = described[["mention_id", "incident_id"]].merge(named[["incident_id", "cluster"]], on="incident_id")
    found = found.merge(here[["mention_id", "cluster"]].assign(present=True), on=["mention_id", "cluster"], how="left")
    found = found[found["present"].isna()].drop(columns="present")
    if found.empty:
        return ContextJoins(empty, 0)
    grouped = found.groupby(["mention_id", "cluster"], sort=False)["reason"]
    pairs = grouped.agg(lambda r: "; ".join(sorted(set(r)))).rename("reason").reset_index()
    pairs["support"] = grouped.nunique().to_numpy()
    looks = described.set_index("mention_id")[["gender", "build", "height_cm", "born_lo", "born_hi"]]
    looks.columns = ["gender_d", "build_d", "height_d", "born_lo_d", "born_hi_d"]
    profile = _profiles(named, pd.Index(pairs["cluster"].unique()))
    profile.columns = ["gender_c", "build_c", "height_c", "born_lo_c", "born_hi_c"]
    pairs = pairs.join(looks, on="mention_id").join(profile, on="cluster")
    fits = pairs[_compatible(pairs).to_numpy()]
    alone = (fits.groupby("mention_id")["cluster"].transform("size") == 1).to_numpy()
    strong = (fits["support"] >= _MIN_SUPPORT).to_numpy() & (_agreeing(fits) >= _MIN_AGREEING).to_numpy()
    joins = fits[alone & strong][["mention_id", "cluster", "reason"]]
    anchors = named.groupby("cluster")["mention_id"].min()
    joins = joins.assign(anchor=joins["cluster"].map(anchors).to_numpy())
    return ContextJoins(joins.reset_index(drop=True), int(pairs["mention_id"].nunique()))
