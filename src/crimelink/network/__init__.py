"""The network stage: groups, series, key players, cross-force routes and hotspots.

Each detector is a pure function on plain frames: ``pipeline`` reads the store, calls them in
order (link incidents, groups, series, key players, routes, hotspots) and writes what they
conclude. ``charts`` turns any neighbourhood of the network into a link chart and its exports.
"""

from crimelink.network.aliases import AliasSettings, member_aliases
from crimelink.network.bridges import BridgeSettings, split_bridges
from crimelink.network.centrality import CentralitySettings, key_players
from crimelink.network.crossforce import CrossForceSettings, routes
from crimelink.network.groups import (
    GroupDetection,
    GroupSettings,
    connected_components,
    detect_groups,
    group_affinity,
    hub_vehicles,
)
from crimelink.network.hotspots import HotspotSettings, hex_hotspots, knox_tests
from crimelink.network.linkage import LinkageSettings, PairModel
from crimelink.network.series import (
    IncidentLinks,
    SeriesDetection,
    SeriesSettings,
    detect_series,
    link_incidents,
)
from crimelink.network.unidentified import UnidentifiedSettings, attribute_unidentified, group_vehicles

__all__ = [
    "AliasSettings",
    "BridgeSettings",
    "CentralitySettings",
    "CrossForceSettings",
    "GroupDetection",
    "GroupSettings",
    "HotspotSettings",
    "IncidentLinks",
    "LinkageSettings",
    "PairModel",
    "SeriesDetection",
    "SeriesSettings",
    "UnidentifiedSettings",
    "attribute_unidentified",
    "connected_components",
    "detect_groups",
    "detect_series",
    "group_affinity",
    "group_vehicles",
    "hex_hotspots",
    "hub_vehicles",
    "key_players",
    "knox_tests",
    "link_incidents",
    "member_aliases",
    "routes",
    "split_bridges",
]
