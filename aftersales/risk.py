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
``order.created`` and ``order.status_changed``), shown on the order page, in the order's JSON
(``return_risk``) and by ``GET /api/aftersales/risk/<hub_no>/``, and tested by fulfilment rules
(the fact ``return_risk`` of ``logistics.rules``, through ``return_risks_of``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from orders.models import Order, OrderLine

from aftersales.models import Case, CaseLine, ReturnRisk

MIN_SKU_LINES = 5
HIGH_RISK = 60


@dataclass
class _History:
    """What the scores of a batch of orders read, in a handful of grouped queries."""

    earlier_orders: dict[int, int]  # customer -> paid orders
    customer_cases: dict[int, int]  # customer -> cases
    order_cases: dict[int, int]  # order -> cases (its own do not count against it)
    skus: dict[int, list[str]]  # order -> its SKUs
    sold: dict[str, int]  # SKU -> order lines
    back: dict[str, int]  # SKU -> cases with a line of it

    @classmethod
    def of(cls, orders: Sequence[Order]) -> "_History":
        customers = {o.customer_id for o in orders if o.customer_id}
        ids = [o.pk for o in orders]
        skus: dict[int, list[str]] = {}
        for order_id, sku in OrderLine.objects.filter(order_id__in=ids).exclude(sku="") \
                .values_list("order_id", "sku"):
            skus.setdefault(order_id, []).append(sku)
        all_skus = {sku for found in skus.values() for sku in found}

        def grouped(queryset, key, value="id"):
            return dict(queryset.values(key).annotate(n=Count(value, distinct=True))
                        .values_list(key, "n"))

        back = grouped(CaseLine.objects.filter(sku__in=all_skus), "sku", "case_id")
        # A SKU that never came back scores nothing whatever it sold: only the returned ones'
        # sales are counted (on a peak day, most batches have none, and skip the count).
        returned = set(back)
        customer_cases = grouped(Case.objects.filter(order__customer_id__in=customers),
                                 "order__customer_id") if customers else {}
        return cls(
            earlier_orders=grouped(Order.objects.filter(
                customer_id__in=[c for c in customers if c in customer_cases],
                paid_at__isnull=False), "customer_id") if customer_cases else {},
            customer_cases=customer_cases,
            order_cases=grouped(Case.objects.filter(order_id__in=ids), "order_id")
            if customer_cases else {},
            skus=skus,
            sold=grouped(OrderLine.objects.filter(sku__in=returned), "sku") if returned else {},
            back=back,
        )


def _customer_part(order: Order, seen: _History) -> tuple[int, str | None]:
    if order.customer_id is None:
        return 0, None
    # The order itself is paid and counted among the customer's orders: take it out.
    earlier = seen.earlier_orders.get(order.customer_id, 0) - 1
    cases = seen.customer_cases.get(order.customer_id, 0) - seen.order_cases.get(order.pk, 0)
    if earlier <= 0 or cases <= 0:
        return 0, None
    rate = min(cases / earlier, 1.0)
    points = min(round(rate * 50), 50) + (10 if cases >= 3 else 0)
    return points, f"该客户 {earlier} 单中有 {cases} 次售后（{rate:.0%}）"


def _sku_part(order: Order, seen: _History) -> tuple[int, str | None]:
    worst, worst_sku = 0.0, ""
    for sku in seen.skus.get(order.pk, []):
        sold = seen.sold.get(sku, 0) - 1  # the order's own line is not history
        if sold >= MIN_SKU_LINES:
            rate = min(seen.back.get(sku, 0) / sold, 1.0)
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


def _score(order: Order, seen: _History) -> tuple[int, list[str]]:
    parts = [_customer_part(order, seen), _sku_part(order, seen), _hour_part(order)]
    score = min(sum(points for points, _ in parts), 100)
    reasons = [why for points, why in sorted(parts, key=lambda p: -p[0]) if why]
    return score, reasons


def return_risk_score(order: Order) -> tuple[int, list[str]]:
    """(score 0–100, the reasons in words, biggest first) of one order."""
    return _score(order, _History.of([order]))


@transaction.atomic
def return_risks_compute(*, order_ids: Sequence[int]) -> int:
    """Score the given orders that are paid, in a few queries per batch (the handler runs on
    every paid order of a peak day); idempotent: a score is rewritten."""
    orders = list(Order.objects.filter(pk__in=list(order_ids), paid_at__isnull=False)
                  .only("pk", "customer_id", "placed_at", "paid_at"))
    if not orders:
        return 0
    seen = _History.of(orders)
    rows = []
    for order in orders:
        score, reasons = _score(order, seen)
        rows.append(ReturnRisk(order_id=order.pk, score=score, reasons=reasons,
                               computed_at=timezone.now()))
    ReturnRisk.objects.bulk_create(rows, update_conflicts=True, unique_fields=["order"],
                                   update_fields=["score", "reasons", "computed_at"])
    return len(rows)


def return_risks_of(orders: Sequence[Order]) -> dict[int, tuple[int, list[str]]]:
    """{order id: (score, reasons)} of these orders, scoring (and storing) the paid ones that
    have none yet: fulfilment rules may run on a paid order before ``aftersales.risk`` does."""
    ids = [order.pk for order in orders]

    def stored() -> dict[int, tuple[int, list[str]]]:
        return {order_id: (score, list(reasons)) for order_id, score, reasons in
                ReturnRisk.objects.filter(order_id__in=ids)
                .values_list("order_id", "score", "reasons")}

    found = stored()
    if len(found) < len(ids) and return_risks_compute(
            order_ids=[pk for pk in ids if pk not in found]):
        found = stored()
    return found
