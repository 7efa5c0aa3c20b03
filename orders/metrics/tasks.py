"""The django-q2 job of the figures (the schedule is installed by migration; staff edit it in
the admin: Background jobs → Scheduled tasks)."""
from __future__ import annotations

from orders.metrics.report import weekly_health_report_send


def weekly_health_report() -> str:
    """Send last week's health report (once; a re-run sends nothing)."""
    return str(weekly_health_report_send().week_start)
