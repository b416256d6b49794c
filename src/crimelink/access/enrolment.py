"""A user's own part: setting their password with a one-time link, and their second factor.

**The link** (``/welcome/<token>``) works once, until it expires, and not after a newer link
or the account being disabled ended it. With it the user chooses their password (the policy
of ``crimelink.access.users``: 15 characters where the password is the only factor) and, in
the national unit and police forces, enrols an authenticator: the page shows a secret to type
(or an ``otpauth://`` link), and the password is set only once a code from it is typed back.
They are then given recovery codes, shown once.

**At login**, after the password: a user with an authenticator types its code (or a recovery
code); an administered user of the national unit or a force without one enrols it first
(users from before account administration, or after a reset that forgot their phone).

Every step is audited as the user (``account.set_password``, ``account.enrol_second_factor``);
a wrong code counts as a failed login (``crimelink.web.security``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from crimelink.access import totp
from crimelink.access.accounts import SECOND_FACTOR_KINDS, token_digest
from crimelink.access.models import AccountInvitation, RecoveryCode, UserAccount
from crimelink.access.users import check_password, set_password
from crimelink.audit.service import Actor, record
from crimelink.domain.organisations import OrganisationKind
from crimelink.errors import InvalidValue, NotFound
from crimelink.store.models import Organisation, User, utcnow

__all__ = [
    "Welcome", "accept_invitation", "check_code", "enrol_at_login", "enrolment_secret", "open_invitation",
    "recovery_codes_left", "second_factor_step",
]  # fmt: skip

WRONG_CODE = "not the code your authenticator shows: check that its clock is right and type the newest code"


@dataclass(frozen=True, slots=True)
class Welcome:
    """What the page behind a valid link shows."""

    user_id: int
    username: str
    display_name: str
    organisation_name: str
    purpose: str  # "invitation" (a new account) or "reset"
    single_factor: bool  # the password will be the only factor (a longer one, then)
    secret: str | None  # the authenticator's secret to enrol now, if one is to be


def _user(session: Session, user_id: int) -> tuple[User, Organisation, UserAccount | None]:
    user = session.get_one(User, user_id)
    return user, session.get_one(Organisation, user.organisation_id), session.get(UserAccount, user_id)


def _actor(user: User, organisation: Organisation) -> Actor:
    return Actor(user.username, organisation.code, user.role, user.id)


def _needs_factor(organisation: Organisation, account: UserAccount | None) -> bool:
    administered = account is not None and account.origin != "oidc"
    return administered and OrganisationKind(organisation.kind) in SECOND_FACTOR_KINDS


def enrolment_secret(*, session: Session, user_id: int) -> str:
    """The secret the user is enrolling (the same one until they confirm it), made if need be."""
    account = session.get_one(UserAccount, user_id)
    if account.totp_confirmed_at is not None or not account.totp_secret:
        account.totp_secret, account.totp_confirmed_at, account.totp_last_step = totp.new_secret(), None, None
        session.flush()
    return account.totp_secret


def _invitation(session: Session, token: str, now: datetime) -> AccountInvitation:
    invitation = session.get(AccountInvitation, token_digest(token)) if 20 <= len(token) <= 100 else None
    if invitation is None or invitation.used_at or invitation.ended_at or invitation.expires_at <= now:
        raise NotFound("this link does not work (any more): it was used, a newer one was sent, or it expired. "
                       "Ask your administrator for a new one.")  # fmt: skip
    return invitation


def open_invitation(*, session: Session, token: str, now: datetime | None = None) -> Welcome:
    """What a valid link offers (a secret to enrol is made on first sight, and kept).

    Raises:
        NotFound: the link is unknown, used, ended or expired, or its user disabled.
    """
    invitation = _invitation(session, token, now or utcnow())
    user, organisation, account = _user(session, invitation.user_id)
    if not user.active:
        raise NotFound("this account is disabled: ask your administrator")
    needs_factor = _needs_factor(organisation, account)
    enrol = needs_factor and (account is None or account.totp_confirmed_at is None)
    return Welcome(
        user_id=user.id, username=user.username, display_name=user.display_name,
        organisation_name=organisation.name, purpose=invitation.purpose,
        single_factor=not needs_factor,
        secret=enrolment_secret(session=session, user_id=user.id) if enrol else None,
    )  # fmt: skip


def _confirm(session: Session, account: UserAccount, step: int) -> list[str]:
    account.totp_confirmed_at, account.totp_last_step = utcnow(), step
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == account.user_id))
    codes = totp.new_recovery_codes()
    session.add_all(RecoveryCode(user_id=account.user_id, digest=totp.recovery_digest(c), created_at=utcnow())
                    for c in codes)  # fmt: skip
    session.flush()
    return codes


def accept_invitation(*, session: Session, token: str, password: str, code: str = "") -> list[str]:
    """Set the password the user chose with their link (and enrol their authenticator, when
    ``code`` from it is right); the recovery codes to show them, if an authenticator was enrolled.

    Raises:
        NotFound: the link does not work.
        InvalidValue: the password is too weak (field ``password``) or the code wrong (``code``).
    """
    welcome = open_invitation(session=session, token=token)
    user, organisation, account = _user(session, welcome.user_id)
    context = [user.username, user.display_name]
    check_password(password, role=user.role, single_factor=welcome.single_factor, context=context, strict=True)
    step = None
    if welcome.secret is not None:
        step = totp.accepted_step(welcome.secret, code, after=None)
        if step is None:
            raise InvalidValue("code", "(hidden)", WRONG_CODE)
    ended = set_password(session=session, user=user, password=password, single_factor=welcome.single_factor,
                         context=context, strict=True)  # fmt: skip
    now = utcnow()
    session.get_one(AccountInvitation, token_digest(token)).used_at = now
    if account is not None:
        account.password_set_at = now
    codes = _confirm(session, account, step) if account is not None and step is not None else []
    kept = account is not None and account.totp_confirmed_at is not None
    factor = "enrolled" if codes else ("kept" if kept else "not required")
    actor = _actor(user, organisation)
    record(session=session, actor=actor, action="account.set_password", purpose="authentication",
           subject_type="user", subject_id=user.id,
           details={"link": welcome.purpose, "sessions_ended": ended, "second_factor": factor})  # fmt: skip
    if codes:
        record(session=session, actor=actor, action="account.enrol_second_factor", purpose="authentication",
               subject_type="user", subject_id=user.id, details={"recovery_codes": len(codes)})  # fmt: skip
    return codes


def second_factor_step(*, session: Session, user_id: int) -> str | None:
    """What the login asks after a right password: ``"code"`` (the user has an authenticator),
    ``"enrol"`` (they must set one up first) or ``None`` (nothing more)."""
    _, organisation, account = _user(session, user_id)
    if account is not None and account.totp_confirmed_at is not None:
        return "code"
    return "enrol" if _needs_factor(organisation, account) else None


def enrol_at_login(*, session: Session, user_id: int, code: str) -> list[str] | None:
    """Confirm the authenticator being enrolled with a code from it; its recovery codes, or
    ``None`` when the code is wrong. Audited as the user."""
    account = session.get_one(UserAccount, user_id)
    if account.totp_confirmed_at is not None or not account.totp_secret:
        return None
    step = totp.accepted_step(account.totp_secret, code, after=None)
    if step is None:
        return None
    codes = _confirm(session, account, step)
    user, organisation, _ = _user(session, user_id)
    record(session=session, actor=_actor(user, organisation), action="account.enrol_second_factor",
           purpose="authentication", subject_type="user", subject_id=user_id,
           details={"recovery_codes": len(codes), "at": "login"})  # fmt: skip
    return codes


def check_code(*, session: Session, user_id: int, code: str) -> str | None:
    """Whether ``code`` is the user's second factor: ``"authenticator"`` or ``"recovery code"``
    (each accepted once), or ``None``."""
    account = session.get(UserAccount, user_id)
    if account is None or account.totp_confirmed_at is None or not account.totp_secret:
        return None
    step = totp.accepted_step(account.totp_secret, code, after=account.totp_last_step)
    if step is not None:
        taken = session.execute(
            update(UserAccount)
            .where(UserAccount.user_id == user_id,
                   or_(UserAccount.totp_last_step.is_(None), UserAccount.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        return "authenticator" if getattr(taken, "rowcount", 0) == 1 else None
    used = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.digest == totp.recovery_digest(code[:40]),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )  # fmt: skip
    return "recovery code" if getattr(used, "rowcount", 0) == 1 else None


def recovery_codes_left(*, session: Session, user_id: int) -> int:
    """How many of the user's recovery codes are unused."""
    return int(session.scalar(select(func.count()).where(RecoveryCode.user_id == user_id,
                                                         RecoveryCode.used_at.is_(None))) or 0)  # fmt: skip
