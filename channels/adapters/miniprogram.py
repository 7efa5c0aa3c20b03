"""The seller's own WeChat mini-program: a JSON format of ours.

The format is :class:`MiniProgramOrderSerializer` below; the API documentation
(``/api/docs/``, schema component ``MiniProgramOrderRequest``) is generated from it, so the two
cannot drift apart. Money is decimal strings in yuan, times ISO 8601 with an offset, and
``transaction_id`` is the WeChat Pay transaction id (reconciled against WeChat Pay bills).
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from orders.state_machine import Status

from channels.adapters import fields as f
from channels.adapters.base import Adapter, CanonicalLine, CanonicalOrder, apply_status, status_row
from channels.models import CustomerIdentity
from channels import texts

STATUS_TABLE = {
    "created": status_row(Status.PENDING_PAYMENT),
    "paid": status_row(Status.PAID),
    "refund_requested": status_row(
        Status.PAID, hold=texts.HOLD_REFUND_ASKED.encode(platform="Mini-program"), tag="refund_requested"
    ),
    "shipped": status_row(Status.IN_TRANSIT),
    "delivered": status_row(Status.DELIVERED),
    "cancelled": status_row(Status.CANCELLED),
    "refunded": status_row(Status.REFUNDED),
}

_MONEY = {"max_digits": 14, "decimal_places": 2}


class MiniProgramAmountsSerializer(serializers.Serializer):
    goods = serializers.DecimalField(help_text=_("Goods total, yuan."), **_MONEY)
    shipping = serializers.DecimalField(required=False, default="0.00", **_MONEY)
    discount = serializers.DecimalField(required=False, default="0.00", **_MONEY)
    paid = serializers.DecimalField(help_text=_("What the buyer paid, yuan."), **_MONEY)


class MiniProgramBuyerSerializer(serializers.Serializer):
    openid = serializers.CharField(required=False, allow_blank=True, max_length=128,
                                   help_text=_("WeChat OpenID of the buyer in this mini-program."))
    unionid = serializers.CharField(
        required=False, allow_blank=True, max_length=128,
        help_text=_("WeChat UnionID, the same across the seller's apps."),
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                  help_text=_("The buyer's own phone, when they gave it."))
    device_id = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                      help_text=_("Device fingerprint from the mini-program."))


class MiniProgramReceiverSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=32)
    province = serializers.CharField(max_length=32)
    city = serializers.CharField(max_length=32)
    district = serializers.CharField(required=False, allow_blank=True, max_length=32)
    address = serializers.CharField(max_length=255)


class MiniProgramLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text=_("The mini-program's SKU code."))
    title = serializers.CharField(max_length=255)
    quantity = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(**_MONEY)
    amount = serializers.DecimalField(required=False, **_MONEY)


class MiniProgramOrderSerializer(serializers.Serializer):
    """One order of the seller's own mini-program, as ``POST /api/channels/miniprogram/orders/``
    takes it (alone or in a list)."""

    order_no = serializers.CharField(max_length=64)
    status = serializers.ChoiceField(choices=list(STATUS_TABLE))
    created_at = serializers.DateTimeField(help_text=_("ISO 8601 with offset."))
    paid_at = serializers.DateTimeField(required=False, allow_null=True)
    updated_at = serializers.DateTimeField(required=False, allow_null=True)
    transaction_id = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                           help_text=_("WeChat Pay transaction id."))
    amounts = MiniProgramAmountsSerializer()
    buyer = MiniProgramBuyerSerializer(required=False)
    receiver = MiniProgramReceiverSerializer()
    lines = MiniProgramLineSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True)
    tracking_no = serializers.CharField(required=False, allow_blank=True, max_length=64)
    carrier = serializers.CharField(required=False, allow_blank=True, max_length=32)

    class Meta:
        ref_name = "MiniProgramOrder"


class MiniProgramAdapter(Adapter):
    platform = "miniprogram"
    platform_name = "Mini-program"
    documentation = ("/api/docs/ — schema component MiniProgramOrderRequest (this module)",)
    STATUS_TABLE = STATUS_TABLE
    envelope_paths = (("orders",),)
    order_keys = ("order_no",)

    def to_canonical(self, raw: Any) -> CanonicalOrder:
        # Read field by field like the other adapters (DRF validation costs ~1 ms an order,
        # too slow for a peak day); the serializer above documents exactly these fields.
        where = "order"
        code = f.text(f.required(raw, "status", where))
        if code not in self.STATUS_TABLE:
            raise f.FieldProblem(f"{where}.status: '{code}' is not one of "
                                 f"{', '.join(self.STATUS_TABLE)}")
        amounts = f.required(raw, "amounts", where)
        buyer = f.get(raw, "buyer", where) or {}
        receiver = f.required(raw, "receiver", where)
        lines = f.required(raw, "lines", where)
        if not isinstance(lines, list):
            raise f.FieldProblem(f"{where}.lines: expected a list of lines")
        order = CanonicalOrder(
            channel_order_no=f.id_str(f.required(raw, "order_no", where), f"{where}.order_no"),
            channel_status=code,
            status=Status.PENDING_PAYMENT,
            lines=[self._line(line, f"{where}.lines[{i}]") for i, line in enumerate(lines)],
            goods_amount=f.yuan(f.required(amounts, "goods", f"{where}.amounts"),
                                f"{where}.amounts.goods"),
            shipping_amount=f.yuan(amounts.get("shipping"), f"{where}.amounts.shipping",
                                   default=f.ZERO),
            discount_amount=f.yuan(amounts.get("discount"), f"{where}.amounts.discount",
                                   default=f.ZERO),
            paid_amount=f.yuan(f.required(amounts, "paid", f"{where}.amounts"),
                               f"{where}.amounts.paid"),
            payment_serial_no=f.text(raw.get("transaction_id"), f"{where}.transaction_id"),
            receiver={key: f.text(f.get(receiver, key, f"{where}.receiver"),
                                  f"{where}.receiver.{key}")
                      for key in ("name", "phone", "province", "city", "district", "address")},
            placed_at=f.iso_time(f.required(raw, "created_at", where), f"{where}.created_at"),
            paid_at=f.iso_time(raw.get("paid_at"), f"{where}.paid_at"),
            modified_at=f.iso_time(raw.get("updated_at"), f"{where}.updated_at"),
            buyer_note=f.text(raw.get("note"), f"{where}.note"),
            tracking_no=f.text(raw.get("tracking_no"), f"{where}.tracking_no"),
            carrier=f.text(raw.get("carrier"), f"{where}.carrier"),
            device_id=f.text(f.get(buyer, "device_id", f"{where}.buyer")),
            member_phone=f.text(f.get(buyer, "phone", f"{where}.buyer")),
        )
        if not order.lines:
            raise f.FieldProblem(f"{where}.lines: an order needs at least one line")
        for kind, key in ((CustomerIdentity.Kind.WECHAT_UNIONID, "unionid"),
                          (CustomerIdentity.Kind.WECHAT_OPENID, "openid")):
            value = f.text(buyer.get(key), f"{where}.buyer.{key}")
            if value:
                order.buyer_ids.append((kind, value))
        apply_status(order, self.STATUS_TABLE[code])
        return order

    def _line(self, raw: Any, where: str) -> CanonicalLine:
        sku = f.text(f.required(raw, "sku", where), f"{where}.sku")
        return CanonicalLine(
            title=f.text(f.required(raw, "title", where), f"{where}.title"),
            quantity=f.quantity(f.required(raw, "quantity", where), f"{where}.quantity"),
            unit_price=f.yuan(f.required(raw, "unit_price", where), f"{where}.unit_price"),
            amount=f.yuan(raw.get("amount"), f"{where}.amount"),
            channel_sku=sku, outer_sku=sku,
        )
