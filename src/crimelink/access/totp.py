"""Time-based one-time passwords (RFC 6238, with pyotp) and recovery codes: the second factor.

A secret is 32 base32 characters (160 bits), shown once for the user to type (or paste the
``otpauth://`` link) into any authenticator app; codes are 6 digits for 30-second steps. A
code is accepted for the step before, the current and the next one (a phone's clock drifts),
and only for a step later than the last one accepted, so that a code seen over a shoulder
or replayed from a log is refused.

Recovery codes stand in for a lost phone: ten random characters each (50 bits), each
accepted once, kept as SHA-256 digests (random codes need no slow hash).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

import pyotp

ISSUER = "crimelink"
DIGITS = 6
RECOVERY_CODES = 8
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed back
_NOT_CODE = re.compile(r"[\s-]")

__all__ = [
    "RECOVERY_CODES", "accepted_step", "grouped", "new_recovery_codes", "new_secret", "provisioning_uri",
    "recovery_digest",
]  # fmt: skip


def new_secret() -> str:
    """A fresh random secret (base32), for one user's authenticator."""
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four, as a person types it (``ABCD EFGH …``)."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, *, username: str) -> str:
    """The ``otpauth://`` link authenticator apps take (the same secret, with the account's name)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, *, after: int | None, now: datetime | None = None) -> int | None:
    """The 30-second step ``code`` belongs to (the one before, now or the next), or ``None``.

    A step not later than ``after`` (the last one accepted) is refused: each code works once.
    ``now`` is an aware time (tests pass one).
    """
    typed = _NOT_CODE.sub("", code)
    if len(typed) != DIGITS or not typed.isascii() or not typed.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or datetime.now(UTC))  # aware: pyotp takes naive times as local
    for step in (current - 1, current, current + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Fresh recovery codes, as shown to the user (``abcde-fghjk``)."""
    codes = []
    for _ in range(count):
        text = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{text[:5]}-{text[5:]}")
    return codes


def recovery_digest(code: str) -> str:
    """The digest a recovery code is kept as (spaces, dashes and case ignored)."""
    return hashlib.sha256(_NOT_CODE.sub("", code).lower().encode()).hexdigest()
