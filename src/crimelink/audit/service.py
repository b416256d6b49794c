"""Recording, verifying and searching the audit log.

**The chain.** Entry ``n`` stores ``prev_hash`` (entry ``n-1``'s hash, or 64 zeros for the
first) and ``hash = SHA-256(canonical(entry))``, where ``canonical`` is the UTF-8 JSON array
``[seq, at, user_id, username, organisation, role, action, purpose, subject_type, subject_id,
details, prev_hash]`` with object keys sorted and no whitespace (``at`` as ISO 8601 with
microseconds, naive UTC). Changing any field of any entry changes its hash; removing,
inserting or reordering entries breaks the links; :func:`verify` finds the first bad entry.

**Writers.** :func:`record` first increments ``audit_head`` (one row) and takes the previous
hash from it. That ``UPDATE`` is the lock: on PostgreSQL the row lock makes concurrent
writers wait until the holder commits; on SQLite the first write of a transaction takes the
database's single write lock (``BEGIN IMMEDIATE`` in effect, since nothing was read before it).
So each entry links to the one committed just before it, and ``seq`` has no gaps.

A chain proves that entries were not changed *after* one another, not who holds the database:
someone able to rewrite every row could rebuild the chain. Against that, keep the head that
``crimelink audit verify`` prints somewhere else (a ticket, a signed e-mail, another system)
and pass it back as an anchor: :func:`verify` then checks that the chain still contains it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from crimelink.domain.form_query import FormQuery
from crimelink.domain.organisations import Role
from crimelink.store.models import utcnow

# Why a role reads personal data, when the request does not say (header ``X-Purpose``).
DEFAULT_PURPOSES: dict[Role, str] = {
    Role.RETAIL_REPORTER: "loss prevention: reporting and reviewing own incidents",
    Role.RETAIL_MANAGER: "loss prevention: managing own incidents and referrals",
    Role.NATIONAL_ANALYST: "intelligence analysis",
    Role.FORCE_INVESTIGATOR: "criminal investigation",
    Role.SUPERVISOR: "supervision and quality assurance",
    Role.AUDITOR: "audit of access and use",
    Role.ADMINISTRATOR: "system administration",
}
_LIMITS = {"username": 64, "organisation": 32, "role": 32, "action": 64, "purpose": 200, "subject_type": 32,
           "subject_id": 64}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it, as the audit keeps it (copied: the log outlives users and organisations)."""

    username: str
    organisation: str
    role: str
    user_id: int | None = None

    @classmethod
    def of(cls, viewer: Viewer) -> Actor:
        return cls(viewer.username, viewer.organisation_code, viewer.role.value, viewer.user_id)

    @classmethod
    def system(cls, what: str) -> Actor:
        """A command run on the server (``crimelink import``, a scheduled review...)."""
        return cls(f"system:{what}", "SYSTEM", "system")

    @classmethod
    def anonymous(cls) -> Actor:
        return cls("(anonymous)", "", "")


def default_purpose(role: Role | str) -> str:
    try:
        return DEFAULT_PURPOSES[Role(role)]
    except ValueError:
        return "not stated"


def _json_value(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """``details`` exactly as the JSON column will give it back (keys as text, tuples as lists)."""
    value: dict[str, Any] = json.loads(json.dumps(dict(details or {}), default=str, allow_nan=False))
    return value


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash is taken over (see the module's docstring)."""
    at: datetime = fields["at"]
    parts = [
        fields["seq"], at.isoformat(timespec="microseconds"), fields["user_id"], fields["username"],
        fields["organisation"], fields["role"], fields["action"], fields["purpose"], fields["subject_type"],
        fields["subject_id"], fields["details"], fields["prev_hash"],
    ]  # fmt: skip
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def entry_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    purpose: str | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    details: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry in the caller's transaction; returns its ``seq``.

    The entry is linked when the transaction commits; until then other writers wait (keep
    the transaction short). ``purpose`` defaults to the actor's role's usual purpose.
    """
    seq, prev_hash = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
        .execution_options(synchronize_session=False)
    ).one()
    fields: dict[str, Any] = {
        "seq": int(seq),
        "at": utcnow(),
        "user_id": actor.user_id,
        "username": actor.username,
        "organisation": actor.organisation,
        "role": actor.role,
        "action": action,
        "purpose": purpose if purpose is not None else default_purpose(actor.role),
        "subject_type": subject_type,
        "subject_id": None if subject_id is None else str(subject_id),
        "details": _json_value(details),
        "prev_hash": prev_hash,
    }
    for name, limit in _LIMITS.items():
        if isinstance(fields[name], str):
            fields[name] = fields[name][:limit]
    fields["hash"] = entry_hash(fields)
    session.execute(insert(AuditEvent).values(**fields))
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(hash=fields["hash"])
        .execution_options(synchronize_session=False)
    )
    return int(seq)


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verification:
    """What :func:`verify` found. ``first_bad_seq`` is the first entry that cannot be trusted."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "entries": self.entries, "head_seq": self.head_seq, "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq, "problem": self.problem,
        }  # fmt: skip


_COLUMNS = (
    AuditEvent.seq, AuditEvent.at, AuditEvent.user_id, AuditEvent.username, AuditEvent.organisation,
    AuditEvent.role, AuditEvent.action, AuditEvent.purpose, AuditEvent.subject_type, AuditEvent.subject_id,
    AuditEvent.details, AuditEvent.prev_hash, AuditEvent.hash,
)  # fmt: skip


def verify(*, session: Session, anchors: Sequence[tuple[int, str]] = ()) -> Verification:
    """Walk the whole chain; report the first altered, removed, inserted or reordered entry.

    ``anchors``: ``(seq, hash)`` pairs recorded earlier outside the database; each must still
    be in the chain (a rebuilt chain would have other hashes). A rebuilt chain checks out on
    its own, so the anchors are all there is to go on: the first altered entry comes after the
    last anchor that still holds and at or before the first that does not. With an anchor for
    every entry (``crimelink audit hashes``) that names it exactly; with fewer, the report
    names the first entry that can no longer be trusted and the range the change lies in.
    """
    head_seq, head_hash = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    wanted = dict(anchors)
    expected_seq, previous, count = 1, GENESIS_HASH, 0
    held = 0  # the last anchored entry found as anchored

    def bad(seq: int, problem: str) -> Verification:
        return Verification(False, min(count, seq - 1), head_seq, head_hash, seq, problem)

    rows = session.execute(select(*_COLUMNS).order_by(AuditEvent.seq).execution_options(yield_per=5000))
    for row in rows.mappings():
        seq = int(row["seq"])
        if seq != expected_seq:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
            return bad(expected_seq, f"entry {missing} is missing: removed from the log")
        fields = dict(row)
        if entry_hash(fields) != row["hash"]:
            return bad(seq, f"entry {seq} was altered: its content no longer matches its hash")
        if row["prev_hash"] != previous:
            return bad(seq, f"entry {seq} does not follow entry {seq - 1}: entries removed, inserted or reordered")
        if seq in wanted:
            if wanted[seq] != row["hash"]:
                return bad(held + 1, _rebuilt(held + 1, seq))
            held = seq
        previous, expected_seq, count = row["hash"], seq + 1, count + 1
    last = expected_seq - 1
    if head_seq > last:
        return bad(last + 1, f"entries {last + 1}–{head_seq} are missing: removed from the end of the log")
    if head_seq != last or head_hash != previous:
        return bad(last, "the head does not match the last entry: the log was rewritten")
    for seq in sorted(wanted):
        if seq > last:
            return bad(last + 1, f"anchored entry {seq} is missing: removed from the end of the log")
    return Verification(True, count, head_seq, head_hash)


def chain_hashes(*, session: Session, after: int = 0) -> Iterator[tuple[int, str]]:
    """``(seq, hash)`` of every entry after ``after``, in order: anchors for every entry."""
    rows = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
        .execution_options(yield_per=5000)
    )  # fmt: skip
    for seq, digest in rows:
        yield int(seq), str(digest)


def _rebuilt(first: int, anchored: int) -> str:
    """The problem of a chain rebuilt after a change somewhere in ``first``..``anchored``."""
    if first == anchored:
        return f"entry {anchored} was altered and the chain rebuilt after it: it is not the entry anchored"
    return (
        f"the chain was rebuilt: entry {anchored} is not the one anchored, so an entry from {first} to "
        f"{anchored} was altered, removed or inserted (anchors closer together would name it)"
    )


# --- search ---------------------------------------------------------------------------------


class AuditFilters(FormQuery):
    """Filters of an audit search, as query parameters; blank form fields count as absent."""

    user: str | None = Field(None, max_length=64, description="Username (exact)")
    organisation: str | None = Field(None, max_length=32, description="Organisation code (exact)")
    action: str | None = Field(None, max_length=64, description="Action, or its start (e.g. `incident.`)")
    subject_type: str | None = Field(None, max_length=32)
    subject_id: str | None = Field(None, max_length=64)
    date_from: date | None = None
    date_to: date | None = None


class AuditQuery(AuditFilters):
    """The filters and which page of the entries (the API pages with ``crimelink.web.paging``)."""

    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(100, ge=1, le=500)


class AuditRow(BaseModel):
    seq: int
    at: datetime
    username: str
    organisation: str
    role: str
    action: str
    purpose: str
    subject_type: str | None
    subject_id: str | None
    details: dict[str, Any]
    hash: str


class AuditPage(BaseModel):
    query: AuditQuery
    scope: str  # "all organisations", or the one organisation the searcher may audit
    total: int
    page: int
    pages: int
    rows: list[AuditRow]


def _filtered(query: AuditQuery, organisation_scope: str | None) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if organisation_scope is not None:
        stmt = stmt.where(AuditEvent.organisation == organisation_scope)
    if query.user:
        stmt = stmt.where(AuditEvent.username == query.user.strip().lower())
    if query.organisation:
        stmt = stmt.where(AuditEvent.organisation == query.organisation.strip().upper())
    if query.action:
        action = query.action.strip()
        escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(AuditEvent.action.like(escaped + "%", escape="\\"))
    if query.subject_type:
        stmt = stmt.where(AuditEvent.subject_type == query.subject_type.strip())
    if query.subject_id:
        stmt = stmt.where(AuditEvent.subject_id == query.subject_id.strip())
    if query.date_from:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(query.date_from, time()))
    if query.date_to:
        stmt = stmt.where(AuditEvent.at < datetime.combine(query.date_to + timedelta(days=1), time()))
    return stmt


def search_events(*, session: Session, query: AuditQuery, organisation_scope: str | None) -> AuditPage:
    """Entries matching ``query``, newest first; only ``organisation_scope``'s when given."""
    stmt = _filtered(query, organisation_scope)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    events = session.scalars(
        stmt.order_by(AuditEvent.seq.desc()).offset((query.page - 1) * query.per_page).limit(query.per_page)
    ).all()
    return AuditPage(
        query=query,
        scope=organisation_scope or "all organisations",
        total=total,
        page=query.page,
        pages=max(1, -(-total // query.per_page)),
        rows=[
            AuditRow(
                seq=e.seq, at=e.at, username=e.username, organisation=e.organisation, role=e.role,
                action=e.action, purpose=e.purpose, subject_type=e.subject_type, subject_id=e.subject_id,
                details=dict(e.details or {}), hash=e.hash,
            )
            for e in events
        ],
    )
