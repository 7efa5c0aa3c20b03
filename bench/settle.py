"""Benchmark settling (DESIGN.md section 6): the orders one payment statement pays, settled in
bulk, ≥ 2,000 orders/s, not one at a time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_settle \\
        .venv/bin/python -m bench.settle [--orders 100000] [--sample 1000]

Uses a database of its own, ``<name>_settle`` beside the one given (created if missing,
migrated, its orders and statements emptied; the name must contain "bench"). Loads with COPY
``--orders`` finished orders whose money one statement brought (green lines): invoiced on the
channels that need the hub's invoice, delivered on those that invoice the buyer themselves
(POS, Shopify), each with its "created" history row; and ``--sample`` more like them, paid by a
second statement. Then:

- the reference, same run: the second statement's orders settled one at a time, as
  ``orders_settle_matched`` did before (``orders.services.order_settle`` per order, one
  transaction each: lock, transition, save, history row, event);
- the measure: ``orders_settle_matched`` for the first statement, as the task after an import
  runs it (finance's selection, then ``orders_move_many`` in transactions of 5,000: locks,
  one UPDATE, history rows by INSERT … SELECT, events by COPY), as a finance user.

It checks what was written (every order settled, one history row and one event each) and
prints orders/s for both, the ratio, and PASS/FAIL against the target (exit status 1 on FAIL).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
from decimal import Decimal

from bench import common

SUFFIX = "_settle"
SUGGESTED = "postgres://postgres@127.0.0.1:5432/orderhub_bench_settle"

common.setup_django_on_own_database(SUFFIX)

# Models and Django's connection only once Django is set up (above).
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.load_orders import Table, history_table, reserve_ids  # noqa: E402
from finance.models import Cause, Colour, Kind, Source, Statement, StatementLine  # noqa: E402
from finance.parsers.base import line_key  # noqa: E402
from finance.services.settlement import (  # noqa: E402
    SETTLE_BATCH,
    orders_settle_matched,
    settleable_orders,
)
from orderhub.events.models import Event, EventTask  # noqa: E402
from orders.models import Channel, Order  # noqa: E402
from orders.services import order_settle  # noqa: E402
from orders.state_machine import Status  # noqa: E402

TARGET_PER_SECOND = 2000
BATCH = 20_000
FINANCE_USERNAME = "bench-finance"
LABEL_WIDTH = 68


def empty_database() -> None:
    with connection.cursor() as cursor:
        tables = (Order, Order.history.model, Event, EventTask, Statement, StatementLine)
        cursor.execute(f"TRUNCATE {', '.join(m._meta.db_table for m in tables)} CASCADE")


def finance_user():
    user, _created = get_user_model().objects.get_or_create(
        username=FINANCE_USERNAME, defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name="finance"))
    return get_user_model().objects.get(pk=user.pk)  # permissions read afresh


class Loader:
    """Finished, paid orders and the green statement lines that pay them, with COPY."""

    def __init__(self, *, now: dt.datetime, user_id: int) -> None:
        self.now = now
        self.user_id = user_id
        self.orders = Table.of(Order)
        self.history = history_table(Order)
        self.lines = Table.of(StatementLine, skip=["id"])
        self.channels = list(Channel.objects.order_by("code"))
        self.serial = 0

    def statement(self, name: str, count: int) -> Statement:
        """A statement of ``count`` green payment lines and their orders."""
        statement = Statement.objects.create(
            source=Source.WECHATPAY, file_name=f"{name}.csv",
            file_sha256=hashlib.sha256(name.encode()).hexdigest(),
            line_count=count, green_count=count,
        )
        progress = common.Progress(total=count, unit="orders")
        for start in range(0, count, BATCH):
            self._batch(statement, min(BATCH, count - start))
            progress.advance(min(BATCH, count - start))
        return statement

    def _batch(self, statement: Statement, count: int) -> None:
        with connection.cursor() as cursor:
            first_order = reserve_ids(cursor, Order, count)
            orders, lines = [], []
            for order_id in range(first_order, first_order + count):
                order = self._order(order_id)
                orders.append(order)
                lines.append(self._line(statement, order))
            self.orders.copy(cursor.cursor, orders)
            self.history.copy(cursor.cursor, [self.history.template | order | {
                "history_date": order["created_at"], "history_type": "+",
                "history_change_reason": "bench: loaded by bench/settle.py",
                "history_user_id": self.user_id,
            } for order in orders])
            self.lines.copy(cursor.cursor, lines)

    def _order(self, order_id: int) -> dict:
        channel = self.channels[order_id % len(self.channels)]
        self.serial += 1
        paid_at = self.now - dt.timedelta(days=12, seconds=order_id % 86400)
        delivered_at = paid_at + dt.timedelta(days=3)
        amount = Decimal(50 + order_id % 500)
        return self.orders.template | {
            "id": order_id, "hub_no": f"BS{self.serial:012d}", "channel_id": channel.pk,
            "channel_order_no": f"BSC{order_id:012d}", "currency": channel.currency,
            # Invoiced where the hub invoices; delivered where the channel invoices itself.
            "status": Status.DELIVERED if channel.skips_invoicing else Status.INVOICED,
            "goods_amount": amount, "paid_amount": amount,
            "payment_serial_no": f"4200{order_id:024d}", "placed_at": paid_at,
            "paid_at": paid_at, "ship_by": paid_at + dt.timedelta(hours=48),
            "receiver_name": "张伟", "receiver_phone": f"139{order_id % 10**8:08d}",
            "receiver_province": "浙江省", "receiver_city": "杭州市", "receiver_district": "西湖区",
            "receiver_address": "文三路 90 号", "state_entered_at": delivered_at,
            "created_at": paid_at, "updated_at": delivered_at,
        }

    def _line(self, statement: Statement, order: dict) -> dict:
        return self.lines.template | {
            "statement_id": statement.pk, "line_no": order["id"],
            "line_key": line_key("bench-settle", str(order["id"])), "kind": Kind.PAYMENT,
            "payment_serial_no": order["payment_serial_no"],
            "merchant_order_no": order["hub_no"], "occurred_at": order["paid_at"],
            "currency": order["currency"], "gross_amount": order["paid_amount"],
            "amount": order["paid_amount"], "order_id": order["id"],
            "channel_id": order["channel_id"], "colour": Colour.GREEN, "cause": Cause.EXACT,
            "explanation": "bench", "expected_amount": order["paid_amount"],
            "received_amount": order["paid_amount"], "difference": Decimal("0.00"),
            "created_at": self.now,
        }


def one_at_a_time(statement: Statement, actor) -> int:
    """The path before bulk settling: ``order_settle`` per order, as the old loop called it."""
    ids = settleable_orders(statement_id=statement.pk)
    settled = 0
    for order in Order.objects.filter(id__in=ids).select_related("channel").order_by("id"):
        order_settle(order=order, actor=actor, reason=f"money matched in payment statement "
                                                      f"#{statement.pk}")
        settled += 1
    return settled


def check(statement: Statement, report, count: int) -> None:
    """Every order of the statement settled, with one history row and one event each."""
    ids = StatementLine.objects.filter(statement=statement).values("order_id")
    settled = Order.objects.filter(id__in=ids, status=Status.SETTLED).count()
    rows = Order.history.filter(id__in=ids, history_type="~", status=Status.SETTLED).count()
    events = Event.objects.filter(order_id__in=ids, kind="order.status_changed").count()
    print(f"  written: {settled:,} orders settled, {rows:,} history rows, {events:,} events; "
          f"refused {len(report.refused):,}")
    if not len(report.settled) == settled == rows == events == count:
        common.fail(f"expected {count:,} of each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1000,
                        help="orders settled one at a time, for the reference")
    args = parser.parse_args()
    common.prepare_own_database(SUGGESTED)
    empty_database()
    actor = finance_user()
    loader = Loader(now=timezone.now(), user_id=actor.pk)
    print(f"loading {args.orders:,} orders paid by one statement, {args.sample:,} by another")
    bulk_statement = loader.statement("bench-settle-bulk", args.orders)
    sample_statement = loader.statement("bench-settle-one-by-one", args.sample)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orders_order")
        cursor.execute("ANALYZE finance_statementline")

    print("settling:")
    sample_count, sample_s = common.timed(
        f"reference: {args.sample:,} orders one at a time (order_settle per order)",
        lambda: one_at_a_time(sample_statement, actor), width=LABEL_WIDTH,
    )
    _ids, select_s = common.timed(
        "  of the bulk run: finance's selection alone (read only)",
        lambda: settleable_orders(statement_id=bulk_statement.pk, limit=args.orders),
        width=LABEL_WIDTH,
    )
    report, bulk_s = common.timed(
        f"bulk: {args.orders:,} orders, orders_settle_matched ({SETTLE_BATCH:,} per transaction)",
        lambda: orders_settle_matched(actor=actor, statement_id=bulk_statement.pk,
                                      limit=args.orders), width=LABEL_WIDTH,
    )
    check(bulk_statement, report, args.orders)

    one_rate = sample_count / sample_s
    bulk_rate = len(report.settled) / bulk_s
    verdict = "PASS" if bulk_rate >= TARGET_PER_SECOND else "FAIL"
    print()
    print(f"RESULT settling the orders one statement pays ({args.orders:,} orders)")
    print(f"  one at a time (reference)  {one_rate:>9,.0f} orders/s")
    print(f"  in bulk                    {bulk_rate:>9,.0f} orders/s   "
          f"({bulk_s:.2f} s, of which choosing the orders about {select_s:.2f} s)")
    print(f"  ratio bulk / one at a time {bulk_rate / one_rate:>9.1f}x")
    print(f"  target >= {TARGET_PER_SECOND:,} orders/s: {verdict}")
    if verdict == "FAIL":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
