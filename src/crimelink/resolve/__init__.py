"""Resolution: which mentions are the same person, and which are the same vehicle.

Each resolver is a pure function from a frame of mentions to links and entities: persons by
the Splink engine with analysts' decisions on top (``person_linkage``), vehicles by their
registration marks (``vehicles``).
"""

from crimelink.resolve.decisions import AnalystDecision
from crimelink.resolve.person_linkage import link_persons
from crimelink.resolve.persons import MENTION_COLUMNS, PersonResolution, offender_rows, parse_name
from crimelink.resolve.splink_engine import LinkageSettings, engine_input
from crimelink.resolve.vehicles import (
    VEHICLE_MENTION_COLUMNS,
    VehicleResolution,
    VehicleSettings,
    resolve_vehicles,
)

__all__ = [
    "MENTION_COLUMNS",
    "VEHICLE_MENTION_COLUMNS",
    "AnalystDecision",
    "LinkageSettings",
    "PersonResolution",
    "VehicleResolution",
    "VehicleSettings",
    "engine_input",
    "link_persons",
    "offender_rows",
    "parse_name",
    "resolve_vehicles",
]
