"""The people who use crimelink, and checking who they are.

Passwords are hashed with Argon2id at pwdlib's recommended cost. Checking a password costs
about a tenth of a second on purpose; :func:`authenticate` spends that time whether or not
the username exists, so that response times do not tell an attacker which usernames are real.
"""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.organisations import organisation_by_code
from crimelink.domain.organisations import Role
from crimelink.errors import InvalidValue
from crimelink.store.models import User

MIN_PASSWORD_LENGTH = 8
_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the username is unknown (same cost, never matches)."""
    return _hasher().hash("not-a-password-anyone-has")


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password``, for storing."""
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from."""
    try:
        return bool(_hasher().verify(password, password_hash))
    except Exception:  # a malformed or foreign hash is a failed check, not a crash
        return False


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored and looked up in lower case."""
    name = username.strip().lower()
    if not 2 <= len(name) <= 64 or not set(name) <= _USERNAME_CHARS:
        raise InvalidValue("username", username, "2-64 letters, digits, '.', '_' or '-'")
    return name


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: Role | str,
    organisation_code: str,
    display_name: str,
) -> User:
    """Add a user to a registered organisation. Refuses a username already taken."""
    name = normalise_username(username)
    role = Role(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue("password", "(hidden)", f"at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise InvalidValue("username", name, "already taken")
    organisation = organisation_by_code(session=session, code=organisation_code)
    user = User(
        username=name,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role.value,
        organisation_id=organisation.id,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def user_by_username(*, session: Session, username: str) -> User | None:
    try:
        name = normalise_username(username)
    except InvalidValue:
        return None
    return session.scalar(select(User).where(User.username == name))


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or ``None`` (for any reason)."""
    user = user_by_username(session=session, username=username)
    if user is None:
        verify_password(password, _dummy_hash())
        return None
    ok = verify_password(password, user.password_hash)
    return user if ok and user.active else None
