"""Link charts as i2 Analyst's Notebook charts (``.anx``), written by anxwritter.

An analyst opens the file in Analyst's Notebook (File > Open) and gets the chart as drawn here:

* every node an entity with an i2 standard icon (Person, Event, Car, Shop, Organisation); its
  crimelink id (``o:12``, ``i:345``) is its *identity*, and i2 numbers the entities itself;
* laid out: a force-directed layout (Fruchterman-Reingold, seeded, so the same chart gives the
  same picture), or the positions the caller passes;
* incidents dated and timed, with their 3x5x2 grading as i2's three grades (source evaluation,
  intelligence assessment, handling code), and their offence, value and force as attributes;
* links typed and labelled by their kind, described with why they exist, dated, and of a
  declared strength: *Confirmed* for what a report says, *Tentative* for an inference (a series
  link is the series model's judgement);
* the protective marking (OFFICIAL-SENSITIVE: a chart names people) in the chart's summary, on
  its cover sheet (shown on opening) and as a text block above the chart.

The writer (anxwritter, MIT) validates the chart before it writes a byte, and writes what
Analyst's Notebook expects: UTF-16 with its byte-order mark.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from crimelink.domain.grading import HandlingCode, IntelligenceAssessment, SourceEvaluation
from crimelink.network.charts import Chart, ChartEdge, ChartNode

__all__ = ["ICONS", "MARKING", "anx_bytes"]

MARKING = "OFFICIAL-SENSITIVE"
ICONS = {"offender": "Person", "incident": "Event", "vehicle": "Car", "store": "Shop", "group": "Organisation"}
INFERRED = {"series link"}  # links the analysis inferred, not what a report says
GRADES = (  # i2's three grade lists, in the order of each 3x5x2 part's values
    [f"{g.value} {g.name.replace('_', ' ').lower()}" for g in SourceEvaluation],
    [f"{g.value} {g.name.replace('_', ' ').lower()}" for g in IntelligenceAssessment],
    [f"{g.value} {g.name.replace('_', ' ').lower()}" for g in HandlingCode],
)
ATTRIBUTES = ("offence", "value_gbp", "force")  # the details worth a column in i2
SPACING = 160.0  # chart units between neighbours, roughly (i2 icons are about 32 across)


def _grades(code: str | None) -> dict[str, int]:
    """``"2BP"`` → the index of each part in i2's grade lists; nothing for an ungraded item."""
    if not code or len(code) != 3:
        return {}
    parts = [[item.split()[0] for item in grades] for grades in GRADES]
    try:
        return {name: values.index(part) for name, values, part in zip(
            ("grade_one", "grade_two", "grade_three"), parts, code.upper(), strict=True)}
    except ValueError:
        return {}


def _moment(item: ChartNode | ChartEdge) -> dict[str, str]:
    if item.when is None:
        return {}
    return {"date": item.when.strftime("%Y-%m-%d"), "time": item.when.strftime("%H:%M:%S")}


def layout(chart: Chart) -> dict[str, tuple[int, int]]:
    """Where each node goes: force-directed, seeded; the scale grows with the chart."""
    from anxwritter.layouts import apply_fr

    nodes = list(chart.nodes)
    edges = [(e.source, e.target) for e in chart.edges.values()]
    placed: dict[str, tuple[int, int]] = apply_fr(nodes, edges, seed=7, iterations=80,
                                                  scale=SPACING * max(2.0, math.sqrt(len(nodes))))
    return placed


def _attributes(node: ChartNode) -> dict[str, Any]:
    return {k: node.detail[k] for k in ATTRIBUTES if isinstance(node.detail.get(k), str | int | float)}


def anx_bytes(chart: Chart, *, marking: str = MARKING,
              positions: Mapping[str, tuple[float, float]] | None = None) -> bytes:
    """The chart as an ``.anx`` file's bytes, marked ``marking``; ``positions`` (x, y by node id)
    where the caller has them, a layout for the rest."""
    from anxwritter import ANXChart, CustomProperty, GradeCollection, Settings, Strength
    from anxwritter.enums import DotStyle
    from anxwritter.models import StrengthCollection, SummaryCfg, ViewCfg

    title = chart.title or "crimelink link chart"
    settings = Settings(
        summary=SummaryCfg(title=title, subject="Link chart from crimelink", category=marking,
                           comments=f"{marking}: need to know. Exported from crimelink.",
                           custom_properties=[CustomProperty(name="Protective marking", value=marking)]),
        view=ViewCfg(cover_sheet_on_open=True),
    )
    anx = ANXChart(settings=settings)
    anx.strengths = StrengthCollection(default="Confirmed", items=[
        Strength(name="Confirmed", dot_style=DotStyle.SOLID), Strength(name="Tentative", dot_style=DotStyle.DASHED)])
    anx.grades_one, anx.grades_two, anx.grades_three = (GradeCollection(items=list(g)) for g in GRADES)
    placed = {**layout(chart), **{k: (round(x), round(y)) for k, (x, y) in (positions or {}).items()}}
    for node in chart.nodes.values():
        x, y = placed.get(node.id, (0, 0))
        anx.add_icon(id=node.id, type=ICONS.get(node.kind, "Person"), label=node.label, x=x, y=y,
                     description=str(node.detail.get("description") or node.kind), attributes=_attributes(node),
                     **_moment(node), **_grades(node.detail.get("grading")))
    for edge in chart.edges.values():
        anx.add_link(from_id=edge.source, to_id=edge.target, type=edge.kind, label=edge.kind, description=edge.why,
                     strength="Tentative" if edge.kind in INFERRED else "Confirmed", **_moment(edge))
    top = min((y for _, y in placed.values()), default=0)
    left = min((x for x, _ in placed.values()), default=0)
    anx.add_text_block(id="protective-marking", type="Protective marking", label=marking, x=left,
                       y=top - round(SPACING))
    return b"".join(anx.iter_anx_bytes())
