"""The access matrix: every role of every organisation, against every route of the app, on
its own data and others' — nothing leaks.

Routes are enumerated from ``app.routes`` (so a route added later joins the matrix by
itself); each path parameter takes every id of its kind in the sample world plus ids that do
not exist. Users: each of the 7 roles in each of the 4 organisations (national unit, two
retailers, a force), and no login at all. The oracle is written from the sample world, not
from the policy code: which incidents each organisation may open, and what each offender,
vehicle and group is linked to.

Every response is checked: never a server error; a denial is 401/403/404 only, and a 404 for
someone else's record reads exactly like the 404 for a record that does not exist; a retailer
never sees another organisation's incident references, stores, crime references, vehicles,
or people who appear only in others' incidents, in any body — page, JSON or error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from sqlalchemy import select

from crimelink.access.organisations import organisation_by_code
from crimelink.access.users import hash_password
from crimelink.domain.organisations import Role
from crimelink.store import StoreHandle
from crimelink.store.models import GroupMember, Incident, PersonLink, PersonMention, User, VehicleLink, VehicleMention
from web_server import ORGANISATIONS, SECRET, Site, incident, site

PASSWORD = "pw-matrix-everyone"
MISSING = 987654  # an id that exists for nothing
OPENS = {  # organisation -> incidents its users may open (the rules, written out for this world)
    "NATIONAL-UNIT": {"NM-1", "NM-2", "SC-1", "SC-2", "WMP-1"},
    "NORTHMART": {"NM-1", "NM-2"},
    "SOUTHCO": {"SC-1", "SC-2"},
    "POLICE-WEST-MIDLANDS": {"NM-1", "NM-2", "SC-2", "WMP-1"},  # its area (NM-2's derived) and its own
}
NEVER_SHOWN = {  # a retailer -> words of others' data that must appear in none of its responses
    "NORTHMART": ["SC-1", "SC-2", "WMP-1", "Southco Oxford Street", "Southco Selly Oak", "Corner Shop",
                  "Walsh", "grey hoodie", "XY70", "Not to be shared outside policing"],
    "SOUTHCO": ["NM-1", "NM-2", "WMP-1", "Northmart New Street", "Northmart Bull Ring", "20/1234/25",
                "Corner Shop", "AB12", "Razor blades", "distracted staff"],
}  # fmt: skip
SEARCHES = [{}, {"q": "SC-1"}, {"q": "NM-1"}, {"q": "walsh"}, {"submitter": "SOUTHCO"}]
KINDS = {code: kind for code, kind, _, _ in ORGANISATIONS}


@dataclass(frozen=True)
class Who:
    username: str | None  # None: no login
    role: Role | None = None
    organisation: str | None = None

    @property
    def retailer(self) -> bool:
        return self.organisation is not None and KINDS[self.organisation] == "retailer"


@dataclass
class World:
    """Ids in the served store, and what each record is linked to (read from the link tables)."""

    incidents: dict[int, str] = field(default_factory=dict)  # id -> ref
    offenders: dict[int, set[str]] = field(default_factory=dict)  # id -> refs of its incidents
    vehicles: dict[int, set[str]] = field(default_factory=dict)
    groups: dict[int, set[int]] = field(default_factory=dict)  # id -> member offender ids
    opens: dict[str, set[str]] = field(default_factory=lambda: OPENS)  # the rules in force (see OPENS)
    never_shown: dict[str, list[str]] = field(default_factory=lambda: NEVER_SHOWN)

    def ids(self, param: str) -> list[int]:
        kinds: dict[str, dict[int, Any]] = {"incident_id": self.incidents, "offender_id": self.offenders,
                                            "vehicle_id": self.vehicles, "group_id": self.groups}  # fmt: skip
        known = kinds.get(param)
        return [*sorted(known), MISSING] if known is not None else [1, MISSING]

    def may_open(self, who: Who, param: str, value: int) -> bool | None:
        """Whether ``who`` may open this record; ``None`` where the oracle has no rule (new routes)."""
        assert who.organisation is not None
        opens = self.opens[who.organisation]
        if param == "incident_id":
            return self.incidents.get(value) in opens
        if param == "offender_id":
            return bool(self.offenders.get(value, set()) & opens)
        if param == "vehicle_id":
            return bool(self.vehicles.get(value, set()) & opens)
        if param == "group_id":
            if value not in self.groups or who.retailer:
                return False
            return any(self.offenders[o] & opens for o in self.groups[value])
        return None


def read_world(store: StoreHandle) -> World:
    world = World()
    with store.session() as session:
        world.incidents = {row[0]: row[1] for row in session.execute(select(Incident.id, Incident.incident_ref))}
        for offender, ref in session.execute(
            select(PersonLink.offender_id, Incident.incident_ref)
            .join(PersonMention, PersonMention.id == PersonLink.mention_id)
            .join(Incident, Incident.id == PersonMention.incident_id)
        ):
            world.offenders.setdefault(offender, set()).add(ref)
        for vehicle, ref in session.execute(
            select(VehicleLink.vehicle_id, Incident.incident_ref)
            .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
            .join(Incident, Incident.id == VehicleMention.incident_id)
        ):
            world.vehicles.setdefault(vehicle, set()).add(ref)
        for group, offender in session.execute(select(GroupMember.group_id, GroupMember.offender_id)):
            world.groups.setdefault(group, set()).add(offender)
    assert len(world.incidents) == 5 and len(world.offenders) >= 4 and world.vehicles and world.groups
    return world


def add_users(store: StoreHandle) -> list[Who]:
    """A user for each role in each organisation (28), all with one password (hashed once)."""
    hashed = hash_password(PASSWORD)
    everyone = []
    with store.session() as session:
        for code, _, _, _ in ORGANISATIONS:
            organisation = organisation_by_code(session=session, code=code)
            for role in Role:
                name = f"{role.value}-{code}".lower()
                session.add(User(username=name, display_name=name, password_hash=hashed, role=role.value,
                                 organisation_id=organisation.id, active=True))  # fmt: skip
                everyone.append(Who(name, role, code))
    return everyone


@dataclass(frozen=True)
class Call:
    method: str
    route: str  # the path template
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    record: tuple[str, int] | None = None  # (path parameter, value) when the route opens one record


def api_routes(app_routes: list[Any]) -> list[RouteContext]:
    """Every API route as served, whichever router it was included through."""
    return [r for r in iter_route_contexts(app_routes) if isinstance(r.original_route, APIRoute) and r.path]


def calls_for(app_routes: list[RouteContext], world: World, who: Who) -> list[Call]:
    calls: list[Call] = []
    for route in app_routes:
        assert route.path is not None and route.methods is not None
        names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        for method in sorted(route.methods - {"HEAD"}):
            if len(names) > 1:
                values = [dict.fromkeys(names, v) for v in (1, MISSING)]
            elif names:
                values = [{names[0]: v} for v in world.ids(names[0])]
            else:
                values = [{}]
            for bound in values:
                path = route.path
                for name, value in bound.items():
                    path = re.sub(r"{" + name + r"(?::\w+)?}", str(value), path)
                record = next(iter(bound.items())) if len(bound) == 1 else None
                if method == "GET" and not names and route.path in ("/incidents", "/api/v1/incidents"):
                    calls += [Call(method, route.path, path, params) for params in SEARCHES]
                elif method == "GET":
                    calls.append(Call(method, route.path, path, record=record))
                elif route.path == "/api/v1/incidents":
                    own = who.organisation or "NORTHMART"
                    ref = f"MX-{who.username}"[:60]
                    other = "SOUTHCO" if own != "SOUTHCO" else "NORTHMART"
                    for submitter, suffix in ((own, ""), (other, "-X")):
                        # a store of its own: first submissions for one new store race (see test_faults)
                        body = incident(submitter, ref + suffix, "2025-05-01T10:00:00Z", store={"store_ref": ref})
                        calls.append(Call(method, route.path, path, body=body))
                elif route.path not in ("/login", "/logout"):
                    calls.append(Call(method, route.path, path, body={}, record=record))
    # changes last: what they create is not part of the world the reads are checked against
    return sorted(calls, key=lambda c: c.method != "GET")


def expected_status(call: Call, who: Who, world: World) -> set[int] | None:
    """The statuses the rules allow; ``None`` where only the generic checks apply."""
    api = call.path.startswith("/api/") or call.path == "/openapi.json"
    if call.route.startswith("/login/oidc/"):
        return {404}  # no organisation here has single sign-on configured
    if call.route.startswith("/welcome/"):
        return {404}  # a one-time link to set a password, for anyone who holds it: none exists here
    if who.username is None:
        if call.route == "/login":
            return {200}
        if call.route == "/logout":
            return {303}
        return {401} if api else {303}
    if call.route == "/login":
        return {200}  # HTTP Basic sets no session: the login form is shown
    if call.route == "/logout":
        return {303}
    if call.route in ("/audit", "/api/v1/audit"):
        return {200} if who.role is Role.AUDITOR else {403}
    if call.route in ("/audit/verify", "/api/v1/audit/verify"):
        return {200} if who.role is Role.AUDITOR and who.organisation == "NATIONAL-UNIT" else {403}
    if call.method == "POST" and call.route == "/api/v1/incidents":
        own = call.body["submitter"] == who.organisation
        may = who.role is not Role.AUDITOR and (own or who.organisation == "NATIONAL-UNIT")
        return {201} if may else {403}
    if call.record is not None and call.method == "GET":
        allowed = world.may_open(who, *call.record)
        if allowed is not None:
            return {200} if allowed else {404}
    if call.method == "GET" and call.route in KNOWN_LISTS:
        return {200}
    return None


KNOWN_LISTS = {"/", "/api/v1/dashboard", "/api/v1/forces.geojson", "/incidents", "/api/v1/incidents", "/groups",
               "/api/v1/groups", "/api/v1/me", "/openapi.json", "/docs"}  # fmt: skip


def leaks(who: Who, body: str, asked: dict[str, Any], world: World) -> list[str]:
    """Others' data in ``body``, once what the user asked for (echoed back) is blanked."""
    if not who.retailer:
        return []
    assert who.organisation is not None
    for value in asked.values():
        body = body.replace(str(value), "ASKED")
    # the audit log shows what the organisation's own users typed into searches
    body = re.sub(r"q=[^&\"<;]*", "q=ASKED", body)
    found = []
    for word in world.never_shown[who.organisation]:
        if re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", body, re.IGNORECASE):
            found.append(word)
    return found


def sameness(body: str) -> str:
    """A 404's body with numbers (the id asked for) and the per-session CSRF token blanked:
    every 404 of a route must then read the same, for others' records and missing ones."""
    body = re.sub(r'(name="csrf-token" content="|"X-CSRF-Token": "|name="csrf_token" value=")[\w-]+', r"\1T", body)
    return re.sub(r"\d+", "#", body)


def run_as(web: Site, app_routes: list[RouteContext], world: World, who: Who) -> tuple[int, list[str]]:
    problems: list[str] = []
    auth = (who.username, PASSWORD) if who.username else None
    not_found: dict[str, str] = {}
    calls = calls_for(app_routes, world, who)
    with httpx.Client(base_url=web.url, auth=auth, timeout=60, follow_redirects=False) as client:
        for call in calls:
            answer = client.request(call.method, call.path, params=call.params, json=call.body)
            label = f"{who.username} {call.method} {call.path} {call.params or ''}"
            status, body = answer.status_code, answer.text
            if status >= 500:
                problems.append(f"{label}: server error {status}")
            expected = expected_status(call, who, world)
            if expected is not None and status not in expected:
                problems.append(f"{label}: {status}, expected {sorted(expected)}")
            if status >= 400 and status not in (400, 401, 403, 404, 405, 409, 422, 429):
                problems.append(f"{label}: a denial must be 401/403/404 (or 400/422 for bad input), not {status}")
            if words := leaks(who, body + str(answer.headers.get("location", "")), call.params, world):
                problems.append(f"{label}: shows {words}")
            if status == 404 and call.record is not None and call.method == "GET":
                shape = sameness(body)
                if not_found.setdefault(call.route, shape) != shape:
                    problems.append(f"{label}: this 404 differs from the one for a missing record")
    return len(calls), problems


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(sqlite_store, tmp_path) as served:
        yield served


@pytest.mark.slow
def test_no_role_of_any_organisation_sees_what_it_may_not(web: Site, capsys: pytest.CaptureFixture[str]) -> None:
    world = read_world(web.store)
    users = [Who(None), *add_users(web.store)]
    from crimelink.settings import Settings
    from crimelink.web import create_app

    app = create_app(Settings(database_url=web.store.url, secret_key=SECRET, demo=False), store=web.store)
    app_routes = api_routes(list(app.routes))
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda who: run_as(web, app_routes, world, who), users))
    requests = sum(n for n, _ in results)
    problems = [p for _, found in results for p in found]
    routes = {(m, r.path) for r in app_routes for m in (r.methods or set()) - {"HEAD"}}
    with capsys.disabled():
        print(f"\naccess matrix: {len(users)} users (7 roles x 4 organisations + anonymous) x {len(routes)} routes "
              f"= {requests:,} requests; {len(problems)} problems")  # fmt: skip
    assert problems == [], '\n'.join(problems)
    assert requests > 1000


# A mutual agreement between the two retailers: each sees the other's reports, except SC-1,
# which is graded C ("not to be shared outside policing") and never travels by agreement.
SHARED_OPENS = {**OPENS, "NORTHMART": {"NM-1", "NM-2", "SC-2"}, "SOUTHCO": {"SC-1", "SC-2", "NM-1", "NM-2"}}
SHARED_NEVER_SHOWN = {
    "NORTHMART": ["SC-1", "WMP-1", "Southco Oxford Street", "Corner Shop", "Walsh", "XY70",
                  "Not to be shared outside policing"],
    "SOUTHCO": ["WMP-1", "Corner Shop"],
}  # fmt: skip


@pytest.mark.slow
def test_a_retailer_sees_another_retailers_reports_only_while_an_agreement_allows(web: Site) -> None:
    from crimelink.access.sharing import AgreementIn, add_agreement, revoke_agreement
    from crimelink.audit.service import Actor
    from crimelink.settings import Settings
    from crimelink.web import create_app

    everyone = add_users(web.store)
    users = [w for w in everyone if w.retailer and w.role in (Role.RETAIL_REPORTER, Role.RETAIL_MANAGER)]
    others = [w for w in everyone if w.retailer and w.role in (Role.SUPERVISOR, Role.ADMINISTRATOR)]  # fresh refs
    app = create_app(Settings(database_url=web.store.url, secret_key=SECRET, demo=False), store=web.store)
    app_routes = api_routes(list(app.routes))
    admin = Actor("matrix-admin", "NATIONAL-UNIT", "administrator")
    with web.store.session() as session:
        agreement = add_agreement(session=session, actor=admin, agreement=AgreementIn(
            provider="NORTHMART", recipient="SOUTHCO", mutual=True))  # fmt: skip
    shared = read_world(web.store)
    shared.opens, shared.never_shown = SHARED_OPENS, SHARED_NEVER_SHOWN
    problems = [p for who in users for p in run_as(web, app_routes, shared, who)[1]]
    assert problems == [], "\n".join(problems)
    with web.store.session() as session:
        revoke_agreement(session=session, actor=admin, agreement_id=agreement.id, reason="the trial ended")
    plain = World(shared.incidents, shared.offenders, shared.vehicles, shared.groups)  # the rules without it
    problems = [p for who in others for p in run_as(web, app_routes, plain, who)[1]]
    assert problems == [], "after revocation:\n" + "\n".join(problems)
