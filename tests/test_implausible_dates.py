"""A store that holds incidents dated year 0001 and 9999 (written before intake checked dates, or
straight into the database): the dashboard, bulletins and impact report keep to the time incidents
can have, count what they leave out, and never fail.

One such pair once made the analyst dashboard 61 MB and 20-37 s a page (120,000 empty months)
and every organisation's default bulletin a 500 (its 28 days ended in year 9999).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from casework_site import World, add_merseyside, work_cases
from crimelink.casework.bulletin_files import write_bulletin
from crimelink.casework.priority import data_as_of
from crimelink.intake import import_documents
from crimelink.reports.impact import ImpactScope, impact_report
from crimelink.settings import Settings
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import Incident, Organisation
from crimelink.web import create_app
from web_server import SECRET, USERS, analyse, fill_store, incident, serve

STRAYS = {  # reported in range, then dated where no incident can be, straight in the database
    "NM-STRAY-OLD": ("NORTHMART", "2025-02-25T10:00:00Z", datetime(1, 1, 1)),
    "SC-STRAY-FUTURE": ("SOUTHCO", "2025-03-01T10:00:00Z", datetime(9999, 12, 31, 23, 59, 59)),
    "WMP-STRAY-2031": ("POLICE-WEST-MIDLANDS", "2025-03-02T10:00:00Z", datetime(2031, 6, 1, 12)),  # a typing slip
}
NEWEST = date(2025, 3, 15)  # the newest incident with a real date (WMP-1)
MONTHS = ["2025-01", "2025-02", "2025-03"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Any]]:
    """The casework world with three more reports, analysed and worked; then those re-dated to
    year 0001, 9999 and 2031 by a direct write. Yields the world and its impact figures from before."""
    folder = tmp_path_factory.mktemp("implausible")
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"implausible_{uuid.uuid4().hex[:12]}"
        server.admin(f"CREATE DATABASE {name} TEMPLATE crimelink_template")
        store = open_store(server.url(name))
    try:
        fill_store(store, folder)
        add_merseyside(store)
        strays = [incident(org, ref, when, value_gbp=75.0) for ref, (org, when, _) in STRAYS.items()]
        assert import_documents(store=store, documents=strays).created == len(STRAYS)
        analyse(store)
        operation, adopted, waiting, declined = work_cases(store)
        before = _impact(store)
        with store.engine.begin() as conn:
            for ref, (_, _, when) in STRAYS.items():
                conn.execute(update(Incident).where(Incident.incident_ref == ref).values(occurred_at=when))
        app = create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)
        with serve(app) as url:
            served = World(url, store, operation, adopted, waiting, declined)
            yield served, before
            for client in served.clients.values():
                client.close()
    finally:
        store.close()


def _impact(store: StoreHandle) -> Any:
    with store.session() as session:
        return impact_report(session=session, scope=ImpactScope()).summary().model_dump()


def test_the_dashboard_keeps_to_real_months_and_counts_what_it_leaves_out(world: tuple[World, Any]) -> None:
    served, _ = world
    left_out = {"analyst": 3, "northmart": 1, "southco": 1, "wmp": 1}
    for username, expected in left_out.items():
        client = served.user(username)
        started = time.perf_counter()
        page = client.get("/")
        took = time.perf_counter() - started
        assert page.status_code == 200, (username, page.text[:300])
        assert len(page.content) < 2_000_000 and took < 2.0, (username, len(page.content), took)
        board = client.get("/api/v1/dashboard").json()
        assert {m["month"] for m in board["months"]} <= set(MONTHS) and board["incidents_left_out"] == expected
        assert ('data-testid="months-left-out"' in page.text) == bool(expected)
    analyst = served.user("analyst").get("/api/v1/dashboard").json()
    assert [m["month"] for m in analyst["months"]] == MONTHS
    assert sum(m["incidents"] for m in analyst["months"]) == analyst["figures"]["incidents"] - 3


def test_every_organisations_default_bulletin_ends_at_the_newest_real_incident(world: tuple[World, Any]) -> None:
    served, _ = world
    with served.store.session() as session:
        codes = session.scalars(select(Organisation.code)).all()
        assert data_as_of(session) is not None and data_as_of(session).date() == NEWEST  # type: ignore[union-attr]
    analyst = served.user("analyst")
    for code in codes:
        for path in (f"/api/v1/bulletins/{code}", f"/bulletins/{code}"):
            answer = analyst.get(path)
            assert answer.status_code == 200, (path, answer.text[:300])
        assert analyst.get(f"/api/v1/bulletins/{code}").json()["period_to"] == NEWEST.isoformat()
    for username, (_, code) in USERS.items():
        own = served.user(username).get(f"/api/v1/bulletins/{code}")
        assert own.status_code == 200 and own.json()["period_to"] == NEWEST.isoformat(), (username, own.text[:300])
    everything = analyst.get("/api/v1/bulletins/NATIONAL-UNIT", params={"from": "1900-01-01", "to": "2100-12-31"})
    assert everything.status_code == 200 and everything.json()["left_out"] == 1  # 2031 (0001 and 9999 lie outside)
    assert 'data-testid="bulletin-left-out"' in everything.json()["html"]


def test_the_bulletin_from_the_terminal_takes_the_same_default_and_any_period(
    world: tuple[World, Any], tmp_path: Path
) -> None:
    served, _ = world
    made = write_bulletin(store=served.store, organisation_code="NATIONAL-UNIT", out=tmp_path / "b.html")
    assert made.period_to == NEWEST and made.incidents >= 1
    whole = write_bulletin(store=served.store, organisation_code="NATIONAL-UNIT", out=tmp_path / "all.txt",
                           since=date(1, 1, 1), until=date.max, fmt="text")  # fmt: skip
    assert whole.left_out == 3 and "3 incident(s) left out: dated before 1990" in whole.text
    assert write_bulletin(store=served.store, organisation_code="SOUTHCO", out=tmp_path / "s.html",
                          until=date(1, 1, 5)).incidents == 0  # fmt: skip


def test_the_impact_report_is_what_it_was_before_the_strays(world: tuple[World, Any]) -> None:
    served, before = world
    assert _impact(served.store) == before
    assert before["figures"][-1]["key"] == "offending_rate_change_pct" and before["figures"][-1]["value"] is not None
    analyst = served.user("analyst")
    assert analyst.get("/api/v1/impact").json() == before
    assert analyst.get("/impact").status_code == 200
    with served.store.session() as session:  # the widest period the terminal takes: as all time
        widest = impact_report(session=session, scope=ImpactScope.of(start=date(1, 1, 1), end=date.max))
        assert widest.summary().model_dump()["figures"] == before["figures"]


def test_the_strays_own_pages_still_open(world: tuple[World, Any]) -> None:
    served, _ = world
    with served.store.session() as session:
        ids = session.scalars(select(Incident.id).where(Incident.incident_ref.in_(STRAYS))).all()
    for username in ("analyst", "northmart", "southco", "wmp"):
        client = served.user(username)
        for path in ("/incidents", "/api/v1/incidents", *(f"/incidents/{i}" for i in ids),
                     *(f"/api/v1/incidents/{i}" for i in ids), "/referrals", "/alerts"):  # fmt: skip
            answer = client.get(path)
            assert answer.status_code < 500, (username, path, answer.text[:300])
