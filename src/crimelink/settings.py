"""Settings from the environment: nothing secret lives in the repository.

``CRIMELINK_DATABASE_URL``   SQLAlchemy URL of the store (default: an SQLite file in ./var)
``CRIMELINK_SECRET_KEY``     signs session cookies; required outside demo mode: at least 32
                             characters, random (not a repeated or guessable phrase)
``CRIMELINK_DEMO``           "1" in the demo: demo logins; without a secret key of its own the
                             demo makes a random one each time it starts (never a built-in one)
``CRIMELINK_COOKIE_SECURE``  "1": session cookie only over HTTPS (``__Host-`` prefix, HSTS);
                             default "1" outside demo mode, "0" in it
``CRIMELINK_LOGIN_MAX_FAILURES``          failed logins per username before a lockout (5)
``CRIMELINK_LOGIN_ADDRESS_MAX_FAILURES``  failed logins per client address before one (20)
``CRIMELINK_LOGIN_LOCKOUT_MINUTES``       the counting window and the lockout's length (15)
``CRIMELINK_SESSION_IDLE_MINUTES``        a web session ends after this long without a request (30)
``CRIMELINK_TRUSTED_PROXIES``             addresses or networks of the reverse proxies whose
                                          ``X-Forwarded-For``/``-Proto`` headers are believed,
                                          comma-separated (none: the headers are ignored)
``CRIMELINK_RETENTION_CLEAR_YEARS``       years from an incident to its first review (6)
``CRIMELINK_OIDC_PROVIDERS``              a JSON file of organisations' OpenID Connect providers
``CRIMELINK_MAX_BODY_MB``                 the largest request body taken, in MB (10); larger: 413
``CRIMELINK_MAX_SUBMISSION_MB``           the same for ``POST /api/v1/incidents`` batches (50)
``CRIMELINK_VALUE_REVIEW_GBP``            a loss above this, in pounds, is held for an analyst's
                                          review before it counts in any figure (50000)
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from crimelink.errors import InvalidValue

DEFAULT_DATABASE_PATH = Path("var") / "crimelink.sqlite"
MIN_SECRET_LENGTH = 32
# A random key of 32 characters takes far more than 10^30 guesses; "a" * 32 or a sentence of
# common words far fewer. zxcvbn's estimate sees repeats, sequences and dictionary words.
MIN_SECRET_GUESSES_LOG10 = 20
_KNOWN_WEAK = {  # published defaults, the demo's old built-in key among them
    "crimelink-demo-secret-not-for-production", "changeme", "change-me", "secret", "password", "development",
    "dev", "test",
}  # fmt: skip


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise InvalidValue(name, value, "1 or 0")


def _proxies(name: str) -> tuple[str, ...]:
    """Addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``), comma-separated."""
    found = []
    for part in os.environ.get(name, "").split(","):
        if not part.strip():
            continue
        try:
            found.append(str(ipaddress.ip_network(part.strip(), strict=False)))
        except ValueError:
            raise InvalidValue(name, part.strip(), "IP addresses or networks (e.g. 10.0.0.5, 10.0.0.0/24), "
                               "comma-separated; '*' is not allowed") from None  # fmt: skip
    return tuple(found)


def _whole(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise InvalidValue(name, value, "a whole number, at least 1")
    return int(value)


def value_review_gbp() -> float:
    """The loss above which intake holds an incident's value for review (``CRIMELINK_VALUE_REVIEW_GBP``).

    Read by intake itself, so that files, the API and the report form hold alike."""
    return float(_whole("CRIMELINK_VALUE_REVIEW_GBP", 50_000))


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    demo: bool
    cookie_secure: bool = False  # from_env turns it on outside demo mode
    login_max_failures: int = 5
    login_address_max_failures: int = 20
    login_lockout_minutes: int = 15
    retention_clear_years: int = 6
    oidc_providers: str | None = None
    max_body_mb: int = 10
    max_submission_mb: int = 50
    session_idle_minutes: int = 30
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, *, database_url: str | None = None) -> Settings:
        demo = os.environ.get("CRIMELINK_DEMO", "") == "1"
        url = database_url or os.environ.get("CRIMELINK_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE_PATH}"
        # A demo without a key of its own gets a random one for this process: never a shared one.
        secret = os.environ.get("CRIMELINK_SECRET_KEY") or (secrets.token_hex(32) if demo else "")
        return cls(
            database_url=url,
            secret_key=secret,
            demo=demo,
            cookie_secure=_flag("CRIMELINK_COOKIE_SECURE", not demo),
            login_max_failures=_whole("CRIMELINK_LOGIN_MAX_FAILURES", 5),
            login_address_max_failures=_whole("CRIMELINK_LOGIN_ADDRESS_MAX_FAILURES", 20),
            login_lockout_minutes=_whole("CRIMELINK_LOGIN_LOCKOUT_MINUTES", 15),
            retention_clear_years=_whole("CRIMELINK_RETENTION_CLEAR_YEARS", 6),
            oidc_providers=os.environ.get("CRIMELINK_OIDC_PROVIDERS") or None,
            max_body_mb=_whole("CRIMELINK_MAX_BODY_MB", 10),
            max_submission_mb=_whole("CRIMELINK_MAX_SUBMISSION_MB", 50),
            session_idle_minutes=_whole("CRIMELINK_SESSION_IDLE_MINUTES", 30),
            trusted_proxies=_proxies("CRIMELINK_TRUSTED_PROXIES"),
        )

    def secret_problem(self) -> str | None:
        """Why the secret key may not be used, or ``None``. The same rules hold in demo mode,
        where the app then signs with a random key of its own instead (``web.app``)."""
        if not self.secret_key:
            return "CRIMELINK_SECRET_KEY is not set: it signs the session cookies."
        if self.secret_key.strip().lower() in _KNOWN_WEAK:
            return "CRIMELINK_SECRET_KEY is a well-known default: it must be your own."
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            return f"CRIMELINK_SECRET_KEY is too short: at least {MIN_SECRET_LENGTH} random characters."
        from zxcvbn import zxcvbn  # here: every command reads the settings, few check the key

        if zxcvbn(self.secret_key[:100])["guesses_log10"] < MIN_SECRET_GUESSES_LOG10:
            return ("CRIMELINK_SECRET_KEY is too easy to guess (repeated characters, a sequence or common "
                    "words): it must be random.")  # fmt: skip
        return None
