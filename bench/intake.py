"""Intake speed and memory on SQLite: incidents per second and peak memory as the file grows.

Floor (foundation issue): 10,000 incidents/s and under 500 MB, flat as the file grows.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from bench.measure import crimelink, run_measured

SIZES = (50_000, 100_000, 200_000)


def _scenario(work: Path, incidents: int) -> Path:
    out = work / f"scenario-{incidents}.jsonl"
    if not out.exists():
        result = run_measured(crimelink("generate", "--incidents", str(incidents), "--seed", "11", "--out", str(out)))
        assert result.returncode == 0, result.output
    return out


def _prefix(source: Path, target: Path, lines: int) -> Path:
    if not target.exists():
        with source.open("rb") as src, target.open("wb") as dst:
            dst.writelines(itertools.islice(src, lines))
    return target


def bench_intake(work: Path) -> list[dict[str, float | int]]:
    full = _scenario(work, max(SIZES))
    rows = []
    for size in SIZES:
        path = _prefix(full, work / f"first-{size}.jsonl", size)
        db = work / f"intake-{size}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
        organisations = full.parent / (full.name + ".truth") / "organisations.csv"
        assert run_measured(crimelink("org", "import", str(organisations), "--db", url)).returncode == 0
        measured = run_measured(crimelink("import", str(path), "--db", url, "--rejects", str(work / "rejects.jsonl")))
        assert measured.returncode == 0, measured.output
        rows.append(
            {
                "incidents": size,
                "seconds": round(measured.seconds, 2),
                "cpu_seconds": round(measured.cpu_seconds, 2),
                "incidents_per_s": round(size / measured.seconds),
                "incidents_per_cpu_s": round(size / measured.cpu_seconds),
                "peak_mb": round(measured.peak_mb),
            }
        )
    return rows
