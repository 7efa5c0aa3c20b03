"""Reconciliation benchmark: 1,000,000 statement lines matched against 1,000,000 orders.

Target (DESIGN.md section 6): ≤ 60 s on PostgreSQL. The benchmark works in a database of its
own, ``<DATABASE_URL's name>_fin`` (e.g. ``orderhub_bench_fin``), so that its million orders
stay out of the other benchmarks' way: it creates and migrates it, loads the orders once (bulk
inserts, no history: they are test data), writes a WeChat Pay trade bill of a million rows in
the documented format (backticks, five-decimal fees, refund rows, the summary lines) and
imports it through ``statement_import``, the same service the API and the admin call, timing
each phase:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench \\
        .venv/bin/python -m bench.reconcile

Options: ``--orders N --lines N`` (smaller runs), ``--settle-sample N`` (settle N of the
statement's orders through ``orders_settle_matched``, in bulk, to show that rate too;
``bench/settle.py`` measures settling on its own).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import logging
import os
from decimal import Decimal
from urllib.parse import urlparse

import psycopg
from django.db import transaction

from bench.common import Progress, database_url, fail, setup_django, timed

BENCH_PREFIX = "BF"
MERCHANT_ID = "1900000109"
APP_ID = "wx2421b1c4370ec43b"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
REFUND_EVERY = 50  # one order in 50 gets a partial refund row (yellow: a person looks)
FEE_EVERY = 2  # every other payment carries a 0.6 % WeChat fee (a cost within the ceiling: green)
UNKNOWN_EVERY = 100  # one line in 100 names a serial no order has (red)


def own_database_url(url: str) -> str:
    """The benchmark's own database next to the given one: ``<name>_fin``."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name.endswith("_fin"):
        name = f"{name}_fin"
    return parts._replace(path=f"/{name}").geturl()


def ensure_database(url: str) -> str:
    """Create the benchmark database if it does not exist; refuse names without 'bench'."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        fail(
            "the benchmark empties finance tables; use a database whose name has 'bench' "
            f"(not {name!r})."
        )
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    return name


def serial(number: int) -> str:
    return f"42000{number:023d}"


def load_orders(count: int) -> None:
    """Insert ``count`` invoiced mini-program orders once (later runs reuse them)."""
    from django.utils import timezone

    from orders.models import Channel, Order

    channel = Channel.objects.get(code="miniprogram")
    have = Order.objects.filter(hub_no__startswith=BENCH_PREFIX).count()
    if have >= count:
        print(f"orders: {have:,} benchmark orders already loaded")
        return
    print(f"orders: loading {count - have:,} (bulk inserts, once)")
    progress = Progress(total=count - have, unit="orders")
    paid_at = timezone.make_aware(dt.datetime(2026, 1, 28, 10))
    batch = []
    for number in range(have, count):
        order = Order(
            hub_no=f"{BENCH_PREFIX}{number:010d}",
            channel=channel,
            channel_order_no=f"BFC{number:010d}",
            paid_amount=Decimal(100 + number % 400),
            goods_amount=Decimal(100 + number % 400),
            payment_serial_no=serial(number),
            paid_at=paid_at,
            placed_at=paid_at,
            state_entered_at=paid_at,
            currency="CNY",
        )
        order.__dict__["status"] = "invoiced"  # protected field, set before the first save
        batch.append(order)
        if len(batch) == 10_000:
            Order.objects.bulk_create(batch)
            progress.advance(len(batch))
            batch = []
    if batch:
        Order.objects.bulk_create(batch)
        progress.advance(len(batch))


def wechat_bill(*, orders: int, lines: int) -> bytes:
    """A WeChat Pay ALL bill of ``lines`` rows: payments, partial refunds, unknown serials."""
    header = (
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
        "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
        "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
    )
    out = io.StringIO()
    out.write(header + "\r\n")
    written = 0
    number = 0
    while written < lines:
        if written % UNKNOWN_EVERY == UNKNOWN_EVERY - 1:
            serial_no, hub_no, amount, fee = (
                f"49{written:026d}",
                f"NOPE{written}",
                Decimal("9.90"),
                "0.00000",
            )
        else:
            order_no = number % orders
            number += 1
            serial_no, hub_no = serial(order_no), f"{BENCH_PREFIX}{order_no:010d}"
            amount = Decimal(100 + order_no % 400)
            fee = f"{amount * Decimal('0.006'):.5f}" if order_no % FEE_EVERY else "0.00000"
        out.write(
            f"`2026-01-28 10:{written // 60 % 60:02d}:{written % 60:02d},`{APP_ID},"
            f"`{MERCHANT_ID},`0,`,`{serial_no},`{hub_no},`{OPENID},`JSAPI,`SUCCESS,"
            f"`CMB_CREDIT,`CNY,`{amount:.2f},`0.00,`0,`0,`0.00,`0.00,`,`,`商品,`,`{fee},"
            f"`0.60%,`{amount:.2f},`0.00,`\r\n"
        )
        written += 1
        if written < lines and hub_no.startswith(BENCH_PREFIX) and number % REFUND_EVERY == 0:
            out.write(
                f"`2026-01-28 18:00:00,`{APP_ID},`{MERCHANT_ID},`0,`,`{serial_no},`{hub_no},"
                f"`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`REFUND,`CMB_CREDIT,`CNY,`0.00,`0.00,"
                f"`5030{written:024d},`RF{written},`10.00,`0.00,`ORIGINAL,`SUCCESS,`商品,`,`-0.06000,"
                f"`0.60%,`0.00,`10.00,`\r\n"
            )
            written += 1
    out.write(
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
    )
    out.write(f"`{written},`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00\r\n")
    return out.getvalue().encode("utf-8")


def reset_finance_tables() -> None:
    """Empty the finance tables, and remove the statement files earlier runs kept."""
    from django.db import connection

    from finance.models import Statement

    for statement in Statement.objects.exclude(original=""):
        statement.original.delete(save=False)

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE finance_statementline, finance_linereview, finance_statement, "
            "finance_ordercost, finance_channelfigure, finance_consistencycheck, "
            "finance_expectedrefund"
        )


def _parse(parse, content: bytes):
    """Parsing alone, with the collector paused as ``statement_import`` pauses it."""
    gc.disable()
    try:
        return parse(content)
    finally:
        gc.enable()


def _match(matching, lines):
    """Matching alone, in a transaction (as in an import) with the collector paused likewise."""
    gc.disable()
    try:
        with transaction.atomic():
            return matching.reconcile(lines)
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--settle-sample", type=int, default=1000)
    options = parser.parse_args()

    url = own_database_url(database_url())
    name = ensure_database(url)
    # Django reads DATABASE_URL when it sets up: point it at the benchmark's own database.
    os.environ["DATABASE_URL"] = url
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from finance.models import Colour, StatementLine
    from finance.parsers.wechatpay import parse_trade_bill
    from finance.services import matching
    from finance.services.settlement import orders_settle_matched
    from finance.services.statements import statement_import

    # The import logs its phases at INFO.
    logging.getLogger("finance.services.statements").setLevel(logging.INFO)
    print(f"database {name}: migrating")
    call_command("migrate", verbosity=0)
    load_orders(options.orders)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    content, _seconds = timed(
        f"write the WeChat Pay bill ({options.lines:,} rows)",
        lambda: wechat_bill(orders=options.orders, lines=options.lines),
    )
    print(f"  bill size {len(content) / 1e6:,.0f} MB")
    reset_finance_tables()

    print("phases, measured on their own (nothing written):")
    parsed, parse_s = timed(
        "parse (backticks, amounts, times, line keys)", lambda: _parse(parse_trade_bill, content)
    )
    if parsed.errors:
        fail(f"the generated bill does not parse: {parsed.errors[:3]}")
    match_s = timed(
        "match (set-based lookups by serial, verdicts)", lambda: _match(matching, parsed.lines)
    )[1]
    parsed = None  # free the rows before the import

    print("the import as the API runs it (one transaction):")
    outcome, import_s = timed(
        "statement_import: parse + match + save lines, costs, figures",
        lambda: statement_import(
            content=content, file_name="bench.csv", source="wechatpay", actor=None
        ),
    )
    counts = outcome.counts
    stored = StatementLine.objects.filter(statement=outcome.statement).count()
    matched = StatementLine.objects.filter(statement=outcome.statement, order__isnull=False).count()
    print(
        f"  lines {stored:,} (matched to orders {matched:,}): green {counts[Colour.GREEN]:,}, "
        f"yellow {counts[Colour.YELLOW]:,}, red {counts[Colour.RED]:,}"
    )
    if options.settle_sample:
        report, settle_s = timed(
            f"settle {options.settle_sample:,} orders (orders_settle_matched, in bulk)",
            lambda: orders_settle_matched(
                actor=None, statement_id=outcome.statement.pk, limit=options.settle_sample
            ),
        )
        print(
            f"  settled {len(report.settled):,}: {len(report.settled) / settle_s:,.0f} orders/s "
            f"(a background sweep does the rest)"
        )
    # The quarter-gigabyte bill the statement keeps is of no use after the run.
    outcome.statement.original.delete(save=True)

    print()
    print(f"RESULT reconciliation: {stored:,} statement lines against {options.orders:,} orders")
    print(f"  match only            {match_s:8.2f} s")
    print(
        f"  full import           {import_s:8.2f} s   target <= 60 s   "
        f"{'PASS' if import_s <= 60 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
