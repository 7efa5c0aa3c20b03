"""Stock and its ledger: reserve on payment, release on cancel/refund, deduct on hand-over,
nothing held by a failed or unpaid order, low-stock alerts once per crossing, drift check."""
from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from django.utils import timezone

from logistics import tasks
from logistics.models import FulfilmentDecision, Reservation, Stock, StockMovement
from logistics.services.fulfilment import fulfilment_process
from logistics.services.stock import (
    StockLevel,
    stock_drift_check,
    stock_levels_set,
    stock_receive,
)
from orderhub.alerts.models import Alert
from logistics.services.stock_follow import (
    stock_follow,
    stock_release_orders,
    stock_ship_orders,
)
from orderhub.core.errors import PermissionRefused, ValidationFailed
from orderhub.events.dispatch import events_dispatch
from orderhub.events.models import EventTask
from orderhub.events.services import DispatchAfterCommit
from orders import services
from orders.services import LineInput, OrderInput
from orders.state_machine import Status
from tests.factories import ChannelFactory
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db


def ledger(stock: Stock) -> list[tuple]:
    return list(StockMovement.objects.filter(stock=stock).order_by("pk").values_list(
        "kind", "quantity", "on_hand_delta", "reserved_delta"))


def test_payment_reserves_cancel_releases_with_ledger_rows(only_warehouse, stocked, paid_order,
                                                           no_default_rules, manager):
    # given 10 units and a paid order for 3
    stock = stocked(only_warehouse(), "SKU-A", 10)
    order = paid_order({"SKU-A": 3})
    # when it is processed, then 3 are reserved with a ledger row naming the order
    decision = fulfilment_process(order_id=order.pk)
    stock.refresh_from_db()
    assert decision.outcome == FulfilmentDecision.Outcome.ALLOCATED
    assert (stock.on_hand, stock.reserved, stock.available) == (10, 3, 7)
    reserve = StockMovement.objects.get(stock=stock, kind="reserve")
    assert (reserve.order_id, reserve.quantity, render(reserve.reason)) == (
        order.pk, 3, f"order {order.hub_no} paid")
    # when the order is cancelled and its event is handled
    services.order_cancel(order=order, actor=manager, reason="buyer changed mind")
    events_dispatch()
    # then the units are back, the reservation is released, and the ledger says so
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (10, 0, 10)
    assert Reservation.objects.get(order=order).status == "released"
    assert ledger(stock) == [("receive", 10, 10, 0), ("reserve", 3, 0, 3),
                             ("release", 3, 0, -3)]
    # and releasing again changes nothing
    assert stock_release_orders(order_ids=[order.pk]) == {}
    assert len(ledger(stock)) == 3


def test_hand_over_deducts_on_hand_and_reserved(only_warehouse, stocked, paid_order,
                                                no_default_rules):
    stock = stocked(only_warehouse(), "SKU-A", 5)
    order = paid_order({"SKU-A": 2}, status=Status.AWAITING_PICKUP)
    fulfilment_process(order_id=order.pk)
    # when the order leaves the warehouse
    services.order_hand_over(order=order, actor=None)
    events_dispatch()
    # then on hand and reserved both drop; available is unchanged
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 0, 3)
    assert Reservation.objects.get(order=order).status == "deducted"
    assert ledger(stock)[-1] == ("deduct", 2, -2, -2)
    assert stock_ship_orders(order_ids=[order.pk]) == {}  # idempotent


def test_moves_record_events_and_queue_one_dispatch_after_commit(
    paid_order, manager, django_capture_on_commit_callbacks
):
    # given an unpaid order, when it is paid, then cancelled
    order = paid_order(status=Status.PENDING_PAYMENT)
    with django_capture_on_commit_callbacks(execute=True) as paid:
        services.order_pay(order=order, actor=manager)
    with django_capture_on_commit_callbacks() as cancelled:
        services.order_cancel(order=order, actor=manager)
    # then each transaction recorded its move for logistics and queued one dispatch, after
    # commit (nothing is named by a string)
    assert [type(c) for c in paid] == [DispatchAfterCommit]
    assert [type(c) for c in cancelled] == [DispatchAfterCommit]
    assert list(EventTask.objects.filter(handler="logistics.stock").order_by("id")
                .values_list("event__payload__to", flat=True)) == ["paid", "cancelled"]


@pytest.mark.django_db(transaction=True)
def test_paying_reserves_right_after_commit(only_warehouse, stocked, paid_order, manager):
    # given stock and an unpaid order (real commits: the test settings run the worker's
    # dispatch inline, right after each commit)
    stock = stocked(only_warehouse(), "SKU-A", 4)
    order = paid_order({"SKU-A": 1}, status=Status.PENDING_PAYMENT)
    # then it holds nothing while unpaid
    assert fulfilment_process(order_id=order.pk) is None
    assert not Reservation.objects.filter(order=order).exists()
    # when it is paid
    services.order_pay(order=order, actor=manager)
    # then its stock was reserved by the handler when the payment committed
    stock.refresh_from_db()
    assert stock.reserved == 1
    assert FulfilmentDecision.objects.get(order=order).warehouse.code == "T1"


def test_out_of_stock_holds_nothing_and_holds_the_order(only_warehouse, stocked, paid_order,
                                                        no_default_rules):
    # given enough of A but not of B
    warehouse = only_warehouse()
    stock_a = stocked(warehouse, "SKU-A", 5)
    stocked(warehouse, "SKU-B", 1)
    order = paid_order({"SKU-A": 2, "SKU-B": 3})
    # when it is processed
    decision = fulfilment_process(order_id=order.pk)
    # then nothing is reserved (not even A), the order is held with the reason, and alerted
    stock_a.refresh_from_db()
    order.refresh_from_db()
    assert decision.outcome == FulfilmentDecision.Outcome.OUT_OF_STOCK
    assert stock_a.reserved == 0
    assert not Reservation.objects.filter(order=order).exists()
    assert order.on_hold
    [hold] = order.holds.all()
    assert (hold.source, hold.key, render(hold.reason)) == (
        "out_of_stock", "out_of_stock", "SKU SKU-B (needs 3, 1 available)")
    assert hold.params == {"shortages": [{"sku": "SKU-B", "needed": 3, "available": 1}]}
    alert = Alert.objects.get(key=f"out-of-stock:{order.pk}")
    assert (alert.kind, alert.team, alert.order_id) == ("out_of_stock", "warehouse", order.pk)
    assert "SKU-B" in render(alert.title)


def test_running_twice_changes_nothing(only_warehouse, stocked, paid_order):
    stock = stocked(only_warehouse(), "SKU-A", 5)
    order = paid_order({"SKU-A": 2})
    first = fulfilment_process(order_id=order.pk)
    counts = (Reservation.objects.count(), StockMovement.objects.count(),
              order.history.count(), Alert.objects.count())
    # when the fulfilment and the handler run again for the same order
    assert fulfilment_process(order_id=order.pk) == first
    stock_follow(decide=[order.pk])
    # then nothing changed
    stock.refresh_from_db()
    assert stock.reserved == 2
    assert (Reservation.objects.count(), StockMovement.objects.count(),
            order.history.count(), Alert.objects.count()) == counts
    assert FulfilmentDecision.objects.filter(order=order).count() == 1


def test_orders_created_already_paid_are_decided_on_arrival(
    only_warehouse, stocked, no_default_rules
):
    # given a batch of orders that arrive paid from a channel, and one unpaid
    stocked(only_warehouse(), "SKU-A", 5)
    channel = ChannelFactory()
    inputs = [OrderInput(channel_order_no=f"P{n}", status=Status.PAID, paid_at=timezone.now(),
                         receiver={"province": "浙江省"},
                         lines=[LineInput(title="T", quantity=1, unit_price=1, sku="SKU-A")])
              for n in range(3)]
    inputs.append(OrderInput(channel_order_no="U1", lines=inputs[0].lines))
    created = services.orders_create(channel=channel, orders=inputs, actor=None, reason="batch")
    # when the events of that commit are handled
    events_dispatch()
    # then the paid ones have a decision and stock, the unpaid one neither
    paid = {order.pk for order in created[:3]}
    assert set(FulfilmentDecision.objects.values_list("order_id", flat=True)) == paid
    assert set(Reservation.objects.values_list("order_id", flat=True)) == paid


def test_restock_retries_out_of_stock_orders(only_warehouse, stocked, paid_order,
                                             no_default_rules):
    # given an order held as out of stock
    warehouse = only_warehouse()
    stocked(warehouse, "SKU-A", 1)
    order = paid_order({"SKU-A": 2})
    fulfilment_process(order_id=order.pk)
    events_dispatch()
    # when stock arrives (its event is handled)
    stock_receive(warehouse=warehouse, sku="SKU-A", quantity=5, actor=None, reason="delivery")
    events_dispatch()
    # then the order has its stock, its out-of-stock hold is lifted and the alert resolved
    order.refresh_from_db()
    assert FulfilmentDecision.objects.get(order=order).outcome == "allocated"
    assert not order.on_hold
    assert render(order.history.order_by("-history_id").first().history_change_reason) == (
        "release: stock reserved on retry")
    assert Alert.objects.get(key=f"out-of-stock:{order.pk}").status == "resolved"


def test_low_stock_alerts_once_per_crossing(only_warehouse, stocked, paid_order,
                                            no_default_rules):
    # given 6 units and the default threshold of 3
    warehouse = only_warehouse()
    stock = stocked(warehouse, "SKU-A", 6)
    # when orders take it to 3, then 1 available
    for _ in range(5):
        fulfilment_process(order_id=paid_order({"SKU-A": 1}).pk)
    events_dispatch()  # the check runs on the rows' events, after commit
    # then one alert for that crossing
    alerts = Alert.objects.filter(kind="low_stock")
    assert alerts.count() == 1
    assert alerts.get().key == f"stock-low:{stock.pk}:1"
    # when restocked above the threshold, the alert is resolved; a new crossing alerts again
    stock_receive(warehouse=warehouse, sku="SKU-A", quantity=10, actor=None, reason="in")
    events_dispatch()
    assert alerts.get().status == "resolved"
    for _ in range(8):
        fulfilment_process(order_id=paid_order({"SKU-A": 1}).pk)
    events_dispatch()
    assert alerts.count() == 2


def test_drift_check_alerts_on_any_difference_once(only_warehouse, stocked, paid_order,
                                                   no_default_rules):
    stock = stocked(only_warehouse(), "SKU-A", 5)
    fulfilment_process(order_id=paid_order({"SKU-A": 2}).pk)
    # given counters that agree with the ledger: no drift
    assert stock_drift_check() == []
    # when a counter is changed behind the ledger's back
    Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + 1)
    drifts = stock_drift_check()
    # then the row is reported and alerted, once however often the check runs
    assert [d.stock.pk for d in drifts] == [stock.pk]
    assert "counters on hand 6" in render(drifts[0].describe())
    tasks.stock_drift_sweep()
    assert Alert.objects.filter(kind="stock_drift").count() == 1


def test_reserved_counter_is_checked_against_reservations(only_warehouse, stocked, paid_order,
                                                          no_default_rules):
    stock = stocked(only_warehouse(), "SKU-A", 5)
    order = paid_order({"SKU-A": 2})
    fulfilment_process(order_id=order.pk)
    # when a reservation row disappears (the counter and ledger still say 2)
    Reservation.objects.filter(order=order).delete()
    # then the drift check sees the difference
    assert [d.signature for d in stock_drift_check()] == ["0:0:0:2"]
    assert stock.pk == stock_drift_check()[0].stock.pk


def test_database_refuses_overselling_and_negative_stock(only_warehouse, stocked):
    stock = stocked(only_warehouse(), "SKU-A", 2)
    for change in ({"reserved": 3}, {"on_hand": -1}, {"samples": 3}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Stock.objects.filter(pk=stock.pk).update(**change)


def test_stocktake_sets_levels_with_adjust_rows_and_refuses_below_reserved(
        only_warehouse, stocked, paid_order, make_user, no_default_rules):
    warehouse = only_warehouse()
    stock = stocked(warehouse, "SKU-A", 5)
    fulfilment_process(order_id=paid_order({"SKU-A": 3}).pk)
    # when a stocktake counts 8 with 1 sample
    stock_levels_set(levels=[StockLevel(warehouse, "SKU-A", 8, samples=1)],
                     actor=make_user("warehouse"), reason="stocktake")
    stock.refresh_from_db()
    assert (stock.on_hand, stock.samples, stock.available) == (8, 1, 4)
    assert ledger(stock)[-1] == ("adjust", 3, 3, 0)
    # then counting less than is reserved is refused, and changes nothing
    with pytest.raises(ValidationFailed, match="less than what is reserved"):
        stock_levels_set(levels=[StockLevel(warehouse, "SKU-A", 2)], actor=None, reason="x")
    stock.refresh_from_db()
    assert stock.on_hand == 8
    # and a role without the permission may not
    with pytest.raises(PermissionRefused):
        stock_receive(warehouse=warehouse, sku="SKU-A", quantity=1,
                      actor=make_user("customer_service"), reason="x")


def test_refund_after_hand_over_deducts_even_if_the_release_runs_first(
    only_warehouse, stocked, paid_order, no_default_rules, manager
):
    # given an order whose 2 units are reserved and that the courier has taken
    stock = stocked(only_warehouse(), "SKU-A", 5)
    order = paid_order({"SKU-A": 2})
    fulfilment_process(order_id=order.pk)
    for move in ("start_picking", "start_packing", "print_label", "hand_over"):
        services.order_transition(order=order, name=move, actor=manager)
    # when it is refunded (refused at the door) and the release runs before the deduct
    services.order_refund(order=order, actor=manager, reason="refused at the door")
    assert stock_release_orders(order_ids=[order.pk]) == {order.pk: 2}
    # then the units left stock with the parcel: deducted, never available again
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 0, 3)
    assert Reservation.objects.get(order=order).status == "deducted"
    assert stock_ship_orders(order_ids=[order.pk]) == {}
