"""The casework pages over real HTTP: the queue, a referral and its next steps as forms, the referrer's
own view, operations, and the impact report with every figure drilling down to its records and the
same CSV as ``crimelink report impact``. On SQLite (the services behind them run on both backends in
``test_casework.py`` and ``test_impact.py``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from casework_site import INTERNAL_REASON, World, casework_world
from crimelink.cli import app as cli
from crimelink.reports.impact import FIGURES
from crimelink.store import open_store

HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("casework-pages")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        with casework_world(store, folder) as served:
            yield served
    finally:
        store.close()


def test_the_queue_is_ordered_by_priority_and_shows_what_the_priority_is_made_of(world: World) -> None:
    analyst = world.user("analyst")
    page = analyst.get("/referrals")
    assert page.status_code == 200
    scores = [float(s) for s in re.findall(r'data-testid="priority">([\d.]+)<', page.text)]
    assert len(scores) == 3
    assert scores == sorted(scores, reverse=True)
    assert page.text.count("harm <b>") == 3  # harm × likelihood × capability × capacity, each row
    assert "likelihood <b>" in page.text and "capability <b>" in page.text


def test_a_referral_shows_its_history_and_takes_its_next_step_through_a_form(world: World) -> None:
    analyst = world.user("analyst")
    page = analyst.get(f"/referrals/{world.waiting}")
    assert page.status_code == 200
    assert 'data-testid="history"' in page.text and "Triaged" in page.text
    assert 'data-testid="step-accepted"' in page.text and 'data-testid="step-declined"' in page.text
    assert 'name="reason"' in page.text  # declining needs a reason

    refused = analyst.post(f"/referrals/{world.waiting}/transitions", data={"to": "declined"}, headers=HTMX)
    assert refused.status_code == 200  # htmx swaps the referral with the reason
    assert 'data-testid="step-error"' in refused.text and "say why" in refused.text
    assert '<div id="referral-main">' in refused.text and "<html" not in refused.text

    taken = analyst.post(
        f"/referrals/{world.waiting}/transitions",
        data={"to": "accepted", "feedback": "Accepted: thank you."},
        headers=HTMX,
    )
    assert taken.status_code == 200
    assert 'data-testid="step-in_development"' in taken.text  # the next step now
    assert ">Accepted<" in taken.text

    plain = analyst.post(f"/referrals/{world.waiting}/transitions", data={"to": "in_development"})
    assert plain.status_code == 303 and plain.headers["location"] == f"/referrals/{world.waiting}"
    assert analyst.get(f"/api/v1/referrals/{world.waiting}").json()["status"] == "in_development"

    noted = analyst.post(
        f"/referrals/{world.waiting}/notes", data={"text": "Checked the CCTV", "for_referrer": "true"}, headers=HTMX
    )
    assert "Checked the CCTV" in noted.text and "to the referrer" in noted.text


def test_a_form_without_its_token_is_refused(world: World) -> None:
    analyst = world.fresh("analyst")
    del analyst.headers["X-CSRF-Token"]
    refused = analyst.post(f"/referrals/{world.waiting}/transitions", data={"to": "closed", "result": "x"})
    analyst.close()
    assert refused.status_code == 403


def test_the_referrer_sees_its_status_and_feedback_only(world: World) -> None:
    southco = world.user("southco")
    page = southco.get(f"/referrals/{world.declined}")
    listed = southco.get("/referrals")
    assert page.status_code == 200
    assert 'data-testid="history"' in page.text and "Declined" in page.text
    assert INTERNAL_REASON not in page.text
    assert "priority" not in page.text.lower().replace("high priority", "")
    assert "transitions" not in page.text and "step-" not in page.text  # no forms
    assert 'data-testid="priority"' not in listed.text
    northmart = world.user("northmart")
    assert northmart.get(f"/referrals/{world.declined}").status_code == 404  # not theirs
    mine = northmart.get(f"/referrals/{world.adopted}").text
    assert "Received: we are looking at it." in mine  # feedback meant for them
    assert "Operation Kestrel" not in mine  # the operation is not


def test_operations_list_and_detail_for_the_lead_force(world: World) -> None:
    wmp = world.user("wmp")
    listed = wmp.get("/operations").text
    page = wmp.get(f"/operations/{world.operation}").text
    assert "Operation Kestrel" in listed
    assert 'data-testid="fig-arrests">1<' in page
    assert 'data-testid="fig-positive">2<' in page
    assert "Birmingham Crown Court" in page and "18 months" in page
    assert 'data-testid="links-person"' in page and 'data-testid="links-vehicle"' in page
    assert f'href="/packages/{world.operation}"' in page
    mersey = world.user("mersey")
    assert mersey.get(f"/operations/{world.operation}").status_code == 404
    northmart = world.user("northmart")
    assert northmart.get(f"/operations/{world.operation}").status_code == 404


def _records(client: httpx.Client, key: str, query: str = "") -> tuple[int, list[dict[str, Any]]]:
    """How many records a figure has, and the records (as dicts)."""
    answer = client.get(f"/api/v1/impact/records/{key}?limit=500{query}")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    return found["total"], [dict(zip(found["columns"], row, strict=True)) for row in found["items"]]


@pytest.mark.parametrize("query", ["", "&from=2025-02-01&to=2025-03-31", "&force=west-midlands", "&operation=1"])
def test_every_impact_figure_is_the_records_behind_it(world: World, query: str) -> None:
    analyst = world.user("analyst")
    figures = analyst.get(f"/api/v1/impact?{query.lstrip('&')}").json()["figures"]
    page = analyst.get(f"/impact?{query.lstrip('&')}").text
    for figure in figures:
        key, value = figure["key"], figure["value"]
        assert f'data-testid="figure-{key}"' in page
        total, rows = _records(analyst, key, query)
        if value is None:
            continue
        if key == "custodial_years":
            assert sum(r["custodial_months"] for r in rows) / 12 == pytest.approx(value, abs=0.01)
        elif key == "losses_attributed_gbp":
            assert sum(r["value_gbp"] for r in rows) == pytest.approx(value)
        elif key == "offending_rate_change_pct":
            assert {r["phase"] for r in rows} <= {"before", "after"}
        else:
            assert total == len(rows) == value, key


def test_a_figure_opens_its_records_in_place_and_as_csv(world: World) -> None:
    analyst = world.user("analyst")
    partial = analyst.get("/impact/records/arrests", headers=HTMX)
    whole = analyst.get("/impact/records/arrests")
    download = analyst.get("/impact/records/offenders_identified.csv")
    unknown = analyst.get("/impact/records/nonsense", headers=HTMX)
    assert "<html" not in partial.text and partial.text.count('data-testid="record-row"') == 1
    assert "Jason Smith" in partial.text and f'href="/operations/{world.operation}"' in partial.text
    assert "<html" in whole.text and "Jason Smith" in whole.text
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {r["display_name"] for r in rows} >= {"Jason SMITH"}
    assert unknown.status_code == 404


@pytest.mark.parametrize("args", [[], ["--from", "2025-02-01", "--to", "2025-03-31"], ["--force", "west-midlands"]])
def test_the_impact_csv_is_the_clis(world: World, args: list[str]) -> None:
    query = "&".join(f"{a.lstrip('-')}={b}" for a, b in zip(args[::2], args[1::2], strict=True))
    analyst = world.user("analyst")
    web = analyst.get(f"/impact.csv?{query}")
    assert web.status_code == 200 and web.headers["content-type"].startswith("text/csv")
    printed = CliRunner().invoke(cli, ["report", "impact", "--format", "csv", "--db", world.store.url, *args])
    assert printed.exit_code == 0, printed.output
    assert web.text.replace("\r\n", "\n") == printed.stdout.replace("\r\n", "\n")
    assert [r["figure"] for r in csv.DictReader(io.StringIO(web.text))] == list(FIGURES)


def test_a_force_sees_its_own_areas_impact_and_a_retailer_none(world: World) -> None:
    wmp = world.user("wmp")
    own = wmp.get("/impact.csv").text
    other = wmp.get("/impact?force=metropolitan")
    assert next(csv.DictReader(io.StringIO(own)))["scope_force"] == "west-midlands"
    assert other.status_code == 403
    northmart = world.user("northmart")
    assert northmart.get("/impact").status_code == 403
    assert northmart.get("/api/v1/impact/records/referrals").status_code == 403


def test_the_impact_page_has_its_chart_and_filters(world: World) -> None:
    analyst = world.user("analyst")
    page = analyst.get("/impact?from=2025-01-01&to=2025-12-31").text
    assert '<canvas id="impact-chart"' in page and "/static/casework.js" in page
    months = re.search(r'id="impact-months">(.*?)</script>', page)
    assert months is not None and '"2025-02"' in months.group(1)
    assert 'name="from" value="2025-01-01"' in page
    assert 'href="/impact.csv?from=2025-01-01&amp;to=2025-12-31"' in page


def test_pages_need_a_login(world: World) -> None:
    with httpx.Client(base_url=world.url) as anonymous:
        for path in ("/referrals", "/operations", "/impact", f"/packages/{world.operation}", "/alerts"):
            assert anonymous.get(path).status_code == 303, path


def test_offender_and_group_pages_show_their_rfg_and_morile_as_the_referral_scores_them(world: World) -> None:
    analyst = world.user("analyst")
    referral = analyst.get(f"/api/v1/referrals/{world.adopted}").json()
    subjects = {s["kind"]: s for s in referral["priority_parts"]["subjects"]}
    person, group = subjects["person"], subjects["group"]
    offender = analyst.get(f"/offenders/{person['id']}").text
    shown = re.search(r'data-testid="priority-score">([\d.]+)<', offender)
    assert shown is not None and float(shown[1]) == pytest.approx(person["score"], abs=0.05)
    assert "RFG: recency" in offender and "from harm" in offender and "harm days" in offender
    page = analyst.get(f"/groups/{group['id']}").text
    assert "MoRiLE:" in page and "likelihood <b>" in page
    assert f"{group['parts']['named_members']} of {group['parts']['members']} members named" in page
