"""What the orders app tells the other apps: the events it records (``orderhub.events``).

Each event is built here once, for the one-order services and the bulk moves alike, so that a
handler sees the same payload whichever path moved the order.
"""
from __future__ import annotations

from orderhub.events.services import NewEvent

ORDER_STATUS_CHANGED = "order.status_changed"


def status_changed(*, order_id: int, old: str, new: str, move: str) -> NewEvent:
    """An order moved from ``old`` to ``new`` by the move ``move`` of the state-machine table."""
    return NewEvent(ORDER_STATUS_CHANGED, order_id, {"from": old, "to": new, "move": move})
