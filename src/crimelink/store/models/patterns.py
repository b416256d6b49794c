"""What the patterns stages conclude (key players, series links, routes, hotspots, near repeats)
and the police-recorded crime imported beside the retailers' reports.

The analysis tables are replaced whole by each run, with the other conclusions; recorded crime
is imported data and stays until it is imported again (``crimelink.intake.police_uk``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, BigId, Id


class KeyPlayer(Base):
    """An offender's place in the offender network: centrality, and whether it brokers groups."""

    __tablename__ = "key_players"

    offender_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(BigId, index=True)
    degree: Mapped[int] = mapped_column(Integer, default=0)
    strength: Mapped[float] = mapped_column(Float, default=0.0)
    betweenness: Mapped[float] = mapped_column(Float, default=0.0)
    pagerank: Mapped[float] = mapped_column(Float, default=0.0)
    broker: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    groups_linked: Mapped[int] = mapped_column(Integer, default=0)
    key_player_score: Mapped[float] = mapped_column(Float, default=0.0)
    key_player_rank: Mapped[int] = mapped_column(Integer, index=True)


class UnidentifiedMember(Base):
    """A suspect seen only as a description, attributed to a group by who it offends with.

    Never merged into a named person: the offender record stays its own, and this row says which
    group it works with, how strongly (``strength``, 0-1), on how many incidents, and why in words.
    The group's identified members are in ``group_members``; the two are counted apart.
    """

    __tablename__ = "unidentified_members"

    offender_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(BigId, index=True)
    strength: Mapped[float] = mapped_column(Float, default=0.0)
    incidents: Mapped[int] = mapped_column(Integer, default=0)
    evidence: Mapped[str] = mapped_column(String(400), default="")


class SeriesLink(Base):
    """One join that made a series (its spanning tree): two incidents and why they were joined."""

    __tablename__ = "series_links"

    id: Mapped[Id]
    series_id: Mapped[int] = mapped_column(BigId, index=True)
    incident_a: Mapped[int] = mapped_column(BigId, index=True)
    incident_b: Mapped[int] = mapped_column(BigId, index=True)
    probability: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(400))


class Route(Base):
    """The force areas an offender, group or series touched, in time order."""

    __tablename__ = "routes"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # offender, group, series
    entity_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    forces: Mapped[int] = mapped_column(Integer, default=0)
    force_list: Mapped[list[str]] = mapped_column(JSON, default=list)
    route: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    legs: Mapped[int] = mapped_column(Integer, default=0)
    cross_force: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class Hotspot(Base):
    """An H3 cell with incidents, nationally or in one force, and its Getis-Ord Gi* z-score."""

    __tablename__ = "hotspots"

    id: Mapped[Id]
    scope: Mapped[str] = mapped_column(String(32), index=True)  # "national" or a force id
    cell: Mapped[str] = mapped_column(String(16))
    resolution: Mapped[int] = mapped_column(Integer)
    incidents: Mapped[int] = mapped_column(Integer, default=0)
    value_gbp: Mapped[float] = mapped_column(Float, default=0.0)
    gi_z: Mapped[float] = mapped_column(Float, default=0.0)
    hot: Mapped[bool] = mapped_column(Boolean, default=False)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class NearRepeat(Base):
    """One distance × days band of a Knox near-repeat test, nationally or in one force."""

    __tablename__ = "near_repeats"

    id: Mapped[Id]
    scope: Mapped[str] = mapped_column(String(32), index=True)
    distance_from_km: Mapped[float] = mapped_column(Float)
    distance_to_km: Mapped[float] = mapped_column(Float)
    days_from: Mapped[float] = mapped_column(Float)
    days_to: Mapped[float] = mapped_column(Float)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    ratio: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    permutations: Mapped[int] = mapped_column(Integer)
    incidents: Mapped[int] = mapped_column(Integer)


class RecordedCrime(Base):
    """Police-recorded crime from data.police.uk street-level files: a count per force, month,
    LSOA and crime type (``lsoa_code`` empty where the crime has no location)."""

    __tablename__ = "recorded_crime"
    __table_args__ = (UniqueConstraint("police_force", "month", "lsoa_code", "crime_type"),)

    id: Mapped[Id]
    police_force: Mapped[str] = mapped_column(String(32), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    lsoa_code: Mapped[str] = mapped_column(String(16))
    lsoa_name: Mapped[str | None] = mapped_column(String(200))
    crime_type: Mapped[str] = mapped_column(String(64), index=True)
    crimes: Mapped[int] = mapped_column(Integer, default=0)
    lat: Mapped[float | None] = mapped_column(Float)  # mean of the (anonymised) points
    lon: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
