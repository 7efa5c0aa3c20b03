"""Set-based inserts for the hub's hot paths: PostgreSQL ``COPY`` where it is available.

Django's ``bulk_create`` builds a model instance per row and prepares every value field by
field; a peak day's ingestion (12,437 orders, their lines, history rows and events) spends
most of its time there. On PostgreSQL these helpers stream plain tuples with ``COPY``; on
SQLite (demo, tests) they fall back to ``bulk_create``, which is plenty there.

Primary keys can be taken from the table's own sequence first (:func:`next_ids`), so that rows
inserted together can point at each other (an order's lines, an event's tasks).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models
from psycopg import sql

BULK_BATCH = 2000


def copy_supported() -> bool:
    """Whether ``COPY`` is available (PostgreSQL)."""
    return connection.vendor == "postgresql"


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys from the model's sequence (one query; PostgreSQL only)."""
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_tuples(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """``COPY table (columns) FROM STDIN`` with ``rows`` (PostgreSQL only)."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    # Errors from the driver's COPY become Django's (IntegrityError on a duplicate).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def insert_tuples(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence]
) -> None:
    """Insert ``rows`` (tuples in the order of ``attnames``): COPY on PostgreSQL, else
    ``bulk_create``. No ``save()``, no signals: only for rows nothing else listens to."""
    if not rows:
        return
    if copy_supported():
        columns = [model._meta.get_field(name).column for name in attnames]
        copy_tuples(model._meta.db_table, columns, rows)
        return
    model._default_manager.bulk_create(
        [model(**dict(zip(attnames, row))) for row in rows], batch_size=BULK_BATCH
    )
