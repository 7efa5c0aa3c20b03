"""After-sales figures for the admin: return rate by reason, SKU and channel, and the median
time to the first answer and to closing (DESIGN.md section 2, issue 11 item 8).

Rates are cases ÷ paid orders over the same window (by the order's payment time, so that a
case counts against the sales it came from); the medians are over the cases opened in the
window that have been answered / closed.
"""
from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, F
from django.utils import timezone

from orders.models import Order, OrderLine

from aftersales.models import Case, CaseLine


@dataclass
class Rate:
    label: str
    cases: int
    base: int

    @property
    def rate(self) -> float:
        return self.cases / self.base if self.base else 0.0


@dataclass
class Figures:
    since: dt.datetime
    by_reason: list[Rate]
    by_channel: list[Rate]
    by_sku: list[Rate]
    median_first_answer: dt.timedelta | None
    median_close: dt.timedelta | None
    cases: int
    paid_orders: int


def _median(deltas: list[dt.timedelta]) -> dt.timedelta | None:
    return dt.timedelta(seconds=statistics.median(d.total_seconds() for d in deltas)) \
        if deltas else None


def aftersales_figures(*, days: int = 30, now: dt.datetime | None = None,
                       top_skus: int = 10) -> Figures:
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    paid = Order.objects.filter(paid_at__gte=since, paid_at__lt=now)
    cases = Case.objects.filter(order__paid_at__gte=since, order__paid_at__lt=now)
    paid_count = paid.count()
    by_reason = [Rate(label, n, paid_count) for label, n in
                 cases.values_list("reason_category").annotate(n=Count("id")).order_by("-n")]
    orders_per_channel = dict(paid.values_list("channel__code").annotate(n=Count("id")))
    by_channel = [Rate(code, n, orders_per_channel.get(code, 0)) for code, n in
                  cases.values_list("channel__code").annotate(n=Count("id")).order_by("-n")]
    sku_cases = dict(CaseLine.objects.filter(case__in=cases).exclude(sku="")
                     .values_list("sku").annotate(n=Count("case_id", distinct=True)))
    sku_sold = dict(OrderLine.objects.filter(order__in=paid, sku__in=list(sku_cases))
                    .values_list("sku").annotate(n=Count("order_id", distinct=True)))
    by_sku = sorted((Rate(sku, n, sku_sold.get(sku, 0)) for sku, n in sku_cases.items()),
                    key=lambda r: (-r.rate, -r.cases))[:top_skus]
    opened = Case.objects.filter(requested_at__gte=since, requested_at__lt=now)
    answered = [row for row in opened.filter(first_answered_at__isnull=False).annotate(
        took=F("first_answered_at") - F("requested_at")).values_list("took", flat=True)]
    closed = [row for row in opened.filter(closed_at__isnull=False).annotate(
        took=F("closed_at") - F("requested_at")).values_list("took", flat=True)]
    return Figures(since, by_reason, by_channel, by_sku, _median(answered), _median(closed),
                   cases.count(), paid_count)
