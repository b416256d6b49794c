"""Intelligence packages: the page, the PDF, and the JSON twin, for the national unit and the lead force.

==============================  ===================================  ======================
Page                            PDF                                  JSON twin
==============================  ===================================  ======================
``/packages/{operation_id}``    ``/packages/{operation_id}.pdf``     ``/api/v1/packages/{operation_id}``
``/referrals/{id}/package``     ``/referrals/{id}/package.pdf``      ``/api/v1/referrals/{id}/package``
==============================  ===================================  ======================

A PDF download answers with the PDF (a short package's at once, as before); a long package's
answers 202 with a page that shows its progress and asks again each second until the PDF comes
(``crimelink.web.services.packages``). A PDF already produced for the same content is given again
at once, with the ``Last-Modified`` of when it was produced.
"""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from crimelink.reports.package import PackageDocument, build_package
from crimelink.reports.package_schemas import IntelligencePackage
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.services.packages import package_html, pdf_job, progress_html, waiting_time

router = APIRouter()
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such operation, or not one you lead"}}


def _pdf_or_progress(request: Request, db_session: Session, document: PackageDocument, *, back_url: str) -> Response:
    """The PDF if it is ready in time, else (202) the page that shows how far it has got."""
    db_session.commit()  # the package is read: waiting for its PDF holds no transaction open
    job = pdf_job(document)
    if not job.wait(waiting_time(job, request.headers.get("prefer"))):
        return HTMLResponse(
            progress_html(document, job, back_url=back_url), status_code=202, headers={"Retry-After": "1"}
        )
    if job.pdf is None:  # failed: the app's error pages say how (a missing extra is a 501)
        raise job.failure or RuntimeError("the package PDF was not produced")
    produced = job.produced_at.replace(tzinfo=job.produced_at.tzinfo or UTC)
    return Response(
        job.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{document.package.reference}.pdf"',
            "Last-Modified": format_datetime(produced, usegmt=True),
            "ETag": f'"{job.key}"',
        },
    )


# The .pdf routes come first: "{operation_id}" would not match "12.pdf" as a number anyway, but the
# order says which is meant.
@router.get("/packages/{operation_id}.pdf", include_in_schema=False)
def operation_package_pdf(
    request: Request, db_session: DbSession, viewer: CurrentViewer, operation_id: int
) -> Response:
    document = build_package(session=db_session, actor=viewer, operation_id=operation_id)
    return _pdf_or_progress(request, db_session, document, back_url=f"/packages/{operation_id}")


@router.get("/packages/{operation_id}", response_class=HTMLResponse, include_in_schema=False)
def operation_package(db_session: DbSession, viewer: CurrentViewer, operation_id: int) -> Response:
    document = build_package(session=db_session, actor=viewer, operation_id=operation_id)
    return HTMLResponse(package_html(document, pdf_url=f"/packages/{operation_id}.pdf"))


@router.get("/api/v1/packages/{operation_id}", tags=["casework"], responses=_NOT_FOUND)
def operation_package_json(db_session: DbSession, viewer: CurrentViewer, operation_id: int) -> IntelligencePackage:
    """The intelligence package for an operation, as its lead force receives it: graded, marked, sanitised."""
    return build_package(session=db_session, actor=viewer, operation_id=operation_id).package


@router.get("/referrals/{referral_id}/package.pdf", include_in_schema=False)
def referral_package_pdf(request: Request, db_session: DbSession, viewer: CurrentViewer, referral_id: int) -> Response:
    document = build_package(session=db_session, actor=viewer, referral_id=referral_id)
    return _pdf_or_progress(request, db_session, document, back_url=f"/referrals/{referral_id}/package")


@router.get("/referrals/{referral_id}/package", response_class=HTMLResponse, include_in_schema=False)
def referral_package(db_session: DbSession, viewer: CurrentViewer, referral_id: int) -> Response:
    document = build_package(session=db_session, actor=viewer, referral_id=referral_id)
    return HTMLResponse(package_html(document, pdf_url=f"/referrals/{referral_id}/package.pdf"))


@router.get("/api/v1/referrals/{referral_id}/package", tags=["casework"], responses=_NOT_FOUND)
def referral_package_json(db_session: DbSession, viewer: CurrentViewer, referral_id: int) -> IntelligencePackage:
    """The package for a referral, for the force it was (or is to be) disseminated to."""
    return build_package(session=db_session, actor=viewer, referral_id=referral_id).package
