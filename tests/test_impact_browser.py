"""The impact report for a demo scenario in a real browser: the national analyst reads the figures
(the same as ``crimelink report impact --format csv`` prints), sees the chart, clicks a figure and
gets the records behind it.

The scenario is the demo's, smaller: generated incidents, imported, analysed, and a year of the
partnership's casework seeded on it (``crimelink casework seed``). Needs Debian's Chromium, like
``test_browser.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from browser import CHROMIUM, CHROMIUM_ARGS, require_browser
from crimelink.access.organisations import add_organisation, organisation_by_code
from crimelink.casework.generate import seed_partnership_year
from crimelink.cli import app as cli
from crimelink.intake import import_files
from crimelink.pipeline import run_analysis
from crimelink.scenario import generate_scenario
from crimelink.settings import Settings
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import User
from crimelink.web import create_app
from web_server import SECRET, _password_hash, password, serve

pytestmark = pytest.mark.browser


@dataclass
class Demo:
    url: str
    store: StoreHandle


def _demo_store(folder: Path) -> StoreHandle:
    reports = folder / "scenario.jsonl"
    generate_scenario(incidents=2000, seed=7, out=reports)
    store = open_store(f"sqlite:///{folder / 'demo.sqlite'}")
    with store.session() as session, (folder / "scenario.jsonl.truth" / "organisations.csv").open() as fh:
        for row in csv.DictReader(fh):
            add_organisation(
                session=session,
                code=row["code"],
                kind=row["kind"],
                name=row["name"],
                force=row.get("police_force") or None,
            )
    import_files(store=store, paths=[reports])
    run_analysis(store=store)
    seed_partnership_year(store=store, seed=7, referrals=40, operations=5, engagement=12)
    with store.session() as session:
        unit = organisation_by_code(session=session, code="NATIONAL-UNIT")
        session.add(
            User(
                username="analyst",
                display_name="Demo analyst",
                password_hash=_password_hash("analyst"),
                role="national_analyst",
                organisation_id=unit.id,
                active=True,
            )
        )
    return store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    require_browser()
    store = _demo_store(tmp_path_factory.mktemp("impact-demo"))
    try:
        app = create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)
        with serve(app) as url:
            yield Demo(url, store)
    finally:
        store.close()


def shown(value: str, unit: str) -> str:
    """A CSV value as the impact page shows it."""
    if value == "":
        return "n/a"
    number = float(value)
    return {
        "GBP": f"£{number:,.0f}",
        "years": f"{number:.2f}",
        "%": f"{number:+.1f}%",
    }.get(unit, f"{int(number):,}")


def test_the_analyst_reads_the_impact_report_and_opens_a_figures_records(demo: Demo) -> None:
    from playwright.sync_api import expect, sync_playwright

    printed = CliRunner().invoke(cli, ["report", "impact", "--format", "csv", "--db", demo.store.url])
    assert printed.exit_code == 0, printed.output
    figures = {row["figure"]: row for row in csv.DictReader(io.StringIO(printed.stdout))}
    arrests = int(float(figures["arrests"]["value"]))
    operations = int(float(figures["operations_adopted"]["value"]))
    assert arrests > 0 and 0 < operations <= 5

    problems: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport={"width": 1360, "height": 900})
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(demo.url + "/referrals")
            page.get_by_label("Username").fill("analyst")
            page.get_by_label("Password").fill(password("analyst"))
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(demo.url + "/referrals")
            expect(page.get_by_test_id("referral-row")).to_have_count(40)
            page.get_by_role("link", name="Impact", exact=True).click()
            expect(page).to_have_url(demo.url + "/impact")

            for key, row in figures.items():  # the page's figures are the CLI's, each saying what it counts
                expect(page.get_by_test_id(f"figure-{key}")).to_have_text(shown(row["value"], row["unit"]))
                expect(page.get_by_test_id(f"counts-{key}")).to_have_text(row["counts"])
            expect(page.locator("#impact-chart")).to_have_attribute("data-rendered", "true")
            drawn = page.evaluate("() => Chart.getChart('impact-chart').data.datasets.map(d => d.label)")
            assert "Arrests" in drawn and "Referrals received" in drawn

            page.get_by_test_id("figure-arrests").click()  # htmx loads the records in place
            expect(page.get_by_test_id("records-title")).to_contain_text("Arrests")
            expect(page.get_by_test_id("records-count")).to_have_text(
                f"{arrests:,} record{'' if arrests == 1 else 's'}"
            )
            expect(page.get_by_test_id("record-row")).to_have_count(min(arrests, 100))
            assert page.url == demo.url + "/impact"  # still on the report

            page.get_by_test_id("figure-operations_adopted").click()
            expect(page.get_by_test_id("records-title")).to_contain_text("Operations adopted")
            expect(page.get_by_test_id("record-row")).to_have_count(operations)
            first = page.get_by_test_id("record-row").first
            name = first.locator("td").nth(1).inner_text()
            first.locator("a").first.click()  # a record opens the operation it is
            expect(page.get_by_test_id("operation-name")).to_have_text(name)
        finally:
            chromium.close()
    assert problems == []
