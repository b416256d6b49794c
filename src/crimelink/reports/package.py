"""The intelligence package a force receives: for an operation it leads, or a referral sent to it.

A package gathers what the national unit knows about the operation's (or referral's) subjects:
the people (those linked, and the members of linked groups), their groups, the vehicles seen
with them, every incident they are linked to (a table, a map, a timeline), a link chart, and
the priority with the reasons for it. Then it is made fit to leave the unit:

- **Sanitised.** Each incident passes its 3x5x2 handling code for a police audience
  (``crimelink.reports.handling``): one whose conditions forbid dissemination (or a C code
  without conditions) is withheld whole — from the tables, the map, the chart and the timeline —
  and a note says how many were withheld, from whom, and why. A C-coded incident that may go
  carries its conditions beside it.
- **Graded.** The package carries the grading of its weakest part: the least reliable source,
  the weakest assessment, and handling C with every condition if any item is C.
- **Marked.** OFFICIAL-SENSITIVE when it names people or carries conditional material (strict
  need to know); OFFICIAL otherwise. The marking is printed at the top and foot of every page.

``build_package`` answers :class:`NotFound` to anyone but the national unit and the lead force.
The HTML is the web app's ``package.html``; :func:`package_pdf` turns it into PDF (WeasyPrint), as
a job with its progress (``crimelink.reports.package_pdfs``), kept under :func:`package_key`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.models import Referral
from crimelink.casework.present import reference
from crimelink.casework.priority import assess_incidents, data_as_of
from crimelink.casework.schemas import ForceHarmOut
from crimelink.errors import InvalidValue
from crimelink.extras import require
from crimelink.reports import _package_parts as parts
from crimelink.reports.drawing import force_map_svg
from crimelink.reports.handling import UNGRADED, grading_of, worst_grading
from crimelink.reports.package_schemas import (
    IntelligencePackage,
    PackageGrading,
)
from crimelink.store.models import (
    Incident,
    Offender,
    Vehicle,
    utcnow,
)

__all__ = ["PackageDocument", "build_package", "package_key", "package_pdf"]

MAX_INCIDENTS = 500  # listed in the table; the rest counted
SENSITIVE = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class PackageDocument:
    """The package and its pictures (SVG), ready for the template."""

    package: IntelligencePackage
    map_svg: str
    chart_svg: str


def build_package(
    *, session: Session, actor: Viewer, operation_id: int | None = None, referral_id: int | None = None
) -> PackageDocument:
    """The package for an operation (or a referral), as its lead force receives it.

    Raises:
        NotFound: the actor is neither the national unit nor an investigator of the lead force.
        InvalidValue: a referral with no force to go to yet.
    """
    if (operation_id is None) == (referral_id is None):
        raise InvalidValue("package", None, "a package is for one operation or one referral")
    scope = (
        parts.operation_scope(session, actor, operation_id)
        if operation_id is not None
        else parts.referral_scope(session, actor, referral_id)  # type: ignore[arg-type]
    )
    why = parts.people(session, scope)
    incident_ids = parts.incident_ids(session, scope, list(why))
    seen = parts.seen(session, incident_ids)
    names = dict(session.execute(select(Offender.id, Offender.display_name).where(Offender.id.in_(list(why)))).all())
    plates = {
        v: p or "partial"
        for v, p in session.execute(
            select(Vehicle.id, Vehicle.vrm).where(Vehicle.id.in_({v for vs in seen.vehicles.values() for v in vs}))
        )
    }
    shown, points, withheld = parts.incidents(session, incident_ids, seen, names, plates)
    subjects = parts.subjects(session, why, shown, seen)
    groups = parts.groups(session, scope, subjects)
    vehicles = parts.vehicles(session, scope, shown, seen, names)
    group_of = {
        offender: group
        for offender, group in session.execute(
            select(Offender.id, Offender.group_id).where(Offender.id.in_(list(why)), Offender.group_id.is_not(None))
        )
        if group is not None
    }
    as_of = data_as_of(session) or utcnow()
    score, forces = assess_incidents(
        session,
        select(Incident.id).where(Incident.id.in_(incident_ids)),
        as_of=as_of,
        under_operation=scope.operation is not None and scope.operation.status == "open",
    )
    grading = worst_grading([grading_of(*parts.grade(i)) for i in shown]) or UNGRADED
    conditional = [i for i in shown if i.conditions]
    named = any(s.named for s in subjects)
    sensitive = named or bool(conditional) or grading.handling_code.value == "C"
    reasons = [
        w for w, on in (("it names people", named), ("it carries conditional (C) material", bool(conditional))) if on
    ]
    referrals = session.scalars(select(Referral).where(Referral.id.in_(scope.referral_ids)).order_by(Referral.id))
    produced = utcnow()
    package = IntelligencePackage(
        reference=f"PKG-{scope.kind[0].upper()}{scope.subject_id:05d}-{produced:%Y%m%d}",
        kind="operation" if scope.kind == "operation" else "referral",
        subject_id=scope.subject_id,
        title=scope.title,
        recipient_force=scope.force,
        recipient_name=parts.force_name(scope.force),
        produced_at=produced,
        produced_by=f"{actor.display_name}, {actor.organisation_name}",
        marking=SENSITIVE if sensitive else "OFFICIAL",
        marking_reason=("OFFICIAL-SENSITIVE: " + " and ".join(reasons))
        if reasons
        else "OFFICIAL: no personal or conditional material",
        grading=PackageGrading(
            code=grading.code,
            source=grading.source_evaluation.value,
            assessment=grading.intelligence_assessment.value,
            handling=grading.handling_code.value,
            conditions=grading.handling_conditions,
        ),
        handling_instructions=f"Disseminated to {parts.force_name(scope.force)} for a policing purpose. Do not pass it "
        "on, or act on conditional material, beyond its conditions without consulting the national unit.",
        priority_score=score.value,
        priority_reasons=parts.reasons(score.parts),
        force_harm=[
            ForceHarmOut(
                force=f.force, incidents=f.incidents, value_gbp=f.value_gbp, violent=f.violent, harm_days=f.harm_days
            )
            for f in forces
        ],
        referrals=[reference(r) for r in referrals],
        subjects=subjects,
        groups=groups,
        vehicles=vehicles,
        incidents=shown[-MAX_INCIDENTS:],
        incidents_total=len(shown),
        withheld=withheld,
        timeline=parts.timeline(session, scope, shown),
    )
    affected = sorted({i.force for i in shown if i.force})
    map_svg = force_map_svg(points=points, lead_force=scope.force, affected=affected)
    return PackageDocument(package, map_svg, parts.chart(subjects, groups, vehicles, shown, seen, group_of))


def package_key(document: PackageDocument) -> str:
    """What the package's PDF shows, as a hash: everything but the moment it was produced.

    Two downloads with the same key would print the same document, so the second can be given the
    first's PDF. The key changes with anything the package holds (an incident added or withheld,
    a grading, the recipient, who produced it) and with the day (the reference carries the date).
    """
    digest = hashlib.sha256(document.package.model_dump_json(exclude={"produced_at"}).encode())
    for picture in (document.map_svg, document.chart_svg):
        digest.update(b"\0" + picture.encode())
    return digest.hexdigest()


def package_pdf(html: str, *, stylesheet: str, base_url: str | None = None) -> bytes:
    """The package's HTML (the web app's ``package.html``) as PDF, with its print stylesheet."""
    weasyprint = require("pdf", "weasyprint")  # MissingExtra (501) names `pip install 'crimelink[pdf]'`
    pdf: bytes = weasyprint.HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=[weasyprint.CSS(string=stylesheet)]
    )
    return pdf
