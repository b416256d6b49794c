"""The retention review queue for records managers: the page (with its decisions) and its JSON twin.

Personal data due for review, oldest first, each with the three decisions MoPI allows: retain
(with the reason and the next review date), anonymise, or delete (``crimelink.access.retention``,
which refuses what casework still holds and records each decision in the audit log). The page
and its twin are for the national unit's supervisors and administrators; reading the queue is
audited like any other read (``retention.list``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import retention
from crimelink.access.policy import Viewer
from crimelink.audit.models import RetentionReview
from crimelink.audit.service import Actor
from crimelink.domain.organisations import Role
from crimelink.errors import CrimelinkError, Forbidden, InvalidValue
from crimelink.store.models import utcnow
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render

router = APIRouter()
_FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "Not a records manager of the national unit"}}
RECENT = 20


def records_manager(viewer: Viewer) -> Actor:
    """The actor of a retention decision; refuses anyone but the national unit's supervisors
    and administrators."""
    if not viewer.national or viewer.role not in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise Forbidden("only the national unit's supervisors and administrators manage retention")
    return Actor.of(viewer)


class QueueItem(BaseModel):
    incident_id: int
    submitter: str
    incident_ref: str
    occurred_at: str
    review_due: date
    persons: int
    last_decision: str | None


class DecisionMade(BaseModel):
    incident_id: int
    submitter: str
    incident_ref: str
    decision: str
    reason: str
    decided_by: str
    decided_at: str
    next_review: date | None


class RetentionPage(BaseModel):
    as_of: date
    clear_years: int
    due: list[QueueItem]
    recent_decisions: list[DecisionMade]


def retention_page_data(
    request: Request, db_session: Session, as_of: date | None, limit: int, offset: int = 0
) -> RetentionPage:
    settings = request.app.state.settings
    day = as_of or utcnow().date()
    items = retention.review_queue(
        session=db_session, as_of=day, clear_years=settings.retention_clear_years, limit=limit, offset=offset
    )
    recent = db_session.scalars(select(RetentionReview).order_by(RetentionReview.id.desc()).limit(RECENT)).all()
    return RetentionPage(
        as_of=day,
        clear_years=settings.retention_clear_years,
        due=[
            QueueItem(
                incident_id=i.incident_id,
                submitter=i.submitter,
                incident_ref=i.incident_ref,
                occurred_at=i.occurred_at.isoformat(),
                review_due=i.review_due,
                persons=i.persons,
                last_decision=i.last_decision,
            )
            for i in items
        ],
        recent_decisions=[
            DecisionMade(
                incident_id=r.incident_id,
                submitter=r.submitter,
                incident_ref=r.incident_ref,
                decision=r.decision,
                reason=r.reason,
                decided_by=r.decided_by,
                decided_at=r.decided_at.isoformat(),
                next_review=r.next_review,
            )
            for r in recent
        ],
    )


AsOf = Annotated[date | None, Query(description="Review date to look from (default today)")]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/retention", response_class=HTMLResponse, include_in_schema=False)
def retention_page(
    request: Request, db_session: DbSession, viewer: CurrentViewer, as_of: AsOf = None, limit: Limit = 100
) -> Response:
    records_manager(viewer)
    return render(
        request,
        "retention.html",
        page=retention_page_data(request, db_session, as_of, limit),
        decisions=list(retention.Decision),
        error=None,
    )


class RetentionDue(Page[QueueItem]):
    """A page of the personal data due for review, with the page's other parts (the latest decisions)."""

    as_of: date
    clear_years: int
    recent_decisions: list[DecisionMade]


@router.get("/api/v1/retention", tags=["retention"], responses=_FORBIDDEN)
def retention_json(
    request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery, as_of: AsOf = None
) -> RetentionDue:
    """Personal data due for review (oldest first), and the latest decisions."""
    records_manager(viewer)
    found = retention_page_data(request, db_session, as_of, paging.limit, paging.offset)
    total = retention.count_due(session=db_session, as_of=found.as_of, clear_years=found.clear_years)
    return RetentionDue.of(request, paging, found.due, total, as_of=found.as_of, clear_years=found.clear_years,
                           recent_decisions=found.recent_decisions)


@router.post("/retention/decisions", response_class=HTMLResponse, include_in_schema=False)
def decide_form(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    incident_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    decision: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    next_review: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    actor = records_manager(viewer)
    try:
        try:
            review_day = date.fromisoformat(next_review) if next_review else None
            chosen = retention.Decision(decision)
        except ValueError as bad:
            raise InvalidValue("decision", decision, "retain, anonymise or delete, with a valid date") from bad
        retention.decide(
            session=db_session,
            actor=actor,
            incident_id=incident_id,
            decision=chosen,
            reason=reason,
            clear_years=request.app.state.settings.retention_clear_years,
            next_review=review_day,
        )
    except CrimelinkError as error:  # refused before anything changed
        page = retention_page_data(request, db_session, None, 100)
        return render(
            request,
            "retention.html",
            status_code=error.status_code,
            page=page,
            decisions=list(retention.Decision),
            error=error.message,
        )
    return RedirectResponse("/retention", status_code=303)
