"""Writes on orders: one function per use case, the only code that changes an order.

Every transition service follows the same steps (STYLE.md): check the actor's permission, lock
the order row, check the move is legal from the current state, call the ``@transition`` method,
save with ``update_fields``, and record who, why (and, from the request, where) in the history.
Side effects are scheduled after commit through ``orderhub.core.tasks.enqueue_on_commit``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django_fsm import ConcurrentTransition, can_proceed
from simple_history.utils import bulk_create_with_history

from orderhub.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from orderhub.core.history import system_user_id
from orderhub.core.tasks import enqueue_on_commit
from orderhub.events.services import events_record
from orders.alerts import alert_raise
from orders.events import status_changed
from orders.models import (
    Channel, GiftOrder, HubNumberSerial, Order, OrderLine, OrderTag, Product,
)
from orders.sla.deadlines import StateLeft, order_deadlines_init, order_deadlines_on_move
from orders.state_machine import MOVES_BY_NAME, Move, Status

Actor = AbstractBaseUser | AnonymousUser | None


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
        f"Order {order.hub_no} is on hold ({order.hold_reason or 'no reason given'}); "
        f"release the hold before '{move.name}'.",
        extra={"current_state": order.status, "allowed_transitions": allowed_moves(order)},
    )


# --- hub numbers --------------------------------------------------------------------------------
def hub_no_allocate(*, channel: Channel, day: dt.date, count: int = 1) -> list[str]:
    """Hand out ``count`` consecutive hub numbers ``<ABBR><YYYYMMDD><5-digit serial>``.

    The counter row is incremented with one UPDATE, which holds the row lock until the caller's
    transaction ends, so concurrent ingestion never hands out the same number twice. Call it
    inside the transaction that creates the orders.
    """
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
                # Another process created today's row first: take the next range from it.
                HubNumberSerial.objects.filter(prefix=prefix, day=day).update(
                    last_value=F("last_value") + count
                )
        last = HubNumberSerial.objects.get(prefix=prefix, day=day).last_value
    first = last - count + 1
    if last > 99999:
        raise ValidationFailed(f"Daily serial for {prefix} on {day:%Y-%m-%d} is exhausted.")
    return [f"{prefix}{day:%Y%m%d}{serial:05d}" for serial in range(first, last + 1)]


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


def _history_user(actor: Actor):
    """The user a history row names: the actor, or the system user for tasks and webhooks."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor
    # An unsaved stand-in with the cached id: naming the system user costs no query.
    return get_user_model()(pk=system_user_id(), username=settings.ORDERHUB_SYSTEM_USERNAME)


def order_input_amounts(data: OrderInput) -> tuple[list[Decimal], Decimal, Decimal]:
    """Check a new order's lines and work out its amounts: ``(line amounts, goods, paid)``.

    The one statement of these rules, for ``_build_order`` and the COPY fast path of
    ``orders.channel_sync``. A line without an amount is unit price × quantity; goods default
    to the lines' sum, paid to goods + shipping − discount.
    """
    if not data.lines:
        raise ValidationFailed(f"Channel order {data.channel_order_no} has no lines.")
    if data.status not in Status.values:
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


def _build_order(channel: Channel, hub_no: str, data: OrderInput) -> tuple[Order, list[OrderLine]]:
    amounts, goods, paid = order_input_amounts(data)
    lines = [
        OrderLine(
            sku=line.sku, channel_sku=line.channel_sku, title=line.title,
            quantity=line.quantity, unit_price=line.unit_price, amount=amount,
            product_id=line.product_id,
        )
        for line, amount in zip(data.lines, amounts)
    ]
    order = Order(
        hub_no=hub_no, channel=channel, channel_order_no=data.channel_order_no,
        currency=data.currency or channel.currency, goods_amount=goods,
        shipping_amount=data.shipping_amount, discount_amount=data.discount_amount,
        paid_amount=paid, payment_serial_no=data.payment_serial_no,
        placed_at=data.placed_at, paid_at=data.paid_at, ship_by=data.ship_by,
        priority=data.priority, buyer_note=data.buyer_note, customer_id=data.customer_id,
        tracking_no=data.tracking_no, carrier=data.carrier, channel_status=data.channel_status,
        state_entered_at=data.paid_at or data.placed_at or timezone.now(),
        **{f"receiver_{key}": data.receiver.get(key, "") for key in _RECEIVER_FIELDS},
    )
    # A new order may start in any state its channel reports (e.g. already paid); later
    # changes go through the transition services. Setting the protected field on an unsaved
    # instance goes through __dict__, which FSM allows before the first save.
    order.__dict__["status"] = data.status
    # Its state's due time and the promised ship-by (from the cached policies: no query).
    order_deadlines_init(order)
    return order, lines


@transaction.atomic
def orders_create(
    *, channel: Channel, orders: Sequence[OrderInput], actor: Actor, reason: str,
    day: dt.date | None = None,
) -> list[Order]:
    """Create many orders of one channel at once, with their lines and history rows.

    Bulk inserts (with ``bulk_create_with_history``) keep ingestion of a peak day fast; the
    history rows carry the actor (the system user for tasks) and the reason.
    """
    if not orders:
        return []
    day = day or timezone.localdate()
    numbers = hub_no_allocate(channel=channel, day=day, count=len(orders))
    built = [_build_order(channel, hub_no, data) for hub_no, data in zip(numbers, orders)]
    history_user = _history_user(actor)
    created = bulk_create_with_history(
        [order for order, _ in built], Order, batch_size=500,
        default_user=history_user, default_change_reason=reason,
    )
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
    bulk_create_with_history(
        all_lines, OrderLine, batch_size=1000, default_user=history_user,
        default_change_reason=reason,
    )
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
    gift._history_user = _history_user(actor)
    gift._change_reason = reason
    gift.save()
    return gift


# --- transitions --------------------------------------------------------------------------------
def _default_reason(move: Move) -> str:
    """The move's label in the hub's language: history text must not depend on who is asking."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(move.label)


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
        return Order.objects.select_for_update().select_related("channel").get(pk=order.pk)
    except Order.DoesNotExist:
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
    method(**kwargs)
    locked.state_entered_at = timezone.now()
    # The new state's due time (and the ship-by promise once paid) for the deadline sweep.
    deadline_fields = order_deadlines_on_move(order=locked, left=left)
    locked._history_user = _history_user(actor)
    locked._change_reason = reason or _default_reason(move)
    try:
        locked.save(update_fields=[
            "status", "state_entered_at", "updated_at", *extra_fields, *deadline_fields,
        ])
    except ConcurrentTransition:
        # Only reachable if the row changed without our lock (another code path): say so.
        raise Conflict(
            f"Order {locked.hub_no} was changed by someone else at the same time; reload it."
        ) from None
    events_record([status_changed(order_id=locked.pk, old=left.status, new=locked.status,
                                  move=name)])
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
    # Rules, routing and stock reservation (logistics; a dotted path: orders never imports it).
    enqueue_on_commit("logistics.tasks.order_paid", paid.pk)
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
    shipped = _transition(order=order, name="hand_over", actor=actor, reason=reason)
    enqueue_on_commit("logistics.tasks.order_shipped", shipped.pk)  # deduct its stock
    return shipped


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
    """After-sales window over: archived → closed."""
    return _transition(order=order, name="close", actor=actor, reason=reason)


@transaction.atomic
def order_cancel(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Cancel before the parcel leaves; open gift sub-orders are cancelled with it."""
    cancelled = _transition(order=order, name="cancel", actor=actor, reason=reason)
    _cancel_gifts(order=cancelled, actor=actor, reason=reason or "main order cancelled")
    enqueue_on_commit("logistics.tasks.order_released", cancelled.pk)  # give back its stock
    return cancelled


@transaction.atomic
def order_refund(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Refund the buyer in full; open gift sub-orders are cancelled with it."""
    refunded = _transition(order=order, name="refund", actor=actor, reason=reason)
    _cancel_gifts(order=refunded, actor=actor, reason=reason or "main order refunded")
    enqueue_on_commit("logistics.tasks.order_released", refunded.pk)  # give back its stock
    return refunded


def _cancel_gifts(*, order: Order, actor: Actor, reason: str) -> None:
    gifts = GiftOrder.objects.select_for_update().filter(
        parent=order, status__in=[GiftOrder.GiftStatus.PENDING, GiftOrder.GiftStatus.SCANNED]
    )
    for gift in gifts.order_by("pk"):
        gift.cancel()
        gift._history_user = _history_user(actor)
        gift._change_reason = reason
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


def order_transition(*, order: Order, name: str, actor: Actor, reason: str = "") -> Order:
    """Apply the move ``name`` through its service (for the API, admin buttons and actions)."""
    service = TRANSITION_SERVICES.get(name)
    if service is None:
        raise NotFound(
            f"There is no transition '{name}'. Transitions: {', '.join(TRANSITION_SERVICES)}."
        )
    return service(order=order, actor=actor, reason=reason)


# --- holds --------------------------------------------------------------------------------------
HOLD_PERMISSION = "orders.hold_order"


def _check_hold_permission(actor: Actor) -> None:
    if actor is not None and not actor.has_perm(HOLD_PERMISSION):
        raise PermissionRefused("Your role may not hold or release orders.")


@transaction.atomic
def order_hold(*, order: Order, actor: Actor, reason: str) -> Order:
    """Intercept an order: it cannot move forward until released."""
    _check_hold_permission(actor)
    if not reason.strip():
        raise ValidationFailed("Say why the order is held.")
    locked = _lock(order)
    if locked.status in (Status.CANCELLED, Status.REFUNDED, Status.CLOSED):
        raise Conflict(f"Order {locked.hub_no} is '{locked.status}'; there is nothing to hold.")
    locked.on_hold = True
    locked.hold_reason = reason.strip()[:255]
    locked._history_user = _history_user(actor)
    locked._change_reason = f"hold: {reason.strip()}"
    locked.save(update_fields=["on_hold", "hold_reason", "updated_at"])
    order.refresh_from_db()
    return locked


@transaction.atomic
def order_release_hold(*, order: Order, actor: Actor, reason: str) -> Order:
    """Release a held order, saying why; it can move forward again."""
    _check_hold_permission(actor)
    if not reason.strip():
        raise ValidationFailed("Say why the hold is released.")
    locked = _lock(order)
    if not locked.on_hold:
        raise Conflict(f"Order {locked.hub_no} is not on hold.")
    locked.on_hold = False
    locked.hold_reason = ""
    locked._history_user = _history_user(actor)
    locked._change_reason = f"release: {reason.strip()}"
    locked.save(update_fields=["on_hold", "hold_reason", "updated_at"])
    order.refresh_from_db()
    return locked


# --- fulfilment: priority, address changes, refund requests, gift scans (issue 4) ---------------
CHANGE_ORDER_PERMISSION = "orders.change_order"
PACK_PERMISSION = "orders.pack_order"
# Several reasons for one hold are kept side by side, each removable on its own.
HOLD_REASON_JOINER = " / "
# Picking has started: the goods may already be in someone's hands.
IN_WAREHOUSE = (Status.PICKING, Status.PACKING, Status.AWAITING_PICKUP)
# Paid and not yet handed to the courier.
BEFORE_SHIPPING = (Status.PAID, Status.RISK_REVIEW, *IN_WAREHOUSE)


class GiftNotScanned(Conflict):
    code = "gift_not_scanned"


def _check_permission(actor: Actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionRefused(f"Your role may not {doing} (needs permission '{permission}').")


def _with_hold(order: Order, reason: str) -> list[str]:
    """Put the (locked) order on hold for ``reason``, keeping any reason it is held for."""
    held = order.hold_reason if order.on_hold and order.hold_reason else ""
    order.hold_reason = (f"{held}{HOLD_REASON_JOINER}{reason}" if held else reason)[:255]
    order.on_hold = True
    return ["on_hold", "hold_reason"]


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
        locked._history_user = _history_user(actor)
        # The code name, not the label: the history reads the same in every language.
        locked._change_reason = f"priority {Order.Priority(priority).name.lower()}: {reason}"
        locked.save(update_fields=["priority", "updated_at"])
        order.refresh_from_db()
    return locked


@transaction.atomic
def order_change_address(
    *, order: Order, receiver: dict[str, str], actor: Actor, reason: str
) -> Order:
    """Change the receiver (the history keeps the old one). Once picking has started the order
    is also held and the warehouse alerted, so that the parcel does not go to the old address.
    """
    _check_permission(actor, CHANGE_ORDER_PERMISSION, "change an order's address")
    unknown = sorted(set(receiver) - set(_RECEIVER_FIELDS))
    if unknown:
        raise ValidationFailed(
            f"Unknown receiver fields: {', '.join(unknown)} (use {', '.join(_RECEIVER_FIELDS)})."
        )
    if not reason.strip():
        raise ValidationFailed("Say why the address changes.")
    locked = _lock(order)
    if locked.status not in (Status.PENDING_PAYMENT, *BEFORE_SHIPPING):
        raise Conflict(
            f"Order {locked.hub_no} is '{locked.status}' ({_status_label(locked.status)}): it "
            f"has left the warehouse or is closed, so its address cannot change here. Ask the "
            f"carrier to redirect the parcel.",
            extra={"current_state": locked.status},
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
    if not changed:
        raise ValidationFailed("The new address is the same as the current one.")
    for name, value in changed.items():
        setattr(locked, name, value)
    fields = [*changed, "updated_at"]
    why = f"address changed: {reason.strip()}"
    intercepted = locked.status in IN_WAREHOUSE
    if intercepted:
        fields += _with_hold(locked, "address changed after picking started")
        why += "; held: picking had started"
    locked._history_user = _history_user(actor)
    locked._change_reason = why
    locked.save(update_fields=fields)
    if intercepted:
        record_id = locked.history.order_by("-history_id").values_list("history_id", flat=True)[0]
        alert_raise(
            key=f"address-changed:{locked.pk}:{record_id}", kind="address_changed",
            team="warehouse", order=locked,
            title=f"Order {locked.hub_no}: address changed after picking started (held)",
            message=(
                f"New address: {locked.receiver_name} {locked.receiver_phone}, "
                f"{locked.receiver_province} {locked.receiver_city} {locked.receiver_district} "
                f"{locked.receiver_address}. Reason: {reason.strip()}. Relabel the parcel, "
                f"then release the hold."
            ),
            data={"changed": sorted(changed)},
        )
    order.refresh_from_db()
    return locked


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
    if locked.status not in BEFORE_SHIPPING:
        raise Conflict(
            f"Order {locked.hub_no} is '{locked.status}' ({_status_label(locked.status)}): it "
            f"has left the warehouse or is closed; a refund now goes through after-sales.",
            extra={"current_state": locked.status},
        )
    if locked.on_hold and "refund requested" in locked.hold_reason:
        raise Conflict(f"A refund has already been requested for order {locked.hub_no}.")
    note = f"refund requested: {reason.strip()}"
    fields = _with_hold(locked, note)
    locked._history_user = _history_user(actor)
    locked._change_reason = note
    locked.save(update_fields=[*fields, "updated_at"])
    OrderTag.objects.get_or_create(order=locked, tag="refund_requested",
                                   defaults={"note": reason.strip()[:255]})
    if locked.status in IN_WAREHOUSE:
        alert_raise(
            key=f"refund-requested:{locked.pk}", kind="refund_requested", team="warehouse",
            order=locked, title=f"Order {locked.hub_no}: refund requested, stop packing (held)",
            message=f"The buyer asked for a refund ({reason.strip()}); the order is held.",
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
    locked._history_user = _history_user(actor)
    locked._change_reason = f"gift scanned: {code}"
    locked.save(update_fields=["status", "scanned_at", "scanned_by", "updated_at"])
    gift.refresh_from_db()
    return locked
