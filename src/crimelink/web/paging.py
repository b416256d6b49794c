"""One way to page every list of the API: ``?page=`` and ``?limit=`` in, a :class:`Page` out.

A script reads any list the same way: the records are in ``items``, ``total`` says how many
match, and ``next`` is the link to the following page (the same filters, the next page number),
``null`` on the last. Follow ``next`` until it is null and every record has come once.

The bounds are checked before anything is read: ``limit`` runs from 1 to :data:`MAX_LIMIT`
(default :data:`DEFAULT_LIMIT`), ``page`` from 1 to :data:`MAX_PAGE`, so no page asks a
database for an offset past its integers. Anything else is a 422 naming the parameter, like
every invalid request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Self, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "MAX_PAGE", "Page", "PageQuery", "Paging"]

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_PAGE = 1_000_000  # 500 million records in: past any list here, and far inside a 64-bit offset


@dataclass(frozen=True)
class Paging:
    """Which page of a list was asked for."""

    page: int
    limit: int

    @property
    def offset(self) -> int:
        """Records before this page."""
        return (self.page - 1) * self.limit

    @property
    def end(self) -> int:
        """Records up to the end of this page (what a service that only takes a limit must read)."""
        return self.page * self.limit

    def window(self, rows: Sequence[T]) -> list[T]:
        """This page of a list that was read whole."""
        return list(rows[self.offset : self.end])


def paging(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Which page, from 1")] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Records a page, up to {MAX_LIMIT}")] = DEFAULT_LIMIT,
) -> Paging:
    return Paging(page=page, limit=limit)


PageQuery = Annotated[Paging, Depends(paging)]


def _next_link(request: Request, paging: Paging, total: int) -> str | None:
    """The same request (path and every filter) with the next page number; ``None`` past the last."""
    if paging.end >= total:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "limit")]
    params += [("page", str(paging.page + 1)), ("limit", str(paging.limit))]
    return f"{request.url.path}?{urlencode(params)}"


class Page(BaseModel, Generic[T]):
    """One page of a list: its records, how many there are in all, and the link to the next page."""

    items: list[T]
    total: int = Field(description="Records matching the filters, on every page together")
    page: int = Field(description="This page's number, from 1")
    limit: int = Field(description="Records a page")
    next: str | None = Field(description="The next page (same filters), or null on the last")

    @classmethod
    def of(cls, request: Request, paging: Paging, items: Sequence[T], total: int, **more: Any) -> Self:
        """This page, of ``total`` records; ``more``: what a list carries beside its records."""
        return cls(items=list(items), total=total, page=paging.page, limit=paging.limit,
                   next=_next_link(request, paging, total), **more)

    @classmethod
    def window(cls, request: Request, paging: Paging, rows: Sequence[T], **more: Any) -> Self:
        """This page of a list that was read whole."""
        return cls.of(request, paging, paging.window(rows), len(rows), **more)
