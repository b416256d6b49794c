"""Link charts an analyst can read: unidentified sightings gathered, and a budget of nodes.

Drawn whole, the chart of a busy group is a disc: every masked suspect of every incident is an
offender record of its own ("Unnamed male, 25-35 (described)"), hundreds of them, and every
label is drawn at once. An analyst reads a chart the way i2's Analyst's Notebook draws one:

* **unidentified sightings gathered** — offender records nobody has named (as far as the viewer
  is told) become one node per attribution: the group the analysis attributed them to, or none
  the viewer sees. It says how many it holds ("14 unidentified sightings (Group 3)") and is
  opened on demand (``opened``); a lone sighting stays itself;
* **a budget** (about :data:`BUDGET` nodes): the root, the groups, their identified members, the
  gatherings and the vehicles seen more than once come first; then the incidents that tie most
  of those together (the latest first among equals), each with its store, the people named in it
  and its vehicles. What did not fit is counted (:class:`LeftOut`) and said;
* **activity** on every node (how many of the chart's incidents it is in; an incident: the people
  and vehicles in it; a group: its members; a gathering: its sightings) and the **weight** of
  every link (a member's strength, a series link's probability, how many sightings a gathered
  link stands for): the page draws them as node size and line width.

It works on the chart the viewer may see (built by the chart service, every label already
composed for that viewer), so what a gathering says — a count, an attribution the service passes
only for groups the viewer sees — is composed of what the viewer may see alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from crimelink.network.charts import Chart, ChartEdge, ChartNode

__all__ = ["BUDGET", "GATHERED", "Attribution", "LeftOut", "readable"]

BUDGET = 80  # nodes in a chart's first view
GATHERED = "unidentified"  # the kind of a node that gathers unidentified sightings
VEHICLE_SHARE = 4  # vehicles seen more than once take at most a quarter of the budget up front
NOUNS = {"incident": "incident", "store": "store", "offender": "person", GATHERED: "unidentified sighting",
         "vehicle": "vehicle", "group": "group"}  # left out, by kind (an unnamed offender: a sighting)


@dataclass(frozen=True, slots=True)
class Attribution:
    """Where an unidentified sighting is gathered: its group's id and short name, or 0 and a
    word for none (``""`` where the viewer sees no groups at all)."""

    group_id: int
    name: str


@dataclass(frozen=True, slots=True)
class LeftOut:
    """What a readable chart did not draw as itself: sightings gathered, nodes left out by kind."""

    total: int  # nodes of the whole chart
    shown: int  # nodes drawn
    gathered: int  # unidentified sightings drawn inside a gathering
    gatherings: int  # the nodes that gather them
    left_out: dict[str, int] = field(default_factory=dict)  # kind → nodes not drawn at all

    def words(self) -> str:
        """"showing 80 of 249 nodes: 108 unidentified sightings gathered into 2; 60 incidents and
        9 stores left out (narrow the dates or expand a node)"."""
        parts = []
        if self.gathered:
            parts.append(f"{_count(self.gathered, 'unidentified sighting')} gathered into {self.gatherings}")
        missing = [_count(n, NOUNS.get(kind, kind)) for kind, n in self.left_out.items() if n]
        if missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            parts.append(f"{listed} left out (narrow the dates or expand a node)")
        if not parts:
            return f"showing all {_count(self.total, 'node')}"
        return f"showing {self.shown} of {_count(self.total, 'node')}: " + "; ".join(parts)


def _count(n: int, noun: str) -> str:
    plural = "people" if noun == "person" else f"{noun}s"
    return f"{n} {noun if n == 1 else plural}"


def readable(
    chart: Chart, *, root: str, attributions: Mapping[str, Attribution] | None = None, budget: int = BUDGET,
    opened: Collection[str] = (), scope: str = "",
) -> tuple[Chart, LeftOut]:
    """The chart an analyst reads first, and what it left out.

    Args:
        chart: the whole chart, as the viewer may see it.
        root: the node the chart is drawn around; never gathered, never left out.
        attributions: each unidentified sighting's attribution, by node id (none: no group).
        budget: nodes to draw at most (opened gatherings come on top: the analyst asked).
        opened: gathered node ids to draw as their sightings instead.
        scope: appended to gathered ids (an expansion's own gatherings: ``"@o:12"``).
    """
    activity = _activity(chart)
    whole = Chart(title=chart.title, edges=chart.edges,
                  nodes={k: replace(n, detail={**n.detail, "activity": activity[k]}) for k, n in chart.nodes.items()})
    where, names = _buckets(whole, root, attributions or {}, scope)
    kept = _select(_gather(whole, where, names), root, budget)  # chosen with every sighting gathered
    incidents = {k for k in kept if k in whole.nodes and whole.nodes[k].kind == "incident"}
    seen = {s for e in whole.edges.values() for s, other in ((e.source, e.target), (e.target, e.source))
            if s in where and where[s] in kept and other in incidents}  # sightings in an incident drawn
    drawn = whole.subset([k for k in whole.nodes if k in kept or k in seen])
    final = _gather(drawn, {s: g for s, g in where.items() if s in seen and g not in opened}, names)
    linked = {s for e in final.edges.values() for s in (e.source, e.target)}
    final = final.subset([k for k in final.nodes if k in linked or k == root])  # nothing left floating
    gathered = sum(int(n.detail["sightings"]) for n in final.nodes.values() if n.kind == GATHERED)
    inside = {s for s, g in where.items() if g in final.nodes and g not in opened and s in seen}
    missing = Counter(_sighting(n) for k, n in whole.nodes.items() if k not in final.nodes and k not in inside)
    return final, LeftOut(total=len(whole.nodes), shown=len(final.nodes), gathered=gathered,
                          gatherings=sum(1 for n in final.nodes.values() if n.kind == GATHERED),
                          left_out={kind: missing[kind] for kind in NOUNS if missing[kind]})


def _sighting(node: ChartNode) -> str:
    return GATHERED if node.kind == "offender" and not node.detail.get("named") else node.kind


def _activity(chart: Chart) -> Counter[str]:
    """Incidents each node is in; an incident's people and vehicles; a group's members."""
    counts: Counter[str] = Counter()
    for e in chart.edges.values():
        source, target = chart.nodes[e.source], chart.nodes[e.target]
        if e.kind == "member of":
            counts[e.target] += 1
            continue
        for incident, other in ((source, target), (target, source)):
            if incident.kind == "incident" and other.kind != "incident":
                counts[other.id] += 1
                if other.kind in ("offender", "vehicle"):
                    counts[incident.id] += 1
    return counts


def _buckets(
    chart: Chart, root: str, attributions: Mapping[str, Attribution], scope: str
) -> tuple[dict[str, str], dict[str, Attribution]]:
    """(gathered id of each unidentified sighting that shares its attribution with another;
    the attribution of each gathered id)."""
    buckets: dict[str, list[str]] = {}
    names: dict[str, Attribution] = {}
    for node in chart.nodes.values():
        if _sighting(node) == GATHERED and node.id != root:
            attribution = attributions.get(node.id, Attribution(0, ""))
            key = f"u:{attribution.group_id}{scope}"
            buckets.setdefault(key, []).append(node.id)
            names.setdefault(key, attribution)
    return {s: key for key, sightings in buckets.items() if len(sightings) > 1 for s in sightings}, names


def _gather(chart: Chart, where: Mapping[str, str], names: Mapping[str, Attribution]) -> Chart:
    """The chart with the sightings in ``where`` drawn as their gathered nodes (links merged,
    each weighing the sightings it stands for), each tied to its group where that is drawn."""
    out = Chart(title=chart.title)
    held = Counter(where.values())
    for node in chart.nodes.values():
        key = where.get(node.id)
        if key is None:
            out.node(node)
        elif key not in out.nodes:
            out.node(_gathering(key, held[key], names[key]))
    merged: dict[tuple[str, str, str], list[ChartEdge]] = {}
    for e in chart.edges.values():
        source, target = where.get(e.source, e.source), where.get(e.target, e.target)
        if (source, target) == (e.source, e.target):
            out.edge(e)
        else:
            merged.setdefault((source, e.kind, target), []).append(e)
    for (source, kind, target), edges in merged.items():
        first = edges[0]
        why = first.why if len(edges) == 1 else f"{_count(len(edges), 'unidentified sighting')}: {first.why}"
        out.edge(ChartEdge(source, target, kind, why, first.when, weight=float(len(edges))))
    for key in held:
        group = f"g:{names[key].group_id}"
        if names[key].group_id and group in out.nodes:
            out.edge(ChartEdge(key, group, "attributed to", f"{_count(held[key], 'unidentified sighting')} "
                               f"attributed to {names[key].name}: seen with its members, in its vehicle or in its "
                               "series", weight=float(held[key])))
    return out


def _gathering(key: str, sightings: int, attribution: Attribution) -> ChartNode:
    suffix = f" ({attribution.name})" if attribution.name else ""
    return ChartNode(key, GATHERED, f"{_count(sightings, 'unidentified sighting')}{suffix}", None, {
        "sightings": sightings, "activity": sightings, "group": attribution.name or None,
        "description": f"{_count(sightings, 'person')} seen only as a description, gathered: "
                       "select it to draw each one"})


def _select(chart: Chart, root: str, budget: int) -> set[str]:
    """The nodes of the (gathered) chart to draw, in the order of what an analyst needs first."""
    nodes = chart.nodes
    near: dict[str, list[str]] = {k: [] for k in nodes}
    for e in chart.edges.values():
        near[e.source].append(e.target)
        near[e.target].append(e.source)
    kept: dict[str, None] = {}

    def take(ids: list[str]) -> None:
        new = [i for i in dict.fromkeys(ids) if i not in kept]
        if len(kept) + len(new) <= budget:
            kept.update(dict.fromkeys(new))

    def busiest(kind: str) -> list[str]:
        return sorted((k for k, n in nodes.items() if n.kind == kind),
                      key=lambda k: (-int(nodes[k].detail.get("activity", 0)), k))

    take([root] if root in nodes else [])
    for group in busiest("group"):
        take([group])
    members = {e.source for e in chart.edges.values() if e.kind == "member of" and e.target in kept}
    for member in (k for k in busiest("offender") if k in members):
        take([member])
    for gathering in busiest(GATHERED):
        take([gathering])
    for vehicle in [k for k in busiest("vehicle") if int(nodes[k].detail.get("activity", 0)) > 1][
            : max(1, budget // VEHICLE_SHARE)]:
        take([vehicle])
    first = {k for k in kept if nodes[k].kind != GATHERED}

    def evidence(incident: str) -> tuple[int, float, str]:
        when = nodes[incident].when
        return -sum(1 for k in near[incident] if k in first), -(when.timestamp() if when else 0.0), incident

    for incident in sorted((k for k, n in nodes.items() if n.kind == "incident"), key=evidence):
        take([incident, *(k for k in near[incident] if nodes[k].kind in ("store", "offender", "vehicle"))])
    return set(kept)
