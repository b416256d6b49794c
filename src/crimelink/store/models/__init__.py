"""The store's tables. Stages read and write them through their own service functions."""

# Stages that keep tables of their own register them here, so that migrations and the
# model comparison see one complete schema.
from crimelink.casework import alerts_models as casework_alerts  # noqa: F401
from crimelink.casework import models as casework  # noqa: F401
from crimelink.store.models.analysis import (
    AnalysisRun,
    GroupMember,
    IncidentSeries,
    LinkageModel,
    LinkDecision,
    Offender,
    OffenderGroup,
    PersonLink,
    Series,
    Vehicle,
    VehicleLink,
)
from crimelink.store.models.base import Base, utcnow
from crimelink.store.models.incidents import (
    ImportRun,
    Incident,
    IncidentVersion,
    Item,
    PersonMention,
    VehicleMention,
)
from crimelink.store.models.organisations import Organisation, Store, User

__all__ = [
    "AnalysisRun",
    "Base",
    "GroupMember",
    "ImportRun",
    "Incident",
    "IncidentSeries",
    "IncidentVersion",
    "Item",
    "LinkDecision",
    "LinkageModel",
    "Offender",
    "OffenderGroup",
    "Organisation",
    "PersonLink",
    "PersonMention",
    "Series",
    "Store",
    "User",
    "Vehicle",
    "VehicleLink",
    "VehicleMention",
    "utcnow",
]

import crimelink.access.models  # sharing agreements
import crimelink.audit.models
import crimelink.store.models.patterns  # noqa: F401
