"""Real-time match at intake against a 1,000,000-incident history: latency per incident.

``python -m bench.realtime [--incidents 1000000] [--posts 300]`` builds the history once under
``var/bench/realtime/`` (``crimelink generate``, ``org import``, ``import``, ``analyse``, each
skipped when its output is already there) and then serves the app on loopback and posts
``--posts`` incidents, one per request, through ``POST /api/v1/incidents`` as a logged-in
national analyst (a session cookie: HTTP Basic would spend ~0.1 s of Argon2 on every request).
The incidents are the scenario's own last reports under new references, so they name people
and vehicles the history knows, as real new reports do. Prints p50/p95/p99 of the whole
request (intake, match, response) and the CPU time of this process (server and client), and
saves them to ``bench-results/realtime.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn

from crimelink.access.organisations import add_organisation
from crimelink.access.users import hash_password
from crimelink.settings import Settings
from crimelink.store import open_store
from crimelink.store.models import User
from crimelink.web import create_app

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench" / "realtime"
RESULTS = ROOT / "bench-results"
FLOOR_P95_MS = 250.0


def _run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "crimelink.cli", *args], check=True)


def build_history(incidents: int) -> tuple[str, Path]:
    """The store of ``incidents`` generated reports, imported and analysed (reused when there)."""
    WORK.mkdir(parents=True, exist_ok=True)
    reports = WORK / "scenario.jsonl"
    db = WORK / "history.sqlite"
    url = f"sqlite:///{db}"
    done = WORK / "analysed"
    if not reports.exists():
        _run("generate", "--incidents", str(incidents), "--seed", "11", "--out", str(reports))
    if not done.exists():
        if not db.exists():
            _run("org", "import", str(reports) + ".truth/organisations.csv", "--db", url)
            _run("import", str(reports), "--db", url, "--rejects", str(WORK / "rejects.jsonl"))
        _run("analyse", "--db", url)
        done.touch()
    return url, reports


def _analyst(url: str) -> tuple[str, str]:
    """A national analyst to post as (created once)."""
    store = open_store(url)
    with store.session() as session:
        if session.query(User).filter_by(username="bench-analyst").first() is None:
            unit, _ = add_organisation(
                session=session, code="NATIONAL-UNIT", kind="national_unit", name="National Unit"
            )
            session.flush()
            secret = hash_password("bench-pw")
            session.add(User(username="bench-analyst", display_name="Bench analyst", role="national_analyst",
                             organisation_id=unit.id, password_hash=secret, active=True))  # fmt: skip
    return "bench-analyst", "bench-pw"


def _new_reports(reports: Path, n: int) -> list[dict[str, Any]]:
    with reports.open() as fh:
        last = deque(fh, maxlen=n)
    docs = [json.loads(line) for line in last]
    for number, doc in enumerate(docs):
        doc["incident_ref"] = f"RT-{int(time.time())}-{number}"
    return docs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()
    url, reports = build_history(args.incidents)
    username, password = _analyst(url)
    app = create_app(Settings(database_url=url, secret_key="bench-" + "x" * 40, demo=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=8765, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    docs = _new_reports(reports, args.posts)
    latencies, hits = [], 0
    with httpx.Client(base_url="http://127.0.0.1:8765", timeout=60) as client:
        client.post("/login", data={"username": username, "password": password})
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text)
        headers = {"X-CSRF-Token": token.group(1)} if token else {}
        for warm in docs[:5]:  # warm caches and connections: not timed
            client.post(
                "/api/v1/incidents", json={**warm, "incident_ref": warm["incident_ref"] + "-w"}, headers=headers
            )
        cpu0 = time.process_time()
        for doc in docs:
            start = time.perf_counter()
            response = client.post("/api/v1/incidents", json=doc, headers=headers)
            latencies.append((time.perf_counter() - start) * 1000)
            if response.status_code != 201:
                raise SystemExit(f"{response.status_code}: {response.text[:300]}")
            hits += bool(response.json()["known"])
        cpu = time.process_time() - cpu0
    server.should_exit = True
    p50, p95, p99 = (float(np.percentile(latencies, q)) for q in (50, 95, 99))
    result = {
        "history_incidents": args.incidents, "posts": len(docs), "with_known_hits": hits,
        "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1),
        "cpu_s_total": round(cpu, 2), "cpu_ms_per_incident": round(cpu * 1000 / len(docs), 1),
        "floor_p95_ms": FLOOR_P95_MS, "ok": p95 < FLOOR_P95_MS,
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "realtime.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
