"""Runs left "running" by a process that was killed are marked "interrupted" at the next start.

An analysis run or an import run records that it is running before it starts and that it
finished when it ends; a process killed in between (SIGKILL, a power cut, the OOM killer) never
says. Its results are safe (an analysis replaces its results in one transaction, an import
commits whole batches), but without this the status pages would show a ghost run for ever.

So every crimelink process that may start runs registers itself (:func:`take_over`): its host,
its process id, when the operating system started it (so that a recycled id is not taken for
it) and the kinds of run it may start (``analysis``, ``import:file`` for ``crimelink import``,
``import:api`` for the web app). At each start, registrations of dead processes on this host
are removed, and a run still running is marked interrupted unless a live process that may
own it (of its kind, registered before the run began) remains. A process on another host is
taken to be alive: the runs it may own are left alone (never a live run marked interrupted).

Code that calls ``run_analysis`` or ``import_files`` directly, outside the command and the web
app, should register likewise (``with registered(store, kinds=...)``) if other processes start
meanwhile. An interrupted import run gets a ``finished_at`` (when it was found interrupted) and
``details.status = "interrupted"``; an analysis run gets ``status = "interrupted"``.
"""

from __future__ import annotations

import atexit
import os
import socket
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from crimelink.audit.models import RunningProcess
from crimelink.store import StoreHandle
from crimelink.store.models import AnalysisRun, ImportRun, utcnow

__all__ = [
    "CLI_KINDS", "SERVER_KINDS", "Recovered", "mark_interrupted", "open_for_command", "open_for_reading", "registered",
    "release", "take_over",
]  # fmt: skip

CLI_KINDS = ("analysis", "import:file")
SERVER_KINDS = ("import:api",)
INTERRUPTED = "interrupted"
_REASON = "interrupted: the process running it ended without finishing (killed or crashed); found at a later start"
_taken: dict[str, int] = {}  # store URL -> this process's registration id


@dataclass(frozen=True, slots=True)
class Recovered:
    analysis_runs: list[int]
    import_runs: list[int]


def _host() -> str:
    return socket.gethostname()[:255]


def process_started(pid: int) -> float:
    """When the OS started process ``pid`` (seconds after boot, from ``/proc``); 0.0 if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
        fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and brackets
        return int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _alive(row: RunningProcess) -> bool:
    """Whether a registered process still lives (another host's always counts as alive)."""
    if row.host != _host():
        return True
    try:
        os.kill(row.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process with that id: compare start times below
    return not row.process_started or process_started(row.pid) in (0.0, row.process_started)


def mark_interrupted(store: StoreHandle) -> Recovered:
    """Forget dead processes; mark the runs no live process can own as interrupted."""
    now = utcnow()
    with store.session() as session:
        live: list[RunningProcess] = []
        for row in session.scalars(select(RunningProcess)):
            if _alive(row):
                live.append(row)
            else:
                session.execute(delete(RunningProcess).where(RunningProcess.id == row.id))

        def orphaned(kind: str, started: object) -> bool:
            return not any(kind in p.kinds.split() and p.started_at <= started for p in live)  # type: ignore[operator]

        analyses = [
            run_id
            for run_id, started in session.execute(
                select(AnalysisRun.id, AnalysisRun.started_at).where(AnalysisRun.status == "running")
            )
            if orphaned("analysis", started)
        ]
        if analyses:
            session.execute(
                update(AnalysisRun)
                .where(AnalysisRun.id.in_(analyses), AnalysisRun.status == "running")
                .values(status=INTERRUPTED, finished_at=now, error=_REASON)
            )
        imports = []
        for run in session.scalars(select(ImportRun).where(ImportRun.finished_at.is_(None))):
            if orphaned(f"import:{run.channel}", run.started_at):
                run.finished_at = now
                run.details = {**(run.details or {}), "status": INTERRUPTED, "reason": _REASON}
                imports.append(run.id)
    return Recovered(analyses, imports)


def _register(store: StoreHandle, kinds: Collection[str], command: str) -> int:
    with store.engine.begin() as conn:
        return int(
            conn.execute(
                insert(RunningProcess).returning(RunningProcess.id),
                {
                    "host": _host(),
                    "pid": os.getpid(),
                    "process_started": process_started(os.getpid()),
                    "kinds": " ".join(kinds),
                    "command": command[:200],
                    "started_at": utcnow(),
                },
            ).scalar_one()
        )


def _unregister(store: StoreHandle, registration: int) -> None:
    try:
        with store.engine.begin() as conn:
            conn.execute(delete(RunningProcess).where(RunningProcess.id == registration))
    except Exception:  # the store may be gone at exit; a dead process's row is cleared next start
        pass


@contextmanager
def registered(store: StoreHandle, *, kinds: Collection[str], command: str) -> Iterator[int]:
    """This process registered (for the block) as one that may start runs of ``kinds``."""
    registration = _register(store, kinds, command)
    try:
        yield registration
    finally:
        _unregister(store, registration)


def take_over(store: StoreHandle, *, kinds: Collection[str], command: str) -> Recovered:
    """At a process's start: mark interrupted runs, then register this process until it exits
    (or :func:`release`). Once per store and process: a second call only marks.

    A killed process leaves its registration behind; the next start clears it.
    """
    recovered = mark_interrupted(store)
    if store.url not in _taken:
        _taken[store.url] = _register(store, kinds, command)
        atexit.register(release, store)
    return recovered


def open_for_command(database_url: str | None) -> StoreHandle:
    """The store as every ``crimelink`` command opens it: from the settings (``--db`` or the
    environment), after marking the runs a killed process left running, and with this process
    registered as one that may start analyses and imports."""
    from crimelink.settings import Settings
    from crimelink.store import open_store

    store = open_store(Settings.from_env(database_url=database_url).database_url)
    take_over(store, kinds=CLI_KINDS, command=" ".join(sys.argv[1:3]))
    return store


def open_for_reading(database_url: str | None) -> StoreHandle:
    """The store as a command that only reads opens it: never migrated, and not registered (it
    starts no runs, so it marks none interrupted either).

    Raises:
        StoreError: no store there, or one not at the current schema (``crimelink db upgrade``
            brings it there; a read is no time to change a schema someone else may be serving).
    """
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from crimelink.errors import StoreError
    from crimelink.settings import Settings
    from crimelink.store import open_store

    url = Settings.from_env(database_url=database_url).database_url
    parsed = make_url(url)
    file = parsed.database if parsed.drivername.startswith("sqlite") and parsed.database != ":memory:" else None
    if file and not Path(file).exists():
        raise StoreError(f"no store at {file}: create it with `crimelink db upgrade`, or name one with --db")
    return open_store(url, upgrade=False)


def release(store: StoreHandle) -> None:
    """Remove this process's registration (at exit, or when the web app stops)."""
    registration = _taken.pop(store.url, None)
    if registration is not None:  # a disposed engine still opens a fresh connection
        _unregister(store, registration)
