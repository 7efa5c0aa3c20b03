"""Settling in bulk beside one-order moves, on PostgreSQL: neither waits for the other, and an
order someone else moves while finance settles is reported, not settled.

A one-order move locks its order and the order's channel (``orders.services._lock``); a bulk
settle locks only its orders (``FOR UPDATE OF``), in id order. The tests hold one side's
transaction open (its locks held) while the other runs with a ``lock_timeout``: a statement
that had to wait for a row lock fails instead of passing slowly. SQLite takes no row locks, so
these tests need PostgreSQL (PITFALLS.md).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from finance.services.settlement import orders_settle_matched
from finance.services.statements import statement_import
from orderhub.events.models import Event
from orders import services
from orders.bulk_moves import orders_move_many
from orders.models import Order
from orders.state_machine import Status
from tests.conftest import requires_postgres
from tests.factories import ChannelFactory, OrderFactory
from tests.finance.bills import WechatRow, wechat_bill
from tests.orders.test_concurrency import wait_for_lock_waiters

pytestmark = [requires_postgres(), pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("a_warehouse")]

WAIT_SECONDS = 20
# Far longer than either side needs, far shorter than waiting for the other side to commit.
LOCK_TIMEOUT = "3s"


class InThread:
    """``call`` in a thread of its own (its own connection), in a transaction that stays open,
    its locks held, until ``commit()`` (or, with ``hold=False``, commits when ``call`` returns;
    ``commit()`` then waits for that)."""

    def __init__(self, call: Callable[[], Any], *, hold: bool = True) -> None:
        self.call = call
        self.hold = hold
        self.result: Any = None
        self.error: Exception | None = None
        self.done = threading.Event()
        self.go_on = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with transaction.atomic():
                self.result = self.call()
                self.done.set()
                if self.hold:
                    self.go_on.wait(WAIT_SECONDS)
        except Exception as exc:  # the test looks at it
            self.error = exc
        finally:
            self.done.set()
            connection.close()

    def commit(self) -> Any:
        self.go_on.set()
        self.thread.join(WAIT_SECONDS)
        assert not self.thread.is_alive(), "the thread never finished"
        if self.error is not None:
            raise self.error
        return self.result


def without_waiting(call: Callable[[], Any]) -> Any:
    """Run ``call`` in a transaction in which waiting for a row lock is an error."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        return call()


def test_a_bulk_settle_and_a_one_order_move_on_the_same_channel_never_wait_for_each_other(
    make_user,
):
    finance, warehouse = make_user("finance"), make_user("warehouse")
    channel = ChannelFactory()
    invoiced = [OrderFactory(channel=channel, status=Status.INVOICED) for _ in range(30)]
    paid = OrderFactory(channel=channel, status=Status.PAID)

    def settle(orders: list[Order]):
        return orders_move_many(name="settle", order_ids=[order.pk for order in orders],
                                actor=finance, reason="statement #1")

    # given the warehouse's move of another order of the channel, not committed yet: it holds
    # that order's row and the channel's
    picking = InThread(lambda: services.order_start_picking(order=paid, actor=warehouse))
    assert picking.done.wait(WAIT_SECONDS)
    # when finance settles the invoiced orders meanwhile, then it does not wait for that move
    first = without_waiting(lambda: settle(invoiced[:15]))
    picking.commit()
    # given a bulk settle not committed yet: it holds its orders' rows
    settling = InThread(lambda: settle(invoiced[15:]))
    assert settling.done.wait(WAIT_SECONDS)
    # when the warehouse moves another order of the channel meanwhile, it does not wait either
    without_waiting(lambda: services.order_start_packing(order=paid, actor=warehouse))
    second = settling.commit()
    # then everything committed: 30 settled, each once, and the other order moved twice
    assert len(first.moved) == len(second.moved) == 15
    assert set(Order.objects.filter(pk__in=[o.pk for o in invoiced])
               .values_list("status", flat=True)) == {Status.SETTLED}
    assert Event.objects.filter(order_id__in=[o.pk for o in invoiced]).count() == 30
    paid.refresh_from_db()
    assert paid.status == Status.PACKING


def test_an_order_refunded_between_the_selection_and_the_lock_is_reported_not_settled(
    make_user,
):
    finance = make_user("finance")
    # given five orders whose money one statement brought while they waited for the invoice
    # (the settle after the import left them), invoiced since
    channel = ChannelFactory(skips_invoicing=False)
    orders = [
        OrderFactory(channel=channel, status=Status.DELIVERED, paid_amount=Decimal("30.00"),
                     payment_serial_no=f"42000000000000000009{n:02d}")
        for n in range(5)
    ]
    rows = [WechatRow(order.payment_serial_no, order.hub_no, settled="30.00") for order in orders]
    statement = statement_import(content=wechat_bill(rows), file_name="bill.csv",
                                 source="wechatpay", actor=finance).statement
    # (invoiced behind the hub's back: through the service, each invoice's event would settle
    # its order at once, and there would be nothing left to race)
    Order.objects.filter(pk__in=[order.pk for order in orders]).update(status=Status.INVOICED)
    for order in orders:
        order.refresh_from_db()
    refunded = orders[2]
    # given the buyer's refund of one of them under way: its row is locked, nothing committed
    refund = InThread(lambda: services.order_refund(order=refunded, actor=finance,
                                                    reason="buyer returned it"))
    assert refund.done.wait(WAIT_SECONDS)
    # when finance settles the statement's orders: it chooses all five (the refund is not
    # committed) and waits for that one order's lock; the refund commits, the settle goes on
    settling = InThread(
        lambda: orders_settle_matched(actor=finance, statement_id=statement.pk), hold=False
    )
    wait_for_lock_waiters(1)
    refund.commit()
    report = settling.commit()
    # then the refunded order is reported as not settled, in the words of the refusal, and the
    # four others are settled
    assert report.settled == [order.hub_no for order in orders if order is not refunded]
    [(hub_no, why)] = report.refused
    assert hub_no == refunded.hub_no
    assert why.startswith(f"Order {refunded.hub_no} cannot 'settle': it is 'refunded'")
    # and it stays refunded: its last history row and its last event are the refund's
    refunded.refresh_from_db()
    assert refunded.status == Status.REFUNDED
    assert [row.status for row in refunded.history.order_by("history_id")] == [
        Status.DELIVERED, Status.REFUNDED,
    ]
    assert [event.payload["move"] for event in Event.objects.filter(order_id=refunded.pk)
            .order_by("id")] == ["refund"]
