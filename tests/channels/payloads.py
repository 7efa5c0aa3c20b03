"""Payloads written from each platform's documentation (field names, units, envelopes).

Each builder returns the JSON text exactly as the platform sends it, so that ids beyond 2^53
appear as bare JSON numbers where the platform sends numbers.
"""
from __future__ import annotations

import copy
import json
from typing import Any


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


# --- Taobao / Tmall: taobao.trade.fullinfo.get ------------------------------------------------
def top_trade(**overrides) -> dict:
    trade = {
        "tid": 3842719048812345678,
        "tid_str": "3842719048812345678",
        "status": "WAIT_SELLER_SEND_GOODS",
        "type": "fixed",
        "created": "2026-01-28 09:15:02",
        "pay_time": "2026-01-28 09:16:40",
        "modified": "2026-01-28 09:16:41",
        "total_fee": "398.00",
        "post_fee": "10.00",
        "discount_fee": "20.00",
        "payment": "388.00",
        "alipay_no": "2026012822001156781234567890",
        "buyer_open_uid": "AAHk5d-EAAeGwJedwSHpg8bT",
        "buyer_message": "请尽快发货",
        "receiver_name": "张*",
        "receiver_state": "浙江省",
        "receiver_city": "杭州市",
        "receiver_district": "西湖区",
        "receiver_address": "文三路**号",
        "receiver_mobile": "138****5621",
        "orders": {"order": [
            {"oid": 3842719048812345679, "oid_str": "3842719048812345679",
             "num_iid": 689012345678, "sku_id": "5012345678901", "outer_sku_id": "MB-C200",
             "title": "奔驰C200 车模 1:18", "price": "199.00", "num": 2,
             "total_fee": "398.00", "refund_status": "NO_REFUND",
             "status": "WAIT_SELLER_SEND_GOODS"},
        ]},
    }
    trade.update(overrides)
    return trade


def top_fullinfo_response(**overrides) -> dict:
    return {"trade_fullinfo_get_response": {"trade": top_trade(**overrides),
                                            "request_id": "16ovhlc4ke1qm"}}


def top_sold_response(*trades: dict) -> dict:
    return {"trades_sold_get_response": {"total_results": len(trades), "has_next": False,
                                         "trades": {"trade": list(trades)}}}


# --- JD: jingdong.pop.order.search -----------------------------------------------------------
def jd_order(**overrides) -> dict:
    order = {
        "orderId": "300123456789",
        "venderId": "10086",
        "orderType": "22",
        "payType": "4-在线支付",
        "orderTotalPrice": "299.00",
        "orderSellerPrice": "289.00",
        "orderPayment": "289.00",
        "freightPrice": "0.00",
        "sellerDiscount": "10.00",
        "orderState": "WAIT_SELLER_STOCK_OUT",
        "orderStateRemark": "等待出库",
        "orderRemark": "",
        "orderStartTime": "2026-01-28 10:00:00",
        "paymentConfirmTime": "2026-01-28 10:00:30",
        "modified": "2026-01-28 10:00:31",
        "open_id_buyer": "o-jd-buyer-8812",
        "consigneeInfo": {"fullname": "李*", "mobile": "139****0001", "telephone": "",
                          "province": "北京", "city": "北京市", "county": "朝阳区",
                          "fullAddress": "北京朝阳区建国路**号"},
        "itemInfoList": [
            {"skuId": "100012345678", "outerSkuId": "SKU-TEE-WHITE-L", "skuName": "纯棉T恤 白 L",
             "jdPrice": "99.00", "itemTotal": "1", "wareId": "10001234"},
            {"skuId": "100012345679", "outerSkuId": "", "skuName": "运动短裤 黑 M",
             "jdPrice": "200.00", "itemTotal": "1", "wareId": "10001235"},
        ],
        "waybill": "",
        "logisticsId": "",
    }
    order.update(overrides)
    return order


def jd_search_response(*orders: dict) -> dict:
    return {"jingdong_pop_order_search_responce": {"code": "0", "searchorderinfo_result": {
        "apiResult": {"success": True, "englishErrCode": "", "chineseErrCode": ""},
        "orderInfoList": list(orders), "orderTotal": len(orders)}}}


# --- Pinduoduo: pdd.order.information.get ----------------------------------------------------
def pdd_order(**overrides) -> dict:
    order = {
        "order_sn": "260128-123456789012345",
        "order_status": 1,
        "refund_status": 1,
        "confirm_status": 1,
        "group_status": 1,
        "pay_amount": 59.8,
        "goods_amount": 69.8,
        "discount_amount": 10,
        "postage": 0,
        "pay_no": "4200002026012812345678",
        "created_time": "2026-01-28 11:00:00",
        "pay_time": "2026-01-28 11:00:05",
        "confirm_time": "2026-01-28 11:00:05",
        "updated_at": "2026-01-28 11:00:06",
        "last_ship_time": "2026-01-30 11:00:05",
        "receiver_name": "王五",
        "receiver_phone": "13700137000",
        "province": "广东省",
        "city": "深圳市",
        "town": "南山区",
        "address": "广东省深圳市南山区科技园1号",
        "receiver_address": "科技园1号",
        "buyer_memo": "",
        "tracking_number": "",
        "item_list": [
            {"goods_id": 123456789, "sku_id": 987654321, "outer_id": "SKU-SOCK-5",
             "outer_goods_id": "SOCK", "goods_name": "棉袜 5双装", "goods_price": 34.9,
             "goods_spec": "白色", "goods_count": 2},
        ],
    }
    order.update(overrides)
    return order


def pdd_response(order: dict) -> dict:
    return {"order_info_get_response": {"order_info": order, "request_id": "1578"}}


# --- 抖店: order.orderDetail ------------------------------------------------------------------
def douyin_order(**overrides) -> dict:
    order = {
        "order_id": "6918231234567890123",
        "order_status": 105,
        "order_status_desc": "已支付",
        "order_amount": 13800,
        "pay_amount": 12900,
        "post_amount": 800,
        "promotion_amount": 900,
        "channel_payment_no": "TP2026012812345678",
        "create_time": 1769569200,
        "pay_time": 1769569260,
        "update_time": 1769569261,
        "exp_ship_time": 1769742060,
        "doudian_open_id": "1@#abcDEFghiJKL==",
        "buyer_words": "",
        "post_receiver": "赵*",
        "post_tel": "#1234#encryptedtelephonecipherthatislongerthan32chars#*",
        "mask_post_tel": "186****7777",
        "post_addr": {"province": {"name": "四川省", "id": "51"},
                      "city": {"name": "成都市", "id": "5101"},
                      "town": {"name": "武侯区", "id": "510107"},
                      "street": {"name": "玉林街道", "id": "510107001"},
                      "detail": "玉林路**号"},
        "logistics_info": [],
        "sku_order_list": [
            {"order_id": "6918231234567890124", "parent_order_id": "6918231234567890123",
             "product_id": 3561234567890123456, "sku_id": 1741234567890123456,
             "product_name": "保温杯 500ml", "out_sku_id": "CUP-500", "code": "CUP-500",
             "item_num": 2, "origin_amount": 6500, "sum_amount": 13000, "pay_amount": 12100,
             "after_sale_info": {"after_sale_status": 0, "refund_status": 0}},
        ],
    }
    order.update(overrides)
    return order


def douyin_detail_response(order: dict) -> dict:
    return {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "",
            "log_id": "2026012812000001", "data": {"shop_order_detail": order}}


# --- Shopify: orders/create webhook -----------------------------------------------------------
SHOPIFY_ORDER_ID = "5820982911946154508"  # beyond 2^53: a float would end ...4500


def shopify_order(**overrides) -> str:
    """The webhook body as text, with the 19-digit ids as bare JSON numbers."""
    order = {
        "id": "__ORDER_ID__",
        "name": "#1001",
        "order_number": 1001,
        "email": "jane@example.com",
        "created_at": "2026-01-27T20:15:47-05:00",
        "updated_at": "2026-01-27T20:16:02-05:00",
        "processed_at": "2026-01-27T20:15:47-05:00",
        "currency": "USD",
        "financial_status": "paid",
        "fulfillment_status": None,
        "cancelled_at": None,
        "test": False,
        "total_line_items_price": "398.00",
        "total_discounts": "10.00",
        "total_price": "405.50",
        "total_tax": "7.50",
        "total_shipping_price_set": {"shop_money": {"amount": "10.00", "currency_code": "USD"},
                                     "presentment_money": {"amount": "10.00",
                                                           "currency_code": "USD"}},
        "note": "Gift wrap please",
        "customer": {"id": "__CUSTOMER_ID__", "email": "jane@example.com", "phone": None},
        "client_details": {"browser_ip": "203.0.113.9", "user_agent": "Mozilla/5.0"},
        "shipping_address": {"first_name": "Jane", "last_name": "Doe", "name": "Jane Doe",
                             "address1": "1 Main St", "address2": "Apt 2", "city": "Ottawa",
                             "province": "Ontario", "country_code": "CA", "zip": "K2P 1L4",
                             "phone": "+1 613-555-0100"},
        "line_items": [
            {"id": "__LINE_ID__", "variant_id": "__VARIANT_ID__", "product_id": 7513594,
             "sku": "MB-C200", "title": "Mercedes-Benz C200 model", "variant_title": "1:18",
             "quantity": 2, "price": "199.00", "total_discount": "0.00"},
        ],
        "fulfillments": [],
    }
    order.update(overrides)
    text = json.dumps(order, ensure_ascii=False)
    for marker, number in (("__ORDER_ID__", SHOPIFY_ORDER_ID),
                           ("__CUSTOMER_ID__", "7207191167038492123"),
                           ("__LINE_ID__", "1466157049301236789"),
                           ("__VARIANT_ID__", "4470921592861234567")):
        text = text.replace(f'"{marker}"', number)
    return text


# --- mini-program (ours) ----------------------------------------------------------------------
def miniprogram_order(**overrides) -> dict:
    order = {
        "order_no": "MP2026012800001",
        "status": "paid",
        "created_at": "2026-01-28T12:00:00+08:00",
        "paid_at": "2026-01-28T12:00:20+08:00",
        "updated_at": "2026-01-28T12:00:21+08:00",
        "transaction_id": "4200001234202601281234567890",
        "amounts": {"goods": "128.00", "shipping": "0.00", "discount": "8.00", "paid": "120.00"},
        "buyer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "unionid": "",
                  "phone": "13800138000", "device_id": "dev-77aa"},
        "receiver": {"name": "陈六", "phone": "13800138000", "province": "上海市",
                     "city": "上海市", "district": "浦东新区", "address": "世纪大道100号"},
        "lines": [{"sku": "MP-TEA-01", "title": "龙井茶 250g", "quantity": 1,
                   "unit_price": "128.00"}],
        "note": "",
    }
    order.update(copy.deepcopy(overrides))
    return order


# --- POS spreadsheet ------------------------------------------------------------------------
POS_HEADER = "订单号,门店,下单时间,状态,会员号,会员手机,商品编码,商品名称,数量,单价,实收金额\n"


def pos_csv(*rows: str) -> bytes:
    return (POS_HEADER + "".join(row + "\n" for row in rows)).encode("utf-8-sig")
