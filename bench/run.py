"""``make bench``: the speed and scale figures the issues ask for, printed and saved.

Each benchmark runs crimelink's own commands as separate processes, the way a user would,
and reports wall time and peak memory. Results go to ``bench-results/`` as JSON too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.intake import bench_intake

RESULTS = Path(__file__).resolve().parents[1] / "bench-results"
console = Console()


def _table(title: str, rows: list[dict[str, float | int]]) -> Table:
    table = Table(*rows[0].keys(), title=title)
    for row in rows:
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
    return table


def main() -> None:
    work = RESULTS / "work"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"when": time.strftime("%Y-%m-%dT%H:%M:%S")}
    console.rule("intake on SQLite (floor: 10,000 incidents/s, < 500 MB, flat)")
    intake = bench_intake(work)
    console.print(_table("crimelink import", intake))
    results["intake"] = intake
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    console.print(f"saved to {RESULTS / 'latest.json'}")
    # The other benchmarks run as their own processes: separate peak memory, and one failing
    # does not stop the rest.
    failed = []
    for module, title in (
        ("bench.linkage", "linkage: FEBRL3/FEBRL4 against plain Splink and recordlinkage; generated scenarios"),
        ("bench.grid", "quality on unseen seeds: worst and mean beside the plain baseline"),
        ("bench.patterns", "scenarios of 20,000 and 1,000,000 incidents: linkage, groups, series, hotspots vs truth"),
        ("bench.load", "load: mixed reading, searching and reporting on loopback, SQLite and PostgreSQL"),
        ("bench.realtime", "real-time match at intake against a 1,000,000-incident history (floor: p95 < 250 ms)"),
        ("bench.packages", "intelligence packages on the 20,000-incident demo: PDF under 2 s, or a job with progress"),
    ):
        console.rule(title)
        if subprocess.run([sys.executable, "-m", module], check=False).returncode != 0:
            failed.append(module)
    if failed:
        console.print(f"[red]failed:[/] {', '.join(failed)}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
