"""Scheduled jobs of the event mechanism (migration 0002; editable under Background jobs).

- ``events_sweep`` every minute: the dispatch for whatever no after-commit dispatch ran
  (a worker died, the broker lost the task) and for failed tasks whose backoff has passed.
- ``events_purge`` daily: handled events older than ``ORDERHUB_EVENTS_KEEP_DAYS``.
"""
from __future__ import annotations

from orderhub.events.dispatch import events_dispatch_task
from orderhub.events.services import events_purge


def events_sweep() -> dict:
    """Every minute: dispatch what is due (the catch-up after a lost or dead worker)."""
    return events_dispatch_task()


def events_purge_task() -> dict:
    """Daily: forget handled events past the keeping period."""
    return {"deleted": events_purge()}
