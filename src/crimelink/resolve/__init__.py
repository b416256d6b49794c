"""Resolution: which mentions are the same person, and which are the same vehicle.

Each resolver is a pure function from a frame of mentions to links and entities, so that the
linkage issue can swap the deterministic rules for a Splink model without touching the
pipeline or the store.
"""

from crimelink.resolve.persons import (
    MENTION_COLUMNS,
    PersonResolution,
    PersonSettings,
    resolve_persons,
)
from crimelink.resolve.vehicles import (
    VEHICLE_MENTION_COLUMNS,
    VehicleResolution,
    VehicleSettings,
    resolve_vehicles,
)

__all__ = [
    "MENTION_COLUMNS",
    "VEHICLE_MENTION_COLUMNS",
    "PersonResolution",
    "PersonSettings",
    "VehicleResolution",
    "VehicleSettings",
    "resolve_persons",
    "resolve_vehicles",
]
