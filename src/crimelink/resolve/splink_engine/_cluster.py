"""Clusters from scored pairs: connected components at a threshold, guarded against chaining.

Connected components join anything reachable through edges above the threshold, so one wrong
edge between two prolific offenders makes one record of two people, and every pair of their
mentions a false link. The guard: a component whose mentions disagree on hard facts (two PNC
ids, two known genders, dates of birth that no reporting slip explains) is rebuilt edge by
edge, strongest first (single linkage with the model's own evidence at cluster level). Before
an edge joins two clusters, the clusters' facts are compared as the model compares two
mentions': where their dates of birth (the one most of each cluster's mentions give), PNC ids
or genders contradict, the weight the model gives such a disagreement is added to the edge's
weight (unless the edge's own comparison already counted it), and the join happens only if
the edge still clears the threshold. A near-certain edge (same name, address and postcode)
survives a contradiction; a name-only edge between two people who each have a consistent,
different date of birth does not. Components without contradictions, almost all of them, are
exactly the connected components.

A date of birth contradicts another unless they are equal or one slip apart (day and month
swapped, a year out, one digit, within a month), the tolerances the model itself grants.

Middle names count too ("David James Barnes" and "David Lawrence Barnes" are two people, though
reports of plain "David Barnes" chain them): the model does not compare them, so a disagreement
(both give middle names, none in common) weighs ``MIDDLE_NAME_DIFFERS``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["MIDDLE_NAME_DIFFERS", "Clustering", "cluster_edges", "compatible_dobs", "disagreement_weights"]

IntArray = npt.NDArray[np.int64]
# log2(m/u) of "both give middle names, and none in common": a whole middle name misreported
# in about one of 200 pairs of one person's reports, against nearly all pairs of two people's
# (as rare as the model's own "dates of birth differ": 0.005 against 0.997).
MIDDLE_NAME_DIFFERS = math.log2(0.005 / 0.98)
# A mention with no date of birth or PNC id is ambiguous between two people kept apart when its
# link to the other is within this many bits (a factor of 4 in odds) of its best link to its own.
_AMBIGUITY_MARGIN = 2.0


def compatible_dobs(a: date, b: date) -> bool:
    """Whether two dates of birth can be one person's, allowing the usual reporting slips."""
    if a == b or abs((a - b).days) <= 31:
        return True
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return True
    if a.month == b.month and a.day == b.day and abs(a.year - b.year) == 1:
        return True
    left, right = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    return sum(x != y for x, y in zip(left, right, strict=True)) <= 1


@dataclass
class _Facts:
    """What a growing cluster says about its person."""

    dobs: Counter[date] = field(default_factory=Counter)
    pncs: set[str] = field(default_factory=set)
    genders: Counter[str] = field(default_factory=Counter)
    middles: set[str] = field(default_factory=set)

    def dob(self) -> date | None:
        return self.dobs.most_common(1)[0][0] if self.dobs else None

    def gender(self) -> str | None:
        return self.genders.most_common(1)[0][0] if self.genders else None

    def conflicts(self, other: _Facts) -> list[str]:
        """The facts on which the two clusters contradict each other."""
        found = []
        if self.pncs and other.pncs and not self.pncs & other.pncs:
            found.append("pnc_id")
        mine, theirs = self.gender(), other.gender()
        if mine and theirs and mine != theirs:
            found.append("gender")
        dob, other_dob = self.dob(), other.dob()
        if dob is not None and other_dob is not None and not compatible_dobs(dob, other_dob):
            found.append("dob")
        if self.middles and other.middles and not self.middles & other.middles:
            found.append("middle_name")
        return found

    def absorb(self, other: _Facts) -> None:
        self.dobs.update(other.dobs)
        self.pncs |= other.pncs
        self.genders.update(other.genders)
        self.middles |= other.middles


def disagreement_weights(model: dict[str, Any]) -> dict[str, float]:
    """The model's weight for "differs" (its else level) on dob, pnc_id and gender.

    A comparison the model lacks (no PNC ids in the data) weighs nothing; a disagreement the
    model would call evidence *for* a match is never used as evidence against.
    """
    weights = {"dob": 0.0, "pnc_id": 0.0, "gender": 0.0, "middle_name": MIDDLE_NAME_DIFFERS}
    for comparison in model.get("comparisons", []):
        name = comparison["output_column_name"]
        if name in weights:
            last = comparison["comparison_levels"][-1]
            m, u = last.get("m_probability"), last.get("u_probability")
            if m and u:
                weights[name] = min(0.0, math.log2(float(m) / float(u)))
    return weights


def _facts(row: tuple[object, object, object, object]) -> _Facts:
    dob, pnc, gender, middles = row
    facts = _Facts()
    if isinstance(middles, tuple | list) and middles:
        facts.middles = {str(m) for m in middles}
    if isinstance(dob, date):
        facts.dobs[dob] = 1
    if isinstance(pnc, str):
        facts.pncs.add(pnc)
    if isinstance(gender, str):
        facts.genders[gender] = 1
    return facts


def _conflicted(members: pd.DataFrame) -> bool:
    """Whether a component holds two PNC ids, two genders or contradictory dates of birth."""
    if members["pnc_id"].nunique() > 1 or members["gender"].nunique() > 1:
        return True
    middles = {m for found in members["middles"] if isinstance(found, tuple | list) for m in found}
    if len(middles) > 1:
        return True
    dobs = [d for d in members["dob_date"].dropna().unique() if isinstance(d, date)]
    if len(dobs) < 2:
        return False
    ordered = sorted(dobs)
    return (ordered[-1] - ordered[0]).days > 31 and not all(
        compatible_dobs(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]
    )


def _rebuild(members: pd.DataFrame, edges: pd.DataFrame, penalties: dict[str, float], needed: float) -> dict[int, int]:
    """Single linkage within one conflicted component, with cluster-level contradictions
    weighed in (``penalties``: comparison → weight of "differs"; ``needed``: threshold weight).

    A mention with no date of birth or PNC id of its own, linked about as strongly to a person
    it could not join as to the one it joined, is ambiguous ("John Smith", undated, between two
    John Smiths born years apart): it could be either, so it is left alone, and the component
    is rebuilt without it, so that nothing hangs on it either.
    """
    own = {
        int(n): _facts(row)
        for n, row in zip(members["node"],
                          members[["dob_date", "pnc_id", "gender", "middles"]].itertuples(index=False, name=None),
                          strict=True)
    }  # fmt: skip
    ordered = edges.sort_values("match_weight", ascending=False)
    roots = _single_linkage(own, ordered, penalties, needed, set())
    bare = {n for n, f in own.items() if not f.dobs and not f.pncs}
    strong = ordered[ordered["match_weight"] >= needed]
    best_own: dict[int, float] = {}
    best_other: dict[int, float] = {}
    for left, right, weight in strong[["node_l", "node_r", "match_weight"]].itertuples(index=False, name=None):
        same = roots[int(left)] == roots[int(right)]
        for node in (int(left), int(right)):
            if node in bare:
                best = best_own if same else best_other
                best[node] = max(best.get(node, -math.inf), float(weight))
    # Ambiguous: the link to the other person is about as strong as the best link it has to its own.
    ambiguous = {n for n, w in best_other.items() if w >= best_own.get(n, -math.inf) - _AMBIGUITY_MARGIN}
    return _single_linkage(own, ordered, penalties, needed, ambiguous) if ambiguous else roots


def _single_linkage(
    own: dict[int, _Facts], ordered: pd.DataFrame, penalties: dict[str, float], needed: float, alone: set[int]
) -> dict[int, int]:
    """Join along ``ordered`` edges, strongest first, unless contradictions sink the edge;
    the ``alone`` nodes join nothing."""
    parent = {node: node for node in own}
    facts = {node: _Facts(Counter(f.dobs), set(f.pncs), Counter(f.genders), set(f.middles)) for node, f in own.items()}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    counted = {f: ordered[f"gamma_{f}"].to_numpy() == 0 if f"gamma_{f}" in ordered else None for f in penalties}
    for i, (left, right, weight) in enumerate(
        ordered[["node_l", "node_r", "match_weight"]].itertuples(index=False, name=None)
    ):
        if int(left) in alone or int(right) in alone:
            continue
        a, b = find(int(left)), find(int(right))
        if a == b:
            continue
        adjusted = float(weight)
        for fact in facts[a].conflicts(facts[b]):
            already = counted[fact]
            if already is None or not already[i]:
                adjusted += penalties[fact]
        if adjusted < needed:
            continue
        if sum(facts[a].dobs.values()) < sum(facts[b].dobs.values()):
            a, b = b, a
        parent[b] = a
        facts[a].absorb(facts.pop(b))
    return {node: find(node) for node in parent}


@dataclass(frozen=True)
class Clustering:
    """``labels``: cluster label per node; ``split``: components rebuilt because of conflicts."""

    labels: IntArray
    split: int


def cluster_edges(
    nodes: pd.DataFrame, edges: pd.DataFrame, threshold: float, penalties: dict[str, float]
) -> Clustering:
    """Cluster ``nodes`` (node, dob_date, pnc_id, gender) by ``edges`` (node_l, node_r,
    match_weight, match_probability, gamma_dob/gamma_pnc_id/gamma_gender where compared) at
    ``threshold``, guarded as the module describes; ``penalties``: the model's weight for a
    disagreement on each of dob, pnc_id and gender."""
    n = len(nodes)
    kept = edges[edges["match_probability"] >= threshold]
    graph = sp.coo_matrix((np.ones(len(kept)), (kept["node_l"].to_numpy(), kept["node_r"].to_numpy())), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)
    frame = nodes.assign(component=labels)
    sizes = np.bincount(labels)
    split = 0
    needed = math.log2(threshold / (1 - threshold))
    next_label = int(labels.max()) + 1 if n else 0
    kept = kept.assign(component=labels[kept["node_l"].to_numpy()])
    by_component = dict(tuple(kept.groupby("component", sort=False)))
    for component, members in frame[sizes[labels] > 1].groupby("component", sort=False):
        if not _conflicted(members):
            continue
        split += 1
        roots = _rebuild(members, by_component[component], penalties, needed)
        relabel: dict[int, int] = {}
        for node, root in roots.items():
            if root not in relabel:
                relabel[root] = next_label
                next_label += 1
            labels[node] = relabel[root]
    return Clustering(labels=labels, split=split)
