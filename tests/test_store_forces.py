"""A store reported with a postcode but no coordinates gets its police force from what the
store already knows (crimelink.intake.store_forces), so its incidents reach that force."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crimelink.intake import import_documents
from crimelink.store import StoreHandle
from crimelink.store.models import Incident
from tests.intake_data import incident, register

DIGBETH = {"lat": 52.4751, "lon": -1.8836}  # West Midlands
COVENTRY = {"lat": 52.4068, "lon": -1.5197}  # West Midlands
RUGBY = {"lat": 52.3709, "lon": -1.2650}  # Warwickshire


def _store(ref: str, name: str, postcode: str, where: dict[str, float] | None = None) -> dict[str, Any]:
    return {"store_ref": ref, "name": name, "postcode": postcode, **(where or {})}


def _force(store: StoreHandle, incident_ref: str) -> tuple[str | None, str]:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(Incident.police_force, Incident.police_force_source).where(Incident.incident_ref == incident_ref)
        ).one()
    return row[0], row[1]


def test_a_store_without_coordinates_takes_the_force_of_another_report_of_the_same_store(
    store: StoreHandle,
) -> None:
    register(store, "NORTHMART", "CORNERSHOP")
    import_documents(store=store, documents=[
        incident("N-1", store=_store("S-1", "Northmart Digbeth", "B5 6DT")),
        incident("C-1", submitter="CORNERSHOP", store=_store("NM/S-1", "NORTHMART  digbeth", "b56dt", DIGBETH)),
    ])
    assert _force(store, "N-1") == ("west-midlands", "derived")


def test_an_incident_already_stored_without_a_force_gets_it_when_the_store_is_reported_with_a_location(
    store: StoreHandle,
) -> None:
    register(store, "NORTHMART", "CORNERSHOP")
    import_documents(store=store, documents=[incident("N-1", store=_store("S-1", "Northmart Digbeth", "B5 6DT"))])
    assert _force(store, "N-1") == (None, "unknown")
    import_documents(store=store, documents=[
        incident("C-1", submitter="CORNERSHOP", store=_store("NM/S-1", "Northmart Digbeth", "B5 6DT", DIGBETH)),
    ])
    assert _force(store, "N-1") == ("west-midlands", "derived")


def test_a_postcode_area_located_stores_agree_on_gives_its_force_and_a_divided_one_gives_none(
    store: StoreHandle,
) -> None:
    register(store, "NORTHMART")
    located = [
        ("B-1", "Northmart Digbeth", "B5 6DT", DIGBETH),
        ("B-2", "Northmart Bullring", "B5 4BU", DIGBETH),
        ("B-3", "Northmart Deritend", "B12 0HG", DIGBETH),
        ("C-1", "Northmart Coventry", "CV1 1GF", COVENTRY),
        ("C-2", "Northmart Far Gosford", "CV1 5DB", COVENTRY),
        ("C-3", "Northmart Rugby", "CV21 2JR", RUGBY),
    ]
    docs = [incident(f"L-{ref}", store=_store(ref, name, pc, where)) for ref, name, pc, where in located]
    docs += [
        incident("N-B", store=_store("X-1", "Northmart Small Heath", "B10 0AA")),  # area B: all West Midlands
        incident("N-CV", store=_store("X-2", "Northmart Nuneaton", "CV11 4AA")),  # area CV: 2 to 1, no guess
    ]
    import_documents(store=store, documents=docs)
    assert _force(store, "N-B") == ("west-midlands", "derived")
    assert _force(store, "N-CV") == (None, "unknown")
