"""Red lines: matched again when their order shows up, escalated when left for 2 hours.

A red line with an unknown serial number is often only early: the statement arrived before
the channel's order. Each sweep first matches such lines again; what stays red and
unresolved for 2 hours raises an alert (once per line) through the hub's one alert mechanism.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from finance.models import Cause, Colour, StatementLine
from finance.services.alerts import red_line_alert
from finance.services.locks import matching_lock
from finance.services.rejudge import lines_rejudge

RED_ESCALATES_AFTER = dt.timedelta(hours=2)
REMATCH_LIMIT = 20000
ESCALATE_LIMIT = 1000


@transaction.atomic
def red_lines_rematch(*, limit: int = REMATCH_LIMIT) -> int:
    """Match unknown-serial red lines again; returns how many found their order.

    Takes the import's lock (an import running now finishes first), and locks the lines it
    reads: a person resolving one of them meanwhile waits, or is waited for and wins."""
    matching_lock()
    lines = list(
        StatementLine.objects.select_for_update(of=("self",)).filter(
            colour=Colour.RED, cause=Cause.UNKNOWN_SERIAL, reviewed_at__isnull=True
        ).order_by("id")[:limit]
    )
    return len(lines_rejudge(lines))


@transaction.atomic
def red_lines_escalate(*, now: dt.datetime | None = None, limit: int = ESCALATE_LIMIT) -> int:
    """Raise an alert for each red line unresolved for 2 hours; returns how many were raised."""
    now = now or timezone.now()
    due = list(
        StatementLine.objects.filter(
            colour=Colour.RED, reviewed_at__isnull=True, escalated_at__isnull=True,
            red_since__lte=now - RED_ESCALATES_AFTER,
        ).select_related("order").order_by("red_since", "id")[:limit]
    )
    raised = 0
    for line in due:
        raised += red_line_alert(line)
        line.escalated_at = now
    StatementLine.objects.bulk_update(due, ["escalated_at"], batch_size=500)
    return raised
