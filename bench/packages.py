"""Intelligence packages on the 20,000-incident demo: how long the PDF and the HTML take.

``python -m bench.packages [--work DIR] [--repeat N]`` builds the demo's store as ``make demo``
does (``generate --incidents 20000 --seed 7``, ``org import``, ``import``, ``analyse``,
``casework seed --seed 7``; kept in ``bench-results/work/packages-20000`` between runs: delete it
to redo), serves it with uvicorn in its own process on loopback, and, as the national unit's
analyst, fetches two referrals' packages: referral 1 (the one the issue timed) and the demo's
largest (the referral whose package lists most incidents), after one other PDF (the server's first
loads WeasyPrint and its fonts, about a second that a running server has paid already). For each:

- ``html_s``: the HTML package, the median of N requests;
- ``pdf_first_answer_s``: a browser's first download of the PDF: what comes back first (the PDF, or
  the page that shows its progress while it is produced), and its status;
- ``pdf_ready_s``: when that first download's PDF is in hand (asked again with ``Prefer: wait=120``
  after a progress page);
- ``pdf_again_s``: the next download of the same package, the median of N.

Wall seconds over HTTP are what the user waits, but on a shared machine they measure its load
as much as the code; so the PDF's own cost is also timed in this process, as CPU seconds:
``build_cpu_s`` (gathering the package) and ``render_cpu_s`` (WeasyPrint, the median of N).
Results go to ``bench-results/packages.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import served
from bench.measure import crimelink, run_measured

INCIDENTS = 20_000
SEED = 7
USERNAME, PASSWORD = "bench-package-analyst", "bench-package-password"
RESULTS = Path(__file__).resolve().parents[1] / "bench-results"


def prepare(work: Path) -> str:
    """The demo's store, built once as ``make demo`` builds it; its URL."""
    work.mkdir(parents=True, exist_ok=True)
    scenario, db, ready = work / "scenario.jsonl", work / "crimelink.sqlite", work / "ready"
    url = f"sqlite:///{db}"
    if not ready.exists():
        db.unlink(missing_ok=True)
        steps: list[tuple[str, ...]] = [
            ("generate", "--incidents", str(INCIDENTS), "--seed", str(SEED), "--out", str(scenario)),
            ("org", "import", f"{scenario}.truth/organisations.csv", "--db", url),
            ("import", str(scenario), "--db", url, "--rejects", str(work / "rejects.jsonl")),
            ("analyse", "--db", url),
            ("casework", "seed", "--seed", str(SEED), "--db", url),
        ]
        for step in steps:
            done = run_measured(crimelink(*step))
            assert done.returncode == 0, done.output
        _add_analyst(url)
        ready.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    return url


def _add_analyst(url: str) -> None:
    from crimelink.access.organisations import add_organisation
    from crimelink.access.users import create_user
    from crimelink.domain.organisations import Role
    from crimelink.store import open_store

    store = open_store(url)
    try:
        with store.session() as session:
            add_organisation(session=session, code="NATIONAL-UNIT", kind="national_unit", name="National Unit")
            create_user(session=session, username=USERNAME, password=PASSWORD, role=Role.NATIONAL_ANALYST,
                        organisation_code="NATIONAL-UNIT", display_name="Bench analyst")  # fmt: skip
    finally:
        store.close()


def package_sizes(url: str) -> dict[int, int]:
    """Each disseminated referral's package: how many incidents it lists (as the analyst sees it)."""
    from sqlalchemy import select

    from crimelink.access.policy import viewer_for_user
    from crimelink.access.users import user_by_username
    from crimelink.casework.models import Referral
    from crimelink.errors import InvalidValue
    from crimelink.reports.package import build_package
    from crimelink.store import open_store

    store = open_store(url)
    try:
        with store.session() as session:
            user = user_by_username(session=session, username=USERNAME)
            assert user is not None
            viewer = viewer_for_user(session=session, user_id=user.id)
            assert viewer is not None
            sizes = {}
            for referral_id in session.scalars(select(Referral.id)):
                try:
                    package = build_package(session=session, actor=viewer, referral_id=referral_id).package
                except InvalidValue:  # not disseminated: no force to go to yet
                    continue
                sizes[referral_id] = package.incidents_total
    finally:
        store.close()
    return sizes


def _timed(client: httpx.Client, path: str, **headers: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    answer = client.get(path, headers=headers)
    return time.perf_counter() - started, answer


def warm_up(base: str, referral_id: int) -> None:
    """The server's first PDF loads WeasyPrint and its fonts (about a second): not counted."""
    with httpx.Client(base_url=base, auth=(USERNAME, PASSWORD), timeout=300) as client:
        answer = client.get(f"/referrals/{referral_id}/package.pdf", headers={"Prefer": "wait=120"})
        assert answer.status_code == 200, answer.text[:300]


def over_http(base: str, referral_id: int, repeat: int) -> dict[str, Any]:
    """What a user waits for, over loopback HTTP, for one referral's package."""
    with httpx.Client(base_url=base, auth=(USERNAME, PASSWORD), timeout=300) as client:
        client.get("/api/v1/me")  # the password is checked once, then remembered
        page = f"/referrals/{referral_id}/package"
        html = [_timed(client, page) for _ in range(repeat)]
        assert all(a.status_code == 200 for _, a in html), html[0][1].text[:300]
        started = time.perf_counter()
        first_s, first = _timed(client, page + ".pdf")
        answer = first
        if first.status_code == 202:  # produced as a job: wait for it as a script would
            answer = client.get(page + ".pdf", headers={"Prefer": "wait=120"})
        ready_s = time.perf_counter() - started
        assert answer.status_code == 200 and answer.content.startswith(b"%PDF"), answer.text[:300]
        again = [_timed(client, page + ".pdf") for _ in range(repeat)]
        assert all(a.status_code == 200 for _, a in again)
    return {
        "html_s": round(statistics.median(s for s, _ in html), 3),
        "pdf_first_answer_s": round(first_s, 3),
        "pdf_first_status": first.status_code,
        "pdf_ready_s": round(ready_s, 3),
        "pdf_again_s": round(statistics.median(s for s, _ in again), 3),
        "pdf_kb": len(answer.content) // 1024,
    }


def in_process(url: str, referral_id: int, repeat: int) -> dict[str, Any]:
    """The package's own cost in CPU seconds: gathering it, and WeasyPrint's rendering of it."""
    from crimelink.access.policy import viewer_for_user
    from crimelink.access.users import user_by_username
    from crimelink.reports.package import build_package
    from crimelink.store import open_store
    from crimelink.web.services.packages import package_pdf_bytes

    store = open_store(url)
    try:
        with store.session() as session:
            user = user_by_username(session=session, username=USERNAME)
            assert user is not None
            viewer = viewer_for_user(session=session, user_id=user.id)
            assert viewer is not None
            started = time.process_time()
            document = build_package(session=session, actor=viewer, referral_id=referral_id)
            build = time.process_time() - started
        package_pdf_bytes(document)  # the process's first PDF loads fonts: not counted
        renders = []
        for _ in range(repeat):
            started = time.process_time()
            pdf = package_pdf_bytes(document)
            renders.append(time.process_time() - started)
    finally:
        store.close()
    return {
        "incidents": document.package.incidents_total,
        "timeline": len(document.package.timeline),
        "build_cpu_s": round(build, 3),
        "render_cpu_s": round(statistics.median(renders), 3),
        "pdf_kb": len(pdf) // 1024,
    }


def bench_packages(work: Path, repeat: int = 3) -> list[dict[str, Any]]:
    url = prepare(work)
    sizes = package_sizes(url)
    referrals = sorted({1, max(sizes, key=lambda r: (sizes[r], -r))})
    rows = [{"referral": r, **in_process(url, r, repeat)} for r in referrals]
    with served(url) as base:
        warm_up(base, min((r for r in sizes if r not in referrals), key=lambda r: (sizes[r], r)))
        for row in rows:
            row.update(over_http(base, row["referral"], repeat))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.packages", description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=RESULTS / "work" / f"packages-{INCIDENTS}")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = bench_packages(args.work, args.repeat)
    columns = ("referral", "incidents", "html_s", "pdf_first_answer_s", "pdf_first_status", "pdf_ready_s",
               "pdf_again_s", "build_cpu_s", "render_cpu_s", "pdf_kb")  # fmt: skip
    print(" ".join(f"{c:>18}" for c in columns))
    for row in rows:
        print(" ".join(f"{row[c]!s:>18}" for c in columns))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "packages.json").write_text(
        json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
