"""The network stage: who acts with whom (groups) and which incidents belong together (series).

Each detector is a pure function on plain frames, so that later methods (Leiden communities,
a pairwise series model) can replace one without touching the pipeline or the store.
"""

from crimelink.network.groups import (
    GroupDetection,
    GroupSettings,
    connected_components,
    detect_groups,
    hub_vehicles,
)
from crimelink.network.series import SeriesSettings, detect_series

__all__ = [
    "GroupDetection",
    "GroupSettings",
    "SeriesSettings",
    "connected_components",
    "detect_groups",
    "detect_series",
    "hub_vehicles",
]
