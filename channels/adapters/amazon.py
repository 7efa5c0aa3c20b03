"""Amazon: the Selling Partner API for Orders, version v0.

Follows Amazon's SP-API Orders v0 reference (https://developer-docs.amazon.com/sp-api/docs/
orders-api-v0-reference) and its model (``ordersV0.json`` in amzn/selling-partner-api-models):
``getOrders`` answers ``{"payload": {"Orders": [Order…], "NextToken": …}}``, ``getOrder``
``{"payload": Order}``, ``getOrderItems`` ``{"payload": {"AmazonOrderId": …, "OrderItems":
[OrderItem…]}}``; an error answer is ``{"errors": [{"code", "message", "details"}]}``. The
header and the items come from separate calls, so this adapter reads *parts* (see
``channels/services/parts.py``): either call's answer alone, both together in a list, or the
bare objects; an order is created once both parts are known.

======================================  ==================================================
SP-API field                            hub
======================================  ==================================================
``AmazonOrderId`` (3-7-7, a string)     channel order number
``OrderStatus``                         through ``STATUS_TABLE``
``FulfillmentChannel``                  ``AFN`` (Fulfilled by Amazon): recorded, flagged
                                        ``fulfilled_by_channel``, never routed to the hub's
                                        warehouses nor confirmed back; ``MFN``: the seller's
``OrderTotal`` (Money)                  paid amount and currency: ``{"CurrencyCode": "USD",
                                        "Amount": "35.99"}``, the amount a decimal string
``PurchaseDate``, ``LastUpdateDate``    placed at (paid at once not Pending), modification
                                        time: ISO 8601 in UTC (``2026-01-28T02:15:02Z``)
``LatestShipDate``                      ship-by (the write-back alerts before it)
``ShippingAddress``                     receiver (``Name``, ``Phone``, ``StateOrRegion``,
                                        ``City``, ``County``/``District``, ``AddressLine1-3``,
                                        ``PostalCode``, ``CountryCode``); often restricted
                                        (PII) and then absent
``BuyerInfo.BuyerEmail``                buyer identity (Amazon's anonymised relay address)
``OrderItems[]``                        lines: ``SellerSKU``, ``ASIN``, ``Title``,
                                        ``QuantityOrdered``; ``ItemPrice`` is the price of
                                        the whole quantity (unit price = ItemPrice ÷
                                        QuantityOrdered), ``ShippingPrice``,
                                        ``PromotionDiscount`` and ``ShippingDiscount`` add up
                                        to shipping and discount
======================================  ==================================================

Every Money of an order must be in the order's currency: a mixed order is refused, never
converted.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orders.selectors import FULFILLED_BY_CHANNEL
from orders.state_machine import Status

from channels.adapters import fields as f
from channels.adapters.base import (
    ITEMS_PART,
    ORDER_PART,
    Adapter,
    CanonicalLine,
    CanonicalOrder,
    OrderPart,
    PayloadError,
    apply_status,
    parse_json,
    status_row,
)
from channels.models import CustomerIdentity

STATUS_TABLE = {
    # Placed, payment not yet authorised (and pre-orders waiting for stock).
    "Pending": status_row(Status.PENDING_PAYMENT),
    "PendingAvailability": status_row(Status.PENDING_PAYMENT),
    "Unshipped": status_row(Status.PAID),
    "PartiallyShipped": status_row(Status.PAID, tag="partially_shipped"),
    "Shipped": status_row(Status.IN_TRANSIT),
    # Every item shipped; the seller has not confirmed the invoice to Amazon yet.
    "InvoiceUnconfirmed": status_row(Status.IN_TRANSIT, tag="invoice_unconfirmed"),
    "Canceled": status_row(Status.CANCELLED),
    # Multi-Channel Fulfillment could not fulfil it: nothing will ship.
    "Unfulfillable": status_row(Status.CANCELLED, tag="unfulfillable"),
}


class AmazonAdapter(Adapter):
    platform = "amazon"
    platform_name = "Amazon"
    documentation = (
        "https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference "
        "(getOrders, getOrder, getOrderItems; Order, OrderItem, Money, Address)",
        "https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-use-case-guide",
    )
    STATUS_TABLE = STATUS_TABLE
    order_keys = ("AmazonOrderId",)
    default_currency = "USD"
    in_parts = True
    part_calls = {ORDER_PART: "getOrders", ITEMS_PART: "getOrderItems"}

    # --- reading a body into parts -----------------------------------------------------------
    def read(self, *, body: bytes, content_type: str = "", filename: str = "") -> list[Any]:
        parts: list[OrderPart] = []
        self._collect(parse_json(body), parts, top=True)
        if not parts:
            raise PayloadError("No Amazon order found: expected the answer of getOrders "
                               "(payload.Orders), getOrder or getOrderItems "
                               "(payload.OrderItems), or the bare Order/OrderItems objects.")
        return parts

    def _collect(self, payload: Any, parts: list[OrderPart], *, top: bool = False) -> None:
        if isinstance(payload, list):
            for item in payload:
                self._collect(item, parts)
            return
        if not isinstance(payload, Mapping):
            raise PayloadError("The body must be a JSON object or a list of them "
                               f"(got {type(payload).__name__}).")
        errors = payload.get("errors")
        if errors and "payload" not in payload:
            shown = "; ".join(f"{e.get('code', '')}: {e.get('message', '')}"
                              for e in errors if isinstance(e, Mapping)) or str(errors)
            raise PayloadError(f"The body is an SP-API error answer, not orders: {shown}")
        if "payload" in payload:
            inner = payload["payload"]
            if isinstance(inner, Mapping) and "Orders" in inner:
                orders = inner["Orders"]
                if not isinstance(orders, list):
                    raise PayloadError("payload.Orders: expected a list of orders.")
                for order in orders:
                    self._collect(order, parts)
                return
            self._collect(inner, parts)
            return
        number = payload.get("AmazonOrderId")
        if number is None:
            raise PayloadError("An Amazon object without AmazonOrderId: expected an Order, "
                               "an OrderItems answer or an SP-API response with 'payload'.")
        try:
            number = f.id_str(number, "AmazonOrderId")
        except f.FieldProblem as problem:
            raise PayloadError(str(problem)) from None
        index = len(parts)
        if "OrderStatus" in payload:
            header = {k: v for k, v in payload.items() if k != "OrderItems"}
            parts.append(OrderPart(number, ORDER_PART, header, index))
        if "OrderItems" in payload:
            parts.append(OrderPart(number, ITEMS_PART, payload["OrderItems"], index))
        elif "OrderStatus" not in payload:
            raise PayloadError(f"Amazon order {number}: neither OrderStatus (an Order) nor "
                               f"OrderItems (a getOrderItems answer).")

    # --- parts -----------------------------------------------------------------------------
    def join(self, order: Any, items: Any) -> Any:
        return {**order, "OrderItems": items}

    def check_part(self, part: OrderPart) -> None:
        if part.kind == ORDER_PART:
            self._header(part.payload, "Order")
        else:
            self._lines(part.payload, "OrderItems", currency="")

    def order_no_of(self, raw: Any) -> str:
        return str(raw.get("AmazonOrderId", "")) if isinstance(raw, Mapping) else ""

    # --- one order ---------------------------------------------------------------------------
    def to_canonical(self, raw: Any) -> CanonicalOrder:
        order = self._header(raw, "Order")
        goods, shipping, discount, lines = self._lines(
            raw.get("OrderItems"), "OrderItems", currency=order.currency,
            cancelled=order.status == Status.CANCELLED)
        order.lines = lines
        order.goods_amount = goods
        order.shipping_amount = shipping
        order.discount_amount = discount
        if order.paid_amount is None:  # Pending orders may have no OrderTotal yet
            order.paid_amount = goods + shipping - discount
        if not order.currency:
            order.currency = self._items_currency(raw.get("OrderItems")) or self.default_currency
        return order

    def _header(self, raw: Any, where: str) -> CanonicalOrder:
        if not isinstance(raw, Mapping):
            raise f.FieldProblem(f"{where}: expected an object")
        number = f.id_str(f.required(raw, "AmazonOrderId", where), f"{where}.AmazonOrderId")
        code = f.text(f.required(raw, "OrderStatus", where), f"{where}.OrderStatus")
        total = raw.get("OrderTotal")
        currency, paid = "", None
        if total is not None:
            currency, paid = money(total, f"{where}.OrderTotal")
        address = raw.get("ShippingAddress") or {}
        if not isinstance(address, Mapping):
            raise f.FieldProblem(f"{where}.ShippingAddress: expected an object")
        placed_at = f.iso_time(f.required(raw, "PurchaseDate", where), f"{where}.PurchaseDate")
        order = CanonicalOrder(
            channel_order_no=number,
            channel_status=code,
            status=Status.PENDING_PAYMENT,
            lines=[],
            paid_amount=paid,
            currency=currency,
            receiver={
                "name": f.text(address.get("Name")),
                "phone": f.text(address.get("Phone")),
                "province": f.text(address.get("StateOrRegion")),
                "city": f.text(address.get("City")),
                "district": f.text(address.get("County")) or f.text(address.get("District")),
                "address": ", ".join(filter(None, [
                    f.text(address.get(key)) for key in
                    ("AddressLine1", "AddressLine2", "AddressLine3", "PostalCode")])),
            },
            receiver_country=f.text(address.get("CountryCode")).upper(),
            placed_at=placed_at,
            modified_at=f.iso_time(raw.get("LastUpdateDate"), f"{where}.LastUpdateDate"),
            ship_by=f.iso_time(raw.get("LatestShipDate"), f"{where}.LatestShipDate"),
        )
        apply_status(order, self.map_status(code, f"{where}.OrderStatus"))
        if order.status not in (Status.PENDING_PAYMENT, Status.CANCELLED):
            order.paid_at = placed_at
        channel = f.text(raw.get("FulfillmentChannel"), f"{where}.FulfillmentChannel")
        if channel not in ("", "MFN", "AFN"):
            raise f.FieldProblem(f"{where}.FulfillmentChannel: expected AFN or MFN, got "
                                 f"'{channel}'")
        if channel == "AFN":
            order.tags.append((FULFILLED_BY_CHANNEL, "Amazon fulfils it (AFN): not for the "
                                                     "hub's warehouses"))
        buyer = raw.get("BuyerInfo") or {}
        if isinstance(buyer, Mapping) and f.text(buyer.get("BuyerEmail")):
            order.buyer_ids.append((CustomerIdentity.Kind.AMAZON_BUYER,
                                    f.text(buyer["BuyerEmail"]).lower()))
        return order

    def _lines(self, items: Any, where: str, *, currency: str, cancelled: bool = True
               ) -> tuple[Decimal, Decimal, Decimal, list[CanonicalLine]]:
        if not isinstance(items, list) or not items:
            raise f.FieldProblem(f"{where}: an order needs at least one item")
        goods = shipping = discount = f.ZERO
        lines = []
        for i, item in enumerate(items):
            at = f"{where}[{i}]"
            if not isinstance(item, Mapping):
                raise f.FieldProblem(f"{at}: expected an object")
            ordered = f.required(item, "QuantityOrdered", at)
            if ordered in (0, "0"):
                continue  # a cancelled item keeps its row with nothing ordered
            quantity = f.quantity(ordered, f"{at}.QuantityOrdered")
            price = f.ZERO
            if item.get("ItemPrice") is not None:
                currency = _same(currency, *money(item["ItemPrice"], f"{at}.ItemPrice"),
                                 f"{at}.ItemPrice")
                price = money(item["ItemPrice"], f"{at}.ItemPrice")[1]
            for key in ("ShippingPrice", "PromotionDiscount", "ShippingDiscount"):
                if item.get(key) is not None:
                    code, amount = money(item[key], f"{at}.{key}")
                    currency = _same(currency, code, amount, f"{at}.{key}")
                    if key == "ShippingPrice":
                        shipping += amount
                    else:
                        discount += amount
            goods += price
            unit = (price / quantity).quantize(f.CENT)
            lines.append(CanonicalLine(
                title=f.text(item.get("Title")) or f.text(item.get("SellerSKU")),
                quantity=quantity, unit_price=unit, amount=price,
                channel_sku=f.text(item.get("ASIN")),
                outer_sku=f.text(item.get("SellerSKU")),
            ))
        if not lines and cancelled:
            # Amazon zeroes QuantityOrdered when an order is cancelled: the order is kept with
            # its items (one of each, nothing to pay), so that the cancellation is recorded.
            lines = [CanonicalLine(
                title=f.text(item.get("Title")) or f.text(item.get("SellerSKU")), quantity=1,
                unit_price=f.ZERO, amount=f.ZERO, channel_sku=f.text(item.get("ASIN")),
                outer_sku=f.text(item.get("SellerSKU")),
            ) for item in items if isinstance(item, Mapping)]
        if not lines:
            raise f.FieldProblem(f"{where}: no item with a quantity ordered")
        return goods, shipping, discount, lines

    @staticmethod
    def _items_currency(items: Any) -> str:
        for item in items or []:
            price = item.get("ItemPrice") if isinstance(item, Mapping) else None
            if isinstance(price, Mapping) and price.get("CurrencyCode"):
                return str(price["CurrencyCode"]).upper()
        return ""


def money(value: Any, where: str) -> tuple[str, Decimal]:
    """An SP-API Money, ``{"CurrencyCode": "USD", "Amount": "35.99"}``: its code and amount."""
    if not isinstance(value, Mapping):
        raise f.FieldProblem(f"{where}: expected a Money object {{CurrencyCode, Amount}}")
    code = f.currency_code(f.required(value, "CurrencyCode", where), f"{where}.CurrencyCode")
    return code, f.yuan(f.required(value, "Amount", where), f"{where}.Amount")


def _same(currency: str, code: str, _amount: Decimal, where: str) -> str:
    """The order's one currency: an amount in another is refused (never converted)."""
    if currency and code != currency:
        raise f.FieldProblem(f"{where}: in {code}, but the order is in {currency} (amounts in "
                             f"two currencies are not added up)")
    return currency or code
