"""``GET /api/metrics/health/``: the management figures of a period (DESIGN.md section 4)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from orderhub.core.api import FORBIDDEN, INVALID, UNAUTHENTICATED, ModelViewPermissions
from orders.metrics.api.serializers import HealthQuerySerializer, HealthSerializer
from orders.metrics.models import MetricCount
from orders.metrics.selectors import health, stuck_by_reason


class HealthApi(GenericAPIView):
    """The figures of a period, channel and warehouse, each with numerator and denominator."""

    # Needs ``orders.view_metriccount`` (managers and operations).
    queryset = MetricCount.objects.none()
    permission_classes = [ModelViewPermissions]
    serializer_class = HealthSerializer
    filter_backends: list = []

    @extend_schema(
        tags=["metrics"], operation_id="metrics_health", summary="Management health figures",
        description=(
            "On-time ship rate, channel fulfilment rate, fulfilment cycle (payment → ship "
            "hours, transit days), breakpoint rate, manual interventions per 1,000 orders, the "
            "Order Health Index and its three parts, each with its numerator and denominator; "
            "stuck orders by reason (now); causes of lateness and each step's on-time rate; "
            "the trend by day. Definitions: orders/metrics/definitions.py and the README."),
        parameters=[HealthQuerySerializer],
        responses={200: HealthSerializer, 400: INVALID, 401: UNAUTHENTICATED, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        query = HealthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        channel = q.get("channel")
        channel_id = channel.pk if channel else None
        warehouse_id = q.get("warehouse")
        report = health(since=q["since"], until=q["until"], channel_id=channel_id,
                        warehouse_id=warehouse_id)
        report["channel"] = channel.code if channel else None
        report["stuck_by_reason"] = stuck_by_reason(channel_id=channel_id,
                                                    warehouse_id=warehouse_id)
        return Response(report)
