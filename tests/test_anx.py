"""The i2 export of a group's link chart opens as an Analyst's Notebook chart.

There is no public XML schema for ANX to validate against, so the export is checked the way
Analyst's Notebook reads it: UTF-16 with its byte-order mark; every chart node one entity whose
*identity* is the node's id and whose entity id is i2's own number, unique; every link between
two of those entity ids, of a declared link type and a declared strength; descriptions as
attributes (i2 drops a ``<Description>`` element); every entity placed, no two on one spot;
incidents dated, with their 3x5x2 grading as indexes into the chart's three grade lists; and the
protective marking in the summary, on the cover sheet and above the chart. The export is built
by anxwritter, which validates a chart before writing it; the test then rebuilds the chart from
the file with anxwritter (a round trip) and asks it again.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from anxwritter import ANXChart

from crimelink.store import open_store
from web_server import INCIDENTS, Site, site

GRADING = {doc["incident_ref"]: doc["grading"] for doc in INCIDENTS if "grading" in doc}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("anx")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        with site(store, folder) as served:
            yield served
    finally:
        store.close()


@pytest.fixture(scope="module")
def exported(web: Site) -> tuple[dict[str, Any], bytes, httpx.Headers]:
    """The group's chart as the page draws it (JSON) and as the analyst downloads it (ANX)."""
    with httpx.Client(base_url=web.url, auth=web.auth("analyst"), timeout=30) as api:
        (group,) = api.get("/api/v1/groups").json()["items"]
        node = f"g:{group['id']}"
        chart = api.get("/api/v1/chart", params={"node": node}).json()
        answer = api.get("/api/v1/chart/export", params={"node": node, "format": "anx"})
    assert answer.status_code == 200, answer.text[:300]
    return chart, answer.content, answer.headers


def _items(root: ET.Element) -> tuple[dict[str, ET.Element], list[ET.Element]]:
    """Entity chart items by their identity, and the link chart items."""
    entities, links = {}, []
    for item in root.iter("ChartItem"):
        entity = item.find("End/Entity")
        if entity is not None:
            entities[str(entity.get("Identity"))] = item
        elif item.find("Link") is not None:
            links.append(item)
    return entities, links


def test_the_group_chart_opens_as_an_i2_chart(exported: tuple[dict[str, Any], bytes, httpx.Headers]) -> None:
    chart, body, headers = exported
    assert body[:2] == b"\xff\xfe" and body.decode("utf-16").startswith("<?xml version='1.0' encoding='utf-16'?>")
    assert "attachment" in headers["content-disposition"] and headers["content-disposition"].endswith('.anx"')
    root = ET.fromstring(body)
    assert root.tag == "Chart"
    entities, links = _items(root)
    nodes = {n["id"]: n for n in chart["nodes"]}
    assert set(entities) - {"protective-marking"} == set(nodes)
    numbers = {str(item.find("End/Entity").get("EntityId")): identity  # type: ignore[union-attr]
               for identity, item in entities.items()}
    assert len(numbers) == len(entities) and all(n.isdigit() for n in numbers)  # i2's own ids, once each
    ends = {(numbers[str(link.find("Link").get("End1Id"))], numbers[str(link.find("Link").get("End2Id"))])  # type: ignore[union-attr]
            for link in links}
    assert ends == {(e["source"], e["target"]) for e in chart["edges"]}

    strengths = {s.get("Name") for s in root.iter("Strength")}
    link_types = {t.get("Id"): t.get("Name") for t in root.iter("LinkType")}
    for link in links:
        style = link.find("Link/LinkStyle")
        assert style is not None and style.get("Strength") in strengths
        assert link_types[style.get("LinkTypeReference")] == style.get("Type") == link.get("Label")
        assert link.get("Description")  # why the link exists
    assert {s.get("Strength") for s in root.iter("LinkStyle")} <= {"Confirmed", "Tentative"}
    assert not list(root.iter("Description"))  # an attribute in ANX, never an element

    places = [(int(str(i.find("End").get("X"))), int(str(i.find("End").get("Y"))))  # type: ignore[union-attr]
              for identity, i in entities.items()]
    assert len(set(places)) == len(places)  # laid out: no two on one spot
    xs, ys = [x for x, _ in places], [y for _, y in places]
    assert max(xs) - min(xs) > 300 and max(ys) - min(ys) > 300


def test_incidents_carry_their_date_and_grading(exported: tuple[dict[str, Any], bytes, httpx.Headers]) -> None:
    chart, body, _ = exported
    root = ET.fromstring(body)
    entities, _ = _items(root)
    grades = [[str(s.get("Text")).split()[0] for s in root.findall(f"{name}/StringCollection/String")]
              for name in ("GradeOne", "GradeTwo", "GradeThree")]
    assert grades[0][:3] == ["1", "2", "3"] and grades[1][:5] == list("ABCDE") and grades[2][:2] == ["P", "C"]
    graded = 0
    for node in (n for n in chart["nodes"] if n["kind"] == "incident"):
        item = entities[node["id"]]
        assert item.find("End/Entity/Icon/IconStyle").get("Type") == "Event"  # type: ignore[union-attr]
        assert item.get("DateSet") == "true" and item.get("TimeSet") == "true"
        when = datetime.fromisoformat(str(item.get("DateTime")))
        assert when.replace(tzinfo=None) == datetime.fromisoformat(node["when"]).replace(tzinfo=None)
        ref = node["label"].split("/", 1)[1]
        shown = [grades[k][int(str(item.get(f"Grade{n}Index")))] for k, n in enumerate(("One", "Two", "Three"))]
        if ref in GRADING:
            given = GRADING[ref]
            assert shown == [given["source_evaluation"], given["intelligence_assessment"], given["handling_code"]]
            graded += 1
        else:
            assert shown == ["-", "-", "-"]  # ungraded: i2's "not set"
    assert graded >= 1


def test_the_chart_is_marked_official_sensitive(exported: tuple[dict[str, Any], bytes, httpx.Headers]) -> None:
    _, body, _ = exported
    root = ET.fromstring(body)
    assert root.get("CoverSheetShowOnOpen") == "true"
    fields = {f.get("Type"): f.get("Field") for f in root.iter("Field")}
    assert fields["SummaryFieldCategory"] == "OFFICIAL-SENSITIVE"
    assert "OFFICIAL-SENSITIVE" in str(fields["SummaryFieldComments"])
    assert {(p.get("Name"), p.get("Value")) for p in root.iter("CustomProperty")} >= {
        ("Protective marking", "OFFICIAL-SENSITIVE")}
    entities, _ = _items(root)
    marking = entities["protective-marking"]
    assert marking.get("Label") == "OFFICIAL-SENSITIVE" and marking.find("End/Entity/TextBlock") is not None
    top = min(int(str(i.find("End").get("Y"))) for k, i in entities.items() if k != "protective-marking")  # type: ignore[union-attr]
    assert int(str(marking.find("End").get("Y"))) < top  # type: ignore[union-attr]  # above the chart


def test_the_file_round_trips_through_anxwritter(exported: tuple[dict[str, Any], bytes, httpx.Headers]) -> None:
    """Rebuilt from the file (icons, links, grades, strengths) the chart validates again, whole."""
    chart, body, _ = exported
    root = ET.fromstring(body)
    entities, links = _items(root)
    by_number = {str(i.find("End/Entity").get("EntityId")): k for k, i in entities.items()}  # type: ignore[union-attr]
    grades = {name: [str(s.get("Text")) for s in root.findall(f"{tag}/StringCollection/String")][:-1]
              for name, tag in (("grades_one", "GradeOne"), ("grades_two", "GradeTwo"), ("grades_three", "GradeThree"))}
    again = ANXChart.from_dict({
        **grades,
        "strengths": {"items": [{"name": s.get("Name"), "dot_style": "solid"} for s in root.iter("Strength")]},
        "entities": {"icons": [
            {"id": k, "type": i.find("End/Entity/Icon/IconStyle").get("Type"), "label": i.get("Label"),  # type: ignore[union-attr]
             "x": int(str(i.find("End").get("X"))), "y": int(str(i.find("End").get("Y")))}  # type: ignore[union-attr]
            for k, i in entities.items() if i.find("End/Entity/Icon") is not None]},
        "links": [{"from_id": by_number[str(link.find("Link").get("End1Id"))],  # type: ignore[union-attr]
                   "to_id": by_number[str(link.find("Link").get("End2Id"))],  # type: ignore[union-attr]
                   "type": link.find("Link/LinkStyle").get("Type"), "label": link.get("Label"),  # type: ignore[union-attr]
                   "strength": link.find("Link/LinkStyle").get("Strength")} for link in links],  # type: ignore[union-attr]
    })
    assert again.validate() == []
    rebuilt = ET.fromstring(again.to_xml())
    assert len(_items(rebuilt)[0]) == len(chart["nodes"]) and len(_items(rebuilt)[1]) == len(chart["edges"])


def test_no_grading_of_a_report_the_viewer_may_not_open(web: Site) -> None:
    """West Midlands sees Smith's London robbery listed on his chart, not opened: nor its grading."""
    with httpx.Client(base_url=web.url, auth=web.auth("wmp"), timeout=30) as api:
        (group,) = api.get("/api/v1/groups").json()["items"]
        chart = api.get("/api/v1/chart", params={"node": f"g:{group['id']}"}).json()
    gradings = {n["label"]: n["detail"]["grading"] for n in chart["nodes"] if n["kind"] == "incident"}
    assert gradings["NORTHMART/NM-1"] == "1AP"
    assert gradings["SOUTHCO/SC-1"] is None
