"""Analysts' decisions about who is who, applied on top of the model's clusters.

The model suggests; an analyst decides. Four things an analyst does, all stated in mentions
(offender ids are renumbered by every run, mention ids are not):

- **confirm** a suggested link: the two mentions are the same person — keep them together;
- **reject** a link: this mention is not that offender — keep it apart from the others;
- **split** mentions off an offender: they are one person, and not the rest;
- **merge** two offenders: all their mentions are one person.

Each reduces to "together" (must-link) and "apart" (cannot-link) constraints. Applying them:
every cluster touched by a decision is rebuilt from the model's own links inside it, strongest
first, with the must-links added before any of them, and any union that would put two
mentions an analyst kept apart into one offender refused. So a rejected mention leaves its
offender, and the mentions that were only linked through it leave with it; the model's other
judgements stand. Where an analyst's "together" and "apart" collide, "apart" wins (the
service retires the older of two contradicting decisions, so a collision here means a stale
pair of decisions, and a false merge is the costlier error).

One "apart" needs no analyst: the persons named in one report are different people (a shop
reporting three thieves reports three people). A cluster that holds two mentions of one
incident, joined through others, is rebuilt the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ACTIONS", "AnalystDecision", "DecidedClusters", "apply_decisions"]

ACTIONS = ("confirm", "reject", "split", "merge")


@dataclass(frozen=True)
class AnalystDecision:
    """One recorded decision: what was done to which mentions, by whom and why."""

    decision_id: int
    action: str
    side_a: tuple[int, ...]
    side_b: tuple[int, ...]
    note: str  # "confirmed by A. Analyst (National ORC unit) on 2026-11-28: same tattoo"

    def together(self) -> list[tuple[int, int]]:
        """Must-link pairs, as a star over the mentions kept together."""
        if self.action in ("confirm", "merge"):
            members = [*self.side_a, *self.side_b]
        elif self.action == "split":
            members = list(self.side_a)
        else:
            return []
        return [(members[0], other) for other in members[1:]]

    def apart(self) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """The two sides no offender may span."""
        return (self.side_a, self.side_b) if self.action in ("reject", "split") else None


@dataclass(frozen=True)
class DecidedClusters:
    """``labels``: the cluster of each mention after the decisions (same index as given).
    ``confirmed``: mention id → the note of the decision that put it where it is."""

    labels: pd.Series
    confirmed: dict[int, str]


def apply_decisions(
    labels: pd.Series, links: pd.DataFrame, decisions: Sequence[AnalystDecision],
    *, incident_of: pd.Series | None = None,
) -> DecidedClusters:  # fmt: skip
    """Rebuild the clusters that decisions touch, and those holding two persons of one report.

    Args:
        labels: cluster label per mention id (index: mention id).
        links: the model's links, ``mention_id_l``, ``mention_id_r``, ``match_probability``;
            only those inside one cluster are used, so the model's own refusals stand.
        decisions: the active decisions, oldest first.
        incident_of: the incident of each mention (index: mention id), to keep the persons of
            one report apart; ``None`` to skip that rule.
    """
    known = [d for d in decisions if all(m in labels.index for m in (*d.side_a, *d.side_b))]
    touched_mentions = {m for d in known for m in (*d.side_a, *d.side_b)}
    touched = set(labels.loc[list(touched_mentions)].to_numpy().tolist())
    crowded = _crowded(labels, incident_of)
    touched |= set(crowded["cluster"].tolist())
    if not touched:
        return DecidedClusters(labels, {})
    members = labels[labels.isin(touched)]
    mention_ids = members.index.to_numpy()
    node_of = {int(m): i for i, m in enumerate(mention_ids)}
    forest = _ConstrainedForest(len(mention_ids))
    for decision in known:
        sides = decision.apart()
        if sides is not None:
            forest.keep_apart(decision.decision_id, [[node_of[m] for m in side] for side in sides])
    for group, (_, persons) in enumerate(crowded.groupby("incident", sort=False)["mention_id"], start=1):
        forest.keep_apart(-group, [[node_of[int(m)]] for m in persons])  # each person of the report apart
    confirmed: dict[int, str] = {}
    for decision in known:
        for a, b in decision.together():
            if forest.union(node_of[a], node_of[b]) or forest.find(node_of[a]) == forest.find(node_of[b]):
                confirmed.setdefault(a, decision.note)
                confirmed.setdefault(b, decision.note)
    for a, b in _inside_links(links, members):
        forest.union(node_of[a], node_of[b])
    roots = np.array([forest.find(i) for i in range(len(mention_ids))], dtype=np.int64)
    # a fresh label per rebuilt cluster, below every existing one so none collides
    fresh = int(min(0, int(labels.min()))) - 1 - roots
    out = labels.copy()
    out.loc[mention_ids] = fresh
    return DecidedClusters(out, confirmed)


def _crowded(labels: pd.Series, incident_of: pd.Series | None) -> pd.DataFrame:
    """Mentions (mention_id, cluster, incident) in clusters holding two persons of one incident."""
    if incident_of is None or labels.empty:
        return pd.DataFrame({"mention_id": [], "cluster": [], "incident": []})
    frame = pd.DataFrame({"mention_id": labels.index.to_numpy(), "cluster": labels.to_numpy(),
                          "incident": incident_of.reindex(labels.index).to_numpy()})  # fmt: skip
    frame = frame[frame["incident"].notna()]
    shared = frame.duplicated(["cluster", "incident"], keep=False)
    return frame[shared.to_numpy()]


def _inside_links(links: pd.DataFrame, members: pd.Series) -> Iterable[tuple[int, int]]:
    """The model's links inside the touched clusters, strongest first."""
    label = members.to_dict()
    left = links["mention_id_l"].map(label)
    right = links["mention_id_r"].map(label)
    inside = links[left.notna().to_numpy() & (left == right).to_numpy()]
    inside = inside.sort_values(["match_probability", "mention_id_l", "mention_id_r"], ascending=[False, True, True])
    return zip(inside["mention_id_l"].astype(int).tolist(), inside["mention_id_r"].astype(int).tolist(), strict=True)


class _ConstrainedForest:
    """Union-find whose unions are refused when they would join two sides kept apart."""

    def __init__(self, size: int) -> None:
        self._parent = list(range(size))
        self._tags: list[dict[int, int]] = [{} for _ in range(size)]  # constraint -> the side a tree is on

    def keep_apart(self, constraint: int, sides: list[list[int]]) -> None:
        """No tree may ever hold nodes of two different sides (call before any union)."""
        for side, nodes in enumerate(sides):
            for node in nodes:
                self._tags[self.find(node)][constraint] = side

    def find(self, node: int) -> int:
        parent = self._parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, a: int, b: int) -> bool:
        """Join the trees of ``a`` and ``b``; False when they are one already or must stay apart."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        tags_a, tags_b = self._tags[ra], self._tags[rb]
        if len(tags_a) < len(tags_b):
            ra, rb, tags_a, tags_b = rb, ra, tags_b, tags_a
        if any(tags_a.get(constraint, side) != side for constraint, side in tags_b.items()):
            return False
        self._parent[rb] = ra
        tags_a.update(tags_b)
        return True
