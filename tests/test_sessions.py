"""Logins kept on the server: logging out, a password change or disabling a user ends every
session of that user at once (a copied cookie included); idle and over-long sessions end by
themselves; the demo signs its cookies with a key of its own and keeps off real stores.

Over real HTTP on SQLite; the session rows' SQL also runs on PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import Row, select, update

from crimelink.access.demo import DemoRefused
from crimelink.access.models import WebSession
from crimelink.access.sessions import SessionLimits, end_user_sessions, open_sessions, session_user, start_session
from crimelink.access.users import create_user, deactivate_user, set_password, user_by_username
from crimelink.audit.models import AuditEvent
from crimelink.settings import Settings
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import User, utcnow
from crimelink.web import create_app
from web_server import SECRET, Site, fill_store, incident, password, serve

OLD_DEMO_SECRET = "crimelink-demo-secret-not-for-production"  # built into earlier versions: public


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample world served once for this module; each test logs in as a user of its own."""
    folder = tmp_path_factory.mktemp("sessions")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    fill_store(store, folder)
    with serve(create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)) as url:
        yield Site(url=url, store=store)
    store.close()


def logged_in(web: Site, username: str) -> tuple[httpx.Client, str]:
    """A browser logged in through the form, and the CSRF token its pages carry."""
    client = httpx.Client(base_url=web.url, timeout=30)
    assert client.post("/login", data={"username": username, "password": password(username)}).status_code == 303
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/incidents").text)
    assert token is not None
    return client, token.group(1)


def copied(web: Site, client: httpx.Client) -> httpx.Client:
    """Another machine holding a copy of ``client``'s cookie (stolen, or left in a shared browser)."""
    return httpx.Client(base_url=web.url, timeout=30, cookies=dict(client.cookies))


def user_id(web: Site, username: str) -> int:
    with web.store.session() as session:
        found = user_by_username(session=session, username=username)
        assert found is not None
        return found.id


def rows_of(web: Site, username: str) -> list[Row[tuple[str | None, datetime]]]:
    """(end_reason, last_seen_at) of each of the user's sessions."""
    user = user_id(web, username)
    with web.store.session() as session:
        found = select(WebSession.end_reason, WebSession.last_seen_at).where(WebSession.user_id == user)
        return list(session.execute(found).all())


def set_times(web: Site, username: str, **times: datetime) -> None:
    """Move a user's open sessions back in time (as if the clock had run on)."""
    user = user_id(web, username)
    with web.store.session() as session:
        session.execute(
            update(WebSession).where(WebSession.user_id == user, WebSession.ended_at.is_(None)).values(**times)
        )


def test_logging_out_ends_every_session_of_the_user_copied_cookies_included(web: Site) -> None:
    browser, token = logged_in(web, "northmart")
    thief = copied(web, browser)
    elsewhere, _ = logged_in(web, "northmart")  # the same person on another machine
    try:
        assert thief.get("/api/v1/me").json()["username"] == "northmart"  # a copy works while the session does
        assert browser.post("/logout", data={"csrf_token": token}).status_code == 303
        assert browser.get("/api/v1/me").status_code == 401
        assert thief.get("/api/v1/me").status_code == 401
        write = thief.post("/api/v1/incidents", json=incident("NORTHMART", "NM-STOLEN", "2025-04-02T10:00:00Z"),
                           headers={"X-CSRF-Token": token})  # fmt: skip
        assert write.status_code == 401
        assert elsewhere.get("/api/v1/me").status_code == 401
        assert elsewhere.get("/incidents").headers["location"].startswith("/login")
    finally:
        for client in (browser, thief, elsewhere):
            client.close()
    assert {row.end_reason for row in rows_of(web, "northmart")} == {"logout"}
    with web.store.session() as session:
        logout = session.scalars(select(AuditEvent).where(AuditEvent.action == "logout")).one()
    assert (logout.username, logout.details["sessions_ended"]) == ("northmart", 2)


def test_an_idle_session_ends_and_a_busy_one_does_not(web: Site) -> None:
    browser, _ = logged_in(web, "analyst")
    try:
        set_times(web, "analyst", last_seen_at=utcnow() - timedelta(minutes=29))
        assert browser.get("/api/v1/me").status_code == 200  # within the 30 minutes: and seen again now
        assert utcnow() - rows_of(web, "analyst")[0].last_seen_at < timedelta(minutes=1)
        set_times(web, "analyst", last_seen_at=utcnow() - timedelta(minutes=31))
        assert browser.get("/api/v1/me").status_code == 401
    finally:
        browser.close()
    assert [row.end_reason for row in rows_of(web, "analyst")] == ["idle"]


def test_a_session_ends_after_its_lifetime_however_busy(web: Site) -> None:
    browser, _ = logged_in(web, "auditor")
    try:
        set_times(web, "auditor", created_at=utcnow() - timedelta(hours=10, minutes=1))
        assert browser.get("/api/v1/me").status_code == 401
    finally:
        browser.close()
    assert [row.end_reason for row in rows_of(web, "auditor")] == ["expired"]


def test_a_password_change_and_disabling_a_user_end_their_sessions(web: Site) -> None:
    southco, _ = logged_in(web, "southco")
    wmp, _ = logged_in(web, "wmp")
    try:
        with web.store.session() as session:
            user = session.get(User, user_id(web, "southco"))
            assert user is not None
            assert set_password(session=session, user=user, password="a fresh and longer phrase") == 1
        assert southco.get("/api/v1/me").status_code == 401
        with web.store.session() as session:
            user = session.get(User, user_id(web, "wmp"))
            assert user is not None
            assert deactivate_user(session=session, user=user) == 1
        assert wmp.get("/api/v1/me").status_code == 401
    finally:
        southco.close()
        wmp.close()
    assert [row.end_reason for row in rows_of(web, "southco")] == ["password changed"]
    assert [row.end_reason for row in rows_of(web, "wmp")] == ["user disabled"]


def test_a_cookie_without_a_session_logs_no_one_in(web: Site) -> None:
    """A cookie signed with the key but naming no open session (as one forged with a leaked key)."""
    forged = httpx.Client(base_url=web.url, cookies={"crimelink_session": sign({"user_id": 1}, SECRET)})
    with forged:
        assert forged.get("/api/v1/me").status_code == 401
        forged.cookies.set("crimelink_session", sign({"user_id": 1, "session": "guessed"}, SECRET))
        assert forged.get("/api/v1/me").status_code == 401


def test_session_rows_on_both_databases(store: StoreHandle) -> None:
    from crimelink.access.organisations import add_organisation

    with store.session() as session:
        add_organisation(session=session, code="NATIONAL-UNIT", kind="national_unit", name="National Unit")
        jo = create_user(session=session, username="jo", password="kettle-harbour-violet", role="supervisor",
                         organisation_code="NATIONAL-UNIT", display_name="Jo").id  # fmt: skip
    start = datetime(2026, 3, 2, 9, 0)
    limits = SessionLimits(idle=timedelta(minutes=30), lifetime=timedelta(hours=10))
    with store.session() as session:
        first = start_session(session=session, user_id=jo, channel="form", address="10.0.0.1", now=start)
        second = start_session(session=session, user_id=jo, channel="oidc", now=start)
    with store.session() as session:
        assert session.scalar(select(WebSession.id).where(WebSession.id == first)) is None  # only its digest
        assert session_user(session=session, token=first, limits=limits, now=start + timedelta(minutes=20)) == jo
        assert session_user(session=session, token=first, limits=limits, now=start + timedelta(minutes=45)) == jo
        assert session_user(session=session, token=second, limits=limits, now=start + timedelta(minutes=45)) is None
        assert session_user(session=session, token="no-such-token", limits=limits, now=start) is None
        assert len(open_sessions(session=session, user_id=jo)) == 1
        assert end_user_sessions(session=session, user_id=jo, reason="logout") == 1
        assert session_user(session=session, token=first, limits=limits, now=start + timedelta(minutes=46)) is None


# --- the demo --------------------------------------------------------------------------------------


def sign(data: dict[str, object], secret: str) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it (itsdangerous)."""
    payload = base64.b64encode(json.dumps(data).encode())
    return TimestampSigner(secret).sign(payload).decode()


def test_the_demo_signs_with_a_random_key_of_its_own(
    sqlite_store: StoreHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRIMELINK_DEMO", "1")
    monkeypatch.delenv("CRIMELINK_SECRET_KEY", raising=False)
    keys = {Settings.from_env().secret_key for _ in range(2)}
    assert len(keys) == 2 and OLD_DEMO_SECRET not in keys and all(len(key) >= 32 for key in keys)
    # Even told to use the old public key, the demo does not sign with it: a forged admin cookie fails.
    app = create_app(Settings(database_url=sqlite_store.url, secret_key=OLD_DEMO_SECRET, demo=True),
                     store=sqlite_store)  # fmt: skip
    with sqlite_store.session() as session:
        admin = user_by_username(session=session, username="admin")
        assert admin is not None
        forged_cookie = sign({"user_id": admin.id}, OLD_DEMO_SECRET)
    with serve(app) as url, httpx.Client(base_url=url, cookies={"crimelink_session": forged_cookie}) as forged:
        assert forged.get("/api/v1/me").status_code == 401
        demo = httpx.Client(base_url=url)
        with demo:
            assert demo.post("/login", data={"username": "admin", "password": "demo-admin"}).status_code == 303
            assert demo.get("/api/v1/me").json()["role"] == "administrator"


def test_the_demo_refuses_a_store_with_real_users(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    fill_store(sqlite_store, tmp_path)
    with pytest.raises(DemoRefused, match=r"5 user\(s\) who are not demo logins \(analyst, auditor, northmart"):
        create_app(Settings(database_url=sqlite_store.url, secret_key="", demo=True), store=sqlite_store)
    with sqlite_store.session() as session:
        assert user_by_username(session=session, username="retail-reporter") is None  # nothing was seeded
