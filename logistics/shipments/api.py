"""The shipments API: record a parcel (label), and the couriers' pushes.

- ``POST /api/orders/<hub_no>/shipments/``: carrier and tracking number (typed or scanned), or
  ``"waybill": true`` to get the number from the electronic-waybill provider (Kuaidi100); other
  packed orders in ``orders`` make it a merged parcel. Needs ``logistics.print_label``.
- ``POST /api/logistics/tracking/kuaidi100/`` and ``…/sf/``: pushes, without a token, answered
  in each courier's documented format (``logistics.shipments.tracking``).
"""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from logistics.shipments.models import CourierPush, Shipment, ShipmentStatus, Trust
from logistics.shipments.pushes import (
    kuaidi100_push_receive,
    push_store,
    sf_push_receive,
)
from logistics.shipments.services import (
    check_print_permission,
    shipment_label_print,
    waybill_number_get,
)
from orderhub.core.api import ApiErrorSerializer, ApiValidationErrorSerializer, ModelViewPermissions
from orderhub.core.errors import Conflict, DomainError, ValidationFailed
from orderhub.core.parsers import MultiPartParser
from logistics.shipments.buyer_page import tracking_page_url
from logistics.shipments.delivery import shipments_expected
from orders.api.serializers import OrderDetailSerializer, WholeOrderField
from orders.models import Order
from orders.selectors import ORDER_DETAIL_PREFETCHES, order_get

TAG = "logistics"
HUB_NO = OpenApiParameter("hub_no", OpenApiTypes.STR, OpenApiParameter.PATH,
                          description="Hub order number, e.g. JD2026012800123.")


class ShipmentEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    description = serializers.CharField()
    location = serializers.CharField()
    kind = serializers.CharField()
    courier_code = serializers.CharField()
    source = serializers.CharField()


class ShipmentSerializer(serializers.ModelSerializer):
    """One parcel: carrier (code, name, phone), number, status with its trust, trace."""

    carrier = serializers.CharField(source="carrier.code")
    carrier_name = serializers.CharField(source="carrier.name")
    carrier_phone = serializers.CharField(source="carrier.phone")
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    trust = serializers.ChoiceField(choices=Trust.choices, help_text=(
        "Who said so: green = the courier itself, yellow = an aggregator or the channel, "
        "red = a person."))
    orders = serializers.SerializerMethodField()
    events = ShipmentEventSerializer(many=True)

    class Meta:
        model = Shipment
        fields = ["id", "carrier", "carrier_name", "carrier_phone", "tracking_no", "status",
                  "trust", "orders", "created_at", "picked_up_at", "delivered_at",
                  "last_event_at", "events",
                  "direction"]  # after-sales (issue 11): a buyer's return parcel is "return"
        read_only_fields = fields

    def get_orders(self, shipment: Shipment) -> list[str]:
        return [order.hub_no for order in shipment.orders.all()]


class LabelInputSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=50, help_text="Carrier code, e.g. SF, ZTO, JD.")
    tracking_no = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                        default="")
    waybill = serializers.BooleanField(
        default=False, help_text="Get the tracking number from the electronic-waybill provider.")
    orders = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list, max_length=50,
        help_text="Other packed orders in the same parcel (a merged parcel).")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not attrs["tracking_no"].strip() and not attrs["waybill"]:
            raise serializers.ValidationError(
                {"tracking_no": ["Scan or type the tracking number, or ask for a waybill."]})
        return attrs


class OrderShipmentCreateApi(APIView):
    """Record a parcel of the order (print its label)."""

    queryset = Order.objects.none()
    permission_classes = [ModelViewPermissions]

    @extend_schema(
        tags=[TAG], operation_id="orders_shipment_create", summary="Record a parcel (label)",
        parameters=[HUB_NO], request=LabelInputSerializer,
        responses={201: ShipmentSerializer,
                   400: OpenApiResponse(ApiValidationErrorSerializer, description="Invalid input "
                                        "(unknown carrier, a number not in its format)."),
                   401: OpenApiResponse(ApiErrorSerializer, description="No credentials."),
                   403: OpenApiResponse(ApiErrorSerializer, description="The role may not "
                                        "print labels."),
                   404: OpenApiResponse(ApiErrorSerializer, description="No such order."),
                   409: OpenApiResponse(ApiErrorSerializer, description="Not packed yet, or the "
                                        "number is another parcel's.")},
    )
    def post(self, request: Request, hub_no: str) -> Response:
        serializer = LabelInputSerializer(data=request.data if request.data is not None else {})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_print_permission(request.user)
        order = order_get(hub_no=hub_no)
        others = [order_get(hub_no=other) for other in data["orders"] if other != hub_no]
        number = data["tracking_no"]
        source = Shipment.Source.LABEL
        if not number.strip():
            number = waybill_number_get(order=order, carrier_code=data["carrier"])
            source = Shipment.Source.WAYBILL
        shipment = shipment_label_print(
            orders=[order, *others], carrier_code=data["carrier"], tracking_no=number,
            actor=request.user, source=source, reason=data["reason"])
        return Response(ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)


# --- courier pushes -----------------------------------------------------------------------------
KUAIDI100_OK = {"result": True, "returnCode": "200", "message": "成功"}
SF_OK = {"return_code": "0000", "return_msg": "成功"}


def _remote(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class _PushApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class Kuaidi100PushApi(_PushApi):
    """Kuaidi100's subscription push: form fields ``param`` and ``sign``."""

    parser_classes = [FormParser, MultiPartParser]

    @extend_schema(tags=[TAG], operation_id="tracking_kuaidi100_push",
                   summary="Kuaidi100 push (form param + sign)", request=None,
                   responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT,
                              403: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
                              413: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        try:
            push = push_store(source=CourierPush.Source.KUAIDI100, body=request.body,
                              content_type=request.content_type or "",
                              remote_addr=_remote(request))
            form = request.POST
            kuaidi100_push_receive(push=push, param=form.get("param", ""),
                                   sign=form.get("sign", ""))
        except DomainError as refused:
            return Response({"result": False, "returnCode": "500", "message": refused.message},
                            status=refused.status_code)
        return Response(KUAIDI100_OK)


class SfPushApi(_PushApi):
    """SF Express's route push (JSON), with the token of the push URL."""

    parser_classes = [JSONParser]

    @extend_schema(tags=[TAG], operation_id="tracking_sf_push", summary="SF route push",
                   parameters=[OpenApiParameter("token", OpenApiTypes.STR,
                                                OpenApiParameter.QUERY)],
                   request=OpenApiTypes.OBJECT,
                   responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT,
                              403: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
                              413: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        try:
            push = push_store(source=CourierPush.Source.SF, body=request.body,
                              content_type=request.content_type or "",
                              remote_addr=_remote(request))
            sf_push_receive(push=push, body=request.body,
                            token=request.query_params.get("token", ""))
        except DomainError as refused:
            return Response({"return_code": "1000", "return_msg": refused.message},
                            status=refused.status_code)
        return Response(SF_OK)


# --- the order's JSON: its parcels and expected delivery ----------------------------------------
PREFETCHED = "prefetched_shipments"


def _parcels() -> QuerySet[Shipment]:
    return Shipment.objects.select_related("carrier").prefetch_related(
        "orders", "events").order_by("pk")


def _order_shipments(order: Order, context: dict) -> list[Shipment]:
    """The order's parcels: prefetched with the order (``order_detail_queryset``), else read
    once per rendering (both sections use them)."""
    if hasattr(order, PREFETCHED):
        return getattr(order, PREFETCHED)
    cache = context.setdefault("logistics.shipments", {})
    if order.pk not in cache:
        cache[order.pk] = list(_parcels().filter(orders=order))
    return cache[order.pk]


@extend_schema_field(ShipmentSerializer(many=True))
class OrderShipmentsField(WholeOrderField):
    """``shipments`` of ``GET /api/orders/<hub_no>/``: each parcel with its trace."""

    help = "The order's parcels, oldest first, each with its carrier, number, status and trace."

    def to_representation(self, order: Order) -> list[dict]:
        return ShipmentSerializer(_order_shipments(order, self.context), many=True).data


@extend_schema_field(serializers.DateTimeField())
class ExpectedDeliveryField(WholeOrderField):
    """``expected_delivery``: ISO 8601 with the hub's offset, or null before the label."""

    help = ("When the parcels should arrive, from the carrier's measured transit times on the "
            "route; null before the label.")

    def __init__(self, **kwargs) -> None:
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, order: Order) -> str | None:
        expected = shipments_expected(_order_shipments(order, self.context))
        return serializers.DateTimeField().to_representation(expected) if expected else None


@extend_schema_field(serializers.URLField())
class TrackingPageField(WholeOrderField):
    """``tracking_page``: the buyer's signed no-login link (物流溯源码)."""

    help = "The buyer's tracking page (物流溯源码): an absolute link that needs no login."

    def to_representation(self, order: Order) -> str:
        return tracking_page_url(order, self.context.get("request"))


# Orders may not import logistics (STYLE.md): logistics adds its sections to the order's JSON,
# and their prefetch to the order's detail queryset.
ORDER_DETAIL_PREFETCHES.append(Prefetch("shipments", queryset=_parcels(), to_attr=PREFETCHED))
OrderDetailSerializer.sections.update({
    "shipments": OrderShipmentsField,
    "expected_delivery": ExpectedDeliveryField,
    "tracking_page": TrackingPageField,
})
