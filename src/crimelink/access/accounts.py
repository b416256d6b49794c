"""Account administration: who may have an account, who makes it, and what is recorded.

An administrator invites a person (``crimelink user add``, the Users page): the account is
made without a password, and the administrator is given a one-time link, valid for 72 hours,
to send them; the person sets their own password with it (``crimelink.access.enrolment``),
so nobody else ever knows it. A password reset works the same way: the old password stops
working at once, every session ends, and a new link is issued.

- **Who manages whom.** The national unit's administrators manage every organisation's users;
  an organisation's administrator manages only its own (a user of another organisation does
  not exist for them); the server's operator (the command line without ``--as``) manages all.
  Nobody disables, or changes the role of, their own account.
- **Roles fit the organisation**: a retailer's users report, manage or administer; a force's
  investigate or administer; the national unit's analyse, supervise, audit or administer.
- **A second factor** (TOTP) is required of every administered user of the national unit or
  a police force: set when the password is set, or at the next login for users that were
  here before (``UserAccount.origin`` "existing"). Users of single sign-on are vouched for by
  their organisation's provider, which asks for its own factors.
- **Every change is audited** (``account.invite``, ``account.disable``, ``account.enable``,
  ``account.reset_password``, ``account.set_role``, ``account.provision``) in the same
  transaction as the change, naming the administrator.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from crimelink.access.models import AccountInvitation, RecoveryCode, UserAccount, WebSession
from crimelink.access.organisations import organisation_by_code
from crimelink.access.policy import Viewer
from crimelink.access.sessions import end_user_sessions
from crimelink.access.users import NO_PASSWORD, deactivate_user, normalise_username, user_by_username
from crimelink.audit.service import Actor, record
from crimelink.domain.organisations import OrganisationKind, Role
from crimelink.errors import Forbidden, InvalidValue, NotFound
from crimelink.store.models import Organisation, User, utcnow

__all__ = [
    "ROLES", "SECOND_FACTOR_KINDS", "AccountOut", "Invitation", "Manager", "disable_account", "enable_account",
    "invite_user", "list_accounts", "provision_user", "reset_password", "roles_for", "set_role", "token_digest",
]  # fmt: skip

INVITATION_VALID = timedelta(hours=72)
PURPOSE = "system administration"
ROLES: dict[OrganisationKind, tuple[Role, ...]] = {
    OrganisationKind.RETAILER: (Role.RETAIL_REPORTER, Role.RETAIL_MANAGER, Role.ADMINISTRATOR),
    OrganisationKind.POLICE_FORCE: (Role.FORCE_INVESTIGATOR, Role.ADMINISTRATOR),
    OrganisationKind.NATIONAL_UNIT: (Role.NATIONAL_ANALYST, Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR),
}
FIRST_ROLE = {kind: roles[0] for kind, roles in ROLES.items()}  # the least a new user of each kind may do
SECOND_FACTOR_KINDS = frozenset({OrganisationKind.NATIONAL_UNIT, OrganisationKind.POLICE_FORCE})


def roles_for(kind: OrganisationKind | str) -> tuple[Role, ...]:
    """The roles a user of an organisation of ``kind`` may hold."""
    return ROLES[OrganisationKind(kind)]


def token_digest(token: str) -> str:
    """How a link's token is kept (the token itself is shown once and never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Manager:
    """Who is administering accounts, and whose: ``organisation_id`` ``None`` means everyone's."""

    actor: Actor
    organisation_id: int | None
    user_id: int | None = None

    @classmethod
    def of(cls, viewer: Viewer) -> Manager:
        """A logged-in administrator: of every organisation in the national unit, else of their own.

        Raises:
            Forbidden: ``viewer`` is not an administrator.
        """
        if viewer.role is not Role.ADMINISTRATOR:
            raise Forbidden("only administrators manage users' accounts")
        return cls(Actor.of(viewer), None if viewer.national else viewer.organisation_id, viewer.user_id)


class AccountOut(BaseModel):
    """A user's account as an administrator sees it (never a password, secret or link)."""

    id: int
    username: str
    display_name: str
    role: str
    organisation: str
    organisation_name: str
    active: bool
    password: str  # "set", "invited", "reset", "link expired", "single sign-on"
    second_factor: str  # "on", "to enrol", "not required", "not administered"
    created_at: datetime
    last_login: datetime | None


class Invitation(BaseModel):
    """A one-time link for a user to set their own password: given once, to be sent to them."""

    username: str
    purpose: str  # "invitation" or "reset"
    path: str  # /welcome/<token>: the site's address goes in front
    expires_at: datetime


def _checked_role(role: Role | str, kind: OrganisationKind) -> Role:
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidValue("role", str(role), ", ".join(r.value for r in Role)) from None
    allowed = roles_for(kind)
    if chosen not in allowed:
        raise InvalidValue("role", chosen.value, f"a {kind.value.replace('_', ' ')}'s users are "
                           + ", ".join(r.value for r in allowed))  # fmt: skip
    return chosen


def _organisation(session: Session, manager: Manager, code: str) -> Organisation:
    organisation = organisation_by_code(session=session, code=code)
    if manager.organisation_id is not None and organisation.id != manager.organisation_id:
        raise Forbidden("you manage your own organisation's users only", organisation=organisation.code)
    return organisation


def managed_user(*, session: Session, manager: Manager, username: str) -> User:
    """The user ``username``, if ``manager`` manages them (else, for them, there is none).

    Raises:
        NotFound: no such user, or one of an organisation ``manager`` does not manage.
    """
    user = user_by_username(session=session, username=username)
    if user is None or (manager.organisation_id is not None and user.organisation_id != manager.organisation_id):
        raise NotFound(f"no user {username!r} in the organisations you manage", username=username[:64])
    return user


def _not_self(manager: Manager, user: User, what: str) -> None:
    if manager.user_id == user.id:
        raise Forbidden(f"you may not {what} your own account: ask another administrator")


def _account(session: Session, user: User, by: str) -> UserAccount:
    """The user's administered record, made for a user from before account administration."""
    account = session.get(UserAccount, user.id)
    if account is None:
        account = UserAccount(user_id=user.id, origin="existing", created_by=by[:64], created_at=utcnow())
        session.add(account)
    return account


def _end_invitations(session: Session, user_id: int, reason: str) -> None:
    session.execute(
        update(AccountInvitation)
        .where(AccountInvitation.user_id == user_id, AccountInvitation.used_at.is_(None),
               AccountInvitation.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )  # fmt: skip


def _issue(session: Session, user: User, *, purpose: str, by: str, valid_for: timedelta) -> Invitation:
    _end_invitations(session, user.id, "superseded")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AccountInvitation(id=token_digest(token), user_id=user.id, purpose=purpose, created_by=by[:64],
                                  created_at=now, expires_at=now + valid_for))  # fmt: skip
    session.flush()
    return Invitation(username=user.username, purpose=purpose, path=f"/welcome/{token}", expires_at=now + valid_for)


def invite_user(
    *,
    session: Session,
    manager: Manager,
    username: str,
    display_name: str,
    role: Role | str,
    organisation_code: str,
    valid_for: timedelta = INVITATION_VALID,
) -> Invitation:
    """Make an account without a password, and the one-time link with which its holder sets one.

    Raises:
        InvalidValue: the username is taken or malformed, or the role does not fit the organisation.
        Forbidden: ``manager`` does not manage that organisation's users.
    """
    organisation = _organisation(session, manager, organisation_code)
    chosen = _checked_role(role, OrganisationKind(organisation.kind))
    name = normalise_username(username)
    shown = " ".join(display_name.split())[:200]
    if not shown:
        raise InvalidValue("display_name", display_name, "the person's name, as colleagues know it")
    if user_by_username(session=session, username=name) is not None:
        raise InvalidValue("username", name, "already taken")
    user = User(username=name, display_name=shown, password_hash=NO_PASSWORD, role=chosen.value,
                organisation_id=organisation.id, active=True)  # fmt: skip
    session.add(user)
    session.flush()
    session.add(UserAccount(user_id=user.id, origin="invitation", created_by=manager.actor.username[:64],
                            created_at=utcnow()))  # fmt: skip
    invitation = _issue(session, user, purpose="invitation", by=manager.actor.username, valid_for=valid_for)
    record(session=session, actor=manager.actor, action="account.invite", purpose=PURPOSE, subject_type="user",
           subject_id=user.id, details={"username": name, "role": chosen.value, "organisation": organisation.code,
                                        "expires_at": invitation.expires_at.isoformat()})  # fmt: skip
    return invitation


def _password_state(user: User, account: UserAccount | None, invited: str | None) -> str:
    if account is not None and account.origin == "oidc":
        return "single sign-on"
    if user.password_hash.startswith(NO_PASSWORD):
        return {"reset": "reset", "invitation": "invited"}.get(invited or "", "link expired")
    return "set"


def _factor_state(kind: str, account: UserAccount | None) -> str:
    if account is None:
        return "not administered"
    if account.totp_confirmed_at is not None:
        return "on"
    if account.origin == "oidc" or OrganisationKind(kind) not in SECOND_FACTOR_KINDS:
        return "not required"
    return "to enrol"


def list_accounts(*, session: Session, manager: Manager) -> list[AccountOut]:
    """The accounts ``manager`` manages, by organisation and username."""
    last_login = (select(WebSession.user_id, func.max(WebSession.created_at).label("at"))
                  .group_by(WebSession.user_id).subquery())  # fmt: skip
    invited = (select(AccountInvitation.user_id, func.max(AccountInvitation.purpose).label("purpose"))
               .where(AccountInvitation.used_at.is_(None), AccountInvitation.ended_at.is_(None),
                      AccountInvitation.expires_at > utcnow())
               .group_by(AccountInvitation.user_id).subquery())  # fmt: skip
    query = (
        select(User, Organisation, UserAccount, last_login.c.at, invited.c.purpose)
        .join(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(UserAccount, UserAccount.user_id == User.id)
        .outerjoin(last_login, last_login.c.user_id == User.id)
        .outerjoin(invited, invited.c.user_id == User.id)
        .order_by(Organisation.code, User.username)
    )
    if manager.organisation_id is not None:
        query = query.where(User.organisation_id == manager.organisation_id)
    return [
        AccountOut(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                   organisation=org.code, organisation_name=org.name, active=user.active,
                   password=_password_state(user, account, purpose), second_factor=_factor_state(org.kind, account),
                   created_at=user.created_at, last_login=at)
        for user, org, account, at, purpose in session.execute(query)
    ]


def disable_account(*, session: Session, manager: Manager, username: str, reason: str = "") -> int:
    """Stop the user logging in: every session ends and any link they were sent stops working;
    how many sessions ended. Their records stay (the audit and casework name them)."""
    user = managed_user(session=session, manager=manager, username=username)
    _not_self(manager, user, "disable")
    ended = deactivate_user(session=session, user=user)
    _end_invitations(session, user.id, "user disabled")
    record(session=session, actor=manager.actor, action="account.disable", purpose=PURPOSE, subject_type="user",
           subject_id=user.id, details={"username": user.username, "sessions_ended": ended,
                                        "reason": reason.strip()[:500]})  # fmt: skip
    return ended


def enable_account(*, session: Session, manager: Manager, username: str) -> None:
    """Let a disabled user log in again (with the password and factor they had)."""
    user = managed_user(session=session, manager=manager, username=username)
    _not_self(manager, user, "enable")
    user.active = True
    record(session=session, actor=manager.actor, action="account.enable", purpose=PURPOSE, subject_type="user",
           subject_id=user.id, details={"username": user.username})  # fmt: skip


def reset_password(
    *, session: Session, manager: Manager, username: str, second_factor: bool = False,
    valid_for: timedelta = INVITATION_VALID,
) -> Invitation:  # fmt: skip
    """The old password stops working and every session ends; a new one-time link lets the
    user choose another. ``second_factor``: their authenticator is forgotten too (a lost phone),
    and they enrol a new one with the link."""
    user = managed_user(session=session, manager=manager, username=username)
    account = _account(session, user, manager.actor.username)
    if account.origin == "oidc":
        raise InvalidValue("username", user.username, "signs in through their organisation's single sign-on, "
                           "which keeps their password")  # fmt: skip
    if not user.active:
        raise InvalidValue("username", user.username, "is disabled: enable the account first")
    user.password_hash = NO_PASSWORD
    account.password_set_at = None
    if second_factor:
        account.totp_secret = account.totp_confirmed_at = account.totp_last_step = None
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
    ended = end_user_sessions(session=session, user_id=user.id, reason="password reset")
    invitation = _issue(session, user, purpose="reset", by=manager.actor.username, valid_for=valid_for)
    record(session=session, actor=manager.actor, action="account.reset_password", purpose=PURPOSE,
           subject_type="user", subject_id=user.id,
           details={"username": user.username, "sessions_ended": ended, "second_factor_reset": second_factor,
                    "expires_at": invitation.expires_at.isoformat()})  # fmt: skip
    return invitation


def set_role(*, session: Session, manager: Manager, username: str, role: Role | str) -> Role:
    """Give the user another role of their organisation; the role they had. It takes effect at
    their next request (what a user may do is read from the store each time)."""
    user = managed_user(session=session, manager=manager, username=username)
    _not_self(manager, user, "change the role of")
    organisation = session.get_one(Organisation, user.organisation_id)
    chosen = _checked_role(role, OrganisationKind(organisation.kind))
    before = Role(user.role)
    user.role = chosen.value
    record(session=session, actor=manager.actor, action="account.set_role", purpose=PURPOSE, subject_type="user",
           subject_id=user.id,
           details={"username": user.username, "from": before.value, "to": chosen.value})  # fmt: skip
    return before


def provision_user(
    *, session: Session, organisation_code: str, username: str, display_name: str, role: Role | str | None,
    issuer: str,
) -> User:  # fmt: skip
    """The account of someone an organisation's single sign-on vouches for, made at their first
    login: in that organisation, with ``role`` (default: the least its kind's users may do),
    never an administrator's, and without a password (they always sign in through the provider).

    Raises:
        InvalidValue: the username is malformed, or the role does not fit (or is an administrator's).
    """
    organisation = organisation_by_code(session=session, code=organisation_code)
    kind = OrganisationKind(organisation.kind)
    chosen = _checked_role(role or FIRST_ROLE[kind], kind)
    if chosen is Role.ADMINISTRATOR:
        raise InvalidValue("default_role", chosen.value, "single sign-on never makes an administrator")
    user = User(username=normalise_username(username), display_name=" ".join(display_name.split())[:200] or username,
                password_hash=NO_PASSWORD, role=chosen.value, organisation_id=organisation.id, active=True)  # fmt: skip
    session.add(user)
    session.flush()
    by = f"oidc:{organisation.code}"
    session.add(UserAccount(user_id=user.id, origin="oidc", created_by=by, created_at=utcnow()))
    record(session=session, actor=Actor.system(by), action="account.provision", purpose=PURPOSE, subject_type="user",
           subject_id=user.id, details={"username": user.username, "role": chosen.value,
                                        "organisation": organisation.code, "issuer": issuer})  # fmt: skip
    return user
