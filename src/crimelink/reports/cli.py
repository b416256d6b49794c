"""``crimelink report impact``, ``crimelink export`` and ``crimelink bulletin``: the partnership's
reports from the terminal.

Wired into ``crimelink.cli`` (``app.add_typer(report_app, name="report")``, and the two others as
commands of their own). Imports stay lazy so that ``--help`` is instant. Each reads the store
without changing its schema (``crimelink.audit.runs.open_for_reading``) and is audited as the
operating-system user or ``--as`` (``crimelink.audit.commands``).
"""

from __future__ import annotations

import io
import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crimelink.reports.impact import Figure

report_app = typer.Typer(help="The partnership's reports.", no_args_is_help=True)
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (default: $CRIMELINK_DATABASE_URL, else var/crimelink.sqlite)."),
]
AsOption = Annotated[
    str | None, typer.Option("--as", help="A national-unit user to record in the audit (default: the OS user).")
]


class ImpactFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def write_records_json(*, session: Session, figure: Figure, out: TextIO) -> int:
    """The records behind one figure as a JSON array of objects (the CSV's rows); returns how many."""
    if figure.records is None:
        json.dump({"note": figure.parts.get("note", "no records behind this figure"), "records": []}, out)
        out.write("\n")
        return 0
    result = session.execute(figure.records)
    names = list(result.keys())
    rows = [dict(zip(names, map(_plain, row), strict=True)) for row in result]
    json.dump(rows, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")
    return len(rows)


@report_app.command("impact")
def report_impact(
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD).")
    ] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, included.")] = None,
    force: Annotated[str | None, typer.Option("--force", help="A force area (data.police.uk id).")] = None,
    retailer: Annotated[str | None, typer.Option("--retailer", help="A retailer's code.")] = None,
    operation: Annotated[int | None, typer.Option("--operation", help="An operation's id.")] = None,
    output: Annotated[ImpactFormat, typer.Option("--format", help="table, csv or json.")] = ImpactFormat.table,
    records: Annotated[str | None, typer.Option("--records", help="Print the records behind one figure.")] = None,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """The partnership's impact figures for any period, force area, retailer or operation (audited).
    With --records, the records behind one figure (CSV, or JSON with --format json)."""
    from rich.console import Console

    from crimelink.audit.commands import audited_command
    from crimelink.audit.runs import open_for_reading
    from crimelink.reports.impact import ImpactScope, impact_report, impact_table, write_csv, write_records_csv

    scope = ImpactScope.of(
        start=start.date() if start else None,
        end=end.date() if end else None,
        force=force,
        retailer=retailer,
        operation=operation,
    )
    held = io.StringIO()
    store = open_for_reading(db)
    try:
        with (
            audited_command(store, action="report.impact", purpose="partnership impact reporting", changes=False,
                            arguments={"scope": scope.as_dict(), "records": records}, as_user=as_user,
                            national=True, what="the impact report") as done,
            store.session() as session,
        ):  # fmt: skip
            report = impact_report(session=session, scope=scope)
            if records:  # written out once the read is on record
                write = write_records_json if output is ImpactFormat.json else write_records_csv
                done["rows"] = write(session=session, figure=report.figure(records), out=held)
            else:
                done["figures"] = len(report.figures)
    finally:
        store.close()
    if records:
        sys.stdout.write(held.getvalue())
    elif output is ImpactFormat.csv:
        write_csv(report, sys.stdout)
    elif output is ImpactFormat.json:
        print(report.summary().model_dump_json(indent=2))
    else:
        Console().print(impact_table(report))


def export(
    directory: Annotated[Path, typer.Option("--dir", help="Folder to write the analysis export into.")],
    as_user: AsOption = None,
    purpose: Annotated[str, typer.Option(help="Why the export is made (recorded in the audit).")] = "analysis export",
    db: DbOption = None,
) -> None:
    """Write the analysis export (shared/spec/analysis-export.md) as CSV files, with its marking and
    handling conditions in handling.json; the export is recorded in the audit log first, and what it
    wrote after."""
    from crimelink.audit.commands import record_command
    from crimelink.audit.runs import open_for_reading
    from crimelink.reports.export import export_audited

    store = open_for_reading(db)
    try:
        counts = export_audited(store=store, directory=directory, as_user=as_user, purpose=purpose)
        record_command(store, action="export.written", purpose=purpose.strip(), as_user=as_user, national=True,
                       details={"directory": str(directory.resolve())[:300], "rows": counts})  # fmt: skip
    finally:
        store.close()
    for name, rows in counts.items():
        print(f"{name}: {rows:,} rows", file=sys.stderr)


def bulletin(
    org: Annotated[str, typer.Option("--org", help="The retailer's or force's code.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    since: Annotated[
        datetime | None, typer.Option("--since", formats=["%Y-%m-%d"], help="First day (default: 28 days to --until).")
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option("--until", formats=["%Y-%m-%d"], help="Last day, included (default: the newest incident's)."),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="html, text or pdf.")] = "html",
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """The periodic bulletin for one retailer or force: prolific offenders and active groups affecting
    them, sanitised as their handling codes require, images omitted. Recorded in the audit log."""
    from crimelink.audit.runs import open_for_reading
    from crimelink.casework.bulletin_files import write_bulletin

    store = open_for_reading(db)
    try:
        made = write_bulletin(
            store=store, organisation_code=org, out=out, since=since.date() if since else None,
            until=until.date() if until else None, fmt=output, as_user=as_user,
        )  # fmt: skip
    finally:
        store.close()
    print(
        f"{made.marking} bulletin for {made.organisation_name}, "
        f"{made.period_from:%d %b %Y} to {made.period_to:%d %b %Y}: {made.incidents:,} incidents, "
        f"{len(made.offenders)} prolific offenders, {len(made.groups)} active groups, "
        f"{made.withheld:,} withheld, {made.images_omitted:,} with images omitted; written to {out}",
        file=sys.stderr,
    )
