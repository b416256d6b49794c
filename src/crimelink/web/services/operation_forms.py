"""An operation's page and the forms that record its results: arrests, charges, crime outcomes,
court results, closing; and opening an operation directly.

Each form is read into the API's own body (``ArrestIn``, ``ChargeIn``, ``OutcomeIn``,
``CourtResultIn``, ``CloseOperationIn``, ``OperationCreate``) and recorded by the same function
as the API's route (``crimelink.casework.operations``), so that a form is checked exactly as a
``POST /api/v1/operations/...`` is. The forms offer what the operation already holds (the people
it works on, its arrests and charges, its incidents) and say outcomes, verdicts and offences in
words; a person chosen from a list is written as the list shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework import operations, service
from crimelink.casework.lifecycle import Status, is_lead_investigator, is_manager
from crimelink.casework.outcomes import default_outcome_types
from crimelink.casework.schemas import (
    ArrestIn,
    ChargeIn,
    CloseOperationIn,
    CourtResultIn,
    OperationCreate,
    OperationDetail,
    OutcomeIn,
    ReferralRow,
)
from crimelink.domain.offences import OffenceType
from crimelink.errors import InvalidValue
from crimelink.web.services.casework_pages import Choice, force_choices

__all__ = [
    "FORMS",
    "OperationPage",
    "Recorder",
    "open_operation",
    "operation_page",
    "packages_waiting",
]

VERDICT_WORDS = {
    "convicted": "Convicted at trial",
    "guilty_plea": "Pleaded guilty",
    "acquitted": "Acquitted",
    "discontinued": "Discontinued",
    "other": "Other",
}
FIELD_WORDS = {
    "person": "Person", "offender_id": "Person", "arrested_at": "When arrested", "police_force": "Arresting force",
    "notes": "Notes", "offence": "Offence", "counts": "Counts", "charged_at": "When charged", "arrest_id": "Arrest",
    "outcome_type": "Outcome", "recorded_at": "When recorded", "incident_id": "Crime", "crime_reference": "Crime",
    "charge_id": "Charge", "verdict": "Verdict", "decided_at": "When decided", "court": "Court",
    "custodial_months": "Custody (months)", "fine_gbp": "Fine (£)", "result": "Result", "closed_at": "When closed",
    "name": "Operation name", "operation_name": "Operation name", "lead_force": "Lead force",
}  # fmt: skip
Fields = Mapping[str, str]
Model = TypeVar("Model", bound=BaseModel)


class OperationPage(BaseModel):
    """An operation as the API gives it, what its forms offer, and its records in words."""

    operation: OperationDetail
    may_record: bool  # the national unit's managers, and investigators of the lead force
    people: list[Choice]  # the offenders it works on (value: offender id)
    arrests: list[Choice]
    charges: list[Choice]
    incidents: list[Choice]  # its incidents (value: incident id)
    outcome_types: list[Choice]
    offences: list[Choice]
    verdicts: list[Choice]
    forces: list[Choice]
    offence_words: dict[str, str]
    verdict_words: dict[str, str]


def operation_page(*, session: Session, viewer: Viewer, operation_id: int) -> OperationPage:
    """Raises: NotFound, where the viewer may not see the operation (as the API)."""
    detail = operations.get_operation(session=session, actor=viewer, operation_id=operation_id)
    verdicts = get_args(CourtResultIn.model_fields["verdict"].annotation)
    return OperationPage(
        operation=detail,
        may_record=is_manager(viewer) or is_lead_investigator(viewer, detail.lead_force),
        people=[Choice(value=str(k.target_id), label=k.label) for k in detail.links if k.kind == "person"],
        arrests=[
            Choice(value=str(a.id), label=f"{a.person}, arrested {a.arrested_at:%d %b %Y}") for a in detail.arrests
        ],
        charges=[
            Choice(value=str(c.id), label=f"{c.person}: {_offence(c.offence)} ×{c.counts}, {c.charged_at:%d %b %Y}")
            for c in detail.charges
        ],
        incidents=[Choice(value=str(k.target_id), label=k.label) for k in detail.links if k.kind == "incident"],
        outcome_types=[
            Choice(value=t.code, label=t.label + (" (positive outcome)" if t.positive else ""))
            for t in default_outcome_types().types.values()
        ],
        offences=[Choice(value=o.value, label=o.label) for o in OffenceType],
        verdicts=[Choice(value=v, label=VERDICT_WORDS.get(v, v.replace("_", " "))) for v in verdicts],
        forces=force_choices(),
        offence_words={o.value: o.label for o in OffenceType},
        verdict_words=VERDICT_WORDS,
    )


def _offence(value: str) -> str:
    try:
        return OffenceType(value).label
    except ValueError:
        return value.replace("_", " ")


def packages_waiting(*, session: Session, viewer: Viewer) -> list[ReferralRow]:
    """Packages disseminated and not yet adopted: to the viewer's force (a force), or to any (the national unit)."""
    if viewer.retailer:
        return []
    found = service.list_referrals(session=session, actor=viewer, status=Status.DISSEMINATED, limit=200)
    return [r for r in found.rows if r.lead_force and (viewer.national or r.lead_force == viewer.force)]


# --- reading the forms -----------------------------------------------------------------------


def _given(fields: Fields, *names: str) -> dict[str, Any]:
    """The named fields that are not blank."""
    return {n: v.strip() for n in names if isinstance(v := fields.get(n), str) and v.strip()}


def _ticked(fields: Fields, name: str) -> bool:
    return fields.get(name) in ("true", "on", "1")


def _valid(model: type[Model], data: dict[str, Any]) -> Model:
    """The API's body, or :class:`InvalidValue` saying which field, in the form's words."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = [str(p) for p in first["loc"] if not isinstance(p, int)]
        name = where[-1] if where else "form"
        words = FIELD_WORDS.get(name, name.replace("_", " ").capitalize())
        reason = "fill it in" if first["type"] == "missing" else str(first["msg"])
        raise InvalidValue(words, str(first.get("input", ""))[:40], reason) from None


def _chosen(choices: list[tuple[int, str]], value: str | None, what: str) -> str | None:
    """The person of the chosen record (an offender, an arrest, a charge), or ``None`` if none was chosen."""
    if value is None:
        return None
    found = {str(i): p for i, p in choices}.get(value)
    if found is None:
        raise InvalidValue(what, value, "not one of this operation's")
    return found


def _person(data: dict[str, Any], chosen: str | None) -> dict[str, Any]:
    """The person as typed, else as the chosen record names them."""
    if "person" not in data and chosen is not None:
        data["person"] = chosen
    return data


def arrest_from_form(fields: Fields, detail: OperationDetail) -> ArrestIn:
    data = _given(fields, "person", "offender_id", "arrested_at", "police_force", "notes")
    people = [(k.target_id, k.label) for k in detail.links if k.kind == "person"]
    return _valid(ArrestIn, _person(data, _chosen(people, data.get("offender_id"), "Person")))


def charge_from_form(fields: Fields, detail: OperationDetail) -> ChargeIn:
    data = _given(fields, "person", "offence", "counts", "charged_at", "arrest_id")
    if "offence" in data and data["offence"] not in {o.value for o in OffenceType}:
        raise InvalidValue("Offence", data["offence"], "not an offence this platform knows")
    arrests = [(a.id, a.person) for a in detail.arrests]
    return _valid(ChargeIn, _person(data, _chosen(arrests, data.get("arrest_id"), "Arrest")))


def outcome_from_form(fields: Fields, detail: OperationDetail) -> OutcomeIn:
    data = _given(fields, "outcome_type", "recorded_at", "incident_id", "crime_reference", "charge_id")
    if "incident_id" not in data and "crime_reference" not in data:
        raise InvalidValue("Crime", "", "choose one of the operation's incidents or give a crime reference")
    _chosen([(k.target_id, k.label) for k in detail.links if k.kind == "incident"], data.get("incident_id"), "Crime")
    return _valid(OutcomeIn, data)


def court_result_from_form(fields: Fields, detail: OperationDetail) -> CourtResultIn:
    data = _given(fields, "person", "verdict", "decided_at", "court", "charge_id")
    charges = [(c.id, c.person) for c in detail.charges]
    _person(data, _chosen(charges, data.get("charge_id"), "Charge"))
    sentence: dict[str, Any] = _given(fields, "custodial_months", "fine_gbp")
    if notes := _given(fields, "sentence_notes"):
        sentence["notes"] = notes["sentence_notes"]
    flags = {k: True for k in ("suspended", "community_order", "deportation") if _ticked(fields, k)}
    passed = {k for k, v in sentence.items() if v not in ("0", "0.0", "0.00")} | (set(flags) - {"suspended"})
    if passed:  # a sentence was passed (a verdict alone records none)
        data["sentences"] = [sentence | flags]
    return _valid(CourtResultIn, data)


def close_from_form(fields: Fields, detail: OperationDetail) -> CloseOperationIn:
    return _valid(CloseOperationIn, _given(fields, "result"))


def operation_from_form(fields: Fields) -> OperationCreate:
    return _valid(OperationCreate, _given(fields, "name", "lead_force", "notes"))


# --- recording -------------------------------------------------------------------------------

Recorder = Callable[[Session, Viewer, OperationDetail, Fields], object]


def _record_arrest(session: Session, viewer: Viewer, detail: OperationDetail, fields: Fields) -> object:
    arrest = arrest_from_form(fields, detail)
    return operations.record_arrest(session=session, actor=viewer, operation_id=detail.id, arrest=arrest)


def _record_charge(session: Session, viewer: Viewer, detail: OperationDetail, fields: Fields) -> object:
    charge = charge_from_form(fields, detail)
    return operations.record_charge(session=session, actor=viewer, operation_id=detail.id, charge=charge)


def _record_outcome(session: Session, viewer: Viewer, detail: OperationDetail, fields: Fields) -> object:
    outcome = outcome_from_form(fields, detail)
    return operations.record_outcomes(session=session, actor=viewer, operation_id=detail.id, outcomes=[outcome])


def _record_court_result(session: Session, viewer: Viewer, detail: OperationDetail, fields: Fields) -> object:
    result = court_result_from_form(fields, detail)
    return operations.record_court_result(session=session, actor=viewer, operation_id=detail.id, result=result)


def _close(session: Session, viewer: Viewer, detail: OperationDetail, fields: Fields) -> object:
    close = close_from_form(fields, detail)
    return operations.close_operation(session=session, actor=viewer, operation_id=detail.id, close=close)


FORMS: dict[str, Recorder] = {  # the form's name -> how it is recorded
    "arrest": _record_arrest,
    "charge": _record_charge,
    "outcome": _record_outcome,
    "court_result": _record_court_result,
    "close": _close,
}


def open_operation(*, session: Session, viewer: Viewer, fields: Fields) -> int:
    """The national unit opens an operation directly (``create_operation``, as the API); its id."""
    return operations.create_operation(session=session, actor=viewer, data=operation_from_form(fields)).id
