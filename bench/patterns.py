"""Generated scenarios at scale and against their truth: person and vehicle linkage, groups,
series, cross-force routes and hotspots, all from one ``crimelink analyse`` per size.

``python -m bench.patterns [--sizes 20000 1000000] [--work DIR]`` generates a national scenario
of each size (seed 7), registers its organisations, imports it into SQLite, then analyses it in
a child process that times every stage (wall and CPU seconds) and reports its peak memory, and
finally scores the stored groups, series and priorities against the scenario's truth beside the
plain baseline: connected components of the co-offending graph.

Linkage (issue 3): the stored links are scored by ``crimelink.evaluate.linkage`` (pairwise and
B-cubed, named mentions and all mentions, vehicles); the "resolving persons" stage is timed, with
the process's peak memory when it ended (floor at 1,000,000 incidents: 10 minutes and 6 GB).

The patterns brief's figures: on 20,000 incidents group ARI ≥ 0.90 and series pairwise F1 ≥ 0.85, both
ahead of the baseline; groups + series + cross-force + hotspots (the stages from "linking
incidents" to "finding hotspots") on 1,000,000 incidents in under 5 minutes and 6 GB.
Results go to ``bench-results/patterns.json``. The CPU seconds are what the work cost however
busy the (shared) machine was.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.measure import crimelink, run_measured

SIZES = (20_000, 1_000_000)
SEED = 7
PATTERN_STAGES = (
    "linking incidents", "detecting groups", "detecting series", "ranking key players", "tracing routes",
    "finding hotspots",
)  # fmt: skip
RESULTS = Path(__file__).resolve().parents[1] / "bench-results"


def _analyse_here(url: str) -> dict[str, Any]:
    """Run the analysis in this process; return each stage's wall and CPU seconds."""
    from crimelink.pipeline import run_analysis
    from crimelink.store import open_store

    marks: list[tuple[str, float, float]] = []

    def progress(stage: str) -> None:
        marks.append((stage, time.perf_counter(), time.process_time()))

    result = run_analysis(store=open_store(url), progress=progress)
    marks.append(("done", time.perf_counter(), time.process_time()))
    stages = {a[0]: {"seconds": round(b[1] - a[1], 2), "cpu_seconds": round(b[2] - a[2], 2)}
              for a, b in itertools.pairwise(marks)}
    patterns = [stages[s] for s in PATTERN_STAGES if s in stages]
    return {
        "stages": stages,
        "patterns_seconds": round(sum(s["seconds"] for s in patterns), 2),
        "patterns_cpu_seconds": round(sum(s["cpu_seconds"] for s in patterns), 2),
        "figures": result.figures,
        "peak_mb_in_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _prepare(work: Path, incidents: int) -> tuple[str, Path]:
    """The scenario, imported into a fresh SQLite store (kept between runs: delete to redo)."""
    scenario = work / f"patterns-{incidents}.jsonl"
    truth = work / f"patterns-{incidents}.jsonl.truth"
    db = work / f"patterns-{incidents}.sqlite"
    url = f"sqlite:///{db}"
    if not scenario.exists():
        made = run_measured(crimelink("generate", "--incidents", str(incidents), "--seed", str(SEED),
                                      "--out", str(scenario)))
        assert made.returncode == 0, made.output
    if not db.exists():
        for step in (("org", "import", str(truth / "organisations.csv")), ("import", str(scenario))):
            done = run_measured(crimelink(*step, "--db", url))
            assert done.returncode == 0, done.output
    return url, truth


def bench_patterns(work: Path, sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    """One row per size: stage timings, peak memory, and the scores beside the baseline."""
    from crimelink.evaluate.linkage import evaluate_linkage
    from crimelink.evaluate.patterns import evaluate_patterns
    from crimelink.store import open_store

    rows = []
    for incidents in sizes:
        url, truth = _prepare(work, incidents)
        measured = run_measured([sys.executable, "-m", "bench.patterns", "--analyse", url])
        assert measured.returncode == 0, measured.output
        timing = json.loads(measured.output.strip().splitlines()[-1])
        started = time.perf_counter()
        store = open_store(url)
        try:
            scores = evaluate_patterns(store=store, truth=truth)
            linkage = evaluate_linkage(store=store, truth_dir=truth).as_dict()
        finally:
            store.close()
        rows.append({
            "incidents": incidents,
            "analysis_seconds": round(measured.seconds, 1),
            "analysis_cpu_seconds": round(measured.cpu_seconds, 1),
            "analysis_peak_mb": round(measured.peak_mb),
            "patterns_seconds": timing["patterns_seconds"],
            "patterns_cpu_seconds": timing["patterns_cpu_seconds"],
            "stages": timing["stages"],
            "figures": timing["figures"],
            "scores": scores,
            "linkage": linkage,
            "persons_stage": {
                **timing["stages"].get("resolving persons", {}),
                "peak_mb_after": timing["figures"].get("peak MB after: resolving persons"),
            },
            "evaluation_seconds": round(time.perf_counter() - started, 1),
        })
    return rows


def _summary(row: dict[str, Any]) -> str:
    g, s = row["scores"]["groups"], row["scores"]["series"]
    named, every, cars = (row["linkage"][k] for k in ("persons_named", "persons_all", "vehicles"))
    persons = row["persons_stage"]
    return (
        f"{row['incidents']:>9,} incidents | patterns {row['patterns_seconds']:.0f} s "
        f"({row['patterns_cpu_seconds']:.0f} s CPU) | analysis {row['analysis_seconds']:.0f} s, "
        f"peak {row['analysis_peak_mb']:,} MB\n"
        f"  linkage: persons stage {persons.get('seconds', 0):.0f} s ({persons.get('cpu_seconds', 0):.0f} s CPU), "
        f"peak {persons.get('peak_mb_after') or 0:,} MB by its end\n"
        f"  persons named pairwise P {named['pairwise']['precision']:.3f} R {named['pairwise']['recall']:.3f} "
        f"F1 {named['pairwise']['f1']:.3f} | B-cubed F1 {named['b_cubed']['f1']:.3f}"
        f"  | all mentions B-cubed F1 {every['b_cubed']['f1']:.3f} (pairwise {every['pairwise']['f1']:.3f})"
        f"  | vehicles pairwise F1 {cars['pairwise']['f1']:.3f} B-cubed F1 {cars['b_cubed']['f1']:.3f}\n"
        f"  groups ARI {g['detected']['ari']:.3f} NMI {g['detected']['nmi']:.3f} "
        f"recovered {g['detected']['recovered']}/{g['detected']['true_groups']}"
        f"  | baseline ARI {g['baseline']['ari']:.3f} recovered {g['baseline']['recovered']}\n"
        f"  series P {s['detected']['precision']:.3f} R {s['detected']['recall']:.3f} F1 {s['detected']['f1']:.3f}"
        f"  | baseline F1 {s['baseline']['f1']:.3f}\n"
        f"  linkage AUC (distance+days+MO) {row['scores']['linkage_auc']['distance_days_mo']:.3f}"
        f"  | top-20 prolific: {row['scores']['priority']['in_top_100']} in the top 100, "
        f"median rank {row['scores']['priority']['median_rank']}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--work", type=Path, default=RESULTS / "work")
    parser.add_argument("--analyse", help=argparse.SUPPRESS)  # child mode: analyse this store URL
    args = parser.parse_args(argv)
    if args.analyse:
        print(json.dumps(_analyse_here(args.analyse)))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    rows = bench_patterns(args.work, tuple(args.sizes))
    for row in rows:
        print(_summary(row))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "patterns.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "rows": rows},
                                                      indent=2, default=str))


if __name__ == "__main__":
    main()
