"""The offender list: the priority list, its filters and sorting, its CSV, and who sees whom.

Over real HTTP on the small served world of ``web_server`` (Jason Smith in three reports of
two retailers, Kelly Brown in two, Dean Walsh in Southco's only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest

from crimelink.store import open_store
from web_server import Site, site


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("offenders")
    store = open_store(f"sqlite:///{folder / 'store.db'}")
    with site(store, folder) as served:
        yield served
    for client in _OPEN:
        client.close()
    store.close()


def _client(web: Site, username: str) -> httpx.Client:
    """Basic auth, as a script would use it; each test's clients are closed with the module."""
    client = httpx.Client(base_url=web.url, auth=web.auth(username), timeout=30)
    _OPEN.append(client)
    return client


_OPEN: list[httpx.Client] = []


def _rows(client: httpx.Client, **params: str) -> list[dict[str, object]]:
    answer = client.get("/api/v1/offenders", params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def _names(client: httpx.Client, **params: str) -> list[str]:
    """Names as listed, in lower case (the analysis writes surnames in capitals)."""
    return [str(r["name"]).lower() for r in _rows(client, **params)]


def test_the_list_is_in_priority_order_and_the_page_opens_from_the_menu(web: Site) -> None:
    analyst = _client(web, "analyst")
    rows = _rows(analyst)
    ranks = [r["rank"] for r in rows]
    assert ranks and None not in ranks and ranks == sorted(ranks)  # type: ignore[type-var]
    assert {"jason smith", "kelly brown", "dean walsh"} <= set(_names(analyst))
    page = analyst.get("/offenders")
    assert page.status_code == 200 and 'href="/offenders"' in page.text and "jason smith" in page.text.lower()


def test_sorting_by_incidents_and_last_seen(web: Site) -> None:
    analyst = _client(web, "analyst")
    by_incidents = [r["incidents"] for r in _rows(analyst, sort="incidents")]
    assert by_incidents == sorted(by_incidents, reverse=True)  # type: ignore[type-var]
    seen = [str(r["last_seen"]) for r in _rows(analyst, sort="last_seen")]
    assert seen == sorted(seen, reverse=True)


def test_each_filter_narrows_the_list(web: Site) -> None:
    analyst = _client(web, "analyst")
    assert _names(analyst, q="walsh") == ["dean walsh"]
    in_london = set(_names(analyst, force="metropolitan"))
    assert {"jason smith", "kelly brown", "dean walsh"} <= in_london
    assert "jason smith" in _names(analyst, force="west-midlands")
    assert _names(analyst, force="cumbria") == []
    assert set(_names(analyst, active_since="2030-01-01")) == set()
    assert "jason smith" in _names(analyst, active_since="2025-01-01")
    grouped = [r for r in _rows(analyst) if r["group_id"]]
    if grouped:  # the small world may or may not form a group; when it does, the filter keeps its members
        group = str(grouped[0]["group_id"])
        assert all(r["group_id"] for r in _rows(analyst, group=group))
    assert _names(analyst, group="999999") == []


def test_a_retailer_sees_only_the_offenders_and_names_of_its_own_reports(web: Site) -> None:
    northmart = _client(web, "northmart")
    rows = _rows(northmart)
    names = {str(r["name"]).lower() for r in rows}
    assert "dean walsh" not in names and names <= {"jason smith", "kelly brown"}
    assert all(r["rank"] is None and r["score"] is None for r in rows)  # the national priority is not theirs
    smith = next(r for r in rows if str(r["name"]).lower() == "jason smith")
    assert smith["incidents"] == 2  # its own two reports, not Southco's
    assert _names(northmart, q="walsh") == []
    page = northmart.get("/offenders").text
    assert "dean walsh" not in page.lower()
    assert "dean walsh" not in northmart.get("/offenders.csv").text.lower()


def test_the_csv_is_the_filtered_list(web: Site) -> None:
    analyst = _client(web, "analyst")
    answer = analyst.get("/offenders.csv", params={"q": "smith"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["name"].lower() for r in rows] == ["jason smith"] and rows[0]["incidents"] == "3"
    everyone = list(csv.DictReader(io.StringIO(analyst.get("/offenders.csv").text)))
    assert [r["name"].lower() for r in everyone] == _names(analyst)[: len(everyone)]


def test_the_page_is_paged(web: Site) -> None:
    analyst = _client(web, "analyst")
    total = analyst.get("/api/v1/offenders").json()["total"]
    first = analyst.get("/offenders", params={"per_page": 1})
    assert first.status_code == 200 and "page 1 of" in first.text and f"page 1 of {total}" in first.text
    assert 'href="/offenders?per_page=1&amp;page=2"' in first.text or "page=2" in first.text

