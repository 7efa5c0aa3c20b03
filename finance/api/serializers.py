"""Input and output serializers of the finance API (DESIGN.md section 4). They never save."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from finance.models import Colour, Source, StatementLine
from orderhub.core.text_fields import StoredTextField
from orders.models import Channel


class StatementImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("The statement exactly as downloaded (csv or xlsx)."))
    source = serializers.ChoiceField(
        choices=Source.choices, required=False, allow_blank=True, default="",
        help_text=_("alipay_account (账务明细), alipay_trade (业务明细), wechatpay (交易账单 ALL) "
                    "or generic (the column template). Leave it out to have it told from the "
                    "file's header; given, it overrides that."),
    )
    channel = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Channel.objects.all(),
        required=False,
        allow_null=True,
        help_text=_(
            "Channel code whose money this is; inferred from the matched orders if left out."
        ),
    )
    dry_run = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Only preview: nothing is saved; the answer shows what each row would be."),
    )


class StatementLineSerializer(serializers.ModelSerializer):
    """One statement line: its serial number, the order it matched (or null), colour, why."""

    hub_no = serializers.SerializerMethodField()
    channel = serializers.SerializerMethodField()
    reviewed = serializers.SerializerMethodField()
    explanation = StoredTextField(help_text=_("Why the line has its colour, in the request's "
                                              "language (Accept-Language)."))

    class Meta:
        model = StatementLine
        fields = [
            "id", "line_no", "kind", "payment_serial_no", "merchant_order_no", "hub_no", "channel",
            "colour", "cause", "explanation", "occurred_at", "amount", "fee", "expected_amount",
            "received_amount", "difference", "reviewed", "review_reason",
        ]
        read_only_fields = fields

    def get_hub_no(self, line: StatementLine) -> str | None:
        return line.order.hub_no if line.order_id else None

    def get_channel(self, line: StatementLine) -> str | None:
        return line.channel.code if line.channel_id else None

    def get_reviewed(self, line: StatementLine) -> bool:
        return line.reviewed_at is not None


class PreviewLineSerializer(serializers.Serializer):
    """What one row of a dry run would become."""

    line_no = serializers.IntegerField()
    kind = serializers.CharField()
    payment_serial_no = serializers.CharField()
    merchant_order_no = serializers.CharField()
    hub_no = serializers.CharField(allow_null=True)
    colour = serializers.ChoiceField(choices=Colour.choices)
    explanation = StoredTextField()
    occurred_at = serializers.DateTimeField(allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementImportOutputSerializer(serializers.Serializer):
    """The answer to an import: the statement's id and its lines per colour."""

    id = serializers.IntegerField(allow_null=True, help_text=_("Null for a dry run."))
    source = serializers.CharField()
    file_name = serializers.CharField()
    dry_run = serializers.BooleanField()
    duplicate = serializers.BooleanField(
        help_text=_("True when this very file was imported before: nothing was added.")
    )
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()
    grey = serializers.IntegerField(
        help_text=_("Rows that are not orders (withdrawals, transfers).")
    )
    lines = serializers.IntegerField()
    skipped_lines = serializers.IntegerField(
        help_text=_("Rows already held by an earlier statement (not imported again).")
    )
    lines_url = serializers.CharField(allow_null=True)
    preview = PreviewLineSerializer(many=True, help_text=_("Dry run: red and yellow rows first."))


class StatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    channel = serializers.CharField(allow_null=True)
    file_name = serializers.CharField()
    account = serializers.CharField()
    period_start = serializers.DateTimeField(allow_null=True)
    period_end = serializers.DateTimeField(allow_null=True)
    imported_at = serializers.DateTimeField()
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()
    grey = serializers.IntegerField()
    lines = serializers.IntegerField()
    summary = serializers.DictField()


class LineFilterSerializer(serializers.Serializer):
    colour = serializers.ChoiceField(choices=Colour.choices, required=False)


class FinanceErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, for a person."))
    code = serializers.CharField()


@extend_schema_field({"oneOf": [
    {"type": "array", "items": {"type": "object", "required": ["row", "message"], "properties": {
        "row": {"type": "integer", "description": "Row (line) number in the file; 0 for the file."},
        "message": {"type": "string"}}}},
    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
]})
class StatementErrorsField(serializers.JSONField):
    """Unreadable rows (a list of row and message), or the request's bad fields (messages per
    field, the API's usual 400)."""


class StatementRejectedSerializer(FinanceErrorSerializer):
    errors = StatementErrorsField(required=False)
    error_count = serializers.IntegerField(required=False)
