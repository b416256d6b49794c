"""The offender list (the priority list) with its JSON twin and a CSV download of the same filters."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from crimelink.domain.spreadsheet import safe_writer
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render
from crimelink.web.services.offender_list import OffenderFilters, OffenderListQuery, OffenderRow, list_offenders

router = APIRouter()
Search = Annotated[OffenderListQuery, Query()]
Filters = Annotated[OffenderFilters, Query()]
CSV_COLUMNS = ["rank", "name", "incidents", "forces", "group", "last_seen", "score", "offender_id"]


@router.get("/offenders", response_class=HTMLResponse, include_in_schema=False)
def offenders_page(request: Request, db_session: DbSession, viewer: CurrentViewer, query: Search) -> Response:
    found = list_offenders(db_session=db_session, viewer=viewer, query=query)
    return render(request, "offenders.html", found=found, q=query)


@router.get("/offenders.csv", include_in_schema=False)
def offenders_download(db_session: DbSession, viewer: CurrentViewer, filters: Filters) -> Response:
    """The filtered list as CSV; names a spreadsheet would run as formulas are neutralised."""
    query = OffenderListQuery.model_construct(**dict(filters), page=1, per_page=1)
    found = list_offenders(db_session=db_session, viewer=viewer, query=query, everything=True)
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in found.rows:
        writer.writerow([r.rank, r.name, r.incidents, "; ".join(r.forces), r.group,
                         r.last_seen.isoformat() if r.last_seen else "", r.score, r.id])  # fmt: skip
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="offenders.csv"'})  # fmt: skip


@router.get("/api/v1/offenders", tags=["offenders"])
def offenders_json(
    request: Request, db_session: DbSession, viewer: CurrentViewer, filters: Filters, paging: PageQuery
) -> Page[OffenderRow]:
    """Offenders the viewer may see, in priority order (or ``sort``), a page at a time."""
    query = OffenderListQuery.model_construct(**dict(filters), page=paging.page, per_page=paging.limit)
    found = list_offenders(db_session=db_session, viewer=viewer, query=query)
    return Page[OffenderRow].of(request, paging, found.rows, found.total)
