"""Resolving person mentions into offenders: which reports describe the same person.

First version: deterministic rules, deliberately conservative, because a false merge puts
one person's record on another (and a missed link only leaves two records apart). Two
mentions are the same offender when

1. their PNC ids are equal ("same PNC id"); or
2. their names are informative (``PersonName.informative``), fold to the same
   order-insensitive tokens ("SMITH, John" = "john smith"), and their dates of birth are
   equal ("same name and date of birth"); or
3. their names match so, at least one has no date of birth, and the incidents lie in the
   same territorial police force area ("same name in the same force area"). Undated
   mentions of a name in one area are one person; they join a dated one only when a single
   date of birth is known for that name in that area, so that two dated people are never
   bridged through an undated mention. The same name with different dates of birth stays
   apart. (The area stands in for "the same submitter's patch": simple, and the reason a
   common name seen undated in Kent and in Cumbria stays two people.)

Everything else, and every mention with no name (described only), is an offender of its own.
Every mention gets a link with ``match_probability`` 1.0: the rules are certain by fiat. The
linkage issue replaces these rules with a Splink model (probabilities below 1, aliases,
misspellings); the frames going in and out stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from crimelink.domain.forces import all_forces
from crimelink.domain.person_name import PersonName
from crimelink.network.groups import IntArray, connected_components, star_edges

__all__ = ["MENTION_COLUMNS", "PersonResolution", "PersonSettings", "describe", "resolve_persons"]

MENTION_COLUMNS = (
    "mention_id", "incident_id", "name", "dob", "pnc_id", "gender", "age_min", "age_max",
    "build", "area",
)
TERRITORIAL = tuple(force.id for force in all_forces() if force.territorial)
SAME_PNC = "same PNC id"
SAME_NAME_DOB = "same name and date of birth"
SAME_NAME_AREA = "same name in the same force area"
ALONE = "no other mention matched"
DESCRIBED = "described only: never merged"


@dataclass(frozen=True)
class PersonSettings:
    """How persons are resolved; stored with each analysis run."""

    method: str = "deterministic rules"
    rules: tuple[str, ...] = field(default=(SAME_PNC, SAME_NAME_DOB, SAME_NAME_AREA))


@dataclass(frozen=True)
class PersonResolution:
    """``links``: mention_id, offender_id, match_probability, reason (one row per mention).

    ``offenders``: offender_id, display_name, named, dob, gender (one row per offender).
    """

    links: pd.DataFrame
    offenders: pd.DataFrame


@lru_cache(maxsize=1_000_000)
def _parse(name: str) -> tuple[str | None, str | None]:
    """(display, match key) of a reported name; the key only when the name is informative."""
    parsed = PersonName.parse_or_none(name)
    if parsed is None:
        return None, None
    return parsed.display, " ".join(parsed.tokens) if parsed.informative else None


def resolve_persons(
    mentions: pd.DataFrame, *, settings: PersonSettings | None = None
) -> PersonResolution:
    """Cluster mentions (columns ``MENTION_COLUMNS``) into offenders by the rules above.

    ``area`` is the police force area of the mention's incident. Offender ids run from 1 in
    order of each offender's first mention, so they hold from run to run as data grows.
    """
    _ = settings or PersonSettings()
    m = mentions.sort_values("mention_id", ignore_index=True)
    m["node"] = np.arange(len(m), dtype=np.int64)
    names = m["name"].dropna().unique()
    parsed = {name: _parse(name) for name in names}
    m["display"] = m["name"].map(lambda n: parsed[n][0] if isinstance(n, str) else None)
    m["key"] = m["name"].map(lambda n: parsed[n][1] if isinstance(n, str) else None)
    m["dob_key"] = m["dob"].map(lambda d: d.isoformat() if d is not None and d == d else None)
    m["reason"] = None

    with_pnc = m[m["pnc_id"].notna()]
    dated = m[m["key"].notna() & m["dob_key"].notna()]
    edges = [star_edges(with_pnc, "pnc_id", "node"), star_edges(dated, ["key", "dob_key"], "node")]
    area_edges, area_nodes = _same_name_same_area(m)
    edges.append(area_edges)
    _mark(m, area_nodes, SAME_NAME_AREA)
    _mark(m, _in_shared(dated, ["key", "dob_key"]), SAME_NAME_DOB)
    _mark(m, _in_shared(with_pnc, ["pnc_id"]), SAME_PNC)

    component = connected_components(len(m), np.concatenate(edges))
    first_node = pd.Series(component).groupby(component).transform("min").to_numpy()
    order = np.unique(first_node)  # first nodes ascend with mention ids
    m["offender_id"] = np.searchsorted(order, first_node) + 1
    alone = m.groupby("offender_id")["node"].transform("size").to_numpy() == 1
    m.loc[alone, "reason"] = np.where(m.loc[alone, "display"].isna(), DESCRIBED, ALONE)
    m["reason"] = m["reason"].fillna(SAME_NAME_AREA)  # only area groups join unmarked nodes
    links = m[["mention_id", "offender_id"]].assign(match_probability=1.0, reason=m["reason"])
    return PersonResolution(links=links, offenders=_offenders(m))


def _same_name_same_area(m: pd.DataFrame) -> tuple[IntArray, IntArray]:
    """Edges of rule 3, and the nodes they join. British Transport Police polices the whole
    railway, which is no "same area": its incidents never meet by this rule."""
    named = m[m["key"].notna() & m["area"].isin(TERRITORIAL)]
    undated = named[named["dob_key"].isna()]
    edges = [star_edges(undated, ["key", "area"], "node")]
    heads = undated.groupby(["key", "area"], sort=False)["node"].first().rename("undated")
    dated = named[named["dob_key"].notna()]
    dobs = dated.groupby(["key", "area"], sort=False).agg(
        dobs=("dob_key", "nunique"), dated=("node", "first")
    )
    joined = dobs[dobs["dobs"] == 1].join(heads, how="inner")
    edges.append(joined[["undated", "dated"]].to_numpy(dtype=np.int64))
    groups = undated.groupby(["key", "area"])["node"].transform("size") > 1
    linked_keys = joined.index
    in_joined = pd.MultiIndex.from_frame(named[["key", "area"]]).isin(linked_keys)
    nodes = np.union1d(
        undated["node"].to_numpy()[groups.to_numpy()], named["node"].to_numpy()[in_joined]
    )
    return np.concatenate(edges), nodes


def _in_shared(frame: pd.DataFrame, keys: list[str]) -> IntArray:
    """Nodes whose key group holds more than one mention."""
    if frame.empty:
        return np.zeros(0, dtype=np.int64)
    sizes = frame.groupby(keys, sort=False)["node"].transform("size")
    nodes: IntArray = frame["node"].to_numpy()[(sizes > 1).to_numpy()]
    return nodes


def _mark(m: pd.DataFrame, nodes: IntArray, reason: str) -> None:
    """Record why these mentions were joined (later calls win: the strongest rule last)."""
    m.loc[nodes, "reason"] = reason


def _offenders(m: pd.DataFrame) -> pd.DataFrame:
    """One row per offender: its best name (or a description), date of birth and gender."""
    ids = pd.Index(np.unique(m["offender_id"].to_numpy()), name="offender_id")
    display = _mode(m, "display").reindex(ids)
    pnc = _mode(m, "pnc_id").reindex(ids)
    described = _descriptions(m, ids[(display.isna() & pnc.isna()).to_numpy()])
    names = display.where(display.notna(), ("PNC " + pnc).where(pnc.notna(), described))
    known_gender = m[m["gender"] != "unknown"]
    return pd.DataFrame(
        {
            "offender_id": ids.to_numpy(),
            "display_name": names.to_numpy(),
            "named": (display.notna() | pnc.notna()).to_numpy(),
            "dob": _mode(m, "dob").reindex(ids).to_numpy(),
            "gender": _mode(known_gender, "gender").reindex(ids).to_numpy(),
        }
    )


def _descriptions(m: pd.DataFrame, ids: pd.Index) -> pd.Series:
    """Descriptions of unnamed offenders from their first mention, each distinct one made once."""
    firsts = m.drop_duplicates("offender_id").set_index("offender_id")
    rows = firsts.loc[ids, ["gender", "age_min", "age_max", "build"]]
    made: dict[tuple[object, ...], str] = {}
    texts = []
    for gender, low, high, build in rows.itertuples(index=False, name=None):
        key = (gender, _int(low), _int(high), build if isinstance(build, str) else None)
        text = made.get(key)
        if text is None:
            text = made[key] = describe(*key)
        texts.append(text)
    return pd.Series(texts, index=ids, dtype=object)


def _mode(m: pd.DataFrame, column: str) -> pd.Series:
    """Most frequent non-missing value of ``column`` per offender (ties: the first reported)."""
    present = m[m[column].notna()]
    if present.empty:
        return pd.Series(dtype=object)
    counts = present.groupby(["offender_id", column], sort=False).agg(
        n=("node", "size"), first=("node", "min")
    ).reset_index()
    counts = counts.sort_values(["offender_id", "n", "first"], ascending=[True, False, True])
    return counts.drop_duplicates("offender_id").set_index("offender_id")[column]


def describe(gender: object, age_min: object, age_max: object, build: object) -> str:
    """A described-only person in words: 'Unnamed male, 25–35, slim'."""
    who = gender if gender in ("male", "female") else "person"
    parts = [f"Unnamed {who}"]
    low, high = _int(age_min), _int(age_max)
    if low is not None and high is not None:
        parts.append(f"{low}–{high}" if low != high else f"{low}")
    elif low is not None or high is not None:
        parts.append(f"about {low if low is not None else high}")
    if isinstance(build, str) and build != "unknown":
        parts.append(build)
    return ", ".join(parts)


def _int(value: object) -> int | None:
    if isinstance(value, int | float | np.integer | np.floating) and not np.isnan(value):
        return int(value)
    return None
