"""Sharing agreements: a retailer sees another's reports only while a recorded agreement allows
it — in force, of the offences it lists, never conditional (C) material — and an administrator
of the national unit records and revokes them (CLI, page, API), each change audited."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from crimelink.access.policy import Viewer, incident_filter, offender_filter, viewer_for_user
from crimelink.access.sharing import AgreementIn, add_agreement, list_agreements, revoke_agreement
from crimelink.access.users import create_user
from crimelink.audit.models import AuditEvent
from crimelink.audit.service import Actor, verify
from crimelink.cli import app as cli
from crimelink.errors import InvalidValue, NotFound
from crimelink.store import StoreHandle
from crimelink.store.models import Incident, Offender, User
from web_server import fill_store, password, site

ADMIN = Actor("admin", "NATIONAL-UNIT", "administrator")


def viewer(store: StoreHandle, username: str) -> Viewer:
    with store.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        found = viewer_for_user(session=session, user_id=user_id)
    assert found is not None
    return found


def opens(store: StoreHandle, who: Viewer) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Incident.incident_ref).where(incident_filter(who))))


def agree(store: StoreHandle, **fields: object) -> int:
    with store.session() as session:
        made = add_agreement(session=session, actor=ADMIN, agreement=AgreementIn.model_validate(fields))
    return made.id


def revoke(store: StoreHandle, agreement_id: int) -> None:
    with store.session() as session:
        revoke_agreement(session=session, actor=ADMIN, agreement_id=agreement_id, reason="ended by the partners")


def test_a_retailer_sees_another_retailers_reports_only_while_an_agreement_allows(
    store: StoreHandle, tmp_path: Path
) -> None:
    fill_store(store, tmp_path)
    northmart, southco = viewer(store, "northmart"), viewer(store, "southco")
    assert opens(store, northmart) == {"NM-1", "NM-2"} and opens(store, southco) == {"SC-1", "SC-2"}

    one_way = agree(store, provider="SOUTHCO", recipient="NORTHMART")
    # SC-1 is graded C ("not to be shared outside policing"): never shared by an agreement
    assert opens(store, northmart) == {"NM-1", "NM-2", "SC-2"}
    assert opens(store, southco) == {"SC-1", "SC-2"}, "one way only"
    revoke(store, one_way)
    assert opens(store, northmart) == {"NM-1", "NM-2"}

    both = agree(store, provider="SOUTHCO", recipient="NORTHMART", mutual=True)
    assert opens(store, southco) == {"SC-1", "SC-2", "NM-1", "NM-2"}
    revoke(store, both)
    assert opens(store, southco) == {"SC-1", "SC-2"}

    robbery_only = agree(store, provider="NORTHMART", recipient="SOUTHCO", offences=["robbery"])
    assert opens(store, southco) == {"SC-1", "SC-2"}, "NM-1 and NM-2 are thefts"
    revoke(store, robbery_only)
    today = date.today()
    agree(store, provider="NORTHMART", recipient="SOUTHCO", starts=today + timedelta(days=3))
    agree(store, provider="NORTHMART", recipient="SOUTHCO", starts=today - timedelta(days=30),
          ends=today - timedelta(days=1))  # fmt: skip
    assert opens(store, southco) == {"SC-1", "SC-2"}, "not yet in force, and no longer in force"
    current = agree(store, provider="NORTHMART", recipient="SOUTHCO", offences=["theft_from_shop"],
                    starts=today - timedelta(days=1), ends=today)  # fmt: skip
    assert opens(store, southco) == {"SC-1", "SC-2", "NM-1", "NM-2"}

    with store.session() as session:  # offenders follow the incidents (here: unanalysed, none linked)
        assert session.scalar(select(Offender.id).where(offender_filter(southco))) is None
        listed = {a.id: a for a in list_agreements(session=session)}
        assert listed[current].in_force and not listed[one_way].in_force and listed[one_way].revoked_by == "admin"
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "sharing_agreement"))
        assert sorted(actions) == ["sharing.add"] * 6 + ["sharing.revoke"] * 3
        assert verify(session=session).ok


def test_agreements_name_two_organisations_other_than_the_national_unit(store: StoreHandle, tmp_path: Path) -> None:
    fill_store(store, tmp_path)
    refused = [
        {"provider": "NATIONAL-UNIT", "recipient": "NORTHMART"},
        {"provider": "NORTHMART", "recipient": "NORTHMART"},
        {"provider": "NORTHMART", "recipient": "SOUTHCO", "starts": "2025-02-01", "ends": "2025-01-01"},
    ]
    for fields in refused:
        with pytest.raises(InvalidValue), store.session() as session:
            add_agreement(session=session, actor=ADMIN, agreement=AgreementIn.model_validate(fields))
    with pytest.raises(NotFound), store.session() as session:
        add_agreement(session=session, actor=ADMIN, agreement=AgreementIn(provider="NOBODY", recipient="SOUTHCO"))
    made = agree(store, provider="NORTHMART", recipient="SOUTHCO")
    revoke(store, made)
    with pytest.raises(InvalidValue, match="already revoked"), store.session() as session:
        revoke_agreement(session=session, actor=ADMIN, agreement_id=made, reason="twice")


def test_the_sharing_command_records_lists_and_revokes(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    fill_store(sqlite_store, tmp_path)
    runner = CliRunner()
    db = ["--db", sqlite_store.url]
    added = runner.invoke(cli, ["sharing", "add", "SOUTHCO", "NORTHMART", "--mutual", "--offence", "robbery",
                                "--reference", "DSA-7", *db])  # fmt: skip
    assert added.exit_code == 0, added.output
    agreement_id = int(re.search(r"agreement (\d+)", added.output).group(1))  # type: ignore[union-attr]
    listed = runner.invoke(cli, ["sharing", "list", *db])
    assert "SOUTHCO" in listed.output and "<->" in listed.output and "in force" in listed.output
    refused = runner.invoke(cli, ["sharing", "revoke", str(agreement_id), "--reason", "x", "--as", "analyst", *db])
    assert refused.exit_code != 0 and isinstance(refused.exception, Exception)
    revoked = runner.invoke(cli, ["sharing", "revoke", str(agreement_id), "--reason", "trial over", *db])
    assert revoked.exit_code == 0, revoked.output
    assert "SOUTHCO" not in runner.invoke(cli, ["sharing", "list", *db]).output
    assert "revoked" in runner.invoke(cli, ["sharing", "list", "--all", *db]).output
    with sqlite_store.session() as session:
        who = session.execute(select(AuditEvent.action, AuditEvent.username).where(AuditEvent.action.like("sharing.%"))
                              .order_by(AuditEvent.seq)).all()  # fmt: skip
    assert [a for a, _ in who] == ["sharing.add", "sharing.list", "sharing.revoke", "sharing.list", "sharing.list"]
    assert all(name.startswith("system:cli:") for _, name in who)


def test_administrators_manage_agreements_on_the_page_and_its_json_twin(
    sqlite_store: StoreHandle, tmp_path: Path
) -> None:
    with site(sqlite_store, tmp_path, analysed=False) as web:
        with sqlite_store.session() as session:
            create_user(session=session, username="admin", password=password("admin"), role="administrator",
                        organisation_code="NATIONAL-UNIT", display_name="Test administrator")  # fmt: skip
        with httpx.Client(base_url=web.url, auth=web.auth("northmart")) as northmart:
            assert northmart.get("/api/v1/incidents", params={"q": "SC-2"}).json()["total"] == 0
            assert northmart.get("/api/v1/sharing").status_code == 403
            wish = {"provider": "SOUTHCO", "recipient": "NORTHMART"}
            assert northmart.post("/api/v1/sharing", json=wish).status_code == 403
            with httpx.Client(base_url=web.url, auth=web.auth("analyst")) as analyst:
                assert analyst.get("/sharing").status_code == 403
            browser = httpx.Client(base_url=web.url, timeout=30)
            assert browser.post("/login", data={"username": "admin", "password": password("admin")}).status_code == 303
            page = browser.get("/sharing")
            assert page.status_code == 200 and "No agreements" in page.text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            made = browser.post("/sharing", data={"csrf_token": token, "provider": "SOUTHCO", "recipient": "NORTHMART",
                                                  "reference": "DSA-1"})  # fmt: skip
            assert made.status_code == 303
            listed = browser.get("/api/v1/sharing", headers={"X-CSRF-Token": token}).json()["items"]
            assert [(a["provider"], a["recipient"], a["in_force"]) for a in listed] == [("SOUTHCO", "NORTHMART", True)]
            assert northmart.get("/api/v1/incidents", params={"q": "SC-2"}).json()["total"] == 1
            assert northmart.get("/api/v1/incidents", params={"q": "SC-1"}).json()["total"] == 0  # C-coded
            bad = browser.post("/sharing", data={"csrf_token": token, "provider": "SOUTHCO", "recipient": "SOUTHCO"})
            assert bad.status_code == 400 and "sees its own reports" in bad.text
            gone = browser.post(f"/api/v1/sharing/{listed[0]['id']}/revoke", json={"reason": "trial over"},
                                headers={"X-CSRF-Token": token})  # fmt: skip
            assert gone.status_code == 200 and gone.json()["revoked_by"] == "admin"
            assert northmart.get("/api/v1/incidents", params={"q": "SC-2"}).json()["total"] == 0
            assert "revoked" in browser.get("/sharing").text
            browser.close()
    with sqlite_store.session() as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.username == "admin")))
    assert {"sharing.add", "sharing.revoke", "sharing.list"} <= actions
