"""Demonstration logins: one user for each role and kind of organisation, with known passwords.

Only for demonstrations (``CRIMELINK_DEMO=1``): the passwords are printed and written here.
The callers check ``settings.demo`` (the web app seeds at start-up in demo mode, and
``python -m crimelink.access.demo`` refuses without it). Seeding is idempotent: existing
organisations and demo users are kept as they are.

A demo publishes its logins, so it runs only on a store of its own: seeding refuses a store
that has any user who is not one of the demo's (another username, or a demo username with a
password of its own), and so the web app in demo mode refuses to start on it.

The retail logins belong to the first two retailers registered (by code), so a demo on a
generated scenario shows real data; two retailers are needed to show that one cannot see
the other's incidents.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.organisations import add_organisation
from crimelink.access.users import create_user, user_by_username, verify_password
from crimelink.domain.organisations import OrganisationKind, Role
from crimelink.errors import CrimelinkError
from crimelink.store.models import Organisation, User

NATIONAL_UNIT = "NATIONAL-UNIT"
DEMO_FORCE = ("POLICE-WEST-MIDLANDS", "West Midlands Police", "west-midlands")
DEMO_RETAILERS = ("DEMO-RETAIL", "DEMO-RETAIL-2")


class DemoRefused(CrimelinkError):
    """Demo mode asked for on a store with real users: their data is not for a demonstration."""

    status_code = 500


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    organisation: str  # organisation code


def _retailers(session: Session) -> list[str]:
    codes = list(
        session.scalars(
            select(Organisation.code)
            .where(Organisation.kind == OrganisationKind.RETAILER.value)
            .order_by(Organisation.code)
            .limit(2)
        )
    )
    for code in DEMO_RETAILERS[len(codes) :]:
        add_organisation(session=session, code=code, kind=OrganisationKind.RETAILER, name=code.title())
        codes.append(code)
    return codes


def _force(session: Session) -> str:
    # A territorial force shows what an investigator sees of their own area; BTP has none.
    code = session.scalar(
        select(Organisation.code)
        .where(
            Organisation.kind == OrganisationKind.POLICE_FORCE.value,
            Organisation.police_force.is_not(None),
            Organisation.police_force != "btp",
        )
        .order_by(Organisation.code)
        .limit(1)
    )
    if code is None:
        code, name, force = DEMO_FORCE
        add_organisation(session=session, code=code, kind=OrganisationKind.POLICE_FORCE, name=name, force=force)
    return code


def demo_logins(*, session: Session) -> list[DemoLogin]:
    """Which logins the demo has, creating the organisations they need if missing."""
    add_organisation(
        session=session,
        code=NATIONAL_UNIT,
        kind=OrganisationKind.NATIONAL_UNIT,
        name="National Unit",
    )
    first, second = _retailers(session)
    force = _force(session)
    plan = [
        ("retail-reporter", Role.RETAIL_REPORTER, first),
        ("retail-manager", Role.RETAIL_MANAGER, first),
        ("retail2-reporter", Role.RETAIL_REPORTER, second),
        ("analyst", Role.NATIONAL_ANALYST, NATIONAL_UNIT),
        ("supervisor", Role.SUPERVISOR, NATIONAL_UNIT),
        ("auditor", Role.AUDITOR, NATIONAL_UNIT),
        ("admin", Role.ADMINISTRATOR, NATIONAL_UNIT),
        ("investigator", Role.FORCE_INVESTIGATOR, force),
    ]
    return [DemoLogin(username, f"demo-{username}", role, org) for username, role, org in plan]


def users_not_of_the_demo(*, session: Session, logins: list[DemoLogin]) -> list[str]:
    """Usernames of the users who are not demo logins (checking a demo name's password costs
    ~0.1 s, paid only for users that exist before the demo seeds its own)."""
    passwords = {login.username: login.password for login in logins}
    return [
        user.username
        for user in session.scalars(select(User).order_by(User.username))
        if user.username not in passwords or not verify_password(passwords[user.username], user.password_hash)
    ]


def seed_demo_users(*, session: Session) -> list[DemoLogin]:
    """Create the demo users that do not exist yet; return every demo login.

    Raises :class:`DemoRefused` when the store has users of its own (see the module's docstring).
    """
    logins = demo_logins(session=session)
    others = users_not_of_the_demo(session=session, logins=logins)
    if others:
        named = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise DemoRefused(
            f"demo mode refused: this store has {len(others)} user(s) who are not demo logins ({named}). "
            "The demo publishes its logins, so it runs only on a store of its own: start it on a new "
            "database (--db), or serve this one without CRIMELINK_DEMO=1.",
            users=len(others),
        )
    for login in logins:
        if user_by_username(session=session, username=login.username) is None:
            create_user(
                session=session,
                username=login.username,
                password=login.password,
                role=login.role,
                organisation_code=login.organisation,
                display_name=f"Demo {login.role.label.lower()}",
            )
    return logins


def format_logins(logins: list[DemoLogin]) -> str:
    """The logins as a small table, for the terminal."""
    lines = [f"{'username':<18} {'password':<24} {'role':<20} organisation"]
    lines += [f"{x.username:<18} {x.password:<24} {x.role.value:<20} {x.organisation}" for x in logins]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m crimelink.access.demo [--db URL]``: seed the demo logins and print them."""
    from crimelink.settings import Settings
    from crimelink.store import open_store

    parser = argparse.ArgumentParser(prog="python -m crimelink.access.demo", description=main.__doc__)
    parser.add_argument("--db", help="store URL (default: $CRIMELINK_DATABASE_URL)")
    args = parser.parse_args(argv)
    settings = Settings.from_env(database_url=args.db)
    if not settings.demo:
        print("demo logins are only for demonstrations: set CRIMELINK_DEMO=1", file=sys.stderr)
        return 2
    store = open_store(settings.database_url)
    try:
        with store.session() as session:
            logins = seed_demo_users(session=session)
    finally:
        store.close()
    print(format_logins(logins))
    return 0


if __name__ == "__main__":
    sys.exit(main())
