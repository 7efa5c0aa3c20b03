"""Platform after-sales payloads written for the tests from each platform's documentation
(field names, units and envelopes as documented; the values are invented)."""
from __future__ import annotations

import json
from typing import Any


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def top_refund(**over) -> dict:
    """A TOP ``Refund`` (taobao.refund.get / taobao.refunds.receive.get): yuan strings, Beijing
    time, the buyer's words in ``desc``."""
    return {
        "refund_id": "2188455637712345", "tid": "3957214470011234", "oid": "3957214470011235",
        "status": "WAIT_SELLER_AGREE", "refund_fee": "199.00", "total_fee": "199.00",
        "payment": "199.00", "has_good_return": False, "good_status": "BUYER_NOT_RECEIVED",
        "reason": "不想要了", "desc": "拍错颜色了，不想要了", "created": "2026-01-28 10:15:02",
        "modified": "2026-01-28 10:15:02", "title": "纯棉短袖T恤 白色 L", "num": 1,
        "outer_id": "TS-WHITE-L", "sku": "4401233|颜色分类:白色;尺码:L",
        "refund_phase": "onsale", "buyer_nick": "t**1",
        "refund_remind_timeout": {"remind_type": 1, "exist_timeout": True,
                                  "timeout": "2026-01-30 10:15:02"},
        **over,
    }


def top_refund_get(refund: dict) -> dict:
    return {"refund_get_response": {"refund": refund, "request_id": "15rdd7mwajp0y"}}


def top_refunds_receive(*refunds: dict) -> dict:
    return {"refunds_receive_get_response": {
        "refunds": {"refund": list(refunds)}, "total_results": len(refunds), "has_next": False}}


def pdd_information(**over) -> dict:
    """``pdd.refund.information.get``: refund_amount in fen."""
    return {"refund_information_get_response": {
        "id": 5480012345, "order_sn": "260128-093355512345678", "after_sales_type": 2,
        "after_sales_status": 3, "after_sales_reason": "质量问题", "refund_amount": 5980,
        "order_amount": 5980, "goods_number": 1, "goods_price": 5980, "discount_amount": 0,
        "recreated_at": "2026-01-28 11:00:00", "expire_time": "2026-01-30 11:00:00",
        "shipping_status": 1, "express_no": "", "confirm_time": "2026-01-27 20:00:00",
        "speed_refund_flag": 0, **over}}


def pdd_increment(*items: dict) -> dict:
    """``pdd.refund.list.increment.get``: refund_amount in yuan strings."""
    return {"refund_increment_get_response": {"total_count": len(items),
                                              "refund_list": list(items)}}


def pdd_increment_item(**over) -> dict:
    return {"id": "5480012399", "order_sn": "260128-093355599999999", "after_sales_type": 1,
            "after_sales_status": 2, "after_sale_reason": "少件/漏发", "refund_amount": "29.90",
            "order_amount": "59.80", "discount_amount": "0.00", "goods_id": "1234567",
            "goods_name": "洗碗海绵 10 片装", "goods_number": "1", "goods_price": "29.90",
            "sku_id": "88776655", "outer_id": "SPONGE-10", "outer_goods_id": "SPONGE",
            "created_time": "2026-01-28 12:30:00", "updated_time": "2026-01-28 12:30:00",
            "confirm_time": "2026-01-27 09:00:00", "tracking_number": "",
            "speed_refund_status": "0", "speed_refund_flag": 0, "good_image": "", **over}


def douyin_detail(**info_over) -> dict:
    """抖店 ``afterSale.Detail``: fen, Unix seconds, the buyer's words in reason_remark."""
    return {"code": 10000, "msg": "success", "log_id": "2026012812000001", "data": {
        "process_info": {
            "after_sale_info": {
                "after_sale_id": 7001234567890123456, "after_sale_status": 6,
                "after_sale_type": 0, "refund_amount": 12900, "apply_time": 1769580000,
                "status_deadline": 1769752800, "reason": "商品破损/少件",
                "reason_remark": "收到的时候杯子碎了，外包装压坏了",
                "return_logistics_code": "", "return_logistics_company_name": "",
                **info_over},
            "order_info": {"shop_order_id": "6918231234567890123", "related_order_info": [
                {"sku_order_id": "6918231234567890124", "product_name": "玻璃水杯 400ml",
                 "item_quantity": 1, "shop_sku_code": "CUP-400", "sku_id": 1789}]},
        }}}


def jd_view(**over) -> dict:
    """JOS ``jingdong.asc.query.view``: milliseconds, the buyer's words in questionDesc."""
    return {"jingdong_asc_query_view_responce": {"code": "0", "result": {
        "success": True, "errorCode": None, "errorMsg": None, "data": {
            "serviceId": 1600012345, "orderId": 300123456789, "customerExpect": 20,
            "serviceStatus": 10001, "questionDesc": "发错了，我买的是黑色，收到的是白色",
            "applyTime": 1769572800000, "wareId": 100012345678, "wareName": "运动鞋 黑色 42",
            "serviceCount": 1, "expressCode": "", "expressCompany": "", **over}}}}
