"""Input and output serializers of ``/api/webhooks/`` and the documented delivery body."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orderhub.core.api import ValidChoiceField
from orderhub.core.text_fields import StoredTextField
from orderhub.webhooks.models import Subscription
from orderhub.webhooks.registry import PING, PUBLIC_EVENT_TYPES
from orderhub.webhooks.services import SECRET_MAX_LENGTH, SECRET_MIN_LENGTH

EVENT_TYPE_CHOICES = [(kind, kind) for kind in PUBLIC_EVENT_TYPES]
HEALTH_STATES = ["healthy", "failing", "disabled", "new"]
DELIVERY_TYPES = [*PUBLIC_EVENT_TYPES, PING]


def choice_field(choices, component_name: str) -> type[ValidChoiceField]:
    """A choice field whose set of choices is one named enum in the schema (not an
    ``…Enum`` named after the field, which would rename other apps' enums of the same name),
    and whose refusal names the valid choices."""

    @extend_schema_field(serializers.ChoiceField(choices=choices), component_name=component_name)
    class NamedChoiceField(ValidChoiceField):
        def __init__(self, **kwargs) -> None:
            super().__init__(choices=choices, **kwargs)

    return NamedChoiceField


EventTypeField = choice_field(EVENT_TYPE_CHOICES, "WebhookEventType")


class WebhookSubscriptionInputSerializer(serializers.Serializer):
    """Body of ``POST /api/webhooks/``."""

    url = serializers.CharField(
        max_length=500,
        help_text=_("Where to post the events: an http or https URL on a public address."),
    )
    events = serializers.ListField(
        child=EventTypeField(),
        allow_empty=False,
        max_length=len(PUBLIC_EVENT_TYPES) * 2,
        help_text=_("The event types to receive."),
    )
    secret = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False,
        min_length=SECRET_MIN_LENGTH, max_length=SECRET_MAX_LENGTH,
        help_text=_("The signing secret (16 characters or more); left out, the hub makes one "
                    "and answers it once."),
    )


class WebhookHealthSerializer(serializers.Serializer):
    """How the endpoint has been doing lately."""

    state = choice_field(HEALTH_STATES, "WebhookHealthState")(
        help_text=_("healthy: the last attempt succeeded; failing: attempts fail and are "
                    "retried; disabled: switched off (staff re-enable it); new: never tried."),
    )
    consecutive_failures = serializers.IntegerField()
    failing_since = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    pending = serializers.IntegerField(help_text=_("Deliveries waiting to be sent or retried."))
    failed = serializers.IntegerField(help_text=_("Deliveries the hub gave up on (kept 14 days)."))


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as its owner sees it: never its secret."""

    events = serializers.ListField(child=EventTypeField())
    disabled_reason = StoredTextField(allow_blank=True, help_text=_(
        "Why the hub or staff switched it off, in the request's language."))
    health = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = ["id", "url", "events", "is_active", "disabled_reason", "disabled_at",
                  "created_at", "updated_at", "health"]
        read_only_fields = fields

    @extend_schema_field(WebhookHealthSerializer)
    def get_health(self, subscription: Subscription) -> dict:
        if not subscription.is_active:
            state = "disabled"
        elif subscription.consecutive_failures:
            state = "failing"
        else:
            state = "healthy" if subscription.last_attempt_at else "new"
        fields = ["consecutive_failures", "failing_since", "last_success_at", "last_attempt_at",
                  "last_status_code", "last_error"]
        return WebhookHealthSerializer({
            "state": state, **{name: getattr(subscription, name) for name in fields},
            "pending": getattr(subscription, "pending", 0),
            "failed": getattr(subscription, "failed", 0),
        }).data


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """The answer to a subscription: as listed, plus the secret, this once."""

    secret = serializers.CharField(help_text=_("The signing secret: store it now, it is "
                                               "never shown again."))

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


# --- the delivery body (documentation only: orderhub.webhooks.fanout writes it) -----------------
class WebhookDeliveryDataSerializer(serializers.Serializer):
    object_type = serializers.CharField(
        allow_null=True, help_text=_("What ``object`` is, e.g. order; null for a ping."))
    object = serializers.DictField(
        allow_null=True,
        help_text=_("The object as it was right after the change: for order events the JSON "
                    "of GET /api/orders/<hub_no>/ without history and permitted_transitions; "
                    "null when it no longer exists."))
    details = serializers.DictField(help_text=_(
        "What the change was: order.status_changed {from, to, move}; order.held {hold_id, "
        "source, reason}; order.released {hold_id, source}; order.created {status}."))


class WebhookDeliverySerializer(serializers.Serializer):
    """The JSON body of every webhook delivery."""

    id = serializers.CharField(help_text=_(
        "The event's id, the same on every attempt: drop a delivery whose id you have seen "
        "(delivery is at least once)."))
    type = choice_field(DELIVERY_TYPES, "WebhookDeliveryType")()
    occurred_at = serializers.DateTimeField(help_text=_("When the change was made (+08:00)."))
    data = WebhookDeliveryDataSerializer()
