"""Bulk inserts at intake speed: plain DBAPI ``executemany`` with values already in the
driver's own types, bypassing SQLAlchemy's per-row parameter processing (which costs more
than the database itself at tens of thousands of rows a second).

Values are adapted here exactly as SQLAlchemy would store them, so ORM reads see no
difference: on SQLite, datetimes as SQLAlchemy's text format, booleans as 0/1, JSON as text;
on PostgreSQL, psycopg adapts native values (JSON text is cast by the server).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table


def _sqlite_datetime(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(" ", "microseconds")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


Adapter = Callable[[Any], Any]


def _marker(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"


@cache
def _plan(table: Table, dialect: str, columns: tuple[str, ...]) -> tuple[str, tuple[tuple[int, Adapter], ...]]:
    """The INSERT statement, and which columns need converting (most need nothing)."""
    marker = _marker(dialect)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    conversions: list[tuple[int, Adapter]] = []
    for index, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, JSON):
            conversions.append((index, _json_text))
        elif dialect == "sqlite" and isinstance(kind, DateTime):
            conversions.append((index, _sqlite_datetime))
        elif dialect == "sqlite" and isinstance(kind, Date):
            conversions.append((index, _sqlite_date))
        elif dialect == "sqlite" and isinstance(kind, Boolean):
            conversions.append((index, _sqlite_bool))
    return sql, tuple(conversions)


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in one executemany."""
    if not rows:
        return
    columns = tuple(rows[0])
    sql, conversions = _plan(table, conn.dialect.name, columns)
    params = []
    for row in rows:
        values = [row[name] for name in columns]
        for index, adapt in conversions:
            values[index] = adapt(values[index])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


def select_by_pairs(
    conn: Connection, *, table: str, key: tuple[str, str], columns: Sequence[str], pairs: Sequence[tuple[Any, Any]]
) -> list[Any]:
    """Rows of ``table`` whose two-column ``key`` is any of ``pairs``, as ``columns``.

    Written as a join against a VALUES list, so that both SQLite and PostgreSQL look each key
    up in the key's index (SQLite scans the whole table for a row-value ``IN (VALUES ...)``),
    and with driver placeholders: compiling the same through SQLAlchemy costs more than the
    lookup itself at thousands of keys.
    """
    if not pairs:
        return []
    marker = _marker(conn.dialect.name)
    values = ", ".join([f"({marker}, {marker})"] * len(pairs))
    params = tuple(value for pair in pairs for value in pair)
    selected = ", ".join(f"t.{name}" for name in columns)
    sql = (
        f"SELECT {selected} FROM (VALUES {values}) AS k "
        f"JOIN {table} AS t ON t.{key[0]} = k.column1 AND t.{key[1]} = k.column2"
    )
    return list(conn.exec_driver_sql(sql, params).all())
