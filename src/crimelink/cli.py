"""The ``crimelink`` command: every stage of the data's journey from the terminal.

Commands import their stage lazily so that ``crimelink --help`` stays instant (no store, no
Alembic, no pandas until a command needs them). Every command that reads or changes the store
is audited as the operating-system user or ``--as`` (``crimelink.audit.commands``); the ones
that only read never migrate the store (``crimelink.audit.runs.open_for_reading``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from crimelink.access.cli import register_user_commands, sharing_app
from crimelink.audit.cli import audit_app, retention_app
from crimelink.errors import CrimelinkError
from crimelink.reports.cli import bulletin, export, report_app
from crimelink.settings import Settings

if TYPE_CHECKING:
    from crimelink.store import StoreHandle

app = typer.Typer(
    help="crimelink: intelligence platform for organised retail crime.", no_args_is_help=True, add_completion=False
)
org_app = typer.Typer(help="Organisations that submit and receive intelligence.", no_args_is_help=True)
db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
user_app = typer.Typer(help="People who log in: invite, list, disable, reset passwords, set roles.",
                       no_args_is_help=True)
register_user_commands(user_app)
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
AsOption = Annotated[
    str | None, typer.Option("--as", help="A registered user to record in the audit (default: the OS user).")
]


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"crimelink {version('crimelink')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            print("crimelink (not installed)")
        raise typer.Exit()


@app.callback()
def crimelink(
    _version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """crimelink: intelligence platform for organised retail crime."""


def _store(db: str | None) -> StoreHandle:
    """The store, migrated, after marking the runs a killed process left running (``crimelink.audit.runs``)."""
    from crimelink.audit.runs import open_for_command

    return open_for_command(db)


def _reading(db: str | None) -> StoreHandle:
    """The store for a command that only reads: never migrated (``crimelink.audit.runs``)."""
    from crimelink.audit.runs import open_for_reading

    return open_for_reading(db)


def _national(*roles: str) -> dict[str, Any]:
    """Who, named with ``--as``, may run a command: the national unit's users holding ``roles``."""
    from crimelink.domain.organisations import Role

    allowed: tuple[Role, ...] = tuple(Role(r) for r in roles)
    return {"roles": allowed, "national": True}


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create the store, or bring it to the latest schema."""
    from crimelink.audit.commands import record_command
    from crimelink.store.database import current_revision

    store = _store(db)
    record_command(store, action="store.upgrade", purpose="system administration",
                   details={"revision": current_revision(store.engine)})  # fmt: skip
    console.print(f"store ready ({store.backend})")


@org_app.command("add")
def org_add(
    code: Annotated[str, typer.Argument(help="The code submitters use, e.g. NORTHMART.")],
    kind: Annotated[str, typer.Option("--kind", help="retailer, police_force or national_unit.")],
    name: Annotated[str | None, typer.Option("--name", help="Name people use.")] = None,
    force: Annotated[str | None, typer.Option("--force", help="For a police force: its data.police.uk id.")] = None,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Register an organisation (idempotent; audited)."""
    from crimelink.access.organisations import add_organisation
    from crimelink.audit.commands import audited_command

    store = _store(db)
    with audited_command(store, action="organisation.add", purpose="system administration", as_user=as_user,
                         arguments={"code": code, "kind": kind}, what="registering organisations",
                         **_national("administrator")) as done, store.session() as session:  # fmt: skip
        organisation, created = add_organisation(session=session, code=code, kind=kind, name=name, force=force)
        done["created"] = int(created)
    console.print(f"{'registered' if created else 'already registered'}: {organisation.code} ({organisation.kind})")


@org_app.command("import")
def org_import(
    path: Annotated[
        Path, typer.Argument(help="CSV with columns code,kind,name (e.g. a scenario's organisations.csv).")
    ],
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Register every organisation listed in a CSV file (idempotent; audited)."""
    import csv

    from crimelink.access.organisations import add_organisation
    from crimelink.audit.commands import audited_command

    store = _store(db)
    created = listed = 0
    with audited_command(store, action="organisation.import", purpose="system administration", as_user=as_user,
                         arguments={"file": str(path)}, what="registering organisations",
                         **_national("administrator")) as done, store.session() as session:  # fmt: skip
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                _, new = add_organisation(
                    session=session,
                    code=row["code"],
                    kind=row["kind"],
                    name=row.get("name") or None,
                    force=row.get("police_force") or None,
                )
                created += new
                listed += 1
        done.update(listed=listed, created=created)
    console.print(f"{created} organisations registered")


@user_app.command("demo")
def user_demo(db: DbOption = None) -> None:
    """Create the demo logins (one per role and organisation kind) and print them. Demo mode only."""
    from crimelink.access.demo import format_logins, seed_demo_users

    settings = Settings.from_env(database_url=db)
    if not settings.demo:
        console.print("[red]error:[/] demo logins exist only in demo mode (CRIMELINK_DEMO=1)")
        raise typer.Exit(2)
    from crimelink.audit.commands import audited_command

    store = _store(db)
    with audited_command(store, action="user.demo_logins", purpose="demonstration") as done, store.session() as session:
        logins = seed_demo_users(session=session)
        done["logins"] = len(logins)
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
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Import incident reports (audited). Exit status 1 if any record was rejected (all valid ones are stored)."""
    from crimelink.audit.commands import audited_command
    from crimelink.intake import import_files

    store = _store(db)
    rejects_path = rejects or Path(files[0].name + ".rejects.jsonl")
    total = sum(f.stat().st_size for f in files)
    audited = audited_command(
        store, action="incident.import", purpose="intake of incident reports", as_user=as_user,
        arguments={"files": [str(f) for f in files][:20], "bytes": total}, what="importing incident reports",
        **_national("national_analyst", "administrator"),
    )  # fmt: skip
    with audited as done, Progress(
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
        done.update({k: v for k, v in summary.as_dict().items() if k != "rejections"})
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
def analyse(as_user: AsOption = None, db: DbOption = None) -> None:
    """Resolve persons and vehicles, detect groups and series, prioritise; store the results (audited)."""
    from crimelink.audit.commands import audited_command
    from crimelink.pipeline import PEAK_MB, SECONDS, run_analysis

    store = _store(db)
    audited = audited_command(store, action="analysis.run", purpose="intelligence analysis", as_user=as_user,
                              what="running the analysis", **_national("national_analyst", "administrator"))
    with audited as done:
        with Progress(TextColumn("{task.description}"), BarColumn(), console=console, transient=True) as bar:
            task = bar.add_task("analysing", total=None)
            result = run_analysis(store=store, progress=lambda stage: bar.update(task, description=stage))
        done["run_id"] = result.run_id
        done.update({k: v for k, v in result.figures.items() if not k.startswith((SECONDS, PEAK_MB))})
        done.update(_after_analysis(store, result.run_id))

    table = Table("figure", "value", title=f"analysis run {result.run_id}")
    for key, value in result.figures.items():
        if not key.startswith((SECONDS, PEAK_MB)):
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    stages = [(k.removeprefix(SECONDS), v) for k, v in result.figures.items() if k.startswith(SECONDS)]
    peak = max((v for k, v in result.figures.items() if k.startswith(PEAK_MB)), default=0)
    console.print("stages: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stages)
                  + f"; peak memory {peak:,} MB")


def _after_analysis(store: StoreHandle, run_id: int) -> dict[str, int]:
    """What depends on fresh conclusions: the referral queue's priorities, and alerts."""
    from crimelink.casework.alerts import alerts_after_run
    from crimelink.casework.service import rescore_open_referrals

    with store.session() as session:
        rescored = rescore_open_referrals(session=session)
    alerts = alerts_after_run(store=store, run_id=run_id)
    console.print(f"{rescored:,} open referrals rescored, {alerts:,} alerts raised")
    return {"referrals_rescored": rescored, "alerts_raised": alerts}


app.command("export")(export)
app.command("bulletin")(bulletin)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the web app and the API (OpenAPI at /docs)."""
    import uvicorn

    from crimelink.web import create_app
    from crimelink.web.security import proxy_options

    settings = Settings.from_env(database_url=db)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", **proxy_options(settings))


@casework_app.command("seed")
def casework_seed(
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same year.")] = 1,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Create a year of the partnership's work (referrals, operations, outcomes) for the demo (audited)."""
    from crimelink.audit.commands import audited_command
    from crimelink.casework.generate import AlreadySeeded, seed_partnership_year

    store = _store(db)
    try:
        with audited_command(store, action="casework.seed", purpose="demonstration", as_user=as_user,
                             arguments={"seed": seed}, what="seeding casework",
                             **_national("administrator")) as done:  # fmt: skip
            created = seed_partnership_year(store=store, seed=seed)
            done.update(created)
    except AlreadySeeded as already:
        console.print(f"nothing to do: {already.message}")
        return
    console.print(", ".join(f"{count:,} {name}" for name, count in created.items()))


@evaluate_app.command("patterns")
def evaluate_patterns_command(
    truth: Annotated[Path, typer.Option("--truth", help="The scenario's ground-truth folder (OUT.truth).")],
    db: DbOption = None,
) -> None:
    """Groups (ARI, NMI, recovered), series (pairwise P/R/F1), prolific offenders' priority ranks (audited)."""
    from crimelink.audit.commands import audited_command
    from crimelink.evaluate.patterns import evaluate_patterns, summary_lines

    store = _reading(db)
    with audited_command(store, action="evaluation.patterns", purpose="evaluation against ground truth",
                         changes=False, arguments={"truth": str(truth)}):  # fmt: skip
        report = evaluate_patterns(store=store, truth=truth)
    for line in summary_lines(report):
        print(line)


@evaluate_app.command("linkage")
def evaluate_linkage_command(
    truth: Annotated[Path, typer.Option("--truth", help="The scenario's ground-truth folder (OUT.truth).")],
    db: DbOption = None,
) -> None:
    """Persons (named and all mentions) and vehicles: pairwise and B-cubed precision, recall, F1 (audited)."""
    from crimelink.audit.commands import audited_command
    from crimelink.evaluate.linkage import evaluate_linkage
    from crimelink.evaluate.linkage_report import linkage_lines

    store = _reading(db)
    with audited_command(store, action="evaluation.linkage", purpose="evaluation against ground truth",
                         changes=False, arguments={"truth": str(truth)}):  # fmt: skip
        scores = evaluate_linkage(store=store, truth_dir=truth)
    for line in linkage_lines(scores):
        print(line)


@app.command("import-police-uk")
def import_police_uk_command(
    files: Annotated[list[Path], typer.Argument(help="data.police.uk street-level crime CSVs.", exists=True)],
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Import police-recorded crime (data.police.uk street-level CSVs) as context beside retailers' reports
    (audited)."""
    from crimelink.audit.commands import audited_command
    from crimelink.intake.police_uk import import_police_uk

    store = _store(db)
    with audited_command(store, action="police_context.import", purpose="intake of police-recorded crime",
                         as_user=as_user, arguments={"files": [str(f) for f in files][:20]},
                         what="importing police-recorded crime",
                         **_national("national_analyst", "administrator")) as done:  # fmt: skip
        summary = import_police_uk(store=store, paths=files)
        done.update({k: v for k, v in summary.as_dict().items() if isinstance(v, int)})
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
