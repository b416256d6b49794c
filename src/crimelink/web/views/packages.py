"""Intelligence packages: the page, the PDF, and the JSON twin, for the national unit and the lead force.

==============================  ===================================  ======================
Page                            PDF                                  JSON twin
==============================  ===================================  ======================
``/packages/{operation_id}``    ``/packages/{operation_id}.pdf``     ``/api/v1/packages/{operation_id}``
``/referrals/{id}/package``     ``/referrals/{id}/package.pdf``      ``/api/v1/referrals/{id}/package``
==============================  ===================================  ======================
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from crimelink.reports.package import build_package
from crimelink.reports.package_schemas import IntelligencePackage
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.services.packages import package_html, package_pdf_bytes

router = APIRouter()
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such operation, or not one you lead"}}


def _pdf(content: bytes, name: str) -> Response:
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'}
    )


# The .pdf routes come first: "{operation_id}" would not match "12.pdf" as a number anyway, but the
# order says which is meant.
@router.get("/packages/{operation_id}.pdf", include_in_schema=False)
def operation_package_pdf(db_session: DbSession, viewer: CurrentViewer, operation_id: int) -> Response:
    document = build_package(session=db_session, actor=viewer, operation_id=operation_id)
    return _pdf(package_pdf_bytes(document), document.package.reference)


@router.get("/packages/{operation_id}", response_class=HTMLResponse, include_in_schema=False)
def operation_package(db_session: DbSession, viewer: CurrentViewer, operation_id: int) -> Response:
    document = build_package(session=db_session, actor=viewer, operation_id=operation_id)
    return HTMLResponse(package_html(document, pdf_url=f"/packages/{operation_id}.pdf"))


@router.get("/api/v1/packages/{operation_id}", tags=["casework"], responses=_NOT_FOUND)
def operation_package_json(db_session: DbSession, viewer: CurrentViewer, operation_id: int) -> IntelligencePackage:
    """The intelligence package for an operation, as its lead force receives it: graded, marked, sanitised."""
    return build_package(session=db_session, actor=viewer, operation_id=operation_id).package


@router.get("/referrals/{referral_id}/package.pdf", include_in_schema=False)
def referral_package_pdf(db_session: DbSession, viewer: CurrentViewer, referral_id: int) -> Response:
    document = build_package(session=db_session, actor=viewer, referral_id=referral_id)
    return _pdf(package_pdf_bytes(document), document.package.reference)


@router.get("/referrals/{referral_id}/package", response_class=HTMLResponse, include_in_schema=False)
def referral_package(db_session: DbSession, viewer: CurrentViewer, referral_id: int) -> Response:
    document = build_package(session=db_session, actor=viewer, referral_id=referral_id)
    return HTMLResponse(package_html(document, pdf_url=f"/referrals/{referral_id}/package.pdf"))


@router.get("/api/v1/referrals/{referral_id}/package", tags=["casework"], responses=_NOT_FOUND)
def referral_package_json(db_session: DbSession, viewer: CurrentViewer, referral_id: int) -> IntelligencePackage:
    """The package for a referral, for the force it was (or is to be) disseminated to."""
    return build_package(session=db_session, actor=viewer, referral_id=referral_id).package
