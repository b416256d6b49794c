"""Logging in through an organisation's own OpenID Connect provider (forces that have one).

Configured per organisation in a JSON file named by ``CRIMELINK_OIDC_PROVIDERS``; secrets stay
in the environment, never in the file::

    {"POLICE-WEST-MIDLANDS": {
        "label": "West Midlands Police sign-in",
        "issuer": "https://login.example.police.uk",
        "client_id": "crimelink",
        "client_secret_env": "CRIMELINK_OIDC_WMP_SECRET",
        "username_claim": "preferred_username",
        "default_role": "force_investigator"}}

The flow is the authorisation code flow with PKCE, ``state`` and ``nonce`` (authlib): the ID
token's signature (the provider's published keys), issuer, audience, expiry and nonce are all
checked. The provider vouches for who the person is; crimelink still decides what they may do:
the username claim must name an active crimelink user *of that organisation*, and roles come
from crimelink, not from the provider.

**Provisioning.** The file maps each provider to its organisation (the key). Someone the
provider vouches for whose username crimelink does not know yet gets an account at their first
login, in that organisation, with the provider's ``default_role`` (default: the least its kind's
users may do, e.g. ``force_investigator``; never an administrator), without a password
(``crimelink.access.accounts.provision_user``, audited as ``account.provision``). Their
administrator may then change the role or disable them like any account. ``"provision": false``
turns this off: only accounts made beforehand may sign in. The provider asks for its own
second factor; crimelink asks for none on top. Every login and refusal is audited.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access.accounts import provision_user
from crimelink.access.policy import Viewer, viewer_for_user
from crimelink.access.users import user_by_username
from crimelink.audit.service import Actor, record
from crimelink.audit.web import trust_store
from crimelink.domain.organisations import Role
from crimelink.errors import CrimelinkError, Forbidden, InvalidValue, NotFound
from crimelink.extras import require
from crimelink.store import StoreHandle
from crimelink.web.dependencies import DbSession
from crimelink.web.security import client_address
from crimelink.web.sessions import begin_session

log = logging.getLogger(__name__)
router = APIRouter()


class OidcMisconfigured(CrimelinkError):
    status_code = 500


class OidcRefused(CrimelinkError):
    """The provider's answer could not be accepted (state, signature, nonce, error...)."""

    status_code = 400


@dataclass(frozen=True, slots=True)
class Provider:
    organisation: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    username_claim: str = "preferred_username"
    scope: str = "openid profile email"
    provision: bool = True  # make an account at a vouched-for person's first login
    default_role: str | None = None  # the role it gets (None: the least the organisation's kind has)


REQUIRED_KEYS = ("issuer", "client_id", "client_secret_env")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})  # a provider on this machine (tests, a lab)


def _issuer(code: str, value: object) -> str:
    """The issuer's URL: HTTPS (plain HTTP only to this machine itself), without a trailing ``/``."""
    url = urlsplit(str(value).strip())
    local = url.scheme == "http" and (url.hostname or "") in LOCAL_HOSTS
    if not url.hostname or not (url.scheme == "https" or local) or url.query or url.fragment:
        raise OidcMisconfigured(f"CRIMELINK_OIDC_PROVIDERS: {code}: issuer must be an https:// URL (tokens "
                                f"and secrets would cross the network in clear): {str(value)[:100]!r}")  # fmt: skip
    return str(value).strip().rstrip("/")


def _provider_of(code: str, entry: object) -> Provider:
    if not isinstance(entry, dict):
        raise OidcMisconfigured(f"CRIMELINK_OIDC_PROVIDERS: {code}: expected an object of settings")
    if "client_secret" in entry:
        raise OidcMisconfigured(f"{code}: put the client secret in the environment (client_secret_env)")
    missing = [key for key in REQUIRED_KEYS if not isinstance(entry.get(key), str) or not entry[key].strip()]
    if missing:
        raise OidcMisconfigured(f"CRIMELINK_OIDC_PROVIDERS: {code}: missing {', '.join(missing)} "
                                f"(each provider needs {', '.join(REQUIRED_KEYS)})", missing=missing)  # fmt: skip
    secret_env = entry["client_secret_env"]
    secret = os.environ.get(secret_env, "")
    if not secret:
        raise OidcMisconfigured(f"{code}: the environment variable {secret_env} is empty")
    return Provider(
        organisation=code.upper(), label=str(entry.get("label") or f"Log in with {code}"),
        issuer=_issuer(code, entry["issuer"]), client_id=entry["client_id"].strip(), client_secret=secret,
        username_claim=str(entry.get("username_claim", "preferred_username")),
        scope=str(entry.get("scope", "openid profile email")),
        provision=_provision(code, entry.get("provision", True)), default_role=_default_role(code, entry),
    )  # fmt: skip


def _provision(code: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise OidcMisconfigured(f"CRIMELINK_OIDC_PROVIDERS: {code}: provision must be true or false")
    return value


def _default_role(code: str, entry: dict[str, Any]) -> str | None:
    """The role a provisioned account gets: a real role, never an administrator's."""
    role = entry.get("default_role")
    if role is None:
        return None
    if role not in {r.value for r in Role} or role == Role.ADMINISTRATOR.value:
        raise OidcMisconfigured(f"CRIMELINK_OIDC_PROVIDERS: {code}: default_role must be a role other than "
                                f"administrator, not {str(role)[:40]!r}")  # fmt: skip
    return str(role)


@cache
def load_providers(path: str | None) -> dict[str, Provider]:
    """The providers configured in ``path`` (``CRIMELINK_OIDC_PROVIDERS``), by organisation code.

    Raises :class:`OidcMisconfigured`, naming the provider and the setting, for a file that
    cannot be read, a missing key, a secret in the file or an issuer not reached over HTTPS.
    """
    if not path:
        return {}
    require("oidc", "authlib")  # single sign-on configured without its extra: say so at start
    try:
        raw: object = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise OidcMisconfigured(f"CRIMELINK_OIDC_PROVIDERS: cannot read {path}: {error}") from error
    if not isinstance(raw, dict):
        raise OidcMisconfigured(f"CRIMELINK_OIDC_PROVIDERS: {path}: expected an object keyed by organisation code")
    return {str(code).upper(): _provider_of(str(code), entry) for code, entry in raw.items()}


def providers_of(request: Request) -> dict[str, Provider]:
    return load_providers(request.app.state.settings.oidc_providers)


def _client(request: Request, provider: Provider) -> Any:
    OAuth = require("oidc", "authlib.integrations.starlette_client").OAuth  # noqa: N806 - authlib's class

    registry: dict[str, Any] = request.app.state.__dict__.setdefault("_oidc_clients", {})
    if provider.organisation not in registry:
        oauth = OAuth()
        oauth.register(
            name=provider.organisation.lower(),
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": provider.scope, "code_challenge_method": "S256"},
        )
        registry[provider.organisation] = oauth.create_client(provider.organisation.lower())
    return registry[provider.organisation]


@cache
def _refusals() -> tuple[type[Exception], ...]:
    """What a failed sign-in raises: asked for only then, so the app starts without the oidc extra."""
    import httpx
    from authlib.common.errors import AuthlibBaseError

    found: list[type[Exception]] = [AuthlibBaseError, httpx.HTTPError, ValueError, KeyError]
    try:  # authlib >= 1.6 checks ID tokens with joserfc
        from joserfc.errors import JoseError

        found.append(JoseError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(found)


def _provider(request: Request, organisation: str) -> Provider:
    provider = providers_of(request).get(organisation.upper())
    if provider is None:
        raise NotFound("this organisation has no single sign-on here", organisation=organisation[:32])
    return provider


@router.get("/login/oidc/{organisation}", include_in_schema=False)
async def oidc_start(request: Request, organisation: str) -> Response:
    provider = _provider(request, organisation)
    callback = request.url_for("oidc_callback", organisation=provider.organisation)
    response: Response = await _client(request, provider).authorize_redirect(request, str(callback))
    return response


@router.get("/login/oidc/{organisation}/callback", include_in_schema=False, name="oidc_callback")
async def oidc_callback(request: Request, organisation: str, db_session: DbSession) -> Response:
    provider = _provider(request, organisation)
    store = trust_store(request.app)
    address = client_address(request)
    try:
        token = await _client(request, provider).authorize_access_token(request)
    except _refusals() as error:  # a forged, replayed, expired or broken answer, or no answer at all
        with store.session() as session:
            record(session=session, actor=Actor.anonymous(), action="login.failed", purpose="authentication",
                   details={"channel": "oidc", "organisation": provider.organisation, "ip": address,
                            "reason": str(error)[:200]})  # fmt: skip
        raise OidcRefused("the sign-in could not be completed: start again from the login page") from error
    claims = token.get("userinfo") or {}
    username = str(claims.get(provider.username_claim) or "")
    user = user_by_username(session=db_session, username=username) if username else None
    viewer = viewer_for_user(session=db_session, user_id=user.id) if user is not None else None
    if user is None and username and provider.provision:
        viewer = _provisioned(store, provider, username, claims)
    if viewer is None or viewer.organisation_code != provider.organisation:
        with store.session() as session:
            record(session=session, actor=Actor.anonymous(), action="login.failed", purpose="authentication",
                   details={"channel": "oidc", "organisation": provider.organisation, "username": username[:64],
                            "ip": address, "reason": "no active user of this organisation"})  # fmt: skip
        raise Forbidden(f"{provider.organisation} vouches for {username or 'someone'}, who has no crimelink "
                        "account with that organisation: ask your administrator")  # fmt: skip
    with store.session() as session:
        record(session=session, actor=Actor.of(viewer), action="login", purpose="authentication",
               details={"channel": "oidc", "issuer": provider.issuer, "subject": str(claims.get("sub", ""))[:64],
                        "ip": address})  # fmt: skip
    begin_session(request, user_id=viewer.user_id, channel="oidc")
    return RedirectResponse("/", status_code=303)


def _provisioned(store: StoreHandle, provider: Provider, username: str, claims: dict[str, Any]) -> Viewer | None:
    """The account of someone the provider vouches for, seen for the first time: made in the
    provider's organisation (audited), committed at once; ``None`` if it cannot be made."""
    try:
        with store.session() as session:
            user = provision_user(session=session, organisation_code=provider.organisation, username=username,
                                  display_name=str(claims.get("name") or username), role=provider.default_role,
                                  issuer=provider.issuer)  # fmt: skip
            return viewer_for_user(session=session, user_id=user.id)
    except (InvalidValue, NotFound) as error:
        log.warning("single sign-on could not make an account for %r: %s", username[:64], error.message)
        return None


def login_choices(request: Request) -> list[tuple[str, str]]:
    """(organisation code, label) of the providers the login page offers."""
    try:
        return sorted((p.organisation, p.label) for p in providers_of(request).values())
    except OidcMisconfigured:
        log.exception("single sign-on is misconfigured")
        return []


__all__ = ["Provider", "load_providers", "login_choices", "router"]
