"""What the channels app does when other apps' events arrive (``orderhub.events``).

- ``channels.writeback``: a parcel that left the warehouse → its carrier and tracking number
  are confirmed to the channel of each order in it (``channels.writeback``).

  The parcel is the logistics app's shipment: its events ``shipment.created`` and
  ``shipment.status_changed`` carry ``{"shipment_id", "carrier": <hub carrier code>,
  "tracking_no", "status", "previous"}`` with ``order_id`` the order in the parcel (one event
  per order of a merged parcel), and :func:`handovers_from_shipments` reads that payload alone.
  A parcel has left when its status is past ``awaiting_pickup`` for the first time: staff's
  hand-over, the courier's first scan, or an order that came from its channel already
  shipped. Channels may not import logistics, so the two kinds are named here; a test keeps
  them equal to the logistics app's.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from orderhub.events.registry import handles

from channels.writeback.services import HandOver, writebacks_request

#: The shipments' event kinds (``logistics.shipments.events``).
SHIPMENT_CREATED = "shipment.created"
SHIPMENT_STATUS_CHANGED = "shipment.status_changed"
#: A parcel in one of these has not left the warehouse.
NOT_LEFT = ("", "awaiting_pickup")


def parcel_left(kind: str, payload: dict[str, Any]) -> bool:
    """The event says the parcel left the warehouse (for the first time)."""
    if payload.get("status") in NOT_LEFT:
        return False
    return kind == SHIPMENT_CREATED or payload.get("previous") in NOT_LEFT


@handles(SHIPMENT_CREATED, SHIPMENT_STATUS_CHANGED, name="channels.writeback",
         wants=parcel_left, label=_("Shipment confirmed to the channel (write-back)"))
def shipments_confirm_to_channels(events: Sequence[Any]) -> None:
    writebacks_request(handovers_from_shipments(events))


def handovers_from_shipments(events: Sequence[Any]) -> list[HandOver]:
    """The parcels that left, from the shipments' events: the payload alone, no query."""
    return [
        HandOver((event.order_id,), event.payload.get("carrier", ""),
                 event.payload.get("tracking_no", ""),
                 str(event.payload.get("shipment_id", "")))
        for event in events
        if event.order_id is not None and parcel_left(event.kind, event.payload)
    ]
