"""Police-recorded crime from data.police.uk street-level files (the City of London sample)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

import crimelink.store.models.patterns  # noqa: F401  (registers the tables until store.models imports them)
from crimelink.errors import InvalidValue
from crimelink.intake.police_uk import force_from_name, import_police_uk
from crimelink.store import StoreHandle
from crimelink.store.models.patterns import RecordedCrime


@pytest.fixture(scope="module")
def city_files(shared_dir: Path) -> list[Path]:
    files = sorted((shared_dir / "data" / "police-uk" / "city-of-london").glob("*-street.csv"))
    assert len(files) == 25
    return files


def totals(store: StoreHandle) -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        everything = conn.scalar(select(func.sum(RecordedCrime.crimes)))
        shoplifting = conn.scalar(select(func.sum(RecordedCrime.crimes))
                                  .where(RecordedCrime.crime_type == "Shoplifting"))
        rows = conn.scalar(select(func.count()).select_from(RecordedCrime))
    return int(everything or 0), int(shoplifting or 0), int(rows or 0)


def test_the_city_of_london_files_are_counted_by_force_month_lsoa_and_type(
    store: StoreHandle, city_files: list[Path]
) -> None:
    summary = import_police_uk(store=store, paths=city_files)
    assert (summary.files, summary.rows, summary.shoplifting) == (25, 19_950, 2_927)  # PROVENANCE.md
    assert summary.without_location == 1_803
    assert summary.forces == ["city-of-london"]
    assert (summary.months[0], summary.months[-1], len(summary.months)) == ("2023-05", "2025-05", 25)
    everything, shoplifting, rows = totals(store)
    assert (everything, shoplifting, rows) == (19_950, 2_927, summary.counts)
    with store.engine.connect() as conn:
        unlocated = conn.execute(select(RecordedCrime.lat, RecordedCrime.crimes)
                                 .where(RecordedCrime.lsoa_code == "")).all()
    assert unlocated and all(lat is None for lat, _ in unlocated)


def test_importing_again_replaces_the_months_it_covers(store: StoreHandle, city_files: list[Path]) -> None:
    import_police_uk(store=store, paths=city_files)
    import_police_uk(store=store, paths=city_files[:2])
    assert totals(store)[:2] == (19_950, 2_927)


@pytest.mark.parametrize(("name", "force"), [
    ("City of London Police", "city-of-london"), ("Metropolitan Police Service", "metropolitan"),
    ("Hampshire Constabulary", "hampshire"), ("Avon and Somerset Constabulary", "avon-and-somerset"),
    ("British Transport Police", "btp"), ("Police Scotland", None),
])  # fmt: skip
def test_force_names_as_data_police_uk_writes_them(name: str, force: str | None) -> None:
    assert force_from_name(name) == force


def test_a_file_that_is_not_a_street_file_is_refused(store: StoreHandle, tmp_path: Path) -> None:
    wrong = tmp_path / "outcomes.csv"
    wrong.write_text("Crime ID,Month,Outcome type\nx,2024-01,Unable to prosecute\n")
    with pytest.raises(InvalidValue, match="missing"):
        import_police_uk(store=store, paths=[wrong])
    assert totals(store) == (0, 0, 0)
