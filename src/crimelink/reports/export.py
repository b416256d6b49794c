"""The analysis export: the platform's conclusions as five CSV files any tool can read.

The files, their columns and their order are the contract in
``shared/spec/analysis-export.md``; ``EXPORT_COLUMNS`` spells it out once and a test checks
it against the spec itself. Each file is written to a temporary name in the target folder
and renamed into place, so a reader sees the old file or the new one, never half of one.
Rows are streamed from the store in batches, so a million incidents export in bounded memory.

Beside the five files goes ``handling.json`` (:data:`MANIFEST`), which the spec's files cannot
carry in their fixed columns: the protective marking of the whole export (OFFICIAL-SENSITIVE
when it names people or holds conditional material), the 3x5x2 grading of its weakest part,
every incident it holds under handling code C with its conditions and whether those
conditions let it go further (``crimelink.reports.handling``), who produced it and for what
purpose, and each file's rows and SHA-256. Whoever passes the folder on passes its conditions.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Executable, func, select

from crimelink.domain.spreadsheet import safe_writer
from crimelink.reports.handling import UNGRADED, circle, grading_of, worst_grading
from crimelink.store import StoreHandle
from crimelink.store.models import (
    Incident,
    IncidentSeries,
    Offender,
    OffenderGroup,
    Organisation,
    PersonLink,
    PersonMention,
    VehicleLink,
    VehicleMention,
    utcnow,
)
from crimelink.store.models.patterns import UnidentifiedMember

__all__ = ["EXPORT_COLUMNS", "MANIFEST", "export_analysis", "export_audited"]

EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "person_links.csv": (
        "submitter",
        "incident_ref",
        "person_ref",
        "offender_id",
        "match_probability",
    ),
    "vehicle_links.csv": ("submitter", "incident_ref", "vrm", "vehicle_id", "vrm_normalised"),
    "offenders.csv": (
        "offender_id",
        "display_name",
        "group_id",
        "incidents",
        "forces",
        "value_gbp",
        "priority_score",
        "priority_rank",
    ),
    "groups.csv": (
        "group_id",
        "members",
        "incidents",
        "forces",
        "value_gbp",
        "priority_score",
        "priority_rank",
    ),
    "incident_series.csv": ("submitter", "incident_ref", "series_id", "police_force"),
}
STREAM_BATCH = 10_000
MANIFEST = "handling.json"


def export_analysis(
    *, store: StoreHandle, directory: Path, produced_by: str = "", purpose: str = ""
) -> dict[str, int]:
    """Write the five export files into ``directory``; return rows written per file name.

    A mention that no run has linked yet (its incident arrived or was replaced after the
    last analysis) still gets a row, with an id of its own (``M`` and the mention's id) and
    probability 1.0: the spec promises an ``offender_id`` that is never empty.
    """
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with _snapshot(store) as conn:
        for name, rows in _sources(conn).items():
            counts[name] = _write_atomically(directory / name, EXPORT_COLUMNS[name], rows)
        manifest = _handling(conn, directory, counts, produced_by=produced_by, purpose=purpose)
    _write_text_atomically(directory / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return counts


def _handling(
    conn: Connection, directory: Path, counts: dict[str, int], *, produced_by: str, purpose: str
) -> dict[str, Any]:
    """The manifest's content (see the module's docstring), from the same snapshot as the files."""
    graded = conn.execute(
        select(Incident.source_evaluation, Incident.intelligence_assessment, Incident.handling_code,
               Incident.handling_conditions, func.count())
        .group_by(Incident.source_evaluation, Incident.intelligence_assessment, Incident.handling_code,
                  Incident.handling_conditions)
    ).all()  # fmt: skip
    grading = worst_grading([grading_of(s, a, h, c) for s, a, h, c, _ in graded]) if graded else None
    conditional = [
        {"submitter": code, "incident_ref": ref, "grading": grading_of(s, a, h, c).code, "conditions": c,
         "circle": circle(c or "") if (c or "").strip() else "none",
         "may_go_further": bool((c or "").strip()) and circle(c or "") != "none"}
        for code, ref, s, a, h, c in conn.execute(
            select(Organisation.code, Incident.incident_ref, Incident.source_evaluation,
                   Incident.intelligence_assessment, Incident.handling_code, Incident.handling_conditions)
            .join(Organisation, Organisation.id == Incident.submitter_id)
            .where(Incident.handling_code == "C")
            .order_by(Organisation.code, Incident.incident_ref)
        )
    ]  # fmt: skip
    names_people = counts.get("offenders.csv", 0) > 0 or counts.get("person_links.csv", 0) > 0
    reasons = [why for why, on in (("it names people", names_people),
                                   ("it holds conditional (C) material", bool(conditional))) if on]  # fmt: skip
    grade = grading or UNGRADED
    return {
        "schema": "crimelink.export-handling/1",
        "marking": "OFFICIAL-SENSITIVE" if reasons else "OFFICIAL",
        "marking_reason": " and ".join(reasons) or "no personal or conditional material",
        "grading": {"code": grade.code, "conditions": grade.handling_conditions},
        "handling_instructions": "Produced by the national unit for a policing purpose. Do not pass it on beyond "
        "the need to know; incidents under handling code C travel only within their conditions (listed here), and "
        "those that may not go further stay with the national unit.",
        "conditional_incidents": conditional,
        "produced_at": utcnow().isoformat(timespec="seconds") + "Z",
        "produced_by": produced_by,
        "purpose": purpose,
        "files": {name: {"rows": rows, "sha256": _sha256(directory / name)} for name, rows in counts.items()},
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_text_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sources(conn: Connection) -> dict[str, Iterable[tuple[Any, ...]]]:
    """Each file's rows as a lazy stream (nothing runs until the file is written)."""
    persons = (
        select(
            Organisation.code,
            Incident.incident_ref,
            PersonMention.person_ref,
            PersonMention.id,
            PersonLink.offender_id,
            PersonLink.match_probability,
        )
        .join_from(PersonMention, Incident, PersonMention.incident_id == Incident.id)
        .join(Organisation, Incident.submitter_id == Organisation.id)
        .outerjoin(PersonLink, PersonLink.mention_id == PersonMention.id)
        .order_by(PersonMention.id)
    )
    vehicles = (
        select(
            Organisation.code,
            Incident.incident_ref,
            VehicleMention.vrm,
            VehicleMention.id,
            VehicleLink.vehicle_id,
            VehicleMention.vrm_normalised,
        )
        .join_from(VehicleMention, Incident, VehicleMention.incident_id == Incident.id)
        .join(Organisation, Incident.submitter_id == Organisation.id)
        .outerjoin(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
        .order_by(VehicleMention.id)
    )
    offenders = select(
        Offender.id,
        Offender.display_name,
        func.coalesce(Offender.group_id, UnidentifiedMember.group_id),  # unidentified members too
        Offender.incidents,
        Offender.forces,
        Offender.value_gbp,
        Offender.priority_score,
        Offender.priority_rank,
    ).outerjoin(UnidentifiedMember, UnidentifiedMember.offender_id == Offender.id).order_by(Offender.id)
    groups = select(
        OffenderGroup.id,
        OffenderGroup.members,
        OffenderGroup.incidents,
        OffenderGroup.forces,
        OffenderGroup.value_gbp,
        OffenderGroup.priority_score,
        OffenderGroup.priority_rank,
    ).order_by(OffenderGroup.id)
    incidents = (
        select(Organisation.code, Incident.incident_ref, IncidentSeries.series_id, Incident.police_force)
        .join_from(Incident, Organisation, Incident.submitter_id == Organisation.id)
        .outerjoin(IncidentSeries, IncidentSeries.incident_id == Incident.id)
        .order_by(Incident.id)
    )
    return {
        "person_links.csv": (
            (
                code,
                ref,
                person,
                f"M{mention}" if offender is None else offender,
                1.0 if probability is None else probability,
            )
            for code, ref, person, mention, offender, probability in _stream(conn, persons)
        ),
        "vehicle_links.csv": (
            (code, ref, vrm, f"M{mention}" if vehicle is None else vehicle, normalised)
            for code, ref, vrm, mention, vehicle, normalised in _stream(conn, vehicles)
        ),
        "offenders.csv": (
            (oid, name, group, n, forces, _money(value), _score(score), rank)
            for oid, name, group, n, forces, value, score, rank in _stream(conn, offenders)
        ),
        "groups.csv": (
            (gid, members, n, forces, _money(value), _score(score), rank)
            for gid, members, n, forces, value, score, rank in _stream(conn, groups)
        ),
        "incident_series.csv": _stream(conn, incidents),
    }


def _stream(conn: Connection, statement: Executable) -> Iterator[tuple[Any, ...]]:
    """Rows in batches (a server-side cursor on PostgreSQL), never the whole table at once."""
    result = conn.execution_options(yield_per=STREAM_BATCH).execute(statement)
    for row in result:
        yield tuple(row)


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _score(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _write_atomically(path: Path, header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
    """Write a CSV (UTF-8, RFC 4180 quoting, CRLF line ends) whole, or leave the old one.

    ``None`` becomes an empty field, which is what the spec means by "empty". The file is
    readable by its owner only (as ``mkstemp`` creates it): it is police intelligence, and
    sharing it wider is a decision for whoever runs the export.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    written = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = safe_writer(out)  # RFC 4180 (the csv default), formula-safe cells
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                written += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return written


@contextmanager
def _snapshot(store: StoreHandle) -> Iterator[Connection]:
    """One connection for all five files, so that on PostgreSQL they agree with each other
    even while an analysis or an import commits in the meantime."""
    with store.engine.connect() as conn:
        if store.backend == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def export_audited(
    *, store: StoreHandle, directory: Path, as_user: str | None = None, purpose: str = "analysis export"
) -> dict[str, int]:
    """``crimelink export``: the export, recorded in the audit log first (no entry, no export).

    The actor is the operating-system user, or ``as_user`` (a user of the national unit: the
    export holds every organisation's reports). ``purpose`` is required to be stated (the
    command's default says what it is)."""
    from crimelink.audit.operator import cli_actor
    from crimelink.audit.service import record
    from crimelink.errors import InvalidValue

    if not purpose.strip():
        raise InvalidValue("purpose", purpose, "say why the export is made: it is recorded in the audit")
    with store.session() as session:
        actor = cli_actor(session=session, as_user=as_user, national=True, what="the analysis export")
        record(session=session, actor=actor, action="export.analysis", purpose=purpose.strip(),
               details={"directory": str(directory.resolve())[:300], "files": [*EXPORT_COLUMNS, MANIFEST]})  # fmt: skip
    return export_analysis(store=store, directory=directory, produced_by=actor.username, purpose=purpose.strip())
