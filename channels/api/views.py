"""``POST /api/channels/<channel_code>/orders/``: every channel's orders, pushed or posted.

Who may post is decided by ``channels.api.auth.push_caller`` (a token with ``orders.add_order``,
or the channel's signature; DESIGN.md section 4), shared with the after-sales intake. A refused
signature leaves only a refused-delivery record. Everything else is stored verbatim first and
then processed.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orderhub.core.errors import ValidationFailed

from channels.adapters.miniprogram import MiniProgramOrderSerializer
from channels.api.auth import push_caller, raw_body
from channels.api.serializers import (
    DeliveryAnswerSerializer,
    ErrorSerializer,
    PayloadErrorSerializer,
)
from channels.selectors import channel_get, delivery_answer_shown
from channels.services.deliveries import delivery_process, delivery_store

def _body_and_file(request: Request) -> tuple[bytes, str, str]:
    """(bytes, content type, file name): a multipart upload's ``file``, or the raw body."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("A multipart upload needs the spreadsheet in the 'file' field.")
        return upload.read(), upload.content_type or "", upload.name or ""
    return raw_body(request._request), content_type, ""


CHANNEL_PAYLOAD = PolymorphicProxySerializer(
    component_name="ChannelOrderPayload",
    serializers=[MiniProgramOrderSerializer],
    resource_type_field_name=None,
)


class ChannelOrdersApi(APIView):
    """Orders of one channel, exactly as the channel sends them (one payload or a list)."""

    permission_classes: list = []  # token + permission, or a valid signature: checked below

    @extend_schema(
        tags=["channels"],
        operation_id="channel_orders_post",
        summary="Post a channel's orders (batch API and signed webhook pushes)",
        description=(
            "The body is the channel's own payload: for pull APIs (Taobao/Tmall TOP, JD JOS, "
            "Pinduoduo, 抖店) the documented API response, envelope and all, or the bare order "
            "objects inside it, alone or in a list; Shopify's orders/create webhook body; for "
            "`miniprogram` our MiniProgramOrder format; for `pos` the spreadsheet (xlsx or csv, "
            "raw or multipart field `file`) or its rows as JSON objects.\n\n"
            "Authenticate with a token whose role has orders.add_order, or sign the push: "
            "Shopify `X-Shopify-Hmac-Sha256`; other channels `X-Hub-Timestamp` (Unix seconds) "
            "and `X-Hub-Signature` = hex HMAC-SHA256 of `<timestamp>.<raw body>` with the "
            "channel's secret, at most 300 s off.\n\n"
            "Answers per order the hub number and whether it was created or updated; the same "
            "body posted again gets the same answer and changes nothing. A batch is all or "
            "nothing: any unreadable order refuses it with every problem listed."
        ),
        parameters=[OpenApiParameter(
            "channel_code", OpenApiTypes.STR, OpenApiParameter.PATH,
            description="taobao, tmall, jd, pdd, douyin, miniprogram, pos or shopify.",
        )],
        request={"application/json": CHANNEL_PAYLOAD,
                 "text/csv": OpenApiTypes.BINARY,
                 "multipart/form-data": {"type": "object",
                                         "properties": {"file": {"type": "string",
                                                                 "format": "binary"}}}},
        responses={
            200: DeliveryAnswerSerializer,
            400: OpenApiResponse(PayloadErrorSerializer, description="Unreadable payload."),
            401: OpenApiResponse(ErrorSerializer, description="Not authenticated, or the "
                                                              "signature was refused."),
            403: OpenApiResponse(ErrorSerializer, description="The role lacks orders.add_order."),
            404: OpenApiResponse(ErrorSerializer, description="No such channel."),
            409: OpenApiResponse(ErrorSerializer, description="The channel is not active."),
            413: OpenApiResponse(ErrorSerializer, description="Body too large."),
        },
        examples=[OpenApiExample(
            "Answer", response_only=True,
            value={"channel": "jd", "created": 1, "updated": 0, "dropped": 0, "waiting": 0,
                   "orders": [
                {"channel_order_no": "300123456789", "hub_no": "JD2026012800123",
                 "result": "created", "changed": True, "flags": [], "note": ""}]},
        )],
    )
    def post(self, request: Request, channel_code: str) -> Response:
        channel = channel_get(code=channel_code)
        body, content_type, filename = _body_and_file(request)
        caller = push_caller(request, channel, body, posting="orders",
                             signatures="X-Hub-Signature or X-Shopify-Hmac-Sha256")
        delivery = delivery_store(
            channel=channel, body=body, source=caller.source, headers=caller.headers,
            content_type=content_type, filename=filename, remote_addr=caller.remote_addr,
            user=caller.user,
        )
        answer = delivery_process(delivery=delivery, actor=caller.actor)
        return Response(delivery_answer_shown(answer),
                        headers={"X-Hub-Delivery": str(delivery.pk)})
