"""Police forces of England and Wales, named as data.police.uk names them.

The 43 territorial forces plus British Transport Police. The id is the contract with
submitters (the exchange format's ``police_force`` enum) and with the boundary file.
"""

from __future__ import annotations

from dataclasses import dataclass

from crimelink.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class PoliceForce:
    """One police force: ``id`` as data.police.uk spells it, ``name`` as people say it."""

    id: str
    name: str

    @property
    def territorial(self) -> bool:
        """British Transport Police polices the railways, not an area on the map."""
        return self.id != "btp"


_FORCES: tuple[PoliceForce, ...] = tuple(
    PoliceForce(force_id, name)
    for force_id, name in (
        ("avon-and-somerset", "Avon and Somerset Constabulary"),
        ("bedfordshire", "Bedfordshire Police"),
        ("cambridgeshire", "Cambridgeshire Constabulary"),
        ("cheshire", "Cheshire Constabulary"),
        ("city-of-london", "City of London Police"),
        ("cleveland", "Cleveland Police"),
        ("cumbria", "Cumbria Constabulary"),
        ("derbyshire", "Derbyshire Constabulary"),
        ("devon-and-cornwall", "Devon and Cornwall Police"),
        ("dorset", "Dorset Police"),
        ("durham", "Durham Constabulary"),
        ("dyfed-powys", "Dyfed-Powys Police"),
        ("essex", "Essex Police"),
        ("gloucestershire", "Gloucestershire Constabulary"),
        ("greater-manchester", "Greater Manchester Police"),
        ("gwent", "Gwent Police"),
        ("hampshire", "Hampshire and Isle of Wight Constabulary"),
        ("hertfordshire", "Hertfordshire Constabulary"),
        ("humberside", "Humberside Police"),
        ("kent", "Kent Police"),
        ("lancashire", "Lancashire Constabulary"),
        ("leicestershire", "Leicestershire Police"),
        ("lincolnshire", "Lincolnshire Police"),
        ("merseyside", "Merseyside Police"),
        ("metropolitan", "Metropolitan Police Service"),
        ("norfolk", "Norfolk Constabulary"),
        ("north-wales", "North Wales Police"),
        ("north-yorkshire", "North Yorkshire Police"),
        ("northamptonshire", "Northamptonshire Police"),
        ("northumbria", "Northumbria Police"),
        ("nottinghamshire", "Nottinghamshire Police"),
        ("south-wales", "South Wales Police"),
        ("south-yorkshire", "South Yorkshire Police"),
        ("staffordshire", "Staffordshire Police"),
        ("suffolk", "Suffolk Constabulary"),
        ("surrey", "Surrey Police"),
        ("sussex", "Sussex Police"),
        ("thames-valley", "Thames Valley Police"),
        ("warwickshire", "Warwickshire Police"),
        ("west-mercia", "West Mercia Police"),
        ("west-midlands", "West Midlands Police"),
        ("west-yorkshire", "West Yorkshire Police"),
        ("wiltshire", "Wiltshire Police"),
        ("btp", "British Transport Police"),
    )
)
_BY_ID = {force.id: force for force in _FORCES}

FORCE_IDS: tuple[str, ...] = tuple(_BY_ID)


def all_forces() -> tuple[PoliceForce, ...]:
    """Every force, territorial ones first in alphabetical order of id, BTP last."""
    return _FORCES


def police_force(force_id: str) -> PoliceForce:
    """The force with this data.police.uk id; a clear error for anything else."""
    try:
        return _BY_ID[force_id.strip().lower()]
    except KeyError:
        raise InvalidValue("police_force", force_id, "not a police force id of England and Wales") from None
