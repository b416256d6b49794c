"""``crimelink sharing``: record, list and revoke sharing agreements between organisations;
``crimelink user``: invite people, list, disable, enable, reset passwords, set roles.

Wired into ``crimelink.cli`` with ``app.add_typer(sharing_app, name="sharing")`` and
:func:`register_user_commands`. Each change is audited as the operating-system user, or as
``--as`` (an administrator: of the national unit for agreements and every organisation's
accounts, else of their own organisation's accounts only).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Any

import typer

sharing_app = typer.Typer(help="Sharing agreements: who may see whose reports.", no_args_is_help=True)
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (default: $CRIMELINK_DATABASE_URL, else var/crimelink.sqlite)."),
]
AsOption = Annotated[
    str | None, typer.Option("--as", help="Act as this administrator of the national unit (default: the OS user).")
]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@sharing_app.command("add")
def sharing_add(
    provider: Annotated[str, typer.Argument(help="Code of the organisation whose reports are shared.")],
    recipient: Annotated[str, typer.Argument(help="Code of the organisation that may see them.")],
    mutual: Annotated[bool, typer.Option("--mutual", help="Both ways: each sees the other's reports.")] = False,
    starts: Annotated[str | None, typer.Option("--from", help="First day in force (YYYY-MM-DD; today).")] = None,
    ends: Annotated[str | None, typer.Option("--to", help="Last day in force (default: until revoked).")] = None,
    offence: Annotated[list[str] | None, typer.Option("--offence", help="Limit to this offence (repeat).")] = None,
    reference: Annotated[str | None, typer.Option(help="The signed agreement's own reference.")] = None,
    terms: Annotated[str | None, typer.Option(help="Terms in a sentence.")] = None,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Record an agreement: RECIPIENT may see the reports PROVIDER submitted."""
    from crimelink.access.sharing import AgreementIn, add_agreement
    from crimelink.audit.operator import cli_actor
    from crimelink.audit.runs import open_for_command
    from crimelink.domain.organisations import Role

    wanted = AgreementIn.model_validate({
        "provider": provider, "recipient": recipient, "mutual": mutual, "starts": _day(starts), "ends": _day(ends),
        "offences": offence or [], "reference": reference, "terms": terms,
    })  # fmt: skip
    store = open_for_command(db)
    try:
        with store.session() as session:
            actor = cli_actor(session=session, as_user=as_user, roles=[Role.ADMINISTRATOR], national=True,
                              what="managing sharing agreements")  # fmt: skip
            made = add_agreement(session=session, actor=actor, agreement=wanted)
    finally:
        store.close()
    both = " and the other way round" if made.mutual else ""
    until = f" to {made.ends}" if made.ends else ""
    limited = f", {', '.join(made.offences)} only" if made.offences else ""
    print(f"agreement {made.id}: {made.recipient} sees {made.provider}'s reports{both}")
    print(f"in force from {made.starts}{until}{limited}")


@sharing_app.command("list")
def sharing_list(
    include_revoked: Annotated[bool, typer.Option("--all", help="Revoked agreements too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """The agreements in force (with ``--all``, revoked ones too), newest first (audited)."""
    from crimelink.access.sharing import list_agreements
    from crimelink.audit.commands import audited_command
    from crimelink.audit.runs import open_for_reading

    store = open_for_reading(db)
    try:
        with audited_command(store, action="sharing.list", purpose="system administration", changes=False,
                             arguments={"all": include_revoked}, as_user=as_user, national=True,
                             what="listing sharing agreements") as done, store.session() as session:  # fmt: skip
            found = list_agreements(session=session, include_revoked=include_revoked)
            done["listed"] = len(found)
    finally:
        store.close()
    for a in found:
        if as_json:
            print(json.dumps(a.model_dump(mode="json"), ensure_ascii=False))
            continue
        state = "in force" if a.in_force else ("revoked" if a.revoked_at else "not in force")
        print(f"{a.id:>5} {a.provider:<20} {'<->' if a.mutual else '-->'} {a.recipient:<20} {a.starts} to "
              f"{a.ends or 'no end':<10} {','.join(a.offences) or 'all offences':<24} {state}")  # fmt: skip
    print(f"{len(found):,} agreements", file=sys.stderr)


@sharing_app.command("revoke")
def sharing_revoke(
    agreement_id: Annotated[int, typer.Argument(help="The agreement's id (see `crimelink sharing list`).")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit).")],
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Revoke an agreement now: the recipient no longer sees the provider's reports."""
    from crimelink.access.sharing import revoke_agreement
    from crimelink.audit.operator import cli_actor
    from crimelink.audit.runs import open_for_command
    from crimelink.domain.organisations import Role

    store = open_for_command(db)
    try:
        with store.session() as session:
            actor = cli_actor(session=session, as_user=as_user, roles=[Role.ADMINISTRATOR], national=True,
                              what="managing sharing agreements")  # fmt: skip
            revoke_agreement(session=session, actor=actor, agreement_id=agreement_id, reason=reason)
    finally:
        store.close()
    print(f"agreement {agreement_id}: revoked")


# --- crimelink user: accounts ------------------------------------------------------------------

UserAsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this administrator (of the national unit: every organisation; "
                 "else their own). Default: the OS user, for every organisation."),
]  # fmt: skip
SiteOption = Annotated[
    str, typer.Option("--site", envvar="CRIMELINK_SITE_URL", help="The web app's address, for the link.")
]
ValidOption = Annotated[int, typer.Option("--valid-hours", min=1, max=24 * 14, help="How long the link works.")]


def _manager(session: Any, as_user: str | None) -> Any:
    """Who manages accounts: the OS user (every organisation), or the administrator ``--as`` names."""
    from crimelink.access.accounts import Manager
    from crimelink.access.policy import viewer_for_user
    from crimelink.audit.operator import cli_actor
    from crimelink.domain.organisations import Role

    actor = cli_actor(session=session, as_user=as_user, roles=[Role.ADMINISTRATOR], what="managing users' accounts")
    viewer = viewer_for_user(session=session, user_id=actor.user_id) if actor.user_id is not None else None
    return Manager.of(viewer) if viewer is not None else Manager(actor, None)


def _link(site: str, invitation: Any) -> None:
    print(f"send {invitation.username} this link (it works once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):")
    print(site.rstrip("/") + invitation.path)


def user_add(
    username: Annotated[str, typer.Argument(help="Their username (letters, digits, '.', '_', '-', '@').")],
    organisation: Annotated[str, typer.Option("--org", help="Their organisation's code.")],
    role: Annotated[str, typer.Option("--role", help="e.g. retail_reporter, force_investigator, national_analyst.")],
    name: Annotated[str, typer.Option("--name", help="Their name, as colleagues know it.")],
    valid_hours: ValidOption = 72,
    site: SiteOption = "http://127.0.0.1:8000",
    as_user: UserAsOption = None,
    db: DbOption = None,
) -> None:
    """Invite someone: their account, and a one-time link with which they set their own password
    (and, in the national unit and police forces, their authenticator). Audited."""
    from datetime import timedelta

    from crimelink.access.accounts import invite_user
    from crimelink.audit.runs import open_for_command

    store = open_for_command(db)
    try:
        with store.session() as session:
            invitation = invite_user(session=session, manager=_manager(session, as_user), username=username,
                                     display_name=name, role=role, organisation_code=organisation,
                                     valid_for=timedelta(hours=valid_hours))  # fmt: skip
    finally:
        store.close()
    print(f"invited {invitation.username} ({role} of {organisation.upper()})")
    _link(site, invitation)


def user_list(
    organisation: Annotated[str | None, typer.Option("--org", help="Only this organisation's users.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
    as_user: UserAsOption = None,
    db: DbOption = None,
) -> None:
    """The accounts you manage: role, state, password, second factor, last login (audited)."""
    from crimelink.access.accounts import list_accounts
    from crimelink.audit.commands import audited_command
    from crimelink.audit.runs import open_for_reading
    from crimelink.domain.organisations import Role

    store = open_for_reading(db)
    try:
        with audited_command(store, action="account.list", purpose="system administration", changes=False,
                             arguments={"organisation": organisation}, as_user=as_user, roles=[Role.ADMINISTRATOR],
                             what="managing users' accounts") as done, store.session() as session:  # fmt: skip
            found = [a for a in list_accounts(session=session, manager=_manager(session, as_user))
                     if organisation is None or a.organisation == organisation.upper()]  # fmt: skip
            done["listed"] = len(found)
    finally:
        store.close()
    for a in found:
        if as_json:
            print(json.dumps(a.model_dump(mode="json"), ensure_ascii=False))
            continue
        state = "active" if a.active else "disabled"
        last = f"{a.last_login:%Y-%m-%d %H:%M}" if a.last_login else "never"
        print(f"{a.username:<24} {a.role:<20} {a.organisation:<22} {state:<8} password {a.password:<14} "
              f"second factor {a.second_factor:<16} last login {last}  {a.display_name}")  # fmt: skip
    print(f"{len(found):,} accounts", file=sys.stderr)


def user_disable(
    username: Annotated[str, typer.Argument(help="Whose account.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit).")] = "",
    as_user: UserAsOption = None,
    db: DbOption = None,
) -> None:
    """Stop a user logging in: their sessions end at once and any link sent to them stops working. Audited."""
    from crimelink.access.accounts import disable_account
    from crimelink.audit.runs import open_for_command

    store = open_for_command(db)
    try:
        with store.session() as session:
            ended = disable_account(session=session, manager=_manager(session, as_user), username=username,
                                    reason=reason)  # fmt: skip
    finally:
        store.close()
    print(f"{username.lower()}: disabled ({ended} session{'s' if ended != 1 else ''} ended)")


def user_enable(
    username: Annotated[str, typer.Argument(help="Whose account.")],
    as_user: UserAsOption = None,
    db: DbOption = None,
) -> None:
    """Let a disabled user log in again. Audited."""
    from crimelink.access.accounts import enable_account
    from crimelink.audit.runs import open_for_command

    store = open_for_command(db)
    try:
        with store.session() as session:
            enable_account(session=session, manager=_manager(session, as_user), username=username)
    finally:
        store.close()
    print(f"{username.lower()}: enabled")


def user_reset_password(
    username: Annotated[str, typer.Argument(help="Whose password.")],
    second_factor: Annotated[bool, typer.Option(
        "--second-factor", help="Forget their authenticator too (a lost phone): they enrol a new one.")] = False,
    valid_hours: ValidOption = 72,
    site: SiteOption = "http://127.0.0.1:8000",
    as_user: UserAsOption = None,
    db: DbOption = None,
) -> None:
    """The old password stops working and every session ends; a one-time link lets them choose another. Audited."""
    from datetime import timedelta

    from crimelink.access.accounts import reset_password
    from crimelink.audit.runs import open_for_command

    store = open_for_command(db)
    try:
        with store.session() as session:
            manager = _manager(session, as_user)
            invitation = reset_password(session=session, manager=manager, username=username,
                                        second_factor=second_factor, valid_for=timedelta(hours=valid_hours))
    finally:
        store.close()
    print(f"{invitation.username}: password reset" + (", authenticator forgotten" if second_factor else ""))
    _link(site, invitation)


def user_set_role(
    username: Annotated[str, typer.Argument(help="Whose role.")],
    role: Annotated[str, typer.Argument(help="The new role (one their organisation's users may hold).")],
    as_user: UserAsOption = None,
    db: DbOption = None,
) -> None:
    """Give a user another role of their organisation (from their next request). Audited."""
    from crimelink.access.accounts import set_role
    from crimelink.audit.runs import open_for_command

    store = open_for_command(db)
    try:
        with store.session() as session:
            before = set_role(session=session, manager=_manager(session, as_user), username=username, role=role)
    finally:
        store.close()
    print(f"{username.lower()}: {before.value} -> {role}")


def register_user_commands(app: typer.Typer) -> None:
    """Put the account commands on ``crimelink user``."""
    app.command("add")(user_add)
    app.command("list")(user_list)
    app.command("disable")(user_disable)
    app.command("enable")(user_enable)
    app.command("reset-password")(user_reset_password)
    app.command("set-role")(user_set_role)
