"""Key players: who holds the offender network together, and who brokers between groups.

On the weighted offender graph of ``network.groups`` (co-offending, shared vehicles, sprees):

* **degree** — how many other offenders one is tied to (and ``strength``, the summed weight);
* **betweenness** — the share of shortest paths that pass through one (Freeman 1977), with
  distances 1/weight so that a strong tie is a short one. Exact where the graph is small; on
  a big component it is estimated from ``betweenness_sources`` sampled sources (Brandes &
  Pich 2007), scaled up, with a fixed seed;
* **PageRank** — weighted (Brin & Page 1998): tied to well-tied people.

A *broker* has ties of at least ``broker_weight`` into two or more groups (its own included):
the person through whom groups connect (Morselli 2009, *Inside criminal networks*). The
key-player score is the mean of an offender's percentile ranks on strength, betweenness and
PageRank; rank 1 is the most central.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd

__all__ = ["CentralitySettings", "key_players"]

COLUMNS = (
    "offender_id", "group_id", "degree", "strength", "betweenness", "pagerank", "broker", "groups_linked",
    "key_player_score", "key_player_rank",
)  # fmt: skip


@dataclass(frozen=True)
class CentralitySettings:
    """How centrality is measured; stored with each analysis run."""

    method: str = "degree, betweenness (1/weight distances), weighted PageRank; brokers tie 2+ groups"
    broker_weight: float = 0.5
    exact_betweenness_limit: float = 2e8  # vertices × edges of a component computed exactly
    betweenness_sources: int = 256
    seed: int = 42


def _betweenness(graph: ig.Graph, settings: CentralitySettings) -> np.ndarray:
    """Betweenness per vertex, normalised to [0, 1] within its component."""
    out = np.zeros(graph.vcount())
    rng = np.random.default_rng(settings.seed)
    for members in graph.connected_components():
        n = len(members)
        if n < 3:
            continue
        sub = graph.subgraph(members)
        distance = [1.0 / w for w in sub.es["weight"]]
        if n * sub.ecount() <= settings.exact_betweenness_limit:
            values = np.asarray(sub.betweenness(weights=distance, directed=False))
        else:
            k = min(n, settings.betweenness_sources)
            sources = sorted(rng.choice(n, size=k, replace=False).tolist())
            values = np.asarray(sub.betweenness(weights=distance, directed=False, sources=sources)) * (n / k)
        pairs = (n - 1) * (n - 2) / 2
        out[np.asarray(members)] = values / pairs
    return out


def key_players(
    *, edges: pd.DataFrame, members: pd.DataFrame, settings: CentralitySettings | None = None,
) -> pd.DataFrame:
    """Centrality of every offender in the graph (``COLUMNS``), most central first.

    Args:
        edges: source, target, weight — the offender graph (``GroupDetection.edges``).
        members: group_id, offender_id — detected group membership.
    """
    settings = settings or CentralitySettings()
    if edges.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    nodes = np.unique(np.concatenate([edges["source"].to_numpy(), edges["target"].to_numpy()]))
    index = pd.Index(nodes)
    graph = ig.Graph(n=nodes.size, edges=np.column_stack(
        [index.get_indexer(edges["source"]), index.get_indexer(edges["target"])]).tolist())
    graph.es["weight"] = edges["weight"].astype(float).tolist()
    group = members.set_index("offender_id")["group_id"]
    frame = pd.DataFrame({
        "offender_id": nodes.astype(np.int64),
        "group_id": pd.Series(nodes).map(group).astype("Int64").to_numpy(),
        "degree": np.asarray(graph.degree(), dtype=np.int64),
        "strength": np.round(np.asarray(graph.strength(weights="weight")), 4),
        "betweenness": np.round(_betweenness(graph, settings), 6),
        "pagerank": np.round(np.asarray(graph.pagerank(weights="weight", directed=False)) * nodes.size, 6),
    })
    linked = _groups_linked(edges, group, settings.broker_weight).reindex(frame["offender_id"]).fillna(0)
    frame["groups_linked"] = linked.to_numpy(dtype=np.int64)
    frame["broker"] = frame["groups_linked"] >= 2
    ranks = frame[["strength", "betweenness", "pagerank"]].rank(pct=True, method="average")
    frame["key_player_score"] = np.round(ranks.mean(axis=1).to_numpy(), 6)
    frame = frame.sort_values(["key_player_score", "offender_id"], ascending=[False, True], ignore_index=True)
    frame["key_player_rank"] = np.arange(1, len(frame) + 1, dtype=np.int64)
    return frame[list(COLUMNS)]


def _groups_linked(edges: pd.DataFrame, group: pd.Series, minimum: float) -> pd.Series:
    """How many distinct groups each offender has ties of at least ``minimum`` weight into
    (its own group counts when it has such a tie to a fellow member)."""
    both = pd.concat([edges[["source", "target", "weight"]],
                      edges.rename(columns={"source": "target", "target": "source"})[["source", "target", "weight"]]])
    both = both.assign(group=both["target"].map(group)).dropna(subset=["group"])
    weight = both.groupby(["source", "group"])["weight"].sum()
    strong = weight[weight >= minimum].reset_index()
    return strong.groupby("source")["group"].nunique()
