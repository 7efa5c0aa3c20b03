"""The stock truth on every path (issue: effects that are never lost): whatever moves an order
makes, one at a time or a channel delivery that jumps it, its stock ends right: reserved while
in the warehouse, deducted once when it leaves, released once when it is cancelled or
refunded. The effects are event handlers, run here with ``events_dispatch()`` as the worker
runs them after commit; the drift check finds an order whose reservations do not match its
state."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from channels.services.deliveries import delivery_process, delivery_store
from logistics import handlers
from logistics.models import FulfilmentDecision, Reservation, Stock, StockMovement
from logistics.services.stock import HOLDS_AFTER_END, HOLDS_NONE, orders_stock_drift
from orderhub.events.dispatch import events_dispatch
from orderhub.events.models import EventTask
from orders import services
from orders.models import Channel, Order
from orders.state_machine import Status
from tests.channels import payloads as p
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SKU = "MB-C200"  # the Taobao sample's outer_sku_id, mapped to a master SKU below


@pytest.fixture
def shelf(only_warehouse, stocked, no_default_rules):
    """10 units of the sample's SKU in the only warehouse (which serves Zhejiang)."""
    ProductFactory(sku=SKU, name="奔驰C200 车模")
    return stocked(only_warehouse(provinces="浙江"), SKU, 10)


def counts(stock: Stock) -> tuple[int, int, int]:
    stock.refresh_from_db()
    return stock.on_hand, stock.reserved, stock.available


def ledger(stock: Stock) -> list[tuple[str, int]]:
    return list(StockMovement.objects.filter(stock=stock).exclude(kind="receive")
                .order_by("pk").values_list("kind", "quantity"))


def deliver(trade: dict) -> dict:
    """A Taobao trade as the platform pushes it, processed as the API processes it."""
    channel = Channel.objects.get(code="taobao")
    delivery = delivery_store(channel=channel, body=p.dumps(p.top_fullinfo_response(**trade)),
                              source="api")
    return delivery_process(delivery=delivery, actor=None)


def the_order() -> Order:
    return Order.objects.get(channel_order_no="3842719048812345678")


def trade(status: str, minute: int, **extra) -> dict:
    """The sample trade in ``status``, modified at 09:<minute> (later deliveries are newer)."""
    return {"status": status, "modified": f"2026-01-28 09:{minute:02d}:00", **extra}


def test_one_move_at_a_time(shelf, manager):
    # given an order that arrives paid: decided on arrival, 2 units reserved
    deliver(trade("WAIT_SELLER_SEND_GOODS", 17))
    events_dispatch()
    order = the_order()
    assert counts(shelf) == (10, 2, 8)
    # when the warehouse works it, nothing moves until it leaves
    for move in ("start_picking", "start_packing", "print_label"):
        services.order_transition(order=order, name=move, actor=manager)
        events_dispatch()
    assert counts(shelf) == (10, 2, 8)
    # when the courier takes it, the 2 units leave on-hand stock, once
    services.order_hand_over(order=order, actor=manager)
    events_dispatch()
    services.order_deliver(order=order, actor=manager)
    events_dispatch()
    assert counts(shelf) == (8, 0, 8)
    assert ledger(shelf) == [("reserve", 2), ("deduct", 2)]


def test_a_delivery_that_jumps_from_unpaid_to_in_transit_reserves_then_deducts(shelf):
    # given an order that arrived unpaid: it holds nothing
    deliver(trade("WAIT_BUYER_PAY", 10, pay_time=None))
    events_dispatch()
    assert counts(shelf) == (10, 0, 10)
    # when the next delivery (a backlog import) says it is already on its way
    deliver(trade("WAIT_BUYER_CONFIRM_GOODS", 30))
    assert the_order().status == Status.IN_TRANSIT  # pay → … → hand over in one transaction
    events_dispatch()
    # then it was routed and reserved, and deducted once: the units left the warehouse
    assert counts(shelf) == (8, 0, 8)
    assert ledger(shelf) == [("reserve", 2), ("deduct", 2)]
    assert FulfilmentDecision.objects.get(order=the_order()).warehouse.code == "T1"


def test_an_order_created_in_transit_is_deducted_and_one_created_delivered_is_history(shelf):
    # when an order arrives already in transit, and another arrives already finished
    deliver(trade("WAIT_BUYER_CONFIRM_GOODS", 30))
    deliver(trade("TRADE_FINISHED", 31, tid="3842719048800000001",
                  tid_str="3842719048800000001"))
    events_dispatch()
    # then the one on its way took its units; the finished one (history) changed nothing
    assert counts(shelf) == (8, 0, 8)
    finished = Order.objects.get(channel_order_no="3842719048800000001")
    assert not Reservation.objects.filter(order=finished).exists()


def test_cancelled_before_the_warehouse_releases_once(shelf, manager):
    deliver(trade("WAIT_SELLER_SEND_GOODS", 17))
    events_dispatch()
    # when the channel closes the trade before picking, and the close is delivered twice
    deliver(trade("TRADE_CLOSED", 20))
    deliver(trade("TRADE_CLOSED", 20, buyer_message="again"))
    events_dispatch()
    # then the units are back, released once
    assert the_order().status == Status.REFUNDED
    assert counts(shelf) == (10, 0, 10)
    assert ledger(shelf) == [("reserve", 2), ("release", 2)]


def test_paid_and_cancelled_before_the_handler_runs_holds_nothing(shelf, manager):
    # given an order paid and cancelled before any handler ran (a slow worker)
    deliver(trade("WAIT_BUYER_PAY", 10, pay_time=None))
    services.order_pay(order=the_order(), actor=manager)
    services.order_cancel(order=the_order(), actor=manager, reason="changed mind")
    # when the handler gets both events at once
    events_dispatch()
    # then it reserved nothing for a cancelled order
    assert counts(shelf) == (10, 0, 10)
    assert ledger(shelf) == []


def test_a_refund_after_shipping_keeps_the_units_gone(shelf, manager):
    deliver(trade("WAIT_SELLER_SEND_GOODS", 17))
    deliver(trade("WAIT_BUYER_CONFIRM_GOODS", 40))
    events_dispatch()
    assert counts(shelf) == (8, 0, 8)
    # when the channel then says the trade was refunded (refused at the door), the hub holds
    # the order for a person; when the person refunds it
    deliver(trade("TRADE_CLOSED", 50))
    assert the_order().on_hold and the_order().status == Status.IN_TRANSIT
    services.order_refund(order=the_order(), actor=manager, reason="refused at the door")
    events_dispatch()
    # then the units stay gone (they come back through after-sales, not by a release)
    assert counts(shelf) == (8, 0, 8)
    assert ledger(shelf) == [("reserve", 2), ("deduct", 2)]


def test_a_handler_that_dies_half_way_is_retried_and_applies_once(shelf, manager, monkeypatch):
    # given a paid order that jumps to in transit, and a handler that dies after it has
    # reserved and deducted, before it finishes (its last step fails, while "dying")
    deliver(trade("WAIT_SELLER_SEND_GOODS", 17))
    deliver(trade("WAIT_BUYER_CONFIRM_GOODS", 40))
    real = handlers.stock_follow
    dying = {"now": True}

    def dies_after_the_work(**kwargs):
        real(**kwargs)
        if dying["now"]:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(handlers, "stock_follow", dies_after_the_work)
    # when the dispatcher runs: the batch fails, then its first event alone fails too (the
    # others wait behind it: they are the same order's)
    events_dispatch()
    task = EventTask.objects.filter(handler="logistics.stock", status="pending").first()
    # then nothing it did was kept; the tasks wait for their retry, with the error
    assert counts(shelf) == (10, 0, 10)
    assert task is not None and "worker killed" in task.last_error
    # when the retry comes (the backoff has passed) and the worker no longer dies
    dying["now"] = False
    EventTask.objects.filter(status="pending").update(due_at=timezone.now())
    events_dispatch()
    events_dispatch()
    # then the stock is right, and every effect happened exactly once
    assert counts(shelf) == (8, 0, 8)
    assert ledger(shelf) == [("reserve", 2), ("deduct", 2)]
    assert not EventTask.objects.exclude(status="done").exists()


def test_the_drift_check_finds_orders_whose_reservations_do_not_match(shelf, paid_order):
    # given an order whose cancellation was never handled (an event discarded by hand), and a
    # paid order in the warehouse that holds nothing (its events never came)
    deliver(trade("WAIT_SELLER_SEND_GOODS", 17))
    events_dispatch()
    Order.objects.filter(pk=the_order().pk).update(status=Status.CANCELLED)
    forgotten = paid_order({SKU: 1}, status=Status.PICKING,
                           paid_at=timezone.now() - dt.timedelta(hours=1),
                           state_entered_at=timezone.now() - dt.timedelta(hours=1))
    # when the drift check runs, then both are found, with what is wrong
    found = {(d.order_id, d.problem, d.units) for d in orders_stock_drift()}
    assert found == {(the_order().pk, HOLDS_AFTER_END, 2), (forgotten.pk, HOLDS_NONE, 0)}
    # and an order paid a minute ago is not (yet) a problem
    paid_order({SKU: 1}, state_entered_at=timezone.now())
    assert len(orders_stock_drift()) == 2
