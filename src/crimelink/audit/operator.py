"""Who runs a command on the server, as the audit log records them.

By default the operating-system user (``system:cli:<user>``): whoever can run ``crimelink`` on
the server can read the store anyway, and the audit says so. ``--as USERNAME`` names a
registered user instead, whose organisation and role then decide what the command may do and
appear in the audit; a deactivated or unknown user is refused.
"""

from __future__ import annotations

import getpass
from collections.abc import Collection

from sqlalchemy.orm import Session

from crimelink.access.policy import viewer_for_user
from crimelink.access.users import user_by_username
from crimelink.audit.service import Actor
from crimelink.domain.organisations import Role
from crimelink.errors import Forbidden, NotFound

__all__ = ["cli_actor", "os_user"]


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        import os

        return f"uid{os.getuid()}"


def cli_actor(
    *, session: Session, as_user: str | None, roles: Collection[Role] = (), national: bool = False, what: str = ""
) -> Actor:
    """The actor of a command: the OS user, or the registered user ``as_user``.

    ``roles`` and ``national`` are what a named user must hold to do ``what`` (a server
    operator, who holds the database itself, is not checked).

    Raises:
        NotFound: ``as_user`` is not an active user.
        Forbidden: ``as_user`` may not do ``what``.
    """
    if as_user is None:
        return Actor.system(f"cli:{os_user()}")
    user = user_by_username(session=session, username=as_user)
    viewer = viewer_for_user(session=session, user_id=user.id) if user is not None else None
    if viewer is None:
        raise NotFound(f"no active user {as_user!r}", username=as_user)
    if (roles and viewer.role not in roles) or (national and not viewer.national):
        who = "the national unit's " if national else ""
        allowed = ", ".join(sorted(r.label.lower() for r in roles)) or "users"
        raise Forbidden(f"{what or 'this'} is for {who}{allowed}", username=viewer.username)
    return Actor.of(viewer)
