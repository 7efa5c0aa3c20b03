"""Shopify: the ``orders/create`` (and ``orders/updated``) webhook.

Follows Shopify's Admin REST API documentation of the Order resource, which is the body of the
``orders/create`` webhook (https://shopify.dev/docs/api/admin-rest/latest/resources/order and
https://shopify.dev/docs/api/admin-rest/latest/resources/webhook). Ids are integers beyond
2^53 (kept as strings), money is decimal strings in the shop currency, times are ISO 8601 with
an offset. Pushes are signed with ``X-Shopify-Hmac-Sha256`` (base64 HMAC-SHA256 of the raw body).

==============================  ======================================================
Shopify field                   hub
==============================  ======================================================
``id``                          channel order number (``name``, e.g. #1001, is for people)
``financial_status``            through ``STATUS_TABLE``; ``fulfillment_status`` through
                                ``FULFILMENT_TABLE``; ``cancelled_at`` cancels
``currency``                    currency (shop currency; amounts are ``shop_money``)
``total_line_items_price``      goods amount; ``total_discounts`` discount;
                                ``total_shipping_price_set.shop_money.amount`` shipping;
                                ``total_price`` paid amount (taxes included)
``created_at``                  placed at; ``processed_at`` paid at once paid;
                                ``updated_at`` the channel's modification time
``shipping_address``            receiver (``name``, ``phone``, ``province``, ``city``,
                                ``address1`` + ``address2``, ``country_code``)
``customer.id``                 buyer identity; ``client_details`` browser IP + user agent
                                make a device fingerprint
``line_items[]``                lines: ``variant_id``, ``sku``, ``title`` + ``variant_title``,
                                ``quantity``, ``price``
``fulfillments[0]``             ``tracking_number``, ``tracking_company``
``test``                        true: a test order (dropped)
==============================  ======================================================
"""
from __future__ import annotations

import hashlib
from typing import Any

from orders.state_machine import Status

from channels.adapters import fields as f
from channels.adapters.base import Adapter, CanonicalLine, CanonicalOrder, status_row
from channels.models import CustomerIdentity

STATUS_TABLE = {
    "pending": status_row(Status.PENDING_PAYMENT),
    # Authorized payments are captured when fulfilled: the buyer has paid as far as shipping
    # is concerned.
    "authorized": status_row(Status.PAID),
    "partially_paid": status_row(Status.PENDING_PAYMENT),
    "paid": status_row(Status.PAID),
    "partially_refunded": status_row(Status.PAID, tag="partial_refund"),
    "refunded": status_row(Status.REFUNDED),
    "voided": status_row(Status.CANCELLED),
}
# fulfillment_status, applied to orders that are paid.
FULFILMENT_TABLE = {
    "": None,
    "unfulfilled": None,
    "restocked": None,
    "partial": status_row(Status.PAID, tag="partially_shipped"),
    "fulfilled": status_row(Status.IN_TRANSIT),
}


class ShopifyAdapter(Adapter):
    platform = "shopify"
    platform_name = "Shopify"
    documentation = (
        "https://shopify.dev/docs/api/admin-rest/latest/resources/order",
        "https://shopify.dev/docs/apps/build/webhooks (orders/create, HMAC verification)",
    )
    STATUS_TABLE = STATUS_TABLE
    envelope_paths = (("order",), ("orders",))
    order_keys = ("line_items",)
    default_currency = "USD"

    def order_no_of(self, raw: Any) -> str:
        return str(raw.get("id", "")) if isinstance(raw, dict) else ""

    def to_canonical(self, raw: Any) -> CanonicalOrder:
        where = "order"
        number = f.id_str(f.required(raw, "id", where), f"{where}.id")
        financial = f.text(raw.get("financial_status")) or "pending"
        fulfilment = f.text(raw.get("fulfillment_status"))
        items = raw.get("line_items")
        if not isinstance(items, list) or not items:
            raise f.FieldProblem(f"{where}.line_items: an order needs at least one line item")
        address = f.get(raw, "shipping_address", where) or {}
        customer = f.get(raw, "customer", where) or {}
        shipping_set = f.get(f.get(raw, "total_shipping_price_set", where) or {}, "shop_money",
                             f"{where}.total_shipping_price_set") or {}
        placed_at = f.iso_time(raw.get("created_at"), f"{where}.created_at")
        order = CanonicalOrder(
            channel_order_no=number,
            channel_status=f"{financial}/{fulfilment or 'unfulfilled'}",
            status=Status.PENDING_PAYMENT,
            lines=[self._line(item, f"{where}.line_items[{i}]") for i, item in enumerate(items)],
            goods_amount=f.yuan(raw.get("total_line_items_price"),
                                f"{where}.total_line_items_price"),
            shipping_amount=f.yuan(f.get(shipping_set, "amount", where),
                                   f"{where}.total_shipping_price_set.shop_money.amount",
                                   default=f.ZERO),
            discount_amount=f.yuan(raw.get("total_discounts"), f"{where}.total_discounts",
                                   default=f.ZERO),
            paid_amount=f.yuan(f.required(raw, "total_price", where), f"{where}.total_price"),
            currency=f.text(raw.get("currency")) or self.default_currency,
            receiver={
                "name": f.text(address.get("name")) or " ".join(filter(None, [
                    f.text(address.get("first_name")), f.text(address.get("last_name"))])),
                "phone": (f.text(address.get("phone")) or f.text(raw.get("phone"))
                          or f.text(customer.get("phone"))),
                "province": f.text(address.get("province")),
                "city": f.text(address.get("city")),
                "district": "",
                "address": ", ".join(filter(None, [f.text(address.get("address1")),
                                                   f.text(address.get("address2")),
                                                   f.text(address.get("zip"))])),
            },
            receiver_country=(f.text(address.get("country_code")) or "").upper(),
            placed_at=placed_at,
            modified_at=f.iso_time(raw.get("updated_at"), f"{where}.updated_at"),
            buyer_note=f.text(raw.get("note")),
            is_test=raw.get("test") is True,
        )
        mapping = self.map_status(financial, f"{where}.financial_status")
        order.status = mapping.status
        if mapping.tag:
            order.tags.append((mapping.tag, order.channel_status))
        if fulfilment not in FULFILMENT_TABLE:
            raise f.FieldProblem(f"{where}.fulfillment_status: unknown value '{fulfilment}'")
        shipped = FULFILMENT_TABLE[fulfilment]
        if shipped is not None and order.status == Status.PAID:
            order.status = shipped.status
            if shipped.tag:
                order.tags.append((shipped.tag, order.channel_status))
        if raw.get("cancelled_at") and order.status != Status.REFUNDED:
            order.status = Status.CANCELLED
        if order.status not in (Status.PENDING_PAYMENT, Status.CANCELLED):
            processed = f.iso_time(raw.get("processed_at"), f"{where}.processed_at")
            order.paid_at = processed or placed_at
        fulfilments = raw.get("fulfillments") or []
        if isinstance(fulfilments, list) and fulfilments and isinstance(fulfilments[0], dict):
            order.tracking_no = f.text(fulfilments[0].get("tracking_number"))
            order.carrier = f.text(fulfilments[0].get("tracking_company"))
        if isinstance(customer, dict) and customer.get("id") is not None:
            order.buyer_ids.append((CustomerIdentity.Kind.SHOPIFY_CUSTOMER,
                                    f.id_str(customer["id"], f"{where}.customer.id")))
        client = raw.get("client_details") or {}
        if isinstance(client, dict) and client.get("browser_ip") and client.get("user_agent"):
            seen = f"{client['browser_ip']}|{client['user_agent']}".encode()
            order.device_id = "shopify:" + hashlib.sha256(seen).hexdigest()[:40]
        return order

    def channel_reports_shipped(self, channel_status: str) -> bool:
        # channel_status is "<financial_status>/<fulfillment_status>" (see to_canonical).
        shipped = FULFILMENT_TABLE.get(channel_status.partition("/")[2])
        return shipped is not None and shipped.status == Status.IN_TRANSIT

    def _line(self, raw: Any, where: str) -> CanonicalLine:
        title = f.text(f.required(raw, "title", where))
        variant = f.text(raw.get("variant_title"))
        variant_id = raw.get("variant_id")
        return CanonicalLine(
            title=f"{title} {variant}" if variant else title,
            quantity=f.quantity(f.required(raw, "quantity", where), f"{where}.quantity"),
            unit_price=f.yuan(f.required(raw, "price", where), f"{where}.price"),
            channel_sku=(f.id_str(variant_id, f"{where}.variant_id") if variant_id is not None
                         else f.text(raw.get("sku"))),
            outer_sku=f.text(raw.get("sku")),
        )
