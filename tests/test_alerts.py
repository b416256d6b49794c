"""Alerts and bulletins on SQLite and PostgreSQL: following over real HTTP, alerts raised after an
analysis run when a followed offender, vehicle or group turns up again, what each follower may be
told, the outbox and real SMTP, and bulletins sanitised for their reader.

After the first run, these follow: Northmart Smith (with an email address), West Midlands Brown
and Operation Kestrel's group, the analyst the car AB12 CDE (with an address). Then three reports
arrive and the analysis runs again:

- SC-9, Southco, Merseyside: Smith, Brown and AB12 CDE in a force area none was seen in before;
- WMP-2, West Midlands Police, "not to be shared outside policing": Smith again;
- NM-9, Northmart's own, "no further dissemination": Smith again.
"""

from __future__ import annotations

import json
import socketserver
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes
from pathlib import Path
from typing import ClassVar

import pypdfium2
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from casework_site import World, add_merseyside, offender_id, viewer, work_cases
from crimelink.audit.models import AuditEvent
from crimelink.casework.alerts import alerts_after_run, check_alerts
from crimelink.casework.alerts_models import Alert, OutboxMessage
from crimelink.casework.bulletins import Period, bulletin, send_bulletin
from crimelink.casework.mail import SmtpSettings, deliver_outbox
from crimelink.cli import app as cli
from crimelink.intake import import_files
from crimelink.pipeline import run_analysis
from crimelink.settings import Settings
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import AnalysisRun, OffenderGroup
from crimelink.web import create_app
from web_server import BROWN, SECRET, SMITH, fill_store, incident, serve

NEW_REPORTS = [
    incident("SOUTHCO", "SC-9", "2025-04-02T11:00:00Z", police_force="merseyside", value_gbp=310.0,
             store={"store_ref": "SC-LIV-1", "name": "Southco Church Street"},
             persons=[{"person_ref": "a", **SMITH}, {"person_ref": "b", **BROWN}], vehicles=[{"vrm": "AB12 CDE"}]),
    incident("POLICE-WEST-MIDLANDS", "WMP-2", "2025-04-03T20:00:00Z", police_force="west-midlands",
             store={"store_ref": "WMP-LOC-2", "name": "Late shop, Aston"}, persons=[{"person_ref": "s", **SMITH}],
             grading={"source_evaluation": "1", "intelligence_assessment": "B", "handling_code": "C",
                      "handling_conditions": "Not to be shared outside policing"}),
    incident("NORTHMART", "NM-9", "2025-04-04T09:30:00Z", police_force="west-midlands", value_gbp=95.0,
             store={"store_ref": "NM-BHAM-1", "name": "Northmart New Street"}, persons=[{"person_ref": "p", **SMITH}],
             grading={"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "C",
                      "handling_conditions": "No further dissemination"}),
]  # fmt: skip
NORTHMART_MAIL = "loss.prevention@northmart.example"
ANALYST_MAIL = "analyst@national-unit.example"


@dataclass
class Alerted:
    world: World
    first_run: int
    second_run: int
    raised: list[int]


def _store(request: pytest.FixtureRequest, folder: Path) -> StoreHandle:
    if request.param == "sqlite":
        return open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    server = request.getfixturevalue("postgres_server")
    name = f"alerts_{uuid.uuid4().hex[:12]}"
    server.admin(f"CREATE DATABASE {name} TEMPLATE crimelink_template")
    return open_store(server.url(name))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def alerted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alerted]:
    folder = tmp_path_factory.mktemp("alerts")
    store = _store(request, folder)
    try:
        fill_store(store, folder)
        add_merseyside(store)
        first = run_analysis(store=store).run_id
        operation, adopted, waiting, declined = work_cases(store)
        app = create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)
        with serve(app) as url:
            world = World(url, store, operation, adopted, waiting, declined)
            _follow(world)
            reports = folder / "new.jsonl"
            reports.write_text("".join(json.dumps(doc) + "\n" for doc in NEW_REPORTS))
            assert import_files(store=store, paths=[reports]).created == 3
            second = run_analysis(store=store).run_id
            with store.session() as session:
                raised = check_alerts(session=session, since_run_id=first, run_id=second)
            yield Alerted(world, first, second, raised)
            for client in world.clients.values():
                client.close()
    finally:
        store.close()


def _group(store: StoreHandle) -> int:
    with store.session() as session:
        found = session.scalar(select(OffenderGroup.id).order_by(OffenderGroup.id))
    assert found is not None
    return found


def _follow(world: World) -> None:
    smith, brown, walsh = (offender_id(world.store, n) for n in ("smith", "brown", "walsh"))
    vehicle = world.user("analyst").get(f"/api/v1/offenders/{smith}").json()["vehicles"][0]["vehicle_id"]
    follow = "/api/v1/alerts/subscriptions"
    northmart, wmp, analyst = world.user("northmart"), world.user("wmp"), world.user("analyst")
    made = northmart.post(follow, json={"kind": "person", "id": smith, "email": NORTHMART_MAIL})
    assert made.status_code == 201, made.text
    assert northmart.post(follow, json={"kind": "person", "id": walsh}).status_code == 404  # not in its reports
    assert northmart.post(follow, json={"kind": "group", "id": _group(world.store)}).status_code == 201  # its referral
    assert wmp.post(follow, json={"kind": "person", "id": brown}).status_code == 201
    assert wmp.post(follow, json={"kind": "group", "id": _group(world.store)}).status_code == 201  # Kestrel's
    assert world.user("mersey").post(follow, json={"kind": "group", "id": _group(world.store)}).status_code == 403
    assert analyst.post(follow, json={"kind": "vehicle", "id": vehicle, "email": ANALYST_MAIL}).status_code == 201
    assert analyst.post(follow, json={"kind": "person", "id": smith, "email": "not-an-address"}).status_code == 422


def _alerts(alerted: Alerted, username: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = alerted.world.user(username).get("/api/v1/alerts").json()["items"]
    return found


def test_a_retailer_hears_that_its_offender_turned_up_in_a_new_force_area(alerted: Alerted) -> None:
    alerts = _alerts(alerted, "northmart")
    about_smith = [a for a in alerts if a["kind"] == "person"]
    assert len(about_smith) == 1  # SC-9 only: WMP-2 is for policing only, NM-9 is its own report
    alert = about_smith[0]
    assert alert["reason"] == "new_force_area" and alert["police_force"] == "merseyside"
    assert "Merseyside Police" in str(alert["summary"]) and "Jason SMITH" in str(alert["summary"])
    assert "Southco" not in str(alert["summary"]) and "SC-9" not in str(alert["summary"])  # not who, not where
    assert alert["incident_id"] is None  # it cannot open another retailer's report
    assert {a["kind"] for a in alerts} == {"person", "group"}


def test_a_force_hears_everything_it_may_see(alerted: Alerted) -> None:
    alerts = _alerts(alerted, "wmp")
    brown = [a for a in alerts if a["kind"] == "person"]
    assert [a["reason"] for a in brown] == ["new_force_area"]
    assert "Southco Church Street" in str(brown[0]["summary"])
    group = {str(a["summary"]).split("reference ")[1].split(")")[0] for a in alerts if a["kind"] == "group"}
    assert group == {"SC-9"}  # WMP-2 is its own report; NM-9's conditions forbid passing it on


def test_the_analyst_follows_a_car(alerted: Alerted) -> None:
    alerts = _alerts(alerted, "analyst")
    assert [(a["kind"], a["reason"]) for a in alerts] == [("vehicle", "new_force_area")]
    assert alerts[0]["incident_id"] is not None  # the unit opens everything


def test_alerts_are_raised_once(alerted: Alerted) -> None:
    with alerted.world.store.session() as session:
        assert check_alerts(session=session, since_run_id=alerted.first_run, run_id=alerted.second_run) == []
        assert session.scalar(select(func.count()).select_from(Alert)) == len(alerted.raised)
    assert alerts_after_run(store=alerted.world.store, run_id=alerted.second_run) == 0


def test_emailed_alerts_wait_in_the_outbox(alerted: Alerted) -> None:
    with alerted.world.store.session() as session:
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert")).all()
    to = sorted(m.to_address for m in mail)
    assert to == [ANALYST_MAIL, NORTHMART_MAIL]  # those who gave an address; the group alerts had none
    northmart = next(m for m in mail if m.to_address == NORTHMART_MAIL)
    assert northmart.subject.startswith("OFFICIAL-SENSITIVE: crimelink alert: Jason SMITH, a new force area")
    assert "Southco" not in northmart.body_text and "Merseyside" in northmart.body_text
    assert all(m.sent_at is None for m in mail)  # no SMTP configured
    with alerted.world.store.session() as session:
        assert deliver_outbox(session=session, smtp_url=None) == 0


def test_the_alerts_page_and_marking_them_read(alerted: Alerted) -> None:
    northmart = alerted.world.user("northmart")
    page = northmart.get("/alerts").text
    assert 'data-testid="alert-row"' in page and "new force area" in page
    assert 'data-testid="unread">2 unread' in page
    read = northmart.post("/alerts/read", data={}, headers={"HX-Request": "true"})
    assert 'data-testid="unread">0 unread' in read.text


def test_the_follow_button_on_a_profile(alerted: Alerted) -> None:
    smith = offender_id(alerted.world.store, "smith")
    northmart, southco = alerted.world.user("northmart"), alerted.world.user("southco")
    assert 'hx-get="/alerts/button?kind=person&amp;id=' in northmart.get(f"/offenders/{smith}").text
    assert 'data-testid="following"' in northmart.get(f"/alerts/button?kind=person&id={smith}").text
    offered = southco.get(f"/alerts/button?kind=person&id={smith}").text
    assert 'data-testid="follow-button"' in offered
    followed = southco.post(
        "/alerts/subscriptions", data={"kind": "person", "id": str(smith)}, headers={"HX-Request": "true"}
    )
    assert 'data-testid="following"' in followed.text
    subscription = next(s for s in southco.get("/api/v1/alerts").json()["subscriptions"] if s["target_id"] == smith)
    stopped = southco.post(f"/alerts/subscriptions/{subscription['id']}/stop", headers={"HX-Request": "true"})
    assert 'data-testid="follow-button"' in stopped.text


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to take messages: what a real server says, and what it was sent."""

    received: ClassVar[list[tuple[list[str], bytes]]] = []

    def handle(self) -> None:
        say = self.wfile.write
        say(b"220 test ESMTP\r\n")
        recipients: list[str] = []
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                say(b"250 test\r\n")
            elif verb == b"MAIL":
                recipients = []
                say(b"250 ok\r\n")
            elif verb == b"RCPT":
                recipients.append(line.split(b"<", 1)[1].split(b">", 1)[0].decode())
                say(b"250 ok\r\n")
            elif verb == b"DATA":
                say(b"354 go on\r\n")
                body = b"".join(iter(self.rfile.readline, b".\r\n"))
                type(self).received.append((recipients, body))
                say(b"250 queued\r\n")
            elif verb == b"QUIT":
                say(b"221 bye\r\n")
                return
            else:
                say(b"250 ok\r\n")


def test_smtp_sends_the_outbox(alerted: Alerted) -> None:
    _Smtp.received = []
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"smtp://127.0.0.1:{server.server_address[1]}?from=alerts@crimelink.example"
        assert SmtpSettings.parse(url).sender == "alerts@crimelink.example"
        with alerted.world.store.session() as session:
            waiting = session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
            )
            assert deliver_outbox(session=session, smtp_url=url) == waiting
        with alerted.world.store.session() as session:
            assert deliver_outbox(session=session, smtp_url=url) == 0  # nothing left to send
        server.shutdown()
    assert sorted(r[0] for r, _ in _Smtp.received) >= [ANALYST_MAIL, NORTHMART_MAIL]
    sent = message_from_bytes(next(body for r, body in _Smtp.received if r == [NORTHMART_MAIL]))
    assert sent["From"] == "alerts@crimelink.example" and "crimelink alert" in sent["Subject"]


def test_a_retailers_bulletin_is_sanitised_for_it(alerted: Alerted) -> None:
    with alerted.world.store.session() as session:
        made = bulletin(
            session=session, organisation_code="NORTHMART", period=Period(date(2025, 1, 1), date(2025, 4, 30))
        )
    assert made.audience == "retailer" and made.marking == "OFFICIAL-SENSITIVE"
    assert made.incidents == 3  # NM-1, NM-2 and its own NM-9, whatever NM-9's conditions
    assert [o.name for o in made.offenders] == ["Jason SMITH"]
    assert [g.label for g in made.groups] == ["Group A"]  # never the group's own name
    assert "Group 1" not in made.html and "Group 1" not in made.text and "Dean WALSH" not in made.text
    assert "Images are not included" in made.text and "<img" not in made.html
    assert made.html.count("OFFICIAL-SENSITIVE") == 2


def test_a_forces_bulletin_leaves_out_what_it_may_not_have(alerted: Alerted) -> None:
    with alerted.world.store.session() as session:
        made = bulletin(
            session=session,
            organisation_code="POLICE-WEST-MIDLANDS",
            period=Period(date(2025, 1, 1), date(2025, 4, 30)),
        )
    assert made.audience == "police"
    assert made.withheld == 1  # NM-9: no further dissemination
    assert made.groups and made.groups[0].label.startswith("Group 1") and made.groups[0].members == 3
    assert "Jason SMITH" in {o.name for o in made.offenders}
    assert "NM-9" not in made.text


def test_bulletins_over_http_and_by_mail(alerted: Alerted) -> None:
    northmart = alerted.world.user("northmart")
    page = northmart.get("/bulletins/NORTHMART?from=2025-01-01&to=2025-04-30")
    assert page.status_code == 200 and 'data-testid="bulletin-offenders"' in page.text
    assert northmart.get("/api/v1/bulletins/SOUTHCO").status_code == 403
    assert alerted.world.user("analyst").get("/api/v1/bulletins/SOUTHCO").json()["organisation"] == "SOUTHCO"
    with alerted.world.store.session() as session:
        sent = send_bulletin(session=session, organisation_code="NORTHMART", period=Period.ending(date(2025, 4, 30)))
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "bulletin")).all()
    assert sent == 1 and [m.to_address for m in mail] == [NORTHMART_MAIL]
    assert mail[0].body_html and "crimelink bulletin: Northmart" in mail[0].body_text
    assert "03 Apr 2025 to 30 Apr 2025" in mail[0].body_text  # the 28 days to the day asked for


def test_runs_are_recorded(alerted: Alerted) -> None:
    with alerted.world.store.session() as session:
        runs = session.scalars(select(AnalysisRun.id).order_by(AnalysisRun.id)).all()
    assert runs[-2:] == [alerted.first_run, alerted.second_run]
    assert viewer(alerted.world.store, "wmp").force == "west-midlands"


def test_the_bulletin_from_the_terminal_as_text_html_and_pdf(alerted: Alerted, tmp_path: Path) -> None:
    """``crimelink bulletin``: the same sanitised bulletin as the page, to a file, recorded in the audit."""
    period = ["--since", "2025-01-01", "--until", "2025-04-30", "--db", alerted.world.store.url]
    written = {}
    for fmt in ("text", "html", "pdf"):
        out = tmp_path / f"bulletin.{fmt}"
        args = ["bulletin", "--org", "northmart", "--format", fmt, "--out", str(out), *period]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "OFFICIAL-SENSITIVE bulletin for Northmart" in result.output and "1 prolific offenders" in result.output
        written[fmt] = out.read_bytes()
    text, html = written["text"].decode(), written["html"].decode()
    assert "Jason SMITH" in text and "Group A" in text and "Images are not included" in text
    assert "Group 1" not in text + html and "Dean WALSH" not in text + html  # a retailer's: sanitised
    assert html.startswith("<!doctype html>") and "<title>OFFICIAL-SENSITIVE: crimelink bulletin" in html
    assert "<img" not in html
    pdf = pypdfium2.PdfDocument(written["pdf"])
    try:
        pages = [pdf[i].get_textpage().get_text_range().replace(" ", "") for i in range(len(pdf))]
    finally:
        pdf.close()
    assert all(page.count("OFFICIAL-SENSITIVE·page") == 1 and page.count("OFFICIAL-SENSITIVE") >= 2 for page in pages)
    assert "JasonSMITH" in "".join(pages) and "Group1" not in "".join(pages)
    with alerted.world.store.session() as session:
        produced = session.scalars(select(AuditEvent).where(AuditEvent.action == "bulletin.produce")).all()
    assert [(e.subject_id, e.username.startswith("system:cli:")) for e in produced][-3:] == [("NORTHMART", True)] * 3
    refused = CliRunner().invoke(cli, ["bulletin", "--org", "NOBODY", "--out", str(tmp_path / "x.html"), *period])
    assert refused.exit_code != 0 and not (tmp_path / "x.html").exists()
