"""Taobao and Tmall: the TOP trade structure.

Follows the Taobao Open Platform (TOP) documentation of ``taobao.trade.fullinfo.get``
(response ``trade_fullinfo_get_response.trade``) and ``taobao.trades.sold.get`` (response
``trades_sold_get_response.trades.trade[]``), https://open.taobao.com/api.htm?docId=54 and
docId=46, and the Trade / Order data structures they return:

=========================  =======================================================
TOP field                  hub
=========================  =======================================================
``tid_str`` (``tid``)      channel order number (``tid`` is a Number: read as string)
``status``                 status, through ``STATUS_TABLE``; kept as channel status
``payment``                paid amount (yuan, decimal string)
``total_fee``              goods amount; ``post_fee`` shipping; ``discount_fee`` discount
``alipay_no``              payment serial number (reconciled against Alipay bills)
``created`` / ``pay_time`` placed at / paid at, ``yyyy-MM-dd HH:mm:ss`` Beijing time
``modified``               the channel's modification time (stale deliveries are ignored)
``receiver_*``             receiver (``receiver_state`` is the province); masked
                           ``receiver_mobile`` values such as ``138****5621`` are kept as given
``buyer_open_uid``         buyer identity (per app, stable for one buyer)
``buyer_message``          buyer note
``orders.order[]``         lines: ``oid``, ``num_iid``, ``sku_id``, ``outer_sku_id``
                           (``outer_iid``), ``title``, ``price``, ``num``, ``total_fee``,
                           ``refund_status``, ``invoice_no`` / ``logistics_company``
=========================  =======================================================
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orders.state_machine import Status

from channels.adapters import fields as f
from channels.adapters.base import (
    REFUND_REQUESTED,
    REFUNDED,
    Adapter,
    CanonicalLine,
    CanonicalOrder,
    apply_line_refunds,
    apply_status,
    status_row,
)
from channels.models import CustomerIdentity
from channels import texts

# Trade.status, every code TOP documents.
STATUS_TABLE = {
    "TRADE_NO_CREATE_PAY": status_row(Status.PENDING_PAYMENT),  # no Alipay trade created yet
    "WAIT_BUYER_PAY": status_row(Status.PENDING_PAYMENT),
    "PAY_PENDING": status_row(Status.PENDING_PAYMENT),  # payment being confirmed
    "WAIT_PRE_AUTH_CONFIRM": status_row(Status.PENDING_PAYMENT),  # 0-yuan purchase contract
    "WAIT_SELLER_SEND_GOODS": status_row(Status.PAID),
    # Paid, but TOP forbids shipping (group buy not formed yet, or consignment controls).
    "PAID_FORBID_CONSIGN": status_row(
        Status.PAID, hold=texts.HOLD_SHIPPING_FORBIDDEN.encode(
            platform="TOP", status="PAID_FORBID_CONSIGN"),
        tag="consign_forbidden",
    ),
    # Part of the goods left: the rest is still the warehouse's work, so the order stays paid.
    "SELLER_CONSIGNED_PART": status_row(Status.PAID, tag="partially_shipped"),
    "WAIT_BUYER_CONFIRM_GOODS": status_row(Status.IN_TRANSIT),
    "TRADE_BUYER_SIGNED": status_row(Status.DELIVERED),
    "TRADE_FINISHED": status_row(Status.DELIVERED),
    "TRADE_CLOSED": status_row(Status.REFUNDED),  # closed after payment: refunded in full
    "TRADE_CLOSED_BY_TAOBAO": status_row(Status.CANCELLED),  # closed before payment
}

# Order.refund_status (per line).
LINE_REFUND_TABLE = {
    "NO_REFUND": "",
    "WAIT_SELLER_AGREE": REFUND_REQUESTED,
    "WAIT_BUYER_RETURN_GOODS": REFUND_REQUESTED,
    "WAIT_SELLER_CONFIRM_GOODS": REFUND_REQUESTED,
    "SELLER_REFUSE_BUYER": "",
    "CLOSED": "",
    "SUCCESS": REFUNDED,
}


class TaobaoAdapter(Adapter):
    platform = "taobao"
    platform_name = "Taobao"
    documentation = (
        "https://open.taobao.com/api.htm?docId=54&docType=2 (taobao.trade.fullinfo.get)",
        "https://open.taobao.com/api.htm?docId=46&docType=2 (taobao.trades.sold.get)",
    )
    STATUS_TABLE = STATUS_TABLE
    envelope_paths = (
        ("trade_fullinfo_get_response", "trade"),
        ("trades_sold_get_response", "trades", "trade"),
        ("trade_get_response", "trade"),
    )
    order_keys = ("tid_str", "tid")

    def to_canonical(self, raw: Any) -> CanonicalOrder:
        where = "trade"
        number = f.id_str(raw.get("tid_str") or f.required(raw, "tid", where), f"{where}.tid_str")
        code = f.text(f.required(raw, "status", where))
        lines_raw = raw.get("orders")
        if isinstance(lines_raw, Mapping):
            lines_raw = lines_raw.get("order")
        if not isinstance(lines_raw, list) or not lines_raw:
            raise f.FieldProblem(f"{where}.orders.order: a trade needs at least one order line")
        lines = [self._line(line, f"{where}.orders.order[{i}]") for i, line in
                 enumerate(lines_raw)]
        first = lines_raw[0] if isinstance(lines_raw[0], Mapping) else {}
        order = CanonicalOrder(
            channel_order_no=number,
            channel_status=code,
            status=Status.PENDING_PAYMENT,
            lines=lines,
            goods_amount=f.yuan(raw.get("total_fee"), f"{where}.total_fee"),
            shipping_amount=f.yuan(raw.get("post_fee"), f"{where}.post_fee", default=f.ZERO),
            discount_amount=f.yuan(raw.get("discount_fee"), f"{where}.discount_fee",
                                   default=f.ZERO),
            paid_amount=f.yuan(f.required(raw, "payment", where), f"{where}.payment"),
            payment_serial_no=f.text(raw.get("alipay_no"), f"{where}.alipay_no"),
            receiver={
                "name": f.text(raw.get("receiver_name")),
                "phone": f.text(raw.get("receiver_mobile")) or f.text(raw.get("receiver_phone")),
                "province": f.text(raw.get("receiver_state")),
                "city": f.text(raw.get("receiver_city")),
                "district": f.text(raw.get("receiver_district")),
                "address": f.text(raw.get("receiver_address")),
            },
            placed_at=f.beijing_time(raw.get("created"), f"{where}.created"),
            paid_at=f.beijing_time(raw.get("pay_time"), f"{where}.pay_time"),
            modified_at=f.beijing_time(raw.get("modified"), f"{where}.modified"),
            buyer_note=f.text(raw.get("buyer_message")),
            tracking_no=f.text(first.get("invoice_no")),
            carrier=f.text(first.get("logistics_company")),
        )
        open_uid = f.text(raw.get("buyer_open_uid"))
        if open_uid:
            order.buyer_ids.append((CustomerIdentity.Kind.TAOBAO_OPEN_UID, open_uid))
        apply_status(order, self.map_status(code, f"{where}.status"))
        apply_line_refunds(order, self.platform_name)
        return order

    def _line(self, raw: Any, where: str) -> CanonicalLine:
        num = f.quantity(f.required(raw, "num", where), f"{where}.num")
        price = f.yuan(f.required(raw, "price", where), f"{where}.price")
        refund_code = f.text(raw.get("refund_status")) or "NO_REFUND"
        if refund_code not in LINE_REFUND_TABLE:
            raise f.FieldProblem(f"{where}.refund_status: unknown refund status '{refund_code}'")
        sku_id = f.text(raw.get("sku_id"), f"{where}.sku_id")
        return CanonicalLine(
            title=f.text(f.required(raw, "title", where)),
            quantity=num,
            unit_price=price,
            amount=f.yuan(raw.get("total_fee"), f"{where}.total_fee"),
            channel_sku=sku_id or f.text(raw.get("num_iid"), f"{where}.num_iid"),
            outer_sku=f.text(raw.get("outer_sku_id")) or f.text(raw.get("outer_iid")),
            refund=LINE_REFUND_TABLE[refund_code],
        )


class TmallAdapter(TaobaoAdapter):
    """Tmall shops are served by the same TOP trade APIs and structures."""

    platform = "tmall"
    platform_name = "Tmall"
