"""Input and output serializers of the alerts API. Output serializers only read."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orderhub.alerts.models import Alert, AlertEvent
from orderhub.core.api import ValidChoiceField, ValidMultipleChoiceField
from orderhub.core.text_fields import StoredTextField


class AlertFilterSerializer(serializers.Serializer):
    """Query parameters of ``GET /api/alerts/``; every one is optional."""

    order = serializers.CharField(
        required=False, max_length=32,
        help_text=_("Hub order number: only this order's alerts (404 if there is no such order)."),
    )
    kind = serializers.CharField(
        required=False, max_length=50, help_text=_("e.g. sla, ship_by, low_stock."),
    )
    level = ValidChoiceField(choices=Alert.Level.choices, required=False,
                             help_text=_("1 team lead, 2 operations director, 3 owner."))
    status = ValidMultipleChoiceField(
        choices=Alert.AlertStatus.choices, required=False,
        help_text=_("Repeat for several (status=open&status=acknowledged)."),
    )
    team = serializers.CharField(required=False, max_length=50,
                                 help_text=_("Responsible team, e.g. warehouse."))


@extend_schema_field(
    serializers.ChoiceField(choices=Alert.AlertStatus.choices), component_name="AlertStatus"
)
class AlertStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Alert.AlertStatus.choices, **kwargs)


class AlertSerializer(serializers.ModelSerializer):
    """An alert as the list shows it."""

    status = AlertStatusField()
    order = serializers.CharField(source="order.hub_no", allow_null=True, default=None,
                                  help_text=_("Hub number of the order, if any."))
    level_label = serializers.CharField(source="get_level_display")
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True,
                                            default=None)
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True,
                                        default=None)
    # Stored as codes with parameters; read in the request's language (Accept-Language).
    title = StoredTextField()
    message = StoredTextField()
    resolution = StoredTextField()

    class Meta:
        model = Alert
        fields = [
            "id", "key", "kind", "level", "level_label", "status", "team", "title", "message",
            "order", "data", "created_at", "raised_at", "next_escalation_at",
            "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by", "resolution",
        ]
        read_only_fields = fields


class AlertEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    note = StoredTextField()

    class Meta:
        model = AlertEvent
        fields = ["kind", "at", "level", "actor", "note"]
        read_only_fields = fields


class AlertDetailSerializer(AlertSerializer):
    """An alert with its timeline (raised, escalated, notified, acknowledged, resolved)."""

    events = AlertEventSerializer(many=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "events"]
        read_only_fields = fields


class AlertResolveInputSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=255, help_text=_("How it was resolved."))
