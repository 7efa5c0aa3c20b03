"""JD (京东) POP shops: ``jingdong.pop.order.shipment`` (SOP 出库发货), the POP order handed to a
courier with its logistics company and waybill.

Follows the JD Open Service (JOS) documentation of the API
(https://open.jd.com/home/home#/doc/api?apiCateId=55&apiId=1948&apiName=jingdong.pop.order.shipment)
and of JOS's calling protocol and signature (JOS developer guide, "API调用说明" and "签名算法"):

- POST ``application/x-www-form-urlencoded`` to ``https://api.jd.com/routerjson`` with the
  system parameters ``method``, ``app_key``, ``access_token`` (the shop's authorisation),
  ``timestamp`` (``yyyy-MM-dd HH:mm:ss``, Beijing time), ``format=json``, ``v=2.0``,
  ``sign_method=md5``, and the business parameters as one JSON object in
  ``360buy_param_json``: ``orderId`` (a Long), ``logiCoprId`` (JD's logistics company id, from
  the shop's own carriers) and ``logiNo`` (the waybill);
- ``sign`` = upper-case hex MD5 of ``appSecret + k1v1k2v2… + appSecret`` over every parameter
  but ``sign``, sorted by name;
- success: ``{"jingdong_pop_order_shipment_responce": {"code": "0", "sopjosshipment_result":
  {"success": true, "chineseErrCode": "成功", "englishErrCode": "success", "errorCode": ""}}}``
  (JOS spells "responce" so); a business refusal has ``"success": false`` and its reason in
  ``chineseErrCode``/``englishErrCode``;
- platform error: ``{"error_response": {"code": "19", "zh_desc": "…", "en_desc": "…"}}``.

Carrier ids: JD's logistics company ids (the shop's list in 京麦 / ``jingdong.ware.logistics…``);
the common ones below, any other through the channel's API access (carrier codes).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from channels.outbound.base import (
    ApiAccess,
    HttpRequest,
    OutboundAdapter,
    Outcome,
    Reason,
    ShipConfirmation,
    beijing_timestamp,
    confirmed,
    judge_words,
    retry,
    signed_form_post,
)

METHOD = "jingdong.pop.order.shipment"
SUCCESS_KEY = "jingdong_pop_order_shipment_responce"

CARRIER_CODES = {
    "SF": "467", "ZTO": "1499", "YTO": "463", "YUNDA": "1327", "STO": "470", "EMS": "465",
    "JD": "2087", "DEPPON": "3046",
}



class JdOutbound(OutboundAdapter):
    platform = "jd"
    documentation = (
        "https://open.jd.com/home/home#/doc/api?apiCateId=55&apiId=1948"
        "&apiName=jingdong.pop.order.shipment",
        "JOS developer guide: API调用说明, 签名算法 (system parameters, signature)",
    )
    default_base_url = "https://api.jd.com/routerjson"
    CARRIER_CODES = CARRIER_CODES

    def request(self, shipment: ShipConfirmation, *, access: ApiAccess, carrier_code: str,
                now: dt.datetime) -> HttpRequest:
        order_id: int | str = shipment.channel_order_no
        if order_id.isascii() and order_id.isdigit():
            order_id = int(order_id)  # orderId is a Long
        business = {"orderId": order_id, "logiCoprId": carrier_code,
                    "logiNo": shipment.tracking_no}
        params = {
            "method": METHOD, "app_key": access.app_key, "access_token": access.access_token,
            "timestamp": beijing_timestamp(now), "format": "json", "v": "2.0",
            "sign_method": "md5",
            "360buy_param_json": json.dumps(business, ensure_ascii=False, separators=(",", ":")),
        }
        return signed_form_post(self.base_url(access), params, access.app_secret)

    def read_json(self, status: int, data: dict[str, Any], headers) -> Outcome:
        error = data.get("error_response")
        if isinstance(error, dict):
            code = str(error.get("code", ""))
            message = str(error.get("zh_desc") or error.get("en_desc") or "")
            return judge_words(message, str(error.get("en_desc") or ""), code=code,
                               message=message)
        result = (data.get(SUCCESS_KEY) or {}).get("sopjosshipment_result")
        if not isinstance(result, dict):
            return retry(Reason.BAD_ANSWER, detail=f"no {SUCCESS_KEY}.sopjosshipment_result")
        if result.get("success") is True or str(result.get("success")).lower() == "true":
            return confirmed()
        message = str(result.get("chineseErrCode") or result.get("englishErrCode") or "")
        return judge_words(message, str(result.get("englishErrCode") or ""),
                           code=str(result.get("errorCode") or ""), message=message)
