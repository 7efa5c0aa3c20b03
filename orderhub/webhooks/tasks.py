"""Scheduled jobs of the webhooks app (migration 0002; editable under Background jobs).

- ``webhooks_sweep`` every minute: sends retries whose backoff has passed and whatever a lost
  task or a dead worker left (its lease ended).
- ``webhooks_purge_task`` daily: sent and given-up deliveries older than
  ``ORDERHUB_WEBHOOKS_KEEP_DAYS``.
"""
from __future__ import annotations

from orderhub.webhooks.sender import webhooks_send_task
from orderhub.webhooks.services import deliveries_purge


def webhooks_sweep() -> dict:
    """Every minute: send what is due."""
    return webhooks_send_task()


def webhooks_purge_task() -> dict:
    """Daily: forget old deliveries."""
    return {"deleted": deliveries_purge()}
