"""From a validated report to the rows the store keeps: values cleaned by the domain types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from crimelink.domain.exchange import IncidentReport
from crimelink.domain.person_name import PersonName
from crimelink.domain.postcode import Postcode
from crimelink.domain.registration import RegistrationMark
from crimelink.errors import InvalidValue

_UK = ZoneInfo("Europe/London")


def utc(moment: datetime | None) -> datetime | None:
    """Naive UTC for the store; a time without an offset is taken as UK local time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UK)
    return moment.astimezone(UTC).replace(tzinfo=None)


def clean_postcode(text: str | None) -> str | None:
    """A postcode in its standard form, else as written in capitals; never longer than written
    (capitals can be: "ß" is "SS"), so that it fits where the exchange format's 10 characters fit."""
    parsed = Postcode.parse_or_none(text)
    if parsed:
        return str(parsed)
    if not text:
        return None
    shouted = text.strip().upper()
    return (shouted if len(shouted) <= len(text) else text.strip()) or None


def incident_row(report: IncidentReport, *, value_held: bool = False) -> dict[str, Any]:
    """Columns of ``incidents`` that come straight from the report. A value ``value_held`` for
    review is kept apart (``value_held_gbp``) and counts as nothing until an analyst confirms it:
    every figure sums ``value_gbp`` alone."""
    violence, evidence, grading, mo = report.violence, report.evidence, report.grading, report.mo
    return {
        "incident_ref": report.incident_ref,
        "occurred_at": utc(report.occurred_at),
        "reported_at": utc(report.reported_at),
        "offence": report.offence.value,
        "crime_reference": report.crime_reference,
        "value_gbp": 0.0 if value_held else report.total_value_gbp,
        "value_held_gbp": report.total_value_gbp if value_held else None,
        "recovered_gbp": report.recovered_gbp,
        "mo_tags": list(mo.tags) if mo else [],
        "mo_text": mo.text if mo else None,
        "threats": violence.threats if violence else None,
        "assault": violence.assault if violence else None,
        "injury": violence.injury if violence else None,
        "weapon": violence.weapon if violence else None,
        "cctv": evidence.cctv if evidence else None,
        "body_worn_video": evidence.body_worn_video if evidence else None,
        "images": evidence.images if evidence else None,
        "source_evaluation": grading.source_evaluation if grading else None,
        "intelligence_assessment": grading.intelligence_assessment if grading else None,
        "handling_code": grading.handling_code if grading else None,
        "handling_conditions": grading.handling_conditions if grading else None,
    }


def item_rows(report: IncidentReport, incident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "incident_id": incident_id,
            "position": position,
            "description": item.description,
            "category": item.category,
            "quantity": item.quantity,
            "unit_value_gbp": item.unit_value_gbp,
        }
        for position, item in enumerate(report.items)
    ]


def person_rows(report: IncidentReport, incident_id: int) -> list[dict[str, Any]]:
    rows = []
    for person in report.persons:
        name = PersonName.parse_or_none(person.name)
        age_min, age_max = person.age_min, person.age_max
        if age_min is not None and age_max is not None and age_min > age_max:
            age_min, age_max = age_max, age_min  # a range written backwards is still a range
        rows.append(
            {
                "incident_id": incident_id,
                "person_ref": person.person_ref,
                "role": person.role,
                "name": person.name,
                "given_names": " ".join(name.given) if name and name.given else None,
                "family_name": name.family if name else None,
                "aliases": list(person.aliases),
                "dob": person.dob,
                "age_min": age_min,
                "age_max": age_max,
                "gender": person.gender,
                "height_cm": person.height_cm,
                "build": person.build,
                "description": person.description,
                "identified_by": person.identified_by,
                "address": person.address,
                "postcode": clean_postcode(person.postcode),
                "pnc_id": person.pnc_id.strip().upper() if person.pnc_id else None,
            }
        )
    return rows


def vehicle_rows(report: IncidentReport, incident_id: int) -> list[dict[str, Any]]:
    rows = []
    for position, vehicle in enumerate(report.vehicles):
        try:
            mark = RegistrationMark.parse(vehicle.vrm, partial=vehicle.partial)
            normalised, pattern, partial = mark.key or None, mark.pattern, mark.partial
        except InvalidValue:
            # Kept as read: an odd mark is still evidence, it just matches nothing by itself.
            normalised, pattern, partial = None, vehicle.vrm.strip().upper()[:16], bool(vehicle.partial)
        rows.append(
            {
                "incident_id": incident_id,
                "position": position,
                "vrm": vehicle.vrm,
                "vrm_normalised": normalised,
                "vrm_pattern": pattern,
                "partial": partial,
                "make": vehicle.make,
                "model": vehicle.model,
                "colour": vehicle.colour,
            }
        )
    return rows
