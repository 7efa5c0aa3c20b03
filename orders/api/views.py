"""The orders API: list, detail, transitions and holds (DESIGN.md section 4).

Views stay thin: parse the input, fetch through ``orders.selectors``, call one service from
``orders.services`` (which checks the per-move permission, locks and records the history),
serialize. Errors are raised as domain errors and rendered by ``orderhub.core.api``.
"""
from __future__ import annotations


from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orderhub.core.api import (
    FORBIDDEN,
    INVALID,
    UNAUTHENTICATED,
    ModelViewPermissions,
    NewestFirstPagination,
    api_error,
)
from orders.api.serializers import (
    MOVE_NAMES,
    OrderDetailSerializer,
    OrderListFilterSerializer,
    OrderListItemSerializer,
    ReasonInputSerializer,
    ReleaseInputSerializer,
    RequiredReasonInputSerializer,
    TransitionConflictSerializer,
)
from orders.models import Order
from orders.selectors import order_get, order_list
from orders.holds import order_hold, order_release_hold
from orders.services import order_move_by_hand

TAG = "orders"


ORDER_NOT_FOUND = api_error("No order with this hub number.")
HUB_NO = OpenApiParameter(
    "hub_no", OpenApiTypes.STR, OpenApiParameter.PATH,
    description="Hub order number, e.g. JD2026012800123.",
)


def _order_detail(request: Request, hub_no: str) -> Response:
    order = order_get(hub_no=hub_no)
    return Response(OrderDetailSerializer(order, context={"request": request}).data)


def _parse(serializer_class, data) -> dict:
    # An empty body arrives as an empty QueryDict, a JSON ``null`` as None: both mean "nothing".
    serializer = serializer_class(data=data if data is not None else {})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class OrderListApi(GenericAPIView):
    """Orders, newest first, filtered; cursor-paginated."""

    # The model whose view permission guards the endpoint (ModelViewPermissions).
    queryset = Order.objects.none()
    permission_classes = [ModelViewPermissions]
    serializer_class = OrderListItemSerializer
    pagination_class = NewestFirstPagination
    filter_backends: list = []

    @extend_schema(
        tags=[TAG],
        operation_id="orders_list",
        summary="List orders",
        parameters=[OrderListFilterSerializer],
        responses={
            200: OrderListItemSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        filters = _parse(OrderListFilterSerializer, request.query_params)
        paid_after = filters.pop("paid_after", None)
        paid_before = filters.pop("paid_before", None)
        if "status" in filters:
            filters["status"] = sorted(filters["status"])
        orders = order_list(**filters)
        # order_list has no paid-time range yet; narrowing its queryset keeps the selector's
        # joins and ordering.
        if paid_after is not None:
            orders = orders.filter(paid_at__gte=paid_after)
        if paid_before is not None:
            orders = orders.filter(paid_at__lt=paid_before)
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(OrderListItemSerializer(page, many=True).data)


class _OrderApi(APIView):
    """Base of the one-order endpoints: the user needs ``orders.view_order``."""

    # The model whose view permission guards the endpoint (ModelViewPermissions).
    queryset = Order.objects.none()
    permission_classes = [ModelViewPermissions]


class OrderDetailApi(_OrderApi):
    """One order with its lines, gift sub-orders, history and the moves legal now."""

    @extend_schema(
        tags=[TAG],
        operation_id="orders_retrieve",
        summary="Get an order",
        parameters=[HUB_NO],
        responses={
            200: OrderDetailSerializer,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: ORDER_NOT_FOUND,
        },
    )
    def get(self, request: Request, hub_no: str) -> Response:
        return _order_detail(request, hub_no)


class OrderTransitionApi(_OrderApi):
    """Apply one move of the state machine (``orders/state_machine.py``) to an order."""

    @extend_schema(
        tags=[TAG],
        operation_id="orders_transition",
        summary="Move an order to its next state",
        description=(
            "Applies the move `name` with an optional reason (kept in the history) and answers "
            "with the updated order. The role must hold the move's permission."
        ),
        parameters=[
            HUB_NO,
            OpenApiParameter(
                "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=MOVE_NAMES,
                description="The move, e.g. start_picking, cancel, refund.",
            ),
        ],
        request=ReasonInputSerializer,
        responses={
            200: OrderDetailSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: api_error("The role may not make this move (or view orders)."),
            404: api_error("No such order, or no such move (the message lists the moves)."),
            409: api_error(
                "Illegal from the current state, or the order is on hold; names the current "
                "state and the moves allowed from it.",
                TransitionConflictSerializer,
            ),
        },
    )
    def post(self, request: Request, hub_no: str, name: str) -> Response:
        reason = _parse(ReasonInputSerializer, request.data)["reason"]
        order = order_get(hub_no=hub_no)
        order_move_by_hand(order=order, name=name, actor=request.user, reason=reason)
        return _order_detail(request, order.hub_no)


_HOLD_RESPONSES = {
    200: OrderDetailSerializer,
    400: INVALID,
    401: UNAUTHENTICATED,
    403: api_error("The role may not hold or release orders."),
    404: ORDER_NOT_FOUND,
    409: api_error("The order's state does not allow it (final, or not on hold)."),
}


def _hold_schema(*, operation_id: str, summary: str, request):
    return extend_schema_view(
        post=extend_schema(
            tags=[TAG], operation_id=operation_id, summary=summary, parameters=[HUB_NO],
            request=request, responses=_HOLD_RESPONSES,
        )
    )


@_hold_schema(operation_id="orders_hold", summary="Put an order on hold",
              request=RequiredReasonInputSerializer)
class OrderHoldApi(_OrderApi):
    """Intercept an order: forward moves wait until every hold is lifted. An order may carry
    several holds; each is listed in the order's ``holds``."""

    def post(self, request: Request, hub_no: str) -> Response:
        reason = _parse(RequiredReasonInputSerializer, request.data)["reason"]
        order = order_get(hub_no=hub_no)
        order_hold(order=order, actor=request.user, reason=reason)
        return _order_detail(request, order.hub_no)


@_hold_schema(operation_id="orders_release_hold", summary="Lift an order's hold",
              request=ReleaseInputSerializer)
class OrderReleaseHoldApi(_OrderApi):
    """Lift one hold (``hold_id``) or every open hold; the order moves forward once none is
    left."""

    def post(self, request: Request, hub_no: str) -> Response:
        data = _parse(ReleaseInputSerializer, request.data)
        order = order_get(hub_no=hub_no)
        hold_id = data.get("hold_id")
        order_release_hold(order=order, actor=request.user, reason=data["reason"],
                           hold_ids=[hold_id] if hold_id else None)
        return _order_detail(request, order.hub_no)
