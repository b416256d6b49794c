"""The analysis pipeline: from stored incidents to offenders, vehicles, groups, series, priorities.

The stages run in order — resolve persons, resolve vehicles, detect groups, detect series,
prioritise — each a pure function on plain frames (``crimelink.resolve``,
``crimelink.network``, ``crimelink.triage``), so that later, better methods can replace one
stage without touching the others. This module only reads the store, calls the stages, and
writes their conclusions back.

A run replaces the result tables whole inside one transaction: readers see the previous
conclusions until the new ones are complete, and a run that fails or is interrupted leaves
the previous ones exactly as they were. ``analysis_runs`` records every run, failed or not,
with its settings and what it found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Executable, delete, insert, select, update

from crimelink.domain.offences import OffenceType
from crimelink.errors import CrimelinkError
from crimelink.network import (
    CentralitySettings,
    CrossForceSettings,
    GroupSettings,
    HotspotSettings,
    SeriesSettings,
    detect_groups,
    detect_series,
    group_affinity,
    hex_hotspots,
    hub_vehicles,
    key_players,
    knox_tests,
    link_incidents,
    routes,
)
from crimelink.resolve import (
    MENTION_COLUMNS,
    VEHICLE_MENTION_COLUMNS,
    PersonSettings,
    VehicleSettings,
    resolve_persons,
    resolve_vehicles,
)
from crimelink.store import StoreHandle
from crimelink.store.models import (
    AnalysisRun,
    GroupMember,
    Incident,
    IncidentSeries,
    Item,
    Offender,
    OffenderGroup,
    PersonLink,
    PersonMention,
    Series,
    Store,
    Vehicle,
    VehicleLink,
    VehicleMention,
    utcnow,
)
from crimelink.store.models.patterns import Hotspot, KeyPlayer, NearRepeat, Route, SeriesLink
from crimelink.triage import PrioritySettings, prioritise_groups, prioritise_offenders

__all__ = ["AnalysisError", "AnalysisResult", "AnalysisSettings", "run_analysis"]

log = logging.getLogger(__name__)

READ_BATCH = 50_000
WRITE_BATCH = 10_000
VIOLENT_OFFENCES = tuple(o.value for o in OffenceType if o.violent)
RESULT_TABLES = (
    GroupMember, OffenderGroup, IncidentSeries, Series, PersonLink, Offender, VehicleLink, Vehicle,
    KeyPlayer, SeriesLink, Route, Hotspot, NearRepeat,
)


@dataclass(frozen=True)
class AnalysisSettings:
    """Every stage's settings; stored as JSON with each run so that results can be explained."""

    persons: PersonSettings = field(default_factory=PersonSettings)
    vehicles: VehicleSettings = field(default_factory=VehicleSettings)
    groups: GroupSettings = field(default_factory=GroupSettings)
    series: SeriesSettings = field(default_factory=SeriesSettings)
    centrality: CentralitySettings = field(default_factory=CentralitySettings)
    crossforce: CrossForceSettings = field(default_factory=CrossForceSettings)
    hotspots: HotspotSettings = field(default_factory=HotspotSettings)
    priority: PrioritySettings = field(default_factory=PrioritySettings)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AnalysisResult:
    run_id: int
    figures: dict[str, int | float]
    seconds: float


class AnalysisError(CrimelinkError):
    """A stage raised; the run is recorded as failed and the previous results still stand."""

    status_code = 500


@dataclass(frozen=True)
class _Inputs:
    # incident_id, occurred_at, police_force, value_gbp, violent, lat, lon, offence, mo_tags
    incidents: pd.DataFrame
    persons: pd.DataFrame  # MENTION_COLUMNS
    vehicles: pd.DataFrame  # VEHICLE_MENTION_COLUMNS
    items: pd.DataFrame  # incident_id, category


def run_analysis(
    *, store: StoreHandle, progress: Callable[[str], None] | None = None,
    settings: AnalysisSettings | None = None,
) -> AnalysisResult:
    """Run every stage over the whole store and replace the stored conclusions with its own.

    ``progress`` hears the name of each stage as it starts ("resolving persons", ...).
    Raises ``AnalysisError`` (with the run id and the stage) when a stage fails.
    """
    settings = settings or AnalysisSettings()
    started = perf_counter()
    with store.engine.begin() as conn:
        run_id = int(conn.execute(
            insert(AnalysisRun).returning(AnalysisRun.id),
            {"started_at": utcnow(), "status": "running", "settings": settings.as_dict()},
        ).scalar_one())
    stage = "loading incidents"

    def say(what: str) -> None:
        nonlocal stage
        stage = what
        log.info("analysis run %s: %s", run_id, what)
        if progress is not None:
            progress(what)

    try:
        say("loading incidents")
        with _snapshot(store) as conn:
            inputs = _load(conn)
        tables, figures = _conclude(inputs, settings, say)
        say("saving results")
        with store.engine.begin() as conn:
            _lock_results(conn)
            for table in RESULT_TABLES:
                conn.execute(delete(table))
            for table, frame in tables.items():
                _insert(conn, table, frame)
            _finish(conn, run_id, "finished", figures=figures)
    except Exception as error:
        _record_failure(store, run_id, "failed", f"{stage}: {type(error).__name__}: {error}")
        raise AnalysisError(
            f"analysis failed while {stage}: {error}", run_id=run_id, stage=stage
        ) from error
    except BaseException:
        _record_failure(store, run_id, "interrupted", f"interrupted while {stage}")
        raise
    return AnalysisResult(run_id=run_id, figures=figures, seconds=perf_counter() - started)


def _conclude(
    inputs: _Inputs, settings: AnalysisSettings, say: Callable[[str], None]
) -> tuple[dict[Any, pd.DataFrame], dict[str, int | float]]:
    """Run the stages; return the rows of each result table and the run's figures."""
    incidents = inputs.incidents
    say("resolving persons")
    persons = resolve_persons(inputs.persons, settings=settings.persons)
    say("resolving vehicles")
    vehicles = resolve_vehicles(inputs.vehicles, settings=settings.vehicles)

    forces = incidents[["incident_id", "police_force"]]
    appearances = (
        persons.links[["mention_id", "offender_id"]]
        .merge(inputs.persons[["mention_id", "incident_id"]], on="mention_id")
        [["offender_id", "incident_id"]].drop_duplicates().merge(forces, on="incident_id")
    )
    sightings = (
        vehicles.links[["mention_id", "vehicle_id"]]
        .merge(inputs.vehicles[["mention_id", "incident_id"]], on="mention_id")
        [["vehicle_id", "incident_id"]].drop_duplicates()
    )

    identities = persons.offenders[["offender_id", "named"]]
    named = identities.loc[identities["named"].astype(bool), "offender_id"]
    say("linking incidents")
    hubs = hub_vehicles(offenders=identities, appearances=appearances, sightings=sightings,
                        settings=settings.groups)
    links = link_incidents(incidents=incidents, appearances=appearances, sightings=sightings,
                           items=inputs.items, mentions=inputs.persons, named=named,
                           ignore_vehicles=hubs, settings=settings.series)
    say("detecting groups")
    groups = detect_groups(offenders=identities, appearances=appearances, sightings=sightings,
                           ignore_vehicles=hubs, settings=settings.groups,
                           links=links.frame(settings.groups.spree_probability))
    say("detecting series")
    labels = dict(zip(groups.groups["group_id"], groups.groups["label"], strict=True))
    found = detect_series(links=links, group_members=groups.members, affinity=group_affinity(groups),
                          settings=settings.series, group_labels=labels)
    series = found.membership
    say("ranking key players")
    players = key_players(edges=groups.edges, members=groups.members, settings=settings.centrality)
    say("tracing routes")
    group_incidents = groups.members[["group_id", "offender_id"]].merge(appearances, on="offender_id")
    trails = pd.concat([
        routes(kind="offender", pairs=appearances, key="offender_id", incidents=incidents,
               settings=settings.crossforce),
        routes(kind="group", pairs=group_incidents, key="group_id", incidents=incidents,
               settings=settings.crossforce),
        routes(kind="series", pairs=series, key="series_id", incidents=incidents,
               settings=settings.crossforce),
    ], ignore_index=True)
    say("finding hotspots")
    cells = hex_hotspots(incidents, settings.hotspots)
    near = knox_tests(incidents, settings.hotspots)

    say("prioritising")
    offenders = _with_figures(persons.offenders, "offender_id", appearances, incidents,
                              persons.links)
    offenders = offenders.merge(
        groups.members[["offender_id", "group_id"]], on="offender_id", how="left"
    )
    as_of = _as_datetime(incidents["occurred_at"].max() if len(incidents) else None)
    scores = prioritise_offenders(offenders, as_of=as_of, settings=settings.priority)
    offenders = offenders.merge(scores, on="offender_id")
    group_rows = _with_figures(
        groups.groups, "group_id",
        groups.members[["group_id", "offender_id"]].merge(appearances, on="offender_id"), incidents,
    ).merge(groups.members.groupby("group_id").size().rename("members").reset_index(),
            on="group_id")
    group_rows = group_rows.merge(
        prioritise_groups(members=groups.members, offender_scores=scores), on="group_id"
    )
    series_rows = _with_figures(
        pd.DataFrame({"series_id": pd.unique(series["series_id"])}), "series_id", series, incidents
    )
    vehicle_rows = _with_figures(vehicles.vehicles, "vehicle_id", sightings, incidents,
                                 vehicles.links)

    tables: dict[Any, pd.DataFrame] = {
        Offender: offenders.rename(columns={"offender_id": "id"}).drop(
            columns=["violent_incidents"]),
        PersonLink: persons.links,
        Vehicle: vehicle_rows.rename(columns={"vehicle_id": "id"}).drop(
            columns=["value_gbp", "first_seen", "last_seen", "violent_incidents"]),
        VehicleLink: vehicles.links,
        OffenderGroup: group_rows.rename(columns={"group_id": "id"}).drop(
            columns=["violent_incidents"]),
        GroupMember: groups.members,
        Series: series_rows.rename(columns={"series_id": "id"}).drop(
            columns=["violent_incidents"]),
        IncidentSeries: series,
        KeyPlayer: players,
        SeriesLink: found.links,
        Route: trails,
        Hotspot: cells,
        NearRepeat: near,
    }
    figures: dict[str, int | float] = {
        "incidents": len(incidents),
        "person_mentions": len(inputs.persons),
        "offenders": len(offenders),
        "named_offenders": int(offenders["named"].astype(bool).sum()),
        "vehicle_mentions": len(inputs.vehicles),
        "vehicles": len(vehicle_rows),
        "hub_vehicles": len(hubs),
        "groups": len(group_rows),
        "grouped_offenders": len(groups.members),
        "series": len(series_rows),
        "incidents_in_series": len(series),
        "incident_pairs_scored": links.candidates,
        "incident_pairs_kept": len(links.pairs),
        "key_players": len(players),
        "brokers": int(players["broker"].sum()) if len(players) else 0,
        "cross_force_offenders": int(((trails["kind"] == "offender") & trails["cross_force"]).sum()),
        "cross_force_groups": int(((trails["kind"] == "group") & trails["cross_force"]).sum()),
        "hot_cells": int(cells["hot"].sum()) if len(cells) else 0,
    }
    return tables, figures


def _with_figures(
    entities: pd.DataFrame, key: str, pairs: pd.DataFrame, incidents: pd.DataFrame,
    mentions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add what every result shows about its incidents: how many, in how many force areas,
    the loss, first and last seen, and how many were violent (plus mentions, when given).

    ``pairs`` holds (key, incident_id); value is summed over distinct incidents, so an
    incident that mentions an offender twice is counted once.
    """
    seen = pairs[[key, "incident_id"]].drop_duplicates().merge(incidents, on="incident_id")
    figures = seen.groupby(key).agg(
        incidents=("incident_id", "size"), forces=("police_force", "nunique"),
        value_gbp=("value_gbp", "sum"), first_seen=("occurred_at", "min"),
        last_seen=("occurred_at", "max"), violent_incidents=("violent", "sum"),
    )
    figures["value_gbp"] = figures["value_gbp"].round(2)
    out = entities.merge(figures, left_on=key, right_index=True, how="left")
    for column in ("incidents", "forces", "violent_incidents"):
        out[column] = out[column].fillna(0).astype(np.int64)
    out["value_gbp"] = out["value_gbp"].fillna(0.0)
    if mentions is not None:
        counts = mentions.groupby(key).size().rename("mentions")
        out = out.merge(counts, left_on=key, right_index=True, how="left")
        out["mentions"] = out["mentions"].fillna(0).astype(np.int64)
    return out


@contextmanager
def _snapshot(store: StoreHandle) -> Iterator[Connection]:
    """A connection whose reads all see one state of the store (PostgreSQL; SQLite's
    WAL readers are consistent per statement, and imports rarely run beside an analysis)."""
    with store.engine.connect() as conn:
        if store.backend == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _load(conn: Connection) -> _Inputs:
    """Read what the stages need with Core selects, streamed in batches into frames."""
    incidents = _frame(conn, select(
        Incident.id, Incident.occurred_at, Incident.police_force, Incident.value_gbp,
        Incident.offence, Incident.assault, Incident.injury, Incident.weapon, Incident.mo_tags,
        Store.lat, Store.lon,
    ).join(Store, Store.id == Incident.store_id), ["incident_id", "occurred_at", "police_force",
                                                  "value_gbp", "offence", "assault", "injury",
                                                  "weapon", "mo_tags", "lat", "lon"])
    incidents["violent"] = (
        incidents["offence"].isin(VIOLENT_OFFENCES)
        | incidents["assault"].eq(True) | incidents["injury"].eq(True)
        | (incidents["weapon"].notna() & incidents["weapon"].ne("none"))
    )
    incidents = incidents[["incident_id", "occurred_at", "police_force", "value_gbp", "violent",
                           "lat", "lon", "offence", "mo_tags"]]
    incidents["value_gbp"] = incidents["value_gbp"].astype(float)
    incidents["occurred_at"] = pd.to_datetime(incidents["occurred_at"])
    persons = _frame(conn, select(
        PersonMention.id, PersonMention.incident_id, PersonMention.name, PersonMention.dob,
        PersonMention.pnc_id, PersonMention.gender, PersonMention.age_min,
        PersonMention.age_max, PersonMention.build,
    ), list(MENTION_COLUMNS[:-1]))
    areas = incidents[["incident_id", "police_force"]].rename(columns={"police_force": "area"})
    persons = persons.merge(areas, on="incident_id", how="left")
    vehicles = _frame(conn, select(
        VehicleMention.id, VehicleMention.incident_id, VehicleMention.vrm,
        VehicleMention.vrm_normalised, VehicleMention.vrm_pattern, VehicleMention.partial,
        VehicleMention.make, VehicleMention.model, VehicleMention.colour,
    ), list(VEHICLE_MENTION_COLUMNS))
    items = _frame(conn, select(Item.incident_id, Item.category).where(Item.category.is_not(None)),
                   ["incident_id", "category"])
    return _Inputs(incidents=incidents, persons=persons, vehicles=vehicles, items=items)


def _frame(conn: Connection, statement: Executable, columns: list[str]) -> pd.DataFrame:
    result = conn.execution_options(yield_per=READ_BATCH).execute(statement)
    parts = [pd.DataFrame.from_records(part, columns=columns) for part in result.partitions()]
    if not parts:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    return pd.concat(parts, ignore_index=True)


def _insert(conn: Connection, table: Any, frame: pd.DataFrame) -> None:
    """Bulk insert in batches inside the caller's transaction, NaN and NaT as NULL.

    Row-by-row parameter handling cost more than the analysis itself (30 s for 200,000
    incidents on PostgreSQL), so values are put into the store's form column by column with
    the column types' own bind processors, then handed to the driver whole: COPY on
    PostgreSQL, executemany on SQLite. The SQL names only our own tables and columns, quoted
    by the dialect.
    """
    dialect = conn.dialect
    columns = [c for c in table.__table__.columns if c.key in frame.columns]
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    target = f"{quote(table.__tablename__)} ({', '.join(quote(c.name) for c in columns)})"
    for start in range(0, len(frame), WRITE_BATCH):
        chunk = frame.iloc[start:start + WRITE_BATCH]
        plain = [_plain(chunk[c.key], integer=c.type.python_type is int) for c in columns]
        if dialect.name not in ("postgresql", "sqlite"):  # any other backend: plain Core
            keys = [c.key for c in columns]
            conn.execute(insert(table), [dict(zip(keys, row, strict=True))
                                         for row in zip(*plain, strict=True)])
            continue
        rows = list(zip(*(
            values if process is None else [None if v is None else process(v) for v in values]
            for values, process in zip(plain, processors, strict=True)
        ), strict=True))
        if dialect.name == "postgresql":
            raw: Any = conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", rows)


def _plain(values: pd.Series, *, integer: bool = False) -> list[Any]:
    """A column as Python values every driver takes, with None for missing ones.

    ``integer``: the store wants whole numbers (a merge turns an id column with gaps into
    floats, which PostgreSQL's COPY would refuse as "1.0").
    """
    if integer and pd.api.types.is_float_dtype(values):
        values = values.astype("Int64")
    if pd.api.types.is_datetime64_any_dtype(values):
        # numpy turns microsecond datetimes into Python datetimes
        objects = values.to_numpy(dtype="datetime64[us]").astype(object)
    else:
        objects = values.astype(object).to_numpy()
    objects[pd.isna(values).to_numpy()] = None
    return list(objects.tolist())


def _lock_results(conn: Connection) -> None:
    """Two runs saving at once would trip over each other's rows: on PostgreSQL the second
    waits for the first to commit (readers are never blocked). SQLite serialises writers."""
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        tables = ", ".join(quote(table.__tablename__) for table in RESULT_TABLES)
        conn.exec_driver_sql(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


def _finish(
    conn: Connection, run_id: int, status: str, *, figures: dict[str, int | float] | None = None,
    error: str | None = None,
) -> None:
    conn.execute(update(AnalysisRun).where(AnalysisRun.id == run_id).values(
        finished_at=utcnow(), status=status, figures=figures or {}, error=error,
    ))


def _record_failure(store: StoreHandle, run_id: int, status: str, error: str) -> None:
    """Mark the run failed in a transaction of its own (the results' one was rolled back)."""
    try:
        with store.engine.begin() as conn:
            _finish(conn, run_id, status, error=error[:4000])
    except Exception:  # the store itself may be what failed; the original error matters more
        log.exception("could not record the failure of analysis run %s", run_id)


def _as_datetime(value: Any) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()
