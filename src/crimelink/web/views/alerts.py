"""Alerts, following, and bulletins: pages with their JSON twins.

=====================================  ======================================  ==========================
Page                                   JSON twin                               What
=====================================  ======================================  ==========================
``/alerts``                            ``/api/v1/alerts``                      your alerts and what you follow
(the button on a profile page)         ``POST /api/v1/alerts/subscriptions``   follow an offender, vehicle, group
                                       ``DELETE /api/v1/alerts/subscriptions/{id}``  stop following
``/bulletins/{organisation}``          ``/api/v1/bulletins/{organisation}``    the organisation's bulletin
=====================================  ======================================  ==========================

The follow button is an htmx fragment (``/alerts/button?kind=person&id=12``) that profile pages
load in place, so that the profile templates need one line each.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework import subscriptions
from crimelink.casework.bulletins import Bulletin, Period, bulletin
from crimelink.casework.priority import data_as_of
from crimelink.casework.subscriptions import AlertOut, SubscriptionIn, SubscriptionOut
from crimelink.errors import Forbidden
from crimelink.web.dependencies import CurrentViewer, DbSession, wants_partial
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render

router = APIRouter()
Kind = Literal["person", "vehicle", "group"]
NOUN = {"person": "offender", "vehicle": "vehicle", "group": "group"}


# --- alerts ------------------------------------------------------------------------------------


@router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(request: Request, db_session: DbSession, viewer: CurrentViewer) -> Response:
    found = subscriptions.list_alerts(session=db_session, viewer=viewer)
    return render(request, "alerts.html", found=found, noun=NOUN)


class AlertPage(Page[AlertOut]):
    """A page of your alerts, newest first, with how many are unread and what you follow."""

    unread: int
    subscriptions: list[SubscriptionOut]


@router.get("/api/v1/alerts", tags=["alerts"])
def alerts_json(request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery) -> AlertPage:
    """Your alerts, newest first, and the offenders, vehicles and groups you follow."""
    found = subscriptions.list_alerts(session=db_session, viewer=viewer, limit=paging.limit, offset=paging.offset)
    return AlertPage.of(request, paging, found.alerts, found.total, unread=found.unread,
                        subscriptions=found.subscriptions)


@router.post("/alerts/read", include_in_schema=False)
def read_page(
    request: Request, db_session: DbSession, viewer: CurrentViewer, alert_id: Annotated[int | None, Form()] = None
) -> Response:
    subscriptions.mark_read(session=db_session, viewer=viewer, alert_id=alert_id)
    if wants_partial(request):
        return render(request, "_alerts_list.html", found=subscriptions.list_alerts(session=db_session, viewer=viewer))
    return RedirectResponse("/alerts", status_code=303)


@router.post("/api/v1/alerts/read", tags=["alerts"])
def read_json(db_session: DbSession, viewer: CurrentViewer, alert_id: int | None = None) -> dict[str, int]:
    """Mark one alert read (``alert_id``), or all of yours."""
    return {"marked": subscriptions.mark_read(session=db_session, viewer=viewer, alert_id=alert_id)}


# --- following ---------------------------------------------------------------------------------


def _button(
    request: Request, session: Session, viewer: Viewer, kind: str, target_id: int, error: str | None = None
) -> Response:
    current = subscriptions.subscription_for(session=session, viewer=viewer, kind=kind, target_id=target_id)
    allowed = current is not None or subscriptions.may_follow(session, viewer, kind, target_id)
    return render(
        request,
        "_subscribe.html",
        kind=kind,
        target_id=target_id,
        current=current,
        allowed=allowed,
        noun=NOUN[kind],
        error=error,
    )


@router.get("/alerts/button", response_class=HTMLResponse, include_in_schema=False)
def follow_button(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    kind: Annotated[Kind, Query()],
    id: Annotated[int, Query()],
) -> Response:
    return _button(request, db_session, viewer, kind, id)


@router.post("/alerts/subscriptions", response_class=HTMLResponse, include_in_schema=False)
def follow_page(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    kind: Annotated[Kind, Form()],
    id: Annotated[int, Form()],
    email: Annotated[str | None, Form()] = None,
) -> Response:
    error = None
    try:
        data = SubscriptionIn(kind=kind, id=id, email=(email or "").strip() or None)
        subscriptions.subscribe(session=db_session, viewer=viewer, data=data)
    except ValidationError:
        error = "That is not an email address."
    if wants_partial(request):
        return _button(request, db_session, viewer, kind, id, error=error)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/subscriptions/{subscription_id}/stop", response_class=HTMLResponse, include_in_schema=False)
def unfollow_page(request: Request, db_session: DbSession, viewer: CurrentViewer, subscription_id: int) -> Response:
    stopped = subscriptions.unsubscribe(session=db_session, viewer=viewer, subscription_id=subscription_id)
    if wants_partial(request) and request.headers.get("hx-target") != "alerts-main":
        return _button(request, db_session, viewer, stopped.kind, stopped.target_id)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/api/v1/alerts/subscriptions", tags=["alerts"], status_code=status.HTTP_201_CREATED)
def follow_json(db_session: DbSession, viewer: CurrentViewer, body: SubscriptionIn) -> SubscriptionOut:
    """Follow an offender or vehicle linked to reports you can see, or a group you work an operation against."""
    return subscriptions.subscribe(session=db_session, viewer=viewer, data=body)


@router.delete("/api/v1/alerts/subscriptions/{subscription_id}", tags=["alerts"])
def unfollow_json(db_session: DbSession, viewer: CurrentViewer, subscription_id: int) -> SubscriptionOut:
    return subscriptions.unsubscribe(session=db_session, viewer=viewer, subscription_id=subscription_id)


# --- bulletins -------------------------------------------------------------------------------


def _bulletin(session: Session, viewer: Viewer, code: str, start: date | None, end: date | None) -> Bulletin:
    if not viewer.national and code.strip().upper() != viewer.organisation_code:
        raise Forbidden("a bulletin is for its own organisation (and the national unit)", organisation=code)
    if end is None:
        newest = data_as_of(session)
        end = newest.date() if newest else date.today()
    period = Period(start, end) if start else Period.ending(end)
    return bulletin(session=session, organisation_code=code, period=period)


From = Annotated[date | None, Query(alias="from")]
To = Annotated[date | None, Query()]


@router.get("/bulletins/{organisation}", response_class=HTMLResponse, include_in_schema=False)
def bulletin_page(
    request: Request, db_session: DbSession, viewer: CurrentViewer, organisation: str, start: From = None, to: To = None
) -> Response:
    made = _bulletin(db_session, viewer, organisation, start, to)
    return render(request, "bulletin_page.html", bulletin=made)


@router.get("/api/v1/bulletins/{organisation}", tags=["alerts"])
def bulletin_json(
    db_session: DbSession, viewer: CurrentViewer, organisation: str, start: From = None, to: To = None
) -> Bulletin:
    """The organisation's bulletin (default: the 28 days to the newest incident), sanitised for it."""
    return _bulletin(db_session, viewer, organisation, start, to)
