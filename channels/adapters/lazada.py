"""Lazada: Open Platform ``/orders/get`` (GetOrders) and ``/orders/items/get``
(GetMultipleOrderItems).

Follows the Lazada Open Platform API documentation (https://open.lazada.com/apps/doc/api?path=
%2Forders%2Fget, ``?path=%2Forders%2Fitems%2Fget``, ``/order/get`` and ``/order/items/get``) and
its order status flow (https://open.lazada.com/apps/doc/doc?nodeId=10451). Answers are
``{"code": "0", "request_id": …, "data": …}``: GetOrders ``data.orders[]``, GetOrder ``data``
(one order), GetMultipleOrderItems ``data[] = {order_id, order_number, order_items[]}``,
GetOrderItems ``data[]`` (the items, each with its ``order_id``); an error answer has a
``code`` other than ``"0"`` and a ``message``. Header and items come from separate calls, so
this adapter reads *parts* (``channels/services/parts.py``), as Amazon's does.

==================================  ======================================================
Lazada field                        hub
==================================  ======================================================
``order_id`` (a number of up to 15  channel order number (kept exact, as a string);
digits)                             ``order_number`` is shown to buyers
``statuses[]`` / items' ``status``  Lazada keeps a status per *item*; they are rolled up
                                    (``rolled_up``): an order is as far as its least
                                    advanced item, cancelled items aside
``price``                           goods amount: a decimal *string*, with thousands
                                    separators in some regions (``"1,299.00"``)
``shipping_fee``, ``voucher``       shipping and discount (numbers)
``created_at``, ``updated_at``      placed at, modification time: local time with its offset
                                    (``2026-01-28 10:15:02 +0800``)
``address_shipping``                receiver: ``first_name`` + ``last_name``, ``phone``,
                                    ``address3`` (state/region), ``city``, ``address4``/
                                    ``address5`` (district), ``address1``, ``address2``,
                                    ``post_code``, ``country``
``buyer_id``                        buyer identity
``remarks``                         buyer note
``order_items[]``                   one item per *unit*: grouped into lines by ``sku`` and
                                    ``item_price`` (a number); ``shop_sku`` is Lazada's
                                    SKU; ``currency`` the order's currency (all the same);
                                    ``tracking_code`` and ``shipment_provider`` the parcel;
                                    ``sla_time_stamp`` the ship-by time
==================================  ======================================================
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    StatusMapping,
    apply_status,
    parse_json,
    status_row,
)
from channels.models import CustomerIdentity

# One item's status → where that item is. ``rolled_up`` makes the order's.
STATUS_TABLE = {
    "unpaid": status_row(Status.PENDING_PAYMENT),
    "pending": status_row(Status.PAID),
    "topack": status_row(Status.PAID),
    "packed": status_row(Status.PAID),
    "repacked": status_row(Status.PAID),
    "toship": status_row(Status.PAID),
    "ready_to_ship": status_row(Status.PAID),
    "ready_to_ship_pending": status_row(Status.PAID),
    "shipped": status_row(Status.IN_TRANSIT),
    "failed": status_row(Status.IN_TRANSIT, tag="failed_delivery"),
    "failed_delivery": status_row(Status.IN_TRANSIT, tag="failed_delivery"),
    "lost_by_3pl": status_row(Status.IN_TRANSIT, tag="lost_by_carrier"),
    "damaged_by_3pl": status_row(Status.IN_TRANSIT, tag="damaged_by_carrier"),
    "delivered": status_row(Status.DELIVERED),
    "confirmed": status_row(Status.DELIVERED),
    "returned": status_row(Status.DELIVERED, tag="returned"),
    "shipped_back": status_row(Status.DELIVERED, tag="returned"),
    "canceled": status_row(Status.CANCELLED),
}
# The least advanced item decides where the order is.
_PROGRESS = [Status.PENDING_PAYMENT, Status.PAID, Status.IN_TRANSIT, Status.DELIVERED]


class LazadaAdapter(Adapter):
    platform = "lazada"
    platform_name = "Lazada"
    documentation = (
        "https://open.lazada.com/apps/doc/api?path=%2Forders%2Fget (GetOrders)",
        "https://open.lazada.com/apps/doc/api?path=%2Forders%2Fitems%2Fget "
        "(GetMultipleOrderItems)",
        "https://open.lazada.com/apps/doc/doc?nodeId=10451 (order status flow)",
    )
    STATUS_TABLE = STATUS_TABLE
    order_keys = ("order_id",)
    default_currency = ""  # the shop's (the channel's currency) when the items say none
    in_parts = True
    part_calls = {ORDER_PART: "/orders/get", ITEMS_PART: "/orders/items/get"}

    # --- reading a body into parts -----------------------------------------------------------
    def read(self, *, body: bytes, content_type: str = "", filename: str = "") -> list[Any]:
        parts: list[OrderPart] = []
        self._collect(parse_json(body), parts)
        if not parts:
            raise PayloadError("No Lazada order found: expected the answer of /orders/get "
                               "(data.orders), /order/get, /orders/items/get or "
                               "/order/items/get, or the bare order objects.")
        return parts

    def _collect(self, payload: Any, parts: list[OrderPart]) -> None:
        if isinstance(payload, list):
            for item in payload:
                self._collect(item, parts)
            return
        if not isinstance(payload, Mapping):
            raise PayloadError("The body must be a JSON object or a list of them "
                               f"(got {type(payload).__name__}).")
        if "data" in payload or ("code" in payload and "order_id" not in payload):
            code = str(payload.get("code", "0"))
            if code != "0":
                raise PayloadError(f"The body is a Lazada error answer, not orders: {code}: "
                                   f"{payload.get('message', '')}")
            data = payload.get("data")
            if isinstance(data, Mapping) and "orders" in data:
                data = data["orders"]
            if isinstance(data, list) and data and all(
                    isinstance(d, Mapping) and "order_item_id" in d for d in data):
                self._items_by_order(data, parts)  # /order/items/get: the bare items
                return
            self._collect(data if data is not None else [], parts)
            return
        if "order_items" in payload:  # one entry of /orders/items/get
            number = self._number(payload)
            if not isinstance(payload["order_items"], list):
                raise PayloadError(f"Lazada order {number}: order_items must be a list.")
            parts.append(OrderPart(number, ITEMS_PART, payload["order_items"], len(parts)))
            return
        if "order_item_id" in payload:
            self._items_by_order([payload], parts)
            return
        if "order_id" in payload:
            parts.append(OrderPart(self._number(payload), ORDER_PART, dict(payload),
                                   len(parts)))
            return
        raise PayloadError("A Lazada object without order_id: expected an order, an order "
                           "item or an API answer with 'data'.")

    def _items_by_order(self, items: list[Mapping], parts: list[OrderPart]) -> None:
        grouped: dict[str, list] = {}
        for item in items:
            grouped.setdefault(self._number(item), []).append(item)
        for number, its in grouped.items():
            parts.append(OrderPart(number, ITEMS_PART, its, len(parts)))

    @staticmethod
    def _number(raw: Mapping) -> str:
        try:
            return f.id_str(raw.get("order_id"), "order_id")
        except f.FieldProblem as problem:
            raise PayloadError(str(problem)) from None

    # --- parts -------------------------------------------------------------------------------
    def join(self, order: Any, items: Any) -> Any:
        return {**order, "order_items": items}

    def check_part(self, part: OrderPart) -> None:
        if part.kind == ORDER_PART:
            self._header(part.payload, "order")
        else:
            self._lines(part.payload, "order_items")

    # --- one order ---------------------------------------------------------------------------
    def to_canonical(self, raw: Any) -> CanonicalOrder:
        order = self._header(raw, "order")
        items = raw.get("order_items")
        lines, currency, statuses, tracking, carrier, ship_by = self._lines(items,
                                                                            "order_items")
        order.lines = lines
        order.currency = currency
        order.tracking_no, order.carrier = tracking, carrier
        order.ship_by = ship_by
        if order.goods_amount is None:
            order.goods_amount = sum((line.unit_price * line.quantity for line in lines),
                                     f.ZERO)
        order.paid_amount = order.goods_amount + order.shipping_amount - order.discount_amount
        # The items' own statuses decide; the header's summary (``statuses``) made way for them.
        order.tags, order.hold_reason = [], ""
        self._roll_up(order, statuses, "order_items[].status")
        return order

    def _header(self, raw: Any, where: str) -> CanonicalOrder:
        if not isinstance(raw, Mapping):
            raise f.FieldProblem(f"{where}: expected an object")
        number = f.id_str(f.required(raw, "order_id", where), f"{where}.order_id")
        address = raw.get("address_shipping") or {}
        if not isinstance(address, Mapping):
            raise f.FieldProblem(f"{where}.address_shipping: expected an object")
        statuses = raw.get("statuses") or []
        if not isinstance(statuses, list):
            raise f.FieldProblem(f"{where}.statuses: expected a list of item statuses")
        order = CanonicalOrder(
            channel_order_no=number,
            channel_status="",
            status=Status.PENDING_PAYMENT,
            lines=[],
            goods_amount=f.grouped_amount(raw.get("price"), f"{where}.price"),
            shipping_amount=f.grouped_amount(raw.get("shipping_fee"), f"{where}.shipping_fee",
                                             default=f.ZERO),
            discount_amount=f.grouped_amount(raw.get("voucher"), f"{where}.voucher",
                                             default=f.ZERO),
            receiver={
                "name": " ".join(filter(None, [f.text(address.get("first_name")),
                                               f.text(address.get("last_name"))])),
                "phone": f.text(address.get("phone")) or f.text(address.get("phone2")),
                "province": f.text(address.get("address3")),
                "city": f.text(address.get("city")),
                "district": f.text(address.get("address5")) or f.text(address.get("address4")),
                "address": ", ".join(filter(None, [f.text(address.get("address1")),
                                                   f.text(address.get("address2")),
                                                   f.text(address.get("post_code"))])),
            },
            receiver_country=_country(f.text(address.get("country"))),
            placed_at=f.offset_time(f.required(raw, "created_at", where),
                                    f"{where}.created_at"),
            modified_at=f.offset_time(raw.get("updated_at"), f"{where}.updated_at"),
            buyer_note=f.text(raw.get("remarks")),
        )
        order.receiver["phone"] = f.with_calling_code(order.receiver["phone"],
                                                      order.receiver_country)
        self._roll_up(order, [f.text(s, f"{where}.statuses") for s in statuses],
                      f"{where}.statuses")
        if raw.get("buyer_id") not in (None, "", 0):
            order.buyer_ids.append((CustomerIdentity.Kind.LAZADA_BUYER,
                                    f.id_str(raw["buyer_id"], f"{where}.buyer_id")))
        return order

    def _lines(self, items: Any, where: str):
        if not isinstance(items, list) or not items:
            raise f.FieldProblem(f"{where}: an order needs at least one item")
        grouped: dict[tuple[str, Any], CanonicalLine] = {}
        currencies, statuses = set(), []
        tracking = carrier = ""
        ship_by = None
        for i, item in enumerate(items):
            at = f"{where}[{i}]"
            if not isinstance(item, Mapping):
                raise f.FieldProblem(f"{at}: expected an object")
            f.id_str(f.required(item, "order_item_id", at), f"{at}.order_item_id")
            status = f.text(f.required(item, "status", at), f"{at}.status")
            self.map_status(status, f"{at}.status")
            statuses.append(status)
            if item.get("currency"):
                currencies.add(f.currency_code(item["currency"], f"{at}.currency"))
            price = f.grouped_amount(f.required(item, "item_price", at), f"{at}.item_price")
            sku = f.text(item.get("sku")) or f.text(item.get("shop_sku"))
            key = (sku, price)
            if key in grouped:
                grouped[key].quantity += 1
                grouped[key].amount += price
            else:
                grouped[key] = CanonicalLine(
                    title=" ".join(filter(None, [f.text(f.required(item, "name", at)),
                                                 f.text(item.get("variation"))])),
                    quantity=1, unit_price=price, amount=price,
                    channel_sku=f.text(item.get("shop_sku")) or f.text(item.get("sku_id")),
                    outer_sku=f.text(item.get("sku")),
                )
            if status != "canceled":
                tracking = tracking or f.text(item.get("tracking_code"))
                carrier = carrier or f.text(item.get("shipment_provider"))
                stamp = f.offset_time(item.get("sla_time_stamp"), f"{at}.sla_time_stamp")
                if stamp is not None and (ship_by is None or stamp < ship_by):
                    ship_by = stamp
        if len(currencies) > 1:
            raise f.FieldProblem(f"{where}: items in several currencies "
                                 f"({', '.join(sorted(currencies))}); amounts in two "
                                 f"currencies are not added up")
        currency = next(iter(currencies), "")
        return list(grouped.values()), currency, statuses, tracking, carrier, ship_by

    def _roll_up(self, order: CanonicalOrder, statuses: list[str], where: str) -> None:
        """The items' statuses → the order's (see the module doc)."""
        if not statuses:
            order.channel_status = ""
            return
        mappings = [self.map_status(status, where) for status in statuses]
        order.channel_status = ",".join(sorted(set(statuses)))
        apply_status(order, rolled_up(mappings))
        for mapping in mappings:
            if mapping.tag and (mapping.tag, order.channel_status) not in order.tags:
                order.tags.append((mapping.tag, order.channel_status))

    def channel_reports_shipped(self, channel_status: str) -> bool:
        statuses = [s for s in channel_status.split(",") if s]
        if not statuses or any(s not in STATUS_TABLE for s in statuses):
            return False
        return rolled_up([STATUS_TABLE[s] for s in statuses]).status in (
            Status.IN_TRANSIT, Status.DELIVERED)


def rolled_up(mappings: list[StatusMapping]) -> StatusMapping:
    """Where an order is, from where its items are: cancelled items aside, the least advanced
    item; every item cancelled, cancelled. Some shipped and some not: partially shipped."""
    live = [m for m in mappings if m.status != Status.CANCELLED]
    if not live:
        return status_row(Status.CANCELLED)
    least = min(live, key=lambda m: _PROGRESS.index(m.status))
    tag = ""
    if least.status == Status.PAID and any(m.status != Status.PAID for m in live):
        tag = "partially_shipped"
    elif len(live) < len(mappings):
        tag = "partially_cancelled"
    return status_row(least.status, tag=tag)


_COUNTRIES = {"singapore": "SG", "malaysia": "MY", "thailand": "TH", "indonesia": "ID",
              "vietnam": "VN", "philippines": "PH"}


def _country(name: str) -> str:
    """Lazada names the country (``Singapore``); the hub keeps ISO codes."""
    return _COUNTRIES.get(name.strip().lower(), name.strip().upper()[:2])
