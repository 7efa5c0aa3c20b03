"""Orders whose money is matched move to ``settled`` (回款入账); finished orders whose money
never came turn red.

Settling goes through ``orders.bulk_moves.orders_move_many`` in batches of ``SETTLE_BATCH``
orders, one transaction each (locks, history rows and events written set-based, thousands of
orders a second). Two events start it (``finance/handlers.py``): a statement imported (its
orders), and an order delivered or invoiced (that order, when its money was matched before).
An order that is not settleable yet (on hold, say) settles on the next of its moves that makes
it so.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from finance import texts
from finance.models import Cause, Colour, Kind, StatementLine
from finance.parsers.base import line_key
from finance.reconciliation import OrderFacts, no_money_verdict
from finance.services.bulk import querysets_in
from orderhub.core.errors import PermissionRefused
from orders.bulk_moves import orders_move_many
from orders.models import Channel, Order
from orders.state_machine import MOVES_BY_NAME, Status

# Invoiced, or delivered where the channel invoices itself: the settle move's own condition.
SETTLEABLE = MOVES_BY_NAME["settle"].applicable
FINISHED = (Status.DELIVERED, Status.INVOICED)
DEFAULT_WINDOW_DAYS = 30
# Orders settled per transaction: the locks are held for well under a second.
SETTLE_BATCH = 5000
# A run settles this many at most (under a minute in bulk); the next run goes on.
SWEEP_LIMIT = 100_000


@dataclass
class SettleReport:
    settled: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _money_matched(statement_id: int | None) -> QuerySet[StatementLine]:
    lines = StatementLine.objects.filter(
        kind=Kind.PAYMENT, colour__in=[Colour.GREEN, Colour.YELLOW], order__isnull=False
    )
    if statement_id is not None:
        lines = lines.filter(statement_id=statement_id)
    return lines


def settleable_orders(*, statement_id: int | None = None, order_ids: Sequence[int] | None = None,
                      limit: int = SWEEP_LIMIT) -> list[int]:
    """Ids of settleable orders whose money is matched (with the orders paid together): one
    statement's, these orders', or all."""
    orders = Order.objects.filter(SETTLEABLE, id__in=_money_matched(statement_id).values("order_id"))
    if order_ids is not None:
        orders = orders.filter(id__in=list(order_ids))
    primary = list(orders.order_by("id").values_list("id", "payment_serial_no")[:limit])
    ids = {order_id for order_id, _serial in primary}
    serials = {serial for _id, serial in primary if serial}
    # A statement's worth of serials: in chunks, or one join to a temporary table (PostgreSQL).
    for together in querysets_in(Order.objects.filter(SETTLEABLE), "payment_serial_no", serials):
        ids.update(together.values_list("id", flat=True))
    return sorted(ids)


def orders_settle_matched(
    *, actor, statement_id: int | None = None, order_ids: Sequence[int] | None = None,
    limit: int = SWEEP_LIMIT,
) -> SettleReport:
    """Settle the orders whose money is matched (one statement's, these orders', or all), in
    bulk batches."""
    report = SettleReport()
    reason = (
        texts.SETTLED_BY_STATEMENT.encode(statement=statement_id) if statement_id
        else texts.SETTLED.encode()
    )
    ids = settleable_orders(statement_id=statement_id, order_ids=order_ids, limit=limit)
    for start in range(0, len(ids), SETTLE_BATCH):
        batch = ids[start:start + SETTLE_BATCH]
        try:
            moved = orders_move_many(name="settle", order_ids=batch, actor=actor, reason=reason)
        except PermissionRefused as refused:
            # Refused for the role, not the orders: each is listed with the reason, as always.
            report.refused += [(hub_no, refused.message) for hub_no in Order.objects.filter(
                id__in=batch).order_by("id").values_list("hub_no", flat=True)]
            continue
        report.settled += moved.moved.values()
        report.refused += [(item.hub_no, item.message) for item in moved.not_moved]
    return report


def settlement_window(channel: Channel) -> dt.timedelta:
    """How long after payment a channel's money may take (per channel code in settings)."""
    windows = getattr(settings, "FINANCE_SETTLEMENT_WINDOW_DAYS", {})
    days = windows.get(channel.code, windows.get("default", DEFAULT_WINDOW_DAYS))
    return dt.timedelta(days=days)


def missing_money_sweep(*, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Finished orders without money after their settlement window become red lines."""
    now = now or timezone.now()
    has_lines = StatementLine.objects.filter(order__isnull=False).values("order_id")
    paid_serials = (
        StatementLine.objects.filter(kind=Kind.PAYMENT).exclude(payment_serial_no="")
        .values("payment_serial_no")
    )
    created = 0
    for channel in Channel.objects.order_by("id"):
        window = settlement_window(channel)
        orders = (
            Order.objects.filter(channel=channel, status__in=FINISHED, paid_at__lt=now - window)
            .exclude(id__in=has_lines).exclude(payment_serial_no__in=paid_serials)
            .order_by("id")[: limit - created]
        )
        lines = []
        for order in orders:
            facts = OrderFacts(
                order.id, order.hub_no, order.channel_id, order.status, order.paid_amount
            )
            verdict = no_money_verdict(order=facts, days=window.days)
            lines.append(
                StatementLine(
                    line_key=line_key("missing", str(order.id)),
                    kind=Kind.MISSING,
                    payment_serial_no=order.payment_serial_no,
                    merchant_order_no=order.channel_order_no,
                    occurred_at=now,
                    currency=order.currency,
                    order=order,
                    channel=channel,
                    colour=Colour.RED,
                    cause=Cause.NO_MONEY,
                    explanation=verdict.explanation,
                    expected_amount=verdict.expected,
                    received_amount=verdict.received,
                    difference=verdict.difference,
                    red_since=now,
                )
            )
        created += len(StatementLine.objects.bulk_create(lines, ignore_conflicts=True))
        if created >= limit:
            break
    return created
