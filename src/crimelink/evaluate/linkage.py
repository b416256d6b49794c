"""Scoring the store's latest linkage against the ground truth of a generated scenario.

``crimelink generate`` writes, beside the reports, who each mention really is:
``person_mentions.csv`` (submitter, incident_ref, person_ref → person_id) and
``vehicle_mentions.csv`` (submitter, incident_ref, vrm → vehicle_id, one row per vehicle in
the order the incident lists them). The store's latest analysis says which offender or vehicle
each mention was resolved to (``person_links``, ``vehicle_links``). Joining the two by the
reports' own keys gives predicted and true clusters over the same mentions, scored with
:mod:`crimelink.evaluate.metrics`:

* persons, **named** mentions only (the ones linkage can honestly be asked to join) and **all**
  mentions (described-only ones included, where staying alone is usually right but costs
  recall);
* vehicles, all vehicle mentions.

A mention missing from the links (not yet analysed) counts as an entity of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sqlalchemy import Connection, select

from crimelink.evaluate.metrics import Scores, b_cubed, pairwise
from crimelink.store import StoreHandle
from crimelink.store.models import (
    Incident,
    Organisation,
    PersonLink,
    PersonMention,
    VehicleLink,
    VehicleMention,
)

__all__ = ["BlockingRecall", "LinkageScores", "ScorePair", "blocking_recall", "evaluate_linkage", "score_clusters"]


@dataclass(frozen=True)
class ScorePair:
    """Pairwise and B-cubed scores of one clustering, with the number of items scored."""

    pairwise: Scores
    b_cubed: Scores

    def as_dict(self) -> dict[str, object]:
        return {"pairwise": self.pairwise.as_dict(), "b_cubed": self.b_cubed.as_dict()}


@dataclass(frozen=True)
class LinkageScores:
    """Scores for named person mentions, all person mentions and vehicle mentions."""

    persons_named: ScorePair
    persons_all: ScorePair
    vehicles: ScorePair
    unmatched: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "persons_named": self.persons_named.as_dict(),
            "persons_all": self.persons_all.as_dict(),
            "vehicles": self.vehicles.as_dict(),
            "unmatched": dict(self.unmatched),
        }


def score_clusters(predicted: pd.Series, true: pd.Series) -> ScorePair:
    """Both scores of ``predicted`` against ``true`` labels (aligned; a missing predicted label
    is an entity of its own)."""
    pred = predicted.astype(object).to_numpy(copy=True)
    missing = pd.isna(pred)
    pred[missing] = [f"alone-{i}" for i in range(int(missing.sum()))]
    truth = true.astype(object).to_numpy()
    return ScorePair(pairwise(pred, truth), b_cubed(pred, truth))


def _frame(conn: Connection, statement: object, columns: list[str]) -> pd.DataFrame:
    rows = conn.execute(statement).all()  # type: ignore[call-overload]
    return pd.DataFrame.from_records(rows, columns=columns)


def _store_persons(conn: Connection) -> pd.DataFrame:
    statement = (
        select(Organisation.code, Incident.incident_ref, PersonMention.person_ref, PersonMention.name,
               PersonMention.pnc_id, PersonLink.offender_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .outerjoin(PersonLink, PersonLink.mention_id == PersonMention.id)
    )  # fmt: skip
    return _frame(conn, statement, ["submitter", "incident_ref", "person_ref", "name", "pnc_id", "offender_id"])


def _store_vehicles(conn: Connection) -> pd.DataFrame:
    statement = (
        select(Organisation.code, Incident.incident_ref, VehicleMention.position, VehicleLink.vehicle_id)
        .join(Incident, Incident.id == VehicleMention.incident_id)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .outerjoin(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
    )
    return _frame(conn, statement, ["submitter", "incident_ref", "position", "vehicle_id"])


def _truth(truth_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    persons = pd.read_csv(truth_dir / "person_mentions.csv", dtype=str, keep_default_na=False)
    vehicles = pd.read_csv(truth_dir / "vehicle_mentions.csv", dtype=str, keep_default_na=False)
    # Vehicle rows are written in the order each incident lists its vehicles.
    vehicles["position"] = vehicles.groupby(["submitter", "incident_ref"], sort=False).cumcount()
    return persons, vehicles


def evaluate_linkage(*, store: StoreHandle, truth_dir: Path | str) -> LinkageScores:
    """Score the store's latest person and vehicle links against a scenario's truth files."""
    truth_persons, truth_vehicles = _truth(Path(truth_dir))
    with store.engine.connect() as conn:
        persons = _store_persons(conn)
        vehicles = _store_vehicles(conn)
    keys = ["submitter", "incident_ref", "person_ref"]
    persons = persons.merge(truth_persons[[*keys, "person_id"]], on=keys, how="left")
    vehicles = vehicles.merge(
        truth_vehicles[["submitter", "incident_ref", "position", "vehicle_id"]].rename(
            columns={"vehicle_id": "true_vehicle_id"}
        ),
        on=["submitter", "incident_ref", "position"],
        how="left",
    )
    unmatched = {
        "person_mentions_without_truth": int(persons["person_id"].isna().sum()),
        "person_mentions_without_link": int(persons["offender_id"].isna().sum()),
        "vehicle_mentions_without_truth": int(vehicles["true_vehicle_id"].isna().sum()),
        "vehicle_mentions_without_link": int(vehicles["vehicle_id"].isna().sum()),
    }
    persons = persons[persons["person_id"].notna()]
    vehicles = vehicles[vehicles["true_vehicle_id"].notna()]
    named = persons[persons["name"].notna() | persons["pnc_id"].notna()]
    return LinkageScores(
        persons_named=score_clusters(named["offender_id"], named["person_id"]),
        persons_all=score_clusters(persons["offender_id"], persons["person_id"]),
        vehicles=score_clusters(vehicles["vehicle_id"], vehicles["true_vehicle_id"]),
        unmatched=unmatched,
    )


@dataclass(frozen=True)
class BlockingRecall:
    """Share of true pairs that blocking lets the model see: directly (the pair itself was
    blocked) and transitively (the best pairwise recall any clustering of the blocked true
    pairs could reach, since a cluster joins what its edges connect)."""

    direct: float
    transitive: float
    true_pairs: int
    blocked_true_pairs: int

    def as_dict(self) -> dict[str, object]:
        return {"direct": round(self.direct, 4), "transitive": round(self.transitive, 4),
                "true_pairs": self.true_pairs, "blocked_true_pairs": self.blocked_true_pairs}  # fmt: skip


def blocking_recall(pairs: pd.DataFrame, truth: pd.Series) -> BlockingRecall:
    """Blocking recall of ``pairs`` (mention_id_l, mention_id_r) against ``truth`` (a true
    entity label per mention id, over the mentions that were blocked)."""
    left = pairs["mention_id_l"].map(truth)
    right = pairs["mention_id_r"].map(truth)
    same = (left == right) & left.notna()
    sizes = truth.value_counts().to_numpy(dtype=np.int64)
    true_pairs = int((sizes * (sizes - 1) // 2).sum())
    kept = pairs[same.to_numpy()]
    ids = truth.index.to_numpy()
    position = pd.Series(np.arange(len(ids)), index=ids)
    graph = sp.coo_matrix(
        (
            np.ones(len(kept)),
            (position.loc[kept["mention_id_l"]].to_numpy(), position.loc[kept["mention_id_r"]].to_numpy()),
        ),
        shape=(len(ids), len(ids)),
    )
    _, components = connected_components(graph, directed=False)
    reachable = pairwise(components, truth.to_numpy())
    direct = len(kept) / true_pairs if true_pairs else 1.0
    return BlockingRecall(direct, reachable.recall, true_pairs, len(kept))
