"""Declarative base and the column types every table shares.

Times are stored as naive UTC everywhere, so SQLite and PostgreSQL hold the same values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, cast

from sqlalchemy import BigInteger, Integer, MetaData, Table
from sqlalchemy.orm import DeclarativeBase, mapped_column

# Constraint names that Alembic can diff and that read the same on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for big tables.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Id = Annotated[int, mapped_column(BigId, primary_key=True, autoincrement=True)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Now, as the naive UTC the store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)


def table_of(model: type[Base]) -> Table:
    """The Core table behind a mapped class, typed as one (for bulk statements)."""
    return cast(Table, model.__table__)
