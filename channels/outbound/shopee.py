"""Shopee: ``v2.logistics.ship_order``, an order shipped with the seller's tracking number.

Follows the Shopee Open Platform API v2 documentation of ``v2.logistics.ship_order``
(https://open.shopee.com/documents/v2/v2.logistics.ship_order?module=95&type=1) and of its
calling protocol and signature (https://open.shopee.com/developer-guide/16, "Authorization and
Authentication": the shop-level API signature):

- POST ``https://partner.shopeemobile.com/api/v2/logistics/ship_order`` with the common
  parameters in the query string: ``partner_id``, ``timestamp`` (Unix seconds, valid for five
  minutes), ``access_token``, ``shop_id`` and ``sign``; the body is JSON: ``order_sn`` and,
  for a channel whose carrier the seller books itself, ``non_integrated: {"tracking_number"}``
  (Shopee's own logistics channels choose the carrier: no carrier code is sent);
- ``sign`` = lower-case hex HMAC-SHA256, keyed with the partner key, of ``partner_id + path +
  timestamp + access_token + shop_id``;
- answers ``{"request_id", "error", "message", "response"}``: an empty ``error`` is success;
  ``error_auth``/``error_permission``/``error_sign`` a refused credential,
  ``error_server``/``error_busy`` Shopee's own failure, ``error_param`` and
  ``logistics.*`` errors a refused request whose ``message`` says why.

Access: ``app_key`` = partner_id, ``app_secret`` = partner key, ``access_token`` = the shop's
token; settings ``shop_id``.
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
    Send,
    ShipConfirmation,
    confirmed,
    judge_words,
    retry,
)

PATH = "/api/v2/logistics/ship_order"
ERROR_REASONS = {
    "error_auth": Reason.CREDENTIALS, "error_permission": Reason.CREDENTIALS,
    "error_sign": Reason.CREDENTIALS, "invalid_access_token": Reason.CREDENTIALS,
    "error_server": Reason.PLATFORM_BUSY, "error_busy": Reason.PLATFORM_BUSY,
    "error_inner": Reason.PLATFORM_BUSY, "error_network": Reason.PLATFORM_BUSY,
    "error_rate_limit": Reason.RATE_LIMITED,
}


def shopee_sign(*, partner_id: str, path: str, timestamp: int, access_token: str,
                shop_id: str, partner_key: str) -> str:
    """Shopee's shop-level API signature (see the module doc)."""
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


class ShopeeOutbound(OutboundAdapter):
    platform = "shopee"
    documentation = (
        "https://open.shopee.com/documents/v2/v2.logistics.ship_order?module=95&type=1",
        "https://open.shopee.com/developer-guide/16 (API signature)",
    )
    default_base_url = "https://partner.shopeemobile.com"

    def confirm(self, shipment: ShipConfirmation, *, access: ApiAccess, send: Send,
                now: dt.datetime) -> Outcome:
        if not access.settings.get("shop_id"):
            return retry(Reason.CREDENTIALS, detail="the channel's API access names no shop_id")
        # Shopee picks the carrier from the order's logistics channel: none is mapped here.
        answer = send(self.request(shipment, access=access, carrier_code="", now=now))
        return self.read(answer, access=access)

    def request(self, shipment: ShipConfirmation, *, access: ApiAccess, carrier_code: str,
                now: dt.datetime) -> HttpRequest:
        timestamp = int(now.timestamp())
        shop_id = access.settings["shop_id"]
        query = {"partner_id": access.app_key, "timestamp": str(timestamp),
                 "access_token": access.access_token, "shop_id": shop_id,
                 "sign": shopee_sign(partner_id=access.app_key, path=PATH, timestamp=timestamp,
                                     access_token=access.access_token, shop_id=shop_id,
                                     partner_key=access.app_secret)}
        body = {"order_sn": shipment.channel_order_no,
                "non_integrated": {"tracking_number": shipment.tracking_no}}
        return HttpRequest("POST", f"{self.base_url(access)}{PATH}?{urlencode(query)}",
                           {"Content-Type": "application/json"}, json.dumps(body).encode())

    def read_json(self, status: int, data: dict[str, Any], headers) -> Outcome:
        error = str(data.get("error") or "")
        message = str(data.get("message") or "")
        if not error and status < 400:
            return confirmed()
        if error in ERROR_REASONS:
            return retry(ERROR_REASONS[error], platform_code=error, platform_message=message)
        if status in (401, 403):
            return retry(Reason.CREDENTIALS, platform_code=error, platform_message=message)
        return judge_words(error.replace("_", " "), message, code=error, message=message)
