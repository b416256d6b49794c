"""Submitting incidents through the API: who may submit as whom, then intake as for files.

A retailer's or a force's user submits only as their own organisation; the national unit may
submit for any registered organisation (intake rejects unknown ones). A body naming another
organisation is refused whole (403) before anything is stored, so that a mistaken batch does
not half-land. Everything else is intake's judgement: each invalid record is rejected with
its field path and reason, and every valid one is stored.
"""

from __future__ import annotations

from typing import Any

from crimelink.access.policy import Viewer
from crimelink.errors import Forbidden
from crimelink.intake import ImportSummary, import_documents
from crimelink.store import StoreHandle
from crimelink.web.errors import InvalidRequest

MAX_BATCH = 10_000  # incidents in one request; larger loads go through `crimelink import`


def submit_incidents(*, store: StoreHandle, viewer: Viewer, body: Any) -> ImportSummary:
    """Import one incident (a JSON object) or a batch (a JSON array) submitted by ``viewer``."""
    documents = body if isinstance(body, list) else [body]
    if not documents:
        raise InvalidRequest("the body holds no incidents: send one incident object or an array of them")
    if len(documents) > MAX_BATCH:
        raise InvalidRequest(f"at most {MAX_BATCH:,} incidents in one request", incidents=len(documents))
    if not viewer.may_submit:
        raise Forbidden("your role may read but not submit incidents", role=viewer.role.value)
    others = sorted(
        {
            str(doc["submitter"])
            for doc in documents
            if isinstance(doc, dict)
            and isinstance(doc.get("submitter"), str)
            and not viewer.may_submit_as(doc["submitter"])
        }
    )
    if others:
        raise Forbidden(
            f"you may only submit incidents as your own organisation ({viewer.organisation_code})",
            submitters=others,
            organisation=viewer.organisation_code,
        )
    return import_documents(store=store, documents=documents, source=f"api:{viewer.username}")
