"""Pinduoduo (拼多多): the order detail of ``pdd.order.information.get``.

Follows the Pinduoduo open platform documentation of ``pdd.order.information.get`` (response
``order_info_get_response.order_info``) and ``pdd.order.list.get`` (response
``order_list_get_response.order_list[]``), https://open.pinduoduo.com/application/document/api
?id=pdd.order.information.get. Amounts are in **yuan**, as JSON numbers or strings; times are
``yyyy-MM-dd HH:mm:ss`` Beijing time.

=========================  ===========================================================
Pinduoduo field            hub
=========================  ===========================================================
``order_sn``               channel order number
``order_status``           1 待发货 / 2 已发货待签收 / 3 已签收, through ``STATUS_TABLE``
``refund_status``          1 none / 2 after-sale in progress / 3 refunding / 4 refunded
``confirm_status``         2 已取消 → cancelled; ``group_status`` 0 (拼团中) → not shippable
``pay_amount``             paid amount; ``goods_amount`` goods; ``postage`` shipping;
                           ``discount_amount`` discount
``pay_no``                 payment serial number
``created_time``           placed at; ``pay_time`` paid at (``confirm_time`` when absent);
                           ``updated_at`` the channel's modification time;
                           ``last_ship_time`` promised ship-by
``receiver_name``          receiver; ``receiver_phone`` is plain only while waiting to ship and
                           masked (``1387677****``) after: kept as given
``province/city/town``     province, city, district; ``receiver_address`` (else ``address``)
``item_list[]``            lines: ``goods_id``, ``sku_id``, ``outer_id``, ``goods_name``,
                           ``goods_price``, ``goods_count``
``tracking_number``        tracking number; ``logistics_id`` carrier
``buyer_memo``             buyer note
=========================  ===========================================================
"""
from __future__ import annotations

from typing import Any

from orders.state_machine import BEFORE_SHIPPING, Status

from channels import texts
from channels.adapters import fields as f
from channels.adapters.base import (
    Adapter,
    CanonicalLine,
    CanonicalOrder,
    apply_status,
    status_row,
)

# order_status (发货状态).
STATUS_TABLE = {
    "1": status_row(Status.PAID),  # 待发货
    "2": status_row(Status.IN_TRANSIT),  # 已发货待签收
    "3": status_row(Status.DELIVERED),  # 已签收
}
# refund_status (退款状态) → what it means for the order.
REFUND_NONE, REFUND_IN_PROGRESS, REFUND_DONE = "none", "in_progress", "refunded"
REFUND_TABLE = {"1": REFUND_NONE, "2": REFUND_IN_PROGRESS, "3": REFUND_IN_PROGRESS,
                "4": REFUND_DONE}
CONFIRM_CANCELLED = "2"  # confirm_status 2: 已取消
GROUP_FORMING = "0"  # group_status 0: 拼团中, cannot ship until the group forms


class PddAdapter(Adapter):
    platform = "pdd"
    platform_name = "Pinduoduo"
    documentation = (
        "https://open.pinduoduo.com/application/document/api?id=pdd.order.information.get",
        "https://open.pinduoduo.com/application/document/api?id=pdd.order.list.get",
    )
    STATUS_TABLE = STATUS_TABLE
    envelope_paths = (
        ("order_info_get_response", "order_info"),
        ("order_list_get_response", "order_list"),
    )
    order_keys = ("order_sn",)

    def to_canonical(self, raw: Any) -> CanonicalOrder:
        where = "order_info"
        number = f.id_str(f.required(raw, "order_sn", where), f"{where}.order_sn")
        status_code = f.text(f.required(raw, "order_status", where), f"{where}.order_status")
        refund_code = f.text(raw.get("refund_status"), f"{where}.refund_status") or "1"
        if refund_code not in REFUND_TABLE:
            raise f.FieldProblem(f"{where}.refund_status: unknown refund status '{refund_code}' "
                                 f"(known: {', '.join(REFUND_TABLE)})")
        items = raw.get("item_list")
        if not isinstance(items, list) or not items:
            raise f.FieldProblem(f"{where}.item_list: an order needs at least one item")
        order = CanonicalOrder(
            channel_order_no=number,
            channel_status=f"order_status={status_code} refund_status={refund_code}",
            status=Status.PENDING_PAYMENT,
            lines=[self._line(item, f"{where}.item_list[{i}]") for i, item in enumerate(items)],
            goods_amount=f.yuan(raw.get("goods_amount"), f"{where}.goods_amount"),
            shipping_amount=f.yuan(raw.get("postage"), f"{where}.postage", default=f.ZERO),
            discount_amount=f.yuan(raw.get("discount_amount"), f"{where}.discount_amount",
                                   default=f.ZERO),
            paid_amount=f.yuan(f.required(raw, "pay_amount", where), f"{where}.pay_amount"),
            payment_serial_no=f.text(raw.get("pay_no")),
            receiver={
                "name": f.text(raw.get("receiver_name")),
                "phone": f.text(raw.get("receiver_phone")),
                "province": f.text(raw.get("province")),
                "city": f.text(raw.get("city")),
                "district": f.text(raw.get("town")),
                "address": f.text(raw.get("receiver_address")) or f.text(raw.get("address")),
            },
            placed_at=f.beijing_time(raw.get("created_time"), f"{where}.created_time"),
            paid_at=f.beijing_time(raw.get("pay_time") or raw.get("confirm_time"),
                                   f"{where}.pay_time"),
            modified_at=f.beijing_time(raw.get("updated_at"), f"{where}.updated_at"),
            ship_by=f.beijing_time(raw.get("last_ship_time"), f"{where}.last_ship_time"),
            buyer_note=f.text(raw.get("buyer_memo")),
            tracking_no=f.text(raw.get("tracking_number")),
            carrier=f.text(raw.get("logistics_id")),
        )
        apply_status(order, self.map_status(status_code, f"{where}.order_status"))
        refund = REFUND_TABLE[refund_code]
        if f.text(raw.get("confirm_status")) == CONFIRM_CANCELLED:
            order.status = Status.CANCELLED
        elif refund == REFUND_DONE:
            order.status = Status.REFUNDED
        elif refund == REFUND_IN_PROGRESS and order.status in BEFORE_SHIPPING:
            order.hold_reason = texts.HOLD_REFUND_ASKED.encode(platform=self.platform_name)
            order.tags.append(("refund_requested", order.channel_status))
        if (f.text(raw.get("group_status")) == GROUP_FORMING
                and order.status in BEFORE_SHIPPING and not order.hold_reason):
            order.hold_reason = texts.HOLD_GROUP_FORMING.encode(platform=self.platform_name,
                                                                status=GROUP_FORMING)
        return order

    def channel_reports_shipped(self, channel_status: str) -> bool:
        # channel_status is "order_status=<code> refund_status=<code>" (see to_canonical).
        fields = dict(part.partition("=")[::2] for part in channel_status.split())
        return super().channel_reports_shipped(fields.get("order_status", ""))

    def _line(self, raw: Any, where: str) -> CanonicalLine:
        sku_id = f.text(raw.get("sku_id"), f"{where}.sku_id")
        return CanonicalLine(
            title=f.text(f.required(raw, "goods_name", where)),
            quantity=f.quantity(f.required(raw, "goods_count", where), f"{where}.goods_count"),
            unit_price=f.yuan(f.required(raw, "goods_price", where), f"{where}.goods_price"),
            channel_sku=sku_id or f.text(raw.get("goods_id"), f"{where}.goods_id"),
            outer_sku=f.text(raw.get("outer_id")) or f.text(raw.get("outer_goods_id")),
        )
