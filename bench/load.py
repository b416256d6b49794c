"""Load test on loopback: mixed reading, searching and reporting at realistic concurrency.

``python -m bench.load [--backend sqlite|postgresql|both] [--incidents N] [--seconds S]
[--users U]`` builds a store (a generated national scenario, imported and analysed), serves
it with uvicorn in its own process on 127.0.0.1 (one worker, audit, CSRF and all), and lets
U virtual users work against it for S seconds, each as one of three people: the national
unit's analyst, a force's investigator and a retailer's reporter. Each user does, without
pausing, a weighted mix of:

- ``read``   an incident (JSON) or its page, or an offender's profile, that the user may see
- ``search`` free text (a surname or part of a registration mark) over the incidents
- ``report`` submit a new incident (retailer)
- ``board``  the dashboard's figures

and every personal-data read and every change is audited, as in production. It prints
throughput and latency percentiles per kind and in all, and saves them to
``bench-results/load.json``. Nothing leaves the machine: the server listens on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from crimelink.access.organisations import add_organisation
from crimelink.access.users import create_user
from crimelink.domain.organisations import Role
from crimelink.intake import import_files
from crimelink.pipeline import run_analysis
from crimelink.scenario import generate_scenario
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import Incident, Offender, Organisation, PersonLink, PersonMention

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
PASSWORD = "load-test-password"
MIX = {"read": 45, "search": 30, "report": 15, "board": 10}


def app_factory() -> Any:
    """What uvicorn serves (``--factory``): the app on ``$CRIMELINK_DATABASE_URL``."""
    from crimelink.settings import Settings
    from crimelink.web import create_app

    return create_app(Settings.from_env())


@dataclass
class Persona:
    username: str
    organisation: str
    incident_ids: list[int]
    offender_ids: list[int]
    reports: bool


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if problem is not None:
                self.errors[kind] += 1
                if len(self.examples) < 5:
                    self.examples.append(f"{kind}: {problem}")


def build_store(url: str, folder: Path, incidents: int) -> tuple[StoreHandle, list[Persona], list[str]]:
    import csv

    scenario = folder / "scenario.jsonl"
    generate_scenario(incidents=incidents, seed=7, out=scenario, truth_dir=folder / "truth", progress=None)
    store = open_store(url)
    with store.session() as session, (folder / "truth" / "organisations.csv").open() as fh:
        for row in csv.DictReader(fh):
            add_organisation(session=session, code=row["code"], kind=row["kind"], name=row.get("name") or None,
                             force=row.get("police_force") or None)  # fmt: skip
        add_organisation(session=session, code="NATIONAL-UNIT", kind="national_unit", name="National Unit")
    import_files(store=store, paths=[scenario])
    run_analysis(store=store)
    with store.session() as session:
        retailer = session.execute(  # the retailer that reports most
            select(Organisation.code, Organisation.id)
            .join(Incident, Incident.submitter_id == Organisation.id)
            .where(Organisation.kind == "retailer")
            .group_by(Organisation.code, Organisation.id)
            .order_by(func.count(Incident.id).desc())
            .limit(1)
        ).one()
        force = session.execute(  # the force area with most incidents
            select(Organisation.code, Organisation.police_force)
            .join(Incident, Incident.police_force == Organisation.police_force)
            .where(Organisation.kind == "police_force")
            .group_by(Organisation.code, Organisation.police_force)
            .order_by(func.count(Incident.id).desc())
            .limit(1)
        ).one()
        everything = list(session.scalars(select(Incident.id)))
        own = list(session.scalars(select(Incident.id).where(Incident.submitter_id == retailer.id)))
        area = list(session.scalars(select(Incident.id).where(Incident.police_force == force.police_force)))
        offenders = list(session.scalars(select(Offender.id).where(Offender.incidents > 0)))
        in_area = list(session.scalars(
            select(PersonLink.offender_id).distinct()
            .join(PersonMention, PersonMention.id == PersonLink.mention_id)
            .join(Incident, Incident.id == PersonMention.incident_id)
            .where(Incident.police_force == force.police_force)
        ))  # fmt: skip
        names = [n.split()[-1] for n in session.scalars(select(PersonMention.name).where(
            PersonMention.name.is_not(None)).limit(2000)) if n]  # fmt: skip
        for username, role, code in (("load-analyst", Role.NATIONAL_ANALYST, "NATIONAL-UNIT"),
                                     ("load-investigator", Role.FORCE_INVESTIGATOR, force.code),
                                     ("load-reporter", Role.RETAIL_REPORTER, retailer.code)):  # fmt: skip
            create_user(session=session, username=username, password=PASSWORD, role=role, organisation_code=code,
                        display_name=username)  # fmt: skip
    personas = [
        Persona("load-analyst", "NATIONAL-UNIT", everything, offenders, reports=False),
        Persona("load-investigator", force.code, area, in_area, reports=False),
        Persona("load-reporter", retailer.code, own, [], reports=True),
    ]
    return store, personas, sorted(set(names)) or ["smith"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(url: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "CRIMELINK_DATABASE_URL": url, "CRIMELINK_SECRET_KEY": secrets.token_hex(32),
           "CRIMELINK_COOKIE_SECURE": "0", "CRIMELINK_DEMO": ""}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.load:app_factory", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=REPO, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _report(persona: Persona, n: int) -> dict[str, Any]:
    return {
        "schema": "crimelink.incident/1", "submitter": persona.organisation,
        "incident_ref": f"LOAD-{n}-{secrets.token_hex(4)}", "occurred_at": "2025-06-01T12:00:00Z",
        "offence": "theft_from_shop", "value_gbp": 42.0,
        "store": {"store_ref": "LOAD-STORE-1", "name": "Load test store"},
        "persons": [{"person_ref": "p1", "name": "Sam Loadtest", "gender": "male"}],
    }  # fmt: skip


def virtual_user(base: str, persona: Persona, names: list[str], until: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    kinds, weights = zip(*((k, w) for k, w in MIX.items() if k != "report" or persona.reports), strict=True)
    with httpx.Client(base_url=base, auth=(persona.username, PASSWORD), timeout=60) as client:
        client.get("/api/v1/me")  # the password is checked once, then remembered (as for scripts)
        n = 0
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            method, path, params, body = "GET", "/api/v1/dashboard", None, None
            if kind == "read":
                choice = rng.random()
                if persona.offender_ids and choice < 0.3:
                    path = f"/api/v1/offenders/{rng.choice(persona.offender_ids)}"
                else:
                    incident_id = rng.choice(persona.incident_ids)
                    path = f"/incidents/{incident_id}" if choice > 0.8 else f"/api/v1/incidents/{incident_id}"
            elif kind == "search":
                path, params = "/api/v1/incidents", {"q": rng.choice(names)}
            elif kind == "report":
                n += 1
                method, path, body = "POST", "/api/v1/incidents", _report(persona, n)
            started = time.perf_counter()
            problem = None
            try:
                answer = client.request(method, path, params=params, json=body)
                if answer.status_code >= 400:
                    problem = f"{method} {path} → {answer.status_code} {answer.text[:200]}"
            except httpx.TransportError as error:
                problem = f"{method} {path} → {type(error).__name__}"
            tally.add(kind, time.perf_counter() - started, problem)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))] * 1000


def summarise(tally: Tally, seconds: float) -> list[dict[str, Any]]:
    rows = []
    everything = [x for values in tally.latencies.values() for x in values]
    for kind, values in [*sorted(tally.latencies.items()), ("all", everything)]:
        errors = sum(tally.errors.values()) if kind == "all" else tally.errors.get(kind, 0)
        rows.append({
            "kind": kind, "requests": len(values), "errors": errors, "per_second": round(len(values) / seconds, 1),
            "p50_ms": round(percentile(values, 0.50), 1), "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
        })  # fmt: skip
    return rows


def run(backend: str, incidents: int, seconds: float, users: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="crimelink-load-") as tmp, _database(backend, Path(tmp)) as url:
        started = time.perf_counter()
        store, personas, names = build_store(url, Path(tmp), incidents)
        store.close()
        setup = time.perf_counter() - started
        with served(url) as base:
            tally = Tally()
            until = time.monotonic() + seconds
            threads = [
                threading.Thread(target=virtual_user, args=(base, personas[i % len(personas)], names, until, tally, i))
                for i in range(users)
            ]
            begun = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - begun
    return {"backend": backend, "incidents": incidents, "users": users, "seconds": round(elapsed, 1),
            "setup_seconds": round(setup, 1), "rows": summarise(tally, elapsed), "errors": tally.examples}  # fmt: skip


@contextmanager
def _database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'load.sqlite'}"
        return
    sys.path.insert(0, str(REPO))
    from tests.conftest import PostgresServer, _pg_bin

    bin_dir = _pg_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL binaries not found")
    server = PostgresServer(bin_dir)
    server.start()
    try:
        server.admin("CREATE DATABASE crimelink_load")
        yield server.url("crimelink_load")
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the users work, per backend")
    parser.add_argument("--users", type=int, default=12, help="concurrent virtual users, no pauses")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run(b, args.incidents, args.seconds, args.users) for b in backends]
    for result in results:
        print(f"\n{result['backend']}: {result['incidents']:,} incidents, {result['users']} users, "
              f"{result['seconds']} s (setup {result['setup_seconds']} s)")  # fmt: skip
        print(f"{'kind':<8} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for row in result["rows"]:
            print(f"{row['kind']:<8} {row['requests']:>9,} {row['errors']:>7,} {row['per_second']:>8} "
                  f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}")  # fmt: skip
        for example in result["errors"]:
            print(f"  error: {example}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "runs": results},
                                                  indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
