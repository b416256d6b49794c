"""Queries a web form sends: a field left blank means "no filter", not an empty value to match."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator

__all__ = ["FormQuery"]


class FormQuery(BaseModel):
    """Base of every filter model a page's form fills: blank fields count as absent, so that an
    empty "Force" box filters nothing instead of failing validation or matching ''."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data
