"""``crimelink audit`` (verify the chain, print its hashes to keep elsewhere, search the
entries) and ``crimelink retention`` (review queue, decisions, subject access, erasure). Wired
into ``crimelink.cli`` with ``app.add_typer(audit_app, name="audit")`` and
``app.add_typer(retention_app, name="retention")``; imports stay lazy so that ``--help`` is
instant. Commands run on the server are audited as ``system:cli:<operating-system user>``, or
as the registered user ``--as`` names (who must hold a role that may do it); every command
that reads personal data (the queue, a subject access export, a search of the log) is itself
recorded, with its purpose (``--purpose``, defaulted).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

audit_app = typer.Typer(help="The audit log: verify its hash chain, search its entries.", no_args_is_help=True)
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (default: $CRIMELINK_DATABASE_URL, else var/crimelink.sqlite)."),
]
AsOption = Annotated[str | None, typer.Option("--as", help="Act as this registered user (default: the OS user).")]


def parse_anchor(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as ``verify`` prints it."""
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise typer.BadParameter(f"{text!r}: expected SEQ:HASH (64 hex digits), as `crimelink audit verify` prints")
    return int(seq), digest.lower()


def read_anchors(path: Path) -> list[tuple[int, str]]:
    """``SEQ:HASH`` lines (as ``hashes`` or ``verify`` print them); blank and ``#`` lines skipped."""
    lines = (line.strip() for line in path.read_text().splitlines())
    return [parse_anchor(line.split()[-1]) for line in lines if line and not line.startswith("#")]


@audit_app.command("verify")
def verify_command(
    anchor: Annotated[
        list[str] | None,
        typer.Option("--anchor", help="SEQ:HASH kept from an earlier verify; the chain must still contain it."),
    ] = None,
    anchors_file: Annotated[
        Path | None,
        typer.Option("--anchors", help="A file of SEQ:HASH lines kept elsewhere (see `crimelink audit hashes`)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Check every entry's hash and link. Exit status 1, naming the first bad entry, if any
    entry was altered, removed, inserted or reordered. A chain rebuilt from scratch checks out
    on its own: only anchors kept elsewhere show it, and an anchor for every entry names the
    first altered one exactly."""
    from crimelink.audit.runs import open_for_command
    from crimelink.audit.service import verify

    anchors = [parse_anchor(a) for a in anchor or []] + (read_anchors(anchors_file) if anchors_file else [])
    store = open_for_command(db)
    try:
        with store.session() as session:
            result = verify(session=session, anchors=anchors)
    finally:
        store.close()
    if result.ok:
        print(f"audit log intact: {result.entries:,} entries")
        print(f"head (keep a copy elsewhere): {result.head_seq}:{result.head_hash}")
        return
    print(f"audit log BROKEN at entry {result.first_bad_seq}: {result.problem}", file=sys.stderr)
    print(f"{result.entries:,} entries check out before it", file=sys.stderr)
    raise typer.Exit(1)


@audit_app.command("hashes")
def hashes_command(
    after: Annotated[int, typer.Option(min=0, help="Only entries after this one (to append to a kept file).")] = 0,
    db: DbOption = None,
) -> None:
    """Print SEQ:HASH for every entry. Keep the output elsewhere (append to it now and then with
    --after); `crimelink audit verify --anchors FILE` then names the first entry altered, even
    in a chain rebuilt from scratch."""
    from crimelink.audit.runs import open_for_command
    from crimelink.audit.service import chain_hashes

    store = open_for_command(db)
    try:
        with store.session() as session:
            for seq, digest in chain_hashes(session=session, after=after):
                print(f"{seq}:{digest}")
    finally:
        store.close()


@audit_app.command("search")
def search_command(
    user: Annotated[str | None, typer.Option(help="Username.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Organisation code.")] = None,
    action: Annotated[str | None, typer.Option(help="Action or its start, e.g. 'incident.'.")] = None,
    subject: Annotated[str | None, typer.Option(help="TYPE or TYPE:ID, e.g. offender:42.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="To this date, inclusive.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Newest entries shown.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
    as_user: AsOption = None,
    purpose: Annotated[str, typer.Option(help="Why (recorded in the audit).")] = "audit of access and use",
    db: DbOption = None,
) -> None:
    """Search the audit log (newest first), e.g. who read offender 42 last month. The search is audited."""
    from crimelink.audit.runs import open_for_reading
    from crimelink.audit.service import AuditQuery, record, search_events
    from crimelink.domain.organisations import Role

    subject_type, _, subject_id = (subject or "").partition(":")
    query = AuditQuery(
        user=user, organisation=organisation, action=action, subject_type=subject_type or None,
        subject_id=subject_id or None, date_from=date.fromisoformat(since) if since else None,
        date_to=date.fromisoformat(until) if until else None, per_page=limit,
    )  # fmt: skip
    store = open_for_reading(db)
    try:
        with store.session() as session:
            actor = _actor(session, as_user, "searching the audit log", Role.AUDITOR)
            found = search_events(session=session, query=query, organisation_scope=None)
            record(session=session, actor=actor, action="audit.search", purpose=purpose,
                   details={"query": query.model_dump(mode="json", exclude_defaults=True), "via": "cli"})  # fmt: skip
    finally:
        store.close()
    for row in found.rows:
        if as_json:
            print(json.dumps(row.model_dump(mode="json"), ensure_ascii=False))
        else:
            what = f"{row.subject_type} {row.subject_id}" if row.subject_type else ""
            print(f"{row.seq:>8} {row.at:%Y-%m-%d %H:%M:%S} {row.username:<16} {row.organisation:<22} "
                  f"{row.action:<22} {what:<18} {row.purpose}")  # fmt: skip
    print(f"{found.total:,} entries match; {len(found.rows):,} shown", file=sys.stderr)


# --- retention: ``crimelink retention`` ------------------------------------------------------------

retention_app = typer.Typer(
    help="Retention of personal data: review queue, decisions, subject access, erasure.", no_args_is_help=True
)


def _actor(session: Any, as_user: str | None, what: str, *roles: Any) -> Any:
    """Who runs the command, as the audit records them: the OS user, or ``--as`` (holding ``roles``
    in the national unit when named; see ``crimelink.audit.operator``)."""
    from crimelink.audit.operator import cli_actor
    from crimelink.domain.organisations import Role

    allowed = roles or (Role.SUPERVISOR, Role.ADMINISTRATOR)
    return cli_actor(session=session, as_user=as_user, roles=allowed, national=True, what=what)


@retention_app.command("queue")
def retention_queue_command(
    as_of: Annotated[str | None, typer.Option(help="Review date to look from (YYYY-MM-DD; default today).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    as_user: AsOption = None,
    purpose: Annotated[str, typer.Option(help="Why (recorded in the audit).")] = "records management",
    db: DbOption = None,
) -> None:
    """Incidents whose personal data is due for review, oldest first. The read is audited."""
    from crimelink.access.retention import review_queue
    from crimelink.audit.runs import open_for_reading
    from crimelink.audit.service import record
    from crimelink.settings import Settings

    settings = Settings.from_env(database_url=db)
    store = open_for_reading(db)
    try:
        with store.session() as session:
            actor = _actor(session, as_user, "the retention queue")
            items = review_queue(session=session, as_of=date.fromisoformat(as_of) if as_of else date.today(),
                                 clear_years=settings.retention_clear_years, limit=limit)  # fmt: skip
            record(session=session, actor=actor, action="retention.queue", purpose=purpose,
                   details={"as_of": as_of, "shown": len(items), "via": "cli"})  # fmt: skip
    finally:
        store.close()
    for item in items:
        print(f"{item.incident_id:>9} {item.submitter:<24} {item.incident_ref:<20} due {item.review_due} "
              f"{item.persons} people  last: {item.last_decision or '-'}")  # fmt: skip
    print(f"{len(items):,} due", file=sys.stderr)


@retention_app.command("decide")
def retention_decide_command(
    incident_id: Annotated[int, typer.Argument(help="The incident's id.")],
    decision: Annotated[str, typer.Argument(help="retain, anonymise or delete.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit).")],
    next_review: Annotated[str | None, typer.Option(help="For retain: the next review date.")] = None,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Decide on one incident's personal data (refused while casework holds it)."""
    from crimelink.access.retention import decide
    from crimelink.audit.runs import open_for_command
    from crimelink.settings import Settings

    settings = Settings.from_env(database_url=db)
    store = open_for_command(db)
    try:
        with store.session() as session:
            actor = _actor(session, as_user, "retention decisions")
            decide(session=session, actor=actor, incident_id=incident_id, decision=decision, reason=reason,
                   clear_years=settings.retention_clear_years,
                   next_review=date.fromisoformat(next_review) if next_review else None)  # fmt: skip
    finally:
        store.close()
    print(f"incident {incident_id}: {decision}")


@retention_app.command("export")
def subject_export_command(
    offender_id: Annotated[int, typer.Argument(help="The person (offender id).")],
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Subject access: everything held about one person, as JSON on standard output (audited)."""
    from crimelink.access.retention import subject_access_export
    from crimelink.audit.runs import open_for_reading

    store = open_for_reading(db)
    try:
        with store.session() as session:
            actor = _actor(session, as_user, "a subject access export")
            export = subject_access_export(session=session, actor=actor, offender_id=offender_id)
    finally:
        store.close()
    print(json.dumps(export, ensure_ascii=False, indent=2))


@retention_app.command("erase")
def subject_erase_command(
    offender_id: Annotated[int, typer.Argument(help="The person (offender id).")],
    grounds: Annotated[
        str, typer.Option(help="no_policing_purpose, inaccurate, unlawfully_processed or legal_obligation.")
    ],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit).")],
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Erase one person's personal data (DPA 2018 s.47), on recorded grounds."""
    from crimelink.access.retention import erase_subject
    from crimelink.audit.runs import open_for_command

    store = open_for_command(db)
    try:
        with store.session() as session:
            actor = _actor(session, as_user, "erasure")
            erased = erase_subject(session=session, actor=actor, offender_id=offender_id, grounds=grounds,
                                   reason=reason)  # fmt: skip
    finally:
        store.close()
    print(f"offender {offender_id}: {erased} mentions erased")
