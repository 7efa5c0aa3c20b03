"""``return_risk`` in the order's JSON (``GET /api/orders/<hub_no>/``, webhooks' order objects).

Orders may not import after-sales (STYLE.md): the after-sales app adds its section to
``OrderDetailSerializer.sections`` and the score's prefetch to the order's detail queryset, as
logistics adds its parcels. Read only by roles that may view return risks; ``null`` otherwise
and for an order not scored yet (not paid).
"""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.api.serializers import OrderDetailSerializer, WholeOrderField
from orders.models import Order
from orders.selectors import ORDER_DETAIL_PREFETCHES

from aftersales.api.serializers import ReturnRiskScoreSerializer
from aftersales.models import ReturnRisk

VIEW_PERMISSION = "aftersales.view_returnrisk"


def _risk_of(order: Order) -> ReturnRisk | None:
    """Prefetched with the order's detail (an order without a score is cached as none)."""
    try:
        return order.return_risk
    except ReturnRisk.DoesNotExist:
        return None


@extend_schema_field(ReturnRiskScoreSerializer())
class ReturnRiskField(WholeOrderField):
    """``{"score": 0–100, "reasons": [words, biggest first], "computed_at"}`` or null."""

    help = ("The return-risk score and its reasons; null for roles that may not view return "
            "risks and for an order not scored yet (not paid).")

    def __init__(self, **kwargs) -> None:
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, order: Order) -> dict | None:
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and not user.has_perm(VIEW_PERMISSION):
            return None
        risk = _risk_of(order)
        return None if risk is None else ReturnRiskScoreSerializer(risk).data


ORDER_DETAIL_PREFETCHES.append(Prefetch("return_risk", queryset=ReturnRisk.objects.all()))
OrderDetailSerializer.sections["return_risk"] = ReturnRiskField
