"""Submitting incidents through the API: who may submit as whom, then intake as for files.

A retailer's or a force's user submits only as their own organisation; the national unit may
submit for any registered organisation (intake rejects unknown ones). A body naming another
organisation is refused whole (403) before anything is stored, so that a mistaken batch does
not half-land. Everything else is intake's judgement: each invalid record is rejected with
its field path and reason, and every valid one is stored.

Each stored incident is then matched at once against the offenders and vehicles the last
analysis knows (:mod:`crimelink.resolve.realtime`), and the answer names them: "known to 23
incidents in 5 force areas", with the offender and vehicle ids to open, for forces and the
national unit. A retailer is told only what it needs to act: "known: the national unit has been
told" — no figures, no offender id or name, nothing it did not already hold — and its lookups
are audited for the national unit and held back when they look like fishing
(:mod:`crimelink.web.services.lookups`).
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
from crimelink.web.services import lookups

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


_CHECKED = "matched against the last analysis"


def _known(count: int, forces: int) -> str:
    return f"known to {count} incident{'' if count == 1 else 's'} in {forces} force area{'' if forces == 1 else 's'}"


def _present(found: IncidentMatches, ref: tuple[str, str], viewer: Viewer) -> dict[str, Any]:
    """One incident's matches, as much as the submitter may know."""
    offenders: list[dict[str, Any]] = []
    for o in found.offenders:
        if viewer.retailer:  # that they are known, and that someone who may see them will look
            offenders.append({"person_ref": o.person_ref, "summary": lookups.KNOWN, "how": _CHECKED})
            continue
        offenders.append({
            "person_ref": o.person_ref, "incidents": o.incidents, "forces": o.forces, "how": o.how,
            "summary": f"known offender: {_known(o.incidents, o.forces)}", "offender_id": o.offender_id,
            "display_name": o.display_name, "href": f"/offenders/{o.offender_id}",
        })  # fmt: skip
    vehicles: list[dict[str, Any]] = []
    for v in found.vehicles:
        if viewer.retailer:  # its own read only: the known mark may be all another organisation's
            vehicles.append({"position": v.position, "vrm": v.read, "summary": lookups.KNOWN, "how": _CHECKED})
            continue
        vehicles.append({
            "position": v.position, "vrm": v.read, "incidents": v.incidents, "forces": v.forces, "how": v.how,
            "summary": f"known vehicle: {_known(v.incidents, v.forces)}", "vehicle_id": v.vehicle_id,
            "known_vrm": v.vrm, "href": f"/vehicles/{v.vehicle_id}",
        })  # fmt: skip
    return {"submitter": ref[0], "incident_ref": ref[1], "offenders": offenders, "vehicles": vehicles}


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
        wanted = [ids[r] for r in refs if r in ids]
        named = lookups.named_people(session, wanted) if viewer.retailer else 0
        if named:
            used = lookups.used_lookups(session, viewer)
            if used + named > lookups.MAX_LOOKUPS:  # fishing, or a batch for the analysis: say nothing now
                lookups.flag_fishing(session, viewer, [r for _, r in refs], asked=named, used=used)
                return [{"submitter": c, "incident_ref": r, "offenders": [], "vehicles": [], "paused": lookups.PAUSED}
                        for c, r in refs if (c, r) in ids]  # fmt: skip
        matched = match_incidents(session=session, incident_ids=wanted)
        if viewer.retailer and (named or any(m.offenders or m.vehicles for m in matched)):
            lookups.note_told(session, viewer, [r for _, r in refs], named, matched)
    by_id = {incident_id: ref for ref, incident_id in ids.items()}
    return [_present(m, by_id[m.incident_id], viewer) for m in matched if m.offenders or m.vehicles]
