"""Who is posting to a channel's endpoint: the one check every channel intake shares.

Orders (``POST /api/channels/<code>/orders/``) and after-sales cases
(``POST /api/channels/<code>/aftersales/``) come in on the same terms (DESIGN.md section 4): an
integrator authenticated with a token (or a staff session) whose role has ``orders.add_order``,
without a signature; or the platform itself, unauthenticated, with the channel's signature. A
refused signature leaves a refused-delivery record (what was sent, from where, why) and nothing
else. The body is read here with the channels' own size limit.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

from channels.models import Channel, DeliverySource
from channels.selectors import endpoint_of
from channels.services.deliveries import delivery_refuse, headers_from_meta
from channels.services.signatures import SignatureRefused, has_signature, signature_verify
from orderhub.core.errors import DomainError, PermissionRefused, ValidationFailed
from orderhub.core.history import client_ip

ADD_ORDER = "orders.add_order"
DEFAULT_MAX_BODY = 50 * 1024 * 1024


class NotSigned(DomainError):
    status_code = 401
    code = "not_authenticated"


class BodyTooLarge(DomainError):
    status_code = 413
    code = "too_large"


def raw_body(request: HttpRequest) -> bytes:
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


@dataclass(frozen=True)
class PushCaller:
    """Who posted: ``source`` (API or a signed push), ``actor`` for the history (the token's
    user; ``None``, the system, for the platform's push) and what the delivery record keeps."""

    source: str
    actor: object | None
    user: object | None
    headers: dict[str, str]
    remote_addr: str | None


def push_caller(request: Request, channel: Channel, body: bytes, *, posting: str,
                signatures: str = "X-Hub-Signature") -> PushCaller:
    """Accept a token with ``orders.add_order`` or a valid signature; refuse anything else.

    ``posting`` names what is posted in the refusal ("orders", "after-sales cases");
    ``signatures`` names the signature headers the endpoint takes. Raises ``SignatureRefused``
    (401, recorded as a refused delivery), ``PermissionRefused`` (403) or ``NotSigned`` (401).
    """
    headers = headers_from_meta(request.META)
    user = request.user if request.user and request.user.is_authenticated else None
    remote_addr = client_ip(request._request)
    if user is not None and user.has_perm(ADD_ORDER):
        return PushCaller(DeliverySource.API, user, user, headers, remote_addr)
    if has_signature(headers):
        try:
            signature_verify(endpoint=endpoint_of(channel), headers=headers, body=body)
        except SignatureRefused as refused:
            delivery_refuse(channel_code=channel.code, reason=refused.message,
                            headers=headers, body=body, remote_addr=remote_addr)
            raise
        return PushCaller(DeliverySource.WEBHOOK, None, user, headers, remote_addr)
    if user is not None:
        raise PermissionRefused(f"Your role may not post {posting} (needs permission "
                                f"'{ADD_ORDER}').")
    raise NotSigned(f"Authenticate with a token, or sign the push ({signatures}).")
