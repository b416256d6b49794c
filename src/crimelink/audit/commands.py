"""Audit entries for the commands run on the server: who ran what, and what it did.

The web app audits every read and change it serves (``crimelink.audit.web``); a command run on
the server reads and changes the same data, so it is audited the same way, through the same
chain. The operator is the operating-system user (``system:cli:<user>``), or the registered
user ``--as`` names (``crimelink.audit.operator``).

- A command that **changes** data records ``<action>.requested`` (with its arguments) before
  it starts: if that entry cannot be written, nothing is changed. Once done it records
  ``<action>`` with what it did (counts); if it fails, ``<action>.failed`` with why. An import
  killed part-way leaves its request on record beside the batches it committed.
- A command that only **reads** records ``<action>`` with what it read once it has read it,
  before anything is shown or written out (no entry, no output).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from crimelink.audit.operator import cli_actor
from crimelink.audit.service import Actor, record
from crimelink.domain.organisations import Role
from crimelink.store import StoreHandle

__all__ = ["audited_command", "record_command"]

_MAX_ERROR = 300


def _write(store: StoreHandle, actor: Actor, action: str, purpose: str, details: Mapping[str, Any]) -> None:
    with store.session() as session:
        record(session=session, actor=actor, action=action, purpose=purpose, details={**details, "via": "cli"})


@contextmanager
def audited_command(
    store: StoreHandle,
    *,
    action: str,
    purpose: str,
    arguments: Mapping[str, Any] | None = None,
    changes: bool = True,
    as_user: str | None = None,
    roles: Collection[Role] = (),
    national: bool = False,
    what: str = "",
) -> Iterator[dict[str, Any]]:
    """Audit the command run in the block; the block puts what it did (counts) in the dict it gets.

    ``as_user``, ``roles``, ``national`` and ``what`` are as :func:`~crimelink.audit.operator.cli_actor`
    takes them: a named user who may not do ``what`` is refused before anything is done.

    Raises:
        NotFound, Forbidden: ``as_user`` is unknown, or may not run the command.
    """
    with store.session() as session:
        actor = cli_actor(session=session, as_user=as_user, roles=roles, national=national, what=what)
    asked = dict(arguments or {})
    if changes:
        _write(store, actor, f"{action}.requested", purpose, asked)
    outcome: dict[str, Any] = {}
    try:
        yield outcome
    except Exception as error:
        try:
            why = f"{type(error).__name__}: {error}"[:_MAX_ERROR]
            _write(store, actor, f"{action}.failed", purpose, {**asked, **outcome, "error": why})
        except Exception:  # the store itself failed: the failure the caller sees says so
            pass
        raise
    _write(store, actor, action, purpose, {**asked, **outcome})


def record_command(
    store: StoreHandle,
    *,
    action: str,
    purpose: str,
    details: Mapping[str, Any],
    as_user: str | None = None,
    roles: Collection[Role] = (),
    national: bool = False,
    what: str = "",
) -> None:
    """One entry for what a command did, when its service has already recorded the request."""
    with store.session() as session:
        actor = cli_actor(session=session, as_user=as_user, roles=roles, national=national, what=what)
    _write(store, actor, action, purpose, details)
