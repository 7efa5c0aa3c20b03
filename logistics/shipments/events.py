"""What shipments tell the other apps: the kinds of event recorded, and their payloads.

Recorded in the transaction that changes the shipment, one per order in the parcel (a merged
parcel's orders each get theirs, with ``order_id`` set): the channels' write-back, after-sales
and integrators act on them. Payloads are plain JSON values:
``{"shipment_id", "carrier" (hub code), "tracking_no", "status", "previous"}``, and for
``shipment.returned`` also ``"reason"`` (the courier's words).
"""
from __future__ import annotations

from collections.abc import Iterable

from orderhub.events.services import NewEvent, events_record

SHIPMENT_CREATED = "shipment.created"
SHIPMENT_STATUS_CHANGED = "shipment.status_changed"
SHIPMENT_RETURNED = "shipment.returned"
# --- return parcels (after-sales, issue 11) ---
#: A return parcel (``Shipment.direction`` return) was recorded (``previous`` "") or moved:
#: the same payload; after-sales follows it, the order's own handlers never see it.
SHIPMENT_RETURN_UPDATED = "shipment.return_updated"


def shipment_payload(shipment, *, previous: str) -> dict:
    return {"shipment_id": shipment.pk, "carrier": shipment.carrier.code,
            "tracking_no": shipment.tracking_no, "status": shipment.status,
            "previous": previous}


def shipment_event_record(kind: str, shipment, *, order_ids: Iterable[int], previous: str = "",
                          reason: str = "") -> None:
    """Record ``kind`` about ``shipment`` once per order in it, in the current transaction."""
    payload = shipment_payload(shipment, previous=previous)
    if kind == SHIPMENT_RETURNED:
        payload["reason"] = reason
    events_record([NewEvent(kind, order_id, payload) for order_id in sorted(set(order_ids))])
