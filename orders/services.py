"""Writes on orders: one function per use case, the only code that changes an order.

Every transition service follows the same steps (STYLE.md): check the actor's permission, lock
the order row, check the move is legal from the current state, call the ``@transition`` method,
save with ``update_fields``, and record who, why (and, from the request, where) in the history.
What a change means for the other apps (stock to reserve, ship or release, money to settle, an
integrator to tell) is recorded as an event in the same transaction (``orders.events``); their
handlers act right after commit.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django_fsm import ConcurrentTransition, can_proceed

from orderhub.alerts.services import alert_raise
from orderhub.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from orderhub.core.history import Actor, audit, audited_bulk_create
from orderhub.core.texts import field_of
from orders import texts
from orders.events import order_moved_record, orders_created_record
from orders.holds import (
    ADDRESS_CHANGE_KEY,
    HOLD_PERMISSION,
    REFUND_REQUEST_KEY,
    hold_place_locked,
    holds_text,
    open_holds,
)
from orders.locks import order_lock
from orders.models import (
    Channel, GiftOrder, Hold, HubNumberSerial, Order, OrderLine, OrderTag, Product,
)
from orders.sla.deadlines import StateLeft, deadline_columns, order_deadlines_on_move
from orders.state_machine import (
    AWAITING_SHIPMENT,
    BEFORE_SHIPPING,
    FINAL_STATUSES,
    IN_WAREHOUSE,
    MOVES_BY_NAME,
    AfterSalesState,
    Move,
    Status,
)



# --- errors ------------------------------------------------------------------------------------
class IllegalTransition(Conflict):
    """The move is not legal from the order's current state (answers 409)."""

    code = "illegal_transition"


class OrderOnHold(Conflict):
    code = "order_on_hold"


def allowed_moves(order: Order) -> list[str]:
    """Names of the moves legal from the order's current state, its guards included."""
    return [t.name for t in order.get_available_status_transitions()]


def _status_label(status: str) -> str:
    return str(Status(status).label)


def _illegal(order: Order, move: Move) -> IllegalTransition:
    allowed = allowed_moves(order)
    return IllegalTransition(
        f"Order {order.hub_no} cannot '{move.name}': it is '{order.status}' "
        f"({_status_label(order.status)}); allowed from here: "
        f"{', '.join(allowed) if allowed else 'none'}.",
        extra={"current_state": order.status, "allowed_transitions": allowed},
    )


def _on_hold(order: Order, move: Move) -> OrderOnHold:
    return OrderOnHold(
        f"Order {order.hub_no} is on hold ({holds_text(open_holds(order))}); "
        f"release the hold before '{move.name}'.",
        extra={"current_state": order.status, "allowed_transitions": allowed_moves(order)},
    )


# --- hub numbers --------------------------------------------------------------------------------
def order_day(placed_at: dt.datetime | None) -> dt.date:
    """The day a hub number carries: when the buyer placed the order, in Beijing time (the
    hub's time zone); today for an order without a placing time."""
    return timezone.localdate(placed_at) if placed_at is not None else timezone.localdate()


def hub_no_allocate(*, channel: Channel, day: dt.date, count: int = 1) -> list[str]:
    """Hand out ``count`` consecutive hub numbers ``<ABBR><YYYYMMDD><serial>``.

    The serial has at least five digits and widens past 99,999 (a peak day of one channel is
    never refused); abbreviations are letters and the date has eight digits, so a wider serial
    can never be mistaken for another day's number. The counter row is incremented with one
    UPDATE, whose row lock lasts until the surrounding transaction ends: concurrent ingestion
    never hands out a number twice, and ingestion takes its numbers in a transaction of their
    own (``hub_numbers_reserve``) so that the lock is not held while a batch is written.
    """
    if count <= 0:
        return []
    prefix = channel.abbreviation.upper()
    with transaction.atomic():
        updated = HubNumberSerial.objects.filter(prefix=prefix, day=day).update(
            last_value=F("last_value") + count
        )
        if not updated:
            try:
                with transaction.atomic():
                    HubNumberSerial.objects.create(prefix=prefix, day=day, last_value=count)
            except IntegrityError:
                # Another process created the day's row first: take the next range from it.
                HubNumberSerial.objects.filter(prefix=prefix, day=day).update(
                    last_value=F("last_value") + count
                )
        last = HubNumberSerial.objects.get(prefix=prefix, day=day).last_value
    return [f"{prefix}{day:%Y%m%d}{serial:05d}" for serial in range(last - count + 1, last + 1)]


@dataclass
class HubNumbers:
    """Hub numbers taken ahead of a batch, per day; those not used stay unused (a gap)."""

    free: dict[dt.date, list[str]] = field(default_factory=dict)

    def take(self, day: dt.date) -> str | None:
        numbers = self.free.get(day)
        return numbers.pop(0) if numbers else None


def hub_numbers_reserve(*, channel: Channel, placed: Sequence[dt.datetime | None]) -> HubNumbers:
    """Take numbers for orders placed at ``placed``, each day in its own short transaction.

    Called before the batch's transaction opens, the counter is locked only for its UPDATE,
    so two deliveries of one channel write their batches at the same time. An order that turns
    out not to be new leaves its number unused: hub numbers are unique, not gap-free.
    """
    days: dict[dt.date, int] = {}
    for placed_at in placed:
        day = order_day(placed_at)
        days[day] = days.get(day, 0) + 1
    return HubNumbers({day: hub_no_allocate(channel=channel, day=day, count=count)
                       for day, count in sorted(days.items())})


def hub_numbers_assign(
    *, channel: Channel, orders: Sequence["OrderInput"], reserved: HubNumbers | None = None
) -> list[str]:
    """A hub number for each new order: from ``reserved`` when given, else allocated now."""
    days = [order_day(data.placed_at) for data in orders]
    numbers = [reserved.take(day) if reserved else None for day in days]
    missing: dict[dt.date, list[int]] = {}
    for position, (day, number) in enumerate(zip(days, numbers)):
        if number is None:
            missing.setdefault(day, []).append(position)
    for day, positions in sorted(missing.items()):
        for position, number in zip(positions, hub_no_allocate(
                channel=channel, day=day, count=len(positions))):
            numbers[position] = number
    return numbers


# --- creating orders ----------------------------------------------------------------------------
@dataclass
class LineInput:
    title: str
    quantity: int
    unit_price: Decimal
    sku: str = ""
    channel_sku: str = ""
    amount: Decimal | None = None
    product_id: int | None = None


@dataclass
class OrderInput:
    channel_order_no: str
    lines: Sequence[LineInput]
    status: str = Status.PENDING_PAYMENT
    currency: str = ""
    goods_amount: Decimal | None = None
    shipping_amount: Decimal = Decimal("0.00")
    discount_amount: Decimal = Decimal("0.00")
    paid_amount: Decimal | None = None
    payment_serial_no: str = ""
    receiver: dict[str, str] = field(default_factory=dict)
    placed_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    ship_by: dt.datetime | None = None
    priority: int = Order.Priority.NORMAL
    buyer_note: str = ""
    customer_id: int | None = None
    tracking_no: str = ""
    carrier: str = ""
    channel_status: str = ""


_RECEIVER_FIELDS = ("name", "phone", "province", "city", "district", "address")
_STATUS_CODES = frozenset(Status.values)  # Status.values builds a new list on every read


def order_input_amounts(data: OrderInput) -> tuple[list[Decimal], Decimal, Decimal]:
    """Check a new order's lines and work out its amounts: ``(line amounts, goods, paid)``.

    The one statement of these rules, read by ``order_row`` (the builder of both the ORM path
    and the COPY path of ``orders.channel_sync``). A line without an amount is unit price ×
    quantity; goods default to the lines' sum, paid to goods + shipping − discount.
    """
    if not data.lines:
        raise ValidationFailed(f"Channel order {data.channel_order_no} has no lines.")
    if data.status not in _STATUS_CODES:
        raise ValidationFailed(f"Unknown status '{data.status}'.")
    amounts = []
    for line in data.lines:
        if line.quantity <= 0:
            raise ValidationFailed(
                f"Channel order {data.channel_order_no}: quantity must be positive "
                f"(line '{line.title}' has {line.quantity})."
            )
        amounts.append(line.amount if line.amount is not None else line.unit_price * line.quantity)
    goods = data.goods_amount
    if goods is None:
        goods = sum(amounts, Decimal("0.00"))
    paid = data.paid_amount
    if paid is None:
        paid = goods + data.shipping_amount - data.discount_amount
    return amounts, goods, paid


def order_row(channel: Channel, hub_no: str, data: OrderInput,
              now: dt.datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A new order's row and its lines' rows, as plain values keyed by attribute name: the one
    builder behind ``orders_create`` (model instances) and ingestion's COPY path (rows).

    The amounts follow ``order_input_amounts``; the status is the one the channel reports (a
    new order may start already paid; later changes go through the transition services); the
    state's due time and the promised ship-by come from the cached policies (no query).
    """
    amounts, goods, paid = order_input_amounts(data)
    lines = [
        {"sku": line.sku, "channel_sku": line.channel_sku, "title": line.title,
         "quantity": line.quantity, "unit_price": line.unit_price, "amount": amount,
         "product_id": line.product_id}
        for line, amount in zip(data.lines, amounts)
    ]
    entered_at = data.paid_at or data.placed_at or now
    row = {
        "hub_no": hub_no, "channel_id": channel.pk, "channel_order_no": data.channel_order_no,
        "status": data.status, "currency": data.currency or channel.currency,
        "goods_amount": goods, "shipping_amount": data.shipping_amount,
        "discount_amount": data.discount_amount, "paid_amount": paid,
        "payment_serial_no": data.payment_serial_no, "placed_at": data.placed_at,
        "paid_at": data.paid_at, "priority": data.priority, "buyer_note": data.buyer_note,
        "customer_id": data.customer_id, "tracking_no": data.tracking_no,
        "carrier": data.carrier, "channel_status": data.channel_status,
        "state_entered_at": entered_at,
        **deadline_columns(
            channel_id=channel.pk, status=data.status, priority=data.priority,
            state_entered_at=entered_at, paid_at=data.paid_at, ship_by=data.ship_by,
        ),
        **{f"receiver_{key}": data.receiver.get(key, "") for key in _RECEIVER_FIELDS},
    }
    return row, lines


def _build_order(channel: Channel, hub_no: str, data: OrderInput) -> tuple[Order, list[OrderLine]]:
    """``order_row`` as unsaved model instances."""
    row, lines = order_row(channel, hub_no, data, timezone.now())
    status = row.pop("status")
    order = Order(channel=channel, **row)
    # Setting the protected field on an unsaved instance goes through __dict__, which FSM
    # allows before the first save.
    order.__dict__["status"] = status
    return order, [OrderLine(**line) for line in lines]


@transaction.atomic
def orders_create(
    *, channel: Channel, orders: Sequence[OrderInput], actor: Actor, reason: str,
    reserved: HubNumbers | None = None,
) -> list[Order]:
    """Create many orders of one channel at once, with their lines and history rows.

    Bulk inserts (with their history rows) keep ingestion of a peak day fast; the history
    rows carry the actor (the system user for tasks), the reason and the IP. Hub numbers carry
    the day each order was placed (``reserved`` ahead by ingestion, or allocated now).
    """
    if not orders:
        return []
    numbers = hub_numbers_assign(channel=channel, orders=orders, reserved=reserved)
    built = [_build_order(channel, hub_no, data) for hub_no, data in zip(numbers, orders)]
    created = audited_bulk_create([order for order, _ in built], Order, actor=actor,
                                  reason=reason, batch_size=500)
    if any(order.pk is None for order in created):
        # Databases that do not return ids from bulk inserts (old SQLite): read them back.
        ids = dict(Order.objects.filter(hub_no__in=numbers).values_list("hub_no", "pk"))
        for order in created:
            order.pk = order.id = ids[order.hub_no]
    all_lines = []
    for (order, lines), saved in zip(built, created):
        for line in lines:
            line.order_id = saved.pk
            all_lines.append(line)
    audited_bulk_create(all_lines, OrderLine, actor=actor, reason=reason)
    orders_created_record((order.pk, order.status) for order in created)
    return created


def order_create(*, channel: Channel, data: OrderInput, actor: Actor, reason: str) -> Order:
    """Create one order with its lines (see ``orders_create``)."""
    return orders_create(channel=channel, orders=[data], actor=actor, reason=reason)[0]


@transaction.atomic
def gift_order_create(
    *, order: Order, sku: str, title: str, quantity: int = 1, promotion: str = "", actor: Actor,
    reason: str,
) -> GiftOrder:
    """Create the gift sub-order ``<hub_no>GIFT`` of a main order."""
    if order.gift_orders.exists():
        raise Conflict(f"Order {order.hub_no} already has a gift sub-order.")
    gift = GiftOrder(
        hub_no=f"{order.hub_no}GIFT", parent=order, sku=sku, title=title, quantity=quantity,
        promotion=promotion,
    )
    audit(gift, actor=actor, reason=reason)
    gift.save()
    return gift


# --- transitions --------------------------------------------------------------------------------
def _default_reason(move: Move) -> str:
    """The move's label, stored as a text code: each reader reads it in their own language."""
    return texts.MOVE_NOTES[move.name].encode()


def check_move_permission(*, move: Move, actor: Actor) -> None:
    """Refuse (403) an actor whose role lacks the move's permission; ``None`` is the system."""
    if actor is None:
        return
    if not actor.has_perm(move.permission_name):
        raise PermissionRefused(
            f"Your role may not '{move.name}' orders (needs permission "
            f"'{move.permission_name}')."
        )


def _lock(order: Order) -> Order:
    try:
        return order_lock(order.pk)
    except NotFound:
        raise NotFound(f"Order {order.hub_no} no longer exists.") from None


@transaction.atomic
def _transition(
    *, order: Order, name: str, actor: Actor, reason: str, extra_fields: Iterable[str] = (),
    **kwargs: Any,
) -> Order:
    move = MOVES_BY_NAME[name]
    check_move_permission(move=move, actor=actor)
    locked = _lock(order)
    method = getattr(locked, name)
    if locked.status not in move.sources:
        raise _illegal(locked, move)
    if move.blocked_by_hold and locked.on_hold:
        raise _on_hold(locked, move)
    if not can_proceed(method):
        raise _illegal(locked, move)
    left = StateLeft.of(locked)
    source = locked.status
    method(**kwargs)
    locked.state_entered_at = timezone.now()
    # The new state's due time (and the ship-by promise once paid) for the deadline sweep.
    deadline_fields = order_deadlines_on_move(order=locked, left=left)
    audit(locked, actor=actor, reason=reason or _default_reason(move))
    try:
        locked.save(update_fields=[
            "status", "state_entered_at", "updated_at", *extra_fields, *deadline_fields,
        ])
    except ConcurrentTransition:
        # Only reachable if the row changed without our lock (another code path): say so.
        raise Conflict(
            f"Order {locked.hub_no} was changed by someone else at the same time; reload it."
        ) from None
    order_moved_record(order_id=locked.pk, source=source, target=locked.status, move=name)
    # Keep the caller's instance current, so that it can be reused after the call.
    order.refresh_from_db()
    return locked


def order_pay(
    *, order: Order, actor: Actor, reason: str = "", paid_at: dt.datetime | None = None,
    payment_serial_no: str = "",
) -> Order:
    """Record the buyer's payment: pending_payment → paid."""
    paid = _transition(
        order=order, name="pay", actor=actor, reason=reason,
        paid_at=paid_at or timezone.now(), payment_serial_no=payment_serial_no,
        extra_fields=["paid_at", "payment_serial_no"],
    )
    return paid


def order_send_to_review(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Hold a paid order for manual risk review: paid → risk_review."""
    return _transition(order=order, name="send_to_review", actor=actor, reason=reason)


def order_approve(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Clear a reviewed order for the warehouse: risk_review → paid."""
    return _transition(order=order, name="approve", actor=actor, reason=reason)


def order_start_picking(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """The warehouse starts picking: paid → picking."""
    return _transition(order=order, name="start_picking", actor=actor, reason=reason)


def order_start_packing(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Picking done, packing starts: picking → packing."""
    return _transition(order=order, name="start_packing", actor=actor, reason=reason)


def order_print_label(
    *, order: Order, actor: Actor, reason: str = "", carrier: str = "", tracking_no: str = "",
) -> Order:
    """Packed and labelled, waiting for the courier: packing → awaiting_pickup."""
    _check_gifts_scanned(order)
    return _transition(
        order=order, name="print_label", actor=actor, reason=reason, carrier=carrier,
        tracking_no=tracking_no, extra_fields=["carrier", "tracking_no"],
    )


def order_hand_over(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """The courier collected the parcel: awaiting_pickup → in_transit."""
    return _transition(order=order, name="hand_over", actor=actor, reason=reason)


def order_deliver(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """The buyer signed for it: in_transit → delivered."""
    return _transition(order=order, name="deliver", actor=actor, reason=reason)


def order_invoice(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """The invoice is issued: delivered → invoiced."""
    return _transition(order=order, name="invoice", actor=actor, reason=reason)


def order_settle(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """The money arrived: invoiced (or delivered, where the channel invoices) → settled."""
    return _transition(order=order, name="settle", actor=actor, reason=reason)


def order_archive(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Reviewed or the review window passed: settled → archived."""
    return _transition(order=order, name="archive", actor=actor, reason=reason)


def order_close(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """After-sales over: archived, or delivered/invoiced/settled once its last case closed →
    closed."""
    return _transition(order=order, name="close", actor=actor, reason=reason)


@transaction.atomic
def order_note_aftersales(*, order_id: int, open_cases: int, reason: str) -> Order | None:
    """After-sales report where the order's cases stand: some open, or every one closed (the
    ``close`` move's condition). Idempotent; a final order keeps what it had."""
    try:
        locked = order_lock(order_id)
    except NotFound:
        return None
    state = AfterSalesState.OPEN if open_cases else AfterSalesState.CLOSED
    if locked.aftersales_state == state or locked.status in FINAL_STATUSES:
        return locked
    locked.aftersales_state = state
    audit(locked, actor=None, reason=reason)
    locked.save(update_fields=["aftersales_state", "updated_at"])
    return locked


@transaction.atomic
def order_cancel(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Cancel before the parcel leaves; open gift sub-orders are cancelled with it."""
    cancelled = _transition(order=order, name="cancel", actor=actor, reason=reason)
    _cancel_gifts(order=cancelled, actor=actor, reason=reason or texts.MAIN_CANCELLED.encode())
    return cancelled


@transaction.atomic
def order_refund(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Refund the buyer in full; open gift sub-orders are cancelled with it."""
    refunded = _transition(order=order, name="refund", actor=actor, reason=reason)
    _cancel_gifts(order=refunded, actor=actor, reason=reason or texts.MAIN_REFUNDED.encode())
    return refunded


def _cancel_gifts(*, order: Order, actor: Actor, reason: str) -> None:
    gifts = GiftOrder.objects.select_for_update().filter(
        parent=order, status__in=[GiftOrder.GiftStatus.PENDING, GiftOrder.GiftStatus.SCANNED]
    )
    for gift in gifts.order_by("pk"):
        gift.cancel()
        audit(gift, actor=actor, reason=reason)
        gift.save(update_fields=["status", "updated_at"])


TRANSITION_SERVICES: dict[str, Callable[..., Order]] = {
    "pay": order_pay,
    "send_to_review": order_send_to_review,
    "approve": order_approve,
    "start_picking": order_start_picking,
    "start_packing": order_start_packing,
    "print_label": order_print_label,
    "hand_over": order_hand_over,
    "deliver": order_deliver,
    "invoice": order_invoice,
    "settle": order_settle,
    "archive": order_archive,
    "close": order_close,
    "cancel": order_cancel,
    "refund": order_refund,
}
assert TRANSITION_SERVICES.keys() == MOVES_BY_NAME.keys(), "every move needs its service"


class ParcelRequired(Conflict):
    code = "parcel_required"


#: Moves a person cannot make with a reason alone. The label needs its parcel: a carrier and a
#: tracking number checked against the carrier's format, or one from the electronic-waybill
#: provider; logistics' label service records the parcel, then makes this move itself.
PARCEL_MOVES = frozenset({"print_label"})


def order_move_by_hand(*, order: Order, name: str, actor: Actor, reason: str = "") -> Order:
    """A move a person asks for with a reason alone (``POST /api/orders/<hub_no>/transitions/``,
    the admin's buttons and bulk moves); the label is refused here, since it needs its parcel."""
    move = MOVES_BY_NAME.get(name)
    if move is not None and name in PARCEL_MOVES and order.status in move.sources:
        check_move_permission(move=move, actor=actor)
        raise ParcelRequired(
            f"Order {order.hub_no}: a label is printed with its parcel. Record the carrier and "
            f"tracking number (or get one from the electronic waybill) with POST "
            f"/api/orders/{order.hub_no}/shipments/ or the label form on the order page; the "
            f"order then moves to 'awaiting_pickup' by itself.",
            extra={"current_state": order.status},
        )
    return order_transition(order=order, name=name, actor=actor, reason=reason)


def order_transition(*, order: Order, name: str, actor: Actor, reason: str = "") -> Order:
    """Apply the move ``name`` through its service (for the API, admin buttons and actions)."""
    service = TRANSITION_SERVICES.get(name)
    if service is None:
        raise NotFound(
            f"There is no transition '{name}'. Transitions: {', '.join(TRANSITION_SERVICES)}."
        )
    return service(order=order, actor=actor, reason=reason)


# --- fulfilment: priority, contact changes, refund requests, gift scans (issue 4) ---------------
CHANGE_ORDER_PERMISSION = "orders.change_order"
PACK_PERMISSION = "orders.pack_order"
# Fields of the order staff may correct by hand (``order_change_contact``).
CONTACT_FIELDS = (*(f"receiver_{key}" for key in _RECEIVER_FIELDS), "buyer_note")


class GiftNotScanned(Conflict):
    code = "gift_not_scanned"


def _check_permission(actor: Actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionRefused(f"Your role may not {doing} (needs permission '{permission}').")


def _check_gifts_scanned(order: Order) -> None:
    """Refuse the label, saying which gift, while a gift waits to be scanned (the
    ``gifts_scanned`` guard on the transition is the backstop)."""
    if order.status != Status.PACKING:
        return
    waiting = list(order.gift_orders.filter(status=GiftOrder.GiftStatus.PENDING)
                   .values_list("hub_no", flat=True))
    if waiting:
        raise GiftNotScanned(
            f"Order {order.hub_no} cannot be labelled yet: gift {', '.join(waiting)} has not "
            f"been scanned. Scan the gift's code, then print the label.",
            extra={"current_state": order.status, "pending_gifts": waiting},
        )


@transaction.atomic
def order_set_priority(*, order: Order, priority: int, actor: Actor, reason: str) -> Order:
    """Move an order up or down the picking queue (a rule, or staff who may change orders)."""
    _check_permission(actor, CHANGE_ORDER_PERMISSION, "change an order's priority")
    if priority not in Order.Priority.values:
        raise ValidationFailed(
            f"Priority {priority} is not one of {', '.join(map(str, Order.Priority.values))}."
        )
    locked = _lock(order)
    if locked.priority != priority:
        locked.priority = priority
        # A text code: the history reads in each reader's language.
        audit(locked, actor=actor,
              reason=texts.PRIORITY.encode(priority=Order.Priority(priority), reason=reason))
        locked.save(update_fields=["priority", "updated_at"])
        order.refresh_from_db()
    return locked


def _contact_changes(locked: Order, receiver: dict[str, str],
                     buyer_note: str | None) -> dict[str, str]:
    """The fields that really change, checked (lengths, the receiver's required parts)."""
    unknown = sorted(set(receiver) - set(_RECEIVER_FIELDS))
    if unknown:
        raise ValidationFailed(
            f"Unknown receiver fields: {', '.join(unknown)} (use {', '.join(_RECEIVER_FIELDS)})."
        )
    changed: dict[str, str] = {}
    for key, value in receiver.items():
        name, value = f"receiver_{key}", (value or "").strip()
        limit = Order._meta.get_field(name).max_length
        if len(value) > limit:
            raise ValidationFailed(f"The receiver's {key} is longer than {limit} characters.")
        if key in ("name", "phone", "address") and not value:
            raise ValidationFailed(f"The receiver's {key} cannot be empty.")
        if getattr(locked, name) != value:
            changed[name] = value
    if buyer_note is not None and buyer_note.strip() != locked.buyer_note:
        changed["buyer_note"] = buyer_note.strip()
    return changed


@transaction.atomic
def order_change_contact(
    *, order: Order, actor: Actor, reason: str, receiver: dict[str, str] | None = None,
    buyer_note: str | None = None,
) -> Order:
    """Correct the receiver and the buyer's note in one change (the history keeps the old
    values). A new receiver once picking has started also holds the order and alerts the
    warehouse, so that the parcel does not go to the old address; after it left, the address
    cannot change here.
    """
    _check_permission(actor, CHANGE_ORDER_PERMISSION, "change an order's address")
    receiver = receiver or {}
    if not reason.strip():
        raise ValidationFailed("Say why the address changes.")
    locked = _lock(order)
    changed = _contact_changes(locked, receiver, buyer_note)
    if not changed:
        raise ValidationFailed("The new address is the same as the current one.")
    moved = sorted(name for name in changed if name.startswith("receiver_"))
    if moved and locked.status not in BEFORE_SHIPPING:
        raise Conflict(
            f"Order {locked.hub_no} is '{locked.status}' ({_status_label(locked.status)}): it "
            f"has left the warehouse or is closed, so its address cannot change here. Ask the "
            f"carrier to redirect the parcel.",
            extra={"current_state": locked.status},
        )
    for name, value in changed.items():
        setattr(locked, name, value)
    fields = [*changed, "updated_at"]
    why_text, why = ((texts.ADDRESS_CHANGED, {"reason": reason.strip()}) if moved
                     else (texts.EDITED, {"fields": [field_of(Order, name) for name in changed], "reason": reason.strip()}))
    intercepted = bool(moved) and locked.status in IN_WAREHOUSE and hold_place_locked(
        locked, source=Hold.Source.ADDRESS_CHANGE, key=ADDRESS_CHANGE_KEY, actor=actor,
        reason=reason.strip(),
        params={"changed": moved},
    ) is not None
    if intercepted:
        fields.append("on_hold")
        why_text = texts.ADDRESS_CHANGED_HELD
    audit(locked, actor=actor, reason=why_text.encode(**why))
    locked.save(update_fields=fields)
    if intercepted:
        record_id = locked.history.order_by("-history_id").values_list("history_id", flat=True)[0]
        alert_raise(
            key=f"address-changed:{locked.pk}:{record_id}", kind="address_changed",
            team="warehouse", order=locked,
            title=texts.ADDRESS_CHANGED_TITLE.encode(hub_no=locked.hub_no),
            message=texts.ADDRESS_CHANGED_MESSAGE.encode(
                address=f"{locked.receiver_name} {locked.receiver_phone}, "
                        f"{locked.receiver_province} {locked.receiver_city} "
                        f"{locked.receiver_district} {locked.receiver_address}",
                reason=reason.strip()),
            data={"changed": moved},
        )
    order.refresh_from_db()
    return locked


def order_change_address(
    *, order: Order, receiver: dict[str, str], actor: Actor, reason: str
) -> Order:
    """Change the receiver (``order_change_contact`` with the receiver only)."""
    return order_change_contact(order=order, receiver=receiver, actor=actor, reason=reason)


@transaction.atomic
def order_request_refund(*, order: Order, actor: Actor, reason: str) -> Order:
    """The buyer asked for a refund before shipping: hold the order so that it does not leave.
    The refund itself (``order_refund``) releases its stock."""
    _check_permission(actor, HOLD_PERMISSION, "hold orders for a refund request")
    if not reason.strip():
        raise ValidationFailed("Say why the buyer wants a refund.")
    locked = _lock(order)
    if locked.status == Status.PENDING_PAYMENT:
        raise Conflict(f"Order {locked.hub_no} is not paid yet; cancel it instead.",
                       extra={"current_state": locked.status})
    if locked.status not in AWAITING_SHIPMENT:
        raise Conflict(
            f"Order {locked.hub_no} is '{locked.status}' ({_status_label(locked.status)}): it "
            f"has left the warehouse or is closed; a refund now goes through after-sales.",
            extra={"current_state": locked.status},
        )
    note = texts.REFUND_REQUESTED.encode(reason=reason.strip())
    if hold_place_locked(locked, source=Hold.Source.REFUND_REQUEST, key=REFUND_REQUEST_KEY,
                         reason=reason.strip(), actor=actor) is None:
        raise Conflict(f"A refund has already been requested for order {locked.hub_no}.")
    audit(locked, actor=actor, reason=note)
    locked.save(update_fields=["on_hold", "updated_at"])
    OrderTag.objects.get_or_create(order=locked, tag="refund_requested",
                                   defaults={"note": reason.strip()[:255]})
    if locked.status in IN_WAREHOUSE:
        alert_raise(
            key=f"refund-requested:{locked.pk}", kind="refund_requested", team="warehouse",
            order=locked, title=texts.REFUND_TITLE.encode(hub_no=locked.hub_no),
            message=texts.REFUND_MESSAGE.encode(reason=reason.strip()),
        )
    order.refresh_from_db()
    return locked


@transaction.atomic
def gift_scan(*, gift: GiftOrder, actor: Actor, code: str) -> GiftOrder:
    """The packer scanned the gift into the box; its main order's label may then be printed."""
    _check_permission(actor, PACK_PERMISSION, "scan gifts")
    code = (code or "").strip()
    if not code:
        raise ValidationFailed("Scan or type the gift's code.")
    parent = _lock(gift.parent)  # the order first, then its gift (STYLE.md lock order)
    locked = GiftOrder.objects.select_for_update().get(pk=gift.pk)
    if locked.status != GiftOrder.GiftStatus.PENDING:
        raise Conflict(
            f"Gift {locked.hub_no} is already '{locked.status}' "
            f"({locked.get_status_display()}); there is nothing to scan.",
            extra={"gift_status": locked.status},
        )
    if parent.status not in (Status.PICKING, Status.PACKING):
        raise Conflict(
            f"Gifts are scanned while their order is picked or packed; order {parent.hub_no} is "
            f"'{parent.status}' ({_status_label(parent.status)}).",
            extra={"current_state": parent.status},
        )
    barcode = Product.objects.filter(sku=locked.sku).values_list("barcode", flat=True).first()
    accepted = {locked.sku.lower()} | ({barcode.lower()} if barcode else set())
    if code.lower() not in accepted:
        raise ValidationFailed(
            f"Code '{code}' is not gift {locked.hub_no} ({locked.sku}, {locked.title}); scan "
            f"the gift itself."
        )
    locked.scan()
    locked.scanned_at = timezone.now()
    locked.scanned_by = actor if getattr(actor, "is_authenticated", False) else None
    audit(locked, actor=actor, reason=texts.GIFT_SCANNED.encode(code=code))
    locked.save(update_fields=["status", "scanned_at", "scanned_by", "updated_at"])
    gift.refresh_from_db()
    return locked
