"""The ``crimelink`` command: every stage of the data's journey from the terminal.

Commands import their stage lazily so that ``crimelink --help`` stays instant.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from crimelink.access.cli import sharing_app
from crimelink.audit.cli import audit_app, retention_app
from crimelink.errors import CrimelinkError
from crimelink.settings import Settings
from crimelink.store import StoreHandle

app = typer.Typer(
    help="crimelink: intelligence platform for organised retail crime.", no_args_is_help=True, add_completion=False
)
org_app = typer.Typer(help="Organisations that submit and receive intelligence.", no_args_is_help=True)
db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
user_app = typer.Typer(help="People who log in.", no_args_is_help=True)
report_app = typer.Typer(help="The partnership's reports.", no_args_is_help=True)
casework_app = typer.Typer(help="Referrals, operations and outcomes.", no_args_is_help=True)
evaluate_app = typer.Typer(
    help="Score the platform's conclusions against a scenario's ground truth.", no_args_is_help=True
)
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(report_app, name="report")
app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
app.add_typer(sharing_app, name="sharing")
app.add_typer(casework_app, name="casework")
app.add_typer(org_app, name="org")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
console = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (default: $CRIMELINK_DATABASE_URL, else var/crimelink.sqlite)."),
]


def _store(db: str | None) -> StoreHandle:
    """The store, after marking the runs a killed process left running (``crimelink.audit.runs``)."""
    from crimelink.audit.runs import open_for_command

    return open_for_command(db)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create the store, or bring it to the latest schema."""
    store = _store(db)
    console.print(f"store ready ({store.backend})")


@org_app.command("add")
def org_add(
    code: Annotated[str, typer.Argument(help="The code submitters use, e.g. NORTHMART.")],
    kind: Annotated[str, typer.Option("--kind", help="retailer, police_force or national_unit.")],
    name: Annotated[str | None, typer.Option("--name", help="Name people use.")] = None,
    force: Annotated[str | None, typer.Option("--force", help="For a police force: its data.police.uk id.")] = None,
    db: DbOption = None,
) -> None:
    """Register an organisation (idempotent)."""
    from crimelink.access.organisations import add_organisation

    with _store(db).session() as session:
        organisation, created = add_organisation(session=session, code=code, kind=kind, name=name, force=force)
        console.print(f"{'registered' if created else 'already registered'}: {organisation.code} ({organisation.kind})")


@org_app.command("import")
def org_import(
    path: Annotated[
        Path, typer.Argument(help="CSV with columns code,kind,name (e.g. a scenario's organisations.csv).")
    ],
    db: DbOption = None,
) -> None:
    """Register every organisation listed in a CSV file (idempotent)."""
    import csv

    from crimelink.access.organisations import add_organisation

    created = 0
    with _store(db).session() as session, path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            _, new = add_organisation(
                session=session,
                code=row["code"],
                kind=row["kind"],
                name=row.get("name") or None,
                force=row.get("police_force") or None,
            )
            created += new
    console.print(f"{created} organisations registered")


@user_app.command("demo")
def user_demo(db: DbOption = None) -> None:
    """Create the demo logins (one per role and organisation kind) and print them. Demo mode only."""
    from crimelink.access.demo import format_logins, seed_demo_users

    settings = Settings.from_env(database_url=db)
    if not settings.demo:
        console.print("[red]error:[/] demo logins exist only in demo mode (CRIMELINK_DEMO=1)")
        raise typer.Exit(2)
    with _store(db).session() as session:
        logins = seed_demo_users(session=session)
    print(format_logins(logins))


@app.command("generate")
def generate(
    incidents: Annotated[int, typer.Option("--incidents", min=1, help="How many incidents.")],
    out: Annotated[Path, typer.Option("--out", help="JSON Lines file to write.")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same scenario.")] = 1,
    truth: Annotated[Path | None, typer.Option("--truth", help="Ground-truth folder (default: OUT.truth).")] = None,
    world: Annotated[str | None, typer.Option(
        "--world", help="A named world of the evaluation grid (masked, crowded, open, big-groups).")] = None,
    described: Annotated[float | None, typer.Option(
        "--described-share", help="Share of suspects seen only as a description (0-0.99).")] = None,
    common_names: Annotated[float | None, typer.Option(
        "--common-names", help="How many times more people share each very common name (1: default).")] = None,
    cloned: Annotated[float | None, typer.Option(
        "--cloned-plates", help="Share of groups' vehicles on a cloned plate (0-1).")] = None,
    turnover: Annotated[float | None, typer.Option(
        "--turnover", help="Share of group members replaced part-way through (0-1).")] = None,
    travel: Annotated[float | None, typer.Option("--travel", help="How far offenders roam (1: default).")] = None,
    noise: Annotated[float | None, typer.Option("--noise", help="Typo and misread rates (1: default).")] = None,
) -> None:
    """Generate a realistic national scenario in the exchange format, with its ground truth."""
    from dataclasses import replace

    from crimelink.scenario import GRID, ScenarioSettings, generate_scenario

    if world is not None and world not in GRID:
        console.print(f"[red]error:[/] --world: one of {', '.join(GRID)}, not {world!r}")
        raise typer.Exit(2)
    chosen: dict[str, Any] = {"described_share": described, "common_names": common_names, "cloned_plates": cloned,
              "turnover": turnover, "travel": travel, "noise": noise}
    try:
        settings = replace(GRID[world] if world else ScenarioSettings(),
                           **{k: v for k, v in chosen.items() if v is not None})
    except CrimelinkError as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from error

    with Progress(
        TextColumn("generating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("generate", total=incidents)
        summary = generate_scenario(
            incidents=incidents,
            seed=seed,
            out=out,
            truth_dir=truth,
            progress=lambda n: bar.update(task, completed=n),
            settings=settings,
        )
    console.print(
        f"{summary.incidents:,} incidents, {summary.persons:,} people, {summary.groups:,} groups, "
        f"{summary.vehicles:,} vehicles, {summary.stores:,} stores in {summary.seconds:.1f}s → {out}"
    )


@app.command("import")
def import_(
    files: Annotated[
        list[Path], typer.Argument(help="JSON Lines (.jsonl) or CSV (.csv) files.", exists=True, dir_okay=False)
    ],
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Where rejected records go (default: FIRST.rejects.jsonl in the current folder)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import incident reports. Exit status 1 if any record was rejected (all valid ones are stored)."""
    from crimelink.intake import import_files

    store = _store(db)
    rejects_path = rejects or Path(files[0].name + ".rejects.jsonl")
    total = sum(f.stat().st_size for f in files)
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=total)
        summary = import_files(
            store=store, paths=files, rejects_path=rejects_path, progress=lambda n: bar.advance(task, n)
        )
    rate = summary.records / summary.seconds if summary.seconds else 0.0
    console.print(
        f"{summary.records:,} records in {summary.seconds:.1f}s ({rate:,.0f}/s): {summary.created:,} new, "
        f"{summary.replaced:,} replaced, {summary.unchanged:,} unchanged, {summary.rejected:,} rejected"
    )
    for item in summary.rejections[:20]:
        console.print(f"  [red]rejected[/] {item.describe()}", highlight=False, soft_wrap=True)
    if summary.rejected:
        more = f" ({summary.rejected - 20:,} more)" if summary.rejected > 20 else ""
        console.print(f"every rejected record{more} is in {rejects_path}")
        raise typer.Exit(1)


@app.command("analyse")
def analyse(db: DbOption = None) -> None:
    """Resolve persons and vehicles, detect groups and series, prioritise; store the results."""
    from crimelink.pipeline import run_analysis

    store = _store(db)
    with Progress(TextColumn("{task.description}"), BarColumn(), console=console, transient=True) as bar:
        task = bar.add_task("analysing", total=None)
        result = run_analysis(store=store, progress=lambda stage: bar.update(task, description=stage))
    _after_analysis(store, result.run_id)
    from crimelink.pipeline import PEAK_MB, SECONDS

    table = Table("figure", "value", title=f"analysis run {result.run_id}")
    for key, value in result.figures.items():
        if not key.startswith((SECONDS, PEAK_MB)):
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    stages = [(k.removeprefix(SECONDS), v) for k, v in result.figures.items() if k.startswith(SECONDS)]
    peak = max((v for k, v in result.figures.items() if k.startswith(PEAK_MB)), default=0)
    console.print("stages: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stages)
                  + f"; peak memory {peak:,} MB")


def _after_analysis(store: StoreHandle, run_id: int) -> None:
    """What depends on fresh conclusions: the referral queue's priorities, and alerts."""
    from crimelink.casework.alerts import alerts_after_run
    from crimelink.casework.service import rescore_open_referrals

    with store.session() as session:
        rescored = rescore_open_referrals(session=session)
    alerts = alerts_after_run(store=store, run_id=run_id)
    console.print(f"{rescored:,} open referrals rescored, {alerts:,} alerts raised")


@app.command("export")
def export(
    directory: Annotated[Path, typer.Option("--dir", help="Folder to write the analysis export into.")],
    as_user: Annotated[
        str | None, typer.Option("--as", help="A national-unit user to record in the audit (default: the OS user).")
    ] = None,
    purpose: Annotated[str, typer.Option(help="Why the export is made (recorded in the audit).")] = "analysis export",
    db: DbOption = None,
) -> None:
    """Write the analysis export (shared/spec/analysis-export.md) as CSV files, with its marking and
    handling conditions in handling.json; the export is recorded in the audit log first."""
    from crimelink.reports.export import export_audited

    counts = export_audited(store=_store(db), directory=directory, as_user=as_user, purpose=purpose)
    for name, rows in counts.items():
        console.print(f"{name}: {rows:,} rows")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the web app and the API (OpenAPI at /docs)."""
    import uvicorn

    from crimelink.web import create_app

    settings = Settings.from_env(database_url=db)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@report_app.command("impact")
def report_impact(
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD).")
    ] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, included.")] = None,
    force: Annotated[str | None, typer.Option("--force", help="A force area (data.police.uk id).")] = None,
    retailer: Annotated[str | None, typer.Option("--retailer", help="A retailer's code.")] = None,
    operation: Annotated[int | None, typer.Option("--operation", help="An operation's id.")] = None,
    output: Annotated[str, typer.Option("--format", help="csv or table.")] = "table",
    records: Annotated[str | None, typer.Option("--records", help="Print the records behind one figure.")] = None,
    db: DbOption = None,
) -> None:
    """The partnership's impact figures for any period, force area, retailer or operation."""
    from crimelink.reports.impact import ImpactScope, impact_report, impact_table, write_csv, write_records_csv

    scope = ImpactScope.of(
        start=start.date() if start else None,
        end=end.date() if end else None,
        force=force,
        retailer=retailer,
        operation=operation,
    )
    with _store(db).session() as session:
        report = impact_report(session=session, scope=scope)
        if records:
            write_records_csv(session=session, figure=report.figure(records), out=sys.stdout)
        elif output == "csv":
            write_csv(report, sys.stdout)
        else:
            Console().print(impact_table(report))


@app.command("bulletin")
def bulletin_command(
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
    as_user: Annotated[
        str | None, typer.Option("--as", help="A national-unit user to record in the audit (default: the OS user).")
    ] = None,
    db: DbOption = None,
) -> None:
    """The periodic bulletin for one retailer or force: prolific offenders and active groups affecting
    them, sanitised as their handling codes require, images omitted. Recorded in the audit log."""
    from crimelink.casework.bulletin_files import write_bulletin

    made = write_bulletin(
        store=_store(db), organisation_code=org, out=out, since=since.date() if since else None,
        until=until.date() if until else None, fmt=output, as_user=as_user,
    )  # fmt: skip
    console.print(
        f"{made.marking} bulletin for {made.organisation_name}, "
        f"{made.period_from:%d %b %Y} to {made.period_to:%d %b %Y}: {made.incidents:,} incidents, "
        f"{len(made.offenders)} prolific offenders, {len(made.groups)} active groups, "
        f"{made.withheld:,} withheld, {made.images_omitted:,} with images omitted; written to {out}"
    )


@casework_app.command("seed")
def casework_seed(
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same year.")] = 1,
    db: DbOption = None,
) -> None:
    """Create a year of the partnership's work (referrals, operations, outcomes) for the demo."""
    from crimelink.casework.generate import AlreadySeeded, seed_partnership_year

    try:
        created = seed_partnership_year(store=_store(db), seed=seed)
    except AlreadySeeded as already:
        console.print(f"nothing to do: {already.message}")
        return
    console.print(", ".join(f"{count:,} {name}" for name, count in created.items()))


@evaluate_app.command("patterns")
def evaluate_patterns_command(
    truth: Annotated[Path, typer.Option("--truth", help="The scenario's ground-truth folder (OUT.truth).")],
    db: DbOption = None,
) -> None:
    """Groups (ARI, NMI, recovered), series (pairwise P/R/F1), prolific offenders' priority ranks."""
    from crimelink.evaluate.patterns import evaluate_patterns, summary_lines

    report = evaluate_patterns(store=_store(db), truth=truth)
    for line in summary_lines(report):
        print(line)


@evaluate_app.command("linkage")
def evaluate_linkage_command(
    truth: Annotated[Path, typer.Option("--truth", help="The scenario's ground-truth folder (OUT.truth).")],
    db: DbOption = None,
) -> None:
    """Persons (named and all mentions) and vehicles: pairwise and B-cubed precision, recall, F1."""
    from crimelink.evaluate.linkage import evaluate_linkage
    from crimelink.evaluate.linkage_report import linkage_lines

    scores = evaluate_linkage(store=_store(db), truth_dir=truth)
    for line in linkage_lines(scores):
        print(line)


@app.command("import-police-uk")
def import_police_uk_command(
    files: Annotated[list[Path], typer.Argument(help="data.police.uk street-level crime CSVs.", exists=True)],
    db: DbOption = None,
) -> None:
    """Import police-recorded crime (data.police.uk street-level CSVs) as context beside retailers' reports."""
    from crimelink.intake.police_uk import import_police_uk

    summary = import_police_uk(store=_store(db), paths=files)
    for key, value in summary.as_dict().items():
        console.print(f"{key}: {value}")


def main() -> None:
    try:
        app()
    except CrimelinkError as error:
        console.print(f"[red]error:[/] {error.message}")
        sys.exit(2)


if __name__ == "__main__":
    main()
