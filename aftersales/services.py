"""Writes on after-sales cases: one function per use case, the only code that changes a case.

A move follows the orders' steps (STYLE.md): check the actor's permission, lock the case, check
the move is legal for its kind and state (409 naming the state and the moves allowed), call the
``@transition`` method, save with ``update_fields`` and record who, why and from where in the
history, then record ``aftersales.status_changed``. What a move means for the order, the stock
and the money is done through the other apps' public services (``orders.services``,
``orders.holds``, ``logistics.services.stock``) or told as an event (``aftersales.events``).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from orderhub.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from orderhub.core.history import Actor, audit
from orderhub.core.texts import choice
from orders.models import Channel, Hold, Order

from aftersales import effects, texts
from aftersales.events import case_created_record, case_moved_record
from aftersales.models import Case, CaseLine, Inspection
from aftersales.reasons import classify
from aftersales.routing import answer_due, route
from aftersales.state_machine import (
    CASE_MOVES_BY_NAME,
    CASE_RANK,
    FINAL_CASE_STATUSES,
    CaseMove,
    CaseStatus,
    Kind,
)

OPEN_PERMISSION = "aftersales.add_case"
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class IllegalCaseMove(Conflict):
    code = "illegal_transition"


# --- what comes in -------------------------------------------------------------------------------
@dataclass
class CaseLineInput:
    title: str = ""
    quantity: int = 1
    sku: str = ""
    channel_sku: str = ""


@dataclass
class CaseInput:
    """A case as a platform adapter (or staff) describes it, in the hub's terms."""

    channel_case_no: str
    channel_order_no: str
    kind: str
    status: str = CaseStatus.REQUESTED
    channel_status: str = ""
    amount: Decimal = Decimal("0.00")
    buyer_words: str = ""
    platform_reason: str = ""
    requested_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    return_carrier: str = ""
    return_tracking_no: str = ""
    lines: Sequence[CaseLineInput] = field(default_factory=list)
    raw: Any = None


def json_safe(raw: Any) -> dict:
    """The platform's object as JSON values (bodies are parsed with exact decimals)."""
    if raw is None:
        return {}
    value = json.loads(json.dumps(raw, default=str, ensure_ascii=False))
    return value if isinstance(value, dict) else {"payload": value}


def _user(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _order_of(channel: Channel, channel_order_no: str) -> Order | None:
    return Order.objects.filter(channel=channel, channel_order_no=channel_order_no).first()


def _lines_for(case: Case, order: Order | None, lines: Sequence[CaseLineInput]) -> list[CaseLine]:
    """The case's lines, each tied to the order's line with the same channel SKU or SKU."""
    order_lines = list(order.lines.all()) if order is not None else []
    built = []
    for line in lines:
        match = next((ol for ol in order_lines if line.channel_sku and ol.channel_sku ==
                      line.channel_sku), None) or next(
            (ol for ol in order_lines if line.sku and ol.sku == line.sku), None)
        if match is None and len(order_lines) == 1 and len(lines) == 1:
            match = order_lines[0]
        built.append(CaseLine(case=case, order_line=match, quantity=line.quantity,
                              title=line.title or (match.title if match else ""),
                              sku=line.sku or (match.sku if match else ""),
                              channel_sku=line.channel_sku))
    return built


def _apply_reason(case: Case) -> None:
    result = classify(case.buyer_words, case.platform_reason)
    case.reason_category = result.category
    case.deciding_words = result.deciding_words[:255]
    case.team, case.priority = route(result.category)


@transaction.atomic
def case_receive(*, channel: Channel, data: CaseInput, actor: Actor) -> tuple[Case, str]:
    """Put a platform's case in: created, updated, or unchanged (the same report again).

    Idempotent by the platform's case id; a report never moves a case back (an older status
    arriving late changes nothing of the status); a case whose order the hub has not seen is
    kept and linked when the order arrives (``aftersales.handlers``).
    """
    if data.kind not in Kind.values:
        raise ValidationFailed(f"Unknown after-sales kind '{data.kind}'.")
    existing = (Case.objects.select_for_update()
                .filter(channel=channel, channel_case_no=data.channel_case_no).first())
    if existing is None:
        try:
            with transaction.atomic():
                return _case_create(channel=channel, data=data, actor=actor), CREATED
        except IntegrityError:
            # Another delivery of the same case created it meanwhile: update theirs.
            existing = (Case.objects.select_for_update()
                        .get(channel=channel, channel_case_no=data.channel_case_no))
    return existing, _case_update(existing, data=data, actor=actor)


def _case_create(*, channel: Channel, data: CaseInput, actor: Actor,
                 order: Order | None = None, reason: str = "") -> Case:
    order = order or _order_of(channel, data.channel_order_no)
    requested_at = data.requested_at or timezone.now()
    case = Case(
        channel=channel, channel_case_no=data.channel_case_no,
        channel_order_no=data.channel_order_no, order=order, kind=data.kind,
        channel_status=data.channel_status[:40], amount=data.amount,
        currency=order.currency if order else channel.currency,
        buyer_words=data.buyer_words, platform_reason=data.platform_reason[:255],
        requested_at=requested_at,
        due_at=answer_due(requested_at=requested_at, platform_deadline=data.deadline),
        return_carrier=data.return_carrier[:32], return_tracking_no=data.return_tracking_no[:64],
        raw=json_safe(data.raw),
    )
    case.__dict__["status"] = data.status  # protected field: set before the first save
    _apply_reason(case)
    if data.status in FINAL_CASE_STATUSES:
        case.closed_at = timezone.now()
    audit(case, actor=actor, reason=reason or (
        texts.CASE_OPENED.encode() if data.channel_case_no == "" else
        texts.FROM_CHANNEL.encode(channel=channel.code,
                                  status=data.channel_status or choice(CaseStatus, data.status))))
    case.save()
    CaseLine.objects.bulk_create(_lines_for(case, order, data.lines))
    case_created_record(case)
    if order is not None:
        effects.case_opened(case, actor=actor)
        effects.platform_moved(case, actor=actor)
    return case


def _case_update(case: Case, *, data: CaseInput, actor: Actor) -> str:
    changed = []
    if CASE_RANK[data.status] > CASE_RANK[case.status] and case.status not in FINAL_CASE_STATUSES:
        source = case.status
        case.__dict__["status"] = data.status
        changed.append("status")
        if data.status in FINAL_CASE_STATUSES:
            case.closed_at = timezone.now()
            changed.append("closed_at")
    else:
        source = None
    for name, value in (("channel_status", data.channel_status[:40]),
                        ("return_carrier", data.return_carrier[:32]),
                        ("return_tracking_no", data.return_tracking_no[:64])):
        if value and getattr(case, name) != value and (name != "channel_status" or source):
            setattr(case, name, value)
            changed.append(name)
    if data.amount and data.amount != case.amount and case.status == CaseStatus.REQUESTED:
        case.amount = data.amount
        changed.append("amount")
    if data.deadline is not None and data.deadline != case.due_at and \
            case.status not in FINAL_CASE_STATUSES:
        case.due_at = data.deadline
        changed.append("due_at")
    if not changed:
        return UNCHANGED
    audit(case, actor=actor, reason=texts.FROM_CHANNEL.encode(channel=case.channel.code,
                                                             status=data.channel_status))
    try:
        case.save(update_fields=[*changed, "updated_at"])
    except ConcurrentTransition:
        raise Conflict(f"Case {case.case_no} was changed at the same time; send it again.") \
            from None
    if source is not None:
        case_moved_record(case, source=source, move="platform")
        effects.platform_moved(case, actor=actor)
    if "return_tracking_no" in changed:
        effects.return_parcel_track(case)
    return UPDATED


@transaction.atomic
def case_open(*, order: Order, kind: str, actor: Actor, buyer_words: str = "",
              amount: Decimal | None = None, lines: Sequence[CaseLineInput] = (),
              reason: str = "") -> Case:
    """Customer service opens a case on an order (a phone call, a chat)."""
    if actor is not None and not actor.has_perm(OPEN_PERMISSION):
        raise PermissionRefused(f"Your role may not open after-sales cases (needs permission "
                                f"'{OPEN_PERMISSION}').")
    if kind not in Kind.values:
        raise ValidationFailed(f"Unknown after-sales kind '{kind}'.")
    if amount is not None and (amount < 0 or amount > order.paid_amount):
        raise ValidationFailed(f"The amount must be between 0 and what was paid "
                               f"({order.paid_amount} {order.currency}).")
    if amount is None:
        amount = order.paid_amount if kind in (Kind.REFUND_ONLY, Kind.RETURN) else Decimal("0.00")
    data = CaseInput(channel_case_no="", channel_order_no=order.channel_order_no, kind=kind,
                     amount=amount, buyer_words=buyer_words, lines=list(lines) or [
                         CaseLineInput(title=ol.title, quantity=ol.quantity, sku=ol.sku,
                                       channel_sku=ol.channel_sku) for ol in order.lines.all()])
    return _case_create(channel=order.channel, data=data, actor=actor, order=order,
                        reason=reason)


# --- moves ---------------------------------------------------------------------------------------
def allowed_case_moves(case: Case) -> list[str]:
    return [t.name for t in case.get_available_status_transitions()]


def _illegal(case: Case, move: CaseMove) -> IllegalCaseMove:
    allowed = allowed_case_moves(case)
    return IllegalCaseMove(
        f"Case {case.case_no} ({case.kind}) cannot '{move.name}': it is '{case.status}' "
        f"({CaseStatus(case.status).label}); allowed from here: "
        f"{', '.join(allowed) if allowed else 'none'}.",
        extra={"current_state": case.status, "allowed_transitions": allowed},
    )


def _lock(case: Case) -> Case:
    try:
        return (Case.objects.select_for_update(of=("self",))
                .select_related("order", "channel").get(pk=case.pk))
    except Case.DoesNotExist:
        raise NotFound(f"Case {case.case_no} no longer exists.") from None


@transaction.atomic
def case_transition(*, case: Case, name: str, actor: Actor, reason: str = "",
                    inspection: str = "") -> Case:
    """Apply the move ``name`` to a case, with its effects on the order, stock and money."""
    move = CASE_MOVES_BY_NAME.get(name)
    if move is None:
        raise NotFound(f"There is no case move '{name}'. Moves: "
                       f"{', '.join(CASE_MOVES_BY_NAME)}.")
    if actor is not None and not actor.has_perm(move.permission_name):
        raise PermissionRefused(f"Your role may not '{name}' after-sales cases (needs "
                                f"permission '{move.permission_name}').")
    locked = _lock(case)
    method = getattr(locked, name)
    if locked.status not in move.sources or not can_proceed(method):
        raise _illegal(locked, move)
    if name in ("reject",) and not reason.strip():
        raise ValidationFailed("Say why the request is rejected; the buyer reads it.")
    if name == "inspect" and inspection not in (Inspection.GOOD, Inspection.DAMAGED):
        raise ValidationFailed("Say whether the returned goods are 'good' or 'damaged'.")
    if name in ("refund", "reship") and locked.order_id is None:
        raise Conflict(f"Case {locked.case_no} has no order in the hub yet "
                       f"(channel order {locked.channel_order_no}); wait until it arrives.",
                       extra={"current_state": locked.status,
                              "allowed_transitions": allowed_case_moves(locked)})
    source = locked.status
    method(**({"inspection": inspection} if name == "inspect" else {}))
    now = timezone.now()
    fields = ["status", "updated_at"] + (["inspection"] if name == "inspect" else [])
    if name == "reship":
        locked.new_order = effects.new_outbound_order(locked)
        fields.append("new_order")
    if locked.first_answered_at is None and _user(actor) is not None:
        locked.first_answered_at = now
        fields.append("first_answered_at")
    if locked.status in FINAL_CASE_STATUSES:
        locked.closed_at = now
        locked.is_overdue = False
        fields += ["closed_at", "is_overdue"]
    audit(locked, actor=actor, reason=reason or texts.CASE_MOVE_NOTES[name].encode())
    try:
        locked.save(update_fields=fields)
    except ConcurrentTransition:
        raise Conflict(f"Case {locked.case_no} was changed by someone else; reload it.") \
            from None
    case_moved_record(locked, source=source, move=name)
    effects.case_moved(locked, move=name, actor=actor, reason=reason)
    case.refresh_from_db()
    return locked


# --- from the other apps -------------------------------------------------------------------------
@transaction.atomic
def cases_link_orders(*, order_ids: Sequence[int]) -> int:
    """Cases that came before their order: tie them to it now that it is here.

    Two queries for a batch of new orders, however large (the handler gets hundreds at once on
    a peak day, and nearly always finds no case waiting)."""
    orders = {(order.channel_id, order.channel_order_no): order for order in
              Order.objects.filter(pk__in=list(order_ids)).select_related("channel")}
    if not orders:
        return 0
    channels = sorted({channel for channel, _number in orders})
    numbers = sorted({number for _channel, number in orders})
    waiting = [case for case in Case.objects.select_for_update().filter(
        channel_id__in=channels, channel_order_no__in=numbers, order__isnull=True).order_by("pk")
        if (case.channel_id, case.channel_order_no) in orders]
    for case in waiting:
        order = orders[(case.channel_id, case.channel_order_no)]
        case.order = order
        case.currency = order.currency
        audit(case, actor=None, reason=texts.ORDER_ARRIVED.encode(hub_no=order.hub_no))
        case.save(update_fields=["order", "currency", "updated_at"])
        lines = list(case.lines.all())
        for line, built in zip(lines, _lines_for(case, order, [
                CaseLineInput(line.title, line.quantity, line.sku, line.channel_sku)
                for line in lines])):
            line.order_line = built.order_line
        CaseLine.objects.bulk_update(lines, ["order_line"])
        effects.case_opened(case, actor=None)
    return len(waiting)


@transaction.atomic
def case_for_returned_parcel(*, order_id: int, shipment_id: Any, carrier: str, tracking_no: str,
                             reason: str) -> Case | None:
    """A parcel refused or returned to sender: the order's open return case, or a new one."""
    order = Order.objects.select_related("channel").filter(pk=order_id).first()
    if order is None:
        return None
    case = (Case.objects.select_for_update()
            .filter(order=order, kind__in=[Kind.RETURN, Kind.EXCHANGE])
            .exclude(status__in=FINAL_CASE_STATUSES).order_by("pk").first())
    if case is None:
        data = CaseInput(
            channel_case_no="", channel_order_no=order.channel_order_no, kind=Kind.RETURN,
            status=CaseStatus.AWAITING_RETURN, amount=order.paid_amount,
            # The parcel coming back is the outbound one (set below), not a new return parcel.
            platform_reason=reason or "拒收/退回",
            lines=[CaseLineInput(ol.title, ol.quantity, ol.sku, ol.channel_sku)
                   for ol in order.lines.all()])
        case = _case_create(channel=order.channel, data=data, actor=None, order=order)
    fields = []
    if shipment_id not in (None, "") and case.return_shipment_id is None:
        case.return_shipment_id = int(shipment_id)
        fields.append("return_shipment_id")
    if tracking_no and not case.return_tracking_no:
        case.return_carrier, case.return_tracking_no = carrier[:32], tracking_no[:64]
        fields += ["return_carrier", "return_tracking_no"]
    if fields:
        audit(case, actor=None, reason=texts.RETURN_ON_ITS_WAY.encode())
        case.save(update_fields=[*fields, "updated_at"])
    return case


@transaction.atomic
def case_return_parcel_signed(*, shipment_id: int, reason: str) -> list[Case]:
    """The buyer's return parcel was signed for at the warehouse: its cases waiting for it move
    to ``returned`` (awaiting inspection), as the system with the courier's line as the why."""
    moved = []
    for case in Case.objects.filter(return_shipment_id=shipment_id,
                                    status=CaseStatus.AWAITING_RETURN).order_by("pk"):
        moved.append(case_transition(case=case, name="receive_return", actor=None,
                                     reason=reason))
    return moved


@transaction.atomic
def case_refund_confirm(*, case_id: int, statement_line_id: Any, colour: str,
                        actor: Actor = None) -> Case | None:
    """Finance matched the refund on a statement (green to the cent, yellow with a note)."""
    if actor is not None and not actor.has_perm("aftersales.confirm_refund"):
        raise PermissionRefused("Your role may not confirm refunds (needs permission "
                                "'aftersales.confirm_refund').")
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        return None
    if case.refund_confirmed_at is not None and case.refund_colour == colour:
        return case
    case.refund_confirmed_at = timezone.now()
    case.refund_statement_line_id = (int(statement_line_id) if statement_line_id not in
                                     (None, "") else None)
    case.refund_colour = str(colour or "")[:10]
    colour_text = texts.COLOURS.get(case.refund_colour)
    audit(case, actor=actor, reason=texts.REFUND_MATCHED.encode(
        colour=colour_text.encode() if colour_text else case.refund_colour))
    case.save(update_fields=["refund_confirmed_at", "refund_statement_line_id",
                             "refund_colour", "updated_at"])
    return case


HOLD_KEY = "aftersales:{case_id}"
HOLD_SOURCE = Hold.Source.AFTERSALES
