"""The whole journey from the terminal, as a newcomer runs it: generate, register, import,
analyse, export — and the export has exactly the rows and columns of the spec."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PostgresServer, _postgres_store

CRIMELINK = [sys.executable, "-m", "crimelink.cli"]


def _run(*args: str, expect: int = 0) -> str:
    result = subprocess.run([*CRIMELINK, *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == expect, result.stdout + result.stderr
    return result.stdout + result.stderr


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _journey(db: str, tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.jsonl"
    truth = tmp_path / "scenario.jsonl.truth"
    _run("generate", "--incidents", "1500", "--seed", "3", "--out", str(scenario))
    _run("org", "import", str(truth / "organisations.csv"), "--db", db)
    imported = _run("import", str(scenario), "--db", db)
    assert "1,500 new" in imported and "0 rejected" in imported
    _run("analyse", "--db", db)
    out = tmp_path / "export"
    _run("export", "--dir", str(out), "--db", db)

    mentions = _rows(truth / "person_mentions.csv")
    incidents = _rows(truth / "incidents.csv")
    links = _rows(out / "person_links.csv")
    series = _rows(out / "incident_series.csv")
    assert len(links) == len(mentions)
    assert {(r["submitter"], r["incident_ref"], r["person_ref"]) for r in links} == {
        (r["submitter"], r["incident_ref"], r["person_ref"]) for r in mentions
    }
    assert all(r["offender_id"] for r in links)
    assert len(series) == len(incidents)
    true_force = {(r["submitter"], r["incident_ref"]): r["police_force"] for r in incidents}
    derived = [r for r in series if r["police_force"]]
    agree = sum(true_force[(r["submitter"], r["incident_ref"])] == r["police_force"] for r in derived)
    assert len(derived) > 0.9 * len(series)
    assert agree > 0.97 * len(derived)
    assert list(links[0]) == ["submitter", "incident_ref", "person_ref", "offender_id", "match_probability"]
    assert list(series[0]) == ["submitter", "incident_ref", "series_id", "police_force"]

    again = _run("import", str(scenario), "--db", db)
    assert "0 new, 0 replaced, 1,500 unchanged" in again


def test_the_whole_journey_on_sqlite(tmp_path: Path) -> None:
    _journey(f"sqlite:///{tmp_path / 'crimelink.sqlite'}", tmp_path)


@pytest.mark.postgres
def test_the_whole_journey_on_postgresql(tmp_path: Path, postgres_server: PostgresServer) -> None:
    store = _postgres_store(postgres_server)
    store.close()
    _journey(store.url, tmp_path)


def test_a_rejected_record_makes_the_exit_status_say_so(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'crimelink.sqlite'}"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"schema": "crimelink.incident/1"}\n')
    output = _run("import", str(bad), "--db", db, "--rejects", str(tmp_path / "rejects.jsonl"), expect=1)
    assert "bad.jsonl:1" in output and "required field is missing" in output
    assert (tmp_path / "rejects.jsonl").exists()


def test_every_command_explains_itself() -> None:
    for command in ("generate", "import", "analyse", "export", "serve", "org", "db"):
        assert "Usage" in _run(command, "--help")
