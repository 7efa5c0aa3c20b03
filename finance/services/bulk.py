"""Set-based writes for statements of a million rows.

Django's ``bulk_create`` builds model instances and one large INSERT per batch, which is too
slow for the reconciliation target (1,000,000 lines in ≤ 60 s, DESIGN.md section 6). On
PostgreSQL these helpers stream rows with ``COPY``; on other databases (SQLite for development
and tests) they fall back to ``bulk_create`` and ``executemany``, which is plenty there.
Statement lines and cost rows are not audited models (no simple-history), so nothing is lost by
skipping ``save()``.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from orderhub.core.bulk import copy_supported, copy_tuples

BATCH_SIZE = 2000


def lookup_chunk_size() -> int:
    """How many values one ``IN (…)`` may carry on this database."""
    limit = connection.features.max_query_params or 10000
    return max(100, min(10000, limit - 10))


def chunks(values: Sequence, size: int | None = None) -> Iterable[Sequence]:
    size = size or lookup_chunk_size()
    for start in range(0, len(values), size):
        yield values[start:start + size]


# Above this many values, PostgreSQL gets them in a temporary table (COPY) and one semi-join
# instead of IN lists: a million serial numbers cost one query, not a hundred.
TEMP_TABLE_ABOVE = 20000
_KEY_TABLES = {str: ("fin_keys_text", "text"), int: ("fin_keys_int", "bigint")}


def _load_keys(values: list) -> str:
    table, sql_type = _KEY_TABLES[type(values[0])]
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} (key {sql_type} PRIMARY KEY) "
            "ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {table}")
        with cursor.cursor.copy(f"COPY {table} (key) FROM STDIN") as copy:
            for value in values:
                copy.write_row((value,))
        cursor.execute(f"ANALYZE {table}")
    return table


def querysets_in(queryset: QuerySet, field_name: str, values: Collection) -> Iterator[QuerySet]:
    """``queryset`` narrowed to ``field_name`` in ``values``: one queryset joined to a temporary
    table on PostgreSQL for many values, else one per chunk. Read each before the next."""
    ordered = sorted(set(values))
    if not ordered:
        return
    if connection.vendor == "postgresql" and len(ordered) > TEMP_TABLE_ABOVE:
        # ON COMMIT DROP needs a transaction; inside one this is a savepoint.
        with transaction.atomic():
            table = _load_keys(ordered)
            yield queryset.filter(**{f"{field_name}__in": RawSQL(f"SELECT key FROM {table}", [])})
        return
    for chunk in chunks(ordered):
        yield queryset.filter(**{f"{field_name}__in": chunk})


def value_rows(queryset: QuerySet, *fields: str) -> Iterator[tuple]:
    """``queryset.values_list(*fields)`` row by row, read straight from the cursor on PostgreSQL.

    Only for fields that need no conversion from the database (text, integers, and decimals,
    which psycopg returns as Decimal); elsewhere the ORM's own iterator is used.
    """
    rows = queryset.values_list(*fields)
    if connection.vendor != "postgresql":
        yield from rows.iterator(chunk_size=10000)
        return
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(50000):
            yield from batch


def insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` (tuples in the order of ``attnames``) without building model instances
    on PostgreSQL. Returns the number of rows."""
    count = 0
    if copy_supported():
        def counted() -> Iterator[tuple]:
            nonlocal count
            for row in rows:
                count += 1
                yield row

        columns = [model._meta.get_field(name).column for name in attnames]
        copy_tuples(model._meta.db_table, columns, counted())
        return count
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**dict(zip(attnames, row))))
        count += 1
        if len(batch) >= BATCH_SIZE:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
    return count


# Costs: the statement sets revenue, commission, payment and fulfilment fees; shipping (from logistics or
# finance) and an invoiced tax are kept; net revenue follows from all of them.
_COST_COLUMNS = (
    "order_id", "currency", "revenue", "commission", "payment_fee", "fulfilment_fee", "tax",
)
_KEPT_TAX = (
    "CASE WHEN finance_ordercost.tax_from_invoice THEN finance_ordercost.tax ELSE excluded.tax END"
)
_COST_UPSERT = f"""
INSERT INTO finance_ordercost
    (order_id, currency, revenue, commission, payment_fee, fulfilment_fee, shipping_cost, tax,
     tax_from_invoice, net_revenue, updated_at)
{{source}}
ON CONFLICT (order_id) DO UPDATE SET
    currency = excluded.currency,
    revenue = excluded.revenue,
    commission = excluded.commission,
    payment_fee = excluded.payment_fee,
    fulfilment_fee = excluded.fulfilment_fee,
    tax = {_KEPT_TAX},
    net_revenue = excluded.revenue - excluded.commission - excluded.payment_fee
        - excluded.fulfilment_fee - finance_ordercost.shipping_cost - {_KEPT_TAX},
    updated_at = excluded.updated_at
"""


def upsert_costs(
    rows: Sequence[tuple[int, str, Decimal, Decimal, Decimal, Decimal, Decimal]],
) -> None:
    """Create or refresh cost rows: ``(order_id, currency, revenue, commission, payment_fee,
    fulfilment_fee, estimated_tax)`` each."""
    if not rows:
        return
    now = timezone.now()
    with connection.wrap_database_errors, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS fin_cost_in (order_id bigint, currency "
                "varchar(3), revenue numeric, commission numeric, payment_fee numeric, "
                "fulfilment_fee numeric, tax numeric) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE fin_cost_in")
            with cursor.cursor.copy(
                f"COPY fin_cost_in ({', '.join(_COST_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                _COST_UPSERT.format(
                    source=(
                        "SELECT order_id, currency, revenue, commission, payment_fee, "
                        "fulfilment_fee, 0, tax, false, "
                        "revenue - commission - payment_fee - fulfilment_fee - tax, %s "
                        "FROM fin_cost_in"
                    )
                ),
                [now],
            )
            return
        sql = _COST_UPSERT.format(
            source="VALUES (%s, %s, %s, %s, %s, %s, 0, %s, false, %s, %s)")
        cursor.executemany(
            sql,
            [
                (order_id, currency, revenue, commission, fee, fulfilment, tax,
                 revenue - commission - fee - fulfilment - tax, now)
                for order_id, currency, revenue, commission, fee, fulfilment, tax in rows
            ],
        )
