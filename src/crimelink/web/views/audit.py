"""The audit log for auditors (search, page and JSON twin, and verification of the chain), and
retention for records managers (the review queue, decisions, subject access and erasure).

Only users with the auditor role may read the log. An auditor of the national unit sees every
organisation's entries; an auditor elsewhere sees their own organisation's. Reading the log
is itself audited (``audit.search``, ``audit.verify``). Retention belongs to the national
unit's supervisors and administrators (``crimelink.access.retention``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from crimelink.access import retention
from crimelink.access.policy import Viewer
from crimelink.audit.service import Actor, AuditFilters, AuditQuery, AuditRow, search_events, verify
from crimelink.domain.organisations import Role
from crimelink.errors import Forbidden
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render

router = APIRouter()
Search = Annotated[AuditQuery, Query()]
Filters = Annotated[AuditFilters, Query()]
_FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "Not an auditor"}}


def audit_scope(viewer: Viewer) -> str | None:
    """The organisation whose entries the viewer may audit (``None``: all); refuses non-auditors."""
    if viewer.role is not Role.AUDITOR:
        raise Forbidden("only auditors may read the audit log", role=viewer.role.value)
    return None if viewer.national else viewer.organisation_code


class ChainCheck(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, db_session: DbSession, viewer: CurrentViewer, query: Search) -> Response:
    found = search_events(session=db_session, query=query, organisation_scope=audit_scope(viewer))
    return render(request, "audit.html", found=found)


class AuditEntries(Page[AuditRow]):
    """A page of audit entries, and whose: "all organisations" or the one the auditor may audit."""

    scope: str


@router.get("/api/v1/audit", tags=["audit"], responses=_FORBIDDEN)
def audit_json(
    request: Request, db_session: DbSession, viewer: CurrentViewer, filters: Filters, paging: PageQuery
) -> AuditEntries:
    """Audit entries matching the filters, newest first (auditors only)."""
    query = AuditQuery.model_construct(**dict(filters), page=paging.page, per_page=paging.limit)
    found = search_events(session=db_session, query=query, organisation_scope=audit_scope(viewer))
    return AuditEntries.of(request, paging, found.rows, found.total, scope=found.scope)


def _check(db_session: DbSession, viewer: Viewer) -> ChainCheck:
    if audit_scope(viewer) is not None:
        raise Forbidden("only the national unit's auditors may verify the whole log")
    return ChainCheck(**verify(session=db_session).as_dict())


@router.get("/audit/verify", response_class=HTMLResponse, include_in_schema=False)
def verify_page(request: Request, db_session: DbSession, viewer: CurrentViewer) -> Response:
    return render(request, "audit_verify.html", check=_check(db_session, viewer))


@router.get("/api/v1/audit/verify", tags=["audit"], responses=_FORBIDDEN)
def verify_json(db_session: DbSession, viewer: CurrentViewer) -> ChainCheck:
    """Walk the hash chain: whether any entry was altered, removed or reordered, and the first bad one."""
    return _check(db_session, viewer)


# --- retention ----------------------------------------------------------------------------------


def _records_manager(viewer: Viewer) -> Actor:
    if not viewer.national or viewer.role not in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise Forbidden("only the national unit's supervisors and administrators manage retention")
    return Actor.of(viewer)


class ReviewItemOut(BaseModel):
    incident_id: int
    submitter: str
    incident_ref: str
    review_due: date
    persons: int
    last_decision: str | None


class DecisionIn(BaseModel):
    incident_id: int = Field(ge=1, le=2**63 - 1)
    decision: retention.Decision
    reason: str = Field(min_length=1, max_length=2000)
    next_review: date | None = Field(None, description="Required to retain: when to look again")


class DecisionOut(BaseModel):
    incident_id: int
    decision: str
    next_review: date | None


class ErasureIn(BaseModel):
    grounds: retention.ErasureGrounds
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/api/v1/retention/queue", tags=["retention"], responses=_FORBIDDEN)
def retention_queue(
    request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery, as_of: date | None = None
) -> Page[ReviewItemOut]:
    """Incidents whose personal data is due for review (oldest first)."""
    _records_manager(viewer)
    day, years = as_of or date.today(), request.app.state.settings.retention_clear_years
    items = retention.review_queue(session=db_session, as_of=day, clear_years=years, limit=paging.limit,
                                   offset=paging.offset)
    total = retention.count_due(session=db_session, as_of=day, clear_years=years)
    rows = [ReviewItemOut(**{k: getattr(i, k) for k in ReviewItemOut.model_fields}) for i in items]
    return Page[ReviewItemOut].of(request, paging, rows, total)


@router.post("/api/v1/retention/decisions", tags=["retention"], responses=_FORBIDDEN)
def retention_decision(request: Request, db_session: DbSession, viewer: CurrentViewer, body: DecisionIn) -> DecisionOut:
    """Retain (with a next review date), anonymise or delete an incident's personal data."""
    review = retention.decide(
        session=db_session,
        actor=_records_manager(viewer),
        incident_id=body.incident_id,
        decision=body.decision,
        reason=body.reason,
        clear_years=request.app.state.settings.retention_clear_years,
        next_review=body.next_review,
    )
    return DecisionOut(incident_id=review.incident_id, decision=review.decision, next_review=review.next_review)


@router.post("/api/v1/subjects/{offender_id}/export", tags=["retention"], responses=_FORBIDDEN)
def subject_access(db_session: DbSession, viewer: CurrentViewer, offender_id: int) -> dict[str, Any]:
    """Everything held about one person (a subject access request), as one JSON document.

    A POST: producing a disclosure is an act, recorded in the audit in the same transaction."""
    return retention.subject_access_export(session=db_session, actor=_records_manager(viewer), offender_id=offender_id)


@router.post("/api/v1/subjects/{offender_id}/erasure", tags=["retention"], responses=_FORBIDDEN)
def subject_erasure(db_session: DbSession, viewer: CurrentViewer, offender_id: int, body: ErasureIn) -> dict[str, int]:
    """Erase one person's personal data on recorded grounds (refused while casework holds it)."""
    erased = retention.erase_subject(
        session=db_session, actor=_records_manager(viewer), offender_id=offender_id, grounds=body.grounds,
        reason=body.reason,
    )  # fmt: skip
    return {"erased_mentions": erased}
