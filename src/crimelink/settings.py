"""Settings from the environment: nothing secret lives in the repository.

``CRIMELINK_DATABASE_URL``  SQLAlchemy URL of the store (default: an SQLite file in ./var)
``CRIMELINK_SECRET_KEY``    signs session cookies; required outside demo mode
``CRIMELINK_DEMO``          "1" in the demo: allows the built-in secret and demo logins
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_PATH = Path("var") / "crimelink.sqlite"
_DEMO_SECRET = "crimelink-demo-secret-not-for-production"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    demo: bool

    @classmethod
    def from_env(cls, *, database_url: str | None = None) -> Settings:
        demo = os.environ.get("CRIMELINK_DEMO", "") == "1"
        url = database_url or os.environ.get("CRIMELINK_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE_PATH}"
        secret = os.environ.get("CRIMELINK_SECRET_KEY") or (_DEMO_SECRET if demo else "")
        return cls(database_url=url, secret_key=secret, demo=demo)
