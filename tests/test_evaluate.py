"""Clustering metrics on hand-made clusterings with known answers, and scoring a store's links."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select

from crimelink.evaluate import b_cubed, blocking_recall, evaluate_linkage, pairwise
from crimelink.intake import import_documents
from crimelink.store import StoreHandle
from crimelink.store.models import PersonLink, PersonMention, VehicleLink, VehicleMention
from tests.intake_data import incident, register

# Four items: a, b, c truly one entity (T1), d another (T2); predicted {a, b} and {c, d}.
PREDICTED = ["P1", "P1", "P2", "P2"]
TRUE = ["T1", "T1", "T1", "T2"]


def test_pairwise_counts_pairs_in_the_contingency_cells() -> None:
    # Joined pairs: ab, cd. True pairs: ab, ac, bc. Correct: ab.
    scores = pairwise(PREDICTED, TRUE)
    assert (scores.predicted, scores.true, scores.correct) == (2, 3, 1)
    assert scores.precision == pytest.approx(1 / 2)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx(0.4)


def test_b_cubed_averages_each_items_precision_and_recall() -> None:
    # Precision per item: 1, 1, 1/2, 1/2. Recall per item: 2/3, 2/3, 1/3, 1.
    scores = b_cubed(PREDICTED, TRUE)
    assert scores.precision == pytest.approx(0.75)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))


@pytest.mark.parametrize("metric", [pairwise, b_cubed])
def test_a_perfect_clustering_scores_one_whatever_its_labels(metric: object) -> None:
    scores = metric(["x", "x", "y", 7, 7], [1, 1, 2, 3, 3])  # type: ignore[operator]
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)


def test_all_singletons_join_nothing_wrong_and_find_nothing() -> None:
    scores = pairwise([1, 2, 3, 4], ["a", "a", "a", "b"])
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 0.0, 0.0)
    cubed = b_cubed([1, 2, 3, 4], ["a", "a", "a", "b"])
    assert cubed.precision == 1.0
    assert cubed.recall == pytest.approx((1 / 3 + 1 / 3 + 1 / 3 + 1) / 4)


def test_one_big_cluster_finds_everything_and_is_mostly_wrong() -> None:
    scores = pairwise([0] * 4, TRUE)
    assert scores.recall == 1.0
    assert scores.precision == pytest.approx(3 / 6)


def test_scores_do_not_depend_on_item_order() -> None:
    rng = np.random.default_rng(3)
    predicted = rng.integers(0, 30, 500)
    true = rng.integers(0, 40, 500)
    order = rng.permutation(500)
    for metric in (pairwise, b_cubed):
        assert metric(predicted, true) == pytest.approx(metric(predicted[order], true[order]))


def test_pairwise_agrees_with_counting_every_pair() -> None:
    rng = np.random.default_rng(5)
    predicted = rng.integers(0, 12, 80)
    true = rng.integers(0, 15, 80)
    pairs = [(i, j) for i in range(80) for j in range(i + 1, 80)]
    joined = {p for p in pairs if predicted[p[0]] == predicted[p[1]]}
    truly = {p for p in pairs if true[p[0]] == true[p[1]]}
    scores = pairwise(predicted, true)
    assert scores.precision == pytest.approx(len(joined & truly) / len(joined))
    assert scores.recall == pytest.approx(len(joined & truly) / len(truly))


def test_labels_must_cover_every_item() -> None:
    with pytest.raises(ValueError, match="predicted labels"):
        pairwise([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="singleton"):
        b_cubed([1, None], [1, 2])


def test_blocking_recall_counts_direct_and_transitive_reach() -> None:
    truth = pd.Series(["A", "A", "A", "B", "B"], index=[1, 2, 3, 4, 5])
    blocked = pd.DataFrame({"mention_id_l": [1, 2, 1], "mention_id_r": [2, 3, 4]})
    recall = blocking_recall(blocked, truth)
    # True pairs: 12, 13, 23, 45. Blocked true: 12, 23. Through them 1-2-3 connect (3 pairs).
    assert recall.direct == pytest.approx(2 / 4)
    assert recall.transitive == pytest.approx(3 / 4)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def test_evaluate_linkage_joins_the_stores_links_to_the_truth_files(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    register(sqlite_store, "NORTHMART")
    persons = {
        "R1": [{"person_ref": "P1", "name": "John Smith"}, {"person_ref": "P2", "description": "tall"}],
        "R2": [{"person_ref": "P1", "name": "SMITH, John"}],
        "R3": [{"person_ref": "P1", "name": "Jane Doe"}],
    }
    vehicles = {"R1": [{"vrm": "AB12CDE"}, {"vrm": "XY12ZZZ"}], "R2": [{"vrm": "ab12 cde"}]}
    docs = [incident(ref, persons=people, vehicles=vehicles.get(ref, [])) for ref, people in persons.items()]
    import_documents(store=sqlite_store, documents=docs)
    with sqlite_store.session() as session:
        mentions = sorted(i for (i,) in session.execute(select(PersonMention.id)))
        # In mention order (R1/P1, R1/P2, R2/P1, R3/P1): John Smith's two mentions apart (a
        # missed link), Jane Doe with the described man (a wrong one).
        offenders = dict(zip(mentions, [1, 2, 3, 2], strict=True))
        session.execute(insert(PersonLink), [{"mention_id": m, "offender_id": o} for m, o in offenders.items()])
        plates = sorted(v for (v,) in session.execute(select(VehicleMention.id)))
        links = [{"mention_id": m, "vehicle_id": v} for m, v in zip(plates, [1, 2, 1], strict=True)]
        session.execute(insert(VehicleLink), links)
    _write(tmp_path / "person_mentions.csv", ["submitter", "incident_ref", "person_ref", "person_id", "group_id"], [
        ["NORTHMART", "R1", "P1", "JS", ""], ["NORTHMART", "R1", "P2", "X", ""],
        ["NORTHMART", "R2", "P1", "JS", ""], ["NORTHMART", "R3", "P1", "JD", ""],
    ])  # fmt: skip
    _write(tmp_path / "vehicle_mentions.csv", ["submitter", "incident_ref", "vrm", "vehicle_id", "true_vrm"], [
        ["NORTHMART", "R1", "AB12CDE", "V1", "AB12CDE"], ["NORTHMART", "R1", "XY12ZZZ", "V2", "XY12ZZZ"],
        ["NORTHMART", "R2", "ab12 cde", "V1", "AB12CDE"],
    ])  # fmt: skip
    scores = evaluate_linkage(store=sqlite_store, truth_dir=tmp_path)
    # Named mentions (John, John, Jane) were all kept apart.
    named = scores.persons_named.pairwise
    assert (named.precision, named.recall) == (1.0, 0.0)
    # All mentions: the wrong pair (described man, Jane) is the only pair joined.
    everyone = scores.persons_all.pairwise
    assert (everyone.predicted, everyone.true, everyone.correct) == (1, 1, 0)
    vehicles_scores = scores.vehicles.pairwise
    assert (vehicles_scores.precision, vehicles_scores.recall) == (1.0, 1.0)
    assert scores.unmatched["person_mentions_without_truth"] == 0
