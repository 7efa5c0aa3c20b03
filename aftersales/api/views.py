"""The after-sales API: the platforms' payloads in, the case list, one case, its moves.

Views stay thin: parse, fetch through ``aftersales.selectors``, call one service, serialize.
The intake takes the same ways in as orders, through the same check
(``channels.api.auth.push_caller``): a token whose role has ``orders.add_order``, or the
platform's own signed push (``X-Hub-Timestamp`` / ``X-Hub-Signature`` with the channel's
secret); a refused signature leaves only a refused-delivery record.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels.api.auth import push_caller, raw_body
from channels.selectors import channel_get
from orderhub.core.api import (
    FORBIDDEN,
    INVALID,
    UNAUTHENTICATED,
    ModelViewPermissions,
    NewestFirstPagination,
    api_error,
)
from orderhub.core.errors import NotFound

from aftersales.api.serializers import (
    CaseConflictSerializer,
    CaseDeliveryAnswerSerializer,
    CaseListFilterSerializer,
    CaseMoveInputSerializer,
    CaseSerializer,
    ReturnRiskSerializer,
)
from aftersales.intake import case_delivery_process, case_delivery_store
from aftersales.models import Case, ReturnRisk
from aftersales.selectors import case_get, case_list
from aftersales.services import case_transition
from aftersales.state_machine import CASE_MOVES_BY_NAME

TAG = "aftersales"


def _parse(serializer_class, data) -> dict:
    serializer = serializer_class(data=data if data is not None else {})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ChannelCasesApi(APIView):
    """A platform's after-sales payloads, exactly as it sends them (one or a list)."""

    permission_classes: list = []  # token + permission, or a valid signature: checked below

    @extend_schema(
        tags=[TAG], operation_id="channel_aftersales_post",
        summary="Post a platform's after-sales cases (batch API and signed pushes)",
        description=(
            "The body is the platform's own after-sales payload, envelope and all or the bare "
            "objects, alone or in a list: Taobao/Tmall `taobao.refund.get` and "
            "`taobao.refunds.receive.get`; Pinduoduo `pdd.refund.information.get` and "
            "`pdd.refund.list.increment.get`; 抖店 `afterSale.Detail`; JD "
            "`jingdong.asc.query.view`. Authenticate with a token whose role has "
            "orders.add_order, or sign the push like orders' pushes. Answers per case its id "
            "and whether it was created, updated or unchanged; the same body again gets the "
            "same answer and changes nothing."),
        parameters=[OpenApiParameter("channel_code", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     description="taobao, tmall, pdd, douyin or jd.")],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: CaseDeliveryAnswerSerializer, 400: INVALID,
                   401: OpenApiResponse(description="Not authenticated, or the signature "
                                                    "was refused."),
                   403: FORBIDDEN, 404: api_error("No such channel.")},
    )
    def post(self, request: Request, channel_code: str) -> Response:
        channel = channel_get(code=channel_code)
        body = raw_body(request._request)
        caller = push_caller(request, channel, body, posting="after-sales cases")
        delivery = case_delivery_store(channel=channel, body=body, source=caller.source,
                                       headers=caller.headers, remote_addr=caller.remote_addr,
                                       user=caller.user)
        answer = case_delivery_process(delivery=delivery, actor=caller.actor)
        return Response(answer, headers={"X-Hub-Delivery": str(delivery.pk)})


class CaseListApi(GenericAPIView):
    """Cases by priority then deadline; ``?order=<hub_no>`` for one order's."""

    queryset = Case.objects.none()
    permission_classes = [ModelViewPermissions]
    serializer_class = CaseSerializer
    pagination_class = NewestFirstPagination
    filter_backends: list = []

    @extend_schema(tags=[TAG], operation_id="aftersales_list", summary="List after-sales cases",
                   parameters=[CaseListFilterSerializer],
                   responses={200: CaseSerializer(many=True), 400: INVALID,
                              401: UNAUTHENTICATED, 403: FORBIDDEN})
    def get(self, request: Request) -> Response:
        filters = _parse(CaseListFilterSerializer, request.query_params)
        cases = case_list(hub_no=filters.get("order", ""), kind=filters.get("kind", ""),
                          status=filters.get("status", ""), channel=filters.get("channel", ""))
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(CaseSerializer(page, many=True).data)


class CaseDetailApi(APIView):
    queryset = Case.objects.none()
    permission_classes = [ModelViewPermissions]

    @extend_schema(tags=[TAG], operation_id="aftersales_retrieve", summary="Get a case",
                   responses={200: CaseSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                              404: api_error("No such case.")})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CaseSerializer(case_get(pk=pk)).data)


class CaseTransitionApi(APIView):
    """Apply one move of the case state machine (``aftersales/state_machine.py``)."""

    queryset = Case.objects.none()
    permission_classes = [ModelViewPermissions]

    @extend_schema(
        tags=[TAG], operation_id="aftersales_transition", summary="Move a case",
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     enum=list(CASE_MOVES_BY_NAME))],
        request=CaseMoveInputSerializer,
        responses={200: CaseSerializer, 400: INVALID, 401: UNAUTHENTICATED,
                   403: api_error("The role may not make this move."),
                   404: api_error("No such case or move."),
                   409: api_error("Illegal for the case's kind and state; names the state and "
                                  "the moves allowed.", CaseConflictSerializer)},
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        data = _parse(CaseMoveInputSerializer, request.data)
        case = case_get(pk=pk)
        case_transition(case=case, name=name, actor=request.user, reason=data["reason"],
                        inspection=data["inspection"])
        return Response(CaseSerializer(case_get(pk=pk)).data)


class ReturnRiskApi(APIView):
    """The return-risk score of a paid order (0–100) and its top reasons in words."""

    queryset = ReturnRisk.objects.none()
    permission_classes = [ModelViewPermissions]

    @extend_schema(tags=[TAG], operation_id="aftersales_return_risk",
                   summary="An order's return-risk score",
                   responses={200: ReturnRiskSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                              404: api_error("No such order, or it is not scored (not paid).")})
    def get(self, request: Request, hub_no: str) -> Response:
        risk = ReturnRisk.objects.select_related("order").filter(order__hub_no=hub_no).first()
        if risk is None:
            raise NotFound(f"Order {hub_no} has no return-risk score (unknown or not paid).")
        return Response(ReturnRiskSerializer(risk).data)
