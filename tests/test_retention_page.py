"""The retention review queue on the web: the national unit's supervisors and administrators see
personal data due for review and decide (retain with a reason and a next review date,
anonymise, delete); everyone else is refused; each decision is audited. Over real HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy import select

from crimelink.access.users import create_user
from crimelink.audit.models import AuditEvent
from crimelink.audit.service import verify
from crimelink.settings import Settings
from crimelink.store import StoreHandle
from crimelink.store.models import Incident
from crimelink.web import create_app
from web_server import SECRET, fill_store, password, serve

LATER = "2040-01-01"  # every sample incident (2025) is due by then


def test_a_supervisor_reviews_the_queue_and_decides(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    fill_store(sqlite_store, tmp_path)
    with sqlite_store.session() as session:
        create_user(session=session, username="supervisor", password=password("supervisor"), role="supervisor",
                    organisation_code="NATIONAL-UNIT", display_name="Test supervisor")  # fmt: skip
        ids: dict[str, int] = dict(session.execute(select(Incident.incident_ref, Incident.id)).all())  # type: ignore[arg-type]
    app = create_app(Settings(database_url=sqlite_store.url, secret_key=SECRET, demo=False), store=sqlite_store)
    with serve(app) as url:
        for who in ("analyst", "northmart", "auditor"):
            with httpx.Client(base_url=url, auth=(who, password(who))) as other:
                assert other.get("/retention").status_code == 403
                assert other.get("/api/v1/retention").status_code == 403
        browser = httpx.Client(base_url=url, timeout=30)
        login = {"username": "supervisor", "password": password("supervisor")}
        assert browser.post("/login", data=login).status_code == 303
        page = browser.get("/retention", params={"as_of": LATER})
        assert page.status_code == 200 and 'data-testid="due-count">5 due' in page.text
        assert 'data-testid="marking">OFFICIAL-SENSITIVE' in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

        def decide(ref: str, decision: str, **more: str) -> httpx.Response:
            form = {"csrf_token": token, "incident_id": str(ids[ref]), "decision": decision, **more}
            return browser.post("/retention/decisions", data=form)

        refused = decide("NM-1", "retain", reason="open enquiry")  # no next review date
        assert refused.status_code == 400 and "later review date" in refused.text
        assert decide("NM-1", "retain", reason="open enquiry", next_review="2041-01-01").status_code == 303
        assert decide("NM-2", "anonymise", reason="no policing purpose left").status_code == 303
        assert decide("SC-2", "delete", reason="duplicate of a police record").status_code == 303
        twin = browser.get("/api/v1/retention", params={"as_of": LATER}).json()
        assert sorted(i["incident_ref"] for i in twin["items"]) == ["SC-1", "WMP-1"] and twin["total"] == 2
        assert [d["decision"] for d in twin["recent_decisions"]] == ["delete", "anonymise", "retain"]
        assert "duplicate of a police record" in browser.get("/retention").text
        browser.close()
    with sqlite_store.session() as session:
        assert session.get(Incident, ids["SC-2"]) is None
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.username == "supervisor")))
        assert {"retention.retain", "retention.anonymise", "retention.delete", "retention.list"} <= actions
        assert verify(session=session).ok
