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
import resource
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, insert, update

from crimelink.errors import CrimelinkError
from crimelink.intake.store_forces import place_stores_by_postcode
from crimelink.network import (
    AliasSettings,
    BridgeSettings,
    CentralitySettings,
    CrossForceSettings,
    GroupSettings,
    HotspotSettings,
    SeriesSettings,
    UnidentifiedSettings,
    attribute_unidentified,
    detect_groups,
    detect_series,
    group_affinity,
    hex_hotspots,
    hub_vehicles,
    key_players,
    knox_tests,
    link_incidents,
    member_aliases,
    routes,
    split_bridges,
)
from crimelink.network.series_groups import SeriesGroupSettings, one_series_per_group, series_groups
from crimelink.pipeline_inputs import AnalysisInputs, load_inputs, snapshot
from crimelink.resolve import (
    LinkageSettings,
    PersonResolution,
    VehicleSettings,
    engine_input,
    link_persons,
    offender_rows,
    parse_name,
    resolve_vehicles,
)
from crimelink.store import StoreHandle
from crimelink.store.frames import insert_frame
from crimelink.store.models import (
    AnalysisRun,
    GroupMember,
    IncidentSeries,
    LinkageModel,
    Offender,
    OffenderGroup,
    PersonLink,
    Series,
    Vehicle,
    VehicleLink,
    utcnow,
)
from crimelink.store.models.patterns import (
    Hotspot,
    KeyPlayer,
    NearRepeat,
    Route,
    SeriesLink,
    UnidentifiedMember,
)
from crimelink.triage import PrioritySettings, prioritise_groups, prioritise_offenders
from crimelink.triage.harm import incident_harm_days

__all__ = ["AnalysisError", "AnalysisResult", "AnalysisSettings", "run_analysis"]

log = logging.getLogger(__name__)

SECONDS = "seconds: "  # figures that time each stage, e.g. "seconds: resolving persons"
PEAK_MB = "peak MB after: "  # the process's peak memory when each stage ended
RESULT_TABLES = (
    GroupMember, OffenderGroup, IncidentSeries, Series, PersonLink, Offender, VehicleLink, Vehicle,
    KeyPlayer, SeriesLink, Route, Hotspot, NearRepeat, UnidentifiedMember,
)


@dataclass(frozen=True)
class AnalysisSettings:
    """Every stage's settings; stored as JSON with each run so that results can be explained."""

    persons: LinkageSettings = field(default_factory=LinkageSettings)
    vehicles: VehicleSettings = field(default_factory=VehicleSettings)
    groups: GroupSettings = field(default_factory=GroupSettings)
    aliases: AliasSettings = field(default_factory=AliasSettings)
    bridges: BridgeSettings = field(default_factory=BridgeSettings)
    unidentified: UnidentifiedSettings = field(default_factory=UnidentifiedSettings)
    series: SeriesSettings = field(default_factory=SeriesSettings)
    series_groups: SeriesGroupSettings = field(default_factory=SeriesGroupSettings)
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
    clock = {"stage": perf_counter()}
    timings: dict[str, int | float] = {}

    def say(what: str) -> None:
        """Start a stage: tell the caller, and time the one before (seconds, and the peak
        memory so far, which names the stage that set it)."""
        nonlocal stage
        now = perf_counter()
        if what != stage:
            timings[f"{SECONDS}{stage}"] = round(now - clock["stage"], 2)
            timings[f"{PEAK_MB}{stage}"] = _peak_mb()
        clock["stage"] = now
        stage = what
        log.info("analysis run %s: %s", run_id, what)
        if progress is not None:
            progress(what)

    try:
        say("loading incidents")
        with store.engine.begin() as conn:
            place_stores_by_postcode(conn)  # stores imported before intake did it
        with snapshot(store) as conn:
            inputs = load_inputs(conn)
        tables, figures, model = _conclude(inputs, settings, say)
        say("saving results")
        figures = {**figures, **timings}
        with store.engine.begin() as conn:
            _lock_results(conn)
            for table in RESULT_TABLES:
                conn.execute(delete(table))
            for table, frame in tables.items():
                insert_frame(conn, table, frame)
            if model:
                conn.execute(insert(LinkageModel), {"run_id": run_id, "model": model})
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
    inputs: AnalysisInputs, settings: AnalysisSettings, say: Callable[[str], None]
) -> tuple[dict[Any, pd.DataFrame], dict[str, int | float], dict[str, Any]]:
    """Run the stages; return the rows of each result table, the run's figures and the
    trained person-linkage model."""
    incidents = inputs.incidents
    say("resolving persons")
    persons = link_persons(
        engine_input(inputs.persons, incidents, inputs.vehicles), settings=settings.persons,
        decisions=inputs.decisions,
    )
    say("resolving vehicles")
    vehicles = resolve_vehicles(inputs.vehicles, settings=settings.vehicles)

    forces = incidents[["incident_id", "police_force"]]

    def appearing(links: pd.DataFrame) -> pd.DataFrame:
        seen = links[["mention_id", "offender_id"]].merge(inputs.persons[["mention_id", "incident_id"]],
                                                          on="mention_id")
        return seen[["offender_id", "incident_id"]].drop_duplicates().merge(forces, on="incident_id")

    appearances = appearing(persons.links)
    sightings = (
        vehicles.links[["mention_id", "vehicle_id"]]
        .merge(inputs.vehicles[["mention_id", "incident_id"]], on="mention_id")
        [["vehicle_id", "incident_id"]].drop_duplicates()
    )

    identities = persons.offenders[["offender_id", "named"]]
    named = identities.loc[identities["named"].astype(bool), "offender_id"]
    say("linking incidents")
    hubs = hub_vehicles(offenders=identities, appearances=appearances, sightings=sightings,
                        settings=settings.groups, incidents=incidents)
    splits = split_bridges(
        mentions=persons.links[["mention_id", "offender_id"]].merge(
            inputs.persons[["mention_id", "incident_id", "given_names", "family_name", "dob"]], on="mention_id"),
        named=named, sightings=sightings, ignore_vehicles=hubs,
        first_id=_next_id(persons.offenders["offender_id"]),
        decided=_decided_offenders(persons.links, inputs.decisions), settings=settings.bridges)
    if len(splits):  # two people under one record: split before they bridge two groups
        persons = _split_offenders(persons, splits, inputs.persons)
        appearances = appearing(persons.links)
        identities = persons.offenders[["offender_id", "named"]]
        named = identities.loc[identities["named"].astype(bool), "offender_id"]
    links = link_incidents(incidents=incidents, appearances=appearances, sightings=sightings,
                           items=inputs.items, mentions=inputs.persons, named=named,
                           ignore_vehicles=hubs, settings=settings.series)
    say("detecting groups")
    spree = links.frame(settings.groups.spree_probability)
    groups = detect_groups(offenders=identities, appearances=appearances, sightings=sightings,
                           ignore_vehicles=hubs, settings=settings.groups, links=spree, bounded=False)
    aliases = member_aliases(
        members=groups.members, offenders=persons.offenders, appearances=appearances,
        names=persons.links[["mention_id", "offender_id"]].merge(
            inputs.persons[["mention_id", "given_names", "family_name"]], on="mention_id"),
        decided=_decided_offenders(persons.links, inputs.decisions), settings=settings.aliases)
    if len(aliases):  # one person, one member: merge the spellings, then find the groups again
        persons = _merge_offenders(persons, aliases)
        appearances = _remap(appearances, aliases).drop_duplicates(["offender_id", "incident_id"])
        identities = persons.offenders[["offender_id", "named"]]
        named = identities.loc[identities["named"].astype(bool), "offender_id"]
    groups = detect_groups(offenders=identities, appearances=appearances, sightings=sightings,
                           ignore_vehicles=hubs, settings=settings.groups, links=spree)  # bounded in size
    labels = dict(zip(groups.groups["group_id"], groups.groups["label"], strict=True))
    say("attributing unidentified suspects")

    def unidentified(series: pd.DataFrame | None) -> pd.DataFrame:
        return attribute_unidentified(
            offenders=identities, appearances=appearances, members=groups.members, sightings=sightings,
            series=series, ignore_vehicles=hubs, group_labels=labels, settings=settings.unidentified)

    say("detecting series")
    seen_with = unidentified(None).merge(appearances[["offender_id", "incident_id"]], on="offender_id")
    found = detect_series(links=links, group_members=groups.members, affinity=group_affinity(groups),
                          settings=settings.series, group_labels=labels,
                          group_incidents=seen_with[["group_id", "incident_id", "strength"]])
    series = found.membership
    attributed = unidentified(series)
    unnamed_groups = series_groups(
        series=series, appearances=appearances, offenders=identities,
        claimed=_everyone(groups.members, attributed).merge(appearances[["offender_id", "incident_id"]],
                                                            on="offender_id")[["incident_id", "offender_id"]],
        first_group_id=_next_id(groups.groups["group_id"]), sightings=sightings, ignore_vehicles=hubs,
        settings=settings.series_groups)
    if len(unnamed_groups.groups):  # organised series no detected group holds: groups nobody has named
        groups = replace(groups, members=pd.concat([groups.members, unnamed_groups.members], ignore_index=True),
                         groups=pd.concat([groups.groups, unnamed_groups.groups], ignore_index=True))
        attributed = pd.concat([attributed, unnamed_groups.unidentified], ignore_index=True)
        found = one_series_per_group(found, unnamed_groups.series, unnamed_groups.groups)
        series = found.membership
    everyone = _everyone(groups.members, attributed)  # identified and unidentified members alike
    say("ranking key players")
    players = key_players(edges=groups.edges, members=groups.members, settings=settings.centrality)
    say("tracing routes")
    group_incidents = everyone.merge(appearances, on="offender_id")
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
    )  # identified members only; unidentified ones are in ``unidentified_members``
    as_of = _as_datetime(incidents["occurred_at"].max() if len(incidents) else None)
    harmed = incidents[["incident_id", "occurred_at"]].assign(
        harm_days=incident_harm_days(incidents, weights=settings.priority.weights))
    offenders = offenders.merge(prioritise_offenders(
        offender_ids=offenders["offender_id"].to_numpy(), appearances=appearances,
        incidents=harmed, as_of=as_of, settings=settings.priority), on="offender_id")
    anchors = inputs.worked_groups.astype({"mention_id": np.int64})
    worked = persons.links.merge(anchors, on="mention_id")[["offender_id"]].merge(
        groups.members[["offender_id", "group_id"]], on="offender_id")["group_id"]
    identified = groups.members.groupby("group_id").size().rename("members").reset_index()
    group_rows = _with_figures(groups.groups, "group_id", group_incidents, incidents).merge(
        identified, on="group_id", how="left")
    group_rows["members"] = group_rows["members"].fillna(0).astype(np.int64)
    group_rows = group_rows.merge(prioritise_groups(  # unidentified members' incidents count too
        members=everyone, appearances=appearances, incidents=harmed, named=named,
        under_operation=worked, as_of=as_of, settings=settings.priority), on="group_id")
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
        UnidentifiedMember: attributed,
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
        "incidents_left_out": inputs.left_out,  # stored with a time no analysis can use
        "person_mentions": len(inputs.persons),
        "offenders": len(offenders),
        "named_offenders": int(offenders["named"].astype(bool).sum()),
        "person_links_suggested": int(persons.links["status"].eq("suggested").sum()),
        "person_links_confirmed": int(persons.links["status"].eq("confirmed").sum()),
        "person_links_context": int(persons.links["status"].eq("context").sum()),
        "analyst_decisions": len(inputs.decisions),
        "vehicle_mentions": len(inputs.vehicles),
        "vehicles": len(vehicle_rows),
        "hub_vehicles": len(hubs),
        "groups": len(group_rows),
        "grouped_offenders": len(groups.members),
        "unidentified_members": len(attributed),
        "member_spellings_merged": len(aliases),
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
    return tables, figures, persons.model


def _next_id(ids: pd.Series) -> int:
    """The id after the highest in ``ids`` (1 when there are none)."""
    return int(ids.max()) + 1 if len(ids) else 1


def _everyone(members: pd.DataFrame, unidentified: pd.DataFrame) -> pd.DataFrame:
    """group_id, offender_id of every group's identified and unidentified members."""
    return pd.concat([members[["group_id", "offender_id"]], unidentified[["group_id", "offender_id"]]],
                     ignore_index=True)


def _decided_offenders(links: pd.DataFrame, decisions: tuple[Any, ...]) -> set[int]:
    """Offenders holding a mention that an analyst's decision names: left as the linkage made them."""
    mentions = {int(m) for d in decisions for side in (d.side_a, d.side_b) for m in side}
    return {int(o) for o in links.loc[links["mention_id"].isin(mentions), "offender_id"]}


def _remap(frame: pd.DataFrame, aliases: pd.DataFrame) -> pd.DataFrame:
    into = dict(zip(aliases["offender_id"].astype(int), aliases["into"].astype(int), strict=True))
    return frame.assign(offender_id=frame["offender_id"].map(lambda o: into.get(int(o), int(o))).astype(np.int64))


def _merge_offenders(persons: PersonResolution, aliases: pd.DataFrame) -> PersonResolution:
    """The offender records that are one member's spellings, folded into that member's record;
    each moved mention's reason says why."""
    links = _remap(persons.links, aliases)
    moved = persons.links["offender_id"].isin(aliases["offender_id"]).to_numpy()
    why = persons.links["offender_id"].map(aliases.set_index("offender_id")["reason"])
    links.loc[moved, "reason"] = why[moved].str.slice(0, 400)
    offenders = persons.offenders[~persons.offenders["offender_id"].isin(aliases["offender_id"])]
    return replace(persons, links=links, offenders=offenders.reset_index(drop=True))


def _split_offenders(persons: PersonResolution, splits: pd.DataFrame, mentions: pd.DataFrame) -> PersonResolution:
    """Move each split report to its new record, and describe every record the split touched
    anew from the reports it now holds (as the linkage describes every record)."""
    moved = splits.set_index("mention_id")
    links = persons.links.copy()
    at = links["mention_id"].isin(moved.index).to_numpy()
    links.loc[at, "offender_id"] = links.loc[at, "mention_id"].map(moved["offender_id"]).to_numpy(dtype=np.int64)
    links.loc[at, "reason"] = links.loc[at, "mention_id"].map(moved["reason"]).to_numpy()
    links.loc[at, "status"] = "suggested"
    links["offender_id"] = links["offender_id"].astype(np.int64)
    touched = set(splits["offender_id"].astype(int)) | set(persons.links.loc[at, "offender_id"].astype(int))
    reports = links.loc[links["offender_id"].isin(touched), ["mention_id", "offender_id"]].merge(
        mentions[["mention_id", "name", "pnc_id", "dob", "gender", "age_min", "age_max", "build"]], on="mention_id")
    reports = reports.assign(node=reports["mention_id"],
                             display=[parse_name(n)[0] if isinstance(n, str) else None for n in reports["name"]])
    offenders = pd.concat([persons.offenders[~persons.offenders["offender_id"].isin(touched)],
                           offender_rows(reports)], ignore_index=True)
    return replace(persons, links=links, offenders=offenders.sort_values("offender_id", ignore_index=True))


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


def _peak_mb() -> int:
    """The process's peak resident memory so far, in MB (Linux reports it in KB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


def _as_datetime(value: Any) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()
