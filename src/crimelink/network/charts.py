"""Link charts: offenders, incidents, vehicles, stores and groups as one graph, and its exports.

A chart is plain data: nodes with a kind and a label, edges with the reason they exist (the
incident that joins an offender to a vehicle, the series model's reason for joining two
incidents). The web app draws it with Cytoscape.js; analysts take it away as

* **CSV** — one row per edge, with both ends' kinds and labels (opens in any spreadsheet);
* **GraphML** — the XML graph format Gephi, yEd, Cytoscape desktop and networkx read;
* **ANX** — the i2 Analyst's Notebook exchange format, laid out, dated, graded and marked
  (:mod:`crimelink.network.anx`).

A chart as built holds every sighting; :mod:`crimelink.network.readable` makes the one an analyst
reads (unidentified sightings gathered, about 80 nodes, activity and evidence for size and width).

Node ids are ``kind:number`` — ``o:12`` an offender, ``i:345`` an incident, ``v:7`` a vehicle,
``s:8`` a store, ``g:3`` a group — the same ids the expand endpoint takes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from crimelink.domain.spreadsheet import safe_writer

__all__ = ["KINDS", "Chart", "ChartEdge", "ChartNode", "to_anx", "to_csv", "to_graphml"]

KINDS = {"o": "offender", "i": "incident", "v": "vehicle", "s": "store", "g": "group"}


@dataclass
class ChartNode:
    id: str
    kind: str
    label: str
    when: datetime | None = None  # incidents: when it happened (the chart's date filter)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChartEdge:
    source: str
    target: str
    kind: str  # "named in", "seen at", "at", "member of", "series link"
    why: str
    when: datetime | None = None
    weight: float = 1.0  # the evidence: a member's strength, a series link's probability, sightings gathered

    @property
    def id(self) -> str:
        return f"{self.source}|{self.kind}|{self.target}"


@dataclass
class Chart:
    """Nodes and edges, each added once (later additions of the same id are ignored)."""

    title: str = ""
    nodes: dict[str, ChartNode] = field(default_factory=dict)
    edges: dict[str, ChartEdge] = field(default_factory=dict)

    def node(self, node: ChartNode) -> None:
        self.nodes.setdefault(node.id, node)

    def edge(self, edge: ChartEdge) -> None:
        if edge.source in self.nodes and edge.target in self.nodes:
            self.edges.setdefault(edge.id, edge)

    def subset(self, keep: Iterable[str]) -> Chart:
        """The chart with only the nodes in ``keep`` (in the chart's order) and the edges among them."""
        wanted = set(keep)
        kept = Chart(title=self.title)
        kept.nodes = {k: n for k, n in self.nodes.items() if k in wanted}
        kept.edges = {k: e for k, e in self.edges.items() if e.source in wanted and e.target in wanted}
        return kept

    def between(self, start: datetime | None, end: datetime | None) -> Chart:
        """The chart without incidents (and their edges) outside ``start``-``end``, and
        without nodes left with no edge (the chart's root aside: the first node)."""
        if start is None and end is None:
            return self
        def inside(when: datetime | None) -> bool:
            return when is None or ((start is None or when >= start) and (end is None or when <= end))
        kept = Chart(title=self.title)
        for node in self.nodes.values():
            if node.kind != "incident" or inside(node.when):
                kept.node(node)
        for edge in self.edges.values():
            if inside(edge.when):
                kept.edge(edge)
        linked = {e.source for e in kept.edges.values()} | {e.target for e in kept.edges.values()}
        root = next(iter(self.nodes), None)
        kept.nodes = {k: n for k, n in kept.nodes.items() if k in linked or k == root}
        return kept


def _stamp(when: datetime | None) -> str:
    return "" if when is None else when.strftime("%Y-%m-%dT%H:%M:%S")


def to_csv(chart: Chart) -> str:
    """One row per edge: both ends, the kind of link, why it exists, and when."""
    out = io.StringIO()
    writer = safe_writer(out, lineterminator="\n")
    writer.writerow(["source_id", "source_kind", "source_label", "link", "target_id", "target_kind",
                     "target_label", "why", "when"])
    for e in chart.edges.values():
        s, t = chart.nodes[e.source], chart.nodes[e.target]
        writer.writerow([s.id, s.kind, s.label, e.kind, t.id, t.kind, t.label, e.why, _stamp(e.when)])
    return out.getvalue()


def to_graphml(chart: Chart) -> str:
    """GraphML with kind, label, when (and why, for edges) as declared attributes."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}graphml")
    keys = [("kind", "node"), ("label", "node"), ("when", "node"), ("kind", "edge"), ("why", "edge"),
            ("when", "edge"), ("weight", "edge")]
    for name, domain in keys:
        ET.SubElement(root, f"{{{ns}}}key", {"id": f"{domain[0]}_{name}", "for": domain, "attr.name": name,
                                             "attr.type": "double" if name == "weight" else "string"})
    graph = ET.SubElement(root, f"{{{ns}}}graph", {"id": chart.title or "chart", "edgedefault": "undirected"})
    for n in chart.nodes.values():
        el = ET.SubElement(graph, f"{{{ns}}}node", {"id": n.id})
        for name, value in (("kind", n.kind), ("label", n.label), ("when", _stamp(n.when))):
            ET.SubElement(el, f"{{{ns}}}data", {"key": f"n_{name}"}).text = value
    for k, e in enumerate(chart.edges.values()):
        el = ET.SubElement(graph, f"{{{ns}}}edge", {"id": f"e{k}", "source": e.source, "target": e.target})
        for name, value in (("kind", e.kind), ("why", e.why), ("when", _stamp(e.when)), ("weight", f"{e.weight:g}")):
            ET.SubElement(el, f"{{{ns}}}data", {"key": f"e_{name}"}).text = value
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def to_anx(chart: Chart) -> bytes:
    """The chart as an i2 Analyst's Notebook file (``.anx``): see :mod:`crimelink.network.anx`."""
    from crimelink.network.anx import anx_bytes  # anxwritter is loaded only when a chart is exported

    return anx_bytes(chart)
