"""django-q2 tasks of orders. Each is idempotent and catches up after downtime.

Schedule (migration 0005, editable in the admin under Background jobs → Scheduled tasks):
``sla_sweep_task`` every minute. Alert deliveries are also queued right after the commit that
planned them (``orderhub.alerts.tasks``); the minute's run retries those whose backoff has
passed.
"""
from __future__ import annotations

import logging

from orderhub.alerts.notify.deliveries import alert_deliveries_send as deliveries_send
from orders.sla.sweep import sla_sweep_until_done

logger = logging.getLogger(__name__)


def sla_sweep_task() -> dict:
    """Every minute: the deadline sweep (batch after batch until nothing waits), then the
    deliveries that are due (after its commits)."""
    reports = sla_sweep_until_done()
    sent = deliveries_send()
    summary = {
        "runs": len(reports),
        "raised": sum(len(report.raised) for report in reports),
        "escalated": sum(len(report.climbs) for report in reports),
        "resolved": sum(report.resolved for report in reports),
        "deliveries": sent.as_dict(),
    }
    if summary["raised"] or summary["escalated"]:
        logger.info("sla sweep: %s", summary)
    return summary

