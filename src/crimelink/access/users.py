"""The people who use crimelink, and checking who they are.

Passwords are hashed with Argon2id at pwdlib's recommended cost. Checking a password costs
about a tenth of a second on purpose; :func:`authenticate` spends that time whether or not
the username exists, so that response times do not tell an attacker which usernames are real.

**Passwords people choose** (NIST SP 800-63B: length, and a check against passwords that are
common, expected or known from breaches, no rules about kinds of character, no expiry). At
least 8 characters where a second factor is also asked, 15 where the password is the only
factor; any characters, spaces included, up to 1,024. Not a common or easily guessed one:
zxcvbn's estimate knows the lists of the most used (and most breached) passwords, names and
words, keyboard, date and repeat patterns, and is told the service's name and the user's own
name and username; an administrator's, which opens everything, and any a person chooses for
their own account with their link (``strict``), must resist a longer guessing attack.
Changing a password or disabling a user ends every one of their web sessions at once.

An account made by an invitation has no password until its holder sets one
(:data:`NO_PASSWORD`, which no password matches); single sign-on's accounts never have one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from crimelink.access.organisations import organisation_by_code
from crimelink.access.sessions import end_user_sessions
from crimelink.domain.organisations import Role
from crimelink.errors import InvalidValue
from crimelink.store.models import User

MIN_PASSWORD_LENGTH = 8  # with a second factor
MIN_SINGLE_FACTOR_LENGTH = 15  # the password alone (NIST SP 800-63B-4, 3.1.1.2)
MAX_PASSWORD_LENGTH = 1024
NO_PASSWORD = "!none"  # the hash of an account without a password: no password matches it
# zxcvbn's scores: 0 "too guessable" (under 10^3 guesses), 1 "very guessable" (under 10^6),
# 2 "somewhat guessable" (under 10^8: resists guessing over the network), 3 and 4 stronger.
MIN_SCORE = 1
MIN_ADMINISTRATOR_SCORE = 2
SERVICE_WORDS = ["crimelink"]  # words an attacker tries first against this service
_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")  # "@": single sign-on's e-mail names


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


def password_problem(
    password: str, *, role: Role | str, single_factor: bool = False, context: Sequence[str] = (), strict: bool = False
) -> str | None:
    """Why ``password`` may not be used by someone with ``role``, or ``None`` if it may.

    ``single_factor``: the password will be the account's only factor (longer then);
    ``context``: the user's own words (username, name), which make a password easy to guess;
    ``strict``: a person choosing their own (with their link) gets the administrator's floor
    whatever their role: nothing among a guesser's first 10^8 tries (zxcvbn scores every
    password on the common and breached lists, keyboard walks and repeats below it).
    """
    shortest = MIN_SINGLE_FACTOR_LENGTH if single_factor else MIN_PASSWORD_LENGTH
    if len(password) < shortest:
        return f"at least {shortest} characters" + (" (a password used without a second factor)"
                                                     if single_factor else "")  # fmt: skip
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"at most {MAX_PASSWORD_LENGTH:,} characters"
    administrator = Role(role) is Role.ADMINISTRATOR
    needed = MIN_ADMINISTRATOR_SCORE if administrator or strict else MIN_SCORE
    own = [t.lower() for t in context]
    if any(len(t) >= 4 and t in password.lower() for t in own):
        return "not your username or name: a guesser tries those first"
    words = [*SERVICE_WORDS, *own, *(w for t in own for w in re.split(r"[\s._@-]+", t) if len(w) > 2)]
    estimate = zxcvbn(password[:100], user_inputs=words)
    if int(estimate["score"]) >= needed:
        return None
    whose = " for an administrator's password" if administrator else ""
    warning = str(estimate["feedback"]["warning"] or "").rstrip(".")
    why = f" ({warning[0].lower()}{warning[1:]})" if warning else ""
    return f"too easy to guess{whose}{why}: use a longer phrase of uncommon words"


def check_password(
    password: str, *, role: Role | str, single_factor: bool = False, context: Sequence[str] = (), strict: bool = False
) -> None:
    """Raise :class:`InvalidValue` (field ``password``) when ``password`` is too weak for ``role``
    (:func:`password_problem`)."""
    problem = password_problem(password, role=role, single_factor=single_factor, context=context, strict=strict)
    if problem is not None:
        raise InvalidValue("password", "(hidden)", problem)


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored and looked up in lower case."""
    name = username.strip().lower()
    if not 2 <= len(name) <= 64 or not set(name) <= _USERNAME_CHARS:
        raise InvalidValue("username", username, "2-64 letters, digits, '.', '_', '-' or '@'")
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
    """Add a user to a registered organisation. Refuses a username already taken, and a
    password too weak for the role (:func:`password_problem`)."""
    name = normalise_username(username)
    role = Role(role)
    check_password(password, role=role)
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
    if user.password_hash.startswith(NO_PASSWORD):  # invited, or single sign-on only: same cost, no match
        verify_password(password, _dummy_hash())
        return None
    ok = verify_password(password, user.password_hash)
    return user if ok and user.active else None


def set_password(
    *, session: Session, user: User, password: str, single_factor: bool = False, context: Sequence[str] = (),
    strict: bool = False,
) -> int:  # fmt: skip
    """Give ``user`` a new password (checked as for a new user, :func:`password_problem`) and
    end every session they have open, so that whoever held the old one is logged out; how
    many sessions ended."""
    check_password(password, role=user.role, single_factor=single_factor, context=context, strict=strict)
    user.password_hash = hash_password(password)
    session.flush()
    return end_user_sessions(session=session, user_id=user.id, reason="password changed")


def deactivate_user(*, session: Session, user: User) -> int:
    """Stop ``user`` logging in and end every session they have open; how many ended.
    The user's records stay (they are kept on the audit and in casework)."""
    user.active = False
    session.flush()
    return end_user_sessions(session=session, user_id=user.id, reason="user disabled")
