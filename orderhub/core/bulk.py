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

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from orderhub.core.history import Actor, history_row_constants

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


def binary_write(instance: models.Model, field_name: str, data: bytes) -> None:
    """Write ``data`` into the saved row's binary column as a bound binary parameter
    (PostgreSQL only).

    Django's PostgreSQL backend binds values on the client: a megabyte-sized body becomes a
    two-megabyte hex literal inside the SQL text, which the server then scans as a query and
    decodes. Here it travels as the bytes it is, and the server parses a one-line statement.
    """
    meta = instance._meta
    statement = sql.SQL("UPDATE {} SET {} = %b WHERE {} = %s").format(
        sql.Identifier(meta.db_table), sql.Identifier(meta.get_field(field_name).column),
        sql.Identifier(meta.pk.column))
    connection.ensure_connection()
    # A cursor of the driver's own kind binds on the server (Django's binds on the client);
    # it runs on the same connection, in the same transaction.
    with connection.wrap_database_errors, Cursor(connection.connection) as cursor:
        cursor.execute(statement, [data, instance.pk])


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


def copy_rows(
    model: type[models.Model], rows: Sequence[dict], *, actor: Actor = None, reason: str = "",
    return_ids: bool = True,
) -> list[int]:
    """Insert rows (dicts keyed by attribute name, defaults filled in) with PostgreSQL COPY,
    and their history rows when the model is audited; returns their primary keys.

    This writes what ``bulk_create_with_history`` writes, several times faster: Django's bulk
    insert spends most of a peak-day ingestion building model instances and preparing values
    field by field, COPY takes plain rows. Primary keys come from the table's sequence first,
    so that lines and history rows can point at their rows; the history rows carry the user
    (``actor``, or the system user), the reason, the request's IP and one date, as
    ``audited_bulk_create`` gives them.
    """
    if not rows:
        return []
    meta = model._meta
    pk_name = meta.pk.attname
    fields = meta.concrete_fields
    if return_ids or getattr(model, "history", None) is not None:
        missing = [row for row in rows if row.get(pk_name) is None]
        for row, pk in zip(missing, next_ids(model, len(missing))):
            row[pk_name] = pk
    else:  # the table's own default numbers the rows
        fields = [column_field for column_field in fields if column_field.attname != pk_name]
    now = timezone.now()
    forced, defaults, per_row, when_empty = {}, {}, {}, {}
    for column_field in fields:
        if column_field.attname == pk_name:
            continue
        if getattr(column_field, "auto_now", False):
            forced[column_field.attname] = now
        elif getattr(column_field, "auto_now_add", False):
            defaults[column_field.attname] = when_empty[column_field.attname] = now
        elif column_field.has_default() and callable(column_field.default):
            per_row[column_field.attname] = column_field.get_default
        else:
            defaults[column_field.attname] = column_field.get_default()
    for row in rows:
        row.update(forced)
        for name, value in when_empty.items():
            if row.get(name) is None:
                row[name] = value
        for name, make in per_row.items():
            if name not in row:
                row[name] = make()
    names = [column_field.attname for column_field in fields]
    copy_tuples(meta.db_table, [column_field.column for column_field in fields],
                ([row[name] if name in row else defaults[name] for name in names] for row in rows))
    history = getattr(model, "history", None)
    if history is not None:
        history_model = history.model
        tracked = {column_field.attname for column_field in history_model.tracked_fields}
        constants = history_row_constants(actor=actor, reason=reason, history_type="+",
                                          date=now)
        columns, sources = [], []
        for column_field in history_model._meta.concrete_fields:
            if column_field.attname in tracked:
                columns.append(column_field.column)
                sources.append((True, column_field.attname))
            elif column_field.attname in constants:
                columns.append(column_field.column)
                sources.append((False, constants[column_field.attname]))
        copy_tuples(history_model._meta.db_table, columns, (
            [(row[value] if value in row else defaults[value]) if is_attribute else value
             for is_attribute, value in sources]
            for row in rows
        ))
    return [row[pk_name] for row in rows] if return_ids else []


def copy_rows_skipping_conflicts(model: type[models.Model], rows: Sequence[dict]) -> None:
    """COPY rows (no history) unless one hits a unique constraint, which only a concurrent
    delivery of the same rows causes: then insert them skipping the ones that exist."""
    if not rows:
        return
    try:
        with transaction.atomic():
            copy_rows(model, rows, return_ids=False)
    except IntegrityError:
        fields = {field.attname for field in model._meta.concrete_fields}
        model._default_manager.bulk_create(
            [model(**{k: v for k, v in row.items() if k in fields and k != "id"})
             for row in rows],
            ignore_conflicts=True, batch_size=1000,
        )


def update_columns(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of many model instances in one statement, without history or signals.

    On PostgreSQL ``UPDATE … FROM unnest(arrays)``: one array parameter per field, a plan that
    does not grow with the rows (Django's ``bulk_update`` builds a ``CASE`` per field with a
    branch per row, which costs more than the writes for a few hundred rows).
    """
    if not objs:
        return
    model = type(objs[0])
    if not copy_supported():
        model._default_manager.bulk_update(objs, list(fields), batch_size=BULK_BATCH)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    arrays = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for obj in objs]
        for column in columns
    ]
    names = [f"c{index}" for index in range(len(columns))]
    sets = ", ".join(f"{quote(column.column)} = v.{name}"
                     for column, name in zip(columns[1:], names[1:]))
    unnest = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    sql_text = (f"UPDATE {quote(meta.db_table)} AS t SET {sets} "
                f"FROM unnest({unnest}) AS v({', '.join(names)}) "
                f"WHERE t.{quote(meta.pk.column)} = v.{names[0]}")
    with connection.cursor() as cursor:
        cursor.execute(sql_text, arrays)


def insert_instances(objs: Sequence[models.Model]) -> None:
    """Insert unsaved model instances of one model whose ids nobody needs back (ledger rows,
    reservations): COPY on PostgreSQL, ``bulk_create`` elsewhere. No ``save()``, no signals;
    ``auto_now_add`` fields get now, as ``bulk_create`` gives them."""
    if not objs:
        return
    model = type(objs[0])
    if not copy_supported():
        model._default_manager.bulk_create(objs, batch_size=BULK_BATCH)
        return
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    # psycopg adapts the plain values (numbers, text, Decimal, aware datetimes) itself; only
    # JSON needs its wrapper. Skipping Django's per-value preparation halves the cost.
    json_fields = {field.attname for field in fields if isinstance(field, models.JSONField)}
    names = [field.attname for field in fields]
    copy_tuples(model._meta.db_table, [field.column for field in fields], (
        [Jsonb(value) if name in json_fields else value
         for name in names for value in (getattr(obj, name),)]
        for obj in objs
    ))
