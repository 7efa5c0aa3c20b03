"""Taobao and Tmall: ``taobao.logistics.offline.send`` (自己联系物流发货), the shipment the seller
sends with a courier of their own choosing.

Follows the Taobao Open Platform (TOP) documentation of the API
(https://open.taobao.com/api.htm?docId=10687&docType=2) and of its calling protocol and
signature (https://open.taobao.com/doc.htm?docId=101617&docType=1):

- POST ``application/x-www-form-urlencoded`` to the gateway (``https://eco.taobao.com/router/rest``)
  with the system parameters ``method``, ``app_key``, ``session`` (the shop's authorisation),
  ``timestamp`` (``yyyy-MM-dd HH:mm:ss``, GMT+8, at most 10 minutes off), ``format=json``,
  ``v=2.0``, ``sign_method=md5`` and the business parameters ``tid`` (the trade), ``out_sid``
  (the tracking number) and ``company_code`` (TOP's code of the carrier);
- ``sign`` = upper-case hex MD5 of ``secret + k1v1k2v2… + secret`` over every parameter but
  ``sign``, sorted by name, empty ones left out;
- success: ``{"logistics_offline_send_response": {"shipping": {"is_success": true}}}``;
- error: ``{"error_response": {"code": 15, "msg": "Remote service error", "sub_code":
  "isv.…", "sub_msg": "…", "request_id": "…"}}``: ``isp.*`` sub codes are the platform's own
  failures (retried), ``isv.*`` the caller's (the request is refused as it stands), and the top
  codes for call limits and sessions are read from the table below.

Carrier codes: TOP's logistics company codes (``taobao.logistics.companies.get``; the same
codes Alibaba documents for its Cainiao-based services, e.g.
https://help.aliyun.com/zh/linkedmall/user-guide/sub-order-logistics-status-change-message).
A shop whose account uses another code sets it in the channel's API access (carrier codes).
"""
from __future__ import annotations

import datetime as dt
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
    refused,
    retry,
    signed_form_post,
)

METHOD = "taobao.logistics.offline.send"
SUCCESS_KEY = "logistics_offline_send_response"

CARRIER_CODES = {
    "SF": "SF", "ZTO": "ZTO", "YTO": "YTO", "YUNDA": "YUNDA", "STO": "STO", "EMS": "EMS",
    "JD": "JDLEx", "JTEXPRESS": "JT", "BEST": "HTKY", "DEPPON": "DBKD",
}

# TOP's platform-level error codes (TOP documentation, 平台错误码 / error codes).
CODE_REASONS = {
    "7": Reason.RATE_LIMITED,  # App Call Limited
    "10": Reason.PLATFORM_BUSY,  # Service Currently Unavailable
    "11": Reason.CREDENTIALS,  # Insufficient ISV Permissions
    "12": Reason.CREDENTIALS,  # Insufficient User Permissions
    "25": Reason.CREDENTIALS,  # Invalid Signature
    "26": Reason.CREDENTIALS,  # Missing Session
    "27": Reason.CREDENTIALS,  # Invalid Session
    "28": Reason.CREDENTIALS,  # Missing App Key
    "29": Reason.CREDENTIALS,  # Invalid App Key
}



class TaobaoOutbound(OutboundAdapter):
    platform = "taobao"
    documentation = (
        "https://open.taobao.com/api.htm?docId=10687&docType=2 (taobao.logistics.offline.send)",
        "https://open.taobao.com/doc.htm?docId=101617&docType=1 (calling protocol, signature)",
    )
    default_base_url = "https://eco.taobao.com/router/rest"
    CARRIER_CODES = CARRIER_CODES

    def request(self, shipment: ShipConfirmation, *, access: ApiAccess, carrier_code: str,
                now: dt.datetime) -> HttpRequest:
        params = {
            "method": METHOD, "app_key": access.app_key, "session": access.access_token,
            "timestamp": beijing_timestamp(now), "format": "json", "v": "2.0",
            "sign_method": "md5", "tid": shipment.channel_order_no,
            "out_sid": shipment.tracking_no, "company_code": carrier_code,
        }
        return signed_form_post(self.base_url(access), params, access.app_secret)

    def read_json(self, status: int, data: dict[str, Any], headers) -> Outcome:
        error = data.get("error_response")
        if isinstance(error, dict):
            code = str(error.get("code", ""))
            sub_code = str(error.get("sub_code") or "")
            message = str(error.get("sub_msg") or error.get("msg") or "")
            shown_code = sub_code or code
            if code in CODE_REASONS:
                return retry(CODE_REASONS[code], platform_code=shown_code,
                             platform_message=message)
            if sub_code.startswith("isp."):  # the platform's own failure
                return retry(Reason.PLATFORM_BUSY, platform_code=shown_code,
                             platform_message=message)
            return judge_words(sub_code, message, code=shown_code, message=message)
        shipping = (data.get(SUCCESS_KEY) or {}).get("shipping") or {}
        if shipping.get("is_success") is True:
            return confirmed()
        if SUCCESS_KEY in data:
            return refused(Reason.PLATFORM_REFUSED, detail="is_success is not true")
        return retry(Reason.BAD_ANSWER, detail=f"neither {SUCCESS_KEY} nor error_response")


class TmallOutbound(TaobaoOutbound):
    """Tmall shops ship through the same TOP API."""

    platform = "tmall"
