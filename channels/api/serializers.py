"""Serializers of the channels API: they document the answers (the view builds them)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class OrderAnswerSerializer(serializers.Serializer):
    channel_order_no = serializers.CharField(help_text=_("The channel's order number."))
    hub_no = serializers.CharField(allow_null=True,
                                   help_text=_("Hub order number; null for a dropped test order "
                                               "or one still waiting for a part."))
    result = serializers.ChoiceField(
        choices=["created", "updated", "dropped", "waiting"],
        help_text=_("created: new hub order; updated: the order existed (re-delivery); "
                    "dropped: a test order; waiting: kept until the order's other part "
                    "arrives (Amazon getOrders/getOrderItems, Lazada orders/items)."),
    )
    changed = serializers.BooleanField(help_text=_("Whether this delivery changed the order."))
    flags = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Flags cleaning set, e.g. unmapped_sku, invalid_contact, "
                    "duplicate_suspected, refund_requested."),
    )
    note = serializers.CharField(help_text=_("Why nothing changed, when nothing did."))


class DeliveryAnswerSerializer(serializers.Serializer):
    channel = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    dropped = serializers.IntegerField()
    waiting = serializers.IntegerField()
    orders = OrderAnswerSerializer(many=True, help_text=_("One entry per order posted, in order."))


class OrderProblemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("Position of the order in the body (from 0)."))
    channel_order_no = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())


class PayloadErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, for humans."))
    code = serializers.CharField(help_text=_("Stable error code, e.g. malformed_payload."))
    errors = OrderProblemSerializer(many=True, required=False)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
