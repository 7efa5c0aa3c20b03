"""Input and output serializers of the orders API (the integrator contract, DESIGN.md §4).

Output serializers only read; they never save. Money is rendered as decimal strings, times in
ISO 8601 with the hub's offset (+08:00), codes (status, channel) as stable strings.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import ISO_8601

from orderhub.core.api import (
    ApiErrorSerializer,
    ValidChoiceField,
    ValidMultipleChoiceField,
    choices_text,
)
from orderhub.core.text_fields import StoredTextField
from orders.holds import holds_text
from orders.models import Channel, GiftOrder, Hold, Order, OrderLine
from orders.selectors import order_timeline
from orders.services import allowed_moves
from orders.sla.deadlines import TrafficLight, order_traffic_light
from orders.state_machine import MOVES, MOVES_BY_NAME, Stage, Status

MOVE_NAMES = [move.name for move in MOVES]
MOVE_CHOICES = [(move.name, move.label) for move in MOVES]
REASON_MAX_LENGTH = 500
# An unescaped "+" in a query string arrives as a space: "…T00:00:00 08:00".
_SPACE_FOR_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


# Choice sets that appear under several field names are schema components of their own, so
# that clients see one enum per set (OrderStatus, GiftOrderStatus, OrderMove).
@extend_schema_field(serializers.ChoiceField(choices=Status.choices), component_name="OrderStatus")
class OrderStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Status.choices, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=GiftOrder.GiftStatus.choices), component_name="GiftOrderStatus"
)
class GiftOrderStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=GiftOrder.GiftStatus.choices, **kwargs)


@extend_schema_field(serializers.ChoiceField(choices=MOVE_CHOICES), component_name="OrderMove")
class MoveNameField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=MOVE_CHOICES, **kwargs)


def _move_names_field() -> serializers.ListField:
    return serializers.ListField(child=MoveNameField())


# --- input ---------------------------------------------------------------------------------------
class QueryDateTimeField(serializers.DateTimeField):
    """ISO 8601 date-time (or a date, meaning its midnight) from a query string; naive values
    are in the hub's time zone."""

    def __init__(self, **kwargs) -> None:
        super().__init__(input_formats=[ISO_8601, "%Y-%m-%d"], **kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str):
            value = _SPACE_FOR_PLUS.sub(r"\1+\2", value.strip())
        return super().to_internal_value(value)


class OrderListFilterSerializer(serializers.Serializer):
    """Query parameters of ``GET /api/orders/``; every one is optional."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=64, trim_whitespace=True,
        help_text=_("Exact phone number, hub number, channel order number or tracking number."),
    )
    status = ValidMultipleChoiceField(
        choices=Status.choices, required=False,
        help_text=_("Status code; repeat the parameter for several (status=paid&status=picking)."),
    )
    stage = ValidChoiceField(
        choices=Stage.choices, required=False,
        help_text=_("Stage of the 5-stage report view."),
    )
    channel = serializers.CharField(
        required=False, max_length=32, help_text=_("Channel code, e.g. jd, tmall, shopify.")
    )
    on_hold = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        error_messages={"invalid": _("Must be true or false.")},
        help_text=_("true: only held orders; false: only orders not on hold."),
    )
    paid_after = QueryDateTimeField(
        required=False,
        help_text=_("Paid at or after this time (ISO 8601, e.g. 2026-01-28T00:00:00+08:00)."),
    )
    paid_before = QueryDateTimeField(
        required=False, help_text=_("Paid before this time (ISO 8601).")
    )

    def validate_channel(self, value: str) -> str:
        code = value.strip().lower()
        if not Channel.objects.filter(code=code).exists():
            codes = Channel.objects.order_by("code").values_list("code", flat=True)
            raise serializers.ValidationError(
                _('"%(code)s" is not a channel. Valid channels: %(valid)s.')
                % {"code": value, "valid": choices_text(codes)}
            )
        return code

    def validate(self, attrs: dict) -> dict:
        after, before = attrs.get("paid_after"), attrs.get("paid_before")
        if after and before and after >= before:
            raise serializers.ValidationError(
                {"paid_before": [_("paid_before must be later than paid_after.")]}
            )
        return attrs


class ReasonInputSerializer(serializers.Serializer):
    """Body of ``POST …/transitions/<name>/``: an optional reason, kept in the history."""

    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default="",
        help_text=_("Why; recorded in the order's history."),
    )


class RequiredReasonInputSerializer(serializers.Serializer):
    """Body of ``POST …/hold/``: the reason is required."""

    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text=_("Why; recorded in the order's history.")
    )


class ReleaseInputSerializer(RequiredReasonInputSerializer):
    """Body of ``POST …/release/``: the reason, and which hold (all open holds without one)."""

    hold_id = serializers.IntegerField(
        required=False, min_value=1,
        help_text=_("The hold to lift (an id from the order's holds); leave it out to lift "
                    "every open hold."),
    )


# --- output --------------------------------------------------------------------------------------
class ReceiverSummarySerializer(serializers.Serializer):
    name = serializers.CharField(source="receiver_name")
    phone = serializers.CharField(source="receiver_phone")
    province = serializers.CharField(source="receiver_province")
    city = serializers.CharField(source="receiver_city")


class ReceiverSerializer(ReceiverSummarySerializer):
    district = serializers.CharField(source="receiver_district")
    address = serializers.CharField(source="receiver_address")


class WholeOrderField(serializers.Field):
    """A read-only value worked out from the whole order (``source="*"``); a subclass renders it
    and declares its schema with ``@extend_schema_field``, and may give its ``help`` text."""

    help: Any = None

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", self.help)
        super().__init__(source="*", read_only=True, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=TrafficLight.choices), component_name="TrafficLight"
)
class TrafficLightField(WholeOrderField):
    """The order's light now: red (< 2 h to ship-by, no label yet), yellow (< 6 h, not yet
    picked) or green; the thresholds are configurable."""

    def to_representation(self, order: Order) -> str:
        return order_traffic_light(order)


class OrderListItemSerializer(serializers.ModelSerializer):
    """One row of the order list: what a list or a sync job needs, without lines or history."""

    channel = serializers.CharField(source="channel.code", help_text=_("Channel code."))
    status = OrderStatusField(help_text=_("Status code."))
    stage = serializers.ChoiceField(choices=Stage.choices, help_text=_("Report stage."))
    receiver = ReceiverSummarySerializer(source="*")
    traffic_light = TrafficLightField(help_text=_("green, yellow or red (see the deadlines)."))

    class Meta:
        model = Order
        fields = [
            "hub_no", "channel", "channel_order_no", "status", "stage", "on_hold",
            "paid_amount", "currency", "paid_at", "receiver", "created_at", "ship_by",
            "state_due_at", "is_stuck", "traffic_light",
        ]
        read_only_fields = fields


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["sku", "channel_sku", "title", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class GiftOrderSerializer(serializers.ModelSerializer):
    status = GiftOrderStatusField()

    class Meta:
        model = GiftOrder
        fields = ["hub_no", "status", "sku", "title", "quantity"]
        read_only_fields = fields


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    """One row of the order's audit trail (``orders.selectors.order_timeline``)."""

    at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True, help_text=_("Username of who made the change."))
    ip_address = serializers.IPAddressField(allow_null=True, help_text=_(
        "Where the change came from; null unless the role audits staff (managers)."))
    reason = StoredTextField(allow_blank=True, help_text=_(
        "Why, in the request's language (Accept-Language)."))
    status = OrderStatusField(help_text=_("Status after the change."))
    changes = FieldChangeSerializer(many=True)


class HoldSerializer(serializers.ModelSerializer):
    """One hold: why the order may not move forward, who placed it, and whether it is lifted."""

    placed_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                             help_text=_("Empty: the hub itself."))
    released_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_open = serializers.BooleanField()
    reason = StoredTextField(help_text=_("Why, in the request's language (Accept-Language)."))
    release_reason = StoredTextField()

    class Meta:
        model = Hold
        fields = ["id", "source", "reason", "is_open", "placed_at", "placed_by", "released_at",
                  "released_by", "release_reason"]
        read_only_fields = fields


class OrderDetailSerializer(OrderListItemSerializer):
    """The whole order: amounts, receiver, lines, gift sub-orders, history and the legal moves."""

    # Needs context["request"] (the moves this user may make) and an order from
    # orders.selectors.order_get, where everything is prefetched: no query per row.

    status_label = serializers.CharField(source="get_status_display")
    receiver = ReceiverSerializer(source="*")
    lines = OrderLineSerializer(many=True)
    gift_orders = GiftOrderSerializer(many=True)
    holds = HoldSerializer(many=True, help_text=_(
        "Every hold of the order, oldest first; the order moves forward once none is open."))
    hold_reason = serializers.SerializerMethodField(help_text=_(
        "The open holds in one sentence (kept for older integrations; read holds)."))
    history = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField(
        help_text=_("Moves legal from the current state now (holds and guards included).")
    )
    permitted_transitions = serializers.SerializerMethodField(
        help_text=_("The allowed moves that the requesting user's role may make.")
    )

    # Sections other apps add to the order's JSON: name -> a field class (a WholeOrderField
    # that declares its schema), so that /api/schema/ describes them as it does the fields
    # above. Apps that read orders (logistics: ``shipments``, ``expected_delivery``,
    # ``tracking_page``; after-sales: ``return_risk``) register theirs from their own api
    # module, since orders may not import them (STYLE.md), as they add panels to the order page.
    sections: dict[str, Callable[[], serializers.Field]] = {}

    class Meta(OrderListItemSerializer.Meta):
        fields = [
            "hub_no", "channel", "channel_order_no", "status", "status_label", "stage",
            "on_hold", "holds", "hold_reason", "priority", "paid_amount", "goods_amount",
            "shipping_amount", "discount_amount", "currency", "payment_serial_no", "placed_at",
            "paid_at", "ship_by", "state_entered_at", "state_due_at", "is_stuck",
            "traffic_light", "carrier", "tracking_no", "buyer_note", "receiver", "lines",
            "gift_orders", "history", "allowed_transitions", "permitted_transitions",
            "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, make_field in self.sections.items():
            fields[name] = make_field()
        return fields

    def get_hold_reason(self, order: Order) -> str:
        return holds_text([hold for hold in order.holds.all() if hold.is_open])

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_history(self, order: Order) -> list[dict]:
        viewer = self.context["request"].user
        return TimelineEntrySerializer(order_timeline(order=order, viewer=viewer), many=True).data

    @extend_schema_field(_move_names_field())
    def get_allowed_transitions(self, order: Order) -> list[str]:
        return allowed_moves(order)

    @extend_schema_field(_move_names_field())
    def get_permitted_transitions(self, order: Order) -> list[str]:
        user = self.context["request"].user
        return [
            name for name in allowed_moves(order)
            if user.has_perm(MOVES_BY_NAME[name].permission_name)
        ]


# --- errors (for the schema; orderhub.core.api builds them) -------------------------------------
class TransitionConflictSerializer(ApiErrorSerializer):
    """A refused move; a clash with a concurrent change has no state fields."""

    current_state = OrderStatusField(required=False)
    allowed_transitions = serializers.ListField(child=MoveNameField(), required=False)
