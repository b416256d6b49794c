"""Fuzzing: the API against its own OpenAPI schema, intake against arbitrary JSON, and the
value types against arbitrary text. Nothing answers with a server error or crashes; every
bad input gets a clear error (JSON ``error`` and ``message``; a rejection naming a field).

Schemathesis generates valid and invalid requests for every operation in ``/openapi.json``
and sends them to the app served on loopback (SQLite), logged in as the national unit's
analyst (who sees everything) and as a retailer; hypothesis feeds intake on both backends.

Reports at the edges of every field of the exchange format (``edge_values``) go in over the
real HTTP API and through the file import, and then through a full analysis: it must conclude,
and every page of what it found (offenders, groups, vehicles, series, incidents, the
dashboard) must open without a server error.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from sqlalchemy import func, select

from crimelink.domain.exchange import IncidentReport
from crimelink.domain.grading import Grading
from crimelink.domain.person_name import PersonName
from crimelink.domain.postcode import Postcode
from crimelink.domain.registration import RegistrationMark
from crimelink.errors import InvalidValue
from crimelink.intake import import_documents, import_files
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import Incident
from edge_values import edge_incidents
from web_server import INCIDENTS, USERS, Site, fill_store, site

API_CASES_PER_OPERATION = int(os.environ.get("CRIMELINK_FUZZ_CASES", "4"))  # per mode and user: ~540 requests
EDGE_CASES = int(os.environ.get("CRIMELINK_FUZZ_EDGE_CASES", "400"))  # batches of 1-3 reports: ~20 s a backend
QUICK = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(sqlite_store, tmp_path) as served:
        yield served


def _clear_error(response: Any) -> str | None:
    """What is wrong with an error response, or ``None``."""
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {response.text[:100]!r}"
    rejections = body.get("rejections") if isinstance(body, dict) else None
    if rejections and all(e.get("field") and e.get("reason") for r in rejections for e in r["errors"]):
        return None  # a submission refused record by record, each with its field and reason
    if not isinstance(body, dict) or not body.get("error") or not body.get("message"):
        return f"no error and message: {str(body)[:200]}"
    return None


@pytest.mark.slow
def test_the_api_answers_any_request_without_a_server_error(web: Site, capsys: pytest.CaptureFixture[str]) -> None:
    import schemathesis
    from schemathesis import GenerationMode

    with httpx.Client(base_url=web.url, auth=web.auth("analyst")) as client:
        schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    counts: Counter[str] = Counter()
    problems: list[str] = []

    def fuzz(operation: Any, mode: Any, username: str) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(QUICK, max_examples=API_CASES_PER_OPERATION)
        def call(case: Any) -> None:
            response = case.call(base_url=web.url, auth=web.auth(username), timeout=60)
            counts["requests"] += 1
            counts[f"{response.status_code // 100}xx"] += 1
            if response.status_code >= 500:
                problems.append(f"{operation.label} → {response.status_code}: {case.as_curl_command()}")
            elif response.status_code >= 400 and (why := _clear_error(response)):
                problems.append(f"{operation.label} → {response.status_code} unclear ({why})")

        try:
            call()
        except Unsatisfiable:  # e.g. no invalid request exists for an operation without parameters
            counts["unsatisfiable"] += 1

    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema fails the test here
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for username in ("analyst", "northmart"):
                fuzz(operation, mode, username)
        counts["operations"] += 1
    with capsys.disabled():
        print(f"\nschemathesis: {counts['operations']} operations, {counts['requests']:,} requests "
              f"({', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()) if k.endswith('xx'))}); "
              f"{len(problems)} problems")  # fmt: skip
    assert problems == [], "\n".join(problems[:20])
    assert counts["requests"] >= 200


# --- intake ------------------------------------------------------------------------------------

# Integers beyond 64 bits crash intake (see test_a_huge_integer_is_rejected_not_a_crash): kept
# within range here so that the fuzzing looks for other problems.
INT64 = st.integers(-(2**63), 2**63 - 1)
JSON = st.recursive(
    st.none() | st.booleans() | INT64 | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)  # NUL and other control characters included


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated_incidents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid incident with a few of its fields replaced by anything, or removed."""
    document: dict[str, Any] = json.loads(json.dumps(draw(st.sampled_from(INCIDENTS))))
    document["incident_ref"] = "FZ-" + draw(st.text("ABCDEFGHJK0123456789", min_size=1, max_size=8))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()) and path[-1] != "submitter":
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(JSON | TEXT)
    return document


def _check_summary(summary: Any, sent: int) -> None:
    assert summary.records == sent
    assert summary.stored + summary.rejected == sent
    for rejection in summary.rejections:
        assert rejection.problems, rejection
        assert all(p.field and p.reason for p in rejection.problems), rejection


@pytest.fixture
def filled(store: StoreHandle, tmp_path: Path) -> StoreHandle:
    fill_store(store, tmp_path)
    return store


def test_intake_stores_or_rejects_anything_with_a_reason(filled: StoreHandle) -> None:
    cases = Counter[str]()

    @given(documents=st.lists(mutated_incidents() | JSON, min_size=1, max_size=4))
    @settings(QUICK, max_examples=150)
    def feed(documents: list[Any]) -> None:
        summary = import_documents(store=filled, documents=documents, source="fuzz")
        _check_summary(summary, len(documents))
        cases["documents"] += len(documents)
        cases["stored"] += summary.stored
        cases["rejected"] += summary.rejected

    feed()
    assert cases["stored"] > 0 and cases["rejected"] > 0, cases


@given(text=st.binary(max_size=200) | TEXT.map(str.encode))
@settings(QUICK, max_examples=300)
def test_the_exchange_format_parses_or_names_the_problem(text: bytes) -> None:
    from pydantic import ValidationError

    try:
        IncidentReport.from_json(text)
    except ValidationError as error:
        problems = error.errors()
        assert problems and all(p["loc"] is not None and p["msg"] for p in problems)


@pytest.mark.parametrize(
    "parse",
    [RegistrationMark.parse, Postcode.parse, PersonName.parse, Grading.parse],
    ids=["registration", "postcode", "person_name", "grading"],
)
def test_value_types_clean_or_refuse_any_text(parse: Any) -> None:
    @given(text=TEXT)
    @settings(QUICK, max_examples=300)
    def clean(text: str) -> None:
        try:
            parse(text)
        except InvalidValue as error:
            field, reason = error.details["field"], error.reason
            assert field and reason

    clean()


@pytest.mark.parametrize("text", ["nul\x00byte", "bell\x07", "\ud7ff\ue000", "emoji 🛒", "rtl \u202e"])
def test_awkward_characters_are_stored_or_rejected(filled: StoreHandle, text: str) -> None:
    document = json.loads(json.dumps(INCIDENTS[0]))
    document.update(incident_ref="FZ-CHARS", mo={"text": text})
    document["store"]["name"] = text
    document["persons"][0]["description"] = text
    summary = import_documents(store=filled, documents=[document], source="fuzz")
    _check_summary(summary, 1)


def test_a_huge_integer_is_rejected_not_a_crash(filled: StoreHandle) -> None:
    document = {**INCIDENTS[0], "incident_ref": "FZ-BIG", "evidence": {"images": 2**70}}
    _check_summary(import_documents(store=filled, documents=[document], source="fuzz"), 1)


# --- the edges of every field, through intake and a full analysis -------------------------------

SUBMITTERS = ["northmart", "southco", "wmp", "analyst"]  # the analyst (national unit) may submit as anyone
ENTITY_PAGES = 12  # of each kind, those that came from the fuzzed reports first


def _body(documents: list[Any], ascii_only: bool) -> bytes:
    """The batch as a client might send it: NaN and infinities as the standard library writes
    them, and (without ``ascii_only``) lone surrogates as the bytes no UTF-8 decoder takes."""
    return json.dumps(documents, ensure_ascii=ascii_only, allow_nan=True).encode("utf-8", "surrogatepass")


def _addressed(documents: list[dict[str, Any]], username: str, case: int, stray: bool) -> list[dict[str, Any]]:
    """Each report as its submitter's, with a reference of its own (kept as long or as odd as it
    was drawn); ``stray``: the first as another organisation's, or (the analyst) one never registered."""
    own = USERS[username][1] if username != "analyst" else "SOUTHCO"
    for n, document in enumerate(documents):
        document["submitter"] = own
        if isinstance(ref := document.get("incident_ref"), str):
            tagged = f"EDGE-{case}-{n}-{ref}"
            document["incident_ref"] = tagged[:64] if len(ref) <= 64 else tagged
    if stray:
        other = "NORTHMART" if own != "NORTHMART" else "SOUTHCO"
        documents[0]["submitter"] = "NO-SUCH-ORG" if username == "analyst" else other
    return documents


def test_reports_at_every_fields_edges_go_through_intake_and_a_full_analysis(
    store: StoreHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crimelink.pipeline import run_analysis
    from crimelink.store.models import AnalysisRun

    counts: Counter[str] = Counter()
    problems: list[str] = []
    with site(store, tmp_path, analysed=False) as web:
        clients = {u: httpx.Client(base_url=web.url, auth=web.auth(u), timeout=60) for u in SUBMITTERS}

        @given(
            documents=st.lists(edge_incidents(), min_size=1, max_size=3),
            username=st.sampled_from(SUBMITTERS),
            by_file=st.booleans(),
            ascii_only=st.booleans(),
        )
        @settings(QUICK, max_examples=EDGE_CASES, derandomize=True)
        def submit(documents: list[Any], username: str, by_file: bool, ascii_only: bool) -> None:
            counts["cases"] += 1
            documents = _addressed(documents, username, counts["cases"], stray=counts["cases"] % 10 == 0)
            counts["reports"] += len(documents)
            if by_file:
                path = tmp_path / f"edge-{counts['cases']}.jsonl"
                path.write_bytes(b"\n".join(_body([d], ascii_only)[1:-1] for d in documents) + b"\n")
                summary = import_files(store=web.store, paths=[path])
                _check_summary(summary, len(documents))
                counts["file"] += 1
                counts["created"] += summary.created
                return
            counts["api"] += 1
            try:
                answer = clients[username].post("/api/v1/incidents", content=_body(documents, ascii_only),
                                                headers={"content-type": "application/json"})  # fmt: skip
            except httpx.TransportError as error:  # the server gave up on the response half-way
                problems.append(f"POST /api/v1/incidents as {username} → {type(error).__name__}")
                return
            counts[f"{answer.status_code // 100}xx"] += 1
            if answer.status_code >= 500:
                problems.append(f"POST /api/v1/incidents as {username} → {answer.status_code}: {answer.text[:300]}")
            elif answer.status_code >= 400 and (why := _clear_error(answer)):
                problems.append(f"POST /api/v1/incidents as {username} → {answer.status_code} unclear ({why})")
            elif answer.status_code < 300:
                counts["created"] += answer.json()["created"]

        try:
            submit()
        finally:
            for client in clients.values():
                client.close()
        assert problems == [], "\n".join(problems[:20])

        result = run_analysis(store=web.store)  # raises AnalysisError if any stage fails
        counts["analyses"] += 1
        with web.store.session() as session:
            stored = session.scalar(select(func.count(Incident.id)).where(Incident.incident_ref.like("EDGE-%")))
            failed = session.scalar(select(func.count(AnalysisRun.id)).where(AnalysisRun.status != "finished"))
            pages = _entity_pages(session)
        assert stored == counts["created"], (stored, counts)
        assert failed == 0 and result.figures["incidents"] >= stored - result.figures.get("incidents_left_out", 0)

        for username in ("analyst", "northmart", "wmp"):
            with httpx.Client(base_url=web.url, auth=web.auth(username), timeout=60) as client:
                for path in pages:
                    counts["pages"] += 1
                    try:
                        answer = client.get(path)
                    except httpx.TransportError as error:  # the server gave up on the response half-way
                        problems.append(f"GET {path} as {username} → {type(error).__name__}")
                        continue
                    if answer.status_code >= 500:
                        problems.append(f"GET {path} as {username} → {answer.status_code}: {answer.text[:300]}")
    with capsys.disabled():
        print(f"\nedge fuzzing: {counts['cases']} cases, {counts['reports']} reports ({counts['api']} batches over "
              f"HTTP: {', '.join(f'{k} {counts[k]}' for k in sorted(counts) if k.endswith('xx'))}; "
              f"{counts['file']} files), {counts['created']} stored; {counts['analyses']} analysis, {failed} failed "
              f"({result.figures.get('named_offenders')} named offenders); {counts['pages']} entity pages; "
              f"{len(problems)} server errors")  # fmt: skip
    assert problems == [], "\n".join(problems[:20])
    assert counts["created"] > 20 and counts["4xx"] > 20, counts  # both sides of the edges were reached


def _entity_pages(session: Any) -> list[str]:
    """The pages (and JSON twins) of what the analysis found, those from the fuzzed reports first."""
    from crimelink.store.models import (
        GroupMember,
        IncidentSeries,
        PersonLink,
        PersonMention,
        VehicleLink,
        VehicleMention,
    )

    fuzzed = select(Incident.id).where(Incident.incident_ref.like("EDGE-%"))
    first = Incident.id.in_(fuzzed).desc()
    kinds = {
        "incidents": select(Incident.id).order_by(first, Incident.id),
        "offenders": select(PersonLink.offender_id).join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id).order_by(first, PersonLink.offender_id),
        "groups": select(GroupMember.group_id).join(PersonLink, PersonLink.offender_id == GroupMember.offender_id)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id).order_by(first, GroupMember.group_id),
        "vehicles": select(VehicleLink.vehicle_id).join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
        .join(Incident, Incident.id == VehicleMention.incident_id).order_by(first, VehicleLink.vehicle_id),
        "series": select(IncidentSeries.series_id).join(Incident, Incident.id == IncidentSeries.incident_id)
        .order_by(first, IncidentSeries.series_id),
    }  # fmt: skip
    pages = ["/", "/api/v1/dashboard", "/groups", "/series", "/incidents"]
    for kind, query in kinds.items():
        ids = list(dict.fromkeys(session.scalars(query)))[:ENTITY_PAGES]
        assert ids or kind in ("groups", "series"), f"the analysis found no {kind}"
        pages += [p for i in ids for p in (f"/{kind}/{i}", f"/api/v1/{kind}/{i}")]
    return pages


def test_a_postcode_longer_in_capitals_is_stored_as_written(filled: StoreHandle) -> None:
    """In capitals "ß" is "SS": ten of them once overflowed PostgreSQL's column and failed the batch."""
    document = json.loads(json.dumps(INCIDENTS[0]))
    document.update(incident_ref="FZ-ESZETT")
    document["store"].update(store_ref="FZ-ESZETT", postcode="ß" * 10)
    document["persons"][0]["postcode"] = "\ufb00" * 5  # the ligature ff
    summary = import_documents(store=filled, documents=[document], source="fuzz")
    assert summary.created == 1, summary.as_dict()


HALF_PLACED = {**INCIDENTS[1], "incident_ref": "FZ-HALF-PLACED", "store": {"store_ref": "FZ-HALF", "lat": 52.5}}


@pytest.fixture(scope="module")
def unanalysed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample world and one report whose store gives a latitude and no longitude, served."""
    folder = tmp_path_factory.mktemp("fuzz-found")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        with site(store, folder, analysed=False, more=[HALF_PLACED]) as served:
            yield served
    finally:
        store.close()


def test_an_incident_located_by_latitude_alone_opens(unanalysed: Site) -> None:
    """The format lets a store give ``lat`` without ``lon``: its incident page once failed with a 500."""
    with unanalysed.store.session() as session:
        found = session.scalar(select(Incident.id).where(Incident.incident_ref == "FZ-HALF-PLACED"))
    with httpx.Client(base_url=unanalysed.url, auth=unanalysed.auth("northmart"), timeout=30) as client:
        page = client.get(f"/incidents/{found}")
    assert page.status_code == 200 and "FZ-HALF-PLACED" in page.text


def test_a_surrogate_sent_as_raw_bytes_is_refused_naming_the_field(unanalysed: Site) -> None:
    """Not UTF-8, yet Python's JSON parser takes it: the rejection that quoted it back failed with a 500."""
    document = {**INCIDENTS[0], "incident_ref": "FZ-RAW-SURROGATE", "crime_reference": "\ud85a"}
    body = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    with httpx.Client(base_url=unanalysed.url, auth=unanalysed.auth("northmart"), timeout=30) as client:
        answer = client.post("/api/v1/incidents", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text[:300]
    assert answer.json()["errors"][0]["field"] == "crime_reference"
