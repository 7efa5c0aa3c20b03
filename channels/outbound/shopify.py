"""Shopify: a fulfillment with tracking information, through the GraphQL Admin API.

Follows Shopify's GraphQL Admin API documentation (version ``2025-01``): the order's
fulfillment orders (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/FulfillmentOrder)
and the ``fulfillmentCreate`` mutation with a ``FulfillmentInput``
(https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/fulfillmentCreate), whose
``trackingInfo.company`` takes one of Shopify's tracking company names
(https://shopify.dev/docs/api/admin-graphql/2025-01/objects/FulfillmentTrackingInfo). The REST
Admin API is legacy since 2024-10; the inbound adapter's order fields are the same in both.

- POST ``application/json`` to ``https://{shop}.myshopify.com/admin/api/2025-01/graphql.json``
  with the header ``X-Shopify-Access-Token`` (the shop's Admin API access token): no signature;
- first the order's fulfillment orders (``gid://shopify/Order/{id}``; ``id`` is the channel
  order number), then one ``fulfillmentCreate`` for the open ones (``OPEN``/``IN_PROGRESS``)
  with ``trackingInfo {company, number}`` and ``notifyCustomer: true``;
- answers: ``data`` and ``userErrors [{field, message}]``; top-level ``errors`` for a query
  Shopify refused (``THROTTLED`` is the cost limit: retried), HTTP 401/403 for a refused
  token, 429/5xx as everywhere. An order whose fulfillment orders are all ``CLOSED`` is
  fulfilled already.

Carrier: Shopify's tracking company name; a carrier not in the table is sent as it is named
(Shopify keeps any name, it only cannot link it).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

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

API_VERSION = "2025-01"
CARRIER_CODES = {
    "SF": "SF Express", "ZTO": "ZTO Express", "YTO": "YTO Express", "YUNDA": "Yunda Express",
    "STO": "STO Express", "JD": "JD Logistics", "EMS": "China EMS (ePacket)",
    "JTEXPRESS": "J&T Express", "BEST": "Best Express", "DEPPON": "Deppon",
    "UPS": "UPS", "USPS": "USPS", "DHL": "DHL Express",
}
FULFILLMENT_ORDERS = """
query WriteBackFulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    fulfillmentOrders(first: 50) { nodes { id status } }
  }
}"""
FULFILLMENT_CREATE = """
mutation WriteBackFulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}"""
OPEN_STATUSES = {"OPEN", "IN_PROGRESS"}


class ShopifyOutbound(OutboundAdapter):
    platform = "shopify"
    documentation = (
        "https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/fulfillmentCreate",
        "https://shopify.dev/docs/api/admin-graphql/2025-01/objects/FulfillmentOrder",
        "https://shopify.dev/docs/api/admin-graphql/2025-01/objects/FulfillmentTrackingInfo",
    )
    CARRIER_CODES = CARRIER_CODES

    def carrier_code(self, carrier: str, access: ApiAccess) -> str:
        return super().carrier_code(carrier, access) or carrier

    def confirm(self, shipment: ShipConfirmation, *, access: ApiAccess, send: Send,
                now: dt.datetime) -> Outcome:
        if not self.base_url(access):
            return retry(Reason.CREDENTIALS, detail="the channel's API access names no shop "
                                                    "address (https://{shop}.myshopify.com)")
        order_gid = f"gid://shopify/Order/{shipment.channel_order_no}"
        found = self._call(access, send, FULFILLMENT_ORDERS, {"id": order_gid})
        if isinstance(found, Outcome):
            return found
        data, facts = found
        order = data.get("order")
        if not isinstance(order, dict):
            return refused(Reason.ORDER_NOT_SHIPPABLE, detail=f"no order {order_gid}", **facts)
        nodes = (order.get("fulfillmentOrders") or {}).get("nodes") or []
        statuses = {str(node.get("status")) for node in nodes}
        open_ids = [node["id"] for node in nodes if node.get("status") in OPEN_STATUSES]
        if not open_ids:
            if statuses and statuses <= {"CLOSED"}:
                return refused(Reason.ALREADY_SHIPPED, platform_message="fulfillment orders "
                               "are all CLOSED", **facts)
            return refused(Reason.ORDER_NOT_SHIPPABLE, platform_message="no open fulfillment "
                           f"order ({', '.join(sorted(statuses)) or 'none'})", **facts)
        fulfillment = {
            "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": gid} for gid in open_ids],
            "trackingInfo": {"company": self.carrier_code(shipment.carrier, access),
                             "number": shipment.tracking_no},
            "notifyCustomer": True,
        }
        created = self._call(access, send, FULFILLMENT_CREATE, {"fulfillment": fulfillment})
        if isinstance(created, Outcome):
            return created
        data, facts = created
        payload = data.get("fulfillmentCreate") or {}
        errors = payload.get("userErrors") or []
        if errors:
            message = "; ".join(str(error.get("message", "")) for error in errors)
            fields = " ".join(".".join(map(str, error.get("field") or [])) for error in errors)
            return replace(judge_words(message, fields, message=access.redact(message)), **facts)
        if isinstance(payload.get("fulfillment"), dict):
            return confirmed(**facts)
        return retry(Reason.BAD_ANSWER, detail="fulfillmentCreate returned no fulfillment",
                     **facts)

    def _call(self, access: ApiAccess, send: Send, query: str,
              variables: dict[str, Any]) -> Outcome | tuple[dict[str, Any], dict[str, Any]]:
        """One GraphQL call: its ``data``, or the outcome when there is none to read."""
        answer = send(HttpRequest(
            "POST", f"{self.base_url(access)}/admin/api/{API_VERSION}/graphql.json",
            {"Content-Type": "application/json", "X-Shopify-Access-Token": access.access_token},
            json.dumps({"query": query, "variables": variables}).encode(),
        ))
        parsed = self.parse(answer, access=access)
        if isinstance(parsed, Outcome):
            return parsed
        body, facts = parsed
        if answer.status in (401, 403):
            return retry(Reason.CREDENTIALS, detail=f"HTTP {answer.status}", **facts)
        errors = body.get("errors")
        if errors:
            return replace(self._top_level(errors, access), **facts)
        if answer.status >= 400 or not isinstance(body.get("data"), dict):
            return retry(Reason.BAD_ANSWER, detail=f"HTTP {answer.status}: no data", **facts)
        return body["data"], facts

    @staticmethod
    def _top_level(errors: Any, access: ApiAccess) -> Outcome:
        items = errors if isinstance(errors, list) else [{"message": str(errors)}]
        codes = [str((item.get("extensions") or {}).get("code", "")) for item in items
                 if isinstance(item, dict)]
        message = access.redact("; ".join(str(item.get("message", "")) for item in items
                                          if isinstance(item, dict)))
        code = ",".join(filter(None, codes))
        if "THROTTLED" in codes:
            return retry(Reason.RATE_LIMITED, platform_code=code, platform_message=message)
        if "ACCESS_DENIED" in codes:
            return retry(Reason.CREDENTIALS, platform_code=code, platform_message=message)
        if "INTERNAL_SERVER_ERROR" in codes:
            return retry(Reason.PLATFORM_BUSY, platform_code=code, platform_message=message)
        return judge_words(message, code=code, message=message)

    def read_json(self, status, data, headers) -> Outcome:  # pragma: no cover - confirm() reads
        raise NotImplementedError
