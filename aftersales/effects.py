"""What a case does to its order, the stock and the money, through the owners' public services.

- A refund asked before the parcel leaves stops the warehouse: the order gets an after-sales
  hold (``orders.holds``) as soon as the case is known; a rejected or withdrawn case, or a
  partial refund, lifts it again.
- A full refund moves the order to ``refunded`` (``orders.services.order_refund``; logistics
  then releases its stock, as for any refund); every approved refund is told to finance as
  ``aftersales.refund_approved`` (an expected outgoing amount).
- A return's parcel (the carrier and number the buyer gave) becomes a shipment marked as a
  return (``logistics.shipments.services.return_shipment_record``), tracked by the couriers'
  pushes like any parcel but never moving the order; its signature at the warehouse moves the
  case to ``returned`` (``aftersales.handlers``).
- An inspected return is restocked (good) or received and written off (damaged), each a row of
  the stock ledger (``logistics.services.stock``).
- An exchange or a resend creates a new outbound order ``<hub_no>R1``, ``R2``… (paid, nothing to
  pay), reserved and shipped like any order.
- The order knows where its after-sales stand (``orders.services.order_note_aftersales``: a case
  open, or every case closed), and the last case closed moves a delivered, invoiced, settled or
  archived order to ``closed`` (售后关闭), as the system with the case as the reason: the
  ``close`` move's condition in ``orders/state_machine.py`` reads that state. An order whose
  last case closed before it could close (not yet delivered, or held) keeps "every case closed"
  and closes once it may: when it is delivered or its hold is lifted
  (``aftersales.handlers``, :func:`orders_close_after_cases`).
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone
from django_fsm import can_proceed

from logistics.models import Reservation, StockMovement, Warehouse
from logistics.services.routing import active_warehouses
from logistics.shipments.services import return_shipment_record
from logistics.services.stock import (
    stock_for_update,
    stock_movement,
    stock_receive,
    stock_rows_save,
)
from orderhub.core.history import Actor, audit
from orders.holds import hold_place, order_release_own_hold
from orders.models import Hold, Order
from orders.services import (
    HubNumbers,
    LineInput,
    OrderInput,
    order_close,
    order_day,
    order_note_aftersales,
    order_refund,
    orders_create,
)
from orders.state_machine import (
    AWAITING_SHIPMENT,
    FINAL_STATUSES,
    MOVES_BY_NAME,
    AfterSalesState,
    Status,
)

from aftersales import texts
from aftersales.events import refund_approved_record
from aftersales.models import Case, Inspection
from aftersales.state_machine import FINAL_CASE_STATUSES, Kind

ZERO = Decimal("0.00")
REFUND_KINDS_THAT_STOP = (Kind.REFUND_ONLY, Kind.PARTIAL_REFUND)


def hold_key(case: Case) -> str:
    return f"aftersales:{case.pk}"


def case_opened(case: Case, *, actor: Actor) -> None:
    """The order learns it has a case; a refund asked while it is in the warehouse stops it."""
    order = case.order
    if order is not None:
        order_follows_cases(case)
        return_parcel_track(case)
    if order is None or case.kind not in REFUND_KINDS_THAT_STOP or case.status in \
            FINAL_CASE_STATUSES:
        return
    if order.status in AWAITING_SHIPMENT:
        hold_place(order=order, actor=None, source=Hold.Source.AFTERSALES, key=hold_key(case),
                   reason=texts.REFUND_ASKED_HOLD.encode(case=case.case_no))


def return_parcel_track(case: Case) -> None:
    """The buyer's return parcel as a tracked shipment, once the case knows its order and the
    number (the case keeps the number as typed when no carrier could have printed it)."""
    if case.order_id is None or not case.return_tracking_no or \
            case.return_shipment_id is not None or case.kind not in (Kind.RETURN, Kind.EXCHANGE):
        return
    shipment = return_shipment_record(order_id=case.order_id, carrier_name=case.return_carrier,
                                      tracking_no=case.return_tracking_no,
                                      reason=texts.CASE.encode(case=case.case_no))
    if shipment is not None:
        case.return_shipment_id = shipment.pk
        audit(case, actor=None,
              reason=texts.RETURN_TRACKED.encode(tracking_no=case.return_tracking_no))
        case.save(update_fields=["return_shipment_id", "updated_at"])


def _release_hold(case: Case, why: str) -> None:
    if case.order_id is not None:
        order_release_own_hold(order=case.order, key=hold_key(case), reason=why)


def case_moved(case: Case, *, move: str, actor: Actor, reason: str) -> None:
    """The effects of the move ``move`` the case just made."""
    if move == "refund":
        _refund(case)
    elif move == "inspect":
        _inspected(case)
    elif move in ("reject", "withdraw"):
        _release_hold(case, texts.CASE_MOVED.encode(
            case=case.case_no, move=texts.CASE_MOVE_NOTES[move].encode()))
    if case.status in FINAL_CASE_STATUSES:
        order_follows_cases(case)


# A status a platform reports, and the hub's move whose effects it carries.
PLATFORM_MOVES = {"refunded": "refund", "rejected": "reject", "withdrawn": "withdraw"}


def platform_moved(case: Case, *, actor: Actor) -> None:
    """The platform moved the case itself (it refunded on the seller's behalf, or the buyer
    withdrew): the same effects as the hub's own move, once the order is known."""
    move = PLATFORM_MOVES.get(case.status)
    if move is not None and case.order_id is not None:
        case_moved(case, move=move, actor=actor, reason="platform")
    elif case.status in FINAL_CASE_STATUSES:
        order_follows_cases(case)


def is_full_refund(case: Case) -> bool:
    order = case.order
    return case.kind in (Kind.REFUND_ONLY, Kind.RETURN) and case.amount >= order.paid_amount


def _refund(case: Case) -> None:
    if case.order_id is None:
        return
    order = Order.objects.get(pk=case.order_id)
    if is_full_refund(case) and order.status not in FINAL_STATUSES and \
            order.status in MOVES_BY_NAME["refund"].sources:
        order_refund(order=order, actor=None, reason=texts.FULL_REFUND.encode(case=case.case_no))
    elif order.status not in FINAL_STATUSES:
        _release_hold(case, texts.PARTIAL_REFUND.encode(case=case.case_no))
    refund_approved_record(case)


def _warehouse_of(order: Order) -> Warehouse | None:
    shipped_from = (Reservation.objects.filter(order=order).values_list("stock__warehouse_id",
                                                                        flat=True).first())
    if shipped_from is not None:
        return Warehouse.objects.get(pk=shipped_from)
    warehouses = active_warehouses()
    return warehouses[0] if warehouses else None


def _inspected(case: Case) -> None:
    """Good goods go back on the shelf; damaged ones come in and are written off at once."""
    warehouse = _warehouse_of(case.order) if case.order_id else None
    if warehouse is None:
        return
    for line in case.lines.all():
        sku = line.sku or (line.order_line.sku if line.order_line_id else "")
        if not sku:
            continue
        stock_receive(warehouse=warehouse, sku=sku, quantity=line.quantity, actor=None,
                      reason=texts.RETURN_GOOD.encode(case=case.case_no))
        if case.inspection == Inspection.DAMAGED:
            stock = stock_for_update().get(warehouse=warehouse, sku=sku)
            movement = stock_movement(stock, StockMovement.Kind.ADJUST, line.quantity,
                                      on_hand=-line.quantity,
                                      reason=texts.RETURN_DAMAGED.encode(case=case.case_no),
                                      order_id=case.order_id, line_id=line.order_line_id)
            stock_rows_save([stock], [movement])


def new_outbound_order(case: Case) -> Order:
    """The replacement's order ``<hub_no>R<n>``: paid, nothing to pay, the original's receiver."""
    original = Order.objects.select_related("channel").get(pk=case.order_id)
    serial = Order.objects.filter(hub_no__startswith=f"{original.hub_no}R").count() + 1
    now = timezone.now()
    hub_no = f"{original.hub_no}R{serial}"
    by_line = {ol.pk: ol for ol in original.lines.all()}
    lines = []
    for line in case.lines.all():
        source = by_line.get(line.order_line_id)
        lines.append(LineInput(title=line.title or (source.title if source else line.sku),
                               quantity=line.quantity, unit_price=ZERO,
                               sku=line.sku or (source.sku if source else ""),
                               channel_sku=line.channel_sku or (source.channel_sku if source
                                                                else ""),
                               product_id=source.product_id if source else None))
    if not lines:
        lines = [LineInput(title=ol.title, quantity=ol.quantity, unit_price=ZERO,
                           sku=ol.sku, channel_sku=ol.channel_sku, product_id=ol.product_id)
                 for ol in by_line.values()]
    data = OrderInput(
        channel_order_no=f"{original.channel_order_no}-R{serial}", lines=lines,
        status=Status.PAID, currency=original.currency, paid_amount=ZERO,
        payment_serial_no="", placed_at=now, paid_at=now, customer_id=original.customer_id,
        buyer_note=f"售后 {case.case_no} 补发/换货 (原单 {original.hub_no})",
        receiver={key: getattr(original, f"receiver_{key}") for key in
                  ("name", "phone", "province", "city", "district", "address")},
    )
    created = orders_create(channel=original.channel, orders=[data], actor=None,
                            reason=texts.REPLACEMENT_ORDER.encode(case=case.case_no),
                            reserved=HubNumbers({order_day(now): [hub_no]}))[0]
    return created


def order_follows_cases(case: Case) -> None:
    """Tell the order whether a case of it is still open; the last one closed closes it."""
    if case.order_id is None:
        return
    open_cases = Case.objects.filter(order_id=case.order_id).exclude(
        status__in=FINAL_CASE_STATUSES).count()
    why = (texts.CASE_CLOSED if case.status in FINAL_CASE_STATUSES else
           texts.CASE_OPEN).encode(case=case.case_no)
    order = order_note_aftersales(order_id=case.order_id, open_cases=open_cases, reason=why)
    if open_cases == 0 and order is not None and can_proceed(order.close):
        order_close(order=order, actor=None, reason=why)


def orders_close_after_cases(*, order_ids: Sequence[int]) -> int:
    """Close those of these orders whose cases all closed before the order could close, now
    that it may (delivered or later, no hold open: the ``close`` move's own rule); returns how
    many. Idempotent: a closed order, or one with a case open again, is left alone."""
    closable = Order.objects.filter(
        MOVES_BY_NAME["close"].applicable, pk__in=list(order_ids),
        aftersales_state=AfterSalesState.CLOSED, on_hold=False)
    closed = 0
    for order in closable.order_by("pk"):
        order_close(order=order, actor=None, reason=texts.ORDER_CLOSED_ONCE_IT_MAY.encode())
        closed += 1
    return closed
