"""The store: migrations build every database, and build it to match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crimelink.store import StoreHandle, migrate, schema_head
from crimelink.store.database import current_revision
from crimelink.store.models import Base


def test_a_fresh_store_is_at_the_latest_schema(store: StoreHandle) -> None:
    assert current_revision(store.engine) == schema_head()


def test_migrations_build_exactly_the_models(store: StoreHandle) -> None:
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert differences == []


def test_migrating_twice_changes_nothing(store: StoreHandle) -> None:
    migrate(store.engine)
    assert current_revision(store.engine) == schema_head()
