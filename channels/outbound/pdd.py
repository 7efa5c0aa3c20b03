"""Pinduoduo (拼多多): ``pdd.logistics.online.send`` (订单发货通知), the seller's own shipment of an
order with its carrier and tracking number.

Follows the Pinduoduo open platform documentation of the API
(https://open.pinduoduo.com/application/document/api?id=pdd.logistics.online.send) and of its
calling protocol and signature (the platform's developer guide, "API调用说明" / 签名规则):

- POST ``application/x-www-form-urlencoded`` to ``https://gw-api.pinduoduo.com/api/router``
  with the system parameters ``type`` (the API name), ``client_id``, ``access_token`` (the
  shop's authorisation), ``timestamp`` (Unix seconds), ``data_type=JSON``, ``version=V1`` and
  the business parameters ``order_sn``, ``logistics_id`` (Pinduoduo's carrier id, from
  ``pdd.logistics.companies.get``) and ``tracking_number``;
- ``sign`` = upper-case hex MD5 of ``client_secret + k1v1k2v2… + client_secret`` over every
  parameter but ``sign``, sorted by name;
- success: ``{"logistics_online_send_response": {"is_success": true, "request_id": "…"}}``;
- error: ``{"error_response": {"error_code": 10019, "error_msg": "…", "sub_code": "…",
  "sub_msg": "…", "request_id": "…"}}``; what a retry can do is read from the words (the codes
  are many and per API).

Carrier ids: Pinduoduo's ``logistics_companies[].id``; the common ones below, any other through
the channel's API access (carrier codes).
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
    confirmed,
    judge_words,
    refused,
    retry,
    signed_form_post,
)

METHOD = "pdd.logistics.online.send"
SUCCESS_KEY = "logistics_online_send_response"

CARRIER_CODES = {
    "STO": "1", "BEST": "3", "SF": "44", "YTO": "85", "ZTO": "115", "EMS": "118", "JD": "120",
    "YUNDA": "121", "DEPPON": "131",
}



class PddOutbound(OutboundAdapter):
    platform = "pdd"
    documentation = (
        "https://open.pinduoduo.com/application/document/api?id=pdd.logistics.online.send",
        "Pinduoduo developer guide: API调用说明, 签名规则 (system parameters, signature)",
    )
    default_base_url = "https://gw-api.pinduoduo.com/api/router"
    CARRIER_CODES = CARRIER_CODES

    def request(self, shipment: ShipConfirmation, *, access: ApiAccess, carrier_code: str,
                now: dt.datetime) -> HttpRequest:
        params = {
            "type": METHOD, "client_id": access.app_key, "access_token": access.access_token,
            "timestamp": str(int(now.timestamp())), "data_type": "JSON", "version": "V1",
            "order_sn": shipment.channel_order_no, "logistics_id": carrier_code,
            "tracking_number": shipment.tracking_no,
        }
        return signed_form_post(self.base_url(access), params, access.app_secret)

    def read_json(self, status: int, data: dict[str, Any], headers) -> Outcome:
        error = data.get("error_response")
        if isinstance(error, dict):
            code = str(error.get("sub_code") or error.get("error_code") or "")
            message = str(error.get("sub_msg") or error.get("error_msg") or "")
            return judge_words(message, str(error.get("error_msg") or ""), code=code,
                               message=message)
        answer = data.get(SUCCESS_KEY)
        if not isinstance(answer, dict):
            return retry(Reason.BAD_ANSWER, detail=f"neither {SUCCESS_KEY} nor error_response")
        if answer.get("is_success") is True:
            return confirmed()
        return refused(Reason.PLATFORM_REFUSED, detail="is_success is not true")
