"""Organised groups: the list and one group, with their JSON twins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render
from crimelink.web.services.groups import GroupDetail, GroupRow, group_detail, list_groups

router = APIRouter()


@router.get("/groups", response_class=HTMLResponse, include_in_schema=False)
def groups_page(request: Request, db_session: DbSession, viewer: CurrentViewer) -> Response:
    return render(request, "groups.html", groups=list_groups(db_session=db_session, viewer=viewer))


@router.get("/api/v1/groups", tags=["groups"])
def groups_json(request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery) -> Page[GroupRow]:
    """Groups the viewer may see, highest priority first (none for retailers)."""
    return Page[GroupRow].window(request, paging, list_groups(db_session=db_session, viewer=viewer).rows)


@router.get("/groups/{group_id}", response_class=HTMLResponse, include_in_schema=False)
def group_page(request: Request, db_session: DbSession, viewer: CurrentViewer, group_id: int) -> Response:
    return render(
        request,
        "group.html",
        detail=group_detail(db_session=db_session, viewer=viewer, group_id=group_id),
    )


@router.get("/api/v1/groups/{group_id}", tags=["groups"], responses={404: {"description": "No such group"}})
def group_json(db_session: DbSession, viewer: CurrentViewer, group_id: int) -> GroupDetail:
    """One group: members, their incidents, forces, value, and who offended with whom."""
    return group_detail(db_session=db_session, viewer=viewer, group_id=group_id)
