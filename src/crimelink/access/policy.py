"""Who may see what: every visibility rule of the platform, in this one module.

Each rule is a SQLAlchemy clause to put in a ``WHERE``, so that lists, counts, figures and
single records are all filtered by the same words, on SQLite and PostgreSQL alike.

- **Incidents.** The national unit sees every incident. A retailer's user sees only the
  incidents its own organisation submitted. A police force's user sees the incidents in its
  force area (``Incident.police_force``) and any it submitted itself.
- **Sharing agreements** (``crimelink.access.sharing``) add another organisation's incidents:
  those its provider submitted, while the agreement is in force (between its first and last
  day, not revoked), of the offences it lists (all when it lists none), and never an incident
  graded with handling code C (conditional material goes out only through the national unit).
- **Offenders and vehicles** are visible when linked to at least one incident the viewer can
  see. National and force users then see the whole profile (forces need the cross-border
  picture to adopt an operation); a retailer sees only its own incidents on it, and no
  priority score (which is computed from intelligence it cannot see).
- **Groups** (organised crime groups) are law-enforcement intelligence: the national unit sees
  all, a force sees groups with at least one incident it can see, and retailers see none.

Whatever is not visible does not exist for the viewer: callers answer 404, never 403, so that
a refusal does not reveal that a record exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from crimelink.access.models import SharingAgreement, SharingAgreementOffence
from crimelink.domain.organisations import OrganisationKind, Role
from crimelink.store.models import (
    GroupMember,
    Incident,
    Offender,
    OffenderGroup,
    Organisation,
    PersonLink,
    PersonMention,
    User,
    Vehicle,
    VehicleLink,
    VehicleMention,
    utcnow,
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in user, as far as visibility is concerned."""

    user_id: int
    username: str
    display_name: str
    role: Role
    organisation_id: int
    organisation_code: str
    organisation_name: str
    kind: OrganisationKind
    force: str | None  # for a police force: the data.police.uk id of its area

    @property
    def national(self) -> bool:
        return self.kind is OrganisationKind.NATIONAL_UNIT

    @property
    def retailer(self) -> bool:
        return self.kind is OrganisationKind.RETAILER

    @property
    def sees_whole_profiles(self) -> bool:
        """Whether offender profiles show every linked incident, or only the viewer's own."""
        return not self.retailer

    @property
    def sees_groups(self) -> bool:
        return not self.retailer

    @property
    def may_submit(self) -> bool:
        """Auditors read; everyone else may submit incidents (as their organisation)."""
        return self.role is not Role.AUDITOR

    def may_submit_as(self, submitter_code: str) -> bool:
        """The national unit may submit for any organisation; others only as themselves."""
        return self.may_submit and (self.national or submitter_code == self.organisation_code)


def viewer_for_user(*, session: Session, user_id: int) -> Viewer | None:
    """The viewer for an active user, or ``None`` if the user is gone or deactivated."""
    row = session.execute(
        select(User, Organisation)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.id == user_id, User.active.is_(True))
    ).one_or_none()
    if row is None:
        return None
    user, organisation = row
    return Viewer(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        organisation_id=organisation.id,
        organisation_code=organisation.code,
        organisation_name=organisation.name,
        kind=OrganisationKind(organisation.kind),
        force=organisation.police_force,
    )


def incident_filter(viewer: Viewer) -> ColumnElement[bool]:
    """The incidents ``viewer`` may see."""
    if viewer.national:
        return true()
    own = Incident.submitter_id == viewer.organisation_id
    if viewer.kind is OrganisationKind.POLICE_FORCE and viewer.force:
        return or_(Incident.police_force == viewer.force, own, shared_with(viewer))
    return or_(own, shared_with(viewer))


def shared_with(viewer: Viewer) -> ColumnElement[bool]:
    """Incidents another organisation shares with the viewer's under an agreement in force."""
    today = utcnow().date()
    agreement = SharingAgreement
    parties = or_(
        and_(agreement.provider_id == Incident.submitter_id, agreement.recipient_id == viewer.organisation_id),
        and_(
            agreement.mutual.is_(True),
            agreement.recipient_id == Incident.submitter_id,
            agreement.provider_id == viewer.organisation_id,
        ),
    )
    offences = SharingAgreementOffence
    covers_offence = or_(
        ~exists().where(offences.agreement_id == agreement.id),
        exists()
        .where(offences.agreement_id == agreement.id, offences.offence == Incident.offence)
        .correlate_except(offences),  # incidents as well as the agreement come from outside
    )
    in_force = exists().where(
        parties,
        agreement.revoked_at.is_(None),
        agreement.starts <= today,
        or_(agreement.ends.is_(None), agreement.ends >= today),
        covers_offence,
    )
    unconditional = or_(Incident.handling_code.is_(None), Incident.handling_code != "C")
    return and_(in_force, unconditional)


def visible_incident_ids(viewer: Viewer) -> Select[int]:
    return select(Incident.id).where(incident_filter(viewer))


def profile_incident_filter(viewer: Viewer) -> ColumnElement[bool]:
    """The incidents shown on a profile (offender, group, vehicle) the viewer may open."""
    return true() if viewer.sees_whole_profiles else incident_filter(viewer)


def visible_offender_ids(viewer: Viewer) -> Select[int]:
    """Offenders linked to at least one incident the viewer can see."""
    return (
        select(PersonLink.offender_id)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .where(incident_filter(viewer))
    )


def offender_filter(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.national:
        return true()
    return Offender.id.in_(visible_offender_ids(viewer))


def vehicle_filter(viewer: Viewer) -> ColumnElement[bool]:
    """Vehicles seen in at least one incident the viewer can see."""
    if viewer.national:
        return true()
    seen = (
        select(VehicleLink.vehicle_id)
        .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
        .join(Incident, Incident.id == VehicleMention.incident_id)
        .where(incident_filter(viewer))
    )
    return Vehicle.id.in_(seen)


def group_filter(viewer: Viewer) -> ColumnElement[bool]:
    """Groups with a member linked to an incident the viewer can see; none for retailers."""
    if viewer.national:
        return true()
    if not viewer.sees_groups:
        return false()
    members = select(GroupMember.group_id).where(GroupMember.offender_id.in_(visible_offender_ids(viewer)))
    return OffenderGroup.id.in_(members)
