"""Reads of after-sales cases: the queue, one case, an order's cases."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from orderhub.core.errors import NotFound

from aftersales.models import Case, CaseLine


def case_list(*, hub_no: str = "", kind: str = "", status: str = "",
              channel: str = "") -> QuerySet[Case]:
    """Cases by priority then deadline, with what the API shows of each (two queries)."""
    cases = (Case.objects.select_related("order", "channel")
             .prefetch_related(Prefetch("lines", queryset=CaseLine.objects.order_by("id")))
             .order_by("-priority", "due_at", "id"))
    if hub_no:
        cases = cases.filter(order__hub_no=hub_no)
    if kind:
        cases = cases.filter(kind=kind)
    if status:
        cases = cases.filter(status=status)
    if channel:
        cases = cases.filter(channel__code=channel)
    return cases


def case_get(*, pk: int) -> Case:
    try:
        return case_list().get(pk=pk)
    except Case.DoesNotExist:
        raise NotFound(f"No after-sales case {pk}.") from None
