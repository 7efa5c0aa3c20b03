"""``return_risk`` in the order's JSON (``GET /api/orders/<hub_no>/``, webhooks' order objects).

Orders may not import after-sales (STYLE.md): the after-sales app adds its section to
``OrderDetailSerializer.sections`` and the score's prefetch to the order's detail queryset, as
logistics adds its parcels. Read only by roles that may view return risks; ``null`` otherwise
and for an order not scored yet (not paid).
"""
from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import serializers

from orders.api.serializers import OrderDetailSerializer
from orders.models import Order
from orders.selectors import ORDER_DETAIL_PREFETCHES

from aftersales.models import ReturnRisk

VIEW_PERMISSION = "aftersales.view_returnrisk"


def _risk_of(order: Order) -> ReturnRisk | None:
    """Prefetched with the order's detail (an order without a score is cached as none)."""
    try:
        return order.return_risk
    except ReturnRisk.DoesNotExist:
        return None


def order_return_risk_section(order: Order, context: dict) -> dict | None:
    """``{"score": 0–100, "reasons": [words, biggest first], "computed_at"}`` or null."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is not None and not user.has_perm(VIEW_PERMISSION):
        return None
    risk = _risk_of(order)
    if risk is None:
        return None
    return {"score": risk.score, "reasons": list(risk.reasons),
            "computed_at": serializers.DateTimeField().to_representation(risk.computed_at)}


ORDER_DETAIL_PREFETCHES.append(Prefetch("return_risk", queryset=ReturnRisk.objects.all()))
OrderDetailSerializer.sections["return_risk"] = order_return_risk_section
