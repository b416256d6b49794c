"""The intelligence package: graded, marked on every page, sanitised by handling code, for the national
unit and the lead force only; as HTML and as a PDF that is rendered and looked at.

One incident of Operation Kestrel's group (WMP-1) is graded C with conditions that forbid passing it
on: it must be withheld from the package whole, with a note. SC-1 is C "not to be shared outside
policing": it goes to the force, its conditions beside it.

The PDF is produced as a job: a long package answers first with its progress (asked for here with
``Prefer: respond-async``, as the sample world's packages are short), and a PDF once produced is
given again, unchanged, until what the package holds changes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pypdfium2
import pytest
from sqlalchemy import update

from casework_site import World, casework_world, viewer
from crimelink.domain.grading import Grading
from crimelink.errors import NotFound
from crimelink.reports.handling import UNGRADED, Audience, decide, worst_grading
from crimelink.reports.package import build_package, package_pdf
from crimelink.reports.package_pdfs import PdfJobs
from crimelink.store import open_store
from crimelink.store.models import Incident

FORBIDS = "No further dissemination without the originator's consent"
PNG = Path("/tmp/package-page1.png")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("package")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        with casework_world(store, folder) as served:
            with store.session() as session:
                session.execute(
                    update(Incident)
                    .where(Incident.incident_ref == "WMP-1")
                    .values(
                        source_evaluation="1",
                        intelligence_assessment="A",
                        handling_code="C",
                        handling_conditions=FORBIDS,
                    )
                )
            yield served
    finally:
        store.close()


@pytest.mark.parametrize(
    ("grading", "conditions", "police", "retailer"),
    [
        ("1AP", None, True, True),
        ("2BC", "Not to be shared outside policing", True, False),
        ("2BC", "Police only", True, False),
        ("2BC", "Do not reveal the source's identity", True, False),
        ("1AC", FORBIDS, False, False),
        ("1AC", "No further dissemination", False, False),
        ("1AC", "Not to be passed on", False, False),
        ("1AC", None, False, False),  # C without its conditions: held until someone adds them
        # the conditions the scenario generator writes
        ("2BC", "Not to be disseminated outside the partnership without originator consent.", True, False),
        ("2BC", "Do not share with the retailer concerned; ongoing investigation.", True, False),
        ("2BC", "Sharing with police only; contains victim details.", True, False),
    ],
)
def test_what_a_handling_code_lets_through(grading: str, conditions: str | None, police: bool, retailer: bool) -> None:
    item = Grading.parse(grading, conditions)
    assert decide(item, Audience.POLICE).share is police
    assert decide(item, Audience.RETAILER).share is retailer
    assert decide(item, Audience.NATIONAL).share  # the unit holds everything already


def test_a_whole_carries_the_grading_of_its_weakest_part() -> None:
    whole = worst_grading([Grading.parse("1AP"), Grading.parse("2BC", "Police only"), UNGRADED])
    assert whole is not None and whole.code == "2CC" and whole.handling_conditions == "Police only"
    assert worst_grading([Grading.parse("1AP")]).code == "1AP"  # type: ignore[union-attr]


def test_the_package_is_graded_marked_and_sanitised(world: World) -> None:
    with world.store.session() as session:
        package = build_package(session=session, actor=viewer(world.store, "wmp"), operation_id=world.operation).package
    assert package.marking == "OFFICIAL-SENSITIVE"
    assert package.recipient_force == "west-midlands"
    assert package.grading.handling == "C" and package.grading.conditions == "Not to be shared outside policing"
    assert {i.reference for i in package.incidents} == {"NORTHMART NM-1", "NORTHMART NM-2", "SOUTHCO SC-1"}
    assert package.withheld.incidents == 1 and package.withheld.originators == ["POLICE-WEST-MIDLANDS"]
    assert FORBIDS in package.withheld.reasons[0]
    names = {s.name for s in package.subjects}
    assert {"Jason SMITH", "Kelly BROWN", "Dean WALSH"} <= names
    walsh = next(s for s in package.subjects if s.name == "Dean WALSH")
    assert walsh.withheld == 1 and walsh.incidents == 1  # WMP-1 withheld, SC-1 shown
    assert {v.vrm for v in package.vehicles} == {"AB12CDE", "XY70ZZZ"}
    assert [r.part for r in package.priority_reasons][:4] == ["Harm", "Likelihood", "Capability", "Capacity"]
    kinds = [e.kind for e in package.timeline]
    assert {"incident", "referral", "operation", "arrest", "charge", "court"} <= set(kinds)
    assert all(e.text.find("WMP-1") < 0 for e in package.timeline)


def test_only_the_national_unit_and_the_lead_force_get_it(world: World) -> None:
    assert world.user("analyst").get(f"/packages/{world.operation}").status_code == 200
    assert world.user("wmp").get(f"/api/v1/packages/{world.operation}").status_code == 200
    for outsider in ("mersey", "northmart"):
        assert world.user(outsider).get(f"/packages/{world.operation}").status_code == 404
        assert world.user(outsider).get(f"/packages/{world.operation}.pdf").status_code == 404
        assert world.user(outsider).get(f"/api/v1/packages/{world.operation}").status_code == 404
    with world.store.session() as session, pytest.raises(NotFound):
        build_package(session=session, actor=viewer(world.store, "mersey"), operation_id=world.operation)


def test_the_html_package(world: World) -> None:
    page = world.user("wmp").get(f"/packages/{world.operation}")
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert len(re.findall(r'class="marking-bar"[^>]*>OFFICIAL-SENSITIVE<', html)) == 2  # top and foot
    assert '@top-center { content: "OFFICIAL-SENSITIVE"; }' in html  # and every printed page
    assert 'data-testid="grading"' in html and "Not to be shared outside policing" in html
    assert 'data-testid="withheld"' in html and "WMP-1" not in html and "Digbeth" not in html
    assert html.count("<svg") == 2  # the map and the link chart, drawn on the server
    assert "Jason SMITH" in html and "Operation Kestrel" in html
    assert "script-src 'self'" in page.headers["content-security-policy"] and "<script" not in html


def test_the_pdf_package_rendered_and_looked_at(world: World) -> None:
    answer = world.user("analyst").get(f"/packages/{world.operation}.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(answer.content)
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        assert len(pages) >= 2
        for text in pages:  # the marking is letter-spaced: "O F F I C I A L - ..."
            assert text.replace(" ", "").count("OFFICIAL-SENSITIVE") >= 2, "marked at the top and foot of every page"
        whole = "\n".join(pages)
        for name in ("Jason SMITH", "Kelly BROWN", "Dean WALSH", "AB12CDE", "Operation Kestrel"):
            assert name in whole
        assert "WMP-1" not in whole and "withheld" in whole
        image = pdf[0].render(scale=1.5).to_pil().convert("L")
    finally:
        pdf.close()
    image.save(PNG)
    width, height = image.size
    assert width > 800 and height > 1100  # A4 at 1.5 × 72 dpi
    histogram = image.histogram()
    ink = sum(histogram[:200]) / (width * height)  # pixels darker than near-white
    assert ink > 0.03, f"page 1 looks blank ({ink:.1%} ink)"
    assert histogram[0:60] and sum(histogram[0:60]) > 500  # dark text: the title and the marking


def test_a_package_for_a_disseminated_referral(world: World) -> None:
    analyst, wmp = world.user("analyst"), world.user("wmp")
    assert wmp.get(f"/api/v1/referrals/{world.adopted}/package").json()["recipient_force"] == "west-midlands"
    assert world.user("northmart").get(f"/referrals/{world.adopted}/package").status_code == 404  # the referrer
    assert wmp.get(f"/referrals/{world.waiting}/package").status_code == 404  # not disseminated to them
    waiting = analyst.get(f"/api/v1/referrals/{world.waiting}/package").json()  # the unit previews it
    assert waiting["recipient_force"] == "metropolitan"  # where the harm falls


def _text(pdf_bytes: bytes) -> str:
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_a_pdf_as_a_job_shows_its_progress_then_comes_and_is_kept(world: World) -> None:
    wmp, pdf_url = world.user("wmp"), f"/referrals/{world.adopted}/package.pdf"
    progress = wmp.get(pdf_url, headers={"Prefer": "respond-async"})
    assert progress.status_code == 202 and progress.headers["content-type"].startswith("text/html")
    assert progress.headers["retry-after"] == "1"
    page = progress.text
    assert len(re.findall(r'class="marking-bar"[^>]*>OFFICIAL-SENSITIVE<', page)) == 2  # top and foot
    assert 'role="status"' in page and "<progress" in page and '<meta http-equiv="refresh" content="1">' in page
    assert "<script" not in page

    first = wmp.get(pdf_url, headers={"Prefer": "wait=60"})  # a script waits for the PDF itself
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    assert first.headers["content-disposition"].startswith('attachment; filename="PKG-R')
    assert "Jason SMITH" in _text(first.content)
    time.sleep(1.05)  # a PDF produced again now would say so in its Last-Modified
    again = wmp.get(pdf_url)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["last-modified"] == first.headers["last-modified"]
    assert again.headers["etag"] == first.headers["etag"]


def test_a_kept_pdf_is_not_given_once_the_package_has_changed(world: World) -> None:
    analyst, pdf_url = world.user("analyst"), f"/packages/{world.operation}.pdf"
    before = analyst.get(pdf_url)
    assert before.status_code == 200 and "NORTHMART NM-2" in _text(before.content)
    graded = {"source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "C"}
    with world.store.session() as session:  # NM-2 may no longer leave the unit
        session.execute(
            update(Incident).where(Incident.incident_ref == "NM-2").values(**graded, handling_conditions=FORBIDS)
        )
    try:
        after = analyst.get(pdf_url)
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
        assert "NM-2" not in _text(after.content)
    finally:
        ungraded = dict.fromkeys([*graded, "handling_conditions"])
        with world.store.session() as session:
            session.execute(update(Incident).where(Incident.incident_ref == "NM-2").values(**ungraded))


def test_a_pdf_job_counts_the_pages_as_they_are_laid_out() -> None:
    jobs = PdfJobs(workers=1)
    pages = "".join(f'<p style="break-before: page">page {n}</p>' for n in range(1, 4))
    job = jobs.job("three pages", lambda: package_pdf(pages, stylesheet=""), produced_at=datetime(2025, 3, 1),
                   pages_expected=3)  # fmt: skip
    assert job.wait(60) and job.pdf is not None
    assert (job.stage, job.page, job.percent) == ("done", 3, 100)
    assert jobs.job("three pages", lambda: b"", produced_at=datetime(2025, 3, 2), pages_expected=3) is job  # kept
