"""The weekly health report (issue 12, item 7): each step's on-time rate, the top three causes
of lateness, and the week's figures against the week before; sent by e-mail and chat robot to
the recipients of every rung of the escalation ladder, through the alerts' own delivery (an
alert of kind ``weekly_health_report``, resolved at once: it is news, not a breach), and kept
(``WeeklyHealthReport``) for the admin. Once per week: sending a week twice sends nothing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from orderhub.alerts.ladder import ladders
from orderhub.alerts.models import Team
from orderhub.alerts.notify.deliveries import deliveries_plan
from orderhub.alerts.services import alert_raise, alert_resolve
from orderhub.alerts.tasks import alert_deliveries_send
from orderhub.core.tasks import enqueue_on_commit
from orders.metrics.definitions import LABELS
from orders.metrics.models import WeeklyHealthReport
from orders.metrics.selectors import health
from orders.metrics.words import cause_label, shown
from orders.state_machine import Status

KIND = "weekly_health_report"
FIGURES = ("on_time_ship_rate", "channel_fulfilment_rate", "payment_to_ship_hours",
           "transit_days", "breakpoint_rate", "interventions_per_1000", "order_health_index")
PERCENT = {"on_time_ship_rate", "channel_fulfilment_rate", "breakpoint_rate"}


def last_full_week(today: dt.date | None = None) -> dt.date:
    """The Monday of the last week that has ended."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=today.weekday() + 7)


def weekly_figures(week_start: dt.date) -> dict[str, Any]:
    """The week's figures, the week before's, each step's on-time rate and the top causes."""
    week = health(since=week_start, until=week_start + dt.timedelta(days=6))
    before = health(since=week_start - dt.timedelta(days=7),
                    until=week_start - dt.timedelta(days=1))
    return {
        "week_start": week_start.isoformat(),
        "figures": {code: week["figures"][code] for code in FIGURES},
        "previous": {code: before["figures"][code] for code in FIGURES},
        "steps": week["steps"],
        "late_causes": week["late_causes"][:3],
    }


def _shown(code: str, value: float | None) -> str:
    return shown(value, percent=code in PERCENT)


def report_text(data: dict[str, Any]) -> tuple[str, list[str]]:
    """The title and lines of the report, in the hub's language (whoever asks)."""
    with translation.override(settings.LANGUAGE_CODE):
        start = dt.date.fromisoformat(data["week_start"])
        title = gettext("Weekly health report %(start)s – %(end)s") % {
            "start": start.isoformat(), "end": (start + dt.timedelta(days=6)).isoformat()}
        lines = [gettext("This week (the week before):")]
        for code in FIGURES:
            now, then = data["figures"][code], data["previous"][code]
            lines.append(f"· {LABELS[code][0]}: {_shown(code, now['value'])} "
                         f"({_shown(code, then['value'])}) — "
                         f"{now['numerator']:g} ÷ {now['denominator']:g}")
        lines.append(gettext("Each step's on-time rate:"))
        for step in data["steps"]:
            lines.append(f"· {Status(step['step']).label}: {_shown('on_time_ship_rate', step['rate'])}"
                         f" ({step['on_time']}/{step['total']})")
        lines.append(gettext("Top causes of lateness:"))
        for index, cause in enumerate(data["late_causes"], 1):
            lines.append(f"{index}. {cause_label(cause['cause'])}: {cause['orders']}")
        if not data["late_causes"]:
            lines.append(gettext("No late shipments."))
        return str(title), [str(line) for line in lines]


@transaction.atomic
def weekly_health_report_send(*, week_start: dt.date | None = None) -> WeeklyHealthReport:
    """Compute, keep and send one week's report (the last full week by default); a week
    already sent is returned as it was, and nothing is sent again."""
    week_start = week_start or last_full_week()
    known = WeeklyHealthReport.objects.filter(week_start=week_start).first()
    if known is not None:
        return known
    data = weekly_figures(week_start)
    title, lines = report_text(data)
    alert, created = alert_raise(key=f"{KIND}:{week_start.isoformat()}", kind=KIND, title=title,
                                 message="\n".join(lines), team=Team.OPERATIONS, notify=False)
    if created:
        # Every rung's recipients (and the operations lead), not only the first rung's.
        if deliveries_plan(rungs=[(alert, rung) for rung in ladders().ladder(KIND)]):
            enqueue_on_commit(alert_deliveries_send)
        alert_resolve(alert=alert, actor=None, resolution="weekly report sent")
    return WeeklyHealthReport.objects.create(week_start=week_start, data=data,
                                             text=title + "\n" + "\n".join(lines),
                                             alert_id=alert.pk)
