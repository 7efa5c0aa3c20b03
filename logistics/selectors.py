"""Reads of the logistics app: the sweep's work lists, the picking queue, stock, decisions."""
from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext

from logistics.models import (
    FulfilmentDecision,
    ParcelMember,
    Reservation,
    RuleMatch,
    Stock,
    Warehouse,
)
from orders.models import GiftOrder, Order, OrderLine
from orders.state_machine import Status

# The warehouse's open work: not yet packed and labelled.
QUEUE_STATUSES = (Status.PAID, Status.PICKING, Status.PACKING)


def orders_waiting_for_skus(*, skus: Sequence[str], statuses: Sequence[str],
                            limit: int) -> list[int]:
    """Ids of out-of-stock orders with a line of one of these SKUs, longest waiting first."""
    if not skus:
        return []
    waiting = OrderLine.objects.filter(order_id=OuterRef("order_id"), sku__in=list(skus))
    return list(
        FulfilmentDecision.objects.filter(
            outcome=FulfilmentDecision.Outcome.OUT_OF_STOCK, order__status__in=statuses,
        ).filter(Exists(waiting)).order_by("updated_at", "order_id")
        .values_list("order_id", flat=True)[:limit]
    )


def picking_queue(*, warehouse: Warehouse | None = None) -> QuerySet[FulfilmentDecision]:
    """Across warehouses, the most overdue first (``PICKING_ORDER``)."""
    qs = FulfilmentDecision.objects.filter(
        outcome=FulfilmentDecision.Outcome.ALLOCATED, order__status__in=QUEUE_STATUSES,
    ).select_related("order", "order__channel", "warehouse")
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    return qs.order_by(*PICKING_ORDER)


# The queue's order, across warehouses: the step furthest past its due time first (the
# earliest ``state_due_at``: an order due an hour ago is more overdue than one due a minute
# ago, and both before one not yet due), then the earliest promised ship-by, the urgent
# before the normal, the oldest payment. The warehouse is not a key: the floor works the most
# overdue order wherever it is (the warehouse filter narrows the list to one).
PICKING_ORDER = (
    F("order__state_due_at").asc(nulls_last=True), F("order__ship_by").asc(nulls_last=True),
    F("order__priority").desc(), F("order__paid_at").asc(nulls_last=True), "order_id",
)


def stock_list(
    *, sku: str = "", warehouse: str = "", low_only: bool = False
) -> QuerySet[Stock]:
    """Stock rows with their warehouse, by warehouse and SKU; ``low_only`` keeps rows at or
    under their threshold."""
    qs = Stock.objects.select_related("warehouse").annotate(
        available_now=F("on_hand") - F("reserved") - F("samples")
    )
    if sku:
        qs = qs.filter(sku=sku.strip())
    if warehouse:
        qs = qs.filter(warehouse__code=warehouse.strip())
    if low_only:
        qs = qs.filter(available_now__lte=F("low_stock_threshold"))
    return qs.order_by("warehouse__priority", "warehouse__code", "sku", "pk")


def decision_outcome_text(decision: FulfilmentDecision, *, status: str) -> str:
    """The decision's outcome as staff read it, given the order's status: stock is reserved at
    the decision, but an order in risk review is not allocated to the warehouse until it is
    approved."""
    if decision.outcome == FulfilmentDecision.Outcome.ALLOCATED and status == Status.RISK_REVIEW:
        return gettext("Stock reserved; in risk review")
    return decision.get_outcome_display()


def decision_for_order(*, order: Order) -> FulfilmentDecision | None:
    """The order's decision with its matched rules (or ``None`` if not decided yet)."""
    return (
        FulfilmentDecision.objects.select_related("warehouse")
        .prefetch_related(Prefetch("matches", queryset=RuleMatch.objects.order_by(
            "rule_priority", "id")))
        .filter(order=order).first()
    )


def order_reservations(*, order: Order) -> list[Reservation]:
    return list(
        Reservation.objects.filter(order=order).select_related("stock__warehouse", "order_line")
        .order_by("pk")
    )


def order_parcel(*, order: Order) -> ParcelMember | None:
    """The order's parcel membership, with the parcel and its other members."""
    return (
        ParcelMember.objects.select_related("parcel__warehouse")
        .prefetch_related(Prefetch("parcel__members", queryset=ParcelMember.objects
                                   .select_related("order").order_by("pk")))
        .filter(order=order).first()
    )


def pending_gifts(*, order: Order) -> list[GiftOrder]:
    return list(order.gift_orders.filter(status=GiftOrder.GiftStatus.PENDING).order_by("pk"))


def low_stock(*, warehouse: Warehouse | None = None) -> QuerySet[Stock]:
    qs = stock_list(low_only=True)
    return qs.filter(warehouse=warehouse) if warehouse is not None else qs

