"""The analysis export: exactly the files and columns of shared/spec/analysis-export.md, one
row per mention and per incident, each file written whole or not at all."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

import crimelink.reports.export
from crimelink.domain.spreadsheet import neutralise
from crimelink.pipeline import run_analysis
from crimelink.reports.export import EXPORT_COLUMNS, export_analysis
from crimelink.store import StoreHandle
from tests.test_analysis import incident, load, person

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "analysis-export.md"


def spec_columns() -> dict[str, list[str]]:
    """The columns of each file, read from the spec's markdown tables."""
    columns: dict[str, list[str]] = {}
    current: str | None = None
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^##\s+(\S+\.csv)\s*$", line)
        if heading:
            current = heading.group(1)
            columns[current] = []
        elif current and line.startswith("|"):
            first = line.strip("|").split("|")[0].strip()
            if first in ("column", "") or set(first) <= {"-", ":"}:
                continue
            columns[current] += [c.strip().strip("`") for c in first.split(",")]
    return columns


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def scenario() -> list[dict[str, Any]]:
    trio = [person(f"P{i}", f"Crew Member{chr(65 + i)}", dob="1995-05-05") for i in range(3)]
    return [
        incident("E1", persons=trio, vehicles=[{"vrm": "ab12 cde"}], when="2025-01-01T10:00:00Z"),
        incident("E2", persons=trio[:2], vehicles=[{"vrm": "AB1? CDE", "partial": True}],
                 when="2025-01-05T10:00:00Z"),
        incident("E3", persons=trio[:1], when="2025-01-09T10:00:00Z", value=12.5),
        incident("E4", persons=[person("P1", "O'Neil, Sean", gender="male")],
                 submitter="SOUTHCO"),
        incident("E5", persons=[person("P1", gender="female", age_min=30, age_max=40)]),
    ]


def test_the_spec_names_the_five_files_and_their_columns() -> None:
    assert spec_columns() == {name: list(cols) for name, cols in EXPORT_COLUMNS.items()}


def test_each_file_has_exactly_the_columns_of_the_spec(
    store: StoreHandle, tmp_path: Path
) -> None:
    load(store, tmp_path, scenario())
    run_analysis(store=store)
    counts = export_analysis(store=store, directory=tmp_path / "out")
    assert set(counts) == set(spec_columns())
    for name, columns in spec_columns().items():
        assert header(tmp_path / "out" / name) == columns


def test_rows_cover_every_mention_and_every_incident(store: StoreHandle, tmp_path: Path) -> None:
    load(store, tmp_path, scenario())
    run_analysis(store=store)
    out = tmp_path / "out"
    counts = export_analysis(store=store, directory=out)
    links = read(out / "person_links.csv")
    assert counts["person_links.csv"] == len(links) == 3 + 2 + 1 + 1 + 1
    # a singleton's probability is 1.0; a linked mention's is its link's, at or above the threshold
    assert all(row["offender_id"] and 0.95 <= float(row["match_probability"]) <= 1.0 for row in links)
    crew = {row["offender_id"] for row in links if row["incident_ref"] in ("E1", "E2", "E3")}
    assert len(crew) == 3
    tiny = next(row for row in links if row["incident_ref"] == "E4")
    assert tiny["submitter"] == "SOUTHCO"
    assert tiny["person_ref"] == "P1"

    series = {row["incident_ref"]: row for row in read(out / "incident_series.csv")}
    assert counts["incident_series.csv"] == len(series) == 5
    assert series["E1"]["series_id"] == series["E2"]["series_id"] == series["E3"]["series_id"]
    assert series["E1"]["series_id"] != ""
    assert series["E4"]["series_id"] == ""
    assert series["E1"]["police_force"] == "west-midlands"

    vehicles = read(out / "vehicle_links.csv")
    assert [(v["vrm"], v["vrm_normalised"]) for v in vehicles] == [
        ("ab12 cde", "AB12CDE"), ("AB1? CDE", "")]
    assert vehicles[0]["vehicle_id"] == vehicles[1]["vehicle_id"]

    offenders = {row["offender_id"]: row for row in read(out / "offenders.csv")}
    groups = read(out / "groups.csv")
    assert len(groups) == 1
    assert groups[0]["members"] == "3"
    assert groups[0]["priority_rank"] == "1"
    assert {offenders[o]["group_id"] for o in crew} == {groups[0]["group_id"]}
    assert offenders[tiny["offender_id"]]["display_name"] == 'Sean O\'NEIL'
    assert sorted(int(o["priority_rank"]) for o in offenders.values()) == list(range(1, 6))


def test_a_mention_not_yet_analysed_still_gets_an_id_of_its_own(
    store: StoreHandle, tmp_path: Path
) -> None:
    load(store, tmp_path, scenario())
    run_analysis(store=store)
    resubmitted = incident("E5", persons=[person("P1", gender="female"), person("P2", "New Face")])
    load(store, tmp_path, [resubmitted], name="resubmission.jsonl")
    export_analysis(store=store, directory=tmp_path)
    e5 = [row for row in read(tmp_path / "person_links.csv") if row["incident_ref"] == "E5"]
    assert len(e5) == 2
    assert all(re.fullmatch(r"M\d+", row["offender_id"]) for row in e5)
    assert len({row["offender_id"] for row in e5}) == 2
    assert {row["match_probability"] for row in e5} == {"1.0"}


def test_an_empty_store_exports_headers_only(store: StoreHandle, tmp_path: Path) -> None:
    counts = export_analysis(store=store, directory=tmp_path)
    assert counts == dict.fromkeys(EXPORT_COLUMNS, 0)
    assert (tmp_path / "groups.csv").read_text(encoding="utf-8").splitlines() == [
        ",".join(EXPORT_COLUMNS["groups.csv"])]


def test_files_are_replaced_whole_and_leave_no_temporary_files(
    sqlite_store: StoreHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(sqlite_store, tmp_path, scenario())
    run_analysis(store=sqlite_store)
    out = tmp_path / "out"
    export_analysis(store=sqlite_store, directory=out)
    before = (out / "offenders.csv").read_bytes()

    def failing(value: float | None) -> float | None:
        raise OSError("disk full")

    monkeypatch.setattr(crimelink.reports.export, "_money", failing)  # fails mid-offenders
    with pytest.raises(OSError, match="disk full"):
        export_analysis(store=sqlite_store, directory=out)
    assert (out / "offenders.csv").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == sorted([*EXPORT_COLUMNS, crimelink.reports.export.MANIFEST])


def test_quoting_follows_rfc_4180(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    load(sqlite_store, tmp_path, [incident('Q,"1"', persons=[person("P1", "Zoë Ødegaard")])])
    run_analysis(store=sqlite_store)
    export_analysis(store=sqlite_store, directory=tmp_path)
    lines = (tmp_path / "person_links.csv").read_bytes().split(b"\r\n")
    assert lines[1] == b'NORTHMART,"Q,""1""",P1,1,1.0'
    assert "Zoë ØDEGAARD" in (tmp_path / "offenders.csv").read_text(encoding="utf-8")


def test_a_text_that_would_run_as_a_spreadsheet_formula_is_exported_as_text(
    sqlite_store: StoreHandle, tmp_path: Path
) -> None:
    """CSV injection (OWASP): a reference or name beginning =, +, -, @, a tab or a carriage
    return is written with a leading apostrophe; numbers stay numbers."""
    load(sqlite_store, tmp_path, [incident("=HYPERLINK(\"http://x\")", persons=[person("P1", "@Smith Jones")])])
    run_analysis(store=sqlite_store)
    export_analysis(store=sqlite_store, directory=tmp_path)
    links = (tmp_path / "person_links.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in links and ",=HYPERLINK" not in links
    for dangerous in ("=1+2", "+1", "-1", "@A1", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise(-1.5) == -1.5 and neutralise("Smith") == "Smith"
