"""JD (京东) POP shops: the JOS order structure.

Follows the JD Open Service (JOS) documentation of ``jingdong.pop.order.search`` and
``jingdong.pop.order.get`` (https://jos.jd.com/apilist?apiGroupId=55): the response
``jingdong_pop_order_search_responce.searchorderinfo_result.orderInfoList[]`` (JOS spells
"responce" so) or ``jingdong_pop_order_get_responce.orderDetailInfo.orderInfo``, and the
OrderSearchInfo structure:

========================  ===========================================================
JOS field                 hub
========================  ===========================================================
``orderId``               channel order number (a Long: read as string)
``orderState``            status, through ``STATUS_TABLE``; kept as channel status
``orderTotalPrice``       goods amount (yuan, decimal string)
``orderSellerPrice``      (goods after seller discounts; not stored)
``orderPayment``          paid amount; ``freightPrice`` shipping; ``sellerDiscount`` discount
``orderStartTime``        placed at; ``paymentConfirmTime`` paid at; ``modified`` the
                          channel's modification time (``yyyy-MM-dd HH:mm:ss`` Beijing time)
``consigneeInfo``         receiver: ``fullname``, ``mobile`` (else ``telephone``),
                          ``province``, ``city``, ``county``, ``fullAddress``; masked or
                          encrypted values are kept as given
``itemInfoList[]``        lines: ``skuId``, ``outerSkuId``, ``skuName``, ``jdPrice``,
                          ``itemTotal`` (quantity)
``waybill``               tracking number; ``logisticsId`` carrier
``open_id_buyer``/``pin`` buyer identity
``orderRemark``           buyer note
========================  ===========================================================
"""
from __future__ import annotations

from typing import Any

from orders.state_machine import Status

from channels.adapters import fields as f
from channels.adapters.base import (
    Adapter,
    CanonicalLine,
    CanonicalOrder,
    apply_status,
    status_row,
)
from channels.models import CustomerIdentity
from channels import texts

STATUS_TABLE = {
    "WAIT_SELLER_STOCK_OUT": status_row(Status.PAID),  # 等待出库
    "WAIT_SELLER_DELIVERY": status_row(Status.PAID),  # 等待发货 (cross-border: domestic leg)
    "WAIT_SEND_CODE": status_row(Status.PAID),  # 等待发码 (e-vouchers)
    # 暂停 / 已锁定: JD stops the order (e.g. the buyer asked to cancel); it must not ship.
    "PAUSE": status_row(Status.PAID, hold=texts.HOLD_PAUSED.encode(platform="JD", status="PAUSE")),
    "POP_ORDER_PAUSE": status_row(Status.PAID, hold=texts.HOLD_PAUSED.encode(
        platform="JD", status="POP_ORDER_PAUSE")),
    "LOCKED": status_row(Status.PAID, hold=texts.HOLD_LOCKED_CANCEL.encode(
        platform="JD", status="LOCKED")),
    "WAIT_GOODS_RECEIVE_CONFIRM": status_row(Status.IN_TRANSIT),  # 等待确认收货
    "FINISHED_L": status_row(Status.DELIVERED),  # 完成
    "TRADE_CANCELED": status_row(Status.CANCELLED),  # 取消
}


class JdAdapter(Adapter):
    platform = "jd"
    platform_name = "JD"
    documentation = (
        "https://jos.jd.com/apilist?apiGroupId=55 (jingdong.pop.order.search, "
        "jingdong.pop.order.get)",
    )
    STATUS_TABLE = STATUS_TABLE
    envelope_paths = (
        ("jingdong_pop_order_search_responce", "searchorderinfo_result", "orderInfoList"),
        ("jingdong_pop_order_get_responce", "orderDetailInfo", "orderInfo"),
        ("searchorderinfo_result", "orderInfoList"),
    )
    order_keys = ("orderId",)

    def to_canonical(self, raw: Any) -> CanonicalOrder:
        where = "orderInfo"
        number = f.id_str(f.required(raw, "orderId", where), f"{where}.orderId")
        code = f.text(f.required(raw, "orderState", where))
        items = raw.get("itemInfoList")
        if not isinstance(items, list) or not items:
            raise f.FieldProblem(f"{where}.itemInfoList: an order needs at least one item")
        consignee = f.get(raw, "consigneeInfo", where) or {}
        if not isinstance(consignee, dict):
            raise f.FieldProblem(f"{where}.consigneeInfo: expected an object")
        order = CanonicalOrder(
            channel_order_no=number,
            channel_status=code,
            status=Status.PENDING_PAYMENT,
            lines=[self._line(item, f"{where}.itemInfoList[{i}]") for i, item in
                   enumerate(items)],
            goods_amount=f.yuan(raw.get("orderTotalPrice"), f"{where}.orderTotalPrice"),
            shipping_amount=f.yuan(raw.get("freightPrice"), f"{where}.freightPrice",
                                   default=f.ZERO),
            discount_amount=f.yuan(raw.get("sellerDiscount"), f"{where}.sellerDiscount",
                                   default=f.ZERO),
            paid_amount=f.yuan(f.required(raw, "orderPayment", where), f"{where}.orderPayment"),
            receiver={
                "name": f.text(consignee.get("fullname")),
                "phone": f.text(consignee.get("mobile")) or f.text(consignee.get("telephone")),
                "province": f.text(consignee.get("province")),
                "city": f.text(consignee.get("city")),
                "district": f.text(consignee.get("county")),
                "address": f.text(consignee.get("fullAddress")),
            },
            placed_at=f.beijing_time(raw.get("orderStartTime"), f"{where}.orderStartTime"),
            paid_at=f.beijing_time(raw.get("paymentConfirmTime"), f"{where}.paymentConfirmTime"),
            modified_at=f.beijing_time(raw.get("modified"), f"{where}.modified"),
            buyer_note=f.text(raw.get("orderRemark")),
            tracking_no=f.text(raw.get("waybill")),
            carrier=f.text(raw.get("logisticsId")),
        )
        buyer = f.text(raw.get("open_id_buyer")) or f.text(raw.get("pin"))
        if buyer:
            order.buyer_ids.append((CustomerIdentity.Kind.JD_OPEN_ID, buyer))
        apply_status(order, self.map_status(code, f"{where}.orderState"))
        return order

    def _line(self, raw: Any, where: str) -> CanonicalLine:
        return CanonicalLine(
            title=f.text(f.required(raw, "skuName", where)),
            quantity=f.quantity(f.required(raw, "itemTotal", where), f"{where}.itemTotal"),
            unit_price=f.yuan(f.required(raw, "jdPrice", where), f"{where}.jdPrice"),
            channel_sku=f.id_str(f.required(raw, "skuId", where), f"{where}.skuId"),
            outer_sku=f.text(raw.get("outerSkuId")),
        )
