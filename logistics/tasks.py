"""django-q2 tasks of logistics. They take ids, re-read, call services and are idempotent.

- ``order_paid`` (scheduled by ``orders.services.order_pay`` after commit): rules, routing,
  stock reservation, merged parcels.
- ``order_released`` (``order_cancel`` / ``order_refund``): give back the order's stock.
- ``order_shipped`` (``order_hand_over``): its reserved stock leaves on-hand stock.
- ``fulfilment_sweep`` (every minute, migration 0002): orders that arrived already paid
  (ingestion creates them in their state, without ``order_pay``), a lost task, and another try
  for orders held as out of stock.
- ``stock_drift_check`` (every 30 minutes): ledger and reservations against the counters.
"""
from __future__ import annotations

import logging

from logistics.services.fulfilment import (
    ELIGIBLE,
    fulfilment_process,
    fulfilment_retry,
)
from logistics.services.parcels import parcel_ship
from logistics.services.stock import stock_deduct_order, stock_drift_check, stock_release_order
from logistics.selectors import orders_awaiting_decision, orders_to_retry
from orderhub.core.errors import DomainError

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
RETRY_BATCH = 100


def order_paid(order_id: int) -> str:
    """Decide, route and reserve a freshly paid order."""
    decision = fulfilment_process(order_id=order_id)
    return decision.get_outcome_display() if decision else "not eligible"


def order_released(order_id: int) -> int:
    """A cancelled or refunded order gives back what it held; returns the units."""
    return stock_release_order(order_id=order_id, reason="order cancelled or refunded")


def order_shipped(order_id: int) -> int:
    """The order left the warehouse: deduct its stock; its parcel has shipped."""
    units = stock_deduct_order(order_id=order_id, reason="handed over to the courier")
    parcel_ship(order_id=order_id)
    return units


def fulfilment_sweep() -> dict:
    """Every minute: paid orders without a decision, then out-of-stock orders to retry."""
    processed = retried = failed = 0
    for order_id in orders_awaiting_decision(statuses=ELIGIBLE, limit=SWEEP_BATCH):
        try:
            fulfilment_process(order_id=order_id)
            processed += 1
        except DomainError as problem:  # one bad order must not stop the sweep
            failed += 1
            logger.warning("fulfilment of order %s failed: %s", order_id, problem.message)
        except Exception:  # noqa: BLE001 - nor may a bug or a deadlock on one order
            failed += 1
            logger.exception("fulfilment of order %s failed", order_id)
    for order_id in orders_to_retry(statuses=ELIGIBLE, limit=RETRY_BATCH):
        try:
            decision = fulfilment_retry(order_id=order_id, actor=None)
            retried += decision.outcome == decision.Outcome.ALLOCATED
        except DomainError as problem:
            failed += 1
            logger.warning("retrying order %s failed: %s", order_id, problem.message)
        except Exception:  # noqa: BLE001 - one order's bug must not stop the retries
            failed += 1
            logger.exception("retrying order %s failed", order_id)
    return {"processed": processed, "reserved_on_retry": retried, "failed": failed}


def stock_drift_sweep() -> dict:
    """Every 30 minutes: alert on every stock row whose counters drifted from its ledger."""
    drifts = stock_drift_check()
    if drifts:
        logger.error("stock drift on %d row(s)", len(drifts))
    return {"drifted": len(drifts)}
