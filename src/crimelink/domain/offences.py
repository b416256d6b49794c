"""Offence types of the exchange format, with the words analysts use for them."""

from __future__ import annotations

from enum import StrEnum


class OffenceType(StrEnum):
    THEFT_FROM_SHOP = "theft_from_shop"
    ROBBERY = "robbery"
    BURGLARY = "burglary"
    CRIMINAL_DAMAGE = "criminal_damage"
    ASSAULT_ON_WORKER = "assault_on_worker"
    PUBLIC_ORDER = "public_order"
    FRAUD = "fraud"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def violent(self) -> bool:
        return self in (OffenceType.ROBBERY, OffenceType.ASSAULT_ON_WORKER)


_LABELS = {
    OffenceType.THEFT_FROM_SHOP: "Theft from shop",
    OffenceType.ROBBERY: "Robbery",
    OffenceType.BURGLARY: "Burglary",
    OffenceType.CRIMINAL_DAMAGE: "Criminal damage",
    OffenceType.ASSAULT_ON_WORKER: "Assault on a retail worker",
    OffenceType.PUBLIC_ORDER: "Public order",
    OffenceType.FRAUD: "Fraud",
    OffenceType.OTHER: "Other",
}
