"""django-q2 tasks of alerts. Each is idempotent and catches up after downtime.

Deliveries are queued right after the commit that planned them (``alert_deliveries_send``);
the deadline sweep's every-minute run also sends those whose backoff has passed.
"""
from __future__ import annotations

from orderhub.alerts.notify.deliveries import alert_deliveries_send as deliveries_send


def alert_deliveries_send() -> dict:
    """Queued after a commit that planned deliveries: send what is due now."""
    return deliveries_send().as_dict()
