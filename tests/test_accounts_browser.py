"""In a real headless Chromium: an administrator invites a police officer on the Users page; the
officer opens the one-time link, chooses a password and sets up an authenticator (its codes
computed here with pyotp, as the phone would), logs in with password and code, and is refused
once the administrator has disabled them; the audit log holds every step."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from browser import CHROMIUM, CHROMIUM_ARGS, require_browser
from crimelink.access.users import create_user
from crimelink.audit.models import AuditEvent
from crimelink.audit.service import verify
from crimelink.store import StoreHandle
from web_server import Site, site

pytestmark = pytest.mark.browser
ADMIN_PASSWORD = "quiet orchard ledger compass"
JO_PASSWORD = "saffron tugboat meadow 42"


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    require_browser()
    with site(sqlite_store, tmp_path, analysed=False) as served:
        with sqlite_store.session() as session:
            create_user(session=session, username="admin", password=ADMIN_PASSWORD, role="administrator",
                        organisation_code="NATIONAL-UNIT", display_name="Ada Admin")  # fmt: skip
        yield served


def test_an_invited_officer_sets_a_password_and_authenticator_logs_in_and_is_refused_once_disabled(
    web: Site,
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    problems: list[str] = []

    def log_in(page: Page, username: str, password: str) -> None:
        page.goto(web.url + "/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            admin = chromium.new_context().new_page()
            officer = chromium.new_context().new_page()  # another browser: no cookie shared
            for page in (admin, officer):
                page.on("pageerror", lambda error: problems.append(str(error)))

            # the administrator invites Jo Patel, an investigator of West Midlands Police
            log_in(admin, "admin", ADMIN_PASSWORD)
            admin.get_by_test_id("nav-users").click()
            form = admin.get_by_test_id("invite-form")
            form.get_by_label("Username").fill("jo.patel")
            form.get_by_label("Name", exact=True).fill("Jo Patel")
            form.get_by_label("Organisation").select_option("POLICE-WEST-MIDLANDS")
            form.get_by_label("Role").select_option("force_investigator")
            form.get_by_role("button", name="Invite").click()
            link = admin.get_by_test_id("user-link-url").inner_text()
            assert link.startswith(web.url + "/welcome/")
            row = admin.get_by_test_id("user-jo.patel")
            expect(row).to_contain_text("invited")
            expect(row).to_contain_text("to enrol")

            # Jo opens the link, chooses a password and adds the secret to an authenticator
            officer.goto(link)
            expect(officer.get_by_test_id("welcome-username")).to_have_text("jo.patel")
            secret = officer.get_by_test_id("totp-secret").inner_text().replace(" ", "")
            assert officer.get_by_test_id("totp-uri").get_attribute("href") == pyotp.TOTP(secret).provisioning_uri(
                name="jo.patel", issuer_name="crimelink")
            officer.get_by_label("New password").fill("password1234")  # on every list of common passwords
            officer.get_by_label("The same again").fill("password1234")
            officer.get_by_label("The code the app now shows").fill(pyotp.TOTP(secret).now())
            officer.get_by_role("button", name="Set my password").click()
            expect(officer.get_by_test_id("welcome-error")).to_contain_text("Password: too easy to guess")
            officer.get_by_label("New password").fill(JO_PASSWORD)
            officer.get_by_label("The same again").fill(JO_PASSWORD)
            officer.get_by_label("The code the app now shows").fill(pyotp.TOTP(secret).now())
            officer.get_by_role("button", name="Set my password").click()
            expect(officer.get_by_test_id("recovery-codes").locator("li")).to_have_count(8)
            officer.get_by_test_id("continue").click()

            # and logs in: the password, then a code (the next step's: the enrolment's is spent)
            log_in(officer, "jo.patel", JO_PASSWORD)
            expect(officer).to_have_url(web.url + "/login/code")
            officer.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
            officer.get_by_role("button", name="Continue").click()
            expect(officer.get_by_test_id("user-name")).to_have_text("Jo Patel")
            expect(officer.get_by_test_id("user-org")).to_contain_text("West Midlands Police")

            # the administrator disables Jo: Jo's open session ends at once, and logging in is refused
            admin.goto(web.url + "/users")
            expect(admin.get_by_test_id("user-jo.patel")).to_contain_text("on")  # the second factor
            admin.get_by_test_id("user-jo.patel").get_by_label("Reason for disabling jo.patel").fill("moved force")
            admin.get_by_test_id("disable-jo.patel").click()
            expect(admin.get_by_test_id("state-jo.patel")).to_have_text("disabled")
            officer.goto(web.url + "/incidents")
            expect(officer).to_have_url(web.url + "/login?next=%2Fincidents")
            log_in(officer, "jo.patel", JO_PASSWORD)
            expect(officer.get_by_role("alert")).to_have_text("Wrong username or password.")
        finally:
            chromium.close()
    assert problems == []

    with web.store.session() as session:
        trail = [(e.action, e.username, e.details) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("account.%") | AuditEvent.action.like("login%")
                                     | AuditEvent.action.like("user.%")).order_by(AuditEvent.seq))
                 if e.username in ("admin", "jo.patel") or e.details.get("username") == "jo.patel"]  # fmt: skip
        assert verify(session=session).ok
    steps = [(action, who) for action, who, _ in trail if not action.startswith("user.list")]
    assert steps == [
        ("login", "admin"),
        ("user.invite.requested", "admin"), ("account.invite", "admin"), ("user.invite", "admin"),
        ("account.set_password", "jo.patel"), ("account.enrol_second_factor", "jo.patel"),
        ("login.second_factor_asked", "jo.patel"), ("login", "jo.patel"),
        ("user.disable.requested", "admin"), ("account.disable", "admin"), ("user.disable", "admin"),
        ("login.failed", "(anonymous)"),
    ]  # fmt: skip
    details = {action: d for action, _, d in trail}
    assert details["account.invite"]["role"] == "force_investigator"
    assert details["account.set_password"]["second_factor"] == "enrolled"
    assert details["login"]["second_factor"] == "authenticator"
    assert (details["account.disable"]["sessions_ended"], details["account.disable"]["reason"]) == (1, "moved force")
    assert details["login.failed"]["username"] == "jo.patel"
