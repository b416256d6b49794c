"""The store: SQLite by default, PostgreSQL in production, one schema built by migrations."""

from crimelink.store.database import (
    StoreHandle,
    create_store_engine,
    migrate,
    open_store,
    schema_head,
)

__all__ = ["StoreHandle", "create_store_engine", "migrate", "open_store", "schema_head"]
