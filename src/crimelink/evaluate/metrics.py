"""Clustering quality: pairwise and B-cubed precision, recall and F1.

Both are computed from the contingency table of predicted against true clusters, never from
lists of pairs: a cell of ``n`` items in predicted cluster *i* and true cluster *j* holds
``C(n, 2)`` correctly joined pairs, so a million mentions cost one group-by, not 10¹² pairs.

* **Pairwise**: precision = correctly joined pairs / pairs joined; recall = correctly joined
  pairs / true pairs. Dominated by big clusters (a cluster of 300 holds 44,850 pairs), which
  is what matters when one prolific offender's record is at stake.
* **B-cubed** (Bagga & Baldwin 1998): per item, the share of its predicted cluster that is
  truly its own (precision) and the share of its true cluster that it was put with (recall),
  averaged over items. Every mention counts once, singletons included.

Conventions for empty denominators: precision is 1.0 when nothing was joined (no wrong join
was made) and recall 1.0 when nothing should have been (nothing was missed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["Scores", "b_cubed", "contingency", "pairwise"]

Labels: TypeAlias = Sequence[object] | pd.Series | npt.NDArray[np.generic]


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of one clustering against the truth, with the counts behind them."""

    precision: float
    recall: float
    f1: float
    items: int
    predicted: float  # pairs joined (pairwise) or items (B-cubed)
    true: float  # true pairs (pairwise) or items (B-cubed)
    correct: float  # correctly joined pairs (pairwise) or summed item precision (B-cubed)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
            "f1": round(self.f1, 6),
            "items": self.items,
        }


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def contingency(predicted: Labels, true: Labels) -> pd.DataFrame:
    """Cells of the contingency table: ``predicted``, ``true``, ``n`` (items in both), plus the
    sizes of the predicted (``a``) and true (``b``) clusters each cell lies in."""
    pred = pd.Series(np.asarray(predicted, dtype=object))
    truth = pd.Series(np.asarray(true, dtype=object))
    if len(pred) != len(truth):
        raise ValueError(f"{len(pred)} predicted labels for {len(truth)} true ones")
    if pred.isna().any() or truth.isna().any():
        raise ValueError("every item needs a predicted and a true label (a singleton gets its own)")
    frame = pd.DataFrame({"predicted": pred, "true": truth})
    cells = frame.groupby(["predicted", "true"], sort=False).size().rename("n").reset_index()
    cells["a"] = cells.groupby("predicted")["n"].transform("sum")
    cells["b"] = cells.groupby("true")["n"].transform("sum")
    return cells


def _pairs(sizes: npt.NDArray[np.int64]) -> float:
    return float((sizes * (sizes - 1) // 2).sum())


def pairwise(predicted: Labels, true: Labels) -> Scores:
    """Pairwise precision, recall and F1 of ``predicted`` cluster labels against ``true`` ones."""
    cells = contingency(predicted, true)
    n = cells["n"].to_numpy(dtype=np.int64)
    correct = _pairs(n)
    joined = _pairs(cells.drop_duplicates("predicted")["a"].to_numpy(dtype=np.int64))
    truly = _pairs(cells.drop_duplicates("true")["b"].to_numpy(dtype=np.int64))
    precision = correct / joined if joined else 1.0
    recall = correct / truly if truly else 1.0
    return Scores(precision, recall, _f1(precision, recall), int(n.sum()), joined, truly, correct)


def b_cubed(predicted: Labels, true: Labels) -> Scores:
    """B-cubed precision, recall and F1 (item-averaged) of ``predicted`` against ``true``."""
    cells = contingency(predicted, true)
    n = cells["n"].to_numpy(dtype=float)
    items = float(n.sum())
    if items == 0:
        return Scores(1.0, 1.0, 1.0, 0, 0.0, 0.0, 0.0)
    precision_sum = float((n * n / cells["a"].to_numpy(dtype=float)).sum())
    recall_sum = float((n * n / cells["b"].to_numpy(dtype=float)).sum())
    precision, recall = precision_sum / items, recall_sum / items
    return Scores(precision, recall, _f1(precision, recall), int(items), items, items, precision_sum)
