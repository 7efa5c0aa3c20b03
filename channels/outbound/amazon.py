"""Amazon: ``confirmShipment`` of the Selling Partner API for Orders (v0).

Follows Amazon's SP-API documentation: the Orders v0 reference, ``confirmShipment``
(https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference#confirmshipment) and the
tutorial "Confirm the shipment status"
(https://developer-docs.amazon.com/sp-api/docs/confirm-the-shipment-status); Login with Amazon
(LWA) access tokens (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-
partner-api, step 1) and AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/
UserGuide/create-signed-request.html, service ``execute-api``).

1. LWA: ``POST https://api.amazon.com/auth/o2/token`` (form: ``grant_type=refresh_token``,
   ``refresh_token``, ``client_id``, ``client_secret``) → ``{"access_token": "Atza|…"}``;
   ``400 {"error": "invalid_grant" …}`` is a refused credential.
2. ``GET /orders/v0/orders/{orderId}/orderItems``: the ``OrderItemId`` and quantity of every
   item (a confirmation names them); an order whose items are all shipped is shipped already.
3. ``POST /orders/v0/orders/{orderId}/shipmentConfirmation`` with ``{"marketplaceId": …,
   "packageDetail": {"packageReferenceId", "carrierCode", "carrierName" (when "Other"),
   "trackingNumber", "shipDate", "orderItems": [{"orderItemId", "quantity"}]}}``: ``204`` is
   success; ``{"errors": [{"code", "message"}]}`` otherwise (``InvalidInput``,
   ``Unauthorized``, ``QuotaExceeded`` with 429, ``InternalFailure``).

Both SP-API calls carry ``x-amz-access-token`` (the LWA token) and, when the channel's access
names an AWS key (settings ``aws_access_key_id`` + the signing secret), a SigV4 signature
(``host;x-amz-access-token;x-amz-date``). The ``packageReferenceId`` is derived from the
tracking number, so a retry after a lost answer edits the same package instead of adding one.

Access: ``app_key`` = LWA client id, ``app_secret`` = LWA client secret, ``access_token`` = the
seller's LWA refresh token; settings ``marketplace_id`` (e.g. ``ATVPDKIKX0DER``),
``aws_region`` (``us-east-1``, ``eu-west-1``, ``us-west-2``), ``lwa_token_url`` (tests).
Carrier: Amazon's ``CarrierCode`` values; any other is sent as ``Other`` with its name.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

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

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
CARRIER_CODES = {
    "UPS": "UPS", "USPS": "USPS", "DHL": "DHL", "SF": "SF Express", "YTO": "YTO Express",
    "ZTO": "ZTO Express", "EMS": "China Post", "JTEXPRESS": "J&T Express",
    "YUNDA": "Yunda Express",
}
CODE_REASONS = {
    "Unauthorized": Reason.CREDENTIALS, "InvalidSignature": Reason.CREDENTIALS,
    "AccessDenied": Reason.CREDENTIALS, "QuotaExceeded": Reason.RATE_LIMITED,
    "InternalFailure": Reason.PLATFORM_BUSY, "ServiceUnavailable": Reason.PLATFORM_BUSY,
    "NotFound": Reason.ORDER_NOT_SHIPPABLE,
}


def sigv4_headers(*, method: str, url: str, body: bytes, headers: dict[str, str],
                  access_key: str, secret_key: str, region: str, now: dt.datetime,
                  service: str = "execute-api") -> dict[str, str]:
    """``headers`` with ``x-amz-date`` and the SigV4 ``Authorization`` added."""
    parts = urlsplit(url)
    amz_date = now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    signed = {**{k.lower(): v.strip() for k, v in headers.items()}, "host": parts.netloc,
              "x-amz-date": amz_date}
    names = sorted(k for k in signed if k in ("host", "x-amz-access-token", "x-amz-date"))
    query = "&".join(sorted(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                            for k, _, v in (pair.partition("=") for pair in
                                            parts.query.split("&") if pair)))
    canonical = "\n".join([
        method, quote(parts.path or "/", safe="/-_.~"), query,
        "".join(f"{name}:{signed[name]}\n" for name in names), ";".join(names),
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for piece in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, piece.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {**headers, "x-amz-date": amz_date, "Authorization": (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={';'.join(names)}, "
        f"Signature={signature}")}


def package_reference(tracking_no: str) -> str:
    """A positive number that names the package within the order, the same on every retry."""
    return str(int(hashlib.sha256(tracking_no.encode()).hexdigest()[:12], 16) % 10**9 + 1)


class AmazonOutbound(OutboundAdapter):
    platform = "amazon"
    documentation = (
        "https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference#confirmshipment",
        "https://developer-docs.amazon.com/sp-api/docs/confirm-the-shipment-status",
        "https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api "
        "(LWA access token)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (SigV4)",
    )
    default_base_url = "https://sellingpartnerapi-na.amazon.com"
    CARRIER_CODES = CARRIER_CODES

    def carrier_code(self, carrier: str, access: ApiAccess) -> str:
        return super().carrier_code(carrier, access) or "Other"

    def confirm(self, shipment: ShipConfirmation, *, access: ApiAccess, send: Send,
                now: dt.datetime) -> Outcome:
        marketplace = access.settings.get("marketplace_id", "")
        if not marketplace:
            return retry(Reason.CREDENTIALS, detail="the channel's API access names no "
                                                    "marketplace_id")
        token = self._lwa_token(access, send)
        if isinstance(token, Outcome):
            return token
        order_path = f"/orders/v0/orders/{quote(shipment.channel_order_no, safe='')}"
        found = self._call(access, send, token, now, "GET", f"{order_path}/orderItems", b"")
        if isinstance(found, Outcome):
            return found
        data, facts = found
        items = (data.get("payload") or {}).get("OrderItems") or []
        lines = [{"orderItemId": str(item["OrderItemId"]),
                  "quantity": int(item.get("QuantityOrdered") or 0)}
                 for item in items if isinstance(item, dict) and item.get("OrderItemId")]
        lines = [line for line in lines if line["quantity"] > 0]
        if not lines:
            return refused(Reason.ORDER_NOT_SHIPPABLE, platform_message="no item to ship",
                           **facts)
        if all(int(item.get("QuantityShipped") or 0) >= int(item.get("QuantityOrdered") or 0)
               for item in items if isinstance(item, dict)):
            return refused(Reason.ALREADY_SHIPPED, platform_message="every item is shipped",
                           **facts)
        code = self.carrier_code(shipment.carrier, access)
        package = {"packageReferenceId": package_reference(shipment.tracking_no),
                   "carrierCode": code, "trackingNumber": shipment.tracking_no,
                   "shipDate": now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "orderItems": lines}
        if code == "Other":
            package["carrierName"] = shipment.carrier
        body = json.dumps({"marketplaceId": marketplace, "packageDetail": package}).encode()
        sent = self._call(access, send, token, now, "POST", f"{order_path}/shipmentConfirmation",
                          body)
        if isinstance(sent, Outcome):
            return sent
        return confirmed(**sent[1])

    def _lwa_token(self, access: ApiAccess, send: Send) -> str | Outcome:
        url = access.settings.get("lwa_token_url") or LWA_TOKEN_URL
        answer = send(HttpRequest(
            "POST", url, {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            urlencode({"grant_type": "refresh_token", "refresh_token": access.access_token,
                       "client_id": access.app_key, "client_secret": access.app_secret}).encode()))
        parsed = self.parse(answer, access=access)
        if isinstance(parsed, Outcome):
            return parsed
        data, facts = parsed
        if answer.status == 200 and data.get("access_token"):
            return str(data["access_token"])
        return retry(Reason.CREDENTIALS, platform_code=str(data.get("error", "")),
                     platform_message=access.redact(str(data.get("error_description", ""))),
                     detail=f"LWA token: HTTP {answer.status}", **facts)

    def _call(self, access: ApiAccess, send: Send, token: str, now: dt.datetime, method: str,
              path: str, body: bytes) -> Outcome | tuple[dict[str, Any], dict[str, Any]]:
        url = f"{self.base_url(access)}{path}"
        headers = {"x-amz-access-token": token, "Accept": "application/json"}
        if body:
            headers["Content-Type"] = "application/json"
        key_id = access.settings.get("aws_access_key_id", "")
        if key_id and access.signing_secret:
            headers = sigv4_headers(method=method, url=url, body=body, headers=headers,
                                    access_key=key_id, secret_key=access.signing_secret,
                                    region=access.settings.get("aws_region", "us-east-1"),
                                    now=now)
        answer = send(HttpRequest(method, url, headers, body))
        if answer.status == 204:  # confirmShipment's success: no body at all
            return {}, {"excerpt": "", "http_status": 204}
        parsed = self.parse(answer, access=access)
        if isinstance(parsed, Outcome):
            return parsed
        data, facts = parsed
        errors = data.get("errors")
        if answer.status < 400 and not errors:
            return data, facts
        items = errors if isinstance(errors, list) else []
        code = ",".join(str(e.get("code", "")) for e in items if isinstance(e, dict))
        message = access.redact("; ".join(str(e.get("message", "")) for e in items
                                          if isinstance(e, dict)))
        for one in code.split(","):
            if one in CODE_REASONS:
                reason = CODE_REASONS[one]
                make = refused if reason == Reason.ORDER_NOT_SHIPPABLE else retry
                return make(reason, platform_code=code, platform_message=message, **facts)
        if answer.status in (401, 403):
            return retry(Reason.CREDENTIALS, platform_code=code, platform_message=message,
                         **facts)
        return replace(judge_words(message, code, code=code, message=message), **facts)

    def read_json(self, status, data, headers) -> Outcome:  # pragma: no cover - confirm() reads
        raise NotImplementedError
