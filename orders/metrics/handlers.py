"""The figures follow the orders: every move, hold and lift refreshes the order's contribution
to the daily aggregates (``services.order_flows_refresh``), in the handler's transaction."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from orderhub.events.registry import handles
from orders.events import ORDER_CREATED, ORDER_HELD, ORDER_RELEASED, ORDER_STATUS_CHANGED
from orders.metrics.services import order_flows_refresh
from orders.state_machine import Status

# Moves after delivery change no figure (invoicing and settling are not interventions): no
# task is written for them, which keeps finance's bulk settling as cheap as it was.
_NO_FIGURE = frozenset({Status.INVOICED, Status.SETTLED, Status.ARCHIVED, Status.CLOSED})


def _changes_a_figure(kind: str, payload: dict) -> bool:
    return kind != ORDER_STATUS_CHANGED or payload.get("to") not in _NO_FIGURE


@handles(ORDER_CREATED, ORDER_STATUS_CHANGED, ORDER_HELD, ORDER_RELEASED, name="orders.metrics",
         wants=_changes_a_figure, label=_("Management figures follow the order"))
def figures_follow_orders(events) -> None:
    order_ids = {event.order_id for event in events if event.order_id is not None}
    order_flows_refresh(order_ids=order_ids)
