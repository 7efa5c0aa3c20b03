"""``POST /api/channels/<channel_code>/orders/``: every channel's orders, pushed or posted.

Who may post: an integrator authenticated with a token (or a staff session) whose role has
``orders.add_order``, without a signature; or the platform itself, unauthenticated, with the
channel's signature (DESIGN.md section 4). A refused signature leaves only a refused-delivery
record. Everything else is stored verbatim first and then processed.
"""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
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

from orderhub.core.errors import DomainError, PermissionRefused, ValidationFailed
from orderhub.core.history import client_ip

from channels.adapters.miniprogram import MiniProgramOrderSerializer
from channels.api.serializers import (
    DeliveryAnswerSerializer,
    ErrorSerializer,
    PayloadErrorSerializer,
)
from channels.models import DeliverySource
from channels.selectors import channel_get, endpoint_of
from channels.services.deliveries import (
    delivery_process,
    delivery_refuse,
    delivery_store,
    headers_from_meta,
)
from channels.services.signatures import SignatureRefused, has_signature, signature_verify

ADD_ORDER = "orders.add_order"
DEFAULT_MAX_BODY = 50 * 1024 * 1024


class NotSigned(DomainError):
    status_code = 401
    code = "not_authenticated"


class BodyTooLarge(DomainError):
    status_code = 413
    code = "too_large"


def _raw_body(request: HttpRequest) -> bytes:
    """The body as sent, read with the channels' own size limit (batches exceed Django's
    2.5 MB DATA_UPLOAD_MAX_MEMORY_SIZE, which is meant for forms)."""
    limit = getattr(settings, "ORDERHUB_CHANNEL_MAX_BODY_BYTES", DEFAULT_MAX_BODY)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ValidationFailed("The Content-Length header is not a number.") from None
    if declared > limit:
        raise BodyTooLarge(f"The body is {declared} bytes; at most {limit} are accepted. "
                           f"Post the orders in smaller batches.")
    if hasattr(request, "_body"):
        return request._body
    chunks, size = [], 0
    while chunk := request.read(1 << 16):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"The body exceeds {limit} bytes; post smaller batches.")
        chunks.append(chunk)
    return b"".join(chunks)


def _body_and_file(request: Request) -> tuple[bytes, str, str]:
    """(bytes, content type, file name): a multipart upload's ``file``, or the raw body."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("A multipart upload needs the spreadsheet in the 'file' field.")
        return upload.read(), upload.content_type or "", upload.name or ""
    return _raw_body(request._request), content_type, ""


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
        headers = headers_from_meta(request.META)
        user = request.user if request.user and request.user.is_authenticated else None
        remote_addr = client_ip(request._request)
        if user is not None and user.has_perm(ADD_ORDER):
            source, actor = DeliverySource.API, user
        elif has_signature(headers):
            try:
                signature_verify(endpoint=endpoint_of(channel), headers=headers, body=body)
            except SignatureRefused as refused:
                delivery_refuse(channel_code=channel.code, reason=refused.message,
                                headers=headers, body=body, remote_addr=remote_addr)
                raise
            source, actor = DeliverySource.WEBHOOK, None
        elif user is not None:
            raise PermissionRefused(f"Your role may not post orders (needs permission "
                                    f"'{ADD_ORDER}').")
        else:
            raise NotSigned("Authenticate with a token, or sign the push (X-Hub-Signature or "
                            "X-Shopify-Hmac-Sha256).")
        delivery = delivery_store(
            channel=channel, body=body, source=source, headers=headers,
            content_type=content_type, filename=filename, remote_addr=remote_addr, user=user,
        )
        answer = delivery_process(delivery=delivery, actor=actor)
        return Response(answer, headers={"X-Hub-Delivery": str(delivery.pk)})
