"""Auditing the web app: every read of personal data and every change, with who and why.

- **Reads.** Every ``GET`` by a logged-in user is audited, except the few routes that show
  no personal data (:data:`NOT_AUDITED`), so a route added later is audited until someone
  decides otherwise. The entry is written before the response leaves: if it cannot be
  written, the user gets 503 instead of the data (fail closed).
- **Changes.** Every other method is audited twice: ``…requested`` when the user is known,
  before the route runs (fail closed: no entry, no change), and the outcome with its status
  once the route has finished (after its own transaction has committed).

A read route must not :func:`~crimelink.audit.service.record` in its own database session:
its transaction commits only after the response has left, and the read's own entry, written
before that, would wait for it. Routes that record (a disclosure, a decision) are POSTs.

Entries are written through a connection pool of their own (:func:`audit_store`): a request
holds its own connection while its read is audited, so sharing one pool would let enough
concurrent requests take every connection and then wait for one another.

The purpose comes from the ``X-Purpose`` header, else the one the user stated for the session
(``crimelink.audit.purposes``), else the user's role's usual purpose.
Entries name the route's action as the route declares it (``crimelink.audit.actions``) and its
subject (``incident`` 42) so that an auditor can ask "who read this record"; query parameters and
the client's address go into ``details``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import orjson
from fastapi import Request
from fastapi.routing import APIRoute
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crimelink.access.policy import Viewer
from crimelink.audit.actions import ACTION_KEY, API_PREFIX, SAFE_METHODS, action_for
from crimelink.audit.purposes import PURPOSES, SESSION_KEY
from crimelink.audit.service import Actor, default_purpose, record
from crimelink.errors import CrimelinkError
from crimelink.store import StoreHandle, create_store_engine

log = logging.getLogger(__name__)

NOT_AUDITED = frozenset({  # route paths (templates) that show no personal data
    "/", "/api/v1/dashboard", "/api/v1/forces.geojson", "/api/v1/me", "/openapi.json", "/docs",
    "/login", "/logout", "/api/v1/outcome-types",
    "/incidents/new", "/incidents/new/row", "/incidents/new/stores",  # the blank report form and its rows
})  # fmt: skip
MAX_PURPOSE = 200
MAX_QUERY_TEXT = 200


class AuditUnavailable(CrimelinkError):
    """The audit log could not be written, so the request is refused rather than unaudited."""

    status_code = 503


@dataclass(frozen=True, slots=True)
class Plan:
    """How one request is to be audited."""

    action: str
    subject_type: str | None
    subject_id: str | None
    details: dict[str, Any]


def _route_path(scope: Scope) -> str | None:
    """The matched route's path template, with the prefixes of the routers that include it."""
    route = scope.get("route")
    if not isinstance(route, APIRoute):
        return None
    effective = (scope.get("fastapi") or {}).get("effective_route_context")  # FastAPI >= 0.160
    path = getattr(effective, "path_format", None)
    return path if isinstance(path, str) and path else route.path


def plan_for(scope: Scope) -> Plan | None:
    """The audit entry a request deserves, or ``None`` (not a route, or shows no personal data)."""
    template = _route_path(scope)
    method = scope["method"]
    if template is None or (method in SAFE_METHODS and template in NOT_AUDITED):
        return None
    route = scope["route"]
    declared = (route.openapi_extra or {}).get(ACTION_KEY)
    named = action_for(name=route.name, template=template, method=method,
                       declared=declared if isinstance(declared, str) else None)  # fmt: skip
    action, subject_type, param = named.action, named.subject_type, named.subject_param
    params: dict[str, Any] = scope.get("path_params", {})
    subject_id = params.get(param) if param else None
    details: dict[str, Any] = {
        "method": method,
        "path": str(scope.get("path", ""))[:MAX_QUERY_TEXT],
        "route": template,
        "via": "api" if template.startswith(API_PREFIX) else "page",
    }
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        details["query"] = query[:MAX_QUERY_TEXT]
    client = scope.get("client")
    if client:
        details["ip"] = client[0]
    return Plan(action, subject_type, None if subject_id is None else str(subject_id), details)


def purpose_of(headers: dict[str, str] | Any, viewer: Viewer, session: Any = None) -> str:
    """The purpose the request states (``X-Purpose``), else the session's (``crimelink.audit.purposes``),
    else the role's usual one."""
    stated = str(headers.get("x-purpose") or "").strip()
    stated = "".join(ch for ch in stated if ch.isprintable())[:MAX_PURPOSE]
    chosen = session.get(SESSION_KEY) if isinstance(session, Mapping) else None
    return stated or PURPOSES.get(chosen if isinstance(chosen, str) else "") or default_purpose(viewer.role)


def audit_store(store: StoreHandle) -> StoreHandle:
    """The store on a pool of its own, for audit entries and login counts (the same database)."""
    from sqlalchemy.engine import make_url

    url = make_url(store.url)
    if url.drivername.startswith("sqlite") and url.database in (None, "", ":memory:"):
        return store  # an in-memory database exists only on its own connections
    return StoreHandle(url=store.url, engine=create_store_engine(store.url))


def trust_store(app: Any) -> StoreHandle:
    """The app's audit store (see :func:`audit_store`), or its store when it has none."""
    store: StoreHandle = getattr(app.state, "audit_store", None) or app.state.store
    return store


def _write(store: StoreHandle, viewer: Viewer, purpose: str, plan: Plan, action: str, extra: dict[str, Any]) -> int:
    with store.session() as session:
        if store.backend == "postgresql":  # never hang on the chain's lock: fail (closed) instead
            session.execute(text("SET LOCAL lock_timeout = '10s'"))
        return record(
            session=session,
            actor=Actor.of(viewer),
            action=action,
            purpose=purpose,
            subject_type=plan.subject_type,
            subject_id=plan.subject_id,
            details={**plan.details, **extra},
        )


def audit_change_requested(request: Request, viewer: Viewer) -> None:
    """Record a change before the route makes it (called once the user is known).

    Raises :class:`AuditUnavailable` when the entry cannot be written: no entry, no change.
    """
    if request.method in SAFE_METHODS:
        return
    plan = plan_for(request.scope)
    if plan is None:
        return
    request_id = secrets.token_hex(8)
    request.state.audit_request = request_id
    purpose = purpose_of(request.headers, viewer, request.session)
    try:
        _write(trust_store(request.app), viewer, purpose, plan, plan.action + ".requested", {"request": request_id})
    except Exception as error:
        log.exception("could not audit a change; refused")
        raise AuditUnavailable("the audit log cannot be written just now, so nothing was changed") from error


class AuditMiddleware:
    """Audits reads before their response leaves, and changes once they are done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        refused = False

        async def audited_send(message: Message) -> None:
            nonlocal status, refused
            if refused:
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                if scope["method"] in SAFE_METHODS and not await self._audit_read(scope, status):
                    refused = True
                    await _send_unavailable(scope, send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        finally:
            if scope["method"] not in SAFE_METHODS:
                await self._audit_outcome(scope, status)

    @staticmethod
    def _viewer(scope: Scope) -> Viewer | None:
        viewer = scope.get("state", {}).get("viewer")
        return viewer if isinstance(viewer, Viewer) else None

    async def _audit_read(self, scope: Scope, status: int) -> bool:
        """Whether the response may leave (audited, or nothing to audit)."""
        viewer = self._viewer(scope)
        plan = plan_for(scope) if viewer is not None else None
        if viewer is None or plan is None:
            return True
        purpose = purpose_of(_headers(scope), viewer, scope.get("session"))
        store = trust_store(scope["app"])
        try:
            await anyio.to_thread.run_sync(_write, store, viewer, purpose, plan, plan.action, {"status": status})
        except Exception:
            log.exception("could not audit a read; the response was withheld")
            return False
        return True

    async def _audit_outcome(self, scope: Scope, status: int) -> None:
        viewer = self._viewer(scope)
        plan = plan_for(scope) if viewer is not None else None
        if viewer is None or plan is None:
            return
        request_id = scope.get("state", {}).get("audit_request")
        purpose = purpose_of(_headers(scope), viewer, scope.get("session"))
        store = trust_store(scope["app"])
        extra = {"status": status, "request": request_id}
        try:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_write, store, viewer, purpose, plan, plan.action, extra)
        except Exception:  # the change is made and its request is on record; say so loudly
            log.exception("could not audit the outcome of %s %s", plan.action, request_id)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def _send_unavailable(scope: Scope, send: Send) -> None:
    error = AuditUnavailable("the audit log cannot be written just now, so nothing can be shown")
    body = orjson.dumps(error.as_dict())
    await send({
        "type": "http.response.start",
        "status": error.status_code,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
