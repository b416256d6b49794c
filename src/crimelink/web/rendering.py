"""HTML rendering: the Jinja templates shipped in the package, and the filters they share.

Money is pounds sterling, dates British style (``12 Mar 2025``), times UTC as stored.
"""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from crimelink.domain.forces import FORCE_IDS, police_force

TEMPLATES_DIR = resources.files("crimelink.web") / "templates"
STATIC_DIR = resources.files("crimelink.web") / "static"


def gbp(value: float | None, decimals: int = 2) -> str:
    if value is None:
        return "—"
    return f"£{value:,.{decimals}f}"


def number(value: int | float | None) -> str:
    return "—" if value is None else f"{value:,}"


def when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%d %b %Y %H:%M")


def day(value: date | datetime | None) -> str:
    return "—" if value is None else value.strftime("%d %b %Y")


def yes_no(value: bool | None) -> str:
    return "not stated" if value is None else ("yes" if value else "no")


def force_name(force_id: str | None) -> str:
    if not force_id:
        return "unknown"
    return police_force(force_id).name if force_id in FORCE_IDS else force_id


def query_string(model: BaseModel, **changes: Any) -> str:
    """``?a=1&b=2`` for a query model with some values changed; unset and blank values left out."""
    values = {**model.model_dump(mode="json", exclude_defaults=True), **changes}
    return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update(gbp=gbp, number=number, when=when, day=day, yes_no=yes_no, force_name=force_name)
templates.env.globals.update(query_string=query_string)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``templates/``; the logged-in viewer (if any) is always in the context."""
    context.setdefault("viewer", getattr(request.state, "viewer", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code)
