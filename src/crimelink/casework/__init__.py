"""Casework: the national team's day — referrals, their lifecycle, operations, results, engagement.

- ``models``: the tables (imported by ``crimelink.store.models`` so migrations see them);
- ``lifecycle``: the statuses, the steps between them and who may take each;
- ``service`` (referrals) and ``operations`` (operations, results, engagement): keyword-only
  functions, session first, each taking the ``actor`` (``crimelink.access.policy.Viewer``);
- ``present``: what each audience is shown of a referral (the referrer's status view, the whole);
- ``targets``: offenders, groups and vehicles kept by an anchor mention, found again after a re-run;
- ``schemas``: the API's pydantic models; ``views``: the FastAPI router (``/api/v1``);
- ``priority``: a referral's MoRiLE score and suggested lead force (``crimelink.triage.harm``);
- ``outcomes``: Home Office outcome types as data (``outcomes.toml``), the positive set configurable;
- ``generate``: a realistic year of the partnership's work on an analysed store;
- ``subscriptions`` (following offenders, vehicles, groups), ``alerts`` (raised after an analysis
  run: ``check_alerts``), ``bulletins`` (per retailer or force, sanitised), ``mail`` (the outbox,
  SMTP), with their tables in ``alerts_models``.

The names below load their module on first use, so that importing ``crimelink.casework.models``
(as the store does) does not load the service stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crimelink.casework.generate import seed_partnership_year
    from crimelink.casework.lifecycle import InvalidTransition, Status
    from crimelink.casework.operations import (
        close_operation,
        create_operation,
        get_operation,
        link_to_operation,
        list_engagement,
        list_operations,
        record_arrest,
        record_charge,
        record_court_result,
        record_engagement,
        record_outcomes,
    )
    from crimelink.casework.outcomes import OutcomeTypes, default_outcome_types, load_outcome_types
    from crimelink.casework.service import (
        add_note,
        add_subject,
        create_referral,
        get_referral,
        list_referrals,
        rescore_open_referrals,
        transition_referral,
    )

_WHERE = {
    "seed_partnership_year": "generate",
    "InvalidTransition": "lifecycle",
    "Status": "lifecycle",
    "OutcomeTypes": "outcomes",
    "default_outcome_types": "outcomes",
    "load_outcome_types": "outcomes",
    **dict.fromkeys(
        (
            "add_note",
            "add_subject",
            "create_referral",
            "get_referral",
            "list_referrals",
            "rescore_open_referrals",
            "transition_referral",
        ),
        "service",
    ),
    **dict.fromkeys(
        (
            "close_operation",
            "create_operation",
            "get_operation",
            "link_to_operation",
            "list_engagement",
            "list_operations",
            "record_arrest",
            "record_charge",
            "record_court_result",
            "record_engagement",
            "record_outcomes",
        ),
        "operations",
    ),
}
__all__ = [
    "InvalidTransition",
    "OutcomeTypes",
    "Status",
    "add_note",
    "add_subject",
    "close_operation",
    "create_operation",
    "create_referral",
    "default_outcome_types",
    "get_operation",
    "get_referral",
    "link_to_operation",
    "list_engagement",
    "list_operations",
    "list_referrals",
    "load_outcome_types",
    "record_arrest",
    "record_charge",
    "record_court_result",
    "record_engagement",
    "record_outcomes",
    "rescore_open_referrals",
    "seed_partnership_year",
    "transition_referral",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'crimelink.casework' has no attribute {name!r}")
    return getattr(import_module(f"crimelink.casework.{module}"), name)
