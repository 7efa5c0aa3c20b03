"""One move of the state machine applied to many orders at once, in set-based statements.

``orders_move_many`` does for thousands of orders what the move's one-order service in
``orders.services`` does for one, with the same result row for row (a test moves the same
orders both ways and compares the orders, their history rows and their events): check the
actor's permission, lock, keep the orders the move may apply to, move them, set their deadlines,
record who, why and from where in the history, and record one ``order.status_changed`` event
each. Finance settles the orders a statement pays with it (DESIGN.md section 6: ≥ 2,000
orders/s; one ``order_settle`` at a time manages about a hundred).

Per chunk of ``LOCK_CHUNK`` ids, in id order, in one transaction (the caller's batch; on
PostgreSQL the ids travel as one array parameter, ``= ANY(%s)``):

1. ``SELECT … FOR UPDATE OF`` the order rows (``orders.locks``), never the channel's row that
   the settle condition joins: a bulk move must neither wait for one-order moves of the same
   channel nor make them wait. Locks are taken in id order (one-order services lock one order),
   so bulk moves cannot deadlock with each other or with one-order moves. Under
   PostgreSQL's READ COMMITTED the locked row is the latest committed one: an order someone
   moved after the caller chose it (refunded, say) is judged in its new state.
2. Sort them, in the order the one-order service checks: wrong state, on hold, condition not
   met (``Move.condition``). Those not moved are reported with the exception the service would
   raise for them (its words, its code).
3. One ``UPDATE`` of status, ``state_entered_at``, ``updated_at`` and the deadline columns,
   computed by the rules of ``orders.sla.deadlines``: the new state's due time is the same for
   every order of a channel (one ``CASE`` on the channel), the ship-by changes only for a paid
   order without one, and the rare order whose move ends a breach no sweep saw gets its alert
   through the one-order code. ``QuerySet.update()`` writes no history (STYLE.md); step 4 does.
4. One ``INSERT … SELECT`` into the history table: each order's row is copied as it now is,
   every tracked field, with ``history_type`` "~", the user, the reason, the date and the
   request's IP address. Copying in the database (rather than reading the rows into Python and
   writing them back with COPY, as ingestion does for rows it builds) means the history row
   cannot differ from the row and no value makes the round trip.
5. The events, with ``events_record`` (COPY on PostgreSQL): handlers run after commit.

Only moves whose one-order service is the bare transition can be applied so (``BULK_MOVES``):
the others carry arguments (pay, print_label), a guard of their own (print_label waits for
gifts) or effects after the move (pay, hand_over, cancel, refund schedule stock work and
cancel gifts), which belong to their services.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Expression, F, Value, When
from django.utils import timezone

from orderhub.core.errors import DomainError, NotFound, ValidationFailed
from orderhub.core.history import history_user, request_ip
from orderhub.events.services import events_record
from orders.channel_sync import one_of
from orders.events import status_changed
from orders.models import Order
from orders.services import (
    Actor,
    _default_reason,
    _illegal,
    _on_hold,
    check_move_permission,
)
from orders.sla.config import deadline_config
from orders.sla.exemptions import exempt_order_ids
from orders.sla.deadlines import (
    StateLeft,
    breaches_ended,
    order_breaches_record,
    ship_by_after_move,
    state_due_at,
)
from orders.state_machine import MOVES_BY_NAME, Move

LOCK_CHUNK = 2000
BULK_MOVES = frozenset({
    "send_to_review", "approve", "start_picking", "start_packing", "deliver", "invoice",
    "settle", "archive", "close",
})

# Why an order was not moved (the service raises IllegalTransition for a wrong state and for
# an unmet condition alike; the report tells them apart).
WRONG_STATE = "wrong_state"
ON_HOLD = "on_hold"
CONDITION_NOT_MET = "condition_not_met"
GONE = "not_found"


@dataclass(frozen=True)
class NotMoved:
    """An order the move was refused for, with what its one-order service would have raised
    (an id that names no order any more has no hub number: its message names the id)."""

    order_id: int
    hub_no: str
    why: str
    error: DomainError

    @property
    def message(self) -> str:
        return self.error.message


@dataclass
class BulkMoveReport:
    move: str
    #: Orders moved, id → hub number, in id order.
    moved: dict[int, str] = field(default_factory=dict)
    not_moved: list[NotMoved] = field(default_factory=list)


@dataclass(frozen=True)
class _Locked:
    """An order's row as read under its lock: what the checks, the deadlines and the event
    need (plain values: no model instance per order)."""

    id: int
    hub_no: str
    status: str
    on_hold: bool
    channel_id: int
    priority: int
    paid_at: Any
    ship_by: Any
    state_entered_at: Any
    state_due_at: Any
    meets_condition: bool

    @property
    def left(self) -> StateLeft:
        return StateLeft(self.status, self.state_entered_at, self.state_due_at)


_LOCKED_FIELDS = (
    "id", "hub_no", "status", "on_hold", "channel_id", "priority", "paid_at", "ship_by",
    "state_entered_at", "state_due_at",
)


@dataclass(frozen=True)
class _Stamp:
    """Who, when, why and from where: the same on every history row of one call."""

    user_id: int
    reason: str
    ip_address: str | None
    now: Any


def _bulk_move(name: str) -> Move:
    """The move ``name``, if it can be applied to many orders at once."""
    if name not in MOVES_BY_NAME:
        raise NotFound(f"There is no transition '{name}'. Transitions: {', '.join(MOVES_BY_NAME)}.")
    if name not in BULK_MOVES:
        raise ValidationFailed(
            f"'{name}' cannot be applied to many orders at once: its service does more than "
            f"the move. Apply it order by order. In bulk: {', '.join(sorted(BULK_MOVES))}."
        )
    return MOVES_BY_NAME[name]


@transaction.atomic
def orders_move_many(
    *, name: str, order_ids: Sequence[int], actor: Actor, reason: str
) -> BulkMoveReport:
    """Apply the move ``name`` to many orders at once, as its one-order service would to each."""
    move = _bulk_move(name)
    check_move_permission(move=move, actor=actor)
    stamp = _Stamp(
        user_id=history_user(actor).pk, reason=reason or _default_reason(move),
        ip_address=request_ip(), now=timezone.now(),
    )
    report = BulkMoveReport(move=name)
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), LOCK_CHUNK):
        _move_chunk(move, ids[start:start + LOCK_CHUNK], stamp=stamp, report=report)
    return report


def _move_chunk(move: Move, ids: Sequence[int], *, stamp: _Stamp, report: BulkMoveReport) -> None:
    rows = _lock(move, ids)
    movable: list[_Locked] = []
    refused: dict[int, str] = {}
    for row in rows:
        why = _why_not(move, row)
        if why:
            refused[row.id] = why
        else:
            movable.append(row)
    if movable:
        _update(move, movable, now=stamp.now)
        _history_insert([row.id for row in movable], stamp=stamp)
        events_record([
            status_changed(order_id=row.id, old=row.status, new=move.target, move=move.name)
            for row in movable
        ])
        report.moved.update((row.id, row.hub_no) for row in movable)
    found = {row.id for row in rows}
    report.not_moved += _refusals(move, refused)
    report.not_moved += [
        NotMoved(pk, "", GONE, NotFound(f"Order #{pk} no longer exists."))
        for pk in ids if pk not in found
    ]


def _lock(move: Move, ids: Sequence[int]) -> list[_Locked]:
    meets = (
        Case(When(move.condition.rows, then=Value(True)), default=Value(False))
        if move.condition else Value(True)
    )
    rows = (
        Order.objects.filter(one_of(Order, "id", ids)).order_by("pk")
        .select_for_update(of=("self",))
        .annotate(meets_condition=meets).values_list(*_LOCKED_FIELDS, "meets_condition")
    )
    return [_Locked(*row) for row in rows]


def _why_not(move: Move, row: _Locked) -> str:
    if row.status not in move.sources:
        return WRONG_STATE
    if move.blocked_by_hold and row.on_hold:
        return ON_HOLD
    if not row.meets_condition:
        return CONDITION_NOT_MET
    return ""


def _refusals(move: Move, refused: dict[int, str]) -> list[NotMoved]:
    """The one-order service's exception for each order not moved (read with its channel,
    for the moves the refusal lists as allowed; refusals are few)."""
    if not refused:
        return []
    orders = (Order.objects.filter(one_of(Order, "id", list(refused)))
              .select_related("channel").order_by("pk"))
    report = []
    for order in orders:
        why = refused[order.pk]
        error = _on_hold(order, move) if why == ON_HOLD else _illegal(order, move)
        report.append(NotMoved(order.pk, order.hub_no, why, error))
    return report


def _update(move: Move, rows: list[_Locked], *, now) -> None:
    """Move the locked orders, with the deadline columns ``order_deadlines_on_move`` sets."""
    config = deadline_config()
    due_by_channel = {
        channel_id: state_due_at(
            status=move.target, channel_id=channel_id, entered_at=now, config=config
        )
        for channel_id in {row.channel_id for row in rows}
    }
    ship_by: dict[int, Any] = {}
    late: dict[int, StateLeft] = {}
    # Orders the channel fulfils keep no deadline (``orders.sla.exemptions``).
    exempt = exempt_order_ids(channel_of={row.id: row.channel_id for row in rows}, config=config)
    for row in rows:
        if row.id in exempt:
            if row.ship_by is not None:
                ship_by[row.id] = None
            continue
        promise = ship_by_after_move(
            ship_by=row.ship_by, channel_id=row.channel_id, priority=row.priority,
            paid_at=row.paid_at, config=config,
        )
        if promise != row.ship_by:
            ship_by[row.id] = promise
        if breaches_ended(left=row.left, status=move.target, ship_by=promise, now=now):
            late[row.id] = row.left
    columns: dict[str, Any] = {
        "status": move.target, "state_entered_at": now, "updated_at": now, "is_stuck": False,
        "state_due_at": _per_row("channel_id", due_by_channel),
    }
    if exempt:
        columns["state_due_at"] = Case(When(pk__in=sorted(exempt), then=Value(None)),
                                       default=columns["state_due_at"],
                                       output_field=DateTimeField())
    if ship_by:
        columns["ship_by"] = _per_row("pk", ship_by, otherwise=F("ship_by"))
    Order.objects.filter(one_of(Order, "id", [row.id for row in rows])).update(**columns)
    if late:
        # Raised and resolved at once, as when one order moves late (read in its new state).
        for order in Order.objects.filter(pk__in=list(late)).order_by("pk"):
            order_breaches_record(order=order, left=late[order.pk], now=now)


def _per_row(key: str, values: dict, *, otherwise: Expression | None = None) -> Expression:
    """A datetime column set to ``values[<key of the row>]``: one ``CASE`` with a branch per
    distinct value (or the value itself when every row takes it)."""
    keys_of = defaultdict(list)
    for row_key, value in values.items():
        keys_of[value].append(row_key)
    if otherwise is None and len(keys_of) == 1:
        return Value(next(iter(keys_of)), output_field=DateTimeField())
    return Case(
        *[When(**{f"{key}__in": keys}, then=Value(value, output_field=DateTimeField()))
          for value, keys in keys_of.items()],
        default=otherwise if otherwise is not None else Value(None),
        output_field=DateTimeField(),
    )


def _history_insert(ids: list[int], *, stamp: _Stamp) -> None:
    """One history row per order, copied from the order's row: ``INSERT … SELECT``."""
    history = Order.history.model
    quote = connection.ops.quote_name
    order_table = quote(Order._meta.db_table)
    order_columns = {f.attname: f.column for f in Order._meta.concrete_fields}
    tracked = {f.attname for f in history.tracked_fields}
    stamps = {
        "history_date": stamp.now, "history_type": "~", "history_user_id": stamp.user_id,
        "history_change_reason": stamp.reason, "ip_address": stamp.ip_address,
    }
    columns, values, params = [], [], []
    for column_field in history._meta.concrete_fields:
        if column_field.primary_key:
            continue
        columns.append(quote(column_field.column))
        if column_field.attname in tracked:
            values.append(f"{order_table}.{quote(order_columns[column_field.attname])}")
        else:
            # A history column added later and not stamped here fails loudly (KeyError).
            values.append("%s")
            params.append(column_field.get_db_prep_save(stamps[column_field.attname], connection))
    query = Order.objects.filter(one_of(Order, "id", ids)).query
    where, where_params = query.get_compiler(connection=connection).compile(query.where)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {order_table} WHERE {where} "
            f"ORDER BY {order_table}.{quote(Order._meta.pk.column)}",
            [*params, *where_params],
        )
