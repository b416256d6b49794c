"""The web app and the API: one FastAPI application, every page with a JSON twin.

URL scheme. Each page at ``/PATH`` has its JSON twin at ``/api/v1/PATH``, with the same
query parameters, served by the same service function (``crimelink.web.services``):

==========================  ===============================  ================================
Page                        JSON twin                        What
==========================  ===============================  ================================
``/``                       ``/api/v1/dashboard``            figures, monthly trend, map
``/incidents``              ``/api/v1/incidents``            search, filters, pages
``/incidents/{id}``         ``/api/v1/incidents/{id}``       one incident whole
``/offenders/{id}``         ``/api/v1/offenders/{id}``       an offender's profile
``/vehicles/{id}``          ``/api/v1/vehicles/{id}``        a vehicle's profile
``/vehicles/search``        ``/api/v1/vehicles/search``      plate search (``?``, ``*``)
``/groups``                 ``/api/v1/groups``               organised groups
``/groups/{id}``            ``/api/v1/groups/{id}``          one group and its network
(none)                      ``POST /api/v1/incidents``       submit one incident or a batch
(none)                      ``/api/v1/me``                   who is logged in
(none)                      ``/api/v1/forces.geojson``       force area boundaries (map)
``/audit``                  ``/api/v1/audit``                the audit log (auditors only)
==========================  ===============================  ================================

Everything needs a login (``/login`` sets a signed session cookie; the API also takes HTTP
Basic). Pages send a visitor without one to ``/login``; the API answers 401 JSON. Every
crimelink error is mapped to HTTP here, once: JSON ``{"error", "message", ...}`` under
``/api``, an HTML error page elsewhere. OpenAPI is at ``/docs``, served from local files.

Around the routes (outermost first): security headers, the session cookie, CSRF checks, and
the audit of every personal-data read and every change (``crimelink.web.security``,
``crimelink.audit.web``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from crimelink.audit.web import AuditMiddleware, audit_store
from crimelink.casework import views as casework_views
from crimelink.errors import CrimelinkError
from crimelink.settings import Settings
from crimelink.store import StoreHandle, open_store
from crimelink.web.dependencies import CurrentViewer
from crimelink.web.errors import HttpProblem, InvalidRequest, MisconfiguredApp, NotAuthenticated
from crimelink.web.limits import MB, BodyLimitMiddleware, request_bounds
from crimelink.web.marking import page_marking
from crimelink.web.rendering import STATIC_DIR, render, templates
from crimelink.web.security import CSRFMiddleware, SecurityHeadersMiddleware, csrf_token, input_hygiene
from crimelink.web.sessions import ServerSessionMiddleware
from crimelink.web.vendor import require_vendored
from crimelink.web.views import alerts as alert_views
from crimelink.web.views import audit, auth, dashboard, groups, incidents, oidc, patterns, profiles, vehicles
from crimelink.web.views import casework_pages as casework_page_views
from crimelink.web.views import offenders as offender_views
from crimelink.web.views import packages as package_views
from crimelink.web.views import purpose as purpose_views
from crimelink.web.views import report_form as report_form_views
from crimelink.web.views import retention as retention_views
from crimelink.web.views import sharing as sharing_views
from crimelink.web.views import users as user_views
from crimelink.web.views import welcome as welcome_views

log = logging.getLogger(__name__)
API_DESCRIPTION = """Intelligence on organised retail crime. Every call needs a login:
the session cookie that `/login` sets, or HTTP Basic. Each page of the web app has a JSON
twin here under `/api/v1`.
Submit incidents in the exchange format (`crimelink.incident/1`) with `POST /api/v1/incidents`.
Errors are JSON: `{"error": kind, "message": text, ...details}`."""
SESSION_HOURS = 10  # a working shift


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/openapi.json"


async def crimelink_error(request: Request, exc: Exception) -> Response:
    """The one mapping from crimelink's errors to HTTP."""
    error = exc if isinstance(exc, CrimelinkError) else CrimelinkError(str(exc))
    if isinstance(error, NotAuthenticated) and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = f"/login?next={quote(target, safe='')}"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)
    if is_api(request):
        headers = {"WWW-Authenticate": 'Basic realm="crimelink"'} if error.status_code == 401 else None
        return JSONResponse(error.as_dict(), status_code=error.status_code, headers=headers)
    return render(request, "error.html", status_code=error.status_code, error=error)


def _field(location: tuple[int | str, ...] | list[int | str]) -> str:
    """``('body', 0, 'store')`` → ``[0].store``; where the parameter came from is left out."""
    path = ""
    for part in location[1:] if location and location[0] in ("query", "path", "body") else location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(request)"


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [{"field": _field(e["loc"]), "reason": e["msg"]} for e in exc.errors()]
    return await crimelink_error(request, InvalidRequest("the request is not valid", errors=problems))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    words = {404: "no such page", 405: "method not allowed"}
    return await crimelink_error(request, HttpProblem(words.get(exc.status_code, str(exc.detail)), exc.status_code))


def _version() -> str:
    try:
        return version("crimelink")
    except PackageNotFoundError:
        return "0.0.0"


def _secret(settings: Settings) -> str:
    problem = settings.secret_problem()
    if problem is None:
        return settings.secret_key
    if settings.demo:
        return secrets.token_hex(32)  # sessions last as long as this process: fine for a demo
    raise MisconfiguredApp(
        f"{problem} Set it to a long random string (e.g. `python -c 'import secrets; "
        "print(secrets.token_hex(32))'`), or set CRIMELINK_DEMO=1 for a demonstration."
    )


def _seed_demo(store: StoreHandle) -> None:
    from crimelink.access.demo import format_logins, seed_demo_users

    with store.session() as session:
        logins = seed_demo_users(session=session)
    log.warning("demo mode: these logins work\n%s", format_logins(logins))


def create_app(settings: Settings, store: StoreHandle | None = None) -> FastAPI:
    """The app, serving ``store`` (or the store at ``settings.database_url``, migrated)."""
    require_vendored()  # pages without htmx, Leaflet or Cytoscape would look broken, not say why
    secret = _secret(settings)
    handle = store if store is not None else open_store(settings.database_url)
    if settings.demo:
        _seed_demo(handle)
    trust = audit_store(handle)  # audit entries and login counts get a connection pool of their own
    if store is None:  # serving a store: mark the runs a killed process left running, and stand for ours
        from crimelink.audit.runs import SERVER_KINDS, take_over

        take_over(handle, kinds=SERVER_KINDS, command="serve")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if trust is not handle:
            trust.close()
        if store is None:  # we opened it, we close it
            from crimelink.audit.runs import release

            release(handle)
            handle.close()

    app = FastAPI(
        title="crimelink",
        version=_version(),
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        dependencies=[Depends(input_hygiene), Depends(request_bounds)],
        exception_handlers={
            CrimelinkError: crimelink_error,
            RequestValidationError: validation_error,
            StarletteHTTPException: http_error,
        },
    )
    app.state.store = handle
    app.state.audit_store = trust
    app.state.settings = settings
    oidc.load_providers(settings.oidc_providers)  # a broken single sign-on set-up stops the start
    templates.env.globals.update(csrf_token=csrf_token, sso_choices=oidc.login_choices, page_marking=page_marking,
                                 session_purpose=purpose_views.current)
    app.add_middleware(AuditMiddleware)  # innermost of these: sees the route and the viewer
    app.add_middleware(CSRFMiddleware)
    app.add_middleware(BodyLimitMiddleware, default_bytes=settings.max_body_mb * MB,
                       submission_bytes=settings.max_submission_mb * MB)  # before anything reads a body
    app.add_middleware(ServerSessionMiddleware, lifetime=timedelta(hours=SESSION_HOURS))  # logout ends it
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        # "__Host-": the browser keeps it to this host, over HTTPS, for every path
        session_cookie="__Host-crimelink_session" if settings.cookie_secure else "crimelink_session",
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(SecurityHeadersMiddleware, https=settings.cookie_secure)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(report_form_views.router)  # before incidents: /incidents/new is not /incidents/{incident_id}
    for module in (auth, oidc, dashboard, incidents, vehicles, profiles, groups, audit, patterns):
        app.include_router(module.router)
    app.include_router(offender_views.router)
    app.include_router(casework_views.router)
    app.include_router(casework_page_views.router)
    app.include_router(package_views.router)
    app.include_router(alert_views.router)
    for trust_views in (sharing_views, retention_views, purpose_views, user_views, welcome_views):
        app.include_router(trust_views.router)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: CurrentViewer) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(_: CurrentViewer) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="crimelink API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    return app
