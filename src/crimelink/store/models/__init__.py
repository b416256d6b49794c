"""The store's tables. Stages read and write them through their own service functions."""

from crimelink.casework import models as casework  # noqa: F401  (registers casework's tables)
from crimelink.store.models.analysis import (
    AnalysisRun,
    GroupMember,
    IncidentSeries,
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
