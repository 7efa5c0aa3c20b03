"""django-q2 tasks of logistics: scheduled checks (migration 0002, editable in the admin).

Effects of other apps' changes (reserve, release, deduct, low stock, restock retries) are not
tasks: they are event handlers (``logistics/handlers.py``), run right after commit and caught
up by the event sweep.

- ``stock_drift_sweep`` (every 30 minutes): ledger and reservations against the counters, and
  orders whose reservations do not match their state.
"""
from __future__ import annotations

import logging

from logistics.services.stock import orders_stock_drift_check, stock_drift_check

logger = logging.getLogger(__name__)


def stock_drift_sweep() -> dict:
    """Every 30 minutes: alert on every stock row whose counters drifted from its ledger, and
    every order holding stock it should not (or none that it should)."""
    drifts = stock_drift_check()
    orders = orders_stock_drift_check()
    if drifts or orders:
        logger.error("stock drift on %d row(s) and %d order(s)", len(drifts), len(orders))
    return {"drifted": len(drifts), "orders": len(orders)}
