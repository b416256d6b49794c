"""Faults: ``crimelink import`` and ``crimelink analyse`` killed (SIGKILL) at random points,
again and again, then run to completion — nothing lost, duplicated or half-written.

Intake commits whole batches, so after any kill the store holds whole incidents only, each
identical to what a clean import stores, and running the import again completes it. An
analysis replaces its results in one transaction, so after any kill the results are either
the previous ones, untouched, or the new ones complete (and tied to a finished run).

Both commands run as separate processes on an SQLite store, exactly as a user runs them.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from crimelink.access.organisations import add_organisation
from crimelink.intake import import_files
from crimelink.scenario import generate_scenario
from crimelink.store import StoreHandle, open_store
from web_server import SECRET, incident, site

INCIDENTS = 5000  # three intake batches
KILLS = 6
ANALYSIS_KILLS = 4
CLI = [sys.executable, "-c", "from crimelink.cli import main; main()"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faults")
    out = folder / "scenario.jsonl"
    generate_scenario(incidents=INCIDENTS, seed=11, out=out, truth_dir=folder / "truth", progress=None)
    return out


def new_store(folder: Path, scenario: Path, name: str) -> StoreHandle:
    import csv

    store = open_store(f"sqlite:///{folder / name}")
    with store.session() as session, (scenario.parent / "truth" / "organisations.csv").open() as fh:
        for row in csv.DictReader(fh):
            add_organisation(session=session, code=row["code"], kind=row["kind"], name=row.get("name") or None,
                             force=row.get("police_force") or None)  # fmt: skip
    return store


def incidents_held(store: StoreHandle) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Every incident as (submitter, ref) → (content hash, version, items, persons, vehicles),
    checking on the way that none is half-written (its rows match its own document)."""
    held: dict[tuple[str, str], tuple[Any, ...]] = {}
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT o.code, i.incident_ref, i.content_hash, i.version, i.document,"
            " (SELECT count(*) FROM items x WHERE x.incident_id = i.id),"
            " (SELECT count(*) FROM person_mentions p WHERE p.incident_id = i.id),"
            " (SELECT count(*) FROM vehicle_mentions v WHERE v.incident_id = i.id)"
            " FROM incidents i JOIN organisations o ON o.id = i.submitter_id"
        )).all()  # fmt: skip
    for code, ref, digest, version, document, items, persons, vehicles in rows:
        doc = json.loads(document)
        whole = (len(doc.get("items", [])), len(doc.get("persons", [])), len(doc.get("vehicles", [])))
        assert (items, persons, vehicles) == whole, f"half-written incident {code}/{ref}"
        assert (code, ref) not in held, f"duplicate incident {code}/{ref}"
        held[(code, ref)] = (digest, version, items, persons, vehicles)
    return held


def run_killed(args: list[str], after: float) -> int | None:
    """Start a crimelink command and SIGKILL it after ``after`` seconds; its exit status if
    it finished first (``None`` when killed)."""
    process = subprocess.Popen([*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "COLUMNS": "120"})  # fmt: skip
    try:
        return process.wait(timeout=after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return None


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*CLI, *args], check=True, capture_output=True)
    return time.perf_counter() - started


def test_an_import_killed_at_random_points_then_rerun_loses_and_duplicates_nothing(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = new_store(tmp_path, scenario, "clean.sqlite")
    summary = import_files(store=clean, paths=[scenario])
    assert summary.created == INCIDENTS and summary.rejected == 0
    expected = incidents_held(clean)
    clean.close()

    store = new_store(tmp_path, scenario, "killed.sqlite")
    args = ["import", str(scenario), "--db", store.url, "--rejects", str(tmp_path / "rejects.jsonl")]
    rng = random.Random(int(os.environ.get("CRIMELINK_FAULT_SEED", "0")) or None)
    probe = new_store(tmp_path, scenario, "probe.sqlite")
    full = timed(["import", str(scenario), "--db", probe.url, "--rejects", str(tmp_path / "probe-rejects.jsonl")])
    probe.close()
    held_after_kills: list[int] = []
    for _ in range(KILLS):
        status = run_killed(args, after=rng.uniform(0.5, full))
        held = incidents_held(store)  # whole incidents only, no duplicates
        differing = [(key, value, expected.get(key)) for key, value in held.items() if expected.get(key) != value]
        assert differing == [], f"{len(differing)} incidents differ from a clean import, e.g. {differing[:3]}"
        held_after_kills.append(len(held) if status is None else -len(held))
    subprocess.run([*CLI, *args], check=True, capture_output=True)
    assert incidents_held(store) == expected
    with store.engine.connect() as conn:
        runs = Counter(row[0] is None for row in conn.execute(text("SELECT finished_at FROM import_runs")))
        interrupted = sum("interrupted" in str(row[0]) for row in conn.execute(text("SELECT details FROM import_runs")))
    with capsys.disabled():
        print(f"\nimport killed {KILLS} times at random points (incidents held after each kill, "
              f"negative where it finished first: {held_after_kills}), then rerun: "
              f"{len(expected):,} incidents, 0 lost, 0 duplicated, 0 half-written; "
              f"{interrupted} killed import runs marked interrupted at the next start, "
              f"{runs[True]} left 'running' on record")  # fmt: skip
    assert runs[True] == 0, "a killed run still shows as running after the next start"
    assert sum(n >= 0 for n in held_after_kills) >= KILLS // 2, "most runs should have been killed mid-way"


RESULT_TABLES = ("offenders", "person_links", "vehicles", "vehicle_links", "offender_groups", "group_members",
                 "series", "incident_series")  # fmt: skip


def results_held(store: StoreHandle) -> tuple[dict[str, str], int | None]:
    """A digest of each result table, and the finished run the results belong to (checked:
    the results are consistent among themselves and match that run's figures)."""
    digests: dict[str, str] = {}
    with store.engine.connect() as conn:
        for table in RESULT_TABLES:
            rows = sorted(tuple(map(str, row)) for row in conn.execute(text(f"SELECT * FROM {table}")))
            digests[table] = f"{len(rows)}:" + hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        orphans = conn.execute(text(
            "SELECT count(*) FROM person_links l LEFT JOIN offenders o ON o.id = l.offender_id WHERE o.id IS NULL"
        )).scalar_one()  # fmt: skip
        assert orphans == 0, "links to offenders that are not there: half-written results"
        finished = conn.execute(text(
            "SELECT id, figures FROM analysis_runs WHERE status = 'finished' ORDER BY id DESC LIMIT 1"
        )).first()  # fmt: skip
    if finished is None:
        assert all(d.startswith("0:") for d in digests.values()), "results without a finished run"
        return digests, None
    figures = finished[1] if isinstance(finished[1], dict) else json.loads(finished[1])
    assert digests["offenders"].startswith(f"{figures['offenders']}:"), "results not those of the last finished run"
    return digests, int(finished[0])


def test_an_analysis_killed_at_random_points_leaves_the_previous_results_or_complete_new_ones(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = new_store(tmp_path, scenario, "analysed.sqlite")
    import_files(store=store, paths=[scenario])
    args = ["analyse", "--db", store.url]
    first = timed(args)  # the previous results that every kill must leave intact
    previous, run = results_held(store)
    assert run is not None
    rng = random.Random(int(os.environ.get("CRIMELINK_FAULT_SEED", "0")) or None)
    outcomes: Counter[str] = Counter()
    for _ in range(ANALYSIS_KILLS):
        status = run_killed(args, after=rng.uniform(0.5, first))
        now, now_run = results_held(store)
        if now_run == run:
            assert now == previous, "a killed analysis changed the previous results"
            outcomes["previous intact"] += 1
        else:  # it got as far as committing: the new results are complete (checked above)
            outcomes["new complete"] += 1
            previous, run = now, now_run
        outcomes["killed" if status is None else "finished first"] += 1
    subprocess.run([*CLI, *args], check=True, capture_output=True)
    final, final_run = results_held(store)
    assert final_run is not None and run is not None and final_run > run
    with store.engine.connect() as conn:
        statuses = Counter(dict(conn.execute(text("SELECT status, count(*) FROM analysis_runs GROUP BY status")).all()))
    assert statuses["running"] == 0, f"ghost runs after the next start: {dict(statuses)}"
    outcomes["marked interrupted"] = statuses["interrupted"]
    assert final == previous, "a complete rerun gives other results than before the kills"
    with capsys.disabled():
        print(f"\nanalysis killed at random points: {dict(outcomes)}; then rerun: results identical to the first "
              f"run's; nothing half-written")  # fmt: skip


def test_first_reports_for_a_new_store_submitted_at_once_all_land(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    with site(sqlite_store, tmp_path, analysed=False) as web:
        clients = [httpx.Client(base_url=web.url, auth=web.auth("northmart"), timeout=60) for _ in range(8)]
        for client in clients:
            client.get("/api/v1/me")
        codes: list[int] = []
        for round_ in range(5):
            start = threading.Barrier(len(clients))

            def submit(n: int, client: httpx.Client, round_: int = round_, start: Any = start) -> None:
                start.wait()
                body = incident("NORTHMART", f"RACE-{round_}-{n}", "2025-05-01T10:00:00Z",
                                store={"store_ref": f"NEW-{round_}"})  # fmt: skip
                try:
                    codes.append(client.post("/api/v1/incidents", json=body).status_code)
                except httpx.TransportError:
                    codes.append(599)

            workers = [threading.Thread(target=submit, args=(n, c)) for n, c in enumerate(clients)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        for client in clients:
            client.close()
    assert codes == [201] * len(codes)


def test_runs_left_running_by_a_killed_process_are_marked_interrupted_at_the_next_start(
    sqlite_store: StoreHandle, tmp_path: Path
) -> None:
    from sqlalchemy import insert, select

    from crimelink.audit.models import RunningProcess
    from crimelink.audit.runs import process_started
    from crimelink.settings import Settings
    from crimelink.store.models import AnalysisRun, ImportRun, utcnow
    from crimelink.web import create_app

    killed = subprocess.Popen(["sleep", "60"])
    alive = subprocess.Popen(["sleep", "60"])
    host = __import__("socket").gethostname()
    try:
        started = {pid: process_started(pid) for pid in (killed.pid, alive.pid)}
        with sqlite_store.engine.begin() as conn:
            for proc, kinds in ((killed, "analysis import:file"), (alive, "analysis")):
                row = {"host": host, "pid": proc.pid, "process_started": started[proc.pid], "kinds": kinds,
                       "command": "test", "started_at": utcnow()}  # fmt: skip
                conn.execute(insert(RunningProcess), row)
            ghost, live = (conn.execute(insert(AnalysisRun).returning(AnalysisRun.id), {"started_at": utcnow(),
                           "status": "running", "settings": {}}).scalar_one() for _ in range(2))  # fmt: skip
            lost = conn.execute(insert(ImportRun).returning(ImportRun.id), {"source": "a.jsonl", "channel": "file",
                                "started_at": utcnow()}).scalar_one()  # fmt: skip
        killed.kill()
        killed.wait()
        # the alive process may own both analysis runs: nothing is marked while it lives
        subprocess.run([*CLI, "db", "upgrade", "--db", sqlite_store.url], check=True, capture_output=True)
        with sqlite_store.session() as session:
            assert session.scalars(select(AnalysisRun.status).order_by(AnalysisRun.id)).all() == ["running", "running"]
            run = session.get(ImportRun, lost)
            assert run is not None and run.finished_at is not None and run.details["status"] == "interrupted"
            assert session.scalars(select(RunningProcess.pid)).all() == [alive.pid], "the dead one forgotten"
        alive.kill()
        alive.wait()
        create_app(Settings(database_url=sqlite_store.url, secret_key=SECRET, demo=False))  # a server start
        with sqlite_store.session() as session:
            runs = {r.id: r for r in session.scalars(select(AnalysisRun))}
            assert runs[ghost].status == runs[live].status == "interrupted" and runs[ghost].finished_at is not None
            assert "interrupted" in (runs[ghost].error or "")
            assert [r.command for r in session.scalars(select(RunningProcess))] == ["serve"]  # this process, serving
    finally:
        for proc in (killed, alive):
            proc.kill()
            proc.wait()
