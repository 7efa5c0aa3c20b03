"""What finance does when events arrive (``orderhub.events``).

- ``finance.settle_statement``: a statement was imported → its orders whose money matched
  settle, as the finance user who imported it.
- ``finance.settle_finished``: an order was delivered or invoiced → it settles when its money
  was matched before (a statement that came first); otherwise the statement's import settles
  it later.
- ``finance.expect_refund``: after-sales approved a refund → finance expects that money to go
  out and matches the statements' refund rows to it (``finance/services/refunds.py``).
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from finance.events import REFUND_APPROVED, STATEMENT_IMPORTED
from finance.services.refunds import approval_read, refunds_expect
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


@handles(REFUND_APPROVED, name="finance.expect_refund",
         label=_("Expect the money of a refund after-sales approved"))
def refunds_approved(events) -> None:
    approvals = [approval_read(event.order_id, event.payload) for event in events]
    refunds_expect(approvals=[approval for approval in approvals if approval is not None])
