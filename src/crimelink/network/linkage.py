"""Pairwise incident linkage: how likely two incidents are the work of the same offender or group.

Behavioural case linkage (Tonkin & Woodhams 2015; Bennell & Canter 2002) compares crimes two
at a time on the distance between them, the days between them and the similarity of their
modus operandi (Jaccard of MO tags); together those three reached AUC > 0.90 on commercial
burglaries and robberies. Here a logistic model adds what retail reports carry besides: time
of day, the items taken, the vehicle, a named offender and the description of the people.

Comparing all pairs is out of the question (5·10¹¹ at a million incidents), so candidate pairs
come from *blocking* rules, each a sorted-neighbourhood sweep over time:

* **entity** — incidents sharing a resolved offender or a (non-hub) vehicle: each with the
  next ``entity_chain`` such incidents in time;
* **spree** — incidents with several offenders or a vehicle, within ``spree_hours`` and
  ``spree_km`` of each other (travelling groups work in sprees of several stores a day);
* **local** — incidents at the same place (``local_cell_km`` grid) within ``local_days``
  (prolific local offenders return to favourite stores).

The model's coefficients live in ``series_model.toml`` beside this module, with where they
came from; ``fit_pair_model`` refits them from labelled pairs.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from crimelink.network.features import FloatArray, IncidentFeatures, IntArray, jaccard

__all__ = [
    "FEATURES",
    "Candidates",
    "LinkageSettings",
    "PairModel",
    "candidate_pairs",
    "fit_pair_model",
    "pair_features",
    "score_pairs",
]

FEATURES = (
    "log_km", "no_location", "log_days", "hour_gap", "mo_jaccard", "items_jaccard",
    "same_vehicle", "same_offender", "gender_clash", "age_overlap", "build_match", "same_offence",
    "both_multiple",
)  # fmt: skip
BoolArray = npt.NDArray[np.bool_]
MODEL_FILE = "series_model.toml"
_UNKNOWN_KM = 30.0  # a pair with no location is treated as this far apart (and flagged)


@dataclass(frozen=True)
class LinkageSettings:
    """Blocking windows and the acceptance threshold; stored with each analysis run."""

    entity_chain: int = 3
    spree_hours: float = 6.0
    spree_km: float = 80.0
    local_cell_km: float = 0.5
    local_days: float = 21.0
    local_neighbours: int = 12  # at a busy store, each incident meets only its nearest in time
    threshold: float = 0.5
    keep_probability: float = 0.2  # pairs less likely than this are dropped once scored
    chunk: int = 2_000_000  # pairs scored at a time (memory)
    model_file: str = MODEL_FILE


@dataclass(frozen=True)
class PairModel:
    """A logistic model: P(same offender or group) = σ(intercept + Σ coefficient × feature)."""

    intercept: float
    coefficients: dict[str, float]
    source: str = ""
    auc: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str | None = None) -> PairModel:
        """The model in ``path``, or the one shipped with crimelink."""
        if path is None or str(path) == MODEL_FILE:
            text = (resources.files(__package__) / MODEL_FILE).read_text()
        else:
            text = Path(path).read_text()
        doc = tomllib.loads(text)
        model = doc["model"]
        return cls(
            intercept=float(model["intercept"]),
            coefficients={k: float(v) for k, v in model["coefficients"].items()},
            source=str(model.get("source", "")),
            auc={k: float(v) for k, v in doc.get("auc", {}).items()},
        )

    def logit(self, features: dict[str, FloatArray]) -> FloatArray:
        n = len(next(iter(features.values()))) if features else 0
        z = np.full(n, self.intercept)
        for name, weight in self.coefficients.items():
            z += weight * features[name]
        return z

    def probability(self, features: dict[str, FloatArray]) -> FloatArray:
        return 1.0 / (1.0 + np.exp(-self.logit(features)))

    def to_toml(self) -> str:
        lines = ["[model]", f"source = {_quote(self.source)}", f"intercept = {self.intercept:.6f}", "",
                 "[model.coefficients]"]
        lines += [f"{name} = {value:.6f}" for name, value in self.coefficients.items()]
        if self.auc:
            lines += ["", "[auc]"] + [f"{name} = {value:.4f}" for name, value in self.auc.items()]
        return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sweep(
    rows: IntArray, hours: FloatArray, block: IntArray, max_hours: float,
    accept: Callable[[IntArray, IntArray], BoolArray], max_lag: int | None = None,
) -> IntArray:
    """Pairs of positions in the same block within ``max_hours``, kept where ``accept`` says.

    Sorted by (block, time), each row is compared with the next, then the one after, while
    still in its window (and at most ``max_lag`` rows on): the work is the number of
    comparisons, not the square of the block.
    """
    if rows.size < 2:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.lexsort((rows, hours[rows], block[rows]))
    p = rows[order]
    b = block[p]
    h = hours[p]
    alive = np.arange(p.size - 1, dtype=np.int64)
    found: list[IntArray] = []
    lag = 1
    while alive.size and (max_lag is None or lag <= max_lag):
        partner = alive + lag
        inside = partner < p.size
        alive, partner = alive[inside], partner[inside]
        near = (b[partner] == b[alive]) & (h[partner] - h[alive] <= max_hours)
        alive, partner = alive[near], partner[near]
        if alive.size:
            i, j = p[alive], p[partner]
            keep = accept(i, j)
            found.append(np.column_stack([np.minimum(i, j)[keep], np.maximum(i, j)[keep]]))
        lag += 1
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)


def _distance(f: IncidentFeatures, i: IntArray, j: IntArray) -> FloatArray:
    return np.asarray(np.hypot(f.x_km[i] - f.x_km[j], f.y_km[i] - f.y_km[j]), dtype=np.float64)


def _entity_codes(entities: pd.DataFrame, kind: str, chain: int, n: int) -> IntArray:
    """Pair codes (i·n + j, i < j) of each incident with the next ``chain`` incidents of the
    same offender (``kind`` "o") or vehicle ("v"), sorted and distinct."""
    rows = entities[entities["kind"] == kind]
    if rows.empty:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((rows["position"].to_numpy(), rows["entity"].to_numpy()))
    key = rows["entity"].to_numpy(dtype=np.int64)[order]
    pos = rows["position"].to_numpy(dtype=np.int64)[order]
    found = []
    for lag in range(1, chain + 1):
        same = (key[lag:] == key[:-lag]) & (pos[lag:] != pos[:-lag])
        a, b = pos[:-lag][same], pos[lag:][same]
        found.append(np.minimum(a, b) * np.int64(n) + np.maximum(a, b))
    return _distinct(np.concatenate(found))


def _distinct(codes: IntArray) -> IntArray:
    """Sorted distinct values (a sort and a diff: numpy's hashed ``unique`` is slower here)."""
    codes = np.sort(codes)
    if codes.size:
        codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])]
    return codes


@dataclass(frozen=True)
class Candidates:
    """Distinct candidate pairs (i < j, positions) and whether each shares an offender or a
    vehicle (within ``entity_chain`` of each other in its incidents)."""

    pairs: IntArray
    same_offender: BoolArray
    same_vehicle: BoolArray

    def __len__(self) -> int:
        return len(self.pairs)


def candidate_pairs(f: IncidentFeatures, *, entities: pd.DataFrame, settings: LinkageSettings) -> Candidates:
    """Candidate pairs from the entity, spree and local blocks.

    ``entities``: kind ("o" offender, "v" vehicle), entity (id), position — one row per
    incident and resolved (named) offender or (non-hub) vehicle.
    """
    n = np.int64(len(f))
    offender_codes = _entity_codes(entities, "o", settings.entity_chain, int(n))
    vehicle_codes = _entity_codes(entities, "v", settings.entity_chain, int(n))
    located = f.located
    with_vehicle = np.zeros(int(n), dtype=bool)
    with_vehicle[entities.loc[entities["kind"] == "v", "position"].to_numpy(dtype=np.int64)] = True
    travelling = np.nonzero(located & ((f.people >= 2) | with_vehicle))[0].astype(np.int64)

    def near(i: IntArray, j: IntArray) -> BoolArray:
        return _distance(f, i, j) <= settings.spree_km

    def alike(i: IntArray, j: IntArray) -> BoolArray:  # never two incidents with opposite genders only
        gi, gj = f.genders[i], f.genders[j]
        return np.asarray((gi == 0) | (gj == 0) | ((gi & gj) > 0), dtype=bool)

    spree = _sweep(travelling, f.hours, np.zeros(int(n), dtype=np.int64), settings.spree_hours, near)
    cx = np.floor(np.nan_to_num(f.x_km) / settings.local_cell_km).astype(np.int64)
    cy = np.floor(np.nan_to_num(f.y_km) / settings.local_cell_km).astype(np.int64)
    here = np.nonzero(located)[0].astype(np.int64)
    local = _sweep(here, f.hours, cx * 1_000_003 + cy, settings.local_days * 24.0, alike,
                   max_lag=settings.local_neighbours)
    codes = _distinct(np.concatenate([offender_codes, vehicle_codes, spree[:, 0] * n + spree[:, 1],
                                      local[:, 0] * n + local[:, 1]]))

    def member(sub: IntArray) -> BoolArray:
        at = np.searchsorted(sub, codes)
        return np.asarray((at < sub.size) & (sub[np.minimum(at, max(sub.size - 1, 0))] == codes), dtype=bool) \
            if sub.size else np.zeros(codes.size, dtype=bool)

    pairs = np.column_stack([codes // n, codes % n]).astype(np.int64) if codes.size else np.zeros((0, 2), np.int64)
    return Candidates(pairs, member(offender_codes), member(vehicle_codes))


def pair_features(
    f: IncidentFeatures, pairs: IntArray, *, same_offender: BoolArray, same_vehicle: BoolArray,
) -> dict[str, FloatArray]:
    """The model's features (``FEATURES``) for each pair of positions."""
    i, j = pairs[:, 0], pairs[:, 1]
    km = _distance(f, i, j)
    unknown = np.isnan(km)
    days = np.abs(f.hours[j] - f.hours[i]) / 24.0
    hour_i, hour_j = np.mod(f.hours[i], 24.0), np.mod(f.hours[j], 24.0)
    gap = np.abs(hour_i - hour_j)
    gi, gj = f.genders[i], f.genders[j]
    bi, bj = f.builds[i], f.builds[j]
    lo = np.fmax(f.age_lo[i], f.age_lo[j])
    hi = np.fmin(f.age_hi[i], f.age_hi[j])
    return {
        "log_km": np.log1p(np.where(unknown, _UNKNOWN_KM, km)),
        "no_location": unknown.astype(float),
        "log_days": np.log1p(days),
        "hour_gap": np.minimum(gap, 24.0 - gap) / 12.0,
        "mo_jaccard": jaccard(f.mo[i], f.mo[j]),
        "items_jaccard": jaccard(f.items[i], f.items[j]),
        "same_vehicle": same_vehicle.astype(float),
        "same_offender": same_offender.astype(float),
        "gender_clash": ((gi > 0) & (gj > 0) & ((gi & gj) == 0)).astype(float),
        "age_overlap": (~np.isnan(lo) & ~np.isnan(hi) & (lo <= hi)).astype(float),
        "build_match": ((bi & bj) > 0).astype(float),
        "same_offence": (f.offence[i] == f.offence[j]).astype(float),
        "both_multiple": ((f.people[i] >= 2) & (f.people[j] >= 2)).astype(float),
    }


def score_pairs(
    f: IncidentFeatures, candidates: Candidates, *, model: PairModel, keep: float = 0.0, chunk: int = 2_000_000,
    values: bool = False,
) -> tuple[IntArray, FloatArray, dict[str, FloatArray]]:
    """The pairs at ``keep`` or more, their probabilities, and (``values``) their features.

    Scored ``chunk`` pairs at a time, so that memory holds one chunk's features, not all.
    """
    kept_pairs, kept_p, kept_values = [np.zeros((0, 2), np.int64)], [np.zeros(0)], []
    for start in range(0, len(candidates), chunk):
        stop = start + chunk
        part = candidates.pairs[start:stop]
        features = pair_features(f, part, same_offender=candidates.same_offender[start:stop],
                                 same_vehicle=candidates.same_vehicle[start:stop])
        p = model.probability(features)
        mask = p >= keep
        kept_pairs.append(part[mask])
        kept_p.append(p[mask])
        if values:
            kept_values.append({k: v[mask] for k, v in features.items()})
    merged = {k: np.concatenate([np.zeros(0)] + [v[k] for v in kept_values]) for k in FEATURES} if values else {}
    return np.concatenate(kept_pairs), np.concatenate(kept_p), merged


def fit_pair_model(
    features: dict[str, FloatArray], labels: BoolArray, *, names: tuple[str, ...] = FEATURES,
    ridge: float = 1e-3, source: str = "",
) -> PairModel:
    """Logistic regression by iteratively reweighted least squares (a small ridge for stability)."""
    x = np.column_stack([np.ones(len(labels))] + [features[name] for name in names])
    y = labels.astype(float)
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        z = np.clip(x @ beta, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        w = np.maximum(p * (1 - p), 1e-9)
        hessian = (x * w[:, None]).T @ x + ridge * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, x.T @ (y - p) - ridge * beta)
        beta += step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return PairModel(
        intercept=float(beta[0]),
        coefficients={name: float(b) for name, b in zip(names, beta[1:], strict=True)},
        source=source,
    )


def auc(scores: FloatArray, labels: BoolArray) -> float:
    """Area under the ROC curve (Mann-Whitney), ties counted half."""
    positives = int(labels.sum())
    negatives = int(labels.size - positives)
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))
