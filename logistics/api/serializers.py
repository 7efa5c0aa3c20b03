"""Input and output serializers of the logistics API. Output serializers only read."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from logistics.models import FulfilmentDecision, Parcel, Reservation
from orderhub.core.text_fields import StoredTextField

REASON_MAX_LENGTH = 500


# --- input ---------------------------------------------------------------------------------------
class ScanInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=64, help_text=_("The scanned code: the gift's SKU or its barcode."),
    )


class ReceiverInputSerializer(serializers.Serializer):
    """The receiver fields to change; the ones left out stay as they are."""

    name = serializers.CharField(required=False, max_length=100)
    phone = serializers.CharField(required=False, max_length=32)
    province = serializers.CharField(required=False, allow_blank=True, max_length=32)
    city = serializers.CharField(required=False, allow_blank=True, max_length=32)
    district = serializers.CharField(required=False, allow_blank=True, max_length=32)
    address = serializers.CharField(required=False, max_length=255)


class AddressChangeInputSerializer(serializers.Serializer):
    receiver = ReceiverInputSerializer()
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH,
                                   help_text=_("Why; recorded in the order's history."))

    def validate_receiver(self, value: dict) -> dict:
        if not value:
            raise serializers.ValidationError(_("Give at least one receiver field to change."))
        return value


class RefundRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH,
                                   help_text=_("The buyer's reason; recorded in the history."))


class StockListFilterSerializer(serializers.Serializer):
    sku = serializers.CharField(required=False, max_length=64)
    warehouse = serializers.CharField(required=False, max_length=20,
                                      help_text=_("Warehouse code, e.g. SH."))
    low = serializers.BooleanField(required=False, default=False,
                                   help_text=_("true: only rows at or under their threshold."))


class StockImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(
        "xlsx or UTF-8 csv with the columns warehouse, sku, on_hand (samples and "
        "low_stock_threshold optional)."
    ))
    dry_run = serializers.BooleanField(
        required=False, default=True,
        help_text=_("true (the default): check and preview only; false: apply."),
    )


# --- output --------------------------------------------------------------------------------------
class StockSerializer(serializers.Serializer):
    warehouse = serializers.CharField(source="warehouse.code")
    sku = serializers.CharField()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    samples = serializers.IntegerField()
    available = serializers.IntegerField()
    low_stock_threshold = serializers.IntegerField()


class RowProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Row number in the sheet (the header is row 1)."))
    message = serializers.CharField()


class StockImportResultSerializer(serializers.Serializer):
    applied = serializers.BooleanField()
    rows = serializers.IntegerField(help_text=_("Rows read from the sheet."))
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text=_("Per good row: on_hand and samples as [current, new], and whether new."),
    )
    errors = RowProblemSerializer(many=True)


class RuleMatchSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule_name")
    priority = serializers.IntegerField(source="rule_priority")
    seen = StoredTextField(help_text=_("The conditions that held, with the order's values (in "
                                       "the request's language)."))
    done = StoredTextField(help_text=_("What the rule's actions did (in the request's language)."))


class ReservationSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="stock.sku")
    warehouse = serializers.CharField(source="stock.warehouse.code")

    class Meta:
        model = Reservation
        fields = ["sku", "warehouse", "quantity", "status", "created_at", "closed_at"]
        read_only_fields = fields


class ParcelMemberSerializer(serializers.Serializer):
    hub_no = serializers.CharField(source="order.hub_no")
    shipping_waived = serializers.BooleanField()
    waived_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ParcelSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    members = ParcelMemberSerializer(many=True)

    class Meta:
        model = Parcel
        fields = ["id", "status", "warehouse", "address", "window_ends_at", "members"]
        read_only_fields = fields


class FulfilmentSerializer(serializers.Serializer):
    """Why the order is where it is: the decision, matched rules, stock held and its parcel."""

    hub_no = serializers.CharField()
    decided = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=FulfilmentDecision.Outcome.choices,
                                      allow_null=True)
    warehouse = serializers.CharField(allow_null=True)
    summary = StoredTextField(allow_blank=True)
    over_capacity = serializers.BooleanField()
    decided_at = serializers.DateTimeField(allow_null=True)
    matched_rules = RuleMatchSerializer(many=True)
    reservations = ReservationSerializer(many=True)
    parcel = ParcelSerializer(allow_null=True)
