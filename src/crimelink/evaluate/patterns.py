"""``crimelink evaluate patterns``: groups, series and priorities scored against a scenario's truth.

* **Groups** — the items are the *identified true persons*: every person with at least one
  mention resolved to a named offender. A person's detected group is the group holding most of
  their mentions (none: a cluster of their own); their true group is from ``persons.csv``
  (none: a cluster of their own). Scored with the adjusted Rand index (Hubert & Arabie 1985)
  and normalised mutual information (arithmetic mean, as scikit-learn's default), both
  computed from the contingency table, and the share of true groups *recovered*: at least
  ``RECOVERED_SHARE`` of the group's identified members sit in one detected group, and they
  are at least that share of it.
* **Series** — the items are all incidents; an incident outside every series is a cluster of
  its own, on both sides. Pairwise precision, recall and F1 (``crimelink.evaluate.metrics``).
* **Priorities** — the 20 true persons with the most incidents, and the best priority rank
  any offender record of theirs holds.

The *baseline* is the plain method every analyst starts with: connected components of the
co-offending graph (persons named together in an incident) for groups, and connected
components of incidents sharing a named offender for series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from crimelink.evaluate.metrics import Labels, contingency, pairwise
from crimelink.network.features import as_tag_list, incident_features
from crimelink.network.groups import connected_components, star_edges
from crimelink.network.linkage import FEATURES, PairModel, auc, fit_pair_model, pair_features
from crimelink.network.series import link_incidents
from crimelink.store import StoreHandle
from crimelink.store.models import (
    GroupMember,
    Incident,
    IncidentSeries,
    Item,
    Offender,
    Organisation,
    PersonLink,
    PersonMention,
    Store,
    VehicleLink,
    VehicleMention,
)
from crimelink.store.models.patterns import UnidentifiedMember

__all__ = [
    "RECOVERED_SHARE",
    "adjusted_rand",
    "evaluate_patterns",
    "fit_series_model",
    "groups_recovered",
    "normalised_mutual_information",
    "score_groups",
    "score_series",
    "summary_lines",
]

RECOVERED_SHARE = 0.8
TOP_PROLIFIC = 20


def _comb2(values: np.ndarray[Any, Any]) -> float:
    v = values.astype(np.float64)
    return float((v * (v - 1) / 2).sum())


def adjusted_rand(predicted: Labels, true: Labels) -> float:
    """Adjusted Rand index from the contingency table; 1.0 when both clusterings are trivial alike."""
    cells = contingency(predicted, true)
    n = float(cells["n"].sum())
    if n < 2:
        return 1.0
    index = _comb2(cells["n"].to_numpy())
    rows = _comb2(cells.drop_duplicates("predicted")["a"].to_numpy())
    cols = _comb2(cells.drop_duplicates("true")["b"].to_numpy())
    expected = rows * cols / (n * (n - 1) / 2)
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def normalised_mutual_information(predicted: Labels, true: Labels) -> float:
    """NMI with the arithmetic mean of the two entropies as the normaliser."""
    cells = contingency(predicted, true)
    n = float(cells["n"].sum())
    if n == 0:
        return 1.0
    nij = cells["n"].to_numpy(dtype=float)
    a = cells["a"].to_numpy(dtype=float)
    b = cells["b"].to_numpy(dtype=float)
    mi = float((nij / n * np.log(n * nij / (a * b))).sum())
    pa = cells.drop_duplicates("predicted")["a"].to_numpy(dtype=float) / n
    pb = cells.drop_duplicates("true")["b"].to_numpy(dtype=float) / n
    ha, hb = float(-(pa * np.log(pa)).sum()), float(-(pb * np.log(pb)).sum())
    if ha == 0 and hb == 0:
        return 1.0
    return max(0.0, mi / ((ha + hb) / 2)) if (ha + hb) > 0 else 0.0


def groups_recovered(predicted: pd.Series, true: pd.Series, *, share: float = RECOVERED_SHARE) -> tuple[int, int]:
    """(recovered, true groups): a true group is recovered by one detected group holding at
    least ``share`` of its members, themselves at least ``share`` of that detected group.

    Both series are indexed by item; NaN where the item is in no group.
    """
    frame = pd.DataFrame({"p": predicted, "t": true}).dropna(subset=["t"])
    sizes_t = frame.groupby("t").size()
    detected = pd.DataFrame({"p": predicted}).dropna().groupby("p").size()
    cells = frame.dropna(subset=["p"]).groupby(["t", "p"]).size().rename("n").reset_index()
    cells["of_true"] = cells["n"] / cells["t"].map(sizes_t)
    cells["of_detected"] = cells["n"] / cells["p"].map(detected)
    good = cells[(cells["of_true"] >= share) & (cells["of_detected"] >= share)]
    return int(good["t"].nunique()), len(sizes_t)


def score_groups(person_group: pd.DataFrame) -> dict[str, float | int]:
    """Score detected groups: ``person_group`` has person_id, true_group, detected_group (NaN: none).

    True groups with fewer than two identified members are left out of the recovered share
    (nothing can recover a group of one), though their members still count in ARI and NMI.
    """
    frame = person_group.reset_index(drop=True)
    singles_p = "p:" + frame["person_id"].astype(str)
    singles_t = "t:" + frame["person_id"].astype(str)
    predicted = frame["detected_group"].astype(object).where(frame["detected_group"].notna(), singles_p)
    predicted = predicted.map(lambda v: v if isinstance(v, str) else f"g{int(v)}")
    true = frame["true_group"].where(frame["true_group"].notna() & frame["true_group"].ne(""), singles_t)
    counted = frame[frame["true_group"].notna() & frame["true_group"].ne("")]
    big = counted.groupby("true_group")["person_id"].transform("size") >= 2
    recovered, total = groups_recovered(
        counted.loc[big.to_numpy(), "detected_group"].set_axis(counted.loc[big.to_numpy(), "person_id"]),
        counted.loc[big.to_numpy(), "true_group"].set_axis(counted.loc[big.to_numpy(), "person_id"]),
    )
    return {
        "ari": round(adjusted_rand(predicted, true), 4),
        "nmi": round(normalised_mutual_information(predicted, true), 4), "recovered": recovered, "true_groups": total,
        "recovered_share": round(recovered / total, 4) if total else math.nan, "items": len(frame),
    }


def score_series(membership: pd.DataFrame) -> dict[str, float | int]:
    """Pairwise P/R/F1 of series: ``membership`` has incident_id, true_series, detected_series (NaN: none)."""
    ids = membership["incident_id"].astype(str)
    predicted = membership["detected_series"].astype(object).where(membership["detected_series"].notna(), "u:" + ids)
    predicted = predicted.map(lambda v: v if isinstance(v, str) else f"s{int(v)}")
    true = membership["true_series"].where(membership["true_series"].fillna("").ne(""), "u:" + ids)
    return pairwise(predicted, true).as_dict()


def read_truth(truth: Path) -> dict[str, pd.DataFrame]:
    """The truth CSV files a scenario writes (strings; blanks as empty strings)."""
    names = ("incidents", "person_mentions", "persons", "groups")
    return {name: pd.read_csv(truth / f"{name}.csv", dtype=str, keep_default_na=False) for name in names}


LITERATURE = ("log_km", "log_days", "mo_jaccard")  # Tonkin & Woodhams 2015: distance, days, MO
_SAMPLE = 20_000


@dataclass(frozen=True)
class _Observed:
    """What the store holds, keyed to the truth: incidents, mentions, vehicles, results."""

    incidents: pd.DataFrame  # incident_id, submitter, incident_ref, occurred_at, police_force, lat, lon,
    #                          offence, mo_tags, true_series, true_group
    mentions: pd.DataFrame  # mention_id, incident_id, offender_id, named, gender, age_min, age_max,
    #                         build, person_id, true_group
    sightings: pd.DataFrame  # vehicle_id, incident_id
    items: pd.DataFrame  # incident_id, category
    members: pd.DataFrame  # group_id, offender_id
    unidentified: pd.DataFrame  # group_id, offender_id: unidentified members
    series: pd.DataFrame  # incident_id, series_id
    ranks: pd.DataFrame  # offender_id, priority_rank, incidents


def _read(conn: Connection, statement: Any) -> pd.DataFrame:
    result = conn.execute(statement)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _observe(store: StoreHandle, truth: dict[str, pd.DataFrame]) -> _Observed:
    with store.engine.connect() as conn:
        incidents = _read(conn, select(
            Incident.id.label("incident_id"), Organisation.code.label("submitter"), Incident.incident_ref,
            Incident.occurred_at, Incident.police_force, Incident.offence, Incident.mo_tags, Store.lat, Store.lon,
        ).join(Organisation, Organisation.id == Incident.submitter_id).join(Store, Store.id == Incident.store_id))
        mentions = _read(conn, select(
            PersonMention.id.label("mention_id"), PersonMention.incident_id, PersonMention.person_ref,
            PersonMention.gender, PersonMention.age_min, PersonMention.age_max, PersonMention.build,
            PersonLink.offender_id, Offender.named,
        ).join(PersonLink, PersonLink.mention_id == PersonMention.id)
         .join(Offender, Offender.id == PersonLink.offender_id))
        sightings = _read(conn, select(VehicleLink.vehicle_id, VehicleMention.incident_id)
                          .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id))
        items = _read(conn, select(Item.incident_id, Item.category).where(Item.category.is_not(None)))
        members = _read(conn, select(GroupMember.group_id, GroupMember.offender_id))
        series = _read(conn, select(IncidentSeries.incident_id, IncidentSeries.series_id))
        unidentified = _read(conn, select(UnidentifiedMember.group_id, UnidentifiedMember.offender_id))
        ranks = _read(conn, select(Offender.id.label("offender_id"), Offender.priority_rank, Offender.incidents))
    incidents["mo_tags"] = incidents["mo_tags"].map(as_tag_list)
    keys = ["submitter", "incident_ref"]
    true_incidents = truth["incidents"][[*keys, "series_id", "group_id"]].rename(
        columns={"series_id": "true_series", "group_id": "true_group"})
    incidents = incidents.merge(true_incidents, on=keys, how="left")
    true_mentions = truth["person_mentions"][[*keys, "person_ref", "person_id", "group_id"]]
    mentions = mentions.merge(incidents[["incident_id", *keys]], on="incident_id").merge(
        true_mentions.rename(columns={"group_id": "true_group"}), on=[*keys, "person_ref"], how="left")
    return _Observed(incidents, mentions, sightings, items, members, unidentified, series, ranks)


def _person_groups(mentions: pd.DataFrame, members: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    """Each identified true person's detected group (the one holding most of their named mentions)."""
    named = mentions[mentions["named"].astype(bool) & mentions["person_id"].notna()]
    group = members.drop_duplicates("offender_id").set_index("offender_id")["group_id"]
    named = named.assign(group=named["offender_id"].map(group))
    votes = named.dropna(subset=["group"]).groupby(["person_id", "group"]).size().rename("n").reset_index()
    best = votes.sort_values(["person_id", "n", "group"], ascending=[True, False, True]).drop_duplicates("person_id")
    frame = pd.DataFrame({"person_id": named["person_id"].unique()})
    frame["detected_group"] = frame["person_id"].map(best.set_index("person_id")["group"])
    frame["true_group"] = frame["person_id"].map(persons.set_index("person_id")["group_id"]).fillna("")
    return frame


def _mention_groups(mentions: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Each mention of a true group member (named or not), with the group its offender record is
    in (``members``: group_id, offender_id — identified and unidentified members alike).

    This is the figure that counts a group's unidentified members: a masked member who is in no
    detected group is a miss, as a named one would be. Mentions of people in no true group that
    were put in a group are scored too (``person_id`` as their own cluster), so attributing
    bystanders costs precision.
    """
    group = members.drop_duplicates("offender_id").set_index("offender_id")["group_id"]
    frame = mentions[mentions["person_id"].notna()][["mention_id", "offender_id", "true_group"]]
    frame = frame.assign(detected_group=frame["offender_id"].map(group))
    frame = frame[frame["true_group"].fillna("").ne("") | frame["detected_group"].notna()]
    return pd.DataFrame({"person_id": frame["mention_id"].astype(str).to_numpy(),
                         "true_group": frame["true_group"].fillna("").to_numpy(),
                         "detected_group": frame["detected_group"].to_numpy()})


def _baseline(observed: _Observed, min_members: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Connected components of the co-offending graph (groups of ``min_members`` or more), and the
    incidents of each component (series of three or more incidents)."""
    named = observed.mentions[observed.mentions["named"].astype(bool)][["offender_id", "incident_id"]]
    named = named.drop_duplicates()
    ids = np.sort(named["offender_id"].unique())
    node = pd.Series(np.arange(ids.size), index=ids)
    component = connected_components(
        ids.size, star_edges(named.assign(n=named["offender_id"].map(node)), "incident_id", "n")
    )
    groups = pd.DataFrame({"offender_id": ids, "group_id": component})
    sizes = groups.groupby("group_id")["offender_id"].transform("size")
    members = groups[sizes >= min_members]
    series = named.assign(series_id=named["offender_id"].map(groups.set_index("offender_id")["group_id"]))
    series = series.drop_duplicates("incident_id")[["incident_id", "series_id"]]
    series = series[series.groupby("series_id")["incident_id"].transform("size") >= 3]
    return members, series


def _baseline_all(observed: _Observed, min_members: int = 3) -> pd.DataFrame:
    """The plain method on every offender record, described ones too: connected components of
    records seen in the same incident (components of ``min_members`` or more)."""
    seen = observed.mentions[["offender_id", "incident_id"]].drop_duplicates()
    ids = np.sort(seen["offender_id"].unique())
    node = pd.Series(np.arange(ids.size), index=ids)
    component = connected_components(ids.size, star_edges(seen.assign(n=seen["offender_id"].map(node)),
                                                          "incident_id", "n"))
    groups = pd.DataFrame({"group_id": component, "offender_id": ids})
    return groups[groups.groupby("group_id")["offender_id"].transform("size") >= min_members]


def _series_frame(incidents: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    return incidents[["incident_id", "true_series"]].merge(
        series.rename(columns={"series_id": "detected_series"}), on="incident_id", how="left"
    )


def _priority(observed: _Observed, persons: pd.DataFrame) -> dict[str, Any]:
    """Where the truly most prolific offenders stand in the priority list (best rank of any record)."""
    persons = persons.assign(incidents=pd.to_numeric(persons["incidents"]))
    top = persons.sort_values(["incidents", "person_id"], ascending=[False, True]).head(TOP_PROLIFIC)
    joined = observed.mentions.merge(observed.ranks, on="offender_id")
    ranks = joined.groupby("person_id")["priority_rank"].min()
    plain = observed.ranks.sort_values(["incidents", "offender_id"], ascending=[False, True])
    plain_rank = pd.Series(np.arange(1, len(plain) + 1), index=plain["offender_id"].to_numpy())
    counted = joined.assign(plain=joined["offender_id"].map(plain_rank)).groupby("person_id")["plain"].min()
    rows = [
        {"person_id": p, "incidents": int(n), "best_rank": None if pd.isna(ranks.get(p)) else int(ranks[p])}
        for p, n in zip(top["person_id"], top["incidents"], strict=True)
    ]
    found = [r["best_rank"] for r in rows if r["best_rank"] is not None]
    return {
        "top": rows,
        "found": len(found),
        "in_top_100": sum(1 for r in found if r <= 100),
        "in_top_50": sum(1 for r in found if r <= 50),
        "plain_count_in_top_50": int(sum(1 for p in top["person_id"] if counted.get(p, np.inf) <= 50)),
        "median_rank": float(np.median(found)) if found else None,
    }


def _labelled_links(observed: _Observed, model: PairModel | None = None) -> tuple[Any, np.ndarray[Any, Any]]:
    """Scored candidate pairs and their truth: the same true series, or the same lone person."""
    m = observed.mentions
    links = link_incidents(
        incidents=observed.incidents,
        appearances=m[["offender_id", "incident_id"]],
        sightings=observed.sightings,
        items=observed.items,
        mentions=m,
        named=m.loc[m["named"].astype(bool), "offender_id"].unique(),
        model=model,
        keep_all=True,
    )
    ids = pd.Series(links.features.incident_id)
    series = ids.map(observed.incidents.set_index("incident_id")["true_series"]).fillna("")
    lone = m[m["true_group"].fillna("").eq("") & m["person_id"].notna()].drop_duplicates("incident_id")
    person = ids.map(lone.set_index("incident_id")["person_id"]).fillna("")
    key = np.where(series.ne(""), series, np.where(person.ne(""), "P" + person, "")).astype(object)
    i, j = links.pairs[:, 0], links.pairs[:, 1]
    return links, (key[i] == key[j]) & (key[i] != "")


def fit_series_model(*, store: StoreHandle, truth: Path, source: str) -> PairModel:
    """Refit the pairwise series model on an analysed scenario's truth (for ``series_model.toml``)."""
    links, labels = _labelled_links(_observe(store, read_truth(truth)))
    model = fit_pair_model(links.values, labels, source=source)
    return PairModel(
        model.intercept, model.coefficients, source, {"candidate_pairs": auc(model.probability(links.values), labels)}
    )


def _linkage_auc(observed: _Observed, seed: int = 7) -> dict[str, float | int]:
    """AUC of distance + days + MO (Tonkin & Woodhams' design: linked pairs against random
    unlinked ones, two-fold) and of the shipped model on the same pairs."""
    rng = np.random.default_rng(seed)
    inc = observed.incidents
    f = incident_features(inc, items=observed.items, mentions=observed.mentions)
    key = pd.Series(f.incident_id).map(inc.set_index("incident_id")["true_series"]).fillna("").to_numpy()
    linked = pd.DataFrame({"k": key, "p": np.arange(len(f))})
    linked = linked[linked["k"] != ""].merge(linked[linked["k"] != ""], on="k")
    linked = linked[linked["p_x"] < linked["p_y"]]
    pos = linked.sample(min(_SAMPLE, len(linked)), random_state=seed)[["p_x", "p_y"]].to_numpy()
    neg = rng.integers(0, len(f), size=(_SAMPLE * 2, 2))
    neg = neg[(neg[:, 0] != neg[:, 1]) & ((key[neg[:, 0]] != key[neg[:, 1]]) | (key[neg[:, 0]] == ""))][:_SAMPLE]
    pairs = np.sort(np.concatenate([pos, neg]), axis=1).astype(np.int64)
    labels = np.concatenate([np.ones(len(pos), bool), np.zeros(len(neg), bool)])
    none = np.zeros(len(pairs), dtype=bool)
    values = pair_features(f, pairs, same_offender=none, same_vehicle=none)
    fold = rng.random(len(pairs)) < 0.5
    scores = np.zeros(len(pairs))
    for train in (fold, ~fold):
        part = {k: v[train] for k, v in values.items()}
        fitted = fit_pair_model(part, labels[train], names=LITERATURE)
        scores[~train] = fitted.probability({k: v[~train] for k, v in values.items()})
    full = PairModel.load().probability({k: values[k] for k in FEATURES})
    return {
        "distance_days_mo": round(auc(scores, labels), 4),
        "model_without_entities": round(auc(full, labels), 4),
        "pairs": len(pairs),
    }


def evaluate_patterns(*, store: StoreHandle, truth: Path) -> dict[str, Any]:
    """Score the stored groups, series and priorities against ``truth``, beside the baseline."""
    tables = read_truth(truth)
    observed = _observe(store, tables)
    baseline_members, baseline_series = _baseline(observed)
    persons = tables["persons"]
    everyone = pd.concat([observed.members[["group_id", "offender_id"]], observed.unidentified], ignore_index=True)
    return {
        "groups": {
            "detected": {
                **score_groups(_person_groups(observed.mentions, observed.members, persons)),
                "groups": int(observed.members["group_id"].nunique()),
            },
            "baseline": {
                **score_groups(_person_groups(observed.mentions, baseline_members, persons)),
                "groups": int(baseline_members["group_id"].nunique()),
            },
        },
        "groups_by_mention": {
            "detected": score_groups(_mention_groups(observed.mentions, everyone)),
            "identified_only": score_groups(_mention_groups(observed.mentions, observed.members)),
            "baseline": score_groups(_mention_groups(observed.mentions, _baseline_all(observed))),
        },
        "series": {
            "detected": {
                **score_series(_series_frame(observed.incidents, observed.series)),
                "series": int(observed.series["series_id"].nunique()),
                "largest": int(observed.series.groupby("series_id").size().max()) if len(observed.series) else 0,
                "largest_true": int(observed.incidents["true_series"].replace("", None).dropna()
                                    .value_counts().max()) if observed.incidents["true_series"].ne("").any() else 0,
            },
            "baseline": {
                **score_series(_series_frame(observed.incidents, baseline_series)),
                "series": int(baseline_series["series_id"].nunique()),
            },
        },
        "linkage_auc": _linkage_auc(observed),
        "priority": _priority(observed, persons),
    }


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The report in a few lines, for the command line."""
    g, s = report["groups"], report["series"]
    d, b = g["detected"], g["baseline"]
    p = report["priority"]
    m = report["groups_by_mention"]
    return [
        f"groups   ARI {d['ari']:.3f}  NMI {d['nmi']:.3f}  recovered {d['recovered']}/{d['true_groups']}"
        f"  ({d['groups']} detected)   baseline ARI {b['ari']:.3f}  recovered {b['recovered']}/{b['true_groups']}",
        f"groups by mention (unidentified included)  ARI {m['detected']['ari']:.3f}"
        f"  (identified only {m['identified_only']['ari']:.3f})   baseline ARI {m['baseline']['ari']:.3f}",
        f"series   P {s['detected']['precision']:.3f}  R {s['detected']['recall']:.3f}  F1 {s['detected']['f1']:.3f}"
        f"  ({s['detected']['series']} series)   baseline F1 {s['baseline']['f1']:.3f}",
        f"linkage  AUC distance+days+MO {report['linkage_auc']['distance_days_mo']:.3f}"
        f"  (model without entities {report['linkage_auc']['model_without_entities']:.3f})",
        f"priority top-{TOP_PROLIFIC} true prolific offenders: {p['found']} found, {p['in_top_100']} in the top 100,"
        f" median rank {p['median_rank']}; {p['in_top_50']} in the top 50 (plain incident count:"
        f" {p['plain_count_in_top_50']})",
    ]
