"""What a request may carry: how big its body is, which dates it names, what its JSON holds.

**Size.** A body larger than the limit is refused with 413 before it is read: 10 MB by default
(``CRIMELINK_MAX_BODY_MB``), more for ``POST /api/v1/incidents``, which takes batches of up to
10,000 incidents (``CRIMELINK_MAX_SUBMISSION_MB``, 50 MB). Without it one request of 100 MB
was read and parsed whole, holding the server for seconds and its memory for longer.

**Dates.** Every date a person can ask about lies between 1900 and 2100 (incidents from 1990,
births from 1900, reviews and periods within a lifetime). A query parameter written as a date
outside that (``date_to=9999-12-31``, ``from=0001-01-01``) is a slip that would overflow the
arithmetic of periods: it is refused with 422 naming the parameter, for every route at once.

**JSON.** ``NaN`` and ``Infinity`` are not JSON numbers (the standard library parses them, and
they would be stored as nothing), and a lone surrogate (``"\\ud800"``) is not text that any
store can hold: either is refused with 422 naming the field, for every route at once.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crimelink.errors import CrimelinkError
from crimelink.web.errors import InvalidRequest

MB = 1024 * 1024
SUBMISSION = ("POST", "/api/v1/incidents")  # the bulk route: a batch of incidents
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
_DATE = re.compile(r"^\s*(\d{4})-\d{2}-\d{2}(?:[T ][\d:.]*(?:Z|[+-][\d:]+)?)?\s*$")  # a date or a time, whole
# NaN, Infinity, and a surrogate escaped or sent as raw bytes (not UTF-8, yet Python's JSON parser takes them)
_SUSPECT_JSON = re.compile(rb"NaN|Infinity|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\xed[\xa0-\xbf]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLarge(CrimelinkError):
    """A request body over the limit: refused before it is read."""

    status_code = 413


class BodyLimitMiddleware:
    """Refuses (413) a body over the limit: by its ``Content-Length`` at once, or, sent in
    chunks without one, as soon as the chunks pass the limit."""

    def __init__(self, app: ASGIApp, *, default_bytes: int, submission_bytes: int) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.submission_bytes = submission_bytes

    def limit(self, scope: Scope) -> int:
        return self.submission_bytes if (scope["method"], scope["path"]) == SUBMISSION else self.default_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = _content_length(scope)
        if declared is not None:
            if declared > limit:
                await _refuse(scope, receive, send, limit)
                return
            await self.app(scope, receive, send)  # the server holds the client to its declared length
            return
        body = await read_up_to(receive, limit)
        if body is None:
            await _refuse(scope, receive, send, limit)
            return
        await self.app(scope, replay_body(body, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 19 else None
    return None


async def read_up_to(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or ``None`` once it passes ``limit`` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    error = BodyTooLarge(f"the request body is larger than {limit / MB:g} MB: send less at a time",
                         limit_bytes=limit)  # fmt: skip
    if scope["path"].startswith("/api/"):
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"connection", b"close")]})  # fmt: skip
        await send({"type": "http.response.body", "body": orjson.dumps(error.as_dict())})
        return
    from crimelink.web.rendering import render

    await render(Request(scope, receive), "error.html", status_code=413, error=error)(scope, receive, send)


# --- dates and JSON, checked for every route (an app-wide dependency) --------------------------


def _date_problem(name: str, value: str) -> dict[str, str] | None:
    found = _DATE.match(value)
    if found is None or EARLIEST_YEAR <= int(found.group(1)) <= LATEST_YEAR:
        return None
    return {"field": name, "reason": f"a date between {EARLIEST_YEAR} and {LATEST_YEAR}, not {value.strip()[:40]}"}


class _NotANumber:
    """Where the body said ``NaN``, ``Infinity`` or ``-Infinity``."""

    def __init__(self, text: str) -> None:
        self.text = text


def _json_problems(value: Any, path: str = "") -> list[dict[str, str]]:
    if isinstance(value, _NotANumber):
        return [{"field": path or "(body)", "reason": f"{value.text} is not a number in JSON: send a number"}]
    if isinstance(value, str):
        if _SURROGATE.search(value):
            return [{"field": path or "(body)", "reason": "holds a lone surrogate (\\ud800-\\udfff): not text"}]
        return []
    found: list[dict[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found += _json_problems(key, where) if isinstance(key, str) and _SURROGATE.search(key) else []
            found += _json_problems(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _json_problems(item, f"{path}[{index}]")
    return found


async def request_bounds(request: Request) -> None:
    """Refuse dates no one means and JSON no store can hold (see the module's docstring)."""
    problems = [p for name, value in request.query_params.multi_items() if (p := _date_problem(name, value))]
    if problems:
        raise InvalidRequest(f"{problems[0]['field']}: {problems[0]['reason']}", errors=problems)
    if request.method not in _BODY_METHODS or "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()
    if not _SUSPECT_JSON.search(body):
        return  # the common case: nothing to look at closely
    try:
        parsed = json.loads(body, parse_constant=_NotANumber)
    except ValueError:
        return  # not JSON: the route's own validation says so
    problems = _json_problems(parsed)[:50]
    if problems:
        raise InvalidRequest(f"{problems[0]['field']}: {problems[0]['reason']}", errors=problems)
