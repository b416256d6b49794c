"""Registering the organisations that take part, and finding them by code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain.forces import police_force
from crimelink.domain.organisations import OrganisationKind, organisation_code
from crimelink.errors import InvalidValue, NotFound
from crimelink.store.models import Organisation


def add_organisation(
    *, session: Session, code: str, kind: OrganisationKind | str, name: str | None = None,
    force: str | None = None,
) -> tuple[Organisation, bool]:
    """Register an organisation; idempotent. Returns it and whether it was new.

    Re-adding a known code with the same kind changes nothing (a name given again updates
    the name). A different kind is refused: a retailer cannot quietly become a force.
    """
    code = organisation_code(code)
    kind = OrganisationKind(kind)
    if force is not None:
        force = police_force(force).id
    existing = session.scalar(select(Organisation).where(Organisation.code == code))
    if existing is not None:
        if existing.kind != kind:
            raise InvalidValue("kind", kind.value, f"{code} is already registered as a {existing.kind}")
        if name and existing.name != name:
            existing.name = name
        if force and existing.police_force != force:
            existing.police_force = force
        return existing, False
    organisation = Organisation(code=code, kind=kind.value, name=name or code.title(), police_force=force)
    session.add(organisation)
    session.flush()
    return organisation, True


def organisation_by_code(*, session: Session, code: str) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.code == code.strip().upper()))
    if found is None:
        raise NotFound(f"no organisation with code {code!r}", code=code)
    return found


def organisation_ids_by_code(*, session: Session) -> dict[str, int]:
    return {row.code: row.id for row in session.execute(select(Organisation.code, Organisation.id))}
