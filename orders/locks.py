"""The one way an order's row is locked.

Every writer that changes an order locks its row first (STYLE.md: the order, then its lines
and gifts, then stock rows, each in primary-key order). ``FOR UPDATE OF`` the order's own row:
a plain ``FOR UPDATE`` with ``select_related("channel")`` also locks the channel's row, which
makes every move and every ingestion of one channel wait for each other (and a PostgreSQL test
pins that a move on one order never waits for another order of the same channel).
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from orderhub.core.errors import NotFound
from orders.models import Order

LOCK_CHUNK = 2000


def orders_for_update(*, skip_locked: bool = False) -> QuerySet[Order]:
    """Orders to lock: only their own rows, whatever the query joins; ``skip_locked`` where the
    database has it (a sweep that leaves busy orders to its next run)."""
    skip = skip_locked and connection.features.has_select_for_update_skip_locked
    return Order.objects.select_for_update(of=("self",), skip_locked=skip)


def order_lock(order_id: int) -> Order:
    """The order, locked, with its channel read (not locked); NotFound when it is gone."""
    try:
        return orders_for_update().select_related("channel").get(pk=order_id)
    except Order.DoesNotExist:
        raise NotFound(f"Order #{order_id} no longer exists.") from None


def orders_lock(ids: Iterable[int], *, skip_locked: bool = False) -> dict[int, Order]:
    """Lock many orders in id order (chunk by chunk); missing ones are left out."""
    ordered = sorted(set(ids))
    locked: dict[int, Order] = {}
    for start in range(0, len(ordered), LOCK_CHUNK):
        chunk = ordered[start:start + LOCK_CHUNK]
        locked.update((order.pk, order) for order in orders_for_update(skip_locked=skip_locked)
                      .select_related("channel").filter(pk__in=chunk).order_by("pk"))
    return locked
