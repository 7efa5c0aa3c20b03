"""The figures' codes in words for people (the page, the drill-down, the weekly report)."""
from __future__ import annotations

from django.utils.translation import gettext

from orders.models import Hold
from orders.state_machine import Status


def cause_label(cause: str) -> str:
    """``hold:<source>`` / ``state:<status>`` (a cause of lateness) in words."""
    kind, _sep, code = cause.partition(":")
    if kind == "hold" and code in Hold.Source.values:
        return gettext("Held: %(source)s") % {"source": Hold.Source(code).label}
    if code in Status.values:
        return gettext("Too long in: %(status)s") % {"status": Status(code).label}
    return cause


def reason_label(reason: str) -> str:
    """``hold:<source>`` / ``sla:<status>`` (why an order is stuck) in words."""
    kind, _sep, code = reason.partition(":")
    if kind == "sla" and code in Status.values:
        return gettext("SLA breached in: %(status)s") % {"status": Status(code).label}
    return cause_label(reason)


def shown(value: float | None, *, percent: bool, digits: int = 2) -> str:
    """A figure's value as staff read it ("—" when there was nothing to measure)."""
    if value is None:
        return "—"
    return f"{value:.2%}" if percent else f"{value:.{digits}f}"


#: Figures that are shares (shown as percentages).
PERCENT_FIGURES = frozenset({"on_time_ship_rate", "channel_fulfilment_rate", "breakpoint_rate",
                             "status_timeliness", "cross_system_consistency", "self_healed"})
#: Figures where less is better (the others are better higher).
LOWER_IS_BETTER = frozenset({"payment_to_ship_hours", "transit_days", "breakpoint_rate",
                             "interventions_per_1000"})


def figure_shown(code: str, value: float | None) -> str:
    """One figure's value in its unit (percent, hours, days, per 1,000, index)."""
    return shown(value, percent=code in PERCENT_FIGURES,
                 digits=1 if code == "order_health_index" else 2)
