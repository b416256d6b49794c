"""Audit actions are named from each route's declaration: well formed for every route in the app.

Parsing them out of URLs gave ``key}.csv.read``, ``operation_id}.pdf.read``, ``serie.list`` and
``key.read``; an auditor searching ``impact.`` or ``series.`` found none of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import httpx
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from crimelink.audit.actions import ACTION_KEY, API_PREFIX, ROUTE_ACTIONS, well_formed
from crimelink.audit.models import AuditEvent
from crimelink.audit.web import plan_for
from crimelink.settings import Settings
from crimelink.store import StoreHandle
from crimelink.web import create_app
from web_server import SECRET, site

# a plural whose singular is not the word less its "s": cut it and the word is wrong ("serie")
_IRREGULAR_PLURAL = re.compile(r"(ies|sses|xes|ches|shes)$")
MAX_ACTION = 64 - len(".requested")  # the audit log keeps 64 characters, requests included


def _routes(store: StoreHandle) -> list[tuple[str, str, str, APIRoute]]:
    """Every (method, path, name, route) the app serves, router prefixes included."""
    app = create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found += [(m, str(context.path_format), route.name, route) for m in sorted(context.methods or ())]
    return found


def _planned(method: str, path: str, route: APIRoute) -> str | None:
    """The action a request to the route is recorded under (``None``: not audited); the scope holds
    what FastAPI puts there for a matched route: the route, and its path with the routers' prefixes."""
    matched = SimpleNamespace(path_format=path)
    scope = {"route": route, "method": method, "path": path, "fastapi": {"effective_route_context": matched}}
    plan = plan_for(scope)
    return plan.action if plan else None


def test_every_route_in_the_app_has_a_well_formed_action(sqlite_store: StoreHandle) -> None:
    routes = _routes(sqlite_store)
    assert len(routes) > 100
    named: dict[tuple[str, str], str] = {}
    for method, path, _name, route in routes:
        action = _planned(method, path, route)
        if action is None:  # shows no personal data: not audited
            continue
        assert well_formed(action) and len(action) <= MAX_ACTION, f"{method} {path}: {action!r}"
        segments = {s for s in re.split(r"[/{}.:-]", path) if s}
        for word in re.split(r"[._]", action):
            truncated = {s for s in segments if s == word + "s" and _IRREGULAR_PLURAL.search(s)}
            assert not truncated, f"{method} {path}: {action!r} cuts {truncated} short"
        named[(method, path)] = action
    assert named[("GET", "/impact/records/{key}.csv")] == "impact.download_records"
    assert named[("GET", "/packages/{operation_id}.pdf")] == "package.download"
    assert named[("GET", "/series")] == "series.list"
    assert named[("GET", "/api/v1/impact/records/{key}")] == "impact.read_records"
    for (method, path), action in named.items():  # a page and its JSON twin are the same read or change
        twin = named.get((method, API_PREFIX + path))
        assert twin in (None, action), f"{method} {path} is {action!r}, its twin {twin!r}"
    served = {name for *_, name, _ in routes}
    assert set(ROUTE_ACTIONS) <= served, f"named routes the app no longer has: {set(ROUTE_ACTIONS) - served}"


def test_a_route_may_declare_its_own_action() -> None:
    def download(thing_id: int) -> None: ...

    route = APIRoute("/things/{thing_id}.csv", download, openapi_extra={ACTION_KEY: "thing.download"})
    plan = plan_for({"route": route, "method": "GET", "path": "/things/7.csv", "path_params": {"thing_id": 7}})
    assert plan is not None and (plan.action, plan.subject_type, plan.subject_id) == ("thing.download", "thing", "7")
    unnamed = APIRoute("/key-players/{key}.csv", download, name="key_players_csv")
    plan = plan_for({"route": unnamed, "method": "GET", "path": "/key-players/x.csv", "path_params": {"key": "x"}})
    assert plan is not None and plan.action == "key_players.key_players_csv" and well_formed(plan.action)


def test_reads_are_recorded_under_their_routes_actions(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    with site(sqlite_store, tmp_path) as web, httpx.Client(base_url=web.url, auth=web.auth("analyst")) as analyst:
        for path in ("/series", "/api/v1/series", "/impact/records/referrals.csv", "/api/v1/impact/records/referrals"):
            assert analyst.get(path).status_code < 500, path
    with sqlite_store.session() as session:
        read = session.execute(
            select(AuditEvent.action, AuditEvent.subject_type, AuditEvent.subject_id, AuditEvent.details["route"])
            .where(AuditEvent.username == "analyst")
            .order_by(AuditEvent.seq)
        ).all()
    assert [tuple(r) for r in read] == [
        ("series.list", None, None, "/series"), ("series.list", None, None, "/api/v1/series"),
        ("impact.download_records", "impact_figure", "referrals", "/impact/records/{key}.csv"),
        ("impact.read_records", "impact_figure", "referrals", "/api/v1/impact/records/{key}"),
    ]  # fmt: skip
