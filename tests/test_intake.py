"""Intake: every valid record stored, every invalid one named with its line, field and reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from crimelink.domain.exchange import IncidentReport
from crimelink.intake import import_documents, import_files
from crimelink.store import StoreHandle
from crimelink.store.models import Incident, IncidentVersion, Item, PersonMention, Store, VehicleMention
from tests.intake_data import incident, register, write_jsonl


def _count(store: StoreHandle, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _malformed_file(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            incident(
                "N-1",
                persons=[{"person_ref": "p1", "name": "SMITH, John", "dob": "1990-04-02"}],
                vehicles=[{"vrm": "ab12 cde", "make": "Ford", "model": "Focus", "colour": "silver"}],
                items=[{"description": "Razor blades x8", "category": "razors", "quantity": 8, "unit_value_gbp": 10.5}],
            ),
            "{this is not json",
            {k: v for k, v in incident("N-3").items() if k != "offence"},
            incident("N-4", persons=[{"person_ref": "p1", "age_min": "twenty"}]),
            incident("N-5", police_force="atlantis"),
            incident("N-6", store={"store_ref": "S-9", "name": "x" * 201}),
            incident("N-7", colour_of_van="white"),
            incident("N-8", submitter="NOT-REGISTERED"),
            incident("N-9", persons=[{"person_ref": "p1"}, {"person_ref": "p1"}]),
            incident("N-10", occurred_at="last Tuesday"),
            incident("N-11"),
            "",
            incident("N-12", vehicles=[{"vrm": "A?12CDE", "partial": True}]),
        ],
    )


EXPECTED_REJECTIONS = {
    2: ("(record)", "not valid JSON"),
    3: ("offence", "required field is missing"),
    4: ("persons[0].age_min", "valid integer"),
    5: ("police_force", "'atlantis' is not one of the allowed values"),
    6: ("store.name", "at most 200 characters"),
    7: ("colour_of_van", "unknown field"),
    8: ("submitter", "unknown submitter 'NOT-REGISTERED'"),
    9: ("persons", "repeated"),
    10: ("occurred_at", "valid datetime"),
}


def test_a_file_with_malformed_lines_stores_every_valid_record_and_names_every_rejected_one(
    store: StoreHandle, tmp_path: Path
) -> None:
    register(store, "NORTHMART")
    rejects = tmp_path / "rejects.jsonl"
    summary = import_files(store=store, paths=[_malformed_file(tmp_path)], rejects_path=rejects)

    assert (summary.records, summary.created, summary.rejected) == (12, 3, 9)
    by_line = {r.line: r for r in summary.rejections}
    assert set(by_line) == set(EXPECTED_REJECTIONS)
    for line, (field, reason) in EXPECTED_REJECTIONS.items():
        problems = by_line[line].problems
        assert any(p.field.startswith(field) and reason in p.reason for p in problems), (line, problems)
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [w["line"] for w in written] == sorted(EXPECTED_REJECTIONS)
    assert written[2]["incident_ref"] == "N-4" and written[2]["errors"][0]["field"] == "persons[0].age_min"
    assert _count(store, Incident) == 3


def test_importing_the_same_file_twice_changes_nothing(store: StoreHandle, tmp_path: Path) -> None:
    register(store, "NORTHMART")
    path = _malformed_file(tmp_path)
    import_files(store=store, paths=[path])
    counts = [_count(store, t) for t in (Incident, Item, PersonMention, VehicleMention, Store, IncidentVersion)]

    again = import_files(store=store, paths=[path])

    assert (again.created, again.replaced, again.unchanged) == (0, 0, 3)
    assert [_count(store, t) for t in (Incident, Item, PersonMention, VehicleMention, Store, IncidentVersion)] == counts


def test_a_resubmission_replaces_the_incident_and_keeps_the_earlier_version(store: StoreHandle, tmp_path: Path) -> None:
    register(store, "NORTHMART")
    first = incident("N-1", value_gbp=50.0, persons=[{"person_ref": "p1", "name": "Jon Smith"}])
    second = incident("N-1", value_gbp=75.0, persons=[{"person_ref": "p1", "name": "John Smith"}, {"person_ref": "p2"}])
    import_files(store=store, paths=[write_jsonl(tmp_path / "a.jsonl", [first])])
    summary = import_files(store=store, paths=[write_jsonl(tmp_path / "b.jsonl", [second])])

    assert summary.replaced == 1
    with store.engine.connect() as conn:
        current = conn.execute(select(Incident.value_gbp, Incident.version)).one()
        names = conn.execute(select(PersonMention.name).order_by(PersonMention.person_ref)).scalars().all()
        earlier = conn.execute(select(IncidentVersion.version, IncidentVersion.document)).one()
    assert tuple(current) == (75.0, 2)
    assert names == ["John Smith", None]
    assert earlier.version == 1 and json.loads(earlier.document)["value_gbp"] == 50.0


def test_a_resubmission_within_one_file_keeps_both_versions(store: StoreHandle, tmp_path: Path) -> None:
    register(store, "NORTHMART")
    path = write_jsonl(tmp_path / "a.jsonl", [incident("N-1", value_gbp=1.0), incident("N-1", value_gbp=2.0)])
    summary = import_files(store=store, paths=[path])
    assert (summary.created, summary.replaced) == (1, 1)
    assert _count(store, Incident) == 1 and _count(store, IncidentVersion) == 1


@pytest.mark.parametrize(
    ("store_fields", "given", "force", "source"),
    [
        ({"lat": 52.4751, "lon": -1.8836}, None, "west-midlands", "derived"),  # Birmingham
        ({"lat": 51.5136, "lon": -0.0890}, None, "city-of-london", "derived"),  # Bank
        ({"lat": 51.4817, "lon": -3.1791}, None, "south-wales", "derived"),  # Cardiff
        ({"lat": 53.4026, "lon": -3.0035}, None, "merseyside", "derived"),  # Liverpool waterfront
        ({"lat": 52.4751, "lon": -1.8836}, "btp", "btp", "given"),
        ({"postcode": "B5 6DT"}, None, None, "unknown"),
    ],
)
def test_the_force_area_is_given_derived_from_the_boundaries_or_visibly_unknown(
    store: StoreHandle, store_fields: dict[str, Any], given: str | None, force: str | None, source: str
) -> None:
    register(store, "NORTHMART")
    doc = incident("N-1", store={"store_ref": "S-1", **store_fields})
    if given:
        doc["police_force"] = given
    import_documents(store=store, documents=[doc])
    with store.engine.connect() as conn:
        assert tuple(conn.execute(select(Incident.police_force, Incident.police_force_source)).one()) == (force, source)


def test_values_are_cleaned_on_the_way_in(store: StoreHandle) -> None:
    register(store, "NORTHMART")
    doc = incident(
        "N-1",
        occurred_at="2024-07-01T14:00:00",  # no offset: UK local time (BST), 13:00 UTC
        persons=[{"person_ref": "p1", "name": "SMITH, John", "postcode": "b5 6dt", "age_min": 40, "age_max": 30}],
        vehicles=[{"vrm": "ab12 cde"}, {"vrm": "ab1? cde"}],
    )
    import_documents(store=store, documents=[doc])
    with store.engine.connect() as conn:
        occurred = conn.execute(select(Incident.occurred_at)).scalar_one()
        person = conn.execute(select(PersonMention)).one()
        plates = conn.execute(
            select(
                VehicleMention.vrm, VehicleMention.vrm_normalised, VehicleMention.vrm_pattern, VehicleMention.partial
            ).order_by(VehicleMention.position)
        ).all()
        postcode = conn.execute(select(Store.postcode)).scalar_one()
    assert occurred.hour == 13
    assert (person.given_names, person.family_name, person.postcode) == ("John", "Smith", "B5 6DT")
    assert (person.age_min, person.age_max) == (30, 40)
    assert [tuple(p) for p in plates] == [
        ("ab12 cde", "AB12CDE", "AB12CDE", False),
        ("ab1? cde", None, "AB1?CDE", True),
    ]
    assert postcode == "B5 6DT"


def test_csv_files_follow_the_documented_layout(store: StoreHandle, tmp_path: Path) -> None:
    register(store, "NORTHMART")
    path = tmp_path / "reports.csv"
    path.write_text(
        "submitter,incident_ref,occurred_at,offence,store_ref,store_lat,store_lon,value_gbp,mo_tags,cctv,"
        "person_1_name,person_1_dob,person_1_aliases,person_2_gender,vehicle_1_vrm,vehicle_1_colour,item_1_description,item_1_quantity\n"
        "NORTHMART,C-1,2024-06-01T10:00:00Z,theft_from_shop,S-1,52.4751,-1.8836,120.5,distraction;lookout,yes,"
        "John Smith,1990-01-02,Smudge;JS,male,AB12CDE,silver,Gillette razors,6\n"
        "NORTHMART,C-2,2024-06-02T10:00:00Z,theft_from_shop,S-1,,,not-a-number,,,,,,,,,,\n"
    )
    summary = import_files(store=store, paths=[path])
    assert (summary.created, summary.rejected) == (1, 1)
    assert summary.rejections[0].line == 3 and summary.rejections[0].problems[0].field == "value_gbp"
    with store.engine.connect() as conn:
        person = conn.execute(
            select(PersonMention.name, PersonMention.aliases).where(PersonMention.person_ref == "1")
        ).one()
        tags = conn.execute(select(Incident.mo_tags, Incident.cctv)).one()
    assert tuple(person) == ("John Smith", ["Smudge", "JS"])
    assert tuple(tags) == (["distraction", "lookout"], True)


def test_the_model_accepts_exactly_the_fields_of_the_exchange_format(shared_dir: Path) -> None:
    schema = json.loads((shared_dir / "spec" / "incident-v1.schema.json").read_text())
    fields = {f.alias or name for name, f in IncidentReport.model_fields.items()}
    assert fields == set(schema["properties"])
    required = {f.alias or name for name, f in IncidentReport.model_fields.items() if f.is_required()}
    assert required == set(schema["required"])
    for nested, model_field in (
        ("store", "store"),
        ("persons", "persons"),
        ("vehicles", "vehicles"),
        ("items", "items"),
    ):
        spec = schema["properties"][nested]
        spec = spec.get("items", spec)
        annotation = IncidentReport.model_fields[model_field].annotation
        model = getattr(annotation, "__args__", [annotation])[0]
        assert set(model.model_fields) == set(spec["properties"]), nested
    assert sorted(schema["properties"]["police_force"]["enum"]) == sorted(
        IncidentReport.model_fields["police_force"].annotation.__args__[0].__args__  # type: ignore[union-attr]
    )


def test_a_full_report_using_every_field_round_trips(store: StoreHandle) -> None:
    register(store, "POLICE-WM", kind="police_force")
    doc = incident(
        "WM/24/1",
        submitter="POLICE-WM",
        reported_at="2024-06-01T12:00:00+01:00",
        police_force="west-midlands",
        crime_reference="20/123456/24",
        items=[{"description": "Baby formula", "category": "baby", "quantity": 12, "unit_value_gbp": 14.0}],
        recovered_gbp=20.0,
        mo={"tags": ["distraction", "foil_lined_bag"], "text": "One distracted staff."},
        violence={"threats": True, "assault": False, "injury": False, "weapon": "knife"},
        persons=[
            {
                "person_ref": "A",
                "role": "suspect",
                "name": "Kelly DUNN",
                "aliases": ["Kel"],
                "dob": "1988-02-29",
                "age_min": 30,
                "age_max": 40,
                "gender": "female",
                "height_cm": 165,
                "build": "slim",
                "description": "Grey hoodie",
                "identified_by": "police",
                "address": "1 High St",
                "postcode": "B1 1AA",
                "pnc_id": "98/1234567x",
            }
        ],
        vehicles=[{"vrm": "LX19 ABC", "partial": False, "make": "Ford", "model": "Focus", "colour": "Silver"}],
        evidence={"cctv": True, "body_worn_video": False, "images": 3},
        grading={
            "source_evaluation": "1",
            "intelligence_assessment": "B",
            "handling_code": "C",
            "handling_conditions": "Police only",
        },
    )
    summary = import_documents(store=store, documents=[doc])
    assert summary.created == 1, summary.as_dict()
    with store.engine.connect() as conn:
        row = conn.execute(select(Incident)).one()
    assert orjson.loads(row.document) == doc
    assert (row.source_evaluation, row.intelligence_assessment, row.handling_code) == ("1", "B", "C")
    assert row.weapon == "knife" and row.images == 3 and row.value_gbp == 84.5


def test_a_resubmission_with_the_same_content_in_another_key_order_changes_nothing(store: StoreHandle) -> None:
    register(store, "NORTHMART")
    doc = incident("N-1", persons=[{"person_ref": "p1", "name": "Jo Bloggs"}])
    import_documents(store=store, documents=[doc])
    summary = import_documents(store=store, documents=[dict(reversed(list(doc.items())))])
    assert (summary.unchanged, summary.replaced) == (1, 0)
    assert _count(store, IncidentVersion) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("occurred_at", "0001-01-01T00:00:00Z"), ("occurred_at", "9999-12-31T23:00:00Z"),
    ("occurred_at", "2031-06-01T10:00:00Z"), ("reported_at", "1899-06-01T10:00:00Z"),
])
def test_an_incident_dated_outside_any_plausible_window_is_rejected_naming_the_field(
    store: StoreHandle, tmp_path: Path, field: str, value: str
) -> None:
    """A year 0001 or 9999 once stopped every analysis after it; the record is refused at the
    door, with the field and the window, and the good records beside it land."""
    register(store, "NORTHMART")
    path = write_jsonl(tmp_path / "dates.jsonl", [incident("OK-1"), incident("BAD-1", **{field: value})])
    summary = import_files(store=store, paths=[path])
    assert (summary.created, summary.rejected) == (1, 1)
    problem = summary.rejections[0].problems[0]
    assert problem.field == field and "between 1990-01-01 and a day after it is received" in problem.reason


def test_a_date_of_birth_in_the_future_is_rejected(store: StoreHandle, tmp_path: Path) -> None:
    register(store, "NORTHMART")
    born = incident("BAD-2", persons=[{"person_ref": "P1", "name": "Al Smith", "dob": "2040-01-01"}])
    summary = import_files(store=store, paths=[write_jsonl(tmp_path / "dob.jsonl", [born])])
    assert summary.rejected == 1
    assert summary.rejections[0].problems[0].field == "persons[0].dob"
