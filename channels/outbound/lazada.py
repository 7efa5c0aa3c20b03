"""Lazada: ``/order/rts`` (SetStatusToReadyToShip), an order's items handed over with the
seller's carrier and tracking number.

Follows the Lazada Open Platform documentation of ``/order/rts``
(https://open.lazada.com/apps/doc/api?path=%2Forder%2Frts), of ``/order/items/get``
(GetOrderItems, https://open.lazada.com/apps/doc/api?path=%2Forder%2Fitems%2Fget) and of its
signature (https://open.lazada.com/apps/doc/doc?nodeId=10450, "Signature algorithm"):

- the system parameters ``app_key``, ``timestamp`` (Unix milliseconds), ``sign_method=sha256``,
  ``access_token`` and ``sign``, with the business parameters, on the regional gateway
  (``https://api.lazada.com.my/rest`` and so on);
- ``sign`` = upper-case hex HMAC-SHA256, keyed with the app secret, of the API path followed by
  every parameter but ``sign`` as ``name + value``, sorted by name;
- first ``GET /order/items/get?order_id=…``: the ``order_item_id`` of every item still to ship
  (``pending``/``packed``/``topack``/``toship``; items already ``ready_to_ship`` or beyond
  mean the order is shipped already); then ``POST /order/rts`` with ``delivery_type=dropship``,
  ``order_item_ids`` (a JSON list), ``shipment_provider`` (Lazada's provider name) and
  ``tracking_number``;
- answers ``{"code": "0", "data": …, "request_id"}``; an error has another ``code`` and a
  ``message`` (``IllegalAccessToken``, ``IncompleteSignature``: credentials; ``ApiCallLimit``:
  rate limited; ``ServiceTimeout``/``ServiceUnavailable``/``InternalError``: Lazada's own
  failure; ``E0xx`` business errors: refused, in its words).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import replace
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
    refused,
    retry,
)

CARRIER_CODES = {
    "JTEXPRESS": "J&T Express", "DHL": "DHL eCommerce", "SF": "SF Express",
    "UPS": "UPS", "EMS": "Pos Malaysia",
}
TO_SHIP = {"pending", "packed", "topack", "toship", "repacked"}
CODE_REASONS = {
    "IllegalAccessToken": Reason.CREDENTIALS, "IncompleteSignature": Reason.CREDENTIALS,
    "InvalidAppKey": Reason.CREDENTIALS, "AppCallLimit": Reason.RATE_LIMITED,
    "ApiCallLimit": Reason.RATE_LIMITED, "ServiceTimeout": Reason.PLATFORM_BUSY,
    "ServiceUnavailable": Reason.PLATFORM_BUSY, "InternalError": Reason.PLATFORM_BUSY,
    "ISP.ServiceUnavailable": Reason.PLATFORM_BUSY,
}


def lazada_sign(*, path: str, params: Mapping[str, str], secret: str) -> str:
    """Lazada's signature (see the module doc)."""
    text = path + "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


class LazadaOutbound(OutboundAdapter):
    platform = "lazada"
    documentation = (
        "https://open.lazada.com/apps/doc/api?path=%2Forder%2Frts",
        "https://open.lazada.com/apps/doc/api?path=%2Forder%2Fitems%2Fget",
        "https://open.lazada.com/apps/doc/doc?nodeId=10450 (signature algorithm)",
    )
    default_base_url = "https://api.lazada.com.my/rest"
    CARRIER_CODES = CARRIER_CODES

    def confirm(self, shipment: ShipConfirmation, *, access: ApiAccess, send: Send,
                now: dt.datetime) -> Outcome:
        code = self.carrier_code(shipment.carrier, access)
        if not code:
            return refused(Reason.UNKNOWN_CARRIER,
                           detail=f"no lazada code for carrier {shipment.carrier!r}")
        found = self._call(access, send, now, "GET", "/order/items/get",
                           {"order_id": shipment.channel_order_no})
        if isinstance(found, Outcome):
            return found
        data, facts = found
        items = [item for item in (data.get("data") or []) if isinstance(item, Mapping)]
        todo = [str(item["order_item_id"]) for item in items
                if item.get("status") in TO_SHIP and item.get("order_item_id") is not None]
        if not todo:
            live = [item for item in items if item.get("status") != "canceled"]
            if live:
                return refused(Reason.ALREADY_SHIPPED, platform_message="items are "
                               + ", ".join(sorted({str(i.get('status')) for i in live})),
                               **facts)
            return refused(Reason.ORDER_NOT_SHIPPABLE, platform_message="no item to ship",
                           **facts)
        sent = self._call(access, send, now, "POST", "/order/rts", {
            "delivery_type": "dropship", "order_item_ids": json.dumps([int(i) for i in todo]),
            "shipment_provider": code, "tracking_number": shipment.tracking_no})
        if isinstance(sent, Outcome):
            return sent
        return confirmed(**sent[1])

    def _call(self, access: ApiAccess, send: Send, now: dt.datetime, method: str, path: str,
              business: dict[str, str]) -> Outcome | tuple[dict[str, Any], dict[str, Any]]:
        params = {"app_key": access.app_key, "timestamp": str(int(now.timestamp() * 1000)),
                  "sign_method": "sha256", "access_token": access.access_token, **business}
        params["sign"] = lazada_sign(path=path, params=params, secret=access.app_secret)
        url = f"{self.base_url(access)}{path}"
        if method == "GET":
            request = HttpRequest("GET", f"{url}?{urlencode(params)}", {})
        else:
            request = HttpRequest("POST", url, {"Content-Type": "application/x-www-form-"
                                                                "urlencoded;charset=utf-8"},
                                  urlencode(params).encode())
        answer = send(request)
        parsed = self.parse(answer, access=access)
        if isinstance(parsed, Outcome):
            return parsed
        data, facts = parsed
        code = str(data.get("code", ""))
        if code == "0":
            return data, facts
        message = access.redact(str(data.get("message") or ""))
        if code in CODE_REASONS:
            return retry(CODE_REASONS[code], platform_code=code, platform_message=message,
                         **facts)
        return replace(judge_words(code, message, code=code, message=message), **facts)

    def read_json(self, status, data, headers) -> Outcome:  # pragma: no cover - confirm() reads
        raise NotImplementedError
