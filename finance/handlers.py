"""What finance does when events arrive (``orderhub.events``).

- ``finance.settle_statement``: a statement was imported → its orders whose money matched
  settle, as the finance user who imported it.
- ``finance.settle_finished``: an order was delivered or invoiced → it settles when its money
  was matched before (a statement that came first); otherwise the statement's import settles
  it later.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from finance.events import STATEMENT_IMPORTED
from finance.services.settlement import orders_settle_matched
from orderhub.events.registry import handles
from orders.events import ORDER_STATUS_CHANGED
from orders.state_machine import Status

_FINISHED = frozenset({Status.DELIVERED, Status.INVOICED})


@handles(STATEMENT_IMPORTED, name="finance.settle_statement",
         label=_("Settle a statement's orders"))
def statement_orders_settle(events) -> None:
    users = get_user_model().objects.in_bulk(
        {event.payload["actor_id"] for event in events if event.payload.get("actor_id")})
    for event in events:
        orders_settle_matched(actor=users.get(event.payload.get("actor_id")),
                              statement_id=event.payload["statement_id"])


@handles(ORDER_STATUS_CHANGED, name="finance.settle_finished",
         wants=lambda _kind, payload: payload.get("to") in _FINISHED,
         label=_("Settle a delivered or invoiced order whose money came"))
def finished_orders_settle(events) -> None:
    orders_settle_matched(actor=None, order_ids=sorted({event.order_id for event in events}))
