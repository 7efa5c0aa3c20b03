"""The after-sales deadline sweep: open cases past their answer window raise an alert.

Cases are held to the orders' escalation ladder: each breach raises one alert (its key names
the case and the deadline, so a repeated sweep never duplicates it) for the team the case is
routed to; the ladder then climbs it (team lead → operations director → owner) with every
other alert, in the orders' SLA sweep (``orderhub.alerts.services.alerts_escalate``). The
sweep is a range over the queue's partial index (open cases only), so it costs what is
overdue, not every case. A case answered or closed resolves nothing by itself: staff
acknowledge the alert, as for orders.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from orderhub.alerts.services import alert_raise
from orderhub.core.history import audited_bulk_update

from aftersales import texts
from aftersales.models import Case
from aftersales.state_machine import WAITING_ON_SELLER, Kind

OVERDUE_KIND = "aftersales_overdue"


def breach_key(case: Case) -> str:
    return f"aftersales-due:{case.pk}:{int(case.due_at.timestamp())}"


@transaction.atomic
def cases_sweep(*, now: dt.datetime | None = None, batch: int = 1000) -> int:
    """Raise one alert per open case past its deadline and not yet marked; returns how many."""
    now = now or timezone.now()
    due = list(Case.objects.select_for_update(skip_locked=True, of=("self",))
               .filter(status__in=WAITING_ON_SELLER, due_at__lte=now, is_overdue=False)
               .select_related("order").order_by("due_at", "id")[:batch])
    for case in due:
        late = now - case.due_at
        alert_raise(
            key=breach_key(case), kind=OVERDUE_KIND, team=case.team, order=case.order,
            title=texts.OVERDUE_TITLE.encode(case=case.case_no, kind=Kind(case.kind)),
            message=texts.OVERDUE_MESSAGE.encode(
                case=case.case_no, order=case.order.hub_no if case.order else case.channel_order_no,
                due=case.due_at, late=int(late.total_seconds() // 60)),
            data={"case_id": case.pk}, now=now,
        )
        case.is_overdue = True
    if due:
        audited_bulk_update(due, Case, fields=["is_overdue"], actor=None,
                            reason=texts.DEADLINE_PASSED.encode())
    return len(due)
