"""``crimelink sharing``: record, list and revoke sharing agreements between organisations.

Wired into ``crimelink.cli`` with ``app.add_typer(sharing_app, name="sharing")``. Each change
is audited as the operating-system user, or as ``--as`` (an administrator of the national unit).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated

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
