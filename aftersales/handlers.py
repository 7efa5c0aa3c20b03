"""What the after-sales app does when other apps' events arrive (``orderhub.events``).

- ``aftersales.link``: an order arrived → cases that came before it are tied to it.
- ``aftersales.returned_parcel``: logistics' ``shipment.returned`` (a parcel refused or
  returned to sender) → the order's return case is opened or found, with the parcel on it.
- ``aftersales.return_signed``: logistics' ``shipment.return_updated`` with status delivered
  (the buyer's return parcel signed for at the warehouse) → its case is ``returned``, awaiting
  inspection.
- ``aftersales.risk``: an order paid (created paid, or moved to paid) → its return-risk score.
- ``aftersales.refund_matched``: finance's ``finance.refund_matched`` → the case's refund is
  marked confirmed by finance, with the statement line and its colour.
- ``aftersales.close_order``: an order delivered, or released from a hold → closed (售后关闭)
  if its cases had all closed before it could close.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from orderhub.events.registry import handles
from orders.events import ORDER_CREATED, ORDER_RELEASED, ORDER_STATUS_CHANGED
from orders.state_machine import Status

from aftersales import texts
from aftersales.effects import orders_close_after_cases
from aftersales.events import REFUND_MATCHED, SHIPMENT_RETURN_UPDATED, SHIPMENT_RETURNED
from aftersales.risk import return_risks_compute
from aftersales.services import (
    case_for_returned_parcel,
    case_refund_confirm,
    case_return_parcel_signed,
    cases_link_orders,
)


@handles(ORDER_CREATED, name="aftersales.link", label=_("After-sales cases tied to their order"))
def cases_follow_new_orders(events: Sequence[Any]) -> None:
    cases_link_orders(order_ids=sorted({e.order_id for e in events if e.order_id is not None}))


@handles(SHIPMENT_RETURNED, name="aftersales.returned_parcel",
         label=_("Return case for a refused or returned parcel"))
def returned_parcels_open_cases(events: Sequence[Any]) -> None:
    for event in events:
        if event.order_id is None:
            continue
        payload = event.payload or {}
        case_for_returned_parcel(
            order_id=event.order_id, shipment_id=payload.get("shipment_id"),
            carrier=str(payload.get("carrier") or ""),
            tracking_no=str(payload.get("tracking_no") or ""),
            reason=str(payload.get("reason") or ""))


@handles(SHIPMENT_RETURN_UPDATED, name="aftersales.return_signed",
         wants=lambda _kind, payload: payload.get("status") == "delivered",
         label=_("A return parcel signed for at the warehouse: the case awaits inspection"))
def return_parcels_signed(events: Sequence[Any]) -> None:
    for shipment_id in sorted({e.payload["shipment_id"] for e in events}):
        payload = next(e.payload for e in events if e.payload["shipment_id"] == shipment_id)
        case_return_parcel_signed(
            shipment_id=shipment_id,
            reason=texts.RETURN_SIGNED.encode(carrier=str(payload.get("carrier") or ""),
                                              tracking_no=str(payload.get("tracking_no") or "")))


@handles(REFUND_MATCHED, name="aftersales.refund_matched",
         label=_("Refund confirmed by finance on the case"))
def refunds_confirmed_by_finance(events: Sequence[Any]) -> None:
    for event in events:
        payload = event.payload or {}
        if payload.get("case_id") is None:
            continue
        case_refund_confirm(case_id=int(payload["case_id"]),
                            statement_line_id=payload.get("statement_line_id"),
                            colour=str(payload.get("colour") or ""))


def _paid(kind: str, payload: dict[str, Any]) -> bool:
    return (payload.get("to") if kind == ORDER_STATUS_CHANGED else payload.get("status")) \
        == Status.PAID


@handles(ORDER_CREATED, ORDER_STATUS_CHANGED, name="aftersales.risk", wants=_paid,
         label=_("Return-risk score of a paid order"))
def paid_orders_get_a_return_risk(events: Sequence[Any]) -> None:
    return_risks_compute(order_ids=sorted({e.order_id for e in events if e.order_id}))


def _may_close_now(kind: str, payload: dict[str, Any]) -> bool:
    """Delivered, or a hold lifted: where an order whose cases closed earlier may close."""
    return kind == ORDER_RELEASED or payload.get("to") == Status.DELIVERED


@handles(ORDER_STATUS_CHANGED, ORDER_RELEASED, name="aftersales.close_order",
         wants=_may_close_now,
         label=_("An order whose cases all closed before it could close: closed once delivered "
                 "or released"))
def orders_close_once_they_may(events: Sequence[Any]) -> None:
    orders_close_after_cases(order_ids=sorted({e.order_id for e in events if e.order_id}))
