"""What the analysis reads: every incident, mention, item and analyst's decision, as frames.

Read in one snapshot of the store, so that a report arriving mid-read is either wholly in the
run or wholly in the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, select

from crimelink.casework.models import Operation, OperationLink
from crimelink.domain.exchange import EARLIEST_INCIDENT
from crimelink.domain.offences import OffenceType
from crimelink.resolve import MENTION_COLUMNS, VEHICLE_MENTION_COLUMNS, AnalystDecision
from crimelink.resolve.review import active_decisions
from crimelink.store import StoreHandle
from crimelink.store.frames import read_frame
from crimelink.store.models import Incident, Item, PersonMention, Store, VehicleMention

__all__ = ["VIOLENT_OFFENCES", "AnalysisInputs", "load_inputs", "snapshot"]

VIOLENT_OFFENCES = tuple(o.value for o in OffenceType if o.violent)


@dataclass(frozen=True)
class AnalysisInputs:
    """What the stages read from the store, as plain frames."""

    # incident_id, occurred_at, police_force, value_gbp, violent, lat, lon, offence, mo_tags
    incidents: pd.DataFrame
    persons: pd.DataFrame  # MENTION_COLUMNS + area (the incident's police force)
    vehicles: pd.DataFrame  # VEHICLE_MENTION_COLUMNS
    items: pd.DataFrame  # incident_id, category
    decisions: tuple[AnalystDecision, ...]  # analysts' decisions on who is who, oldest first
    # anchor mentions (mention_id) of the groups that open operations work: MoRiLE's capacity
    worked_groups: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"mention_id": []}))
    left_out: int = 0  # incidents stored with a time no analysis can use (before intake checked it)


@contextmanager
def snapshot(store: StoreHandle) -> Iterator[Connection]:
    """A connection whose reads all see one state of the store (PostgreSQL; SQLite's
    WAL readers are consistent per statement, and imports rarely run beside an analysis)."""
    with store.engine.connect() as conn:
        if store.backend == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def load_inputs(conn: Connection) -> AnalysisInputs:
    """Read what the stages need with Core selects, streamed in batches into frames."""
    incidents = read_frame(conn, select(
        Incident.id, Incident.occurred_at, Incident.police_force, Incident.value_gbp,
        Incident.offence, Incident.assault, Incident.injury, Incident.weapon, Incident.mo_tags,
        Store.lat, Store.lon, Incident.threats, Incident.store_id,
    ).join(Store, Store.id == Incident.store_id), ["incident_id", "occurred_at", "police_force",
                                                  "value_gbp", "offence", "assault", "injury",
                                                  "weapon", "mo_tags", "lat", "lon", "threats",
                                                  "store_id"])
    incidents["violent"] = (
        incidents["offence"].isin(VIOLENT_OFFENCES)
        | incidents["assault"].eq(True) | incidents["injury"].eq(True)
        | (incidents["weapon"].notna() & incidents["weapon"].ne("none"))
    )
    incidents = incidents[["incident_id", "occurred_at", "police_force", "value_gbp", "violent",
                           "lat", "lon", "offence", "mo_tags", "threats", "assault", "injury",
                           "weapon", "store_id"]]
    incidents["value_gbp"] = incidents["value_gbp"].astype(float)
    incidents, left_out = _usable(incidents)
    usable = set(incidents["incident_id"])
    persons = read_frame(conn, select(
        PersonMention.id, PersonMention.incident_id, PersonMention.name, PersonMention.given_names,
        PersonMention.family_name, PersonMention.aliases, PersonMention.dob, PersonMention.pnc_id,
        PersonMention.gender, PersonMention.age_min, PersonMention.age_max, PersonMention.height_cm,
        PersonMention.build, PersonMention.address, PersonMention.postcode,
    ), list(MENTION_COLUMNS))
    areas = incidents[["incident_id", "police_force"]].rename(columns={"police_force": "area"})
    persons = persons[persons["incident_id"].isin(usable)].merge(areas, on="incident_id", how="left")
    vehicles = read_frame(conn, select(
        VehicleMention.id, VehicleMention.incident_id, VehicleMention.vrm,
        VehicleMention.vrm_normalised, VehicleMention.vrm_pattern, VehicleMention.partial,
        VehicleMention.make, VehicleMention.model, VehicleMention.colour,
    ), list(VEHICLE_MENTION_COLUMNS))
    vehicles = vehicles[vehicles["incident_id"].isin(usable)].reset_index(drop=True)
    items = read_frame(conn, select(Item.incident_id, Item.category).where(Item.category.is_not(None)),
                   ["incident_id", "category"])
    worked_groups = read_frame(conn, select(OperationLink.anchor_mention_id).join(
        Operation, Operation.id == OperationLink.operation_id).where(
        Operation.status == "open", OperationLink.kind == "group",
        OperationLink.anchor_mention_id.is_not(None)), ["mention_id"])
    return AnalysisInputs(incidents=incidents, persons=persons.reset_index(drop=True), vehicles=vehicles, items=items,
                          worked_groups=worked_groups, decisions=active_decisions(conn), left_out=left_out)


def _usable(incidents: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The incidents whose time the analysis can use, and how many were left out: one report
    dated year 9999 (stored before intake checked dates) must not stop the national analysis."""
    occurred = pd.to_datetime(incidents["occurred_at"], errors="coerce")
    latest = pd.Timestamp.now(tz="UTC").tz_localize(None) + pd.Timedelta(days=1)
    earliest = pd.Timestamp(EARLIEST_INCIDENT).tz_localize(None)
    fine = occurred.notna() & (occurred >= earliest) & (occurred <= latest)
    kept = incidents[fine.to_numpy()].assign(occurred_at=occurred[fine]).reset_index(drop=True)
    return kept, int((~fine).sum())
