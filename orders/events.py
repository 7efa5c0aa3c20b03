"""What the orders app tells the other apps: the kinds of event it records, and their payloads.

Recorded by the orders services in the transaction of the change (``orderhub.events``); apps
that must act register handlers for them in their own ``handlers.py`` (logistics reserves and
ships stock, finance settles, the webhooks tell integrators). Payloads are plain JSON values.
"""
from __future__ import annotations

from collections.abc import Iterable

from orderhub.events.services import NewEvent, events_record

#: ``{"status": <code>}``: an order came in (from a channel, the admin or a command).
ORDER_CREATED = "order.created"
#: ``{"from": <code>, "to": <code>, "move": <move name>}``: one move of the state machine.
ORDER_STATUS_CHANGED = "order.status_changed"
#: ``{"hold_id": <id>, "source": <code>, "reason": <text>}``: a hold was placed.
ORDER_HELD = "order.held"
#: ``{"hold_id": <id>, "source": <code>}``: a hold was lifted.
ORDER_RELEASED = "order.released"

ORDER_EVENTS = (ORDER_CREATED, ORDER_STATUS_CHANGED, ORDER_HELD, ORDER_RELEASED)


def orders_created_record(orders: Iterable[tuple[int, str]]) -> None:
    """``order.created`` for each (order id, status) of a batch, in one go."""
    events_record([NewEvent(ORDER_CREATED, order_id, {"status": status})
                   for order_id, status in orders])


def status_changed(*, order_id: int, old: str, new: str, move: str) -> NewEvent:
    """An order moved from ``old`` to ``new`` by the move ``move`` of the state-machine table:
    built here once, for the one-order services and the bulk moves alike, so that a handler
    sees the same payload whichever path moved the order."""
    return NewEvent(ORDER_STATUS_CHANGED, order_id, {"from": old, "to": new, "move": move})


def order_moved_record(*, order_id: int, source: str, target: str, move: str) -> None:
    events_record([status_changed(order_id=order_id, old=source, new=target, move=move)])
