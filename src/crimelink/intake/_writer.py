"""Storing validated reports in batches: new ones inserted, resubmissions replacing the
current version (which is kept in ``incident_versions``), identical resubmissions ignored.

Each batch is one transaction, so an interrupted import leaves whole incidents or none, and
running it again completes it without duplicating anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, DateTime, bindparam, delete, insert, literal, select, tuple_, update

from crimelink.domain.exchange import IncidentReport
from crimelink.geography import forces_for_points
from crimelink.intake._rows import (
    clean_postcode,
    incident_row,
    item_rows,
    person_rows,
    vehicle_rows,
)
from crimelink.store.bulk import insert_rows, select_by_pairs
from crimelink.store.models import (
    Incident,
    IncidentVersion,
    Item,
    PersonLink,
    PersonMention,
    Store,
    VehicleLink,
    VehicleMention,
    utcnow,
)
from crimelink.store.models.base import table_of


@dataclass(slots=True)
class Pending:
    report: IncidentReport
    submitter_id: int
    document: str
    content_hash: str
    value_held: bool = False  # the loss stands out: kept apart until an analyst confirms it


def content_hash(text: bytes) -> str:
    """A fingerprint of the record as sent. Hashing the bytes (not a canonical form) keeps
    intake fast; a resubmission whose bytes differ is compared by content before it counts
    as a change (see ``same_content``)."""
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def same_content(document: str, text: str) -> bool:
    """Whether two JSON documents say the same, whatever their key order or spacing."""
    return bool(orjson.loads(document) == orjson.loads(text))


@dataclass
class BatchOutcome:
    created: int = 0
    replaced: int = 0
    unchanged: int = 0


class StoreDirectory:
    """The stores already known, by (organisation, store_ref), with their force area."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, str], tuple[int, str | None]] = {}

    def resolve(self, conn: Connection, batch: list[Pending]) -> dict[tuple[int, str], tuple[int, str | None]]:
        wanted = {(p.submitter_id, p.report.store.store_ref): p for p in batch}
        missing = [key for key in wanted if key not in self._known]
        if missing:
            rows = conn.execute(
                select(Store.organisation_id, Store.store_ref, Store.id, Store.police_force).where(
                    tuple_(Store.organisation_id, Store.store_ref).in_(missing)
                )
            )
            for org_id, ref, store_id, force in rows:
                self._known[(org_id, ref)] = (store_id, force)
            self._create(conn, [wanted[key] for key in missing if key not in self._known])
        return self._known

    def _create(self, conn: Connection, reports: list[Pending]) -> None:
        if not reports:
            return
        located = [p for p in reports if p.report.store.lat is not None and p.report.store.lon is not None]
        forces = forces_for_points([p.report.store.lat for p in located], [p.report.store.lon for p in located])  # type: ignore[misc]
        derived = {id(p): force for p, force in zip(located, forces, strict=True)}
        rows = []
        for pending in reports:
            store = pending.report.store
            force = derived.get(id(pending))
            if force is None and pending.report.police_force not in (None, "btp"):
                force = pending.report.police_force  # no location: the submitter's word for the area
            rows.append(
                {
                    "organisation_id": pending.submitter_id,
                    "store_ref": store.store_ref,
                    "name": store.name,
                    "address": store.address,
                    "postcode": clean_postcode(store.postcode),
                    "lat": store.lat,
                    "lon": store.lon,
                    "police_force": force,
                }
            )
        # Another import or API request may create the same store at the same moment: insert
        # what is still missing, ignore what just appeared, then read back every store's id.
        conn.execute(_insert_ignoring_existing(conn, Store), rows)
        keys = [(row["organisation_id"], row["store_ref"]) for row in rows]
        for org_id, ref, store_id, force in select_by_pairs(
            conn,
            table="stores",
            key=("organisation_id", "store_ref"),
            columns=("organisation_id", "store_ref", "id", "police_force"),
            pairs=keys,
        ):
            self._known[(org_id, ref)] = (store_id, force)


def _insert_ignoring_existing(conn: Connection, model: type[Store]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the dialect of the connection."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model).on_conflict_do_nothing()


def write_batch(conn: Connection, stores: StoreDirectory, batch: list[Pending]) -> BatchOutcome:
    """Store one batch of reports (no key repeated within it) in the caller's transaction."""
    outcome = BatchOutcome()
    keys = [(p.submitter_id, p.report.incident_ref) for p in batch]
    existing = {
        (row.submitter_id, row.incident_ref): row
        for row in select_by_pairs(
            conn,
            table="incidents",
            key=("submitter_id", "incident_ref"),
            columns=("id", "submitter_id", "incident_ref", "content_hash", "version", "document"),
            pairs=keys,
        )
    }
    store_index = stores.resolve(conn, batch)
    now = utcnow()
    fresh: list[Pending] = []
    fresh_rows: list[dict[str, Any]] = []
    replaced: list[tuple[Pending, Any]] = []
    for pending in batch:
        previous = existing.get((pending.submitter_id, pending.report.incident_ref))
        if previous is not None and (
            previous.content_hash == pending.content_hash or same_content(previous.document, pending.document)
        ):
            outcome.unchanged += 1
            continue
        store_id, store_force = store_index[(pending.submitter_id, pending.report.store.store_ref)]
        row = _incident_columns(pending, store_id, store_force, now)
        if previous is None:
            fresh.append(pending)
            fresh_rows.append(row)
        else:
            replaced.append((pending, previous))
    if fresh_rows:
        insert_rows(conn, table_of(Incident), fresh_rows)
        ids = _incident_ids(conn, [(p.submitter_id, p.report.incident_ref) for p in fresh])
        _insert_children(conn, list(zip(fresh, ids, strict=True)))
        outcome.created = len(ids)
    if replaced:
        _replace(conn, replaced, store_index, now)
        outcome.replaced = len(replaced)
    return outcome


def _incident_columns(pending: Pending, store_id: int, store_force: str | None, now: Any) -> dict[str, Any]:
    row = incident_row(pending.report, value_held=pending.value_held)
    given = pending.report.police_force
    row.update(
        submitter_id=pending.submitter_id,
        store_id=store_id,
        police_force=given or store_force,
        police_force_source="given" if given else ("derived" if store_force else "unknown"),
        content_hash=pending.content_hash,
        document=pending.document,
        received_at=now,
        version=1,
    )
    return row


def _incident_ids(conn: Connection, keys: list[tuple[int, str]]) -> list[int]:
    """Ids of just-inserted incidents, in the order of ``keys`` (one indexed lookup per batch,
    cheaper than RETURNING row by row)."""
    rows = select_by_pairs(
        conn,
        table="incidents",
        key=("submitter_id", "incident_ref"),
        columns=("submitter_id", "incident_ref", "id"),
        pairs=keys,
    )
    found = {(submitter_id, ref): id_ for submitter_id, ref, id_ in rows}
    return [found[key] for key in keys]


def _insert_children(conn: Connection, saved: list[tuple[Pending, int]]) -> None:
    items: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    vehicles: list[dict[str, Any]] = []
    for pending, incident_id in saved:
        items.extend(item_rows(pending.report, incident_id))
        persons.extend(person_rows(pending.report, incident_id))
        vehicles.extend(vehicle_rows(pending.report, incident_id))
    for table, rows in ((Item, items), (PersonMention, persons), (VehicleMention, vehicles)):
        insert_rows(conn, table_of(table), rows)


def _replace(conn: Connection, replaced: list[tuple[Pending, Any]], store_index: Any, now: Any) -> None:
    """Keep each current version whole, then swap in the new one under the same id."""
    ids = [previous.id for _, previous in replaced]
    current = table_of(Incident).c
    conn.execute(
        insert(IncidentVersion).from_select(
            ["incident_id", "version", "content_hash", "received_at", "superseded_at", "document"],
            select(
                current.id,
                current.version,
                current.content_hash,
                current.received_at,
                literal(now, DateTime),
                current.document,
            ).where(current.id.in_(ids)),
        )
    )
    # Conclusions drawn from the old mentions no longer hold; the next analysis redraws them.
    person_ids = select(PersonMention.id).where(PersonMention.incident_id.in_(ids))
    vehicle_ids = select(VehicleMention.id).where(VehicleMention.incident_id.in_(ids))
    conn.execute(delete(PersonLink).where(PersonLink.mention_id.in_(person_ids)))
    conn.execute(delete(VehicleLink).where(VehicleLink.mention_id.in_(vehicle_ids)))
    for child in (table_of(Item), table_of(PersonMention), table_of(VehicleMention)):
        conn.execute(delete(child).where(child.c.incident_id.in_(ids)))
    rows = []
    for pending, previous in replaced:
        store_id, store_force = store_index[(pending.submitter_id, pending.report.store.store_ref)]
        row = _incident_columns(pending, store_id, store_force, now)
        row.update(target_id=previous.id, version=previous.version + 1)
        rows.append(row)
    incidents = table_of(Incident)
    conn.execute(update(incidents).where(incidents.c.id == bindparam("target_id")), rows)
    _insert_children(conn, [(pending, previous.id) for pending, previous in replaced])
