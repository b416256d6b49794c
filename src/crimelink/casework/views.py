"""The casework API: referrals, operations and their results, outcome types, engagement.

``router`` (prefix ``/api/v1``) is mounted by the web app. Who is acting comes from the
dependency :func:`current_actor`, which by default is the web app's login (session cookie or
HTTP Basic, ``crimelink.web.dependencies.current_viewer``); an app or a test may replace it with
``app.dependency_overrides[current_actor] = ...``. The database session is the web app's
``get_db`` (the store on ``app.state.store``), committed before the response is sent.
Errors are crimelink's own (``NotFound`` 404, ``Forbidden`` 403, ``InvalidValue`` 400,
``InvalidTransition`` 409), mapped to JSON by the app's one handler.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework import operations, service
from crimelink.casework.lifecycle import Status
from crimelink.casework.outcomes import default_outcome_types
from crimelink.casework.schemas import (
    ArrestIn,
    ArrestOut,
    ChargeIn,
    ChargeOut,
    CloseOperationIn,
    CourtResultIn,
    CourtResultOut,
    EngagementIn,
    EngagementOut,
    LinkIn,
    LinkOut,
    NoteIn,
    NoteOut,
    OperationCreate,
    OperationDetail,
    OperationRow,
    OutcomeIn,
    OutcomeOut,
    OutcomeTypeOut,
    ReferralCreate,
    ReferralRow,
    ReferralView,
    SubjectIn,
    SubjectOut,
    TransitionIn,
    TransitionOut,
)
from crimelink.reports.access import impact_scope
from crimelink.reports.impact import ImpactSummary, impact_report
from crimelink.web.dependencies import CurrentViewer, get_db
from crimelink.web.paging import Page, PageQuery

__all__ = ["current_actor", "router"]


def current_actor(viewer: CurrentViewer) -> Viewer:
    """Who is acting: the logged-in user. Override this dependency to authenticate otherwise."""
    return viewer


Actor = Annotated[Viewer, Depends(current_actor)]
# Committed when the route returns, before the response is sent: a client that reads right after
# a write (on the same keep-alive connection) must see it. (The default, "request" scope, commits
# only after the response has gone.)
DbSession = Annotated[Session, Depends(get_db, scope="function")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such record, or not one the asker may see"}}
router = APIRouter(prefix="/api/v1", tags=["casework"])


# --- referrals -------------------------------------------------------------------------------


@router.post("/referrals", status_code=status.HTTP_201_CREATED)
def create_referral(db_session: DbSession, actor: Actor, body: ReferralCreate) -> ReferralView:
    """Refer a person, group, vehicle or crimes; needs at least one police crime reference."""
    referral_id = service.create_referral(session=db_session, actor=actor, data=body)
    return service.get_referral(session=db_session, actor=actor, referral_id=referral_id)


@router.get("/referrals")
def list_referrals(
    request: Request,
    db_session: DbSession,
    actor: Actor,
    paging: PageQuery,
    status_: Annotated[Status | None, Query(alias="status")] = None,
) -> Page[ReferralRow]:
    """The national unit's queue (highest priority first); a force's packages; a retailer's own referrals."""
    found = service.list_referrals(session=db_session, actor=actor, status=status_, limit=paging.limit,
                                   offset=paging.offset)
    return Page[ReferralRow].of(request, paging, found.rows, found.total)


@router.get("/referrals/{referral_id}", responses=NOT_FOUND)
def get_referral(db_session: DbSession, actor: Actor, referral_id: int) -> ReferralView:
    """The whole referral (``view: full``), or for its referrer the status and feedback (``view: referrer``)."""
    return service.get_referral(session=db_session, actor=actor, referral_id=referral_id)


@router.post("/referrals/{referral_id}/transitions", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def transition_referral(db_session: DbSession, actor: Actor, referral_id: int, body: TransitionIn) -> TransitionOut:
    """Move the referral on one step of its lifecycle (409 if that step does not exist from here)."""
    return service.transition_referral(session=db_session, actor=actor, referral_id=referral_id, change=body)


@router.post("/referrals/{referral_id}/notes", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def add_note(db_session: DbSession, actor: Actor, referral_id: int, body: NoteIn) -> NoteOut:
    """An investigation note, or with ``for_referrer`` feedback the referrer sees."""
    return service.add_note(session=db_session, actor=actor, referral_id=referral_id, note=body)


@router.post("/referrals/{referral_id}/subjects", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def add_subject(db_session: DbSession, actor: Actor, referral_id: int, body: SubjectIn) -> SubjectOut:
    return service.add_subject(session=db_session, actor=actor, referral_id=referral_id, subject=body)


# --- operations ------------------------------------------------------------------------------


@router.get("/operations")
def list_operations(
    request: Request,
    db_session: DbSession,
    actor: Actor,
    paging: PageQuery,
    status_: Annotated[str | None, Query(alias="status")] = None,
) -> Page[OperationRow]:
    """The operations the actor may see, latest adopted first."""
    found = operations.list_operations(session=db_session, actor=actor, status=status_)
    return Page[OperationRow].window(request, paging, found)


@router.post("/operations", status_code=status.HTTP_201_CREATED)
def create_operation(db_session: DbSession, actor: Actor, body: OperationCreate) -> OperationDetail:
    return operations.create_operation(session=db_session, actor=actor, data=body)


@router.get("/operations/{operation_id}", responses=NOT_FOUND)
def get_operation(db_session: DbSession, actor: Actor, operation_id: int) -> OperationDetail:
    return operations.get_operation(session=db_session, actor=actor, operation_id=operation_id)


@router.post("/operations/{operation_id}/links", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def link_to_operation(db_session: DbSession, actor: Actor, operation_id: int, body: LinkIn) -> list[LinkOut]:
    return operations.link_to_operation(session=db_session, actor=actor, operation_id=operation_id, link=body)


@router.post("/operations/{operation_id}/arrests", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def record_arrest(db_session: DbSession, actor: Actor, operation_id: int, body: ArrestIn) -> ArrestOut:
    return operations.record_arrest(session=db_session, actor=actor, operation_id=operation_id, arrest=body)


@router.post("/operations/{operation_id}/charges", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def record_charge(db_session: DbSession, actor: Actor, operation_id: int, body: ChargeIn) -> ChargeOut:
    return operations.record_charge(session=db_session, actor=actor, operation_id=operation_id, charge=body)


@router.post("/operations/{operation_id}/outcomes", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def record_outcomes(db_session: DbSession, actor: Actor, operation_id: int, body: list[OutcomeIn]) -> list[OutcomeOut]:
    """The Home Office outcome type of each crime the operation dealt with."""
    return operations.record_outcomes(session=db_session, actor=actor, operation_id=operation_id, outcomes=body)


@router.post("/operations/{operation_id}/court-results", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def record_court_result(db_session: DbSession, actor: Actor, operation_id: int, body: CourtResultIn) -> CourtResultOut:
    return operations.record_court_result(session=db_session, actor=actor, operation_id=operation_id, result=body)


@router.post("/operations/{operation_id}/close", responses=NOT_FOUND)
def close_operation(db_session: DbSession, actor: Actor, operation_id: int, body: CloseOperationIn) -> OperationRow:
    return operations.close_operation(session=db_session, actor=actor, operation_id=operation_id, close=body)


# --- outcome types, engagement, impact -------------------------------------------------------


@router.get("/outcome-types")
def outcome_types(request: Request, actor: Actor, paging: PageQuery) -> Page[OutcomeTypeOut]:
    """Home Office outcome types, and which count as a positive outcome here."""
    types = [
        OutcomeTypeOut(code=t.code, label=t.label, positive=t.positive, verified=t.verified)
        for t in default_outcome_types().types.values()
    ]
    return Page[OutcomeTypeOut].window(request, paging, types)


@router.get("/engagement-sessions")
def list_engagement(request: Request, db_session: DbSession, actor: Actor, paging: PageQuery) -> Page[EngagementOut]:
    """Engagement sessions the actor may see."""
    return Page[EngagementOut].window(request, paging, operations.list_engagement(session=db_session, actor=actor))


@router.post("/engagement-sessions", status_code=status.HTTP_201_CREATED)
def record_engagement(db_session: DbSession, actor: Actor, body: EngagementIn) -> EngagementOut:
    return operations.record_engagement(session=db_session, actor=actor, data=body)


@router.get("/impact")
def impact(
    db_session: DbSession,
    actor: Actor,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    force: Annotated[str | None, Query()] = None,
    retailer: Annotated[str | None, Query()] = None,
    operation: Annotated[int | None, Query()] = None,
) -> ImpactSummary:
    """The partnership's impact figures for a period, force area, retailer or operation (national unit;
    a force sees its own area's)."""
    scope = impact_scope(actor, start=from_, end=to, force=force, retailer=retailer, operation=operation)
    return impact_report(session=db_session, scope=scope).summary()
