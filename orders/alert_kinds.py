"""The alerts orders raise, in words (``orderhub.alerts.kinds``)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from orderhub.alerts.kinds import AlertKind, alert_kinds_register
from orders.state_machine import Status


def status_label(code: str) -> str:
    return str(Status(code).label) if code in Status.values else code


alert_kinds_register(
    # Grouped by the state the orders are late in: "picking over its time limit" × 40.
    AlertKind("sla", _("State over its time limit"), cause_key="status", cause_label=status_label),
    AlertKind("ship_by", _("Not shipped by the promised time"), cause_key="status",
              cause_label=status_label),
    AlertKind("address_changed", _("Address changed after picking started")),
    AlertKind("refund_requested", _("Refund requested before shipping")),
    AlertKind("weekly_health_report", _("Weekly health report")),
)
