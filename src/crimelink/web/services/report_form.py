"""Reporting an incident through the web form: the exchange format, filled in by hand.

A small retailer's loss-prevention officer has no IT department to write JSON for the API. The
form is another face on the very same path: what is typed becomes an exchange-format document
that goes through :func:`crimelink.web.services.submissions.submit_incidents` exactly as an API
body would, so the form accepts nothing the API would refuse and stores exactly what the API
would store for the same JSON. The known offenders and vehicles it hits come from the same
:func:`~crimelink.web.services.submissions.known_matches`, cut to what the viewer may know.

The form's fields are named by the exchange format's own paths (``persons[0].dob``), so a
rejection's field path leads straight back to the input it is about (rows left blank are left
out, so row numbers are mapped back). A few rules belong to the form alone, because only a
person filling it in can be asked: a crime reference when the incident was reported to the
police (or by a force), the conditions of handling code C, a name and a real postcode for a new
store, and an age range the right way round.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.domain.exchange import SCHEMA_ID, IncidentReport
from crimelink.domain.forces import FORCE_IDS, police_force
from crimelink.domain.offences import OffenceType
from crimelink.domain.organisations import OrganisationKind
from crimelink.domain.postcode import Postcode
from crimelink.errors import InvalidValue
from crimelink.intake import ImportSummary
from crimelink.store import StoreHandle
from crimelink.store.models import Incident, Organisation, Store
from crimelink.web.services import report_words as words
from crimelink.web.services.incidents import IncidentDetail, get_incident
from crimelink.web.services.labels import HANDLING_CODE, INTELLIGENCE_ASSESSMENT, SOURCE_EVALUATION
from crimelink.web.services.submissions import known_matches, submit_incidents

ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "items": ("description", "category", "quantity", "unit_value_gbp"),
    "persons": ("name", "dob", "age_min", "age_max", "gender", "height_cm", "build", "description"),
    "vehicles": ("vrm", "partial", "make", "model", "colour"),
}
MAX_ROWS = {kind: int(words.field_schema(kind)["maxItems"]) for kind in ROW_FIELDS}
FIELDS = frozenset(words.LABELS) - {f"{kind}.{name}" for kind, names in ROW_FIELDS.items() for name in names}
_ROW_FIELD = re.compile(r"^(items|persons|vehicles)\[(\d{1,3})\]\.(\w+)$")
_WHOLE = frozenset({"quantity", "age_min", "age_max", "height_cm"})
_AMOUNT = frozenset({"unit_value_gbp", "value_gbp", "recovered_gbp"})
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_TICKED = ("true", "on", "yes", "1")
ENUMS: dict[str, list[tuple[str, str]]] = {  # fixed selects: the exchange format's values, the grading's words
    "gender": [(v, v) for v in words.choices("persons[0].gender")],
    "build": [(v, v) for v in words.choices("persons[0].build")],
    "weapon": [(v, v) for v in words.choices("violence.weapon")],
    "source_evaluation": [(k, f"{k}: {v}") for k, v in SOURCE_EVALUATION.items()],
    "intelligence_assessment": [(k, f"{k}: {v}") for k, v in INTELLIGENCE_ASSESSMENT.items()],
    "handling_code": [(k, f"{k}: {v}") for k, v in HANDLING_CODE.items()],
}
UK = ZoneInfo("Europe/London")  # a time without an offset is UK local time (as intake takes it)


@dataclass
class ReportForm:
    """The form as typed: values by field name, rows shown, and each problem by field."""

    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROW_FIELDS, 1))
    errors: dict[str, str] = field(default_factory=dict)  # field name -> "Label: plain words"
    general: list[str] = field(default_factory=list)  # problems with no one field to stand beside

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def ticked(self, name: str) -> bool:
        return self.value(name).lower() in _TICKED

    @staticmethod
    def id(name: str) -> str:
        """An HTML id for a field (``persons[0].dob`` → ``f-persons-0-dob``)."""
        return "f-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

    def problem(self, name: str, plain: str) -> None:
        self.errors.setdefault(name, f"{words.label(name)}: {plain}")

    def summary(self) -> list[tuple[str, str]]:
        """``(field id, words)`` for the list of problems at the top of the form."""
        listed = [
            (self.id(name), f"{words.where(name)}: {text.split(': ', 1)[-1]}") for name, text in self.errors.items()
        ]
        return listed + [("", text) for text in self.general]


@dataclass(frozen=True)
class Choices:
    """What the form's selects offer the viewer."""

    submitters: list[tuple[str, str]]  # (code, name): the viewer's own organisation unless national
    stores: list[tuple[str, str]]  # (store_ref, label) of the submitter's known stores
    offences: list[tuple[str, str]]
    forces: list[tuple[str, str]]


@dataclass(frozen=True)
class Submitted:
    incident_id: int
    document: dict[str, Any]
    summary: ImportSummary


@dataclass(frozen=True)
class Hit:
    """One known offender or vehicle the report names, as the viewer may know it."""

    title: str  # "Known offender", "Known vehicle: AB12 CDE"
    summary: str  # "known to 3 incidents in 2 force areas"
    subject: str  # who or what in the report it is
    how: str
    href: str | None = None  # the profile, for those who may open it
    link_text: str | None = None


@dataclass(frozen=True)
class Confirmation:
    incident: IncidentDetail
    outcome: str  # created, replaced or unchanged
    hits: list[Hit]
    paused: str | None = None  # why the report was not matched now (too many lookups by name)


def suggested_ref(now: datetime) -> str:
    """A fresh reference: the day, the minute and a random tail, so that two reports begun in the
    same minute do not share one (the second would replace the first: one chance in 16 million)."""
    return f"WEB-{now:%Y%m%d-%H%M}-{secrets.token_hex(3).upper()}"


def blank_form(*, viewer: Viewer, now: datetime | None = None) -> ReportForm:
    """A new form: a suggested reference, now as the time, theft from shop, a default grading.

    The grading's defaults: a retailer's staff are an untested source (2) reporting what they
    saw (A); a force's or the national unit's officers a reliable one (1). Sharing permitted (P)."""
    at = now or datetime.now(UK)
    values = {
        "submitter": viewer.organisation_code,
        "incident_ref": suggested_ref(at),
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M"),
        "offence": "theft_from_shop",
        "grading.source_evaluation": "2" if viewer.retailer else "1",
        "grading.intelligence_assessment": "A",
        "grading.handling_code": "P",
    }
    return ReportForm(values=values)


def read_form(fields: Mapping[str, str]) -> ReportForm:
    """The form as posted; unknown names are ignored, rows counted from the highest index."""
    form = ReportForm()
    for name, value in fields.items():
        row = _ROW_FIELD.match(name)
        if row and row.group(3) in ROW_FIELDS[row.group(1)] and int(row.group(2)) < MAX_ROWS[row.group(1)]:
            form.values[name] = value
            form.rows[row.group(1)] = max(form.rows[row.group(1)], int(row.group(2)) + 1)
        elif name in FIELDS:
            form.values[name] = value
    return form


def submitter_code(form: ReportForm, viewer: Viewer) -> str:
    """The submitter is the viewer's organisation; the national unit may report for any."""
    chosen = form.value("submitter").strip()
    return chosen if viewer.national and chosen else viewer.organisation_code


def choices(*, db_session: Session, viewer: Viewer, submitter: str) -> Choices:
    """The selects' options; only the stores of an organisation the viewer may report for."""
    if not viewer.may_submit_as(submitter):
        submitter = viewer.organisation_code  # never list another organisation's stores
    organisations = select(Organisation.code, Organisation.name).order_by(Organisation.name)
    if not viewer.national:
        organisations = organisations.where(Organisation.id == viewer.organisation_id)
    stores = db_session.execute(
        select(Store.store_ref, Store.name, Store.postcode)
        .join(Organisation, Organisation.id == Store.organisation_id)
        .where(Organisation.code == submitter)
        .order_by(Store.name, Store.store_ref)
        .limit(2000)
    ).all()
    return Choices(
        submitters=[(str(code), str(name)) for code, name in db_session.execute(organisations)],
        stores=[(ref, f"{name or ref}{f' ({postcode})' if postcode else ''}") for ref, name, postcode in stores],
        offences=[(o.value, o.label) for o in OffenceType],
        forces=[(f, police_force(f).name) for f in sorted(FORCE_IDS, key=lambda f: police_force(f).name)],
    )


def _number(text: str, whole: bool) -> Any:
    """A typed number as JSON would carry it; anything else as typed, for the format to refuse."""
    cleaned = text.replace("£", "").replace(",", "").strip()
    if not _NUMBER.match(cleaned):
        return text
    return int(cleaned) if whole or "." not in cleaned else float(cleaned)


def _tags(text: str) -> list[str]:
    return [re.sub(r"[\s-]+", "_", t.strip().lower()) for t in re.split(r"[,;\n]", text) if t.strip()]


@dataclass
class _Built:
    document: dict[str, Any] = field(default_factory=dict)
    positions: dict[str, list[int]] = field(default_factory=lambda: {kind: [] for kind in ROW_FIELDS})


def _rows(form: ReportForm, built: _Built) -> None:
    """Items, persons and vehicles; blank rows left out, ``positions`` mapping back to the form."""
    for kind, names in ROW_FIELDS.items():
        rows: list[dict[str, Any]] = []
        for index in range(form.rows[kind]):
            row: dict[str, Any] = {}
            for name in names:
                key = f"{kind}[{index}].{name}"
                text = form.value(key).strip()
                if name == "partial":
                    row.update({"partial": True} if form.ticked(key) else {})
                elif text:
                    row[name] = _number(text, name in _WHOLE) if name in _WHOLE | _AMOUNT else text
            if not row:
                continue
            if kind == "persons":
                row = {"person_ref": f"p{len(rows) + 1}", **row}
                low, high = row.get("age_min"), row.get("age_max")
                if isinstance(low, int) and isinstance(high, int) and low > high:
                    form.problem(f"persons[{index}].age_max", "must not be less than the age from")
            rows.append(row)
            built.positions[kind].append(index)
        if rows:
            built.document[kind] = rows


def _store(form: ReportForm, built: _Built) -> None:
    chosen = form.value("store_choice").strip()
    if chosen:
        built.document["store"] = {"store_ref": chosen}
        return
    name, postcode = form.value("store.name").strip(), form.value("store.postcode").strip()
    if not name:
        form.problem("store.name", "choose one of your stores, or give the new store's name")
    if postcode:
        try:
            postcode = str(Postcode.parse(postcode))
        except InvalidValue:
            form.problem("store.postcode", "must be a UK postcode like B2 4QA")
    # A new store's reference: as given, else made from its name and postcode (the same store
    # reported twice gets the same reference, and so stays one store).
    ref = form.value("store.store_ref").strip() or re.sub(r"[^A-Z0-9]+", "-", f"{name} {postcode}".upper()).strip("-")
    store = {"store_ref": ref[:64], "name": name, "postcode": postcode}
    built.document["store"] = {k: v for k, v in store.items() if v}
    if force := form.value("police_force").strip():
        built.document["police_force"] = force


def _blocks(form: ReportForm, doc: dict[str, Any]) -> None:
    """Loss, violence, MO, evidence, crime reference and grading: left out where not given."""
    for name in ("value_gbp", "recovered_gbp"):
        if text := form.value(name).strip():
            doc[name] = _number(text, whole=False)
    violence: dict[str, Any] = {k: True for k in ("threats", "assault", "injury") if form.ticked(f"violence.{k}")}
    if weapon := form.value("violence.weapon").strip():
        violence["weapon"] = weapon
    mo: dict[str, Any] = {"tags": _tags(form.value("mo.tags")), "text": form.value("mo.text").strip()}
    evidence = {k: True for k in ("cctv", "body_worn_video") if form.ticked(f"evidence.{k}")}
    grading = {k: form.value(f"grading.{k}").strip() for k in
               ("source_evaluation", "intelligence_assessment", "handling_code", "handling_conditions")}  # fmt: skip
    for name, block in (("violence", violence), ("mo", mo), ("evidence", evidence), ("grading", grading)):
        if kept := {k: v for k, v in block.items() if v}:
            doc[name] = kept
    if grading["handling_code"] == "C" and not grading["handling_conditions"]:
        form.problem("grading.handling_conditions", "needed with handling code C: say what they are")
    if reference := form.value("crime_reference").strip():
        doc["crime_reference"] = reference


def build_document(form: ReportForm, *, submitter: str, police: bool) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The exchange-format document the form says, and where each row came from; the form's
    own rules are checked on the way (their problems are put on ``form``)."""
    built = _Built()
    doc = built.document
    doc.update(schema=SCHEMA_ID, submitter=submitter)
    for name in ("incident_ref", "occurred_at", "offence"):
        if text := form.value(name).strip():
            doc[name] = text
    _store(form, built)
    _blocks(form, doc)
    _rows(form, built)
    if (police or form.ticked("reported_to_police")) and "crime_reference" not in doc:
        form.problem("crime_reference", "needed when the incident was reported to the police")
    return doc, built.positions


def _field_for(path: str, positions: dict[str, list[int]], form: ReportForm) -> str | None:
    """The form field a rejection's path is about (rows renumbered back to the form's)."""
    if row := re.match(r"^(items|persons|vehicles)\[(\d+)\](.*)$", path):
        kind, index, rest = row.group(1), int(row.group(2)), row.group(3)
        if index < len(positions[kind]):
            path = f"{kind}[{positions[kind][index]}]{rest}"
    path = re.sub(r"\[\d+\]$", "", path)  # one tag of several: the tags field
    if path == "store.store_ref" and form.value("store_choice").strip():
        return "store_choice"
    found = _ROW_FIELD.match(path)
    return path if path in FIELDS or (found and found.group(3) in ROW_FIELDS[found.group(1)]) else None


def _put(form: ReportForm, path: str, reason: str, positions: dict[str, list[int]]) -> None:
    plain = words.plain_words(path, reason)
    name = _field_for(path, positions, form)
    if name == "store.store_ref" and "store.name" in form.errors:
        return  # no store chosen and none named: one problem, said once
    if name is None:
        form.general.append(f"{words.where(path)}: {plain}")
    else:
        form.problem(name, plain)


def _check(document: dict[str, Any], form: ReportForm, positions: dict[str, list[int]]) -> None:
    """The exchange format's verdict without storing: all problems shown at once, the form's own
    rules and the format's together."""
    try:
        report = IncidentReport.from_json(orjson.dumps(document))
    except ValidationError as error:
        for problem in error.errors(include_url=False):
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in problem["loc"]).lstrip(".")
            reason = "required field is missing" if problem["type"] == "missing" else problem["msg"].lower()
            _put(form, path, reason, positions)
        return
    for path, reason in report.implausibilities():  # as intake would refuse it
        _put(form, path, reason, positions)


def submit_report(*, store: StoreHandle, viewer: Viewer, form: ReportForm) -> Submitted | None:
    """Store the report as the API would, or put every problem on ``form`` and store nothing."""
    submitter = submitter_code(form, viewer)
    with store.session() as session:
        kind = session.scalar(select(Organisation.kind).where(Organisation.code == submitter))
    document, positions = build_document(form, submitter=submitter, police=kind == OrganisationKind.POLICE_FORCE)
    if form.errors:
        _check(document, form, positions)
        return None
    summary = submit_incidents(store=store, viewer=viewer, body=document)
    for rejection in summary.rejections:
        for problem in rejection.problems:
            _put(form, problem.field, problem.reason, positions)
    if summary.rejected:
        return None
    with store.session() as session:
        incident_id = session.scalar(
            select(Incident.id)
            .join(Organisation, Organisation.id == Incident.submitter_id)
            .where(Organisation.code == submitter, Incident.incident_ref == document["incident_ref"])
        )
    assert incident_id is not None, "intake stored it"
    return Submitted(incident_id=incident_id, document=document, summary=summary)


def _subject(document: dict[str, Any], person_ref: str) -> str:
    for number, person in enumerate(document.get("persons", []), start=1):
        if person["person_ref"] == person_ref:
            said = person.get("name") or person.get("description") or "no name given"
            return f"{said} (person {number} in your report)"
    return person_ref


def confirmation(*, store: StoreHandle, viewer: Viewer, submitted: Submitted) -> Confirmation:
    """The stored incident and the known offenders and vehicles it names, as the API tells them."""
    known = known_matches(store=store, viewer=viewer, body=submitted.document, summary=submitted.summary)
    hits = []
    for found in known:
        for o in found["offenders"]:
            hits.append(Hit("Known offender", o["summary"].split(": ", 1)[-1], _subject(submitted.document,
                            o["person_ref"]), o["how"], o.get("href"), o.get("display_name")))  # fmt: skip
        for v in found["vehicles"]:
            hits.append(Hit(f"Known vehicle: {v['vrm'].upper()}", v["summary"].split(": ", 1)[-1],
                            f"vehicle {v['position'] + 1} in your report", v["how"], v.get("href"),
                            v.get("known_vrm")))  # fmt: skip
    summary = submitted.summary
    outcome = "created" if summary.created else ("replaced" if summary.replaced else "unchanged")
    with store.session() as session:
        incident = get_incident(db_session=session, viewer=viewer, incident_id=submitted.incident_id)
    paused = next((found["paused"] for found in known if found.get("paused")), None)
    return Confirmation(incident=incident, outcome=outcome, hits=hits, paused=paused)
