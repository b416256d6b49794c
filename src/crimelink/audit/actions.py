"""What the audit log calls each web route's requests: its action, and the record it is about.

An action is named from the route's own declaration, never parsed out of its URL (which gave
``key}.csv.read`` and ``serie.list``):

1. a route may declare its action itself: ``@router.get(..., openapi_extra={ACTION_KEY: "chart.export"})``
   (it then also shows in the OpenAPI document, beside the route);
2. else :data:`ROUTE_ACTIONS` names it by the route's name (its endpoint function, or the
   ``name=`` it was given); a page and its JSON twin share one action;
3. a route in neither (one added since) is named ``<area>.<route name>`` from the first fixed part
   of its path and its name, so it is still audited under a well-formed name until someone
   declares one.

Actions read ``noun.verb`` in lower case (``incident.read``, ``impact.download_records``):
an auditor searches by their start (``incident.``). The record a request is about is the
path's last parameter (``/incidents/{incident_id}`` → ``incident`` 42).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.routing import compile_path

__all__ = ["ACTION_KEY", "ROUTE_ACTIONS", "RouteAction", "action_for", "well_formed"]

ACTION_KEY = "x-audit-action"
API_PREFIX = "/api/v1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}")
_TWIN_SUFFIX = re.compile(r"_(page|json|form)$")
_VERBS = {"POST": "create", "PUT": "replace", "PATCH": "change", "DELETE": "delete"}
_SUBJECT_NAMES = {"key": "impact_figure"}  # a path parameter whose name does not say what it is

ROUTE_ACTIONS: dict[str, str] = {  # route name -> action
    # logging in and the report form (not personal data, but named all the same)
    "login_page": "login.form", "login": "login.submit", "logout": "logout.submit", "me": "user.me",
    "oidc_start": "login.oidc_start", "oidc_callback": "login.oidc_callback",
    "report_new": "incident.report_form", "report_row": "incident.report_form", "report_stores": "incident.report_form",
    "report_submit": "incident.submit", "submit": "incident.submit",
    "dashboard_page": "dashboard.read", "dashboard_json": "dashboard.read", "force_boundaries": "map.force_boundaries",
    "openapi": "api.schema", "docs": "api.docs",
    # incidents, offenders, vehicles, groups
    "incidents_page": "incident.search", "incidents_json": "incident.search",
    "incident_page": "incident.read", "incident_json": "incident.read",
    "plate_search_page": "vehicle.search", "plate_search_json": "vehicle.search",
    "vehicle_page": "vehicle.read", "vehicle_json": "vehicle.read",
    "offenders_page": "offender.list", "offenders_json": "offender.list",
    "offenders_download": "offender.download_list",
    "offender_page": "offender.read", "offender_json": "offender.read", "offender_links_json": "offender.read_links",
    "link_why_page": "person_link.explain", "link_why_json": "person_link.explain",
    "decide_page": "person_link.decide", "decide_json": "person_link.decide",
    "groups_page": "group.list", "groups_json": "group.list", "group_page": "group.read", "group_json": "group.read",
    "group_profile_page": "group.read_profile", "group_profile_json": "group.read_profile",
    # patterns
    "series_page": "series.list", "series_json": "series.list",
    "one_series_page": "series.read", "one_series_json": "series.read",
    "chart_page": "chart.read", "chart_json": "chart.read", "chart_export": "chart.export",
    "map_page": "map.read", "map_json": "map.read",
    "key_players_page": "key_player.list", "key_players_json": "key_player.list",
    "hotspots_page": "hotspot.list", "hotspots_json": "hotspot.list",
    "context_page": "context.read", "context_json": "context.read",
    # casework
    "referrals_page": "referral.list", "list_referrals": "referral.list",
    "referral_page": "referral.read", "get_referral": "referral.read", "create_referral": "referral.create",
    "take_step": "referral.transition", "transition_referral": "referral.transition",
    "add_note": "referral.add_note", "add_subject": "referral.add_subject",
    "operations_page": "operation.list", "list_operations": "operation.list",
    "operation_page": "operation.read", "get_operation": "operation.read", "create_operation": "operation.create",
    "link_to_operation": "operation.link", "record_arrest": "operation.record_arrest",
    "record_charge": "operation.record_charge", "record_outcomes": "operation.record_outcomes",
    "record_court_result": "operation.record_court_result", "close_operation": "operation.close",
    "outcome_types": "outcome_type.list",
    "list_engagement": "engagement.list", "record_engagement": "engagement.record",
    "impact": "impact.read", "impact_download": "impact.download",
    "records_page": "impact.read_records", "records_json": "impact.read_records",
    "records_download": "impact.download_records",
    "operation_package": "package.read", "operation_package_json": "package.read",
    "operation_package_pdf": "package.download",
    "referral_package": "package.read", "referral_package_json": "package.read",
    "referral_package_pdf": "package.download",
    "alerts_page": "alert.list", "alerts_json": "alert.list", "read_page": "alert.mark_read",
    "read_json": "alert.mark_read", "follow_button": "alert.follow_button", "follow_page": "alert.follow",
    "follow_json": "alert.follow", "unfollow_page": "alert.unfollow", "unfollow_json": "alert.unfollow",
    "bulletin_page": "bulletin.read", "bulletin_json": "bulletin.read",
    # trust: audit, sharing, retention, purpose
    "audit_page": "audit.search", "audit_json": "audit.search",
    "verify_page": "audit.verify", "verify_json": "audit.verify",
    "sharing_page": "sharing.list", "sharing_json": "sharing.list", "add_form": "sharing.create",
    "add_json": "sharing.create", "revoke_form": "sharing.revoke_agreement", "revoke_json": "sharing.revoke_agreement",
    "retention_page": "retention.list", "retention_json": "retention.list", "retention_queue": "retention.queue",
    "decide_form": "retention.create", "retention_decision": "retention.create",
    "subject_access": "offender.export", "subject_erasure": "offender.erasure",
    "purpose_json": "purpose.read", "state_purpose_json": "purpose.state", "state_purpose_form": "purpose.state",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RouteAction:
    """A route's action, and the path parameter naming the record it is about (if any)."""

    action: str
    subject_type: str | None
    subject_param: str | None


def well_formed(action: str) -> bool:
    """``noun.verb`` (or ``noun.noun.verb``), lower case words joined by underscores."""
    return _ACTION.fullmatch(action) is not None


def _word(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _derived(name: str, template: str, method: str, param: str | None) -> str:
    """``<area>.<route name>`` for a route nobody has named yet."""
    fixed = [p for p in template.removeprefix(API_PREFIX).split("/") if p and "{" not in p]
    area = _word(fixed[0]) if fixed else "page"
    verb = _word(_TWIN_SUFFIX.sub("", name))
    if verb in ("", area):
        verb = ("read" if param else "list") if method in SAFE_METHODS else _VERBS.get(method, _word(method))
    action = f"{area or 'page'}.{verb}"
    return action if well_formed(action) else f"page.{_word(method) or 'request'}"


def action_for(*, name: str, template: str, method: str, declared: str | None = None) -> RouteAction:
    """The action of a request to the route called ``name`` at ``template`` (its path, router
    prefixes included); ``declared`` is what the route declares under :data:`ACTION_KEY`."""
    params = list(compile_path(template)[2])  # the path's parameters, in order, however embedded
    param = params[-1] if params else None
    subject_type = _SUBJECT_NAMES.get(param, param.removesuffix("_id")) if param else None
    action = declared or ROUTE_ACTIONS.get(name) or _derived(name, template, method, param)
    return RouteAction(action, subject_type, param)
