"""Input and output of ``GET /api/metrics/health/``."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Channel

MAX_DAYS = 366
DEFAULT_DAYS = 30


@extend_schema_field({"type": "string", "example": "2026-11-02",
                      "description": "A date, or an ISO 8601 time with its offset."})
class LocalDayField(serializers.Field):
    """A day, ``2026-11-02``, or a moment with its offset (``2026-11-02T10:00:00+08:00``), read
    as the hub's local day it falls on."""

    default_error_messages = {
        "invalid": _("Give a date (2026-11-02) or an ISO 8601 time with its offset."),
    }

    def to_internal_value(self, data) -> dt.date:
        text = str(data).strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail("invalid")
        if timezone.is_naive(moment):
            self.fail("invalid")
        return timezone.localtime(moment).date()

    def to_representation(self, value: dt.date) -> str:
        return value.isoformat()


class HealthQuerySerializer(serializers.Serializer):
    since = LocalDayField(required=False, help_text=_("First day (included); 30 days ago."))
    until = LocalDayField(required=False, help_text=_("Last day (included); today."))
    channel = serializers.SlugRelatedField(
        slug_field="code", queryset=Channel.objects.all(), required=False,
        help_text=_("A channel code, e.g. taobao."))
    warehouse = serializers.IntegerField(required=False, min_value=0,
                                         help_text=_("A warehouse id (0: not routed)."))

    def validate(self, attrs):
        today = timezone.localdate()
        until = attrs.get("until") or today
        since = attrs.get("since") or until - dt.timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            raise serializers.ValidationError({"since": [_("'since' is after 'until'.")]})
        if (until - since).days + 1 > MAX_DAYS:
            raise serializers.ValidationError(
                {"since": [_("A period is at most %(days)s days.") % {"days": MAX_DAYS}]})
        return {**attrs, "since": since, "until": until}


class FigureSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text=_("null when the denominator is 0"))
    numerator = serializers.FloatField()
    denominator = serializers.FloatField()
    unit = serializers.ChoiceField(choices=["ratio", "hours", "days", "per_1000", "index"])


class CountSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False)
    cause = serializers.CharField(required=False)
    orders = serializers.IntegerField()


class StepSerializer(serializers.Serializer):
    step = serializers.CharField()
    on_time = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class HealthSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    channel = serializers.CharField(allow_null=True)
    warehouse = serializers.IntegerField(allow_null=True)
    figures = serializers.DictField(child=FigureSerializer())
    stuck_by_reason = CountSerializer(many=True)
    late_causes = CountSerializer(many=True)
    steps = StepSerializer(many=True)
    days = serializers.ListField(child=serializers.DictField())
