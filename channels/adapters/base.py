"""The hub's canonical order, which every adapter produces, and the adapter contract.

An adapter knows one platform's documented payload: how to find the orders in a body (the API
response envelope, a list, or bare order objects), how to read each field in its units, and
how the platform's status codes map onto the hub's states (its ``STATUS_TABLE``).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from orderhub.core.errors import ValidationFailed
from orders.state_machine import BEFORE_SHIPPING, LEFT_THE_WAREHOUSE, Status

from channels import texts
from channels.adapters.fields import FieldProblem


class PayloadError(ValidationFailed):
    """The body cannot be read as the channel's orders (answers 400, the delivery fails)."""

    code = "malformed_payload"


@dataclass
class CanonicalLine:
    title: str
    quantity: int
    unit_price: Decimal
    amount: Decimal | None = None
    channel_sku: str = ""  # the platform's own SKU id
    outer_sku: str = ""  # the seller's code for it (outer_sku_id, outerSkuId, out_sku_id, sku)
    refund: str = ""  # "", "requested" or "refunded": the platform's line refund state


@dataclass
class CanonicalOrder:
    """One channel order in the hub's terms (money in yuan or the shop currency, aware times)."""

    channel_order_no: str
    channel_status: str
    status: str
    lines: list[CanonicalLine]
    goods_amount: Decimal | None = None
    shipping_amount: Decimal = Decimal("0.00")
    discount_amount: Decimal = Decimal("0.00")
    paid_amount: Decimal | None = None
    currency: str = ""
    payment_serial_no: str = ""
    receiver: dict[str, str] = field(default_factory=dict)
    receiver_country: str = "CN"
    placed_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    ship_by: dt.datetime | None = None
    buyer_note: str = ""
    tracking_no: str = ""
    carrier: str = ""
    buyer_ids: list[tuple[str, str]] = field(default_factory=list)
    device_id: str = ""
    member_phone: str = ""  # a phone the buyer gave as theirs (POS membership), not the receiver's
    hold_reason: str = ""  # the channel says the order must not ship (locked, refund requested)
    tags: list[tuple[str, str]] = field(default_factory=list)
    is_test: bool = False  # the platform itself marks it a test order (Shopify "test": true)
    digest: str = ""  # set by the ingestion: what the raw order looked like


@dataclass
class OrderPart:
    """One part of an order whose platform sends header and items from separate calls
    (Amazon, Lazada): ``kind`` is ``order`` or ``items`` (``ChannelOrderPart.Kind``)."""

    channel_order_no: str
    kind: str
    payload: Any
    index: int = 0  # where it was in the body, for error messages


ORDER_PART, ITEMS_PART = "order", "items"


@dataclass(frozen=True)
class StatusMapping:
    """Where a channel status code puts the order, and whether it must wait."""

    status: str
    hold: str = ""  # non-empty: the channel forbids shipping for now, this is why
    tag: str = ""  # a flag for staff, e.g. partially_shipped


def status_row(status: str, *, hold: str = "", tag: str = "") -> StatusMapping:
    return StatusMapping(status=status, hold=hold, tag=tag)


REFUND_REQUESTED = "requested"
REFUNDED = "refunded"


class Adapter:
    """Base of the per-platform adapters; subclasses fill in the class attributes."""

    platform: ClassVar[str]
    documentation: ClassVar[tuple[str, ...]]
    #: Channel status code → hub status (and a hold reason when the channel forbids shipping).
    STATUS_TABLE: ClassVar[Mapping[str, StatusMapping]]
    #: Keys under which the documented API responses keep their orders, outermost first.
    envelope_paths: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: Keys that only a bare order object has (how a bare order is told from an envelope).
    order_keys: ClassVar[tuple[str, ...]]
    default_currency: ClassVar[str] = "CNY"
    #: True where the platform sends an order's header and its items from separate calls:
    #: ``read`` then returns :class:`OrderPart` objects, which the ingestion joins (with the
    #: parts kept from earlier deliveries) through :meth:`join` before :meth:`to_canonical`.
    in_parts: ClassVar[bool] = False

    def join(self, order: Any, items: Any) -> Any:  # pragma: no cover - in_parts adapters
        """One raw order from its header part and its items part."""
        raise NotImplementedError

    def check_part(self, part: OrderPart) -> None:  # pragma: no cover - in_parts adapters
        """Raise :class:`FieldProblem` when a part that must wait cannot be read."""
        raise NotImplementedError

    # --- reading a body ---------------------------------------------------------------------
    def read(self, *, body: bytes, content_type: str = "", filename: str = "") -> list[Any]:
        """The raw order objects in a delivery body."""
        return self.unwrap(parse_json(body))

    def unwrap(self, payload: Any) -> list[Any]:
        """Orders from an API response (envelope and all), a list, or one bare order."""
        if isinstance(payload, list):
            found: list[Any] = []
            for item in payload:
                found.extend(self.unwrap(item) if self._is_envelope(item) else [item])
            return found
        if not isinstance(payload, Mapping):
            raise PayloadError(
                "The body must be a JSON object or a list of them "
                f"(got {type(payload).__name__})."
            )
        if self._is_order(payload):
            return [payload]
        for path in self.envelope_paths:
            found_value = _dig(payload, path)
            if found_value is not None:
                return found_value if isinstance(found_value, list) else [found_value]
        raise PayloadError(
            f"No {self.platform} order found: expected an order object (with "
            f"'{self.order_keys[0]}') or the documented API response "
            f"({', '.join('.'.join(p) for p in self.envelope_paths) or 'none'})."
        )

    def _is_order(self, item: Any) -> bool:
        return isinstance(item, Mapping) and any(key in item for key in self.order_keys)

    def _is_envelope(self, item: Any) -> bool:
        return isinstance(item, Mapping) and not self._is_order(item) and any(
            _dig(item, path) is not None for path in self.envelope_paths
        )

    # --- one order ----------------------------------------------------------------------------
    def to_canonical(self, raw: Any) -> CanonicalOrder:  # pragma: no cover - abstract
        raise NotImplementedError

    def order_no_of(self, raw: Any) -> str:
        """The channel order number, for error messages (best effort, never raises)."""
        if isinstance(raw, Mapping):
            for key in self.order_keys:
                if raw.get(key) is not None:
                    return str(raw[key])
        return ""

    def channel_reports_shipped(self, channel_status: str) -> bool:
        """Whether the channel's own last status (``Order.channel_status`` as this adapter wrote
        it) says the parcel has left: the channel then knows the shipment already, and the hub
        has nothing to write back to it."""
        mapping = self.STATUS_TABLE.get(channel_status)
        return mapping is not None and mapping.status in LEFT_THE_WAREHOUSE

    def map_status(self, code: str, where: str) -> StatusMapping:
        """The table's row for ``code``; an unknown code is a problem, never a guess."""
        try:
            return self.STATUS_TABLE[code]
        except KeyError:
            raise FieldProblem(
                f"{where}: unknown {self.platform} status '{code}' (known: "
                f"{', '.join(self.STATUS_TABLE)})"
            ) from None


def parse_json(body: bytes) -> Any:
    """JSON with exact numbers: decimals as ``Decimal``, big integers as ``int``."""
    try:
        return json.loads(body.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise PayloadError(
            f"The body is not UTF-8 text: {exc.reason} at byte {exc.start}."
        ) from None
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"Malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None


def _dig(payload: Any, path: Sequence[str]) -> Any:
    current = payload
    for key in path:
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current


def worst_refund(lines: Sequence[CanonicalLine]) -> str:
    """``refunded`` when every line is refunded, else ``requested`` if any is in progress."""
    states = {line.refund for line in lines}
    if lines and states == {REFUNDED}:
        return REFUNDED
    if REFUND_REQUESTED in states:
        return REFUND_REQUESTED
    return ""


# Hub states before the parcel leaves: a refund request there must stop the warehouse.


def apply_status(order: CanonicalOrder, mapping: StatusMapping) -> None:
    """Put the status table's verdict on the order: state, hold and flag."""
    order.status = mapping.status
    if mapping.hold:
        order.hold_reason = mapping.hold
    if mapping.tag:
        order.tags.append((mapping.tag, order.channel_status))


def apply_line_refunds(order: CanonicalOrder, platform_name: str) -> None:
    """Line refund states (TOP ``refund_status``, 抖店 after-sale) → hold or partial flag."""
    refund = worst_refund(order.lines)
    if refund == REFUND_REQUESTED and order.status in BEFORE_SHIPPING:
        order.hold_reason = order.hold_reason or texts.HOLD_REFUND_ASKED.encode(
            platform=platform_name)
        order.tags.append(("refund_requested",
                           texts.FLAG_LINE_REFUND.encode(platform=platform_name)))
    elif any(line.refund == REFUNDED for line in order.lines) and refund != REFUNDED:
        order.tags.append(("partial_refund",
                           texts.FLAG_SOME_LINES_REFUNDED.encode(platform=platform_name)))
