"""django-q2 tasks of logistics: scheduled checks (migration 0002, editable in the admin).

Effects of other apps' changes (reserve, release, deduct, low stock, restock retries) are not
tasks: they are event handlers (``logistics/handlers.py``), run right after commit and caught
up by the event sweep.

- ``stock_drift_sweep`` (every 30 minutes): ledger and reservations against the counters, and
  orders whose reservations do not match their state.
- ``trace_alert_sweep`` (every 15 minutes): parcels whose trace went silent.
- ``kuaidi100_subscriptions_sweep`` (every 5 minutes): subscriptions still due.
"""
from __future__ import annotations

import logging

from logistics.services.stock import orders_stock_drift_check, stock_drift_check
from logistics.shipments.alerts import stale_trace_sweep_until_done
from logistics.shipments.subscriptions import subscriptions_sweep

logger = logging.getLogger(__name__)


def stock_drift_sweep() -> dict:
    """Every 30 minutes: alert on every stock row whose counters drifted from its ledger, and
    every order holding stock it should not (or none that it should)."""
    drifts = stock_drift_check()
    orders = orders_stock_drift_check()
    if drifts or orders:
        logger.error("stock drift on %d row(s) and %d order(s)", len(drifts), len(orders))
    return {"drifted": len(drifts), "orders": len(orders)}


def trace_alert_sweep() -> dict:
    """Every 15 minutes: parcels whose trace went silent for longer than their carrier allows
    (batch after batch until none waits)."""
    return {"stale": stale_trace_sweep_until_done()}


def kuaidi100_subscriptions_sweep() -> dict:
    """Every 5 minutes: new parcels whose Kuaidi100 subscription is still due."""
    return subscriptions_sweep()
