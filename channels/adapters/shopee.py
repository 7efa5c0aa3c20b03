"""Shopee: Open Platform v2, ``v2.order.get_order_detail``.

Follows the Shopee Open Platform API v2 documentation of ``v2.order.get_order_detail``
(https://open.shopee.com/documents/v2/v2.order.get_order_detail?module=94&type=1) and its order
status flow (https://open.shopee.com/developer-guide/229, Order Management): the answer
``{"request_id": …, "error": "", "message": "", "response": {"order_list": [Order…]}}``; an
error answer has a non-empty ``error`` (e.g. ``error_param``) and ``message``.

===============================  ===================================================
Shopee field                     hub
===============================  ===================================================
``order_sn`` (``"2601280ABCD1X2"``,  channel order number (a string; an all-digit one stays
sometimes all digits)            a string, leading zeros and all)
``order_status``                 through ``STATUS_TABLE``
``region``, ``currency``         the shop's region (SG, MY, TH, ID, VN, PH, TW, BR, …) and
                                 its currency; ``currency`` wins, ``REGION_CURRENCY`` when
                                 absent, and the two must agree
``total_amount``                 paid amount: a JSON number in the currency's major unit
                                 (``25.9`` SGD; ``150000`` IDR, which has no minor unit)
``estimated_shipping_fee``       shipping (``actual_shipping_fee`` once known)
``create_time``, ``pay_time``,   placed at, paid at, modification time, ship-by: Unix
``update_time``, ``ship_by_date``  seconds
``recipient_address``            receiver: ``name``, ``phone``, ``state``, ``city``,
                                 ``district`` (else ``town``), ``full_address``,
                                 ``zipcode``, ``region``
``buyer_user_id``                buyer identity (a number: kept as a string)
``message_to_seller``            buyer note
``item_list[]``                  lines: ``item_id`` + ``model_id`` (the platform's SKU),
                                 ``model_sku`` (else ``item_sku``), ``item_name`` +
                                 ``model_name``, ``model_quantity_purchased``,
                                 ``model_discounted_price`` (unit price, a number)
``package_list[0]``              ``shipping_carrier`` (tracking numbers come from
                                 ``v2.logistics.get_tracking_number``, not this answer)
===============================  ===================================================
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orders.state_machine import Status

from channels.adapters import fields as f
from channels.adapters.base import (
    Adapter,
    CanonicalLine,
    CanonicalOrder,
    PayloadError,
    apply_status,
    parse_json,
    status_row,
)
from channels.models import CustomerIdentity
from channels import texts

STATUS_TABLE = {
    "UNPAID": status_row(Status.PENDING_PAYMENT),
    "READY_TO_SHIP": status_row(Status.PAID),
    # The seller arranged shipment (a tracking number was issued): still in the warehouse.
    "PROCESSED": status_row(Status.PAID),
    "RETRY_SHIP": status_row(Status.PAID, tag="retry_ship"),
    "SHIPPED": status_row(Status.IN_TRANSIT),
    "TO_CONFIRM_RECEIVE": status_row(Status.DELIVERED),
    # The buyer asked to cancel: the seller accepts or rejects; it must not ship meanwhile.
    "IN_CANCEL": status_row(Status.PAID, hold=texts.HOLD_CANCEL_ASKED.encode(
        platform="Shopee", status="IN_CANCEL")),
    "CANCELLED": status_row(Status.CANCELLED),
    "TO_RETURN": status_row(Status.DELIVERED, tag="return_requested"),
    "COMPLETED": status_row(Status.DELIVERED),
    # Brazil: the seller's invoice must be added before the order may ship.
    "INVOICE_PENDING": status_row(Status.PAID,
                                  hold=texts.HOLD_INVOICE_PENDING.encode(
        platform="Shopee", status="INVOICE_PENDING")),
}
# Shopee's regions and the currency each sells in.
REGION_CURRENCY = {
    "SG": "SGD", "MY": "MYR", "TH": "THB", "ID": "IDR", "VN": "VND", "PH": "PHP",
    "TW": "TWD", "BR": "BRL", "MX": "MXN", "CO": "COP", "CL": "CLP", "AR": "ARS",
}


class ShopeeAdapter(Adapter):
    platform = "shopee"
    platform_name = "Shopee"
    documentation = (
        "https://open.shopee.com/documents/v2/v2.order.get_order_detail?module=94&type=1",
        "https://open.shopee.com/developer-guide (Order Management: order status flow)",
    )
    STATUS_TABLE = STATUS_TABLE
    envelope_paths = (("response", "order_list"),)
    order_keys = ("order_sn",)
    default_currency = "SGD"

    def read(self, *, body: bytes, content_type: str = "", filename: str = "") -> list[Any]:
        payload = parse_json(body)
        if isinstance(payload, Mapping) and payload.get("error") and not payload.get("response"):
            raise PayloadError(f"The body is a Shopee error answer, not orders: "
                               f"{payload.get('error')}: {payload.get('message', '')}")
        return self.unwrap(payload)

    def to_canonical(self, raw: Any) -> CanonicalOrder:
        where = "order"
        number = f.id_str(f.required(raw, "order_sn", where), f"{where}.order_sn")
        code = f.text(f.required(raw, "order_status", where), f"{where}.order_status")
        items = raw.get("item_list")
        if not isinstance(items, list) or not items:
            raise f.FieldProblem(f"{where}.item_list: an order needs at least one item")
        region = f.text(raw.get("region"), f"{where}.region").upper()
        currency = region_currency(raw.get("currency"), region, where)
        address = f.get(raw, "recipient_address", where) or {}
        if not isinstance(address, Mapping):
            raise f.FieldProblem(f"{where}.recipient_address: expected an object")
        lines = [self._line(item, f"{where}.item_list[{i}]") for i, item in enumerate(items)]
        shipping = f.yuan(raw.get("actual_shipping_fee"), f"{where}.actual_shipping_fee") \
            or f.yuan(raw.get("estimated_shipping_fee"), f"{where}.estimated_shipping_fee",
                      default=f.ZERO)
        goods = sum((line.unit_price * line.quantity for line in lines), f.ZERO)
        order = CanonicalOrder(
            channel_order_no=number,
            channel_status=code,
            status=Status.PENDING_PAYMENT,
            lines=lines,
            goods_amount=goods,
            shipping_amount=shipping,
            paid_amount=f.yuan(f.required(raw, "total_amount", where), f"{where}.total_amount"),
            currency=currency,
            receiver={
                "name": f.text(address.get("name")),
                "phone": f.text(address.get("phone")),
                "province": f.text(address.get("state")),
                "city": f.text(address.get("city")),
                "district": f.text(address.get("district")) or f.text(address.get("town")),
                "address": ", ".join(filter(None, [f.text(address.get("full_address")),
                                                   f.text(address.get("zipcode"))])),
            },
            receiver_country=(f.text(address.get("region")) or region).upper(),
            placed_at=f.unix_seconds(f.required(raw, "create_time", where),
                                     f"{where}.create_time"),
            paid_at=f.unix_seconds(raw.get("pay_time"), f"{where}.pay_time"),
            modified_at=f.unix_seconds(raw.get("update_time"), f"{where}.update_time"),
            ship_by=f.unix_seconds(raw.get("ship_by_date"), f"{where}.ship_by_date"),
            buyer_note=f.text(raw.get("message_to_seller")),
        )
        order.receiver["phone"] = f.with_calling_code(order.receiver["phone"],
                                                      order.receiver_country)
        apply_status(order, self.map_status(code, f"{where}.order_status"))
        if order.status != Status.PENDING_PAYMENT and order.paid_at is None \
                and order.status != Status.CANCELLED:
            order.paid_at = order.placed_at  # pay_time is an optional field of the answer
        packages = raw.get("package_list") or []
        if isinstance(packages, list) and packages and isinstance(packages[0], Mapping):
            order.carrier = f.text(packages[0].get("shipping_carrier"))
        order.carrier = order.carrier or f.text(raw.get("shipping_carrier"))
        if raw.get("buyer_user_id") not in (None, "", 0):
            order.buyer_ids.append((CustomerIdentity.Kind.SHOPEE_BUYER,
                                    f.id_str(raw["buyer_user_id"], f"{where}.buyer_user_id")))
        return order

    def _line(self, raw: Any, where: str) -> CanonicalLine:
        item_id = f.id_str(f.required(raw, "item_id", where), f"{where}.item_id")
        model_id = raw.get("model_id")
        model = f.id_str(model_id, f"{where}.model_id") if model_id not in (None, 0, "0") \
            else ""
        name = f.text(f.required(raw, "item_name", where))
        variant = f.text(raw.get("model_name"))
        price = raw.get("model_discounted_price")
        if price is None:
            price = f.required(raw, "model_original_price", where)
        return CanonicalLine(
            title=f"{name} {variant}" if variant else name,
            quantity=f.quantity(f.required(raw, "model_quantity_purchased", where),
                                f"{where}.model_quantity_purchased"),
            unit_price=f.yuan(price, f"{where}.model_discounted_price"),
            channel_sku=f"{item_id}:{model}" if model else item_id,
            outer_sku=f.text(raw.get("model_sku")) or f.text(raw.get("item_sku")),
        )


def region_currency(value: Any, region: str, where: str) -> str:
    """The order's currency: the answer's ``currency``, else its region's; they must agree."""
    expected = REGION_CURRENCY.get(region, "")
    if value in (None, ""):
        if not expected:
            raise f.FieldProblem(f"{where}: no currency and an unknown region '{region}'")
        return expected
    code = f.currency_code(value, f"{where}.currency")
    if expected and code != expected:
        raise f.FieldProblem(f"{where}.currency: {code} does not match region {region} "
                             f"({expected})")
    return code
