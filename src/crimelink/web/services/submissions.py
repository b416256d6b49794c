"""Submitting incidents through the API: who may submit as whom, then intake as for files.

A retailer's or a force's user submits only as their own organisation; the national unit may
submit for any registered organisation (intake rejects unknown ones). A body naming another
organisation is refused whole (403) before anything is stored, so that a mistaken batch does
not half-land. Everything else is intake's judgement: each invalid record is rejected with
its field path and reason, and every valid one is stored.

Each stored incident is then matched at once against the offenders and vehicles the last
analysis knows (:mod:`crimelink.resolve.realtime`), and the answer names them: "known to 23
incidents in 5 force areas". A retailer is told that a person or vehicle in its own report is
known, and how widely, but not who they are in other organisations' reports (no offender id or
name); forces and the national unit get the offender and vehicle ids to open.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, tuple_

from crimelink.access.policy import Viewer
from crimelink.errors import Forbidden
from crimelink.intake import ImportSummary, import_documents
from crimelink.resolve.realtime import IncidentMatches, match_incidents
from crimelink.store import StoreHandle
from crimelink.store.models import Incident, Organisation
from crimelink.web.errors import InvalidRequest

MAX_BATCH = 10_000  # incidents in one request; larger loads go through `crimelink import`
MAX_MATCHED = 200  # incidents matched in real time per request; a bigger batch waits for the analysis


def submit_incidents(*, store: StoreHandle, viewer: Viewer, body: Any) -> ImportSummary:
    """Import one incident (a JSON object) or a batch (a JSON array) submitted by ``viewer``."""
    documents = body if isinstance(body, list) else [body]
    if not documents:
        raise InvalidRequest("the body holds no incidents: send one incident object or an array of them")
    if len(documents) > MAX_BATCH:
        raise InvalidRequest(f"at most {MAX_BATCH:,} incidents in one request", incidents=len(documents))
    if not viewer.may_submit:
        raise Forbidden("your role may read but not submit incidents", role=viewer.role.value)
    others = sorted(
        {
            str(doc["submitter"])
            for doc in documents
            if isinstance(doc, dict)
            and isinstance(doc.get("submitter"), str)
            and not viewer.may_submit_as(doc["submitter"])
        }
    )
    if others:
        raise Forbidden(
            f"you may only submit incidents as your own organisation ({viewer.organisation_code})",
            submitters=others,
            organisation=viewer.organisation_code,
        )
    return import_documents(store=store, documents=documents, source=f"api:{viewer.username}")


def _known(count: int, forces: int) -> str:
    return f"known to {count} incident{'' if count == 1 else 's'} in {forces} force area{'' if forces == 1 else 's'}"


def _present(found: IncidentMatches, ref: tuple[str, str], viewer: Viewer) -> dict[str, Any]:
    """One incident's matches, as much as the submitter may see."""
    offenders = []
    for o in found.offenders:
        hit: dict[str, Any] = {"person_ref": o.person_ref, "incidents": o.incidents, "forces": o.forces, "how": o.how}
        hit["summary"] = f"known offender: {_known(o.incidents, o.forces)}"
        if not viewer.retailer:
            hit |= {"offender_id": o.offender_id, "display_name": o.display_name, "href": f"/offenders/{o.offender_id}"}
        offenders.append(hit)
    vehicles = []
    for v in found.vehicles:
        seen: dict[str, Any] = {"position": v.position, "vrm": v.read, "incidents": v.incidents, "forces": v.forces}
        how = v.how if not viewer.retailer else _without_known_plate(v.how)
        seen |= {"how": how, "summary": f"known vehicle: {_known(v.incidents, v.forces)}"}
        if not viewer.retailer:
            seen |= {"vehicle_id": v.vehicle_id, "known_vrm": v.vrm, "href": f"/vehicles/{v.vehicle_id}"}
        vehicles.append(seen)
    return {"submitter": ref[0], "incident_ref": ref[1], "offenders": offenders, "vehicles": vehicles}


def _without_known_plate(how: str) -> str:
    """How a vehicle matched, without the known plate (another organisation's report may be
    all that knows it): "same registration mark allowing misreads", "partial read fits one
    known vehicle"."""
    if how.startswith("partial read"):
        return "partial read fits one known vehicle"
    return how.split(" (", 1)[0]


def known_matches(*, store: StoreHandle, viewer: Viewer, body: Any, summary: ImportSummary) -> list[dict[str, Any]]:
    """The known offenders and vehicles in each incident just stored (the first ``MAX_MATCHED``)."""
    documents = body if isinstance(body, list) else [body]
    rejected = {(r.submitter, r.incident_ref) for r in summary.rejections}
    refs = [
        (doc["submitter"], doc["incident_ref"])
        for doc in documents
        if isinstance(doc, dict) and isinstance(doc.get("submitter"), str) and isinstance(doc.get("incident_ref"), str)
    ]
    refs = [ref for ref in dict.fromkeys(refs) if ref not in rejected][:MAX_MATCHED]
    if not refs or not summary.stored:
        return []
    with store.session() as session:
        ids = {
            (code, ref): incident_id
            for incident_id, code, ref in session.execute(
                select(Incident.id, Organisation.code, Incident.incident_ref)
                .join(Organisation, Organisation.id == Incident.submitter_id)
                .where(tuple_(Organisation.code, Incident.incident_ref).in_(refs))
            )
        }
        found = {
            m.incident_id: m for m in match_incidents(session=session, incident_ids=[ids[r] for r in refs if r in ids])
        }
    by_id = {incident_id: ref for ref, incident_id in ids.items()}
    return [_present(m, by_id[i], viewer) for i, m in found.items() if m.offenders or m.vehicles]
