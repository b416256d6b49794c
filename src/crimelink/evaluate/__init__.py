"""Evaluation: how good is a clustering of mentions, against truth or a benchmark.

``metrics`` scores any clustering (pairwise and B-cubed precision, recall, F1, computed from
contingency counts); ``linkage`` scores the store's latest person and vehicle links against
the ground truth that ``crimelink generate`` writes, and measures blocking recall.
"""

from crimelink.evaluate.linkage import (
    BlockingRecall,
    LinkageScores,
    ScorePair,
    blocking_recall,
    evaluate_linkage,
    score_clusters,
)
from crimelink.evaluate.metrics import Scores, b_cubed, contingency, pairwise

__all__ = [
    "BlockingRecall",
    "LinkageScores",
    "ScorePair",
    "Scores",
    "b_cubed",
    "blocking_recall",
    "contingency",
    "evaluate_linkage",
    "pairwise",
    "score_clusters",
]
