"""After-sales' share of the workbench: cases waiting for the seller's answer, and open cases
past their deadline (the platform's response window). Read on ``case_queue_idx``'s table with
the status; both link to the queue filtered to exactly those cases."""
from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import Case
from aftersales.state_machine import OPEN_CASE_STATUSES, CaseStatus
from orderhub.workbench.registry import Tile, capped_count, register, roles

VIEW = "aftersales.view_case"


def queue_url(query: str) -> str:
    return f"{reverse('admin:aftersales_case_changelist')}?{query}"


register(Tile(
    key="aftersales.to_answer", label=_("After-sales to answer"),
    roles=roles("customer_service", "operations"), permission=VIEW, position=15, tone="warning",
    count=lambda: capped_count(Case.objects.filter(status=CaseStatus.REQUESTED)),
    url=lambda: queue_url(f"status__exact={CaseStatus.REQUESTED}"),
    help=_("Buyers' after-sales requests waiting for the seller's answer."),
))
register(Tile(
    key="aftersales.overdue", label=_("After-sales past their deadline"),
    roles=roles("customer_service", "operations"), permission=VIEW, position=16, tone="danger",
    count=lambda: capped_count(Case.objects.filter(status__in=OPEN_CASE_STATUSES,
                                                   due_at__lt=timezone.now())),
    url=lambda: queue_url("due=overdue"),
    help=_("Open cases past the platform's response window."),
))
