"""The audit log: hash-chained, append-only, complete for personal-data reads and changes.

On SQLite and PostgreSQL: entries chain; concurrent writers keep one gapless chain;
``crimelink audit verify`` names the first altered, removed or reordered entry; the web app
audits every personal-data read (fail closed) and every change; auditors, and only they,
search the log; and a real browser session leaves every personal-data read on record.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from crimelink.audit.cli import audit_app
from crimelink.audit.models import AuditEvent
from crimelink.audit.service import Actor, AuditQuery, record, search_events, verify
from crimelink.audit.web import NOT_AUDITED
from crimelink.store import StoreHandle
from web_server import INCIDENTS, Site, incident, site

ALICE = Actor("alice", "NATIONAL-UNIT", "national_analyst", 7)


def fill(store: StoreHandle, entries: int) -> None:
    with store.session() as session:
        for n in range(entries):
            record(session=session, actor=ALICE, action="incident.read", subject_type="incident", subject_id=n,
                   details={"n": n, "note": "café ☕", "nested": {"b": [1, 2.5, None], "a": True}})  # fmt: skip


def tamper(store: StoreHandle, *statements: str) -> None:
    """What someone with the database's keys could do: lift the triggers, change rows."""
    with store.engine.begin() as conn:
        if store.backend == "sqlite":
            for trigger in ("audit_events_no_update", "audit_events_no_delete", "audit_head_forward"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE audit_head DISABLE TRIGGER USER")
        for statement in statements:
            conn.execute(text(statement))


def check(store: StoreHandle, anchors: list[tuple[int, str]] | None = None) -> Any:
    with store.session() as session:
        return verify(session=session, anchors=anchors or [])


def test_entries_chain_and_verify(store: StoreHandle) -> None:
    fill(store, 20)
    result = check(store)
    assert (result.ok, result.entries, result.head_seq) == (True, 20, 20)
    with store.session() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [r.seq for r in rows] == list(range(1, 21))
    assert rows[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert rows[3].details["note"] == "café ☕" and rows[3].purpose == "intelligence analysis"


def test_the_log_refuses_updates_and_deletes(store: StoreHandle) -> None:
    fill(store, 3)
    for statement in ("UPDATE audit_events SET username = 'mallory' WHERE seq = 2",
                      "DELETE FROM audit_events WHERE seq = 3", "UPDATE audit_head SET seq = 1"):  # fmt: skip
        with pytest.raises(Exception, match=r"append-only|only moves forward"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert check(store).ok


TAMPERING = {  # what was done -> (statements, first bad seq, words of the problem)
    "altered": (["UPDATE audit_events SET username = 'mallory' WHERE seq = 5"], 5, "altered"),
    "details altered": (["UPDATE audit_events SET details = '{\"n\": 99}' WHERE seq = 8"], 8, "altered"),
    "removed": (["DELETE FROM audit_events WHERE seq = 4"], 4, "missing"),
    "removed from the end": (["DELETE FROM audit_events WHERE seq >= 9"], 9, "removed from the end"),
    "reordered": ([  # entries 6 and 7 swap places, each keeping its own hash
        "UPDATE audit_events SET seq = -6 WHERE seq = 6", "UPDATE audit_events SET seq = 6 WHERE seq = 7",
        "UPDATE audit_events SET seq = 7 WHERE seq = -6"], 6, "altered"),
    "renumbered after a removal": ([
        "DELETE FROM audit_events WHERE seq = 3",
        "UPDATE audit_events SET seq = seq - 1 WHERE seq > 3"], 3, "altered"),
    "head rolled back": (["DELETE FROM audit_events WHERE seq = 10", "UPDATE audit_head SET seq = 9"], 9, "rewritten"),
}  # fmt: skip


@pytest.mark.parametrize("what", TAMPERING)
def test_verify_finds_the_first_bad_entry(store: StoreHandle, what: str) -> None:
    fill(store, 10)
    statements, first_bad, words = TAMPERING[what]
    tamper(store, *statements)
    result = check(store)
    assert not result.ok
    assert result.first_bad_seq == first_bad, result
    assert words in (result.problem or "")


def test_a_rebuilt_chain_is_caught_by_an_anchor(sqlite_store: StoreHandle) -> None:
    store = sqlite_store
    fill(store, 5)
    anchor = (check(store).head_seq, check(store).head_hash)
    # Rewrite history and rebuild every hash: the chain checks out on its own...
    tamper(store, "DELETE FROM audit_events", "UPDATE audit_head SET seq = 0, hash = '" + "0" * 64 + "'")
    with store.session() as session:
        record(session=session, actor=Actor("mallory", "NATIONAL-UNIT", "auditor"), action="nothing.to.see")
    fill(store, 4)
    assert check(store).ok
    # ...but not against the head kept elsewhere.
    result = check(store, [anchor])
    assert (result.ok, result.first_bad_seq) == (False, 1)  # every entry up to the anchor is in doubt


def test_concurrent_writers_keep_one_gapless_chain(store: StoreHandle) -> None:
    threads, each = 8, 25
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(each):
                with store.session() as session:
                    record(session=session, actor=ALICE, action="incident.read", subject_id=f"{n}-{i}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    result = check(store)
    assert (result.ok, result.entries) == (True, threads * each)
    with store.session() as session:
        assert session.scalar(select(func.count(func.distinct(AuditEvent.subject_id)))) == threads * each


def test_crimelink_audit_verify_catches_a_tampered_entry(sqlite_store: StoreHandle) -> None:
    store = sqlite_store
    fill(store, 12)
    runner = CliRunner()
    good = runner.invoke(audit_app, ["verify", "--db", store.url])
    assert good.exit_code == 0, good.output
    assert "intact: 12 entries" in good.output
    head = re.search(r"(\d+:[0-9a-f]{64})", good.output)
    assert head is not None
    tamper(store, "UPDATE audit_events SET purpose = 'curiosity' WHERE seq = 7")
    bad = runner.invoke(audit_app, ["verify", "--db", store.url, "--anchor", head.group(1)])
    assert bad.exit_code == 1
    assert "BROKEN at entry 7" in bad.output and "altered" in bad.output
    found = runner.invoke(audit_app, ["search", "--db", store.url, "--subject", "incident:3", "--json"])
    assert found.exit_code == 0 and '"subject_id": "3"' in found.output


# --- the web app ------------------------------------------------------------------------------


@pytest.fixture
def web(store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(store, tmp_path) as served:
        yield served


def events(store: StoreHandle, **where: Any) -> list[AuditEvent]:
    with store.session() as session:
        stmt = select(AuditEvent).order_by(AuditEvent.seq)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, key) == value)
        return list(session.scalars(stmt))


def api(web: Site, username: str, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=web.url, auth=web.auth(username), timeout=30, headers=headers)


def test_personal_data_reads_and_changes_are_audited_with_user_and_purpose(web: Site) -> None:
    with api(web, "analyst", **{"X-Purpose": "Operation Tinsel: linking thefts"}) as client:
        rows = client.get("/api/v1/incidents", params={"q": "kelly"}).json()["items"]
        sc1 = next(r["id"] for r in rows if r["incident_ref"] == "SC-1")
        detail = client.get(f"/api/v1/incidents/{sc1}").json()
        offender = detail["persons"][0]["offender_id"]
        assert client.get(f"/api/v1/offenders/{offender}").status_code == 200
        assert client.get("/api/v1/dashboard").status_code == 200  # figures only: not audited
    with api(web, "northmart") as client:
        assert client.get(f"/api/v1/incidents/{sc1}").status_code == 404  # denied, and on record
        created = client.post("/api/v1/incidents", json=incident("NORTHMART", "NM-9", "2025-04-01T10:00:00Z"))
        assert created.status_code == 201
    analyst = events(web.store, username="analyst")
    assert [e.action for e in analyst] == ["incident.search", "incident.read", "offender.read"]
    assert all(e.purpose == "Operation Tinsel: linking thefts" and e.organisation == "NATIONAL-UNIT" for e in analyst)
    assert analyst[0].details["query"] == "q=kelly"
    assert (analyst[1].subject_type, analyst[1].subject_id) == ("incident", str(sc1))
    assert (analyst[2].subject_type, analyst[2].subject_id) == ("offender", str(offender))
    northmart = eventually(lambda: len(events(web.store, username="northmart")) == 3 and events(
        web.store, username="northmart"))  # fmt: skip
    assert [(e.action, e.details.get("status")) for e in northmart] == [
        ("incident.read", 404), ("incident.submit.requested", None), ("incident.submit", 201)]  # fmt: skip
    assert northmart[1].details["request"] == northmart[2].details["request"]
    assert northmart[0].purpose.startswith("loss prevention")
    assert check(web.store).ok


def test_logins_failures_and_lockouts_are_audited(web: Site) -> None:
    with httpx.Client(base_url=web.url) as browser:
        assert browser.post("/login", data={"username": "wmp", "password": "nope"}).status_code == 401
        assert browser.post("/login", data={"username": "wmp", "password": "pw-wmp"}).status_code == 303
        page = browser.get("/")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token is not None
        assert browser.post("/logout", data={"csrf_token": token.group(1)}).status_code == 303
    actions = [(e.action, e.username) for e in events(web.store) if e.action.startswith(("login", "logout"))]
    assert actions == [("login.failed", "(anonymous)"), ("login", "wmp"), ("logout", "wmp")]
    failed = events(web.store, action="login.failed")[0]
    assert failed.details["username"] == "wmp" and failed.details["ip"] == "127.0.0.1"


def test_a_read_that_cannot_be_audited_is_not_served(web: Site) -> None:
    with api(web, "analyst") as client:
        incident_id = client.get("/api/v1/incidents").json()["items"][0]["id"]
        tamper(web.store, "DELETE FROM audit_head")  # record() can no longer take the lock row
        answer = client.get(f"/api/v1/incidents/{incident_id}")
        assert answer.status_code == 503
        assert answer.json()["error"] == "AuditUnavailable"
        assert "Smith" not in answer.text and "Brown" not in answer.text
        refused = client.post("/api/v1/incidents", json=incident("NATIONAL-UNIT", "NU-1", "2025-04-01T10:00:00Z"))
        assert refused.status_code == 503  # no entry, no change
        assert client.get("/api/v1/dashboard").json()["figures"]["incidents"] == len(INCIDENTS)


def test_only_auditors_search_the_log_and_their_searches_are_audited(web: Site) -> None:
    with api(web, "southco") as client:
        client.get("/api/v1/incidents")
    for username in ("analyst", "northmart", "wmp"):
        with api(web, username) as client:
            for path in ("/api/v1/audit", "/api/v1/audit/verify", "/audit"):
                answer = client.get(path)
                assert answer.status_code == 403, (username, path)
                assert "southco" not in answer.text
    with api(web, "auditor") as client:
        found = client.get("/api/v1/audit", params={"user": "southco"}).json()
        assert (found["total"], found["items"][0]["action"]) == (1, "incident.search")
        assert found["scope"] == "all organisations"
        assert client.get("/api/v1/audit/verify").json()["ok"] is True
        page = client.get("/audit", params={"action": "incident."})
        assert page.status_code == 200 and "southco" in page.text and "OFFICIAL" in page.text
    searches = events(web.store, username="auditor")
    assert [e.action for e in searches] == ["audit.search", "audit.verify", "audit.search"]
    with web.store.session() as session:
        scoped = search_events(session=session, query=AuditQuery(), organisation_scope="SOUTHCO")
    assert {r.organisation for r in scoped.rows} == {"SOUTHCO"}


# --- a real browser -----------------------------------------------------------------------------

def eventually(probe: Any, seconds: float = 5.0) -> Any:
    """``probe()`` once it is truthy: an outcome is audited just after its response has left."""
    deadline = time.monotonic() + seconds
    while not (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


@pytest.mark.browser
def test_every_personal_data_read_of_a_browser_session_is_in_the_audit(sqlite_store: StoreHandle,
                                                                       tmp_path: Path) -> None:
    from browser import CHROMIUM, CHROMIUM_ARGS, require_browser

    require_browser()
    from playwright.sync_api import expect, sync_playwright

    with site(sqlite_store, tmp_path) as web, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        seen: Counter[str] = Counter()  # reads delivered to the browser that show more than figures
        asked: Counter[str] = Counter()  # reads the browser asked for (some cut short by navigating on)

        def shows_data(request: Any) -> str | None:
            path = httpx.URL(request.url).path
            audited = request.method == "GET" and path not in NOT_AUDITED and not path.startswith("/static/")
            return path if audited else None

        def note(response: Any) -> None:
            if (path := shows_data(response.request)) and response.status == 200:
                seen[path] += 1

        def ask(request: Any) -> None:
            if path := shows_data(request):
                asked[path] += 1

        try:
            page = chromium.new_page()
            page.on("response", note)
            page.on("request", ask)
            page.goto(web.url + "/login")
            page.get_by_label("Username").fill("analyst")
            page.get_by_label("Password").fill("pw-analyst")
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_test_id("user-org")).to_contain_text("National Unit")
            page.get_by_role("link", name="Incidents", exact=True).click()
            page.get_by_label("Search").fill("kelly")  # htmx: one search per pause in typing
            expect(page.get_by_test_id("result-count")).to_have_text("3 incidents")
            page.get_by_role("link", name="SC-1").click()
            page.get_by_role("link", name="Jason SMITH").click()
            page.get_by_test_id("group-link").click()
            expect(page.locator("#group-graph")).to_have_attribute("data-rendered", "true")
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups").click()
            page.get_by_role("button", name="Log out").click()  # a form post with its CSRF token
            expect(page).to_have_url(re.compile(r"/login$"))
        finally:
            chromium.close()
        audited = Counter(
            e.details["path"] for e in events(web.store, username="analyst") if e.details.get("status") == 200
        )
    assert sum(seen.values()) >= 6 and any(path.startswith("/offenders/") for path in seen)
    assert seen - audited == Counter(), "read in the browser, not in the audit"
    assert audited - asked == Counter(), "in the audit, never asked for"
    assert [e.action for e in events(web.store, username="analyst")][-1] == "logout"


# --- retention: review, decisions, subject access, erasure — with the audit kept -------------------


def _ids(web: Site) -> dict[str, int]:
    with api(web, "analyst") as client:
        return {r["incident_ref"]: r["id"] for r in client.get("/api/v1/incidents").json()["items"]}


@pytest.fixture
def manager(web: Site) -> Iterator[httpx.Client]:
    """The national unit's supervisor, who manages retention."""
    from crimelink.access.users import create_user

    with web.store.session() as session:
        create_user(session=session, username="records", password="pw-records-manager", role="supervisor",
                    organisation_code="NATIONAL-UNIT", display_name="Records manager")  # fmt: skip
    with httpx.Client(base_url=web.url, auth=("records", "pw-records-manager"), timeout=30) as client:
        yield client


def test_the_review_queue_and_decisions_keep_the_audit(web: Site, manager: httpx.Client) -> None:
    ids = _ids(web)
    queue = manager.get("/api/v1/retention/queue", params={"as_of": "2031-03-01"}).json()["items"]
    assert [i["incident_ref"] for i in queue] == ["NM-1", "NM-2", "SC-1"]  # six clear years, then review
    assert queue[0]["review_due"] == "2031-01-10"
    retain = {"incident_id": ids["NM-1"], "decision": "retain", "reason": "linked series still active",
              "next_review": "2032-01-10"}  # fmt: skip
    assert manager.post("/api/v1/retention/decisions", json=retain).status_code == 200
    anonymise = {"incident_id": ids["NM-2"], "decision": "anonymise", "reason": "no policing purpose remains"}
    assert manager.post("/api/v1/retention/decisions", json=anonymise).status_code == 200
    delete = {"incident_id": ids["SC-1"], "decision": "delete", "reason": "duplicate of a force record"}
    assert manager.post("/api/v1/retention/decisions", json=delete).status_code == 200
    assert manager.get("/api/v1/retention/queue", params={"as_of": "2031-03-01"}).json()["items"] == []
    later = manager.get("/api/v1/retention/queue", params={"as_of": "2032-02-01"}).json()["items"]
    assert [(i["incident_ref"], i["last_decision"]) for i in later] == [("NM-1", "retain"), ("SC-2", None),
                                                                        ("WMP-1", None)]  # fmt: skip
    with api(web, "analyst") as client:
        nm2 = client.get(f"/api/v1/incidents/{ids['NM-2']}").json()
        assert all(p["name"] is None and p["dob"] is None for p in nm2["persons"]) and nm2["vehicles"] == []
        assert client.get(f"/api/v1/incidents/{ids['SC-1']}").status_code == 404
    with web.store.engine.connect() as conn:
        document = conn.execute(text("SELECT document FROM incidents WHERE id = :i"), {"i": ids["NM-2"]}).scalar_one()
    assert "Smith" not in document and "Brown" not in document and "AB12" not in document.upper()
    def actions() -> Counter[str]:
        found = Counter(e.action for e in events(web.store, username="records"))
        return found if found["retention.create"] == 3 else Counter()

    decided = eventually(actions)
    assert decided["retention.create.requested"] == decided["retention.create"] == 3  # the requests, as made
    assert decided["retention.retain"] == decided["retention.anonymise"] == decided["retention.delete"] == 1
    assert check(web.store).ok
    bad = manager.post("/api/v1/retention/decisions", json={**retain, "next_review": "2020-01-01"})
    assert bad.status_code == 400 and bad.json()["field"] == "next_review"


def test_only_records_managers_manage_retention(web: Site) -> None:
    for username in ("analyst", "auditor", "northmart", "wmp"):
        with api(web, username) as client:
            assert client.get("/api/v1/retention/queue").status_code == 403
            assert client.post("/api/v1/subjects/1/export").status_code == 403
            answer = client.post("/api/v1/subjects/1/erasure", json={"grounds": "inaccurate", "reason": "x"})
            assert answer.status_code == 403


def test_a_subject_access_export_and_erasure(web: Site, manager: httpx.Client) -> None:
    ids = _ids(web)
    with api(web, "analyst") as client:
        persons = client.get(f"/api/v1/incidents/{ids['SC-1']}").json()["persons"]
        walsh = next(p["offender_id"] for p in persons if p["name"] == "Dean Walsh")
        client.get(f"/api/v1/offenders/{walsh}")
    export = manager.post(f"/api/v1/subjects/{walsh}/export").json()
    assert export["subject"]["display_name"] == "Dean WALSH"
    assert {m["incident"]["incident_ref"] for m in export["mentions"]} == {"SC-1", "WMP-1"}
    assert all(m["as_described"]["dob"] == "1988-07-15" for m in export["mentions"])
    assert export["disclosures"][0]["action"] == "offender.read"  # the analyst's read, then this request
    erased = manager.post(f"/api/v1/subjects/{walsh}/erasure",
                          json={"grounds": "inaccurate", "reason": "misidentified: not this person"})  # fmt: skip
    assert erased.json() == {"erased_mentions": 2}
    with api(web, "analyst") as client:
        assert client.get(f"/api/v1/offenders/{walsh}").status_code == 404
        assert client.get("/api/v1/incidents", params={"q": "walsh"}).json()["total"] == 0
        after = client.get(f"/api/v1/incidents/{ids['SC-1']}").json()
        assert {p["name"] for p in after["persons"]} == {"Jason Smith", "Kelly Brown", None}
    actions = {e.action for e in events(web.store, subject_type="offender", subject_id=str(walsh))}
    assert {"offender.read", "subject.access_export", "subject.erase"} <= actions
    assert check(web.store).ok


def test_casework_holds_what_it_points_at(web: Site, manager: httpx.Client) -> None:
    from crimelink.casework.models import Referral, ReferralSubject

    ids = _ids(web)
    with web.store.session() as session:
        referral = Referral(referrer_id=1, summary="Organised group", request="Develop", status="received")
        session.add(referral)
        session.flush()
        session.add(ReferralSubject(referral_id=referral.id, kind="incident", target_id=ids["NM-1"], label="NM-1"))
    answer = manager.post("/api/v1/retention/decisions",
                          json={"incident_id": ids["NM-1"], "decision": "delete", "reason": "old"})  # fmt: skip
    assert answer.status_code == 403 and "held for casework by a referral" in answer.json()["message"]
    queue = manager.get("/api/v1/retention/queue", params={"as_of": "2031-03-01"}).json()["items"]
    assert queue[0]["incident_ref"] == "NM-1"


def test_retention_from_the_command_line(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    from crimelink.audit.cli import retention_app

    with site(sqlite_store, tmp_path) as web:
        ids = _ids(web)
        with api(web, "analyst") as client:
            persons = client.get(f"/api/v1/incidents/{ids['WMP-1']}").json()["persons"]
    walsh = next(p["offender_id"] for p in persons if p["name"] == "Dean Walsh")
    runner = CliRunner()
    queue = runner.invoke(retention_app, ["queue", "--as-of", "2031-03-01", "--db", sqlite_store.url])
    assert queue.exit_code == 0 and [line.split()[2] for line in queue.stdout.splitlines()] == ["NM-1", "NM-2", "SC-1"]
    export = runner.invoke(retention_app, ["export", str(walsh), "--db", sqlite_store.url])
    assert export.exit_code == 0 and json.loads(export.stdout)["subject"]["display_name"] == "Dean WALSH"
    decided = runner.invoke(retention_app, ["decide", str(ids["NM-1"]), "retain", "--reason", "active series",
                                            "--next-review", "2040-01-01", "--db", sqlite_store.url])  # fmt: skip
    assert decided.exit_code == 0, decided.output
    by_cli = [e for e in events(sqlite_store) if e.username.startswith("system:cli:")]
    assert [e.action for e in by_cli] == ["retention.queue", "subject.access_export", "retention.retain"]


# --- reads from the command line, the session's purpose, the markings --------------------------


def test_the_export_is_marked_carries_its_conditions_and_is_audited(store: StoreHandle, tmp_path: Path) -> None:
    from crimelink.cli import app as cli
    from crimelink.reports.export import EXPORT_COLUMNS, MANIFEST
    from web_server import analyse, fill_store

    fill_store(store, tmp_path)
    analyse(store)
    runner = CliRunner()
    out = tmp_path / "out"
    made = runner.invoke(cli, ["export", "--dir", str(out), "--purpose", "tasking: Op Foxglove", "--db", store.url])
    assert made.exit_code == 0, made.output
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["marking"] == "OFFICIAL-SENSITIVE" and "names people" in manifest["marking_reason"]
    assert manifest["conditional_incidents"] == [{
        "submitter": "SOUTHCO", "incident_ref": "SC-1", "grading": "2BC",
        "conditions": "Not to be shared outside policing", "circle": "police", "may_go_further": True,
    }]  # fmt: skip
    assert manifest["grading"]["code"].endswith("C") and manifest["purpose"] == "tasking: Op Foxglove"
    for name, columns in EXPORT_COLUMNS.items():  # the spec's files are untouched by the manifest
        assert (out / name).read_text(encoding="utf-8").splitlines()[0] == ",".join(columns)
        assert manifest["files"][name]["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    refused = runner.invoke(cli, ["export", "--dir", str(tmp_path / "no"), "--as", "northmart", "--db", store.url])
    assert refused.exit_code != 0 and not (tmp_path / "no").exists()
    assert runner.invoke(cli, ["export", "--dir", str(out), "--as", "analyst", "--db", store.url]).exit_code == 0
    sar = runner.invoke(cli, ["retention", "export", "1", "--as", "analyst", "--db", store.url])
    assert sar.exit_code != 0, "a subject access export is for supervisors and administrators"
    assert runner.invoke(cli, ["retention", "queue", "--db", store.url]).exit_code == 0
    assert runner.invoke(cli, ["audit", "search", "--as", "auditor", "--db", store.url]).exit_code == 0
    with store.session() as session:
        entries = session.execute(
            select(AuditEvent.action, AuditEvent.username, AuditEvent.purpose)
            .where(AuditEvent.action.in_(["export.analysis", "retention.queue", "audit.search"]))
            .order_by(AuditEvent.seq)
        ).all()
    assert [(a, u.split(":")[0], p) for a, u, p in entries] == [
        ("export.analysis", "system", "tasking: Op Foxglove"), ("export.analysis", "analyst", "analysis export"),
        ("retention.queue", "system", "records management"), ("audit.search", "auditor", "audit of access and use"),
    ]  # fmt: skip
    verified = runner.invoke(audit_app, ["verify", "--db", store.url])
    assert verified.exit_code == 0 and "intact" in verified.output


def test_the_purpose_stated_for_a_session_is_recorded_with_every_read(
    sqlite_store: StoreHandle, tmp_path: Path
) -> None:
    from web_server import password

    with site(sqlite_store, tmp_path, analysed=False) as web:
        browser = httpx.Client(base_url=web.url, timeout=30)
        assert browser.post("/login", data={"username": "analyst", "password": password("analyst")}).status_code == 303
        home = browser.get("/")
        assert 'data-testid="marking">OFFICIAL<' in home.text and 'data-testid="purpose"' in home.text
        assert browser.get("/api/v1/purpose").json()["recorded_as"] == "intelligence analysis"
        token = re.search(r'name="csrf-token" content="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
        chosen = browser.post("/purpose", data={"csrf_token": token, "purpose": "investigation", "next": "/incidents"})
        assert chosen.status_code == 303 and chosen.headers["location"] == "/incidents"
        page = browser.get("/incidents/1")
        assert 'data-testid="marking">OFFICIAL-SENSITIVE' in page.text and 'value="investigation" selected' in page.text
        bad = browser.put("/api/v1/purpose", json={"purpose": "curiosity"}, headers={"X-CSRF-Token": token})
        assert bad.status_code in (400, 422)
        stated = browser.put("/api/v1/purpose", json={"purpose": "referral"}, headers={"X-CSRF-Token": token})
        assert stated.json()["recorded_as"] == "referral assessment"
        browser.get("/api/v1/incidents/2")
        browser.get("/api/v1/incidents/3", headers={"X-Purpose": "disclosure check"})  # a request may say its own
        browser.close()
    with sqlite_store.session() as session:
        reads = session.execute(
            select(AuditEvent.subject_id, AuditEvent.purpose)
            .where(AuditEvent.action == "incident.read", AuditEvent.username == "analyst")
            .order_by(AuditEvent.seq)
        ).all()
        assert [tuple(r) for r in reads] == [("1", "criminal investigation"), ("2", "referral assessment"),
                                             ("3", "disclosure check")]  # fmt: skip
        assert session.scalar(select(func.count()).where(AuditEvent.action == "purpose.set")) == 2
