"""The web app's defences: CSRF, login throttling and lockout, cookies, headers, secrets, weak
settings, and which proxies' forwarded addresses to believe.

Over real HTTP on SQLite (the throttle's SQL is also run on PostgreSQL).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from conftest import REPO
from crimelink.settings import Settings
from crimelink.store import StoreHandle
from crimelink.web import create_app
from crimelink.web.errors import MisconfiguredApp
from crimelink.web.security import LoginLimits, login_refusal, note_failure, note_success
from web_server import SECRET, Site, fill_store, incident, password, serve

NEW = incident("NORTHMART", "NM-CSRF", "2025-04-01T10:00:00Z")


@pytest.fixture(params=[20])
def web(sqlite_store: StoreHandle, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Site]:
    """The sample world served; the parameter is how many failed logins an address may make."""
    fill_store(sqlite_store, tmp_path)
    settings = Settings(
        database_url=sqlite_store.url, secret_key=SECRET, demo=False, login_address_max_failures=request.param
    )
    with serve(create_app(settings, store=sqlite_store)) as url:
        yield Site(url=url, store=sqlite_store)


def logged_in(web: Site, username: str) -> tuple[httpx.Client, str]:
    """A browser-like client logged in through the form, and the CSRF token its pages carry."""
    client = httpx.Client(base_url=web.url, timeout=30)
    assert client.post("/login", data={"username": username, "password": password(username)}).status_code == 303
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/incidents").text)
    assert token is not None
    return client, token.group(1)


def test_a_session_change_needs_the_session_token(web: Site) -> None:
    client, token = logged_in(web, "northmart")
    try:
        refused = client.post("/api/v1/incidents", json=NEW)
        assert (refused.status_code, refused.json()["error"]) == (403, "CSRFRefused")
        other, other_token = logged_in(web, "northmart")
        other.close()
        assert client.post("/api/v1/incidents", json=NEW, headers={"X-CSRF-Token": other_token}).status_code == 403
        assert client.post("/api/v1/incidents", json=NEW, headers={"X-CSRF-Token": token}).status_code == 201
        page = client.post("/groups", data={"csrf_token": "forged"})
        assert page.status_code == 403 and "not from this site" in page.text  # an HTML page for pages
        with httpx.Client(base_url=web.url, auth=web.auth("northmart")) as script:  # Basic, no session: no token
            assert script.post("/api/v1/incidents", json={**NEW, "value_gbp": 3.0}).status_code == 200
    finally:
        client.close()


def test_another_site_may_change_nothing(web: Site) -> None:
    hostile = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
               {"Origin": "https://evil.example"}, {"Origin": "null"}]  # fmt: skip
    with httpx.Client(base_url=web.url, auth=web.auth("northmart")) as script:
        for headers in hostile:
            assert script.post("/api/v1/incidents", json=NEW, headers=headers).status_code == 403, headers
        same = {"Sec-Fetch-Site": "same-origin", "Origin": web.url}
        assert script.post("/api/v1/incidents", json=NEW, headers=same).status_code == 201
    with httpx.Client(base_url=web.url) as browser:  # login CSRF
        answer = browser.post("/login", data={"username": "analyst", "password": password("analyst")},
                              headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
        assert answer.status_code == 403
        assert browser.get("/api/v1/me").status_code == 401


def test_logins_are_throttled_per_username_and_locked_out(web: Site) -> None:
    with httpx.Client(base_url=web.url, auth=web.auth("wmp")) as script:
        assert script.get("/api/v1/me").status_code == 200  # its password is now remembered for a while
    with httpx.Client(base_url=web.url) as browser:
        for _ in range(4):
            answer = browser.post("/login", data={"username": "wmp", "password": "guess"})
            assert answer.status_code == 401
        fifth = browser.post("/login", data={"username": "wmp", "password": "guess"})
        assert fifth.status_code == 429 and "Too many failed logins for this username" in fifth.text
        right = browser.post("/login", data={"username": "wmp", "password": password("wmp")})
        assert right.status_code == 429  # even the right password, until the lockout ends
        assert re.search(r"refused until \d\d:\d\d UTC \(about 1[45] minutes\)", right.text)
        ghost = [browser.post("/login", data={"username": "nobody", "password": "x"}).status_code for _ in range(5)]
        assert ghost == [401, 401, 401, 401, 429]  # unknown names lock the same way: nothing to learn
        assert browser.post("/login", data={"username": "analyst", "password": password("analyst")}).status_code == 303
    with httpx.Client(base_url=web.url, auth=web.auth("wmp")) as script:  # HTTP Basic too, remembered or not
        locked = script.get("/api/v1/me")
        assert (locked.status_code, locked.json()["error"]) == (429, "TooManyLogins")


@pytest.mark.parametrize("web", [8], indirect=True)
def test_logins_are_throttled_per_address(web: Site) -> None:
    with httpx.Client(base_url=web.url) as browser:
        codes = [browser.post("/login", data={"username": f"user{n}", "password": "x"}).status_code for n in range(8)]
        assert codes == [401] * 7 + [429]
        answer = browser.post("/login", data={"username": "analyst", "password": password("analyst")})
        assert answer.status_code == 429 and "for your address" in answer.text


def test_the_window_and_the_lockout_end(store: StoreHandle) -> None:
    limits = LoginLimits(per_user=3, per_address=100, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
    start = datetime(2026, 1, 5, 9, 0)
    with store.session() as session:
        for minute in (0, 20, 21):  # the first falls out of the window
            assert note_failure(session=session, username="Jo", address="10.0.0.1", limits=limits,
                                now=start + timedelta(minutes=minute)) is None  # fmt: skip
        locked = note_failure(session=session, username="jo", address="10.0.0.1", limits=limits,
                              now=start + timedelta(minutes=22))  # fmt: skip
        assert locked is not None and "09:37 UTC" in locked
        assert login_refusal(session=session, username="JO", address=None, now=start + timedelta(minutes=36))
        assert login_refusal(session=session, username="jo", address=None, now=start + timedelta(minutes=38)) is None
        note_success(session=session, username="jo")
        assert login_refusal(session=session, username="jo", address="10.0.0.1", now=start) is None


def test_cookies_are_secure_outside_demo_mode(sqlite_store: StoreHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CRIMELINK_DEMO", "CRIMELINK_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env().cookie_secure is True
    monkeypatch.setenv("CRIMELINK_DEMO", "1")
    assert Settings.from_env().cookie_secure is False
    monkeypatch.setenv("CRIMELINK_COOKIE_SECURE", "1")
    assert Settings.from_env().cookie_secure is True
    settings = Settings(database_url=sqlite_store.url, secret_key=SECRET, demo=False, cookie_secure=True)
    fill_store(sqlite_store, Path(sqlite_store.url.removeprefix("sqlite:///")).parent)
    with serve(create_app(settings, store=sqlite_store)) as url, httpx.Client(base_url=url) as browser:
        answer = browser.post("/login", data={"username": "analyst", "password": password("analyst")})
        cookie = answer.headers["set-cookie"].lower()
        assert cookie.startswith("__host-crimelink_session=")
        assert all(flag in cookie for flag in ("; secure", "; httponly", "samesite=lax", "path=/"))
        assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


def test_security_headers_on_every_kind_of_response(web: Site) -> None:
    with httpx.Client(base_url=web.url, auth=web.auth("analyst")) as client:
        for path in ("/", "/api/v1/incidents", "/api/v1/nothing", "/no-such-page", "/login"):
            headers = client.get(path).headers
            assert headers["x-frame-options"] == "DENY", path
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["cache-control"] == "no-store"
            assert "script-src 'self'" in headers["content-security-policy"]
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["cross-origin-opener-policy"] == "same-origin"
            assert "strict-transport-security" not in headers  # plain HTTP here
        assert client.get("/static/app.css").headers["cache-control"].startswith("public")


@pytest.mark.parametrize(
    ("secret", "demo", "problem"),
    [
        ("", False, "not set"),
        ("crimelink-demo-secret-not-for-production", False, "well-known default"),
        ("changeme", False, "well-known default"),
        ("x" * 31, False, "too short"),
        ("a" * 32, False, "too easy to guess"),
        ("0123456789abcdefghijklmnopqrstuvwxyz", False, "too easy to guess"),
        ("password-password-password-password", False, "too easy to guess"),
        ("9f1c4e0b7a2d8c6e5b3a1f0d9e8c7b6a", False, None),
        ("crimelink-demo-secret-not-for-production", True, None),  # the demo signs with a random key instead
        ("short", True, None),
    ],
)
def test_default_and_weak_secrets_are_refused_outside_demo_mode(
    sqlite_store: StoreHandle, secret: str, demo: bool, problem: str | None
) -> None:
    settings = Settings(database_url=sqlite_store.url, secret_key=secret, demo=demo)
    if problem is None:
        assert create_app(settings, store=sqlite_store)
    else:
        with pytest.raises(MisconfiguredApp, match=problem):
            create_app(settings, store=sqlite_store)


SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "secret in an env assignment": re.compile(r"CRIMELINK_SECRET_KEY\s*=\s*['\"]?[A-Za-z0-9+/_-]{16,}"),
    "database password in a URL": re.compile(r"postgres(?:ql)?(?:\+\w+)?://\w+:(?!\{|\$)[^@\s/]{4,}@"),
}


def test_no_secrets_in_the_repository() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split()  # fmt: skip
    assert not [f for f in files if Path(f).name in (".env", "id_rsa", "id_ed25519") or f.endswith((".pem", ".key"))]
    found = []
    for name in files:
        path = REPO / name
        if path.suffix in (".png", ".svg", ".geojson", ".csv", ".js") or not path.is_file():
            continue
        content = path.read_text(errors="ignore")
        found += [(name, what) for what, pattern in SECRET_PATTERNS.items() if pattern.search(content)]
    assert found == []


# --- single sign-on through an organisation's OpenID Connect provider ----------------------------


def fake_provider(client_id: str, username: str) -> tuple[Any, dict[str, Any]]:
    """A tiny OpenID Connect provider: discovery, authorise (always "yes"), token, keys."""
    import secrets
    import time as clock
    from urllib.parse import urlencode

    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    provider = FastAPI()
    state: dict[str, Any] = {"codes": {}, "username": username, "issuer": "", "tamper": False}

    @provider.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        issuer = state["issuer"]
        return {"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize", "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"]}  # fmt: skip

    @provider.get("/authorize")
    def authorize(request: Request) -> RedirectResponse:
        asked = request.query_params
        assert asked["client_id"] == client_id and asked["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(8)
        state["codes"][code] = asked["nonce"]
        return RedirectResponse(f"{asked['redirect_uri']}?{urlencode({'code': code, 'state': asked['state']})}", 302)

    @provider.post("/token")
    def token(code: str = Form(), code_verifier: str = Form()) -> dict[str, Any]:
        nonce = state["codes"].pop(code)
        claims = {"iss": state["issuer"], "sub": "subject-1", "aud": client_id, "iat": int(clock.time()),
                  "exp": int(clock.time()) + 300, "nonce": "forged" if state["tamper"] else nonce,
                  "preferred_username": state["username"]}  # fmt: skip
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    @provider.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False)]}

    return provider, state


def test_a_force_logs_in_through_its_own_provider(
    sqlite_store: StoreHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crimelink.audit.models import AuditEvent
    from crimelink.web.views.oidc import load_providers

    fill_store(sqlite_store, tmp_path)
    provider, state = fake_provider("crimelink-test", "wmp")
    with serve(provider) as issuer:
        state["issuer"] = issuer
        config = tmp_path / "oidc.json"
        config.write_text(json.dumps({"POLICE-WEST-MIDLANDS": {
            "label": "West Midlands Police sign-in", "issuer": issuer, "client_id": "crimelink-test",
            "client_secret_env": "TEST_OIDC_SECRET"}}))  # fmt: skip
        monkeypatch.setenv("TEST_OIDC_SECRET", "s3cret-from-the-environment")
        load_providers.cache_clear()
        settings = Settings(database_url=sqlite_store.url, secret_key=SECRET, demo=False, oidc_providers=str(config))
        with serve(create_app(settings, store=sqlite_store)) as url:
            with httpx.Client(base_url=url, follow_redirects=True, timeout=30) as browser:
                assert "West Midlands Police sign-in" in browser.get("/login").text
                landed = browser.get("/login/oidc/POLICE-WEST-MIDLANDS")
                assert landed.url.path == "/" and landed.status_code == 200, (landed.url, landed.text[:300])
                assert browser.get("/api/v1/me").json()["username"] == "wmp"
            with httpx.Client(base_url=url, follow_redirects=True, timeout=30) as browser:
                state["tamper"] = True  # an ID token for another login: its nonce does not match
                assert browser.get("/login/oidc/POLICE-WEST-MIDLANDS").status_code == 400
                assert browser.get("/api/v1/me").status_code == 401
                state["tamper"], state["username"] = False, "northmart"  # a real user, of another organisation
                assert browser.get("/login/oidc/POLICE-WEST-MIDLANDS").status_code == 403
                assert browser.get("/api/v1/me").status_code == 401
                forged = browser.get("/login/oidc/POLICE-WEST-MIDLANDS/callback", params={"code": "x", "state": "y"})
                assert forged.status_code == 400
                assert browser.get("/login/oidc/NORTHMART").status_code == 404  # no provider configured
    load_providers.cache_clear()
    with sqlite_store.session() as session:
        logins = [(e.action, e.username, e.details.get("channel")) for e in session.query(AuditEvent).order_by(
            AuditEvent.seq) if e.action.startswith("login")]  # fmt: skip
    assert logins == [("login", "wmp", "oidc"), ("login.failed", "(anonymous)", "oidc"),
                      ("login.failed", "(anonymous)", "oidc"), ("login.failed", "(anonymous)", "oidc")]  # fmt: skip


def test_a_client_secret_in_the_provider_file_is_refused(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    from crimelink.web.views.oidc import OidcMisconfigured, load_providers

    config = tmp_path / "oidc.json"
    config.write_text(json.dumps({"X": {"issuer": "https://x", "client_id": "c", "client_secret": "in-the-repo"}}))
    load_providers.cache_clear()
    settings = Settings(database_url=sqlite_store.url, secret_key=SECRET, demo=False, oidc_providers=str(config))
    with pytest.raises(OidcMisconfigured, match="environment"):
        create_app(settings, store=sqlite_store)
    load_providers.cache_clear()


# --- weak settings, and which proxies to believe ---------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "role", "problem"),
    [
        ("12345678", "administrator", "too easy to guess"),
        ("password1", "national_analyst", "too easy to guess"),
        ("qwertyuiop", "retail_reporter", "too easy to guess"),
        ("admin123", "administrator", "too easy to guess for an administrator's password"),
        ("short", "retail_reporter", "at least 8 characters"),
        ("admin123", "retail_reporter", None),  # guessable, but not in a handful of tries over the network
        ("marble-otter-saucepan", "administrator", None),
    ],
)
def test_weak_passwords_are_refused(sqlite_store: StoreHandle, chosen: str, role: str, problem: str | None) -> None:
    from crimelink.access.organisations import add_organisation
    from crimelink.access.users import create_user
    from crimelink.errors import InvalidValue

    with sqlite_store.session() as session:
        add_organisation(session=session, code="NATIONAL-UNIT", kind="national_unit", name="National Unit")
        if problem is None:
            assert create_user(session=session, username="someone", password=chosen, role=role,
                               organisation_code="NATIONAL-UNIT", display_name="Someone")  # fmt: skip
            return
        with pytest.raises(InvalidValue, match=problem) as refused:
            create_user(session=session, username="someone", password=chosen, role=role,
                        organisation_code="NATIONAL-UNIT", display_name="Someone")  # fmt: skip
    assert refused.value.details["field"] == "password" and chosen not in str(refused.value)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"client_id": "c", "client_secret_env": "TEST_OIDC_SECRET"}, r"POLICE-X: missing issuer"),
        ({"issuer": "https://login.example", "client_secret_env": "TEST_OIDC_SECRET"}, "missing client_id"),
        ({"issuer": "http://login.example", "client_id": "c", "client_secret_env": "TEST_OIDC_SECRET"}, "https://"),
        ({"issuer": "login.example", "client_id": "c", "client_secret_env": "TEST_OIDC_SECRET"}, "https://"),
        ({"issuer": "https://login.example", "client_id": "c"}, "missing client_secret_env"),
    ],
)
def test_a_broken_provider_file_stops_the_start_naming_the_setting(
    sqlite_store: StoreHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: dict[str, str], problem: str
) -> None:
    from crimelink.web.views.oidc import OidcMisconfigured, load_providers

    monkeypatch.setenv("TEST_OIDC_SECRET", "s3cret-from-the-environment")
    config = tmp_path / "oidc.json"
    config.write_text(json.dumps({"POLICE-X": entry}))
    load_providers.cache_clear()
    settings = Settings(database_url=sqlite_store.url, secret_key=SECRET, demo=False, oidc_providers=str(config))
    try:
        with pytest.raises(OidcMisconfigured, match=problem):
            create_app(settings, store=sqlite_store)
    finally:
        load_providers.cache_clear()


def test_trusted_proxies_must_be_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    from crimelink.errors import InvalidValue

    monkeypatch.setenv("CRIMELINK_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16,::1")
    assert Settings.from_env().trusted_proxies == ("10.0.0.5/32", "10.1.0.0/16", "::1/128")
    for wrong in ("*", "proxy.internal"):
        monkeypatch.setenv("CRIMELINK_TRUSTED_PROXIES", wrong)
        with pytest.raises(InvalidValue, match="CRIMELINK_TRUSTED_PROXIES"):
            Settings.from_env()


@contextmanager
def served_as_crimelink_serve(store: StoreHandle, monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[str]:
    """The app served with exactly the options ``crimelink serve`` gives uvicorn, on real HTTP."""
    import threading

    import uvicorn
    from typer.testing import CliRunner

    from crimelink.cli import app as cli

    for name in ("CRIMELINK_DEMO", "CRIMELINK_TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"CRIMELINK_SECRET_KEY": SECRET, "CRIMELINK_COOKIE_SECURE": "0", **env}.items():
        monkeypatch.setenv(name, value)
    asked: dict[str, Any] = {}
    with monkeypatch.context() as patch:
        patch.setattr(uvicorn, "run", lambda app, **options: asked.update(app=app, **options))
        started = CliRunner().invoke(cli, ["serve", "--db", store.url])
    assert started.exit_code == 0, started.output
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        asked |= {"port": sock.getsockname()[1], "log_level": "warning", "lifespan": "on"}
    server = uvicorn.Server(uvicorn.Config(asked.pop("app"), **asked))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{asked['port']}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_forwarded_addresses_are_believed_only_from_configured_proxies(
    sqlite_store: StoreHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crimelink.audit.models import AuditEvent

    fill_store(sqlite_store, Path(sqlite_store.url.removeprefix("sqlite:///")).parent)
    limit = {"CRIMELINK_LOGIN_ADDRESS_MAX_FAILURES": "3"}
    with served_as_crimelink_serve(sqlite_store, monkeypatch, **limit) as url, httpx.Client(base_url=url) as local:
        codes = [local.post("/login", data={"username": f"ghost{n}", "password": "x"},
                            headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(3)]  # fmt: skip
        assert codes == [401, 401, 429]  # a made-up address each time does not escape the lockout
    trusted = {"CRIMELINK_TRUSTED_PROXIES": "127.0.0.1", **limit}
    with served_as_crimelink_serve(sqlite_store, monkeypatch, **trusted) as url, httpx.Client(base_url=url) as proxy:
        answer = proxy.post("/login", data={"username": "ghost9", "password": "x"},
                            headers={"X-Forwarded-For": "198.51.100.7"})  # fmt: skip
        assert answer.status_code == 401  # the proxy's own address (locked out above) is not the client's
    with sqlite_store.session() as session:
        failed = session.scalars(select(AuditEvent).where(AuditEvent.action.like("login.%")).order_by(AuditEvent.seq))
        addresses = [(e.details["username"], e.details["ip"]) for e in failed if e.action == "login.failed"]
    assert addresses == [("ghost0", "127.0.0.1"), ("ghost1", "127.0.0.1"), ("ghost2", "127.0.0.1"),
                         ("ghost9", "198.51.100.7")]  # fmt: skip
