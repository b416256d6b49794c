"""Serving the app over real HTTP for tests, and the small world the web tests look at.

``serve(app)`` runs uvicorn on a free loopback port in a background thread, so tests talk to
the app exactly as a browser or a script would (real sockets, real cookies). ``build_site``
fills a store with four organisations, five hand-written incidents, users of each kind and
the analysis results behind the offender and group pages.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from crimelink.access.organisations import add_organisation, organisation_by_code
from crimelink.access.users import hash_password
from crimelink.intake import import_documents, import_files
from crimelink.settings import Settings
from crimelink.store import StoreHandle
from crimelink.store.models import User
from crimelink.web import create_app

ORGANISATIONS = [  # code, kind, name, force
    ("NATIONAL-UNIT", "national_unit", "National Unit", None),
    ("NORTHMART", "retailer", "Northmart", None),
    ("SOUTHCO", "retailer", "Southco Stores", None),
    ("POLICE-WEST-MIDLANDS", "police_force", "West Midlands Police", "west-midlands"),
]
USERS = {  # username: (role, organisation); the password is "pw-" + username
    "analyst": ("national_analyst", "NATIONAL-UNIT"),
    "auditor": ("auditor", "NATIONAL-UNIT"),
    "northmart": ("retail_reporter", "NORTHMART"),
    "southco": ("retail_reporter", "SOUTHCO"),
    "wmp": ("force_investigator", "POLICE-WEST-MIDLANDS"),
}


def password(username: str) -> str:
    return f"pw-{username}"


def incident(submitter: str, ref: str, occurred: str, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "crimelink.incident/1",
        "submitter": submitter,
        "incident_ref": ref,
        "occurred_at": occurred,
        "offence": "theft_from_shop",
        "store": {"store_ref": f"{submitter}-S1", "name": f"{submitter.title()} High Street"},
    }
    doc.update(fields)
    return doc


SMITH = {"name": "Jason Smith", "dob": "1990-04-02", "gender": "male"}
BROWN = {"name": "Kelly Brown", "dob": "1995-11-20", "gender": "female"}
WALSH = {"name": "Dean Walsh", "dob": "1988-07-15", "gender": "male"}
BIRMINGHAM = {
    "store_ref": "NM-BHAM-2",
    "name": "Northmart Bull Ring",
    "lat": 52.4775,
    "lon": -1.8939,
}
INCIDENTS = [
    incident(
        "NORTHMART",
        "NM-1",
        "2025-01-10T14:05:00Z",
        police_force="west-midlands",
        value_gbp=420.5,
        crime_reference="20/1234/25",
        store={"store_ref": "NM-BHAM-1", "name": "Northmart New Street", "postcode": "B2 4QA"},
        items=[
            {
                "description": "Razor blades",
                "category": "health",
                "quantity": 30,
                "unit_value_gbp": 12.5,
            }
        ],
        persons=[{"person_ref": "p1", "role": "suspect", **SMITH}],
        vehicles=[{"vrm": "AB12 CDE", "make": "Ford", "model": "Focus", "colour": "silver"}],
        mo={
            "tags": ["distraction", "bagging"],
            "text": "One distracted staff while the other filled a bag.",
        },
        grading={"source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "P"},
    ),
    incident(
        "NORTHMART",
        "NM-2",
        "2025-02-14T10:30:00Z",
        value_gbp=150.0,
        store=BIRMINGHAM,
        persons=[{"person_ref": "p1", **SMITH}, {"person_ref": "p2", **BROWN}],
        vehicles=[{"vrm": "ab12cde"}],
    ),
    incident(
        "SOUTHCO",
        "SC-1",
        "2025-02-20T18:45:00Z",
        offence="robbery",
        police_force="metropolitan",
        value_gbp=1200.0,
        store={"store_ref": "SC-LON-1", "name": "Southco Oxford Street"},
        persons=[
            {"person_ref": "a", **SMITH},
            {"person_ref": "b", **BROWN},
            {"person_ref": "c", **WALSH},
        ],
        vehicles=[{"vrm": "XY70 ZZZ", "make": "BMW", "colour": "black"}],
        violence={"threats": True, "assault": False, "weapon": "knife"},
        grading={
            "source_evaluation": "2",
            "intelligence_assessment": "B",
            "handling_code": "C",
            "handling_conditions": "Not to be shared outside policing",
        },
    ),
    incident(
        "SOUTHCO",
        "SC-2",
        "2025-03-05T09:00:00Z",
        police_force="west-midlands",
        value_gbp=80.0,
        store={"store_ref": "SC-BHAM-1", "name": "Southco Selly Oak"},
        persons=[{"person_ref": "x", "description": "Male, 30s, grey hoodie", "gender": "male"}],
    ),
    incident(
        "POLICE-WEST-MIDLANDS",
        "WMP-1",
        "2025-03-15T22:10:00Z",
        offence="burglary",
        police_force="west-midlands",
        value_gbp=2000.0,
        store={"store_ref": "WMP-LOC-1", "name": "Corner Shop, Digbeth"},
        persons=[{"person_ref": "s1", **BROWN}, {"person_ref": "s2", **WALSH}],
    ),
]
TOTAL_VALUE = sum(float(doc.get("value_gbp", 0.0)) for doc in INCIDENTS)
SECRET = "test-secret-key-for-signing-cookies"


@cache
def _password_hash(username: str) -> str:
    """Argon2 costs ~0.1 s a hash: hash each test password once per test session."""
    return hash_password(password(username))


@dataclass
class Site:
    """A served app over a filled store."""

    url: str
    store: StoreHandle

    def auth(self, username: str) -> tuple[str, str]:
        return (username, password(username))


def fill_store(store: StoreHandle, folder: Path) -> None:
    """Organisations, users and the five incidents (imported from a JSON Lines file)."""
    with store.session() as session:
        for code, kind, name, force in ORGANISATIONS:
            add_organisation(session=session, code=code, kind=kind, name=name, force=force)
        for username, (role, org) in USERS.items():
            organisation = organisation_by_code(session=session, code=org)
            session.add(
                User(
                    username=username,
                    display_name=f"Test {role.replace('_', ' ')}",
                    password_hash=_password_hash(username),
                    role=role,
                    organisation_id=organisation.id,
                    active=True,
                )
            )
    path = folder / "incidents.jsonl"
    path.write_text("".join(json.dumps(doc) + "\n" for doc in INCIDENTS))
    summary = import_files(store=store, paths=[path])
    assert summary.created == len(INCIDENTS), summary.as_dict()


def analyse(store: StoreHandle) -> None:
    from crimelink.pipeline import run_analysis

    run_analysis(store=store)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port until the block ends; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def site(
    store: StoreHandle, folder: Path, *, analysed: bool = True, more: list[dict[str, Any]] | None = None
) -> Iterator[Site]:
    """The sample world in ``store`` (with ``more`` reports added), analysed, served over HTTP."""
    fill_store(store, folder)
    if more:
        assert import_documents(store=store, documents=more).created == len(more)
    if analysed:
        analyse(store)
    app = create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)
    with serve(app) as url:
        yield Site(url=url, store=store)
