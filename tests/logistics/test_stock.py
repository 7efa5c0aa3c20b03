"""Stock and its ledger: reserve on payment, release on cancel/refund, deduct on hand-over,
nothing held by a failed or unpaid order, low-stock alerts once per crossing, drift check."""
from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

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
from orderhub.core.errors import PermissionRefused, ValidationFailed
from orders import services
from orders.state_machine import Status

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
    assert (reserve.order_id, reserve.quantity, reserve.reason) == (
        order.pk, 3, f"order {order.hub_no} paid")
    # when the order is cancelled and the release task runs
    services.order_cancel(order=order, actor=manager, reason="buyer changed mind")
    assert tasks.order_released(order.pk) == 3
    # then the units are back, the reservation is released, and the ledger says so
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (10, 0, 10)
    assert Reservation.objects.get(order=order).status == "released"
    assert ledger(stock) == [("receive", 10, 10, 0), ("reserve", 3, 0, 3),
                             ("release", 3, 0, -3)]
    # and releasing again changes nothing
    assert tasks.order_released(order.pk) == 0
    assert len(ledger(stock)) == 3


def test_hand_over_deducts_on_hand_and_reserved(only_warehouse, stocked, paid_order,
                                                no_default_rules):
    stock = stocked(only_warehouse(), "SKU-A", 5)
    order = paid_order({"SKU-A": 2})
    fulfilment_process(order_id=order.pk)
    # when the order leaves the warehouse
    assert tasks.order_shipped(order.pk) == 2
    # then on hand and reserved both drop; available is unchanged
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 0, 3)
    assert Reservation.objects.get(order=order).status == "deducted"
    assert ledger(stock)[-1] == ("deduct", 2, -2, -2)
    assert tasks.order_shipped(order.pk) == 0  # idempotent


def test_service_side_effects_are_scheduled_after_commit(paid_order, manager,
                                                         django_capture_on_commit_callbacks):
    # given an unpaid order, when it is paid, cancelled: the logistics tasks are queued
    order = paid_order(status=Status.PENDING_PAYMENT)
    with django_capture_on_commit_callbacks() as paid:
        services.order_pay(order=order, actor=manager)
    with django_capture_on_commit_callbacks() as cancelled:
        services.order_cancel(order=order, actor=manager)
    # then one callback each (enqueue_on_commit), none before the commit
    assert len(paid) == 1 and len(cancelled) == 1


def test_paying_runs_the_fulfilment_task_after_commit(only_warehouse, stocked, paid_order,
                                                      manager, no_default_rules,
                                                      django_capture_on_commit_callbacks):
    # given stock and an unpaid order
    stock = stocked(only_warehouse(), "SKU-A", 4)
    order = paid_order({"SKU-A": 1}, status=Status.PENDING_PAYMENT)
    # then it holds nothing while unpaid
    assert fulfilment_process(order_id=order.pk) is None
    assert not Reservation.objects.filter(order=order).exists()
    # when it is paid (tasks run inline in tests once the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_pay(order=order, actor=manager)
    # then its stock is reserved by the task
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
    assert order.hold_reason == "out of stock: SKU SKU-B (needs 3, 1 available)"
    alert = Alert.objects.get(key=f"out-of-stock:{order.pk}")
    assert (alert.kind, alert.team, alert.order_id) == ("out_of_stock", "warehouse", order.pk)
    assert "SKU-B" in alert.title


def test_running_twice_changes_nothing(only_warehouse, stocked, paid_order):
    stock = stocked(only_warehouse(), "SKU-A", 5)
    order = paid_order({"SKU-A": 2})
    first = fulfilment_process(order_id=order.pk)
    counts = (Reservation.objects.count(), StockMovement.objects.count(),
              order.history.count(), Alert.objects.count())
    # when the task and the sweep run again for the same order
    assert tasks.order_paid(order.pk) == str(first.get_outcome_display())
    tasks.fulfilment_sweep()
    # then nothing changed
    stock.refresh_from_db()
    assert stock.reserved == 2
    assert (Reservation.objects.count(), StockMovement.objects.count(),
            order.history.count(), Alert.objects.count()) == counts
    assert FulfilmentDecision.objects.filter(order=order).count() == 1


def test_sweep_processes_orders_created_already_paid(only_warehouse, stocked, paid_order,
                                                     no_default_rules):
    # given orders ingested as paid (no order_pay, so no task) and one unpaid order
    stocked(only_warehouse(), "SKU-A", 5)
    paid = [paid_order({"SKU-A": 1}) for _ in range(2)]
    unpaid = paid_order({"SKU-A": 1}, status=Status.PENDING_PAYMENT)
    # when the sweep runs
    assert tasks.fulfilment_sweep()["processed"] == 2
    # then the paid ones have a decision and stock; the unpaid one neither
    assert set(FulfilmentDecision.objects.values_list("order_id", flat=True)) == {
        o.pk for o in paid}
    assert not Reservation.objects.filter(order=unpaid).exists()


def test_sweep_retries_out_of_stock_orders_after_restock(only_warehouse, stocked, paid_order,
                                                         no_default_rules):
    # given an order held as out of stock
    warehouse = only_warehouse()
    stocked(warehouse, "SKU-A", 1)
    order = paid_order({"SKU-A": 2})
    fulfilment_process(order_id=order.pk)
    # when stock arrives and the sweep runs
    stock_receive(warehouse=warehouse, sku="SKU-A", quantity=5, actor=None, reason="delivery")
    assert tasks.fulfilment_sweep()["reserved_on_retry"] == 1
    # then the order has its stock, its out-of-stock hold is lifted and the alert resolved
    order.refresh_from_db()
    assert FulfilmentDecision.objects.get(order=order).outcome == "allocated"
    assert not order.on_hold
    assert order.history.order_by("-history_id").first().history_change_reason == (
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
    # then one alert for that crossing
    alerts = Alert.objects.filter(kind="low_stock")
    assert alerts.count() == 1
    assert alerts.get().key == f"stock-low:{stock.pk}:1"
    # when restocked above the threshold, the alert is resolved; a new crossing alerts again
    stock_receive(warehouse=warehouse, sku="SKU-A", quantity=10, actor=None, reason="in")
    assert alerts.get().status == "resolved"
    for _ in range(8):
        fulfilment_process(order_id=paid_order({"SKU-A": 1}).pk)
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
    assert "counters on hand 6" in drifts[0].describe()
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
    # when it is refunded (refused at the door) and the release task runs before the deduct
    services.order_refund(order=order, actor=manager, reason="refused at the door")
    assert tasks.order_released(order.pk) == 2
    # then the units left stock with the parcel: deducted, never available again
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 0, 3)
    assert Reservation.objects.get(order=order).status == "deducted"
    assert tasks.order_shipped(order.pk) == 0
