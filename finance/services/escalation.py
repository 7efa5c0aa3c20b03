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
from finance.services import matching
from finance.services.alerts import alerts_for_lines, red_line_alert
from finance.services.statements import ALERT_CAUSES, statements_recount

RED_ESCALATES_AFTER = dt.timedelta(hours=2)
REMATCH_LIMIT = 20000
ESCALATE_LIMIT = 1000


@transaction.atomic
def red_lines_rematch(*, limit: int = REMATCH_LIMIT) -> int:
    """Match unknown-serial red lines again; returns how many found their order."""
    lines = list(
        StatementLine.objects.filter(
            colour=Colour.RED, cause=Cause.UNKNOWN_SERIAL, reviewed_at__isnull=True
        ).order_by("id")[:limit]
    )
    if not lines:
        return 0
    result = matching.reconcile(lines, skip_earlier_ids=frozenset(line.id for line in lines))
    now = timezone.now()
    changed = list(result.changed_earlier)
    found = 0
    for line, verdict, match in zip(lines, result.verdicts, result.matches):
        if match is not None and matching.apply_verdict(line, verdict, order=match, now=now):
            changed.append(line)
            found += 1
    if changed:
        statements_recount(matching.save_changed(changed))
        matching.costs_refresh(result.units)
        alerts_for_lines(
            StatementLine.objects.filter(
                id__in=[line.id for line in changed if line.cause in ALERT_CAUSES]
            ).select_related("order")
        )
    return found


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
