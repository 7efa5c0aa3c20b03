"""The return-risk score of a paid order (0–100), before the buyer asks, with its top reasons.

Three parts, each from history the hub already has:
- the customer's own: the share of their earlier orders that had an after-sales case
  (up to 50 points; three cases or more add 10);
- the SKUs': the share of order lines of each SKU that came back in a case (the worst SKU, up
  to 30 points; only SKUs sold at least ``MIN_SKU_LINES`` times count, so that one return of a
  new product does not brand it);
- the hour the order was placed, Beijing time: orders placed between midnight and 6 am come
  back more often (10 points).
The score is written when an order is paid (the handler ``aftersales.risk`` of
``order.created`` and ``order.status_changed``), shown on the order page and by
``GET /api/aftersales/risk/<hub_no>/``.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from orders.models import Order, OrderLine

from aftersales.models import Case, CaseLine, ReturnRisk

MIN_SKU_LINES = 5
HIGH_RISK = 60


def _customer_part(order: Order) -> tuple[int, str | None]:
    if order.customer_id is None:
        return 0, None
    earlier = Order.objects.filter(customer_id=order.customer_id, paid_at__isnull=False) \
        .exclude(pk=order.pk).count()
    cases = Case.objects.filter(order__customer_id=order.customer_id).exclude(order=order) \
        .count()
    if not earlier or not cases:
        return 0, None
    rate = min(cases / earlier, 1.0)
    points = min(round(rate * 50), 50) + (10 if cases >= 3 else 0)
    return points, f"该客户 {earlier} 单中有 {cases} 次售后（{rate:.0%}）"


def _sku_part(order: Order) -> tuple[int, str | None]:
    skus = [sku for sku in order.lines.values_list("sku", flat=True) if sku]
    if not skus:
        return 0, None
    sold = dict(OrderLine.objects.filter(sku__in=skus).exclude(order=order).values("sku")
                .annotate(n=Count("id")).values_list("sku", "n"))
    back = dict(CaseLine.objects.filter(sku__in=skus).values("sku")
                .annotate(n=Count("case_id", distinct=True)).values_list("sku", "n"))
    worst, worst_sku = 0.0, ""
    for sku in skus:
        if sold.get(sku, 0) >= MIN_SKU_LINES:
            rate = min(back.get(sku, 0) / sold[sku], 1.0)
            if rate > worst:
                worst, worst_sku = rate, sku
    if not worst:
        return 0, None
    return min(round(worst * 100), 30), f"商品 {worst_sku} 退货率 {worst:.0%}"


def _hour_part(order: Order) -> tuple[int, str | None]:
    placed = order.placed_at or order.paid_at
    if placed is None:
        return 0, None
    hour = timezone.localtime(placed).hour
    return (10, f"深夜下单（{hour} 点）") if hour < 6 else (0, None)


def return_risk_score(order: Order) -> tuple[int, list[str]]:
    """(score 0–100, the reasons in words, biggest first)."""
    parts = [_customer_part(order), _sku_part(order), _hour_part(order)]
    score = min(sum(points for points, _ in parts), 100)
    reasons = [why for points, why in sorted(parts, key=lambda p: -p[0]) if why]
    return score, reasons


@transaction.atomic
def return_risks_compute(*, order_ids: Sequence[int]) -> int:
    """Score the given orders that are paid (idempotent: the score is rewritten)."""
    done = 0
    for order in Order.objects.filter(pk__in=list(order_ids), paid_at__isnull=False):
        score, reasons = return_risk_score(order)
        ReturnRisk.objects.update_or_create(order=order, defaults={
            "score": score, "reasons": reasons})
        done += 1
    return done
