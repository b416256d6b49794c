"""Whole tables as pandas frames and back: how the analysis reads the store and writes its results.

Reads stream in batches (``yield_per``); writes put values into the store's form column by
column with the column types' own bind processors and hand them to the driver whole (COPY on
PostgreSQL, executemany on SQLite), because row-by-row parameter handling cost more than the
analysis itself.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, Executable, insert

__all__ = ["insert_frame", "read_frame"]

_READ_BATCH = 50_000
_WRITE_BATCH = 10_000


def read_frame(conn: Connection, statement: Executable, columns: list[str]) -> pd.DataFrame:
    """A select's rows as a frame, streamed in batches (a million rows never sit twice in memory
    as Python tuples)."""
    result = conn.execution_options(yield_per=_READ_BATCH).execute(statement)
    parts = [pd.DataFrame.from_records(part, columns=columns) for part in result.partitions()]
    if not parts:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    return pd.concat(parts, ignore_index=True)


def insert_frame(conn: Connection, table: Any, frame: pd.DataFrame) -> None:
    """Bulk insert in batches inside the caller's transaction, NaN and NaT as NULL.

    Row-by-row parameter handling cost more than the analysis itself (30 s for 200,000
    incidents on PostgreSQL), so values are put into the store's form column by column with
    the column types' own bind processors, then handed to the driver whole: COPY on
    PostgreSQL, executemany on SQLite. The SQL names only our own tables and columns, quoted
    by the dialect.
    """
    dialect = conn.dialect
    columns = [c for c in table.__table__.columns if c.key in frame.columns]
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    target = f"{quote(table.__tablename__)} ({', '.join(quote(c.name) for c in columns)})"
    for start in range(0, len(frame), _WRITE_BATCH):
        chunk = frame.iloc[start:start + _WRITE_BATCH]
        plain = [_plain(chunk[c.key], integer=c.type.python_type is int) for c in columns]
        if dialect.name not in ("postgresql", "sqlite"):  # any other backend: plain Core
            keys = [c.key for c in columns]
            conn.execute(insert(table), [dict(zip(keys, row, strict=True))
                                         for row in zip(*plain, strict=True)])
            continue
        rows = list(zip(*(
            values if process is None else [None if v is None else process(v) for v in values]
            for values, process in zip(plain, processors, strict=True)
        ), strict=True))
        if dialect.name == "postgresql":
            raw: Any = conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", rows)


def _plain(values: pd.Series, *, integer: bool = False) -> list[Any]:
    """A column as Python values every driver takes, with None for missing ones.

    ``integer``: the store wants whole numbers (a merge turns an id column with gaps into
    floats, which PostgreSQL's COPY would refuse as "1.0").
    """
    if integer and pd.api.types.is_float_dtype(values):
        values = values.astype("Int64")
    if pd.api.types.is_datetime64_any_dtype(values):
        # numpy turns microsecond datetimes into Python datetimes
        objects = values.to_numpy(dtype="datetime64[us]").astype(object)
    else:
        objects = values.astype(object).to_numpy()
    objects[pd.isna(values).to_numpy()] = None
    return list(objects.tolist())
