"""The police force of a store reported with a postcode but no coordinates.

Intake derives a store's force from its coordinates (``crimelink.geography``); a store sent
with only a postcode used to stay without a force, and so did every incident reported there
(force "unknown", out of every force's view). No postcode-to-force table can ship with the
package (the ONS Postcode Directory is not in the repository), so the force is taken, in order:

1. from another record of the same store: a store of any organisation with the same postcode
   and the same name (a retailer's "Tesco Express, B12 3AB" and the police's report of it)
   whose force is known from its coordinates;
2. from the stores already located in the same postcode district (outward code, "B12"), when
   at least ``DISTRICT_MIN_STORES`` of them agree on one force;
3. from the stores located in the same postcode area (the outward code's letters, "B", "CV"),
   when at least ``AREA_MIN_STORES`` of them are located and ``AREA_MIN_SHARE`` of them lie in
   one force (areas such as "WA" or "CH" straddle forces, and then nothing is guessed).

Routes 2 and 3 learn the postcode-to-force mapping from this store's own data: the shipped
force boundaries (ONS, December 2023, see ``crimelink/geography/data/PROVENANCE.md``) place each
store that has both coordinates and a postcode, and its postcode votes for that force. A force
found so is recorded on the store and on its incidents whose force was unknown, with the source
"derived", as a force found from coordinates is.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, update

from crimelink.domain.postcode import Postcode
from crimelink.store.models import Incident, Store

DISTRICT_MIN_STORES = 2
DISTRICT_MIN_SHARE = 0.9
AREA_MIN_STORES = 3
AREA_MIN_SHARE = 0.8
_AREA = re.compile(r"^[A-Z]+")


@dataclass
class ForcesFound:
    """What one pass placed: stores given a force, and incidents whose force was unknown."""

    stores: int = 0
    incidents: int = 0


def postcode_area(postcode: Postcode) -> str:
    """The postcode area: the outward code's letters ("B" of "B12", "CV" of "CV1")."""
    match = _AREA.match(postcode.outward)
    return match.group(0) if match else postcode.outward


class PostcodeForces:
    """Which force a postcode lies in, learned from stores placed by their coordinates."""

    def __init__(self, located: list[tuple[str | None, str | None, str]]) -> None:
        """``located``: (name, postcode, force) of every store whose force came from its coordinates."""
        self._same_store: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self._district: dict[str, Counter[str]] = defaultdict(Counter)
        self._area: dict[str, Counter[str]] = defaultdict(Counter)
        for name, text, force in located:
            postcode = Postcode.parse_or_none(text)
            if postcode is None:
                continue
            if name:
                self._same_store[(_name_key(name), str(postcode))][force] += 1
            self._district[postcode.district][force] += 1
            self._area[postcode_area(postcode)][force] += 1

    def force_of(self, name: str | None, text: str | None) -> str | None:
        """The force of a store with this name and postcode, or ``None`` where unsure."""
        postcode = Postcode.parse_or_none(text)
        if postcode is None:
            return None
        if name:
            same = _agreed(self._same_store.get((_name_key(name), str(postcode))), 1, 1.0)
            if same is not None:
                return same
        return _agreed(self._district.get(postcode.district), DISTRICT_MIN_STORES, DISTRICT_MIN_SHARE) or _agreed(
            self._area.get(postcode_area(postcode)), AREA_MIN_STORES, AREA_MIN_SHARE
        )


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _agreed(votes: Counter[str] | None, min_stores: int, min_share: float) -> str | None:
    if not votes:
        return None
    total = sum(votes.values())
    force, count = votes.most_common(1)[0]
    return force if total >= min_stores and count >= min_share * total else None


def place_stores_by_postcode(conn: Connection) -> ForcesFound:
    """Give a force to each store that has a postcode but no coordinates and no force, and to
    the incidents reported there whose force was unknown (in the caller's transaction)."""
    found = ForcesFound()
    unplaced = conn.execute(
        select(Store.id, Store.name, Store.postcode).where(
            Store.police_force.is_(None), Store.postcode.is_not(None), Store.lat.is_(None)
        )
    ).all()
    if not unplaced:
        return found
    located = conn.execute(
        select(Store.name, Store.postcode, Store.police_force).where(
            Store.police_force.is_not(None), Store.postcode.is_not(None), Store.lat.is_not(None),
            Store.lon.is_not(None), Store.police_force != "btp",
        )
    ).all()
    forces = PostcodeForces([(name, postcode, force) for name, postcode, force in located if force])
    placed = [
        {"sid": store_id, "force": force}
        for store_id, name, postcode in unplaced
        if (force := forces.force_of(name, postcode)) is not None
    ]
    if not placed:
        return found
    conn.execute(
        update(Store).where(Store.id == bindparam("sid")).values(police_force=bindparam("force")),
        placed,
    ).close()
    found.stores = len(placed)
    result = conn.execute(
        update(Incident)
        .where(Incident.store_id == bindparam("sid"), Incident.police_force_source == "unknown")
        .values(police_force=bindparam("force"), police_force_source="derived"),
        placed,
    )
    found.incidents = result.rowcount or 0
    return found
