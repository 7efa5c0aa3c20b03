"""The alerts API: ``GET /api/alerts/?order=<hub_no>`` (DESIGN.md section 4), one alert with its
timeline, and acknowledge / resolve.

Every role may read alerts (``orders.view_alert``) and acknowledge or resolve them
(``orders.change_alert``, checked by the services in ``orders.alerts``).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orderhub.core.api import ApiErrorSerializer, ModelViewPermissions
from orders.alerts import alert_acknowledge, alert_get, alert_list, alert_resolve
from orders.api.serializers import ValidChoiceField, ValidMultipleChoiceField
from orders.api.views import INVALID, UNAUTHENTICATED, OrderCursorPagination
from orders.models import Alert, AlertEvent
from orders.selectors import order_get

TAG = "alerts"
FORBIDDEN = OpenApiResponse(ApiErrorSerializer, description="The user's role lacks the permission.")
ALERT_NOT_FOUND = OpenApiResponse(ApiErrorSerializer, description="No alert with this id.")
ALERT_ID = OpenApiParameter("alert_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                            description="The alert's id.")


# --- serializers --------------------------------------------------------------------------------
class AlertFilterSerializer(serializers.Serializer):
    """Query parameters of ``GET /api/alerts/``; every one is optional."""

    order = serializers.CharField(
        required=False, max_length=32,
        help_text=_("Hub order number: only this order's alerts (404 if there is no such order)."),
    )
    kind = serializers.CharField(
        required=False, max_length=50, help_text=_("e.g. sla, ship_by, finance_red_line."),
    )
    level = ValidChoiceField(choices=Alert.Level.choices, required=False,
                             help_text=_("1 team lead, 2 operations director, 3 owner."))
    status = ValidMultipleChoiceField(
        choices=Alert.AlertStatus.choices, required=False,
        help_text=_("Repeat for several (status=open&status=acknowledged)."),
    )
    team = serializers.CharField(required=False, max_length=50,
                                 help_text=_("Responsible team, e.g. warehouse."))


@extend_schema_field(
    serializers.ChoiceField(choices=Alert.AlertStatus.choices), component_name="AlertStatus"
)
class AlertStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Alert.AlertStatus.choices, **kwargs)


class AlertSerializer(serializers.ModelSerializer):
    """An alert as the list shows it."""

    status = AlertStatusField()
    order = serializers.CharField(source="order.hub_no", allow_null=True, default=None,
                                  help_text=_("Hub number of the order, if any."))
    level_label = serializers.CharField(source="get_level_display")
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True,
                                            default=None)
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True,
                                        default=None)

    class Meta:
        model = Alert
        fields = [
            "id", "key", "kind", "level", "level_label", "status", "team", "title", "message",
            "order", "data", "created_at", "raised_at", "next_escalation_at",
            "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by", "resolution",
        ]
        read_only_fields = fields


class AlertEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = AlertEvent
        fields = ["kind", "at", "level", "actor", "note"]
        read_only_fields = fields


class AlertDetailSerializer(AlertSerializer):
    """An alert with its timeline (raised, escalated, notified, acknowledged, resolved)."""

    events = AlertEventSerializer(many=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "events"]
        read_only_fields = fields


class AlertResolveInputSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=255, help_text=_("How it was resolved."))


# --- views --------------------------------------------------------------------------------------
def _valid(serializer: serializers.Serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class AlertListApi(GenericAPIView):
    """Alerts, newest first, filtered by order, kind, level, status and team."""

    queryset = Alert.objects.none()
    permission_classes = [ModelViewPermissions]
    serializer_class = AlertSerializer
    # Newest first by id, no COUNT(*): the orders list's pagination.
    pagination_class = OrderCursorPagination
    filter_backends: list = []

    @extend_schema(
        tags=[TAG], operation_id="alerts_list", summary="List alerts",
        parameters=[AlertFilterSerializer],
        responses={200: AlertSerializer(many=True), 400: INVALID, 401: UNAUTHENTICATED,
                   403: FORBIDDEN,
                   404: OpenApiResponse(ApiErrorSerializer,
                                        description="No order with the hub number in `order`.")},
    )
    def get(self, request: Request) -> Response:
        filters = _valid(AlertFilterSerializer(data=request.query_params))
        hub_no = filters.pop("order", None)
        order = order_get(hub_no=hub_no) if hub_no else None
        alerts = alert_list(order=order, status=sorted(filters.pop("status", ())), **filters)
        page = self.paginate_queryset(alerts)
        return self.get_paginated_response(AlertSerializer(page, many=True).data)


class _AlertApi(APIView):
    queryset = Alert.objects.none()
    permission_classes = [ModelViewPermissions]


def _alert_detail(alert_id: int) -> Response:
    return Response(AlertDetailSerializer(alert_get(alert_id=alert_id)).data)


class AlertDetailApi(_AlertApi):
    """One alert with its timeline."""

    @extend_schema(
        tags=[TAG], operation_id="alerts_retrieve", summary="Get an alert", parameters=[ALERT_ID],
        responses={200: AlertDetailSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                   404: ALERT_NOT_FOUND},
    )
    def get(self, request: Request, alert_id: int) -> Response:
        return _alert_detail(alert_id)


class AlertAcknowledgeApi(_AlertApi):
    """Someone is on it: the alert stops climbing the escalation ladder."""

    @extend_schema(
        tags=[TAG], operation_id="alerts_acknowledge", summary="Acknowledge an alert",
        parameters=[ALERT_ID], request=None,
        responses={200: AlertDetailSerializer, 401: UNAUTHENTICATED,
                   403: OpenApiResponse(ApiErrorSerializer,
                                        description="The role may not acknowledge alerts."),
                   404: ALERT_NOT_FOUND,
                   409: OpenApiResponse(ApiErrorSerializer,
                                        description="Already acknowledged or resolved.")},
    )
    def post(self, request: Request, alert_id: int) -> Response:
        alert_acknowledge(alert=alert_get(alert_id=alert_id), actor=request.user)
        return _alert_detail(alert_id)


class AlertResolveApi(_AlertApi):
    """Close an alert, saying how it was resolved (its timeline stays)."""

    @extend_schema(
        tags=[TAG], operation_id="alerts_resolve", summary="Resolve an alert",
        parameters=[ALERT_ID], request=AlertResolveInputSerializer,
        responses={200: AlertDetailSerializer, 400: INVALID, 401: UNAUTHENTICATED,
                   403: OpenApiResponse(ApiErrorSerializer,
                                        description="The role may not resolve alerts."),
                   404: ALERT_NOT_FOUND},
    )
    def post(self, request: Request, alert_id: int) -> Response:
        resolution = _valid(AlertResolveInputSerializer(data=request.data or {}))["resolution"]
        alert_resolve(alert=alert_get(alert_id=alert_id), actor=request.user,
                      resolution=resolution)
        return _alert_detail(alert_id)
