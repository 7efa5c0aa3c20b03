"""What the channels app does when other apps' events arrive (``orderhub.events``).

- ``channels.writeback``: a parcel handed to the courier → its carrier and tracking number are
  confirmed to the channel of each order in it (``channels.writeback``).

  Today the hand-over is the order's own move to ``in_transit``, and the parcel is read from
  the order's ``carrier`` and ``tracking_no``. When the logistics app's shipments record their
  own event, the handler takes it instead: register the shipments' kind, and replace
  :func:`handovers_from_order_moves` with :func:`handovers_from_shipments`, which reads the
  event's payload alone, ``{"shipment_id": …, "carrier": <hub carrier code>, "tracking_no":
  …, "status": "in_transit"}`` with ``order_id`` the order in the parcel (one event per
  order in a merged parcel). Nothing else changes: the entry service is the same.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from orderhub.events.registry import handles
from orders.events import ORDER_STATUS_CHANGED
from orders.models import Order
from orders.state_machine import Status

from channels.writeback.services import HandOver, writebacks_request


def _handed_over(kind: str, payload: dict[str, Any]) -> bool:
    return payload.get("to") == Status.IN_TRANSIT


@handles(ORDER_STATUS_CHANGED, name="channels.writeback", wants=_handed_over,
         label=_("Shipment confirmed to the channel (write-back)"))
def shipments_confirm_to_channels(events: Sequence[Any]) -> None:
    writebacks_request(handovers_from_order_moves(events))


def handovers_from_order_moves(events: Sequence[Any]) -> list[HandOver]:
    """The parcels of orders that moved to ``in_transit``: each order's carrier (as the order
    has it; the entry service turns it into a hub carrier code) and tracking number, read in
    one query."""
    order_ids = sorted({event.order_id for event in events if event.order_id is not None})
    rows = Order.objects.filter(pk__in=order_ids).values_list("pk", "carrier", "tracking_no")
    return [HandOver((pk,), carrier, tracking_no) for pk, carrier, tracking_no in rows]


def handovers_from_shipments(events: Sequence[Any]) -> list[HandOver]:
    """The same from the shipments' own event (see the module doc): its payload alone."""
    return [
        HandOver((event.order_id,), event.payload.get("carrier", ""),
                 event.payload.get("tracking_no", ""),
                 str(event.payload.get("shipment_id", "")))
        for event in events
        if event.order_id is not None and event.payload.get("status") == Status.IN_TRANSIT
    ]
