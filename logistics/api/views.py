"""The logistics API: gift scans, address changes, refund requests, an order's fulfilment,
and stock (list and import).

Thin views: parse, fetch through selectors, call one service (which checks the per-action
permission, locks and records the history), serialize. The order endpoints answer with the
order as ``GET /api/orders/<hub_no>/`` does, so that a client sees the gift's state or the hold
at once.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from logistics import texts
from logistics.api.serializers import (
    AddressChangeInputSerializer,
    FulfilmentSerializer,
    RefundRequestInputSerializer,
    ScanInputSerializer,
    StockImportInputSerializer,
    StockImportResultSerializer,
    StockListFilterSerializer,
    StockSerializer,
)
from logistics.importers import read_sheet, stock_import
from logistics.models import FulfilmentDecision, Stock
from logistics.selectors import (
    decision_for_order,
    order_parcel,
    order_reservations,
    pending_gifts,
    stock_list,
)
from orderhub.core.api import (
    ApiErrorSerializer,
    ApiValidationErrorSerializer,
    ModelViewPermissions,
    StrictCursorPagination,
)
from orderhub.core.errors import Conflict, ValidationFailed
from orderhub.core.parsers import MultiPartParser
from orders.api.serializers import OrderDetailSerializer
from orders.models import Order
from orders.selectors import order_get
from orders.services import gift_scan, order_change_address, order_request_refund

TAG = "logistics"
HUB_NO = OpenApiParameter(
    "hub_no", OpenApiTypes.STR, OpenApiParameter.PATH,
    description="Hub order number, e.g. JD2026012800123.",
)


def _error(description: str, serializer=ApiErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


def _parse(serializer_class, data) -> dict:
    serializer = serializer_class(data=data if data is not None else {})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _order(request: Request, hub_no: str) -> Response:
    order = order_get(hub_no=hub_no)
    return Response(OrderDetailSerializer(order, context={"request": request}).data)


def _order_responses(conflict: str) -> dict:
    return {
        200: OrderDetailSerializer,
        400: _error("Invalid input; the message says which.", ApiValidationErrorSerializer),
        401: _error("No or invalid credentials (Token or session)."),
        403: _error("The role lacks the permission (the message names it)."),
        404: _error("No order with this hub number."),
        409: _error(conflict),
    }


class _OrderActionApi(APIView):
    """Base of the one-order actions: the user needs ``orders.view_order``; the service
    checks the action's own permission."""

    queryset = Order.objects.none()
    permission_classes = [ModelViewPermissions]


class OrderGiftScanApi(_OrderActionApi):
    """Scan an order's gift into the box; the label can then be printed."""

    @extend_schema(
        tags=[TAG], operation_id="orders_gift_scan", summary="Scan an order's gift",
        parameters=[HUB_NO], request=ScanInputSerializer,
        responses=_order_responses("The order has no gift waiting to be scanned, or is not "
                                   "being picked or packed."),
    )
    def post(self, request: Request, hub_no: str) -> Response:
        code = _parse(ScanInputSerializer, request.data)["code"]
        order = order_get(hub_no=hub_no)
        gifts = pending_gifts(order=order)
        if not gifts:
            raise Conflict(f"Order {order.hub_no} has no gift waiting to be scanned.")
        matching = [g for g in gifts if g.sku.lower() == code.strip().lower()]
        gift_scan(gift=(matching or gifts)[0], actor=request.user, code=code)
        return _order(request, order.hub_no)


class OrderAddressChangeApi(_OrderActionApi):
    """Change the receiver; after picking started the order is also held and the warehouse
    alerted."""

    @extend_schema(
        tags=[TAG], operation_id="orders_change_address", summary="Change the delivery address",
        parameters=[HUB_NO], request=AddressChangeInputSerializer,
        responses=_order_responses("The parcel has left the warehouse (or the order is "
                                   "closed)."),
    )
    def post(self, request: Request, hub_no: str) -> Response:
        data = _parse(AddressChangeInputSerializer, request.data)
        order = order_get(hub_no=hub_no)
        order_change_address(order=order, receiver=dict(data["receiver"]), actor=request.user,
                             reason=data["reason"])
        return _order(request, order.hub_no)


class OrderRefundRequestApi(_OrderActionApi):
    """The buyer asked for a refund before shipping: the order is held until refunded."""

    @extend_schema(
        tags=[TAG], operation_id="orders_request_refund", summary="Hold for a refund request",
        parameters=[HUB_NO], request=RefundRequestInputSerializer,
        responses=_order_responses("Not paid yet, already shipped, or already requested."),
    )
    def post(self, request: Request, hub_no: str) -> Response:
        reason = _parse(RefundRequestInputSerializer, request.data)["reason"]
        order = order_get(hub_no=hub_no)
        order_request_refund(order=order, actor=request.user, reason=reason)
        return _order(request, order.hub_no)


class OrderFulfilmentApi(APIView):
    """Why the order is where it is: its decision, the rules that matched, the stock it holds
    and its merged parcel."""

    queryset = FulfilmentDecision.objects.none()
    permission_classes = [ModelViewPermissions]

    @extend_schema(
        tags=[TAG], operation_id="orders_fulfilment", summary="An order's fulfilment",
        parameters=[HUB_NO],
        responses={200: FulfilmentSerializer,
                   401: _error("No or invalid credentials (Token or session)."),
                   403: _error("The role may not view fulfilment decisions."),
                   404: _error("No order with this hub number.")},
    )
    def get(self, request: Request, hub_no: str) -> Response:
        order = order_get(hub_no=hub_no)
        decision = decision_for_order(order=order)
        membership = order_parcel(order=order)
        body = {
            "hub_no": order.hub_no,
            "decided": decision is not None,
            "outcome": decision.outcome if decision else None,
            "warehouse": decision.warehouse.code if decision and decision.warehouse else None,
            "summary": decision.summary if decision else "",
            "over_capacity": bool(decision and decision.over_capacity),
            "decided_at": decision.decided_at if decision else None,
            "matched_rules": list(decision.matches.all()) if decision else [],
            "reservations": order_reservations(order=order),
            "parcel": membership.parcel if membership else None,
        }
        return Response(FulfilmentSerializer(body).data)


class StockPagination(StrictCursorPagination):
    ordering = "id"  # the cursor needs a unique, indexed position
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class StockListApi(GenericAPIView):
    """Stock per SKU and warehouse: on hand, reserved, samples and available."""

    queryset = Stock.objects.none()
    permission_classes = [ModelViewPermissions]
    serializer_class = StockSerializer
    pagination_class = StockPagination
    filter_backends: list = []

    @extend_schema(
        tags=[TAG], operation_id="stock_list", summary="List stock",
        parameters=[StockListFilterSerializer],
        responses={200: StockSerializer(many=True),
                   400: _error("Invalid filter.", ApiValidationErrorSerializer),
                   401: _error("No or invalid credentials (Token or session)."),
                   403: _error("The role may not view stock.")},
    )
    def get(self, request: Request) -> Response:
        filters = _parse(StockListFilterSerializer, request.query_params)
        rows = stock_list(sku=filters.get("sku", ""), warehouse=filters.get("warehouse", ""),
                          low_only=filters["low"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(StockSerializer(page, many=True).data)


class StockImportApi(APIView):
    """Set stock levels from a sheet: a dry run by default; all rows or none."""

    queryset = Stock.objects.none()
    permission_classes = [ModelViewPermissions]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=[TAG], operation_id="stock_import", summary="Import stock levels",
        request={"multipart/form-data": StockImportInputSerializer},
        responses={200: StockImportResultSerializer,
                   400: _error("Unreadable sheet, or bad rows (listed under `rows`); nothing "
                               "was imported."),
                   401: _error("No or invalid credentials (Token or session)."),
                   403: _error("The role may not import stock.")},
    )
    def post(self, request: Request) -> Response:
        data = _parse(StockImportInputSerializer, request.data)
        upload = data["file"]
        dataset = read_sheet(upload.read(), file_name=upload.name or "upload.csv")
        result = stock_import(dataset=dataset, actor=request.user, dry_run=data["dry_run"],
                              reason=texts.STOCK_IMPORT.encode(file=upload.name or ""))
        rows = [{"row": p.row, "message": p.message} for p in result.problems]
        if rows and not data["dry_run"]:
            raise ValidationFailed(
                f"Nothing imported: {len(rows)} bad row(s), e.g. row {rows[0]['row']}: "
                f"{rows[0]['message']}.",
                extra={"rows": rows},
            )
        body = {"applied": result.applied, "rows": len(result.changes) + len(rows),
                "changes": result.changes, "errors": rows}
        return Response(StockImportResultSerializer(body).data)
