"""The alerts API: ``GET /api/alerts/?order=<hub_no>`` (DESIGN.md section 4), one alert with its
timeline, and acknowledge / resolve.

Every role may read alerts (``alerts.view_alert``) and acknowledge or resolve them
(``alerts.change_alert``, checked by the services in ``orderhub.alerts.services``).
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orderhub.alerts.api.serializers import (
    AlertDetailSerializer,
    AlertFilterSerializer,
    AlertResolveInputSerializer,
    AlertSerializer,
)
from orderhub.alerts.models import Alert
from orderhub.alerts.selectors import alert_get, alert_list, alert_order_get
from orderhub.alerts.services import alert_acknowledge, alert_resolve
from orderhub.core.api import (
    FORBIDDEN,
    INVALID,
    UNAUTHENTICATED,
    ApiErrorSerializer,
    ModelViewPermissions,
    NewestFirstPagination,
)

TAG = "alerts"
ALERT_NOT_FOUND = OpenApiResponse(ApiErrorSerializer, description="No alert with this id.")
ALERT_ID = OpenApiParameter("alert_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                            description="The alert's id.")


def _valid(serializer: serializers.Serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class AlertListApi(GenericAPIView):
    """Alerts, newest first, filtered by order, kind, level, status and team."""

    queryset = Alert.objects.none()
    permission_classes = [ModelViewPermissions]
    serializer_class = AlertSerializer
    # Newest first by id, no COUNT(*): the orders list's pagination.
    pagination_class = NewestFirstPagination
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
        order = alert_order_get(hub_no=hub_no) if hub_no else None
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
