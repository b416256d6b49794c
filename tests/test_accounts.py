"""Real accounts: administrators invite people, who set their own password (and, in the national
unit and police forces, an authenticator) with a one-time link; administrators list, disable,
enable, reset and change roles, each within the organisations they manage; everything audited.

The command line (``crimelink user ...``), the service on both databases, the password policy
(NIST SP 800-63B), codes accepted once, the second factor at login for users from before, HTTP
Basic refused where a second factor is due, and single sign-on's accounts made at first login.
The browser journey is in ``test_accounts_browser.py``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from crimelink.access.accounts import Manager, invite_user, reset_password, token_digest
from crimelink.access.enrolment import accept_invitation, check_code, open_invitation, second_factor_step
from crimelink.access.models import AccountInvitation, UserAccount
from crimelink.access.organisations import add_organisation
from crimelink.access.sessions import open_sessions, start_session
from crimelink.access.users import authenticate, create_user, password_problem, user_by_username
from crimelink.audit.models import AuditEvent
from crimelink.audit.operator import os_user
from crimelink.audit.service import Actor, verify
from crimelink.cli import app as cli
from crimelink.errors import Forbidden, InvalidValue, NotFound
from crimelink.settings import Settings
from crimelink.store import StoreHandle, create_store_engine, open_store
from crimelink.store.models import User
from crimelink.web import create_app
from web_server import ORGANISATIONS, SECRET, Site, password, serve, site

OPERATOR = f"system:cli:{os_user()}"
STRONG = "kettle harbour violet lantern"  # long, uncommon words: accepted for every role
ADMIN_PASSWORD = "quiet orchard ledger compass"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def entries(store: StoreHandle, start: str) -> list[tuple[str, str, dict[str, Any]]]:
    with store.session() as session:
        rows = session.execute(select(AuditEvent.action, AuditEvent.username, AuditEvent.details)
                               .where(AuditEvent.action.like(start + "%")).order_by(AuditEvent.seq)).all()  # fmt: skip
    return [(a, u, dict(d)) for a, u, d in rows]


def organisations(store: StoreHandle) -> None:
    with store.session() as session:
        for code, kind, name, force in ORGANISATIONS:
            add_organisation(session=session, code=code, kind=kind, name=name, force=force)


def token_of(output: str) -> str:
    found = re.search(r"/welcome/([\w-]+)", output)
    assert found, output
    return found.group(1)


def secret_now(store: StoreHandle, token: str) -> tuple[str, str]:
    """The secret a link's page shows, and the code an authenticator shows for it now."""
    with store.session() as session:
        secret = open_invitation(session=session, token=token).secret
    assert secret is not None
    return secret, pyotp.TOTP(secret).now()


@pytest.fixture
def world(sqlite_store: StoreHandle) -> StoreHandle:
    """The four organisations, and an administrator of Northmart (made before account administration)."""
    organisations(sqlite_store)
    with sqlite_store.session() as session:
        create_user(session=session, username="nm-admin", password=ADMIN_PASSWORD, role="administrator",
                    organisation_code="NORTHMART", display_name="Northmart administrator")  # fmt: skip
    return sqlite_store


# --- crimelink user: each sub-command ------------------------------------------------------------


def test_user_add_invites_with_a_one_time_link_and_keeps_only_its_digest(world: StoreHandle) -> None:
    db = world.url
    added = invoke("user", "add", "Jo.Patel", "--org", "police-west-midlands", "--role", "force_investigator",
                   "--name", "Jo  Patel", "--site", "https://crimelink.example/", "--db", db)  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "https://crimelink.example/welcome/" in added.stdout
    token = token_of(added.stdout)
    with world.session() as session:
        jo = user_by_username(session=session, username="jo.patel")
        assert jo is not None and (jo.role, jo.display_name, jo.active) == ("force_investigator", "Jo Patel", True)
        assert session.get(AccountInvitation, token_digest(token)) is not None
        assert session.scalar(select(AccountInvitation.id).where(AccountInvitation.id == token)) is None
        assert authenticate(session=session, username="jo.patel", password="") is None  # no password until set
    [(_, who, details)] = entries(world, "account.invite")
    assert (who, details["username"], details["role"], details["organisation"]) == (
        OPERATOR, "jo.patel", "force_investigator", "POLICE-WEST-MIDLANDS")
    wrong_role = invoke("user", "add", "sam", "--org", "POLICE-WEST-MIDLANDS", "--role", "national_analyst",
                        "--name", "Sam", "--db", db)  # fmt: skip
    assert isinstance(wrong_role.exception, InvalidValue) and "force_investigator" in str(wrong_role.exception)
    taken = invoke("user", "add", "JO.PATEL", "--org", "NORTHMART", "--role", "retail_reporter", "--name", "J",
                   "--db", db)  # fmt: skip
    assert isinstance(taken.exception, InvalidValue) and "already taken" in str(taken.exception)
    elsewhere = invoke("user", "add", "kim", "--org", "SOUTHCO", "--role", "retail_reporter", "--name", "Kim",
                       "--as", "nm-admin", "--db", db)  # fmt: skip
    assert isinstance(elsewhere.exception, Forbidden), "a retailer's administrator invites only its own people"
    own = invoke("user", "add", "kim", "--org", "NORTHMART", "--role", "retail_reporter", "--name", "Kim",
                 "--as", "nm-admin", "--db", db)  # fmt: skip
    assert own.exit_code == 0, own.output
    assert entries(world, "account.invite")[-1][1] == "nm-admin"


def test_user_list_shows_the_accounts_an_administrator_manages(world: StoreHandle) -> None:
    db = world.url
    for name, org, role in (("kim", "NORTHMART", "retail_reporter"), ("lee", "SOUTHCO", "retail_manager")):
        made = invoke("user", "add", name, "--org", org, "--role", role, "--name", name.title(), "--db", db)
        assert made.exit_code == 0, made.output
    everyone = invoke("user", "list", "--json", "--db", db)
    assert everyone.exit_code == 0, everyone.output
    listed = {row["username"]: row for row in map(json.loads, everyone.stdout.splitlines())}
    assert set(listed) == {"kim", "lee", "nm-admin"}
    assert (listed["kim"]["password"], listed["kim"]["second_factor"], listed["kim"]["last_login"]) == (
        "invited", "not required", None)
    assert listed["nm-admin"]["second_factor"] == "not administered"  # made before account administration
    own = invoke("user", "list", "--as", "nm-admin", "--db", db)
    assert own.exit_code == 0 and "kim" in own.stdout and "lee" not in own.stdout
    assert [(w, d["listed"]) for _, w, d in entries(world, "account.list")] == [(OPERATOR, 3), ("nm-admin", 2)]
    refused = invoke("user", "list", "--as", "kim", "--db", db)
    assert isinstance(refused.exception, Forbidden), "a reporter is not an administrator"


def test_user_disable_ends_sessions_and_links_and_enable_lets_them_back(world: StoreHandle) -> None:
    db = world.url
    token = token_of(invoke("user", "add", "kim", "--org", "NORTHMART", "--role", "retail_reporter", "--name", "Kim",
                            "--db", db).stdout)  # fmt: skip
    with world.session() as session:
        kim = user_by_username(session=session, username="kim")
        assert kim is not None
        start_session(session=session, user_id=kim.id, channel="form")
    disabled = invoke("user", "disable", "kim", "--reason", "left the company", "--as", "nm-admin", "--db", db)
    assert disabled.exit_code == 0 and "1 session ended" in disabled.stdout, disabled.output
    with world.session() as session, pytest.raises(NotFound):
        open_invitation(session=session, token=token)  # the link sent to them no longer works
    with world.session() as session:
        assert open_sessions(session=session, user_id=kim.id) == []
    [(_, who, details)] = entries(world, "account.disable")
    assert (who, details["username"], details["sessions_ended"], details["reason"]) == (
        "nm-admin", "kim", 1, "left the company")
    itself = invoke("user", "disable", "nm-admin", "--as", "nm-admin", "--db", db)
    assert isinstance(itself.exception, Forbidden)
    assert invoke("user", "enable", "kim", "--db", db).exit_code == 0
    with world.session() as session:
        assert session.get_one(User, kim.id).active
    assert [w for _, w, _ in entries(world, "account.enable")] == [OPERATOR]


def test_user_reset_password_stops_the_old_one_and_sends_a_new_link(world: StoreHandle) -> None:
    db = world.url
    first = token_of(invoke("user", "add", "ana", "--org", "NATIONAL-UNIT", "--role", "national_analyst",
                            "--name", "Ana", "--db", db).stdout)  # fmt: skip
    secret, code = secret_now(world, first)
    with world.session() as session:
        assert len(accept_invitation(session=session, token=first, password=STRONG, code=code)) == 8
        ana = user_by_username(session=session, username="ana")
        assert ana is not None
        start_session(session=session, user_id=ana.id, channel="form")
    reset = invoke("user", "reset-password", "ana", "--second-factor", "--db", db)
    assert reset.exit_code == 0, reset.output
    second = token_of(reset.stdout)
    with world.session() as session:
        assert authenticate(session=session, username="ana", password=STRONG) is None
        assert open_sessions(session=session, user_id=ana.id) == []
        welcome = open_invitation(session=session, token=second)
        assert welcome.purpose == "reset" and welcome.secret not in (None, secret)  # a new authenticator
    [(_, who, details)] = entries(world, "account.reset_password")
    assert (who, details["sessions_ended"], details["second_factor_reset"]) == (OPERATOR, 1, True)
    other = invoke("user", "reset-password", "ana", "--as", "nm-admin", "--db", db)
    assert isinstance(other.exception, NotFound), "another organisation's user does not exist for them"


def test_user_set_role_only_to_a_role_of_their_organisation(world: StoreHandle) -> None:
    db = world.url
    invoke("user", "add", "kim", "--org", "NORTHMART", "--role", "retail_reporter", "--name", "Kim", "--db", db)
    moved = invoke("user", "set-role", "kim", "retail_manager", "--as", "nm-admin", "--db", db)
    assert moved.exit_code == 0 and "retail_reporter -> retail_manager" in moved.stdout
    [(_, who, details)] = entries(world, "account.set_role")
    assert (who, details["from"], details["to"]) == ("nm-admin", "retail_reporter", "retail_manager")
    unfit = invoke("user", "set-role", "kim", "national_analyst", "--db", db)
    assert isinstance(unfit.exception, InvalidValue)
    assert isinstance(invoke("user", "set-role", "nm-admin", "retail_reporter", "--as", "nm-admin",
                             "--db", db).exception, Forbidden)  # fmt: skip
    with world.session() as session:
        assert session.scalar(select(User.role).where(User.username == "kim")) == "retail_manager"
        assert verify(session=session).ok


# --- the service, on both databases -------------------------------------------------------------------


def test_a_link_sets_the_password_once_and_codes_work_once(store: StoreHandle) -> None:
    organisations(store)
    operator = Manager(Actor.system("test"), None)
    with store.session() as session:
        link = invite_user(session=session, manager=operator, username="ana", display_name="Ana",
                           role="national_analyst", organisation_code="NATIONAL-UNIT")  # fmt: skip
    token = link.path.rsplit("/", 1)[1]
    secret, code = secret_now(store, token)
    with store.session() as session, pytest.raises(InvalidValue, match="code"):
        accept_invitation(session=session, token=token, password=STRONG, code="000000")
    with store.session() as session:
        codes = accept_invitation(session=session, token=token, password=STRONG, code=code)
    with store.session() as session, pytest.raises(NotFound):
        accept_invitation(session=session, token=token, password=STRONG, code=code)  # used
    with store.session() as session:
        ana = authenticate(session=session, username="ana", password=STRONG)
        assert ana is not None and second_factor_step(session=session, user_id=ana.id) == "code"
        assert check_code(session=session, user_id=ana.id, code=code) is None  # its step was taken at enrolment
        later = pyotp.TOTP(secret).at(time.time() + 30)
        assert check_code(session=session, user_id=ana.id, code=later) == "authenticator"
        assert check_code(session=session, user_id=ana.id, code=later) is None  # replayed
        assert check_code(session=session, user_id=ana.id, code=codes[0].upper()) == "recovery code"
        assert check_code(session=session, user_id=ana.id, code=codes[0]) is None
    with store.session() as session:
        expired = reset_password(session=session, manager=operator, username="ana", valid_for=timedelta(seconds=-1))
    with store.session() as session, pytest.raises(NotFound):
        open_invitation(session=session, token=expired.path.rsplit("/", 1)[1])
    with store.session() as session:
        assert verify(session=session).ok
    assert [a for a, _, _ in entries(store, "account.")] == [
        "account.invite", "account.set_password", "account.enrol_second_factor", "account.reset_password"]


@pytest.mark.parametrize(("chosen", "single_factor", "refused"), [
    ("correct horse", False, None),  # 8+ characters with a second factor
    ("correct horse", True, "at least 15 characters"),  # the only factor: 15 (NIST SP 800-63B-4)
    ("correct horse battery", True, None),
    ("password1234567890", True, "too easy to guess"),  # on the lists of the most used passwords
    ("qwertyuiopasdfgh", True, "too easy to guess"),  # a keyboard walk
    ("jo.patel.jo.patel", True, "not your username"),  # the user's own name
])  # fmt: skip
def test_passwords_are_long_enough_and_not_common_or_guessable(chosen: str, single_factor: bool,
                                                               refused: str | None) -> None:  # fmt: skip
    problem = password_problem(chosen, role="retail_reporter", single_factor=single_factor, context=["jo.patel"],
                               strict=True)  # fmt: skip
    assert problem == refused if refused is None else (problem or "").startswith(refused)


# --- the web app: logging in, HTTP Basic, the page's JSON twin, single sign-on -------------------------


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(sqlite_store, tmp_path, analysed=False) as served:
        with sqlite_store.session() as session:
            create_user(session=session, username="nm-admin", password=ADMIN_PASSWORD, role="administrator",
                        organisation_code="NORTHMART", display_name="Northmart administrator")  # fmt: skip
        yield served


def test_users_from_before_set_up_their_second_factor_at_their_next_login(web: Site) -> None:
    """What the migration does to every user already in a store: a force's user is administered
    ("existing"), so their next login sets up an authenticator before anything else."""
    with web.store.session() as session:
        wmp = user_by_username(session=session, username="wmp")
        assert wmp is not None
        session.add(UserAccount(user_id=wmp.id, origin="existing", created_by="migration"))
    with httpx.Client(base_url=web.url) as browser:
        asked = browser.post("/login", data={"username": "wmp", "password": password("wmp"), "next": "/groups"})
        assert (asked.status_code, asked.headers["location"]) == (303, "/login/enrol")
        assert browser.get("/api/v1/me").status_code == 401  # no session until the second factor
        page = browser.get("/login/enrol")
        secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page.text)
        assert secret, page.text
        wrong = browser.post("/login/enrol", data={"code": "123456"})
        assert wrong.status_code == 401
        code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
        done = browser.post("/login/enrol", data={"code": code})
        assert done.status_code == 200 and done.text.count("<li><code>") == 8  # recovery codes, shown once
        assert browser.get("/api/v1/me").json()["username"] == "wmp"
    basic = httpx.get(web.url + "/api/v1/me", auth=web.auth("wmp"))
    assert basic.status_code == 401 and "second factor" in basic.json()["message"]
    assert httpx.get(web.url + "/api/v1/me", auth=web.auth("northmart")).status_code == 200  # a retailer's: no factor
    actions = [(a, d.get("step") or d.get("second_factor")) for a, u, d in entries(web.store, "login")
               if u == "wmp" or d.get("username") == "wmp"]  # fmt: skip
    assert actions == [("login.second_factor_asked", "enrol"), ("login.failed", "second factor enrolment"),
                       ("login", "enrolled")]  # fmt: skip


def test_an_organisations_administrator_manages_only_its_own_users(web: Site) -> None:
    with web.store.session() as session:
        southco = session.scalar(select(User.id).where(User.username == "southco"))
    admin = httpx.Client(base_url=web.url, auth=("nm-admin", ADMIN_PASSWORD))
    with admin:
        assert {u["username"] for u in admin.get("/api/v1/users").json()["items"]} == {"northmart", "nm-admin"}
        assert admin.post(f"/api/v1/users/{southco}/disable", json={}).status_code == 404
        elsewhere = {"username": "kim", "display_name": "Kim", "organisation": "SOUTHCO", "role": "retail_reporter"}
        assert admin.post("/api/v1/users", json=elsewhere).status_code == 403
        made = admin.post("/api/v1/users", json={**elsewhere, "organisation": "NORTHMART"})
        assert made.status_code == 201 and made.json()["link"].startswith(web.url + "/welcome/")
    assert httpx.get(web.url + "/api/v1/users", auth=web.auth("analyst")).status_code == 403  # not an administrator
    with httpx.Client(base_url=web.url) as browser:  # the page's forms carry the session's CSRF token
        browser.post("/login", data={"username": "nm-admin", "password": ADMIN_PASSWORD})
        assert browser.post("/users", data={"username": "x1", "display_name": "X", "organisation": "NORTHMART",
                                            "role": "retail_reporter"}).status_code == 403  # fmt: skip
    assert [u for _, u, _ in entries(web.store, "account.invite")] == ["nm-admin"]


def test_single_sign_on_makes_an_account_in_the_providers_organisation(
    sqlite_store: StoreHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crimelink.web.views.oidc import load_providers
    from test_security import fake_provider

    organisations(sqlite_store)
    provider, state = fake_provider("crimelink-test", "New.Officer@wmp.police.uk")
    monkeypatch.setenv("TEST_OIDC_SECRET", "s3cret-from-the-environment")
    with serve(provider) as issuer:
        state["issuer"] = issuer
        config = tmp_path / "oidc.json"
        entry = {"issuer": issuer, "client_id": "crimelink-test", "client_secret_env": "TEST_OIDC_SECRET"}
        config.write_text(json.dumps({"POLICE-WEST-MIDLANDS": entry, "SOUTHCO": {**entry, "provision": False}}))
        load_providers.cache_clear()
        settings = Settings(database_url=sqlite_store.url, secret_key=SECRET, demo=False, oidc_providers=str(config))
        try:
            with serve(create_app(settings, store=sqlite_store)) as url, \
                    httpx.Client(base_url=url, follow_redirects=True, timeout=30) as browser:  # fmt: skip
                assert browser.get("/login/oidc/POLICE-WEST-MIDLANDS").status_code == 200
                me = browser.get("/api/v1/me").json()
                assert (me["username"], me["organisation"], me["role"]) == (
                    "new.officer@wmp.police.uk", "POLICE-WEST-MIDLANDS", "force_investigator")
                browser.post("/logout")
                state["username"] = "someone.else"
                assert browser.get("/login/oidc/SOUTHCO").status_code == 403  # provisioning off: no account
        finally:
            load_providers.cache_clear()
    [(_, who, details)] = entries(sqlite_store, "account.provision")
    assert (who, details["organisation"], details["role"]) == (
        "system:oidc:POLICE-WEST-MIDLANDS", "POLICE-WEST-MIDLANDS", "force_investigator")


def test_upgrading_a_store_administers_the_users_already_in_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    config = Config()
    config.set_main_option("script_location", str(resources.files("crimelink.store") / "migrations"))
    config.attributes["engine"] = engine = create_engine(url)
    command.upgrade(config, "2026_12_10_1000")  # the schema before accounts
    engine.dispose()
    old = StoreHandle(url=url, engine=create_store_engine(url))  # as it was, not upgraded
    try:
        organisations(old)
        with old.session() as session:
            create_user(session=session, username="jo", password=STRONG, role="force_investigator",
                        organisation_code="POLICE-WEST-MIDLANDS", display_name="Jo")  # fmt: skip
    finally:
        old.close()
    upgraded = open_store(url)
    try:
        with upgraded.session() as session:
            jo = user_by_username(session=session, username="jo")
            assert jo is not None
            assert session.get_one(UserAccount, jo.id).origin == "existing"
            assert second_factor_step(session=session, user_id=jo.id) == "enrol"
    finally:
        upgraded.close()
