"""Reads on orders: filtered, prefetched querysets for the admin, the API and dashboards."""
from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from orderhub.core.errors import NotFound
from orders.models import GiftOrder, Hold, Order, OrderLine, OrderTag
from orders.search import order_search_q
from orders.state_machine import statuses_in_stage


#: The columns a row of the order list shows (the API's list, the search box's results). An
#: order has about fifty columns; building a page of 50 orders from these alone halves the
#: time a search for a common name takes (measured in ``bench/search.py``).
LIST_ROW_FIELDS = (
    "id", "hub_no", "channel_id", "channel__code", "channel__name", "channel_order_no",
    "status", "on_hold", "paid_amount", "currency", "paid_at", "receiver_name",
    "receiver_phone", "receiver_province", "receiver_city", "created_at", "placed_at",
    "ship_by", "state_due_at", "is_stuck",
)


def order_list(
    *,
    q: str = "",
    status: str | list[str] | None = None,
    stage: str | None = None,
    channel: str | None = None,
    on_hold: bool | None = None,
) -> QuerySet[Order]:
    """Orders, newest first, with what a list row shows (``LIST_ROW_FIELDS``)."""
    qs = Order.objects.select_related("channel").only(*LIST_ROW_FIELDS)
    if q.strip():
        qs = qs.filter(order_search_q(q))
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else status)
    if stage:
        qs = qs.filter(status__in=statuses_in_stage(stage))
    if channel:
        qs = qs.filter(channel__code=channel)
    if on_hold is not None:
        qs = qs.filter(on_hold=on_hold)
    return qs.order_by("-id")


#: Prefetches other apps add for the sections they add to the order's JSON
#: (``OrderDetailSerializer.sections``), so that many orders render in a fixed number of
#: queries; orders may not import them, so they register here (logistics: the parcels).
ORDER_DETAIL_PREFETCHES: list[Prefetch] = []


def order_detail_queryset() -> QuerySet[Order]:
    """Orders with lines, gift sub-orders, holds and the other apps' sections prefetched (one
    query each)."""
    return Order.objects.select_related("channel", "customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch("gift_orders", queryset=GiftOrder.objects.order_by("id")),
        Prefetch("holds", queryset=Hold.objects.select_related("placed_by", "released_by")
                 .order_by("id")),
        *ORDER_DETAIL_PREFETCHES,
    )


def order_get(*, hub_no: str) -> Order:
    """One order by hub number, with lines and gifts; NotFound with a message."""
    try:
        return order_detail_queryset().get(hub_no=hub_no.strip().upper())
    except Order.DoesNotExist:
        raise NotFound(f"No order with hub number '{hub_no}'.") from None


# Staff IP addresses in the order history are personal data: only roles that audit staff see
# them (managers; not finance, customer service or integrators). Everyone else reads null.
STAFF_IP_PERMISSION = "orders.view_historicalorder"


def can_see_staff_ips(user) -> bool:
    return bool(user is not None and user.has_perm(STAFF_IP_PERMISSION))


def order_timeline(*, order: Order, viewer=None) -> list[dict]:
    """The order's history as a timeline: when, who, from where, why and what changed.

    ``ip_address`` is given only when ``viewer`` may see staff addresses
    (:func:`can_see_staff_ips`); otherwise it is ``None``."""
    show_ips = can_see_staff_ips(viewer)
    # simple-history's manager cannot be prefetched: one query, with the users joined.
    records = order.history.select_related("history_user").order_by("history_date", "history_id")
    timeline = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [
                {"field": c.field, "old": _plain(c.old), "new": _plain(c.new)}
                for c in delta.changes
            ]
        timeline.append(
            {
                "at": record.history_date,
                "type": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "user": getattr(record.history_user, "username", None),
                "ip_address": record.ip_address if show_ips else None,
                "reason": record.history_change_reason or "",
                "status": record.status,
                "changes": changes,
            }
        )
        previous = record
    return timeline


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# An order the channel fulfils from its own warehouse (Amazon's AFN): recorded in the hub,
# never routed to the hub's warehouses (no reservation, no deduction, no parcel).
FULFILLED_BY_CHANNEL = "fulfilled_by_channel"


def orders_fulfilled_by_channel(*, order_ids) -> set[int]:
    """Those of ``order_ids`` that the channel ships itself (tagged ``fulfilled_by_channel``)."""
    return set(OrderTag.objects.filter(order_id__in=list(order_ids), tag=FULFILLED_BY_CHANNEL)
               .values_list("order_id", flat=True))
