"""Douyin shop (抖店): the shop order of ``order.orderDetail``.

Follows the 抖店开放平台 documentation of ``order.orderDetail`` (response
``data.shop_order_detail``) and ``order.searchList`` (response ``data.shop_order_list[]``),
https://op.jinritemai.com/docs/api-docs/15/1343. Amounts are in **fen** (whole numbers), times
in **Unix seconds**, order ids are 19-digit strings.

===========================  =========================================================
抖店 field                    hub
===========================  =========================================================
``order_id``                 channel order number (the shop order, 店铺单)
``order_status``             1 待支付 / 105 已支付 / 2 备货中 / 101 部分发货 / 3 已发货 /
                             4 已取消 / 5 已完成, through ``STATUS_TABLE``
``order_amount``             goods amount + shipping (fen); ``pay_amount`` paid;
                             ``post_amount`` shipping; ``promotion_amount`` discount
``channel_payment_no``       payment serial number
``create_time``/``pay_time`` placed at / paid at; ``update_time`` the channel's modification
                             time; ``exp_ship_time`` promised ship-by
``post_receiver``            receiver name; ``post_tel`` (else ``mask_post_tel``) phone, kept
                             as given when masked or encrypted
``post_addr``                ``province.name``, ``city.name``, ``town.name``,
                             ``street.name`` + ``detail``
``doudian_open_id``          buyer identity
``sku_order_list[]``         lines: ``sku_id``, ``out_sku_id`` (else ``code``),
                             ``product_name``, ``item_num``, ``origin_amount`` (unit, fen),
                             ``sum_amount``, ``after_sale_info.refund_status``
``logistics_info[0]``        ``tracking_no``, ``company``
``buyer_words``              buyer note
===========================  =========================================================
"""
from __future__ import annotations

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

STATUS_TABLE = {
    "1": status_row(Status.PENDING_PAYMENT),  # 待确认/待支付
    "105": status_row(Status.PAID),  # 已支付
    "2": status_row(Status.PAID),  # 备货中: paid, the seller prepares the goods
    "101": status_row(Status.PAID, tag="partially_shipped"),  # 部分发货: the rest still to ship
    "3": status_row(Status.IN_TRANSIT),  # 已发货
    "4": status_row(Status.CANCELLED),  # 已取消
    "5": status_row(Status.DELIVERED),  # 已完成
}
# after_sale_info.refund_status of a sku order: 1 待退款, 3 退款成功, 4 退款失败.
LINE_REFUND_TABLE = {"0": "", "1": REFUND_REQUESTED, "3": REFUNDED, "4": ""}


class DouyinAdapter(Adapter):
    platform = "douyin"
    platform_name = "Douyin"
    documentation = (
        "https://op.jinritemai.com/docs/api-docs/15/1343 (order.orderDetail)",
        "https://op.jinritemai.com/docs/api-docs/15/1342 (order.searchList)",
    )
    STATUS_TABLE = STATUS_TABLE
    envelope_paths = (
        ("data", "shop_order_detail"),
        ("data", "shop_order_list"),
        ("shop_order_detail",),
    )
    order_keys = ("order_id",)

    def to_canonical(self, raw: Any) -> CanonicalOrder:
        where = "shop_order_detail"
        number = f.id_str(f.required(raw, "order_id", where), f"{where}.order_id")
        code = f.text(f.required(raw, "order_status", where), f"{where}.order_status")
        skus = raw.get("sku_order_list")
        if not isinstance(skus, list) or not skus:
            raise f.FieldProblem(f"{where}.sku_order_list: an order needs at least one sku order")
        address = f.get(raw, "post_addr", where) or {}
        logistics = raw.get("logistics_info") or [{}]
        parcel = logistics[0] if isinstance(logistics, list) and logistics else {}
        shipping = f.fen(raw.get("post_amount"), f"{where}.post_amount", default=f.ZERO)
        order_amount = f.fen(raw.get("order_amount"), f"{where}.order_amount")
        order = CanonicalOrder(
            channel_order_no=number,
            channel_status=code,
            status=Status.PENDING_PAYMENT,
            lines=[self._line(sku, f"{where}.sku_order_list[{i}]") for i, sku in
                   enumerate(skus)],
            # order_amount includes the shipping fee; the hub keeps them apart.
            goods_amount=order_amount - shipping if order_amount is not None else None,
            shipping_amount=shipping,
            discount_amount=f.fen(raw.get("promotion_amount"), f"{where}.promotion_amount",
                                  default=f.ZERO),
            paid_amount=f.fen(f.required(raw, "pay_amount", where), f"{where}.pay_amount"),
            payment_serial_no=f.text(raw.get("channel_payment_no")),
            receiver={
                "name": f.text(raw.get("post_receiver")) or f.text(raw.get("mask_post_receiver")),
                "phone": self._phone(raw),
                "province": _area(address, "province", where),
                "city": _area(address, "city", where),
                "district": _area(address, "town", where),
                "address": " ".join(filter(None, [
                    _area(address, "street", where), f.text(f.get(address, "detail", where)),
                ])),
            },
            placed_at=f.unix_seconds(raw.get("create_time"), f"{where}.create_time"),
            paid_at=f.unix_seconds(raw.get("pay_time"), f"{where}.pay_time"),
            modified_at=f.unix_seconds(raw.get("update_time"), f"{where}.update_time"),
            ship_by=f.unix_seconds(raw.get("exp_ship_time"), f"{where}.exp_ship_time"),
            buyer_note=f.text(raw.get("buyer_words")),
            tracking_no=f.text(f.get(parcel, "tracking_no", f"{where}.logistics_info[0]")),
            carrier=f.text(f.get(parcel, "company", f"{where}.logistics_info[0]")),
        )
        open_id = f.text(raw.get("doudian_open_id"))
        if open_id:
            order.buyer_ids.append((CustomerIdentity.Kind.DOUYIN_OPEN_ID, open_id))
        apply_status(order, self.map_status(code, f"{where}.order_status"))
        apply_line_refunds(order, self.platform_name)
        return order

    @staticmethod
    def _phone(raw: Any) -> str:
        phone = f.text(raw.get("post_tel"))
        # An encrypted post_tel does not fit a phone column; the masked one is what staff see.
        if not phone or len(phone) > 32:
            phone = f.text(raw.get("mask_post_tel")) or phone
        return phone

    def _line(self, raw: Any, where: str) -> CanonicalLine:
        after_sale = f.get(raw, "after_sale_info", where) or {}
        refund_code = f.text(f.get(after_sale, "refund_status", f"{where}.after_sale_info")) or "0"
        quantity = f.quantity(f.required(raw, "item_num", where), f"{where}.item_num")
        return CanonicalLine(
            title=f.text(f.required(raw, "product_name", where)),
            quantity=quantity,
            unit_price=f.fen(f.required(raw, "origin_amount", where), f"{where}.origin_amount"),
            amount=f.fen(raw.get("sum_amount"), f"{where}.sum_amount"),
            channel_sku=f.id_str(f.required(raw, "sku_id", where), f"{where}.sku_id"),
            outer_sku=f.text(raw.get("out_sku_id")) or f.text(raw.get("code")),
            refund=LINE_REFUND_TABLE.get(refund_code, ""),
        )


def _area(address: Any, key: str, where: str) -> str:
    part = f.get(address, key, f"{where}.post_addr")
    if isinstance(part, dict):
        return f.text(part.get("name"))
    return f.text(part, f"{where}.post_addr.{key}")
