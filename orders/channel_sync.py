"""Orders-side services that put a channel's order into the hub, called by the channels app.

The channels app turns a platform's payload into an :class:`orders.services.OrderInput`; these
services create or update the order from it, with history, and apply the channel's status
without ever moving an order backwards:

- a status ahead on the main path (``MAIN_PATH``) walks the order forward one legal move at a
  time through the transition services, as the system user (``actor=None``), so the history
  shows every step and why; a status behind or equal changes nothing ("paid" for an order that
  is already picking stays picking);
- a channel cancel or refund cancels (or refunds) an order that has not reached the warehouse;
  once the warehouse has it, the order is put on hold with the reason instead, so a person
  decides (the parcel may be on a shelf or a truck);
- an order under risk review is left to the reviewer; a held order is not moved forward.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, models, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from orderhub.core.bulk import copy_rows, copy_supported
from orderhub.core.errors import Conflict
from orderhub.core.history import Actor, audit, audited_bulk_create, audited_bulk_update
from orderhub.core.texts import field_of
from orders import texts
from orders.events import orders_created_record
from orders.holds import (
    CHANNEL_CANCEL_KEY,
    hold_place,
    open_holds,
    order_release_own_hold,
)
from orders.locks import orders_for_update
from orders.models import Channel, Hold, Order, OrderLine, OrderTag
from orders.selectors import FULFILLED_BY_CHANNEL
from orders.services import (
    TRANSITION_SERVICES,
    OrderInput,
    _build_order,
    order_row,
    HubNumbers,
    hub_numbers_assign,
    orders_create,
)
from orders.sla.exemptions import orders_deadlines_exempt
from orders.state_machine import (
    BEFORE_SHIPPING,
    CANCELLED_OR_REFUNDED,
    FINAL_STATUSES,
    IN_WAREHOUSE,
    MAIN_PATH,
    MOVES,
    NOT_YET_IN_WAREHOUSE,
    Status,
)

# Until the parcel leaves, a channel may still stop it (locked, refund requested); once the
# warehouse has it, a channel cancel becomes a hold, never a silent cancel.
STOPPABLE = BEFORE_SHIPPING
# The fields a re-delivery may change; status, holds, priority and deadlines are the hub's.
SYNCED_FIELDS = (
    "currency", "goods_amount", "shipping_amount", "discount_amount", "paid_amount",
    "payment_serial_no", "receiver_name", "receiver_phone", "receiver_province", "receiver_city",
    "receiver_district", "receiver_address", "placed_at", "paid_at", "ship_by", "buyer_note",
    "tracking_no", "carrier", "channel_status",
)
RECEIVER_FIELDS = frozenset(name for name in SYNCED_FIELDS if name.startswith("receiver_"))
_RANK = {status: index for index, status in enumerate(MAIN_PATH)}
_MOVE_OF_EDGE = {(source, move.target): move.name for move in MOVES for source in move.sources}
_CHUNK = 2000


# --- reading ------------------------------------------------------------------------------------
def one_of(model: type[models.Model], name: str, values: Sequence) -> Q | RawSQL:
    """``<name> IN values`` as a filter; on PostgreSQL ``= ANY(array)``, one parameter instead
    of thousands (Django and the driver prepare each IN parameter one by one)."""
    if connection.vendor != "postgresql":
        return Q(**{f"{name}__in": values})
    column = model._meta.get_field(name).column
    quote = connection.ops.quote_name
    return RawSQL(f"{quote(model._meta.db_table)}.{quote(column)} = ANY(%s)", (list(values),),
                  output_field=BooleanField())


def chunks(values: Sequence, size: int | None = None) -> Iterable[Sequence]:
    """The values in pieces small enough for SQLite's parameter limit (whole on PostgreSQL)."""
    size = size or (len(values) or 1 if connection.vendor == "postgresql" else _CHUNK)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def orders_by_channel_no(
    *, channel: Channel, numbers: Iterable[str], lock: bool = False
) -> dict[str, Order]:
    """The channel's orders with these numbers (one query), locked in id order."""
    numbers = list(dict.fromkeys(numbers))
    found: dict[str, Order] = {}
    for part in chunks(numbers):
        qs = (orders_for_update() if lock else Order.objects).filter(
            one_of(Order, "channel_order_no", part), channel=channel)
        if lock:
            qs = qs.order_by("pk")
        found.update((order.channel_order_no, order) for order in qs)
    return found


# --- creating -----------------------------------------------------------------------------------
@dataclass
class CreateOutcome:
    created: dict[str, "NewOrder"] = field(default_factory=dict)
    #: Numbers that another delivery created at the same moment: the caller updates them.
    existing: dict[str, Order] = field(default_factory=dict)


@transaction.atomic
def orders_create_from_channel(
    *, channel: Channel, orders: Sequence[OrderInput], actor: Actor, reason: str,
    reserved: HubNumbers | None = None,
) -> CreateOutcome:
    """Create the channel's new orders in bulk (hub numbers, lines, history); hub numbers come
    from ``reserved`` (taken ahead by ingestion) where it has them.

    Two deliveries of the same new order can race: the unique (channel, channel order number)
    constraint lets one win; the other's insert fails, and the orders that now exist are handed
    back as ``existing`` to be treated as updates, while the rest are created.
    """
    outcome = CreateOutcome()
    pending = list(orders)
    for _attempt in range(3):
        if not pending:
            return outcome
        try:
            with transaction.atomic():
                if copy_supported():
                    created = _orders_copy_create(channel=channel, orders=pending, actor=actor,
                                                  reason=reason, reserved=reserved)
                else:
                    created = [NewOrder.of(order) for order in orders_create(
                        channel=channel, orders=pending, actor=actor, reason=reason,
                        reserved=reserved)]
        except IntegrityError:
            taken = orders_by_channel_no(
                channel=channel, numbers=[data.channel_order_no for data in pending], lock=True
            )
            if not taken:
                raise
            outcome.existing.update(taken)
            pending = [data for data in pending if data.channel_order_no not in taken]
            continue
        outcome.created.update((order.channel_order_no, order) for order in created)
        return outcome
    raise Conflict(f"Channel {channel.code}: orders kept being created concurrently; retry.")


@dataclass
class NewOrder:
    """What ingestion needs of an order it just created (no model instance: speed)."""

    pk: int
    hub_no: str
    channel_order_no: str
    channel_id: int
    customer_id: int | None
    status: str
    placed_at: dt.datetime | None

    @classmethod
    def of(cls, order: Order) -> "NewOrder":
        return cls(order.pk, order.hub_no, order.channel_order_no, order.channel_id,
                   order.customer_id, order.status, order.placed_at)


def _orders_copy_create(
    *, channel: Channel, orders: Sequence[OrderInput], actor: Actor, reason: str,
    reserved: HubNumbers | None,
) -> list[NewOrder]:
    """``orders.services.orders_create`` with COPY: the same hub numbers, rows and history."""
    numbers = hub_numbers_assign(channel=channel, orders=orders, reserved=reserved)
    now = timezone.now()
    built = [order_row(channel, hub_no, data, now) for hub_no, data in zip(numbers, orders)]
    rows = [row for row, _lines in built]
    line_rows = [lines for _row, lines in built]
    ids = copy_rows(Order, rows, actor=actor, reason=reason)
    flat = []
    for order_id, lines in zip(ids, line_rows):
        for line in lines:
            line["order_id"] = order_id
            flat.append(line)
    copy_rows(OrderLine, flat, actor=actor, reason=reason)
    orders_created_record((row["id"], row["status"]) for row in rows)
    return [NewOrder(row["id"], row["hub_no"], row["channel_order_no"], channel.pk,
                     row["customer_id"], row["status"], row["placed_at"]) for row in rows]


# --- updating -----------------------------------------------------------------------------------
@dataclass
class UpdateOutcome:
    changed_ids: set[int] = field(default_factory=set)
    #: Orders whose receiver changed while the warehouse was working on them.
    address_changed_in_warehouse: list[Order] = field(default_factory=list)


def _line_key(line: OrderLine) -> tuple:
    return (line.sku, line.channel_sku, line.title, line.quantity, line.unit_price, line.amount,
            line.product_id)


@transaction.atomic
def orders_update_from_channel(
    *, channel: Channel, updates: Sequence[tuple[Order, OrderInput]], actor: Actor, reason: str
) -> UpdateOutcome:
    """Apply what changed in re-delivered orders (not their status), with history.

    ``updates`` pairs each order, read locked by the caller, with its new canonical form. Only
    changed orders are written (one bulk update); lines are replaced when they differ. An
    empty customer is filled in; a customer already set is identity matching's business.
    """
    outcome = UpdateOutcome()
    if not updates:
        return outcome
    now = timezone.now()
    changed: list[Order] = []
    written: set[str] = set()
    fresh_lines: dict[int, list[OrderLine]] = {}
    for order, data in updates:
        fresh, lines = _build_order(channel, order.hub_no, data)
        names = [name for name in SYNCED_FIELDS if getattr(fresh, name) != getattr(order, name)]
        if order.customer_id is None and data.customer_id:
            names.append("customer_id")
            fresh.customer_id = data.customer_id
        fresh_lines[order.pk] = lines
        if not names:
            continue
        if order.status in IN_WAREHOUSE and RECEIVER_FIELDS.intersection(names):
            outcome.address_changed_in_warehouse.append(order)
        for name in names:
            setattr(order, name, getattr(fresh, name))
        order.updated_at = now
        order._change_reason = texts.CHANNEL_FIELDS.encode(
            source=reason, fields=[field_of(Order, name.removesuffix("_id")) for name in names])
        written.update(names)
        changed.append(order)
    if changed:
        audited_bulk_update(changed, Order, fields=sorted(written | {"updated_at"}), actor=actor,
                            reason=reason)
        outcome.changed_ids.update(order.pk for order in changed)
    outcome.changed_ids.update(_lines_replace(fresh_lines=fresh_lines, actor=actor, reason=reason))
    return outcome


def _lines_replace(
    *, fresh_lines: dict[int, list[OrderLine]], actor: Actor, reason: str
) -> set[int]:
    current: dict[int, list[OrderLine]] = {pk: [] for pk in fresh_lines}
    ids = list(fresh_lines)
    for part in chunks(ids):
        for line in OrderLine.objects.filter(one_of(OrderLine, "order", part)):
            current[line.order_id].append(line)
    replaced = {
        pk for pk, lines in fresh_lines.items()
        if sorted(map(_line_key, lines), key=repr) != sorted(map(_line_key, current[pk]), key=repr)
    }
    if not replaced:
        return set()
    for pk in sorted(replaced):
        for line in current[pk]:
            # A deletion through the model records a "-" history row, unlike QuerySet.delete().
            audit(line, actor=actor, reason=reason)
            line.delete()
    new_lines = []
    for pk in sorted(replaced):
        for line in fresh_lines[pk]:
            line.order_id = pk
            new_lines.append(line)
    audited_bulk_create(new_lines, OrderLine, actor=actor, reason=reason)
    return replaced


# --- status ---------------------------------------------------------------------------------------
@dataclass
class StatusOutcome:
    result: str  # unchanged, moved, cancelled, refunded, held, awaiting_review, blocked_by_hold
    note: str = ""


def order_apply_channel_status(
    *, order: Order, status: str, actor: Actor, reason: str,
    paid_at: dt.datetime | None = None, payment_serial_no: str = "", carrier: str = "",
    tracking_no: str = "",
) -> StatusOutcome:
    """Move ``order`` towards the channel's ``status``, forward only (see the module doc)."""
    current = order.status
    if current in FINAL_STATUSES or current == status:
        return StatusOutcome("unchanged")
    if status in CANCELLED_OR_REFUNDED:
        return _channel_cancel(order=order, status=status, actor=actor, reason=reason)
    if status not in _RANK or current not in _RANK or _RANK[status] <= _RANK[current]:
        return StatusOutcome("unchanged")
    if current == Status.RISK_REVIEW:
        return StatusOutcome("awaiting_review", texts.CHANNEL_AWAITS_REVIEW.encode())
    if order.on_hold:
        return StatusOutcome("blocked_by_hold", _holds_note(order))
    extras = {
        "pay": {"paid_at": paid_at, "payment_serial_no": payment_serial_no},
        "print_label": {"carrier": carrier, "tracking_no": tracking_no},
    }
    walk = [s for s in MAIN_PATH[_RANK[current] + 1:_RANK[status] + 1] if s != Status.RISK_REVIEW]
    for target in walk:
        name = _MOVE_OF_EDGE.get((order.status, target))
        if name is None:  # e.g. delivered → settled where the invoice step is required
            break
        TRANSITION_SERVICES[name](order=order, actor=actor, reason=reason,
                                  **extras.get(name, {}))
    return StatusOutcome("moved")


def _channel_cancel(*, order: Order, status: str, actor: Actor, reason: str) -> StatusOutcome:
    if order.status in NOT_YET_IN_WAREHOUSE:
        if status == Status.REFUNDED and order.status != Status.PENDING_PAYMENT:
            TRANSITION_SERVICES["refund"](order=order, actor=actor, reason=reason)
            return StatusOutcome("refunded")
        TRANSITION_SERVICES["cancel"](order=order, actor=actor, reason=reason)
        return StatusOutcome("cancelled")
    late = (texts.CHANNEL_CANCELLED_LATE if status == Status.CANCELLED
            else texts.CHANNEL_REFUNDED_LATE)
    held = order_hold_for_channel(order=order, key=CHANNEL_CANCEL_KEY,
                                  reason=late.encode(source=reason))
    return StatusOutcome("held" if held else "unchanged", _holds_note(order))


def _holds_note(order: Order) -> str:
    """The order's open holds, as a stored text (the delivery's answer keeps it)."""
    return texts.CHANNEL_BLOCKED.encode(holds=[
        texts.HOLD_LINE.encode(source=Hold.Source(hold.source), reason=hold.reason)
        for hold in open_holds(order)])


# --- holds and tags -------------------------------------------------------------------------------
def order_hold_for_channel(*, order: Order, key: str, reason: str) -> bool:
    """Hold the order for the channel (``key`` says which of its reasons, so that the channel
    lifts only its own); ``False`` when that hold is on already or the order is finished."""
    if order.status in FINAL_STATUSES:
        return False
    return hold_place(order=order, actor=None, reason=reason, source=Hold.Source.CHANNEL,
                      key=key) is not None


def order_release_channel_hold(*, order: Order, key: str, reason: str) -> bool:
    """Lift the channel's hold ``key`` (never one a person or another source placed)."""
    return order_release_own_hold(order=order, key=key, reason=reason)


def order_tags_add(*, tags: Iterable[tuple[int, str, str]]) -> None:
    """Flag orders (order id, tag slug, note); a flag already on an order stays as it is."""
    rows = [OrderTag(order_id=order_id, tag=tag, note=note[:255]) for order_id, tag, note in tags]
    if rows:
        OrderTag.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # The channel ships these itself: the hub's deadlines come off (idempotent).
    orders_deadlines_exempt(order_ids=[row.order_id for row in rows
                                       if row.tag == FULFILLED_BY_CHANNEL])


def order_tags_remove(*, order_ids: Iterable[int], tag: str) -> int:
    """Take a flag off orders once what it pointed at is resolved (e.g. the SKU is mapped)."""
    deleted = 0
    for part in chunks(list(order_ids)):
        deleted += OrderTag.objects.filter(one_of(OrderTag, "order", part), tag=tag).delete()[0]
    return deleted
