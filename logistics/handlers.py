"""What logistics does when other apps' events arrive (``orderhub.events``).

- ``logistics.stock``: orders' moves → decide, route and reserve; deduct when they leave;
  release when they are cancelled or refunded (``services.stock_follow``). One batch of events
  is one batch of orders: an ingestion's paid orders are decided together.
- ``logistics.low_stock``: stock rows that changed → the low-stock threshold check.
- ``logistics.restock``: stock rows that changed → out-of-stock orders waiting for those SKUs
  try again (oldest first).
"""
from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from logistics.selectors import orders_waiting_for_skus
from logistics.services.fulfilment import ELIGIBLE, fulfilment_retry
from logistics.services.stock import STOCK_CHANGED, low_stock_check
from logistics.services.stock_follow import stock_follow
from orderhub.core.errors import DomainError
from orderhub.events.registry import handles
from orders.events import ORDER_CREATED, ORDER_STATUS_CHANGED
from orders.state_machine import CANCELLED_OR_REFUNDED, Status

logger = logging.getLogger(__name__)

# Stock waits for these: a paid order to decide, the parcel leaving, the sale undone.
_DECIDE = frozenset(ELIGIBLE)
_RELEASE = frozenset(CANCELLED_OR_REFUNDED)
RETRY_BATCH = 100


def _stock_moves(kind: str, payload: dict) -> bool:
    status = payload.get("status") if kind == ORDER_CREATED else payload.get("to")
    return status in _DECIDE or status in _RELEASE or status == Status.IN_TRANSIT


# Urgent: a paid order's decision is due within seconds (DESIGN.md section 6), whatever else a
# peak day has queued.
@handles(ORDER_CREATED, ORDER_STATUS_CHANGED, name="logistics.stock", wants=_stock_moves,
         label=_("Stock follows the order (reserve, ship, release)"), urgent=True)
def stock_follows_orders(events) -> None:
    decide, ship, release = [], [], []
    for event in events:
        status = event.payload.get("status") if event.kind == ORDER_CREATED \
            else event.payload.get("to")
        if status in _DECIDE:
            decide.append(event.order_id)
        elif status == Status.IN_TRANSIT:
            ship.append(event.order_id)
        elif status in _RELEASE:
            release.append(event.order_id)
    stock_follow(decide=decide, ship=ship, release=release)


@handles(STOCK_CHANGED, name="logistics.low_stock", label=_("Low-stock check"),
         wants=lambda _kind, payload: payload.get("crossed", True))
def low_stock_follows_stock(events) -> None:
    low_stock_check(stock_ids=sorted({event.payload["stock_id"] for event in events}))


@handles(STOCK_CHANGED, name="logistics.restock", wants=lambda _kind, payload: payload["up"],
         label=_("Out-of-stock orders tried again"))
def out_of_stock_orders_retry(events) -> None:
    skus = sorted({event.payload["sku"] for event in events})
    for order_id in orders_waiting_for_skus(skus=skus, statuses=ELIGIBLE, limit=RETRY_BATCH):
        try:
            with transaction.atomic():
                fulfilment_retry(order_id=order_id, actor=None)
        except DomainError as problem:  # e.g. moved on meanwhile: nothing to retry
            logger.info("retrying order %s: %s", order_id, problem.message)


# Shipments' handlers live beside their code; importing them registers them.
from logistics.shipments import handlers as _shipment_handlers  # noqa: E402,F401
