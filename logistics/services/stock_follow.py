"""Stock follows the order, whatever path it takes.

The orders app records an event for every move (``orders.events``); the logistics handler
turns each into what it means for stock, and the services below make the stock right for the
order's state as it is now, under its lock, so that the outcome is the same whatever the path,
however late, and however often it runs:

- paid (created paid by a channel, paid later, approved after review): decided, routed and
  reserved (``fulfilment_decide``), while it stays in the warehouse's hands;
- handed to the courier (``hand_over``, or a channel delivery that jumps the order from unpaid
  straight to in transit, or an order created in transit): its reservations are deducted from
  on-hand stock; an order that was never routed (it jumped past the warehouse) is routed and
  reserved first, so that the units leave the warehouse that had them;
- cancelled or refunded: its reservations are released, or deducted when the parcel had
  already left (the goods went with it);
- an order created already delivered or later is history: the hub did not hold its stock and
  changes none (its stock was counted where it was, before the hub kept count).
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from logistics import texts
from logistics.models import FulfilmentDecision, Reservation
from logistics.services.fulfilment import fulfilment_decide, shortage_text
from logistics.services.parcels import address_key, parcels_ship
from logistics.services.routing import Plan, allocate_many
from logistics.services.stock import orders_left_the_warehouse, stock_reservations_close
from orderhub.alerts.services import alert_raise
from orderhub.core.texts import choice
from orders.locks import orders_lock
from orders.models import OrderLine
from orders.selectors import orders_fulfilled_by_channel
from orders.state_machine import CANCELLED_OR_REFUNDED, LEFT_THE_WAREHOUSE, Status

Active = Reservation.ReservationStatus
SHIPPED_REASON = "handed over to the courier"
RELEASE_REASON = "order cancelled or refunded"


@transaction.atomic
def stock_ship_orders(*, order_ids: Sequence[int]) -> dict[int, int]:
    """Orders that left the warehouse: route the ones never routed, then deduct what they
    hold; their parcels have shipped. Returns the units deducted per order (idempotent)."""
    locked = orders_lock(order_ids)
    refunded = [pk for pk, order in locked.items() if order.status == Status.REFUNDED]
    gone = orders_left_the_warehouse(refunded)
    theirs = orders_fulfilled_by_channel(order_ids=locked)  # Amazon AFN: not our stock
    left = {pk: order for pk, order in locked.items()
            if (order.status in LEFT_THE_WAREHOUSE or pk in gone) and pk not in theirs}
    if not left:
        return {}
    decided = set(FulfilmentDecision.objects.filter(order_id__in=list(left))
                  .values_list("order_id", flat=True))
    _route_the_unrouted([order for pk, order in left.items() if pk not in decided])
    moved = stock_reservations_close(orders={pk: Active.DEDUCTED for pk in left},
                                     reason=SHIPPED_REASON)
    parcels_ship(order_ids=list(left))
    return moved


def _route_the_unrouted(orders) -> None:
    """Orders that jumped past the warehouse: route and reserve them now (no rules, no
    capacity: they are gone), so that the deduction takes the units from where they were."""
    if not orders:
        return
    lines: dict[int, list[OrderLine]] = {order.pk: [] for order in orders}
    for line in OrderLine.objects.filter(order_id__in=list(lines)).order_by("pk"):
        lines[line.order_id].append(line)
    allocations, _taken = allocate_many([
        Plan(order=order, lines=lines[order.pk],
             reason=texts.NO_RESERVATION.encode(hub_no=order.hub_no))
        for order in orders])
    FulfilmentDecision.objects.bulk_create([
        FulfilmentDecision(
            order=order, warehouse=allocation.warehouse, over_capacity=False,
            outcome=(FulfilmentDecision.Outcome.ALLOCATED if allocation.ok
                     else FulfilmentDecision.Outcome.OUT_OF_STOCK),
            summary=texts.DECIDED_LATE.encode(
                summary=allocation.summary() or texts.NOT_ROUTED.encode(),
                status=choice(Status, order.status)),
            address_key=address_key(order),
        )
        for order, allocation in zip(orders, allocations)
    ])
    for order, allocation in zip(orders, allocations):
        if not allocation.ok:
            # The parcel is gone but the hub's counts say the goods were never there.
            alert_raise(
                key=f"shipped-without-stock:{order.pk}", kind="shipped_without_stock",
                team="warehouse", order=order,
                title=texts.SHIPPED_WITHOUT_STOCK_TITLE.encode(
                    hub_no=order.hub_no, shortages=shortage_text(allocation)),
                message=texts.SHIPPED_WITHOUT_STOCK_MESSAGE.encode(summary=allocation.summary()),
            )


@transaction.atomic
def stock_release_orders(*, order_ids: Sequence[int]) -> dict[int, int]:
    """Cancelled or refunded orders give back what they hold (deducted instead when the
    parcel had left); unpaid orders never hold any. Returns the units per order."""
    locked = orders_lock(order_ids)
    done = [pk for pk, order in locked.items()
            if order.status in CANCELLED_OR_REFUNDED or order.status == Status.PENDING_PAYMENT]
    if not done:
        return {}
    return stock_reservations_close(orders={pk: Active.RELEASED for pk in done},
                                    reason=RELEASE_REASON)


def stock_follow(*, decide: Sequence[int] = (), ship: Sequence[int] = (),
                 release: Sequence[int] = ()) -> None:
    """What the orders' moves mean for stock, in this order (see the module doc); each step
    checks the order's state as it is now and does nothing where it no longer applies."""
    if decide:
        fulfilment_decide(order_ids=decide)
    if ship:
        stock_ship_orders(order_ids=ship)
    if release:
        stock_release_orders(order_ids=release)
