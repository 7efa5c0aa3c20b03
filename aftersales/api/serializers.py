"""Input and output of the after-sales API (DESIGN.md section 4)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orderhub.core.api import ApiErrorSerializer

from aftersales.models import Case, CaseLine, Inspection, ReasonCategory, ReturnRisk
from aftersales.state_machine import CASE_MOVES_BY_NAME, CaseStatus, Kind


@extend_schema_field(serializers.ChoiceField(choices=CaseStatus.choices),
                     component_name="CaseStatus")
class CaseStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=CaseStatus.choices, **kwargs)


@extend_schema_field(serializers.ChoiceField(choices=Kind.choices), component_name="CaseKind")
class CaseKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Kind.choices, **kwargs)


@extend_schema_field(serializers.ChoiceField(choices=list(CASE_MOVES_BY_NAME)),
                     component_name="CaseMove")
class CaseMoveField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=list(CASE_MOVES_BY_NAME), **kwargs)


class CaseLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseLine
        fields = ["sku", "channel_sku", "title", "quantity"]


class CaseSerializer(serializers.ModelSerializer):
    hub_no = serializers.CharField(source="order.hub_no", default=None, allow_null=True)
    case_no = serializers.CharField(read_only=True)
    channel = serializers.CharField(source="channel.code")
    kind = CaseKindField()
    status = CaseStatusField()
    reason_category = serializers.ChoiceField(choices=ReasonCategory.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    lines = CaseLineSerializer(many=True)
    new_order = serializers.CharField(source="new_order.hub_no", default=None, allow_null=True)

    class Meta:
        model = Case
        fields = ["id", "case_no", "hub_no", "channel", "channel_case_no", "channel_order_no",
                  "kind", "status", "channel_status", "amount", "currency", "reason_category",
                  "deciding_words", "buyer_words", "platform_reason", "team", "priority",
                  "due_at", "is_overdue", "first_answered_at", "closed_at", "return_carrier",
                  "return_tracking_no", "inspection", "new_order", "refund_confirmed_at",
                  "refund_colour", "lines"]


class CaseListFilterSerializer(serializers.Serializer):
    order = serializers.CharField(required=False, help_text=_("Hub order number."))
    kind = CaseKindField(required=False)
    status = CaseStatusField(required=False)
    channel = serializers.SlugField(required=False)


class CaseMoveInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    inspection = serializers.ChoiceField(
        choices=[Inspection.GOOD, Inspection.DAMAGED], required=False, default="",
        help_text=_("For 'inspect': good (restocked) or damaged (written off)."))


class CaseConflictSerializer(ApiErrorSerializer):
    current_state = CaseStatusField(required=False)
    allowed_transitions = serializers.ListField(child=CaseMoveField(), required=False)


class CaseAnswerItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_no = serializers.CharField()
    channel_case_no = serializers.CharField()
    hub_no = serializers.CharField(allow_null=True)
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])
    status = CaseStatusField()


class CaseDeliveryAnswerSerializer(serializers.Serializer):
    channel = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    cases = CaseAnswerItemSerializer(many=True)


class ReturnRiskScoreSerializer(serializers.ModelSerializer):
    """An order's return-risk score (``return_risk`` in the order's JSON)."""

    reasons = serializers.ListField(child=serializers.CharField(),
                                    help_text="In words, the biggest first.")

    class Meta:
        model = ReturnRisk
        fields = ["score", "reasons", "computed_at"]


class ReturnRiskSerializer(ReturnRiskScoreSerializer):
    hub_no = serializers.CharField(source="order.hub_no")

    class Meta(ReturnRiskScoreSerializer.Meta):
        fields = ["hub_no", "score", "reasons", "computed_at"]
