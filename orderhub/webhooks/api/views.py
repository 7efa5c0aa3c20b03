"""``/api/webhooks/``: subscribe, list one's own subscriptions, unsubscribe (DESIGN.md §4).

Thin views: parse, call ``orderhub.webhooks.services`` (which checks the URL and the event
types and refuses with a message), serialize. A subscription of someone else answers 404, as
one that does not exist: ids of other integrators' subscriptions are nobody's business.
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiCallback, OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orderhub.core.api import UNAUTHENTICATED, ApiValidationErrorSerializer, api_error
from orderhub.webhooks.api.serializers import (
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionInputSerializer,
    WebhookSubscriptionSerializer,
)
from orderhub.webhooks.selectors import subscription_get, subscription_list
from orderhub.webhooks.services import (
    SUBSCRIBE_PERMISSION,
    subscription_create,
    subscription_delete,
)

TAG = "webhooks"
FORBIDDEN = api_error("The user's role may not subscribe to webhooks.")
DELIVERY_DOC = """Each event is POSTed to the subscribed URL as JSON (this body), with headers:

- `X-Hub-Timestamp`: Unix seconds of this attempt;
- `X-Hub-Signature`: hex HMAC-SHA256 of `"<timestamp>.<raw body>"` with the subscription's
  secret (the scheme of incoming pushes); refuse a body whose signature does not match, or whose
  timestamp is more than 300 s off;
- `X-Hub-Event`: the event type; `X-Hub-Delivery`: this delivery's id (one per subscriber);
- `User-Agent: OrderHub-Webhooks/1.0`.

Answer any 2xx within 10 s (connect within 3 s); anything else, a redirect included (never
followed), is a failure, retried after 1 min, 5 min, 15 min, 1 h, 3 h, 6 h and 12 h (8 attempts
in about 22 h). Delivery is at least once: drop a repeated `id`. One order's events arrive in the
order they happened (a later one waits while an earlier one is retried, and goes ahead once the
hub gives up on it). An endpoint failing for 24 h (10 attempts or more) is switched off and staff
are alerted; they re-enable it, and what it was owed is then sent."""


class CanSubscribe(BasePermission):
    """Integrators and managers: ``webhooks.add_subscription``."""

    def has_permission(self, request, view) -> bool:
        if request.user.has_perm(SUBSCRIBE_PERMISSION):
            return True
        self.message = _("Your role may not subscribe to webhooks (needs permission "
                         "'%(permission)s').") % {"permission": SUBSCRIBE_PERMISSION}
        return False


class WebhookListApi(APIView):
    permission_classes = [IsAuthenticated, CanSubscribe]

    @extend_schema(
        tags=[TAG], operation_id="webhooks_list", summary="Your webhook subscriptions",
        description="The caller's own subscriptions (never their secrets), each with its "
                    "recent health.",
        responses={200: WebhookSubscriptionSerializer(many=True), 401: UNAUTHENTICATED,
                   403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        subscriptions = subscription_list(owner=request.user)
        return Response(WebhookSubscriptionSerializer(subscriptions, many=True).data)

    @extend_schema(
        tags=[TAG], operation_id="webhooks_subscribe", summary="Subscribe a URL to events",
        description="Subscribes `url` to the event types in `events`. The URL must be http or "
                    "https and resolve to public addresses only (loopback, private, "
                    "link-local and similar addresses are refused unless the hub runs with "
                    "ORDERHUB_WEBHOOKS_ALLOW_PRIVATE=1). The answer carries the signing "
                    "`secret`, this once.\n\n" + DELIVERY_DOC,
        request=WebhookSubscriptionInputSerializer,
        responses={
            201: WebhookSubscriptionCreatedSerializer,
            400: api_error("Invalid input, a refused URL or too many subscriptions; field "
                           "errors under `errors`.", ApiValidationErrorSerializer),
            401: UNAUTHENTICATED, 403: FORBIDDEN,
        },
        callbacks=[OpenApiCallback(
            "event", "{$request.body#/url}",
            extend_schema(summary="An event delivered to the subscribed URL",
                          description=DELIVERY_DOC, request=WebhookDeliverySerializer,
                          responses={200: OpenApiResponse(
                              description="Received (any 2xx); anything else is retried.")}),
        )],
    )
    def post(self, request: Request) -> Response:
        serializer = WebhookSubscriptionInputSerializer(
            data=request.data if request.data is not None else {})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription, secret = subscription_create(
            owner=request.user, url=data["url"], events=data["events"],
            secret=data.get("secret") or None, actor=request.user,
        )
        body = WebhookSubscriptionCreatedSerializer(subscription).data
        return Response({**body, "secret": secret}, status=201)


class WebhookDetailApi(APIView):
    permission_classes = [IsAuthenticated, CanSubscribe]

    @extend_schema(
        tags=[TAG], operation_id="webhooks_unsubscribe", summary="Remove a subscription",
        description="Removes one of the caller's subscriptions, with its deliveries.",
        responses={204: OpenApiResponse(description="Removed."), 401: UNAUTHENTICATED,
                   403: FORBIDDEN,
                   404: api_error("No subscription of yours with this id.")},
    )
    def delete(self, request: Request, subscription_id: int) -> Response:
        subscription = subscription_get(owner=request.user, subscription_id=subscription_id)
        subscription_delete(subscription=subscription, actor=request.user)
        return Response(status=204)
