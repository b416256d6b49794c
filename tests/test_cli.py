"""The ``crimelink`` command as an operator uses it: audited, conventional, quick to start.

Every command that reads or changes the store leaves audit entries naming the operator and
what was done; read-only commands never migrate a store; ``--version``, ``python -m crimelink``
and ``--format json`` work as elsewhere; ``--help`` loads none of the heavy packages; a
rejected record's long values are cut in the terminal, kept whole in the rejects file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from crimelink.audit.models import AuditEvent
from crimelink.audit.operator import os_user
from crimelink.audit.service import verify
from crimelink.cli import app as cli
from crimelink.errors import Forbidden, StoreError
from crimelink.reports.impact import FIGURES
from crimelink.store import StoreHandle, open_store, schema_head
from web_server import INCIDENTS, fill_store, incident

OPERATOR = f"system:cli:{os_user()}"
PYTHON_M = [sys.executable, "-m", "crimelink"]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def entries(store: StoreHandle, start: str) -> list[tuple[str, str, dict[str, Any]]]:
    with store.session() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.username, AuditEvent.details)
            .where(AuditEvent.action.like(start + "%"))
            .order_by(AuditEvent.seq)
        ).all()
    return [(a, u, dict(d)) for a, u, d in rows]


# --- finding 9: every command that reads or changes data is audited ------------------------------


def test_imports_analyses_and_reports_from_the_command_line_are_audited(sqlite_store: StoreHandle,
                                                                         tmp_path: Path) -> None:  # fmt: skip
    store, db = sqlite_store, sqlite_store.url
    fill_store(store, tmp_path)  # organisations, users, the five incidents
    orgs = tmp_path / "organisations.csv"
    orgs.write_text("code,kind,name\nEASTWAY,retailer,Eastway\nNORTHMART,retailer,Northmart\n")
    assert invoke("org", "import", str(orgs), "--db", db).exit_code == 0
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps(incident("EASTWAY", "EW-1", "2025-03-01T10:00:00Z")) + "\n"
                    + "".join(json.dumps(doc) + "\n" for doc in INCIDENTS))  # fmt: skip
    imported = invoke("import", str(more), "--db", db, "--rejects", str(tmp_path / "rejects.jsonl"))
    assert imported.exit_code == 0, imported.output
    refused = invoke("import", str(more), "--as", "northmart", "--db", db)
    assert isinstance(refused.exception, Forbidden), "a retailer's reporter may not import for everyone"
    analysed = invoke("analyse", "--as", "analyst", "--db", db)
    assert analysed.exit_code == 0, analysed.output
    assert invoke("report", "impact", "--format", "json", "--db", db).exit_code == 0
    assert invoke("export", "--dir", str(tmp_path / "export"), "--db", db).exit_code == 0

    assert entries(store, "organisation.import") == [
        ("organisation.import.requested", OPERATOR, {"file": str(orgs), "via": "cli"}),
        ("organisation.import", OPERATOR, {"file": str(orgs), "listed": 2, "created": 1, "via": "cli"}),
    ]
    imports = entries(store, "incident.import")
    assert [(a, u) for a, u, _ in imports] == [("incident.import.requested", OPERATOR), ("incident.import", OPERATOR)]
    done = imports[1][2]
    assert (done["records"], done["created"], done["unchanged"], done["rejected"]) == (6, 1, 5, 0)
    assert done["files"] == [str(more)] and done["import_run_id"] is not None
    runs = entries(store, "analysis.run")
    assert [(a, u) for a, u, _ in runs] == [("analysis.run.requested", "analyst"), ("analysis.run", "analyst")]
    assert runs[1][2]["run_id"] > 0 and runs[1][2]["incidents"] == 6
    [(_, who, read)] = entries(store, "report.impact")
    assert who == OPERATOR and read["figures"] == len(FIGURES)
    [(_, who, written)] = entries(store, "export.written")
    assert who == OPERATOR and written["rows"]["person_links.csv"] > 0
    with store.session() as session:
        assert verify(session=session).ok


def test_a_command_that_fails_leaves_its_request_and_its_failure_on_record(sqlite_store: StoreHandle,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    seeded = invoke("casework", "seed", "--db", sqlite_store.url)  # nothing analysed: nothing to seed from
    assert seeded.exit_code != 0
    actions = [(a, u) for a, u, _ in entries(sqlite_store, "casework.seed")]
    assert actions == [("casework.seed.requested", OPERATOR), ("casework.seed.failed", OPERATOR)]
    [*_, (_, _, failed)] = entries(sqlite_store, "casework.seed")
    assert failed["seed"] == 1 and failed["error"]


# --- read-only commands do not migrate -------------------------------------------------------------


def _store_one_revision_behind(path: Path) -> str:
    """A SQLite store built by the migrations up to the one before the newest; its URL."""
    url = f"sqlite:///{path}"
    config = Config()
    config.set_main_option("script_location", str(resources.files("crimelink.store") / "migrations"))
    config.attributes["engine"] = engine = create_engine(url)
    behind = ScriptDirectory.from_config(config).get_revision(schema_head()).down_revision
    assert isinstance(behind, str)
    command.upgrade(config, behind)
    engine.dispose()
    return url


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()


READ_ONLY = [
    ["report", "impact"], ["report", "impact", "--format", "json"], ["export", "--dir", "{tmp}/out"],
    ["bulletin", "--org", "NORTHMART", "--out", "{tmp}/b.html"], ["evaluate", "patterns", "--truth", "{tmp}"],
    ["evaluate", "linkage", "--truth", "{tmp}"], ["audit", "search"], ["retention", "queue"],
    ["retention", "export", "1"], ["sharing", "list"],
]  # fmt: skip


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_read_only_commands_refuse_a_store_behind_the_schema_and_leave_it_as_it_was(
    tmp_path: Path, args: list[str]
) -> None:
    url = _store_one_revision_behind(tmp_path / "old.sqlite")
    before = _revision(url)
    result = invoke(*(a.replace("{tmp}", str(tmp_path)) for a in args), "--db", url)
    assert isinstance(result.exception, StoreError), result.output
    assert "crimelink db upgrade" in result.exception.message
    assert _revision(url) == before != schema_head()
    assert not (tmp_path / "out").exists() and not (tmp_path / "b.html").exists()


def test_a_read_only_command_names_the_missing_store_and_creates_none(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "crimelink.sqlite"
    result = subprocess.run([*PYTHON_M, "report", "impact", "--db", f"sqlite:///{missing}"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2 and f"no store at {missing}" in result.stderr
    assert "crimelink db upgrade" in result.stderr and not missing.exists()


def test_commands_that_write_bring_the_store_to_the_schema(tmp_path: Path) -> None:
    url = _store_one_revision_behind(tmp_path / "old.sqlite")
    assert invoke("db", "upgrade", "--db", url).exit_code == 0
    assert _revision(url) == schema_head()
    assert invoke("report", "impact", "--db", url).exit_code == 0
    store = open_store(url)
    try:
        assert [(a, u) for a, u, _ in entries(store, "store.")] == [("store.upgrade", OPERATOR)]
    finally:
        store.close()


# --- conventions ----------------------------------------------------------------------------------


def test_version_and_python_m() -> None:
    from importlib.metadata import version

    assert invoke("--version").stdout.strip() == f"crimelink {version('crimelink')}"
    by_module = subprocess.run([*PYTHON_M, "--version"], capture_output=True, text=True, timeout=60)
    assert by_module.returncode == 0 and by_module.stdout.strip() == f"crimelink {version('crimelink')}"


def test_help_loads_no_store_alembic_or_analysis_packages() -> None:
    """What made ``crimelink --help`` take 0.6-1.6 s: the store (SQLAlchemy, Alembic) and pandas
    imported before any command ran."""
    probe = ("import sys\nfrom typer.testing import CliRunner\nfrom crimelink.cli import app\n"
             "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'sqlalchemy', 'pandas', 'fastapi',"
             " 'pydantic', 'duckdb', 'splink', 'weasyprint'}))")  # fmt: skip
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert loaded.stdout.strip() == "[]"


def test_report_impact_honours_its_format(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    fill_store(sqlite_store, tmp_path)
    db = sqlite_store.url
    as_json = invoke("report", "impact", "--format", "json", "--from", "2025-01-01", "--to", "2025-12-31", "--db", db)
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert [f["key"] for f in report["figures"]] == list(FIGURES) and report["scope"]["from"] == "2025-01-01"
    records = invoke("report", "impact", "--records", next(iter(FIGURES)), "--format", "json", "--db", db)
    assert records.exit_code == 0 and isinstance(json.loads(records.stdout), list | dict)
    as_csv = invoke("report", "impact", "--format", "csv", "--db", db)
    assert as_csv.stdout.splitlines()[0].startswith("figure,label,value,unit")
    unknown = invoke("report", "impact", "--format", "xml", "--db", db)
    assert unknown.exit_code == 2 and "xml" in unknown.output


# --- intake: a long value is cut in the terminal, kept whole in the rejects file ------------------------


def test_a_long_value_is_cut_in_the_rejection_line_and_kept_in_the_rejects_file(sqlite_store: StoreHandle,
                                                                                tmp_path: Path) -> None:  # fmt: skip
    fill_store(sqlite_store, tmp_path)
    ref = "X" * 5000
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(incident("NORTHMART", ref, "2025-03-01T10:00:00Z", offence="x" * 3000)) + "\n")
    rejects = tmp_path / "bad.rejects.jsonl"
    result = invoke("import", str(bad), "--rejects", str(rejects), "--db", sqlite_store.url)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "rejected" in line and "bad.jsonl:1" in line)
    assert len(line) < 800 and "(5,000 characters)" in line
    kept = json.loads(rejects.read_text().splitlines()[0])
    assert kept["incident_ref"] == ref
