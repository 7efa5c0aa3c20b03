"""Douyin shop (抖店): ``order.logisticsAdd`` (订单发货), an order shipped with its carrier and
tracking number.

Follows the 抖店开放平台 documentation of the API (https://op.jinritemai.com/docs/api-docs,
物流发货API › /order/logisticsAdd) and of its calling protocol and signature (开发者指南, 签名算法):

- POST to ``https://openapi-fxg.jinritemai.com/order/logisticsAdd`` (the method's dots become
  the path) with the system parameters in the query string: ``app_key``, ``method``,
  ``access_token`` (the shop's authorisation), ``timestamp`` (``yyyy-MM-dd HH:mm:ss``, GMT+8),
  ``v=2``, ``sign_method=hmac-sha256`` and ``sign``; the body is ``param_json``, the business
  parameters as compact JSON with their keys sorted and every value a string: ``order_id``
  (the shop order), ``company_code`` (抖店's carrier code, ``order.logisticsCompanyList``) and
  ``logistics_code`` (the tracking number);
- ``sign`` = hex HMAC-SHA256, keyed with the app secret, of ``secret + "app_key" + app_key +
  "method" + method + "param_json" + param_json + "timestamp" + timestamp + "v" + v + secret``;
- every answer is the envelope ``{"code": 10000, "msg": "success", "sub_code": "", "sub_msg":
  "", "data": {…}, "log_id": "…"}``: ``code`` 10000 is success, 20000 the platform's own
  failure, 30001/30002 a refused authorisation or IP, 4xxxx/5xxxx a refused request whose
  ``sub_code``/``sub_msg`` say why.

Carrier codes: 抖店's ``company_code`` values (Kuaidi100-style names); any other through the
channel's API access (carrier codes).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

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
)

METHOD = "order.logisticsAdd"
VERSION = "2"
SUCCESS = 10000

CARRIER_CODES = {
    "SF": "shunfeng", "ZTO": "zhongtong", "YTO": "yuantong", "YUNDA": "yunda",
    "STO": "shentong", "JD": "jd", "EMS": "ems", "JTEXPRESS": "jtexpress",
    "BEST": "huitongkuaidi", "DEPPON": "debangkuaidi",
}
CODE_REASONS = {
    20000: Reason.PLATFORM_BUSY,  # 服务不可用
    30001: Reason.CREDENTIALS,  # 操作权限不足 (authorisation gone, app lacks the API)
    30002: Reason.CREDENTIALS,  # 请求来源IP不可信 (IP allow-list)
}


def param_json(business: dict[str, Any]) -> str:
    """The business parameters as 抖店 signs them: compact, keys sorted, nothing escaped."""
    return json.dumps(business, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def douyin_sign(*, app_key: str, secret: str, method: str, param_json: str, timestamp: str,
                v: str = VERSION) -> str:
    """抖店's hmac-sha256 signature (see the module doc)."""
    text = (f"{secret}app_key{app_key}method{method}param_json{param_json}"
            f"timestamp{timestamp}v{v}{secret}")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


class DouyinOutbound(OutboundAdapter):
    platform = "douyin"
    documentation = (
        "https://op.jinritemai.com/docs/api-docs (物流发货API: order.logisticsAdd)",
        "抖店开放平台 开发者指南: 签名算法 (system parameters, signature)",
    )
    default_base_url = "https://openapi-fxg.jinritemai.com"
    CARRIER_CODES = CARRIER_CODES

    def request(self, shipment: ShipConfirmation, *, access: ApiAccess, carrier_code: str,
                now: dt.datetime) -> HttpRequest:
        body = param_json({"order_id": shipment.channel_order_no, "company_code": carrier_code,
                           "logistics_code": shipment.tracking_no})
        timestamp = beijing_timestamp(now)
        query = {
            "app_key": access.app_key, "method": METHOD, "access_token": access.access_token,
            "timestamp": timestamp, "v": VERSION, "sign_method": "hmac-sha256",
            "sign": douyin_sign(app_key=access.app_key, secret=access.app_secret,
                                method=METHOD, param_json=body, timestamp=timestamp),
        }
        path = "/" + METHOD.replace(".", "/")
        return HttpRequest("POST", f"{self.base_url(access)}{path}?{urlencode(query)}",
                           {"Content-Type": "application/json;charset=utf-8"}, body.encode())

    def read_json(self, status: int, data: dict[str, Any], headers) -> Outcome:
        try:
            code = int(data.get("code"))
        except (TypeError, ValueError):
            return retry(Reason.BAD_ANSWER, detail="no numeric code in the envelope")
        if code == SUCCESS:
            return confirmed()
        sub_code = str(data.get("sub_code") or "")
        message = str(data.get("sub_msg") or data.get("msg") or "")
        shown_code = f"{code} {sub_code}".strip()
        if code in CODE_REASONS:
            return retry(CODE_REASONS[code], platform_code=shown_code, platform_message=message)
        return judge_words(sub_code, message, str(data.get("msg") or ""), code=shown_code,
                           message=message)
