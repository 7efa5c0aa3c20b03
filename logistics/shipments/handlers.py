"""What logistics does when orders' and shipments' events arrive (``orderhub.events``).

- ``logistics.shipments``: orders that arrive already shipped (``order.created``) or move to
  a shipped state get their shipment from the order's carrier and tracking number; staff's
  hand-over moves the order's parcels to ``in_transit``.
- ``logistics.kuaidi100_subscribe``: a new parcel is subscribed with Kuaidi100 after commit.
- ``logistics.orders_follow_trace``: the courier's trace moves the order: the first collection
  scan hands it over (``awaiting_pickup`` → ``in_transit``), the signature delivers it, as the
  hub with the courier's line as the reason. The push itself already moved the orders it could
  (``services.orders_follow_parcels``); this catches up the rest and alerts on a held order.
- ``logistics.shipment_returned``: a refusal or a return to sender holds the order and alerts
  customer service (after-sales opens its case from the same event).
"""
from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from logistics import texts
from logistics.shipments.events import SHIPMENT_CREATED, SHIPMENT_RETURNED, SHIPMENT_STATUS_CHANGED
from logistics.shipments.models import Shipment, ShipmentEvent, ShipmentStatus
from logistics.shipments.services import (
    SHIPMENT_STATUS_OF_ORDER,
    order_follow_parcel,
    shipments_follow_orders,
)
from logistics.shipments.subscriptions import subscriptions_send
from orderhub.alerts.services import alert_raise
from orderhub.core.errors import DomainError
from orderhub.core.texts import choice, fit
from orderhub.core.tasks import enqueue_on_commit
from orderhub.events.registry import handles
from orders.events import ORDER_CREATED, ORDER_STATUS_CHANGED
from orders.holds import hold_place
from orders.models import Hold, Order
from orders.state_machine import Status

logger = logging.getLogger(__name__)
_SHIPPED = frozenset(SHIPMENT_STATUS_OF_ORDER)
_LEFT = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)
RETURNED_HOLD_KEY = "shipment:returned"


# Moves that can give an order its first parcel: the label, the hand-over, a channel that
# reports the order delivered straight away. Later moves (invoice, settle, …) cannot, and are
# left out so that finance's bulk moves record no task for this handler.
_PARCEL_MOVES = frozenset({Status.AWAITING_PICKUP, Status.IN_TRANSIT, Status.DELIVERED})


def _order_shipped(kind: str, payload: dict) -> bool:
    if kind == ORDER_CREATED:
        return payload.get("status") in _SHIPPED
    return payload.get("to") in _PARCEL_MOVES


@handles(ORDER_CREATED, ORDER_STATUS_CHANGED, name="logistics.shipments", wants=_order_shipped,
         label=_("Shipments follow shipped orders"))
def shipments_follow_shipped_orders(events) -> None:
    moves = [e for e in events if e.kind == ORDER_STATUS_CHANGED]
    # A label printed through the order's own move (not the label service): typed by a person.
    labelled = [e.order_id for e in moves if e.payload.get("move") == "print_label"]
    handed = [e.order_id for e in moves if e.payload.get("to") == Status.IN_TRANSIT]
    from_channel = [e.order_id for e in events if e.order_id not in labelled + handed]
    shipments_follow_orders(order_ids=from_channel)
    shipments_follow_orders(order_ids=labelled, source=Shipment.Source.LABEL)
    shipments_follow_orders(order_ids=handed, handed_over=True)


@handles(SHIPMENT_CREATED, name="logistics.kuaidi100_subscribe",
         wants=lambda _kind, payload: payload.get("previous") == "",
         label=_("New parcels subscribed with Kuaidi100"))
def shipments_subscribe(events) -> None:
    ids = sorted({e.payload["shipment_id"] for e in events})
    enqueue_on_commit(subscriptions_send, ids)


def _courier_line(shipment_id: int) -> str:
    line = (ShipmentEvent.objects.filter(shipment_id=shipment_id)
            .exclude(source=ShipmentEvent.Source.STAFF).order_by("-at", "-id").first())
    return f"{line.at:%Y-%m-%d %H:%M} {line.description}"[:480] if line else ""


@handles(SHIPMENT_STATUS_CHANGED, name="logistics.orders_follow_trace",
         wants=lambda _kind, payload: payload.get("status") in (*_LEFT, ShipmentStatus.DELIVERED),
         label=_("Orders follow their parcel's trace"))
def orders_follow_trace(events) -> None:
    for event in events:
        order = Order.objects.filter(pk=event.order_id).first()
        if order is None:
            continue
        reason = f"{event.payload.get('carrier')} {event.payload.get('tracking_no')}: " \
                 f"{_courier_line(event.payload['shipment_id'])}"
        try:
            order_follow_parcel(order=order, status=event.payload["status"], reason=reason)
        except DomainError as refused:
            # A held order does not move on the courier's word: staff are told instead.
            alert_raise(
                key=f"trace-move-refused:{order.pk}:{event.pk}", kind="shipment_trace",
                team="customer_service", order=order,
                title=texts.TRACE_REFUSED_TITLE.encode(hub_no=order.hub_no),
                message=texts.TRACE_REFUSED_MESSAGE.encode(reason=reason, why=refused.message))


@handles(SHIPMENT_RETURNED, name="logistics.shipment_returned",
         label=_("Refused or returned parcels hold their order"))
def shipments_returned(events) -> None:
    for event in events:
        order = Order.objects.filter(pk=event.order_id).first()
        if order is None:
            continue
        payload = event.payload
        reason = texts.RETURNED_REASON.encode(
            carrier=payload.get("carrier"), tracking_no=payload.get("tracking_no"),
            what=payload.get("reason") or choice(ShipmentStatus, payload.get("status")))
        try:
            hold_place(order=order, actor=None, reason=fit(reason, 255), source=Hold.Source.AFTERSALES,
                       key=f"{RETURNED_HOLD_KEY}:{payload['shipment_id']}",
                       params={"shipment_id": payload["shipment_id"],
                               "status": payload.get("status")})
        except DomainError as problem:  # a closed order: nothing to hold, still alert
            logger.info("holding order %s for a returned parcel: %s", order.pk, problem.message)
        alert_raise(
            key=f"shipment-returned:{payload['shipment_id']}:{order.pk}",
            kind="shipment_returned", team="customer_service", order=order,
            title=texts.RETURNED_TITLE.encode(
                hub_no=order.hub_no, tracking_no=payload.get("tracking_no"),
                status=choice(ShipmentStatus, payload.get("status"))),
            message=reason, data={"shipment_id": payload["shipment_id"]})
