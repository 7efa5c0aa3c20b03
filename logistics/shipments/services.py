"""Writes on shipments: the label, shipments made from orders, and the courier's trace applied.

- :func:`shipment_label_print`: the warehouse records a parcel (carrier and a tracking number
  typed, scanned, or given by the electronic-waybill provider) for one or more packed orders;
  orders still in packing move to ``awaiting_pickup`` through ``orders.services``.
- :func:`shipments_follow_orders`: orders that arrived already shipped from their channel, or
  that staff handed over, get (or move) their shipment from the order's carrier and tracking
  number (the handler of the orders' events calls it).
- :func:`trace_apply`: new lines of a parcel's trace (a courier push); the status follows the
  furthest line ever seen (``STATUS_RANK``), so a repeated or older push never moves it back.

- :func:`return_shipment_record` (after-sales, issue 11): a buyer's return parcel, tracked by
  the same pushes, marked ``direction`` return.

Each change records ``shipment.created`` / ``shipment.status_changed`` (and
``shipment.returned``) once per order in the parcel (``logistics.shipments.events``); a return
parcel's changes are ``shipment.return_updated`` instead, which no order handler follows.
Lock order: orders (``orders.locks``), then the shipment row.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics import texts
from logistics.models import FulfilmentDecision, Warehouse
from logistics.rules import normalise_place
from logistics.shipments import kuaidi100
from logistics.shipments.alerts import trace_alerts_on_push
from logistics.shipments.carriers import OTHER, name_key, number_matches
from logistics.shipments.events import (
    SHIPMENT_CREATED,
    SHIPMENT_RETURN_UPDATED,
    SHIPMENT_RETURNED,
    SHIPMENT_STATUS_CHANGED,
    shipment_event_record,
)
from logistics.shipments.models import (
    RETURNED_STATUSES,
    STATUS_RANK,
    Carrier,
    Direction,
    Shipment,
    ShipmentEvent,
    ShipmentOrder,
    ShipmentStatus,
    Trust,
)
from logistics.shipments.subscriptions import subscriptions_send
from orderhub.alerts.services import alert_raise
from orderhub.core.errors import Conflict, DomainError, PermissionRefused, ValidationFailed
from orderhub.core.history import Actor
from orderhub.core.tasks import enqueue_on_commit
from orders.locks import orders_lock
from orders.models import Order
from orders.services import order_deliver, order_hand_over, order_print_label
from orders.state_machine import CANCELLED_OR_REFUNDED, Status

PRINT_LABEL_PERMISSION = "logistics.print_label"
Kind = ShipmentEvent.Kind
# A label may be added to an order being packed, or (a split order's further parcel) to one
# whose first parcel already waits for or left with the courier.
LABELLABLE = (Status.PACKING, Status.AWAITING_PICKUP, Status.IN_TRANSIT)
# What each kind of trace line says about where the parcel is (None: nothing new).
STATUS_OF_KIND: dict[str, str | None] = {
    Kind.LABEL: None,
    Kind.OTHER: None,
    Kind.COLLECTED: ShipmentStatus.IN_TRANSIT,
    Kind.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    Kind.SORTING_HOLD: ShipmentStatus.IN_TRANSIT,
    Kind.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    Kind.FAILED_ATTEMPT: ShipmentStatus.OUT_FOR_DELIVERY,
    Kind.SIGNED: ShipmentStatus.DELIVERED,
    Kind.REFUSED: ShipmentStatus.REFUSED,
    Kind.RETURNED: ShipmentStatus.RETURNED,
}
# The order's status → the status of a shipment made from it (orders that left with a number).
SHIPMENT_STATUS_OF_ORDER: dict[str, str] = {
    Status.AWAITING_PICKUP: ShipmentStatus.AWAITING_PICKUP,
    Status.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    **{status: ShipmentStatus.DELIVERED for status in (
        Status.DELIVERED, Status.INVOICED, Status.SETTLED, Status.ARCHIVED, Status.CLOSED)},
}


# --- carriers -----------------------------------------------------------------------------------
def carriers_by_name() -> dict[str, Carrier]:
    """Every carrier under its code and each of its other names (the table is small)."""
    found: dict[str, Carrier] = {}
    for carrier in Carrier.objects.all():
        for name in (carrier.code, carrier.name, carrier.name_en, carrier.kuaidi100_code,
                     *carrier.aliases.split(",")):
            if name.strip():
                found.setdefault(name_key(name), carrier)
    return found


def carrier_get(code: str) -> Carrier:
    """The active carrier with this code (or one of its names); a clear 400 otherwise."""
    carrier = carriers_by_name().get(name_key(code or ""))
    if carrier is None or not carrier.is_active or carrier.code == OTHER:
        codes = ", ".join(Carrier.objects.filter(is_active=True).exclude(code=OTHER)
                          .values_list("code", flat=True))
        raise ValidationFailed(
            _("'%(carrier)s' is not a carrier the hub ships with. Carriers: %(codes)s.")
            % {"carrier": code, "codes": codes})
    return carrier


def tracking_no_clean(carrier: Carrier, tracking_no: str) -> str:
    """The tracking number as printed (no spaces, upper case), checked against the carrier's
    format: a typo is refused at the packing table."""
    cleaned = "".join((tracking_no or "").split()).upper()
    if not cleaned:
        raise ValidationFailed(_("Scan or type the tracking number."))
    if not number_matches(carrier.tracking_pattern, cleaned):
        raise ValidationFailed(
            _("'%(number)s' is not a %(carrier)s tracking number (format: %(pattern)s).")
            % {"number": cleaned, "carrier": carrier.name,
               "pattern": carrier.tracking_pattern or "6-32 letters and digits"})
    return cleaned


# --- the label ----------------------------------------------------------------------------------
def waybill_number_get(*, order: Order, carrier_code: str) -> str:
    """A tracking number from Kuaidi100's electronic waybill (call it with no transaction open:
    it is a network call)."""
    carrier = carrier_get(carrier_code)
    if not carrier.kuaidi100_code:
        raise ValidationFailed(f"{carrier.name} has no Kuaidi100 code for electronic waybills.")
    titles = ", ".join(order.lines.values_list("title", flat=True))[:100]
    answer = kuaidi100.waybill_order(kuaidi100.WaybillRequest(
        company=carrier.kuaidi100_code, order_ref=order.hub_no,
        receiver_name=order.receiver_name, receiver_phone=order.receiver_phone,
        receiver_address=" ".join(filter(None, (order.receiver_province, order.receiver_city,
                                                order.receiver_district,
                                                order.receiver_address))),
        cargo=titles or order.hub_no))
    if not answer.ok:
        raise Conflict(f"The electronic-waybill provider gave no number: {answer.code} "
                       f"{answer.message}".strip())
    return str(answer.data["kuaidinum"])


def check_print_permission(actor: Actor) -> None:
    if actor is not None and not actor.has_perm(PRINT_LABEL_PERMISSION):
        raise PermissionRefused(
            _("Your role may not print labels (needs permission '%(perm)s').")
            % {"perm": PRINT_LABEL_PERMISSION})


def _user(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def shipment_label_print(
    *, orders: Sequence[Order], carrier_code: str, tracking_no: str, actor: Actor,
    source: str = Shipment.Source.LABEL, reason: str = "",
) -> Shipment:
    """Record a parcel for ``orders`` (several: a merged parcel); packed orders move on to
    ``awaiting_pickup`` with the carrier and tracking number."""
    check_print_permission(actor)
    if not orders:
        raise ValidationFailed(_("Name at least one order for the parcel."))
    carrier = carrier_get(carrier_code)
    number = tracking_no_clean(carrier, tracking_no)
    locked = orders_lock(order.pk for order in orders)
    for order in locked.values():
        if order.status not in LABELLABLE:
            raise Conflict(
                _("Order %(hub_no)s is '%(status)s': a label is printed once it is packed.")
                % {"hub_no": order.hub_no, "status": order.status},
                extra={"current_state": order.status})
    taken = Shipment.objects.filter(carrier=carrier, tracking_no=number).first()
    if taken is not None:
        owners = ", ".join(taken.orders.order_by("pk").values_list("hub_no", flat=True))
        raise Conflict(_("%(carrier)s %(number)s is already the parcel of %(orders)s.")
                       % {"carrier": carrier.name, "number": number, "orders": owners})
    now = timezone.now()
    first = locked[min(locked)]
    warehouse = _warehouse_of(first.pk)
    shipment = Shipment.objects.create(
        carrier=carrier, tracking_no=number, status=ShipmentStatus.AWAITING_PICKUP,
        trust=Trust.PERSON if source == Shipment.Source.LABEL else Trust.AGGREGATOR,
        source=source, warehouse=warehouse, last_event_at=now, created_by=_user(actor),
        **_route(warehouse, first))
    ShipmentOrder.objects.bulk_create(
        [ShipmentOrder(shipment=shipment, order_id=pk) for pk in sorted(locked)])
    ShipmentEvent.objects.create(
        shipment=shipment, at=now, description=_label_text(carrier, number), kind=Kind.LABEL,
        source=ShipmentEvent.Source.STAFF, fingerprint=_fingerprint(now, "label", number))
    for order in locked.values():
        if order.status == Status.PACKING:
            order_print_label(order=order, actor=actor, reason=reason, carrier=carrier.code,
                              tracking_no=number)
    shipment_event_record(SHIPMENT_CREATED, shipment, order_ids=locked)
    return shipment


def _warehouse_of(order_id: int) -> Warehouse | None:
    """The warehouse the fulfilment decided the order ships from (None when undecided)."""
    decision = FulfilmentDecision.objects.filter(order_id=order_id).select_related(
        "warehouse").first()
    return decision.warehouse if decision is not None else None


def _route(warehouse: Warehouse | None, order: Order) -> dict[str, str]:
    """The parcel's route for the transit statistics: warehouse province → destination."""
    return {"origin_province": normalise_place(warehouse.province if warehouse else "")[:32],
            "dest_province": normalise_place(order.receiver_province)[:32]}


def _label_text(carrier: Carrier, number: str) -> str:
    return f"{carrier.name} {number}"


# --- shipments made from orders -----------------------------------------------------------------
@transaction.atomic
def shipments_follow_orders(*, order_ids: Sequence[int], handed_over: bool = False,
                            source: str = "") -> int:
    """Give orders that carry a carrier and tracking number their shipment (orders that came
    from their channel already shipped, or older orders), and move their parcels waiting for
    the courier to ``in_transit`` when staff handed the order over; returns how many
    shipments were made or moved. Idempotent: a second call finds everything in place."""
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    orders = {order.pk: order for order in Order.objects.filter(pk__in=ids)}
    links: dict[int, list[Shipment]] = {}
    for link in ShipmentOrder.objects.filter(
            order_id__in=ids, shipment__direction=Direction.OUTBOUND).select_related(
            "shipment__carrier"):
        links.setdefault(link.order_id, []).append(link.shipment)
    changed = 0
    names = None
    for order_id in ids:
        order = orders.get(order_id)
        if order is None or order.status in CANCELLED_OR_REFUNDED:
            continue
        mine = links.get(order_id, [])
        if handed_over:
            for shipment in mine:
                if shipment.status == ShipmentStatus.AWAITING_PICKUP:
                    _handed_over(shipment)
                    changed += 1
        if mine:
            continue
        if not order.tracking_no.strip():
            if handed_over:
                _handed_over_without_parcel(order)
            continue
        status = SHIPMENT_STATUS_OF_ORDER.get(order.status)
        if status is None:
            continue
        names = names if names is not None else carriers_by_name()
        carrier = names.get(name_key(order.carrier)) or names[name_key(OTHER)]
        made_by = source or (Shipment.Source.HAND_OVER if handed_over
                             else Shipment.Source.CHANNEL)
        _shipment_of_order(order, carrier=carrier, status=status, source=made_by)
        changed += 1
    return changed


def _shipment_of_order(order: Order, *, carrier: Carrier, status: str, source: str) -> None:
    """The order's own carrier and number as a shipment; an order naming a parcel another
    order already has joins it (a merged parcel)."""
    number = "".join(order.tracking_no.split())[:40]
    now = timezone.now()
    when = order.state_entered_at or now
    warehouse = _warehouse_of(order.pk)
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                carrier=carrier, tracking_no=number, status=status,
                trust=Trust.AGGREGATOR if source == Shipment.Source.CHANNEL else Trust.PERSON,
                source=source, last_event_at=when, warehouse=warehouse,
                **_route(warehouse, order),
                picked_up_at=when if STATUS_RANK[status] >= STATUS_RANK["in_transit"] else None,
                delivered_at=when if status == ShipmentStatus.DELIVERED else None)
            created = True
    except IntegrityError:
        shipment = Shipment.objects.select_related("carrier").get(carrier=carrier,
                                                                  tracking_no=number)
        created = False
    ShipmentOrder.objects.get_or_create(shipment=shipment, order=order)
    # The event tells the write-back: a parcel that left carries status in_transit or further.
    shipment_event_record(SHIPMENT_CREATED, shipment, order_ids=[order.pk],
                          previous="" if created else shipment.status)


def _handed_over_without_parcel(order: Order) -> None:
    """Staff handed over an order that has no parcel: nobody can track it or confirm it to
    the channel, so the warehouse is told."""
    alert_raise(
        key=f"shipment-missing:{order.pk}", kind="shipment_missing", team="warehouse",
        order=order, title=texts.MISSING_PARCEL_TITLE.encode(hub_no=order.hub_no),
        message=texts.MISSING_PARCEL_MESSAGE.encode())


def _handed_over(shipment: Shipment) -> None:
    """Staff handed the parcel to the courier (the order's own move): in transit, on a
    person's word until the courier's first scan arrives."""
    locked = Shipment.objects.select_for_update().select_related("carrier").get(pk=shipment.pk)
    if locked.status != ShipmentStatus.AWAITING_PICKUP:
        return
    now = timezone.now()
    previous = locked.status
    locked.status, locked.trust = ShipmentStatus.IN_TRANSIT, Trust.PERSON
    locked.picked_up_at = locked.picked_up_at or now
    locked.last_event_at = max(locked.last_event_at, now)
    locked.save(update_fields=["status", "trust", "picked_up_at", "last_event_at",
                               "updated_at"])
    ShipmentEvent.objects.get_or_create(
        shipment=locked, fingerprint=_fingerprint(now, "hand_over", locked.tracking_no),
        defaults={"at": now, "description": "仓库已交接快递员", "kind": Kind.COLLECTED,
                  "source": ShipmentEvent.Source.STAFF})
    shipment_event_record(SHIPMENT_STATUS_CHANGED, locked, previous=previous,
                          order_ids=locked.members.values_list("order_id", flat=True))


# --- orders follow their parcel -----------------------------------------------------------------
#: Parcel statuses that show it left the warehouse (the order is handed over).
LEFT_STATUSES = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY,
                 ShipmentStatus.DELIVERED)


def order_follow_parcel(*, order: Order, status: str, reason: str) -> Order:
    """Move ``order`` as its parcel's ``status`` says, as the hub: the first scan after the
    label hands it over (awaiting_pickup → in_transit), the signature delivers it. Raises the
    transition's DomainError when the order may not move (e.g. it is held)."""
    if order.status == Status.AWAITING_PICKUP and status in LEFT_STATUSES:
        order = order_hand_over(order=order, actor=None, reason=reason)
    if status == ShipmentStatus.DELIVERED and order.status == Status.IN_TRANSIT:
        order = order_deliver(order=order, actor=None, reason=reason)
    return order


def orders_follow_parcels(*, orders: dict[int, list[Order]], results: Sequence[TraceResult]) -> None:
    """In the push's transaction: each parcel that moved moves its orders at once, so that the
    push's answer finds shipment and order in their new state. An order that may not move is
    left as it is (savepoint): the ``logistics.orders_follow_trace`` handler tries it again
    after commit and alerts customer service."""
    for result in results:
        if result.previous == result.status:
            continue
        for order in orders.get(result.shipment_id, ()):
            try:
                with transaction.atomic():
                    order_follow_parcel(order=order, status=result.status, reason=result.reason)
            except DomainError:
                continue


def parcel_orders_lock(shipment_ids: Sequence[int]) -> dict[int, list[Order]]:
    """Lock the orders of these parcels (before the parcels: the lock order above), by parcel.
    A buyer's return parcel never moves its order, so its order is not taken."""
    links = list(ShipmentOrder.objects.filter(shipment_id__in=shipment_ids,
                                              shipment__direction=Direction.OUTBOUND)
                 .values_list("shipment_id", "order_id"))
    locked = orders_lock(order_id for _shipment, order_id in links)
    by_parcel: dict[int, list[Order]] = {}
    for shipment_id, order_id in sorted(links):
        if order_id in locked:
            by_parcel.setdefault(shipment_id, []).append(locked[order_id])
    return by_parcel


# --- the courier's trace ------------------------------------------------------------------------
@dataclass(frozen=True)
class TraceLine:
    """One line of a courier's trace, read from its push (``logistics.shipments.tracking``)."""

    at: dt.datetime
    description: str
    kind: str
    courier_code: str = ""
    location: str = ""

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.at, self.courier_code, self.description)


@dataclass
class TraceUpdate:
    """What one push says about one parcel."""

    tracking_no: str
    lines: list[TraceLine] = field(default_factory=list)
    carrier_hint: str = ""  # the courier's company code when the push names it


@dataclass
class TraceResult:
    shipment_id: int
    new_lines: int
    previous: str
    status: str
    reason: str = ""  # "<carrier> <number>: <time> <the newest line>", for the orders' history

    @property
    def moved(self) -> bool:
        return self.previous != self.status


def _fingerprint(at: dt.datetime, code: str, description: str) -> str:
    text = f"{at.isoformat()}|{code}|{description.strip()}"
    return hashlib.sha1(text.encode()).hexdigest()


def trace_apply(*, shipment: Shipment, update: TraceUpdate, source: str,
                trust: str) -> TraceResult:
    """Add the push's new lines to the parcel's trace and move its status forward if a line
    says so (never back). Runs in the caller's transaction; the shipment row is locked."""
    locked = Shipment.objects.select_for_update().select_related("carrier").get(pk=shipment.pk)
    previous = locked.status
    lines = {line.fingerprint: line for line in update.lines}
    known = set(ShipmentEvent.objects.filter(shipment=locked, fingerprint__in=list(lines))
                .values_list("fingerprint", flat=True))
    new = [line for key, line in lines.items() if key not in known]
    if not new:
        return TraceResult(locked.pk, 0, previous, previous)
    now = timezone.now()
    ShipmentEvent.objects.bulk_create([
        ShipmentEvent(shipment=locked, at=line.at, location=line.location[:100],
                      description=line.description[:500], courier_code=line.courier_code[:20],
                      kind=line.kind, source=source, fingerprint=line.fingerprint,
                      received_at=now)
        for line in sorted(new, key=lambda line: line.at)
    ], ignore_conflicts=True)
    fields = {"last_event_at", "updated_at"}
    holds_before, failures_before = locked.sorting_holds, locked.failed_attempts
    locked.last_event_at = max([locked.last_event_at, *(line.at for line in new)])
    holds = sum(line.kind == Kind.SORTING_HOLD for line in new)
    failures = sum(line.kind == Kind.FAILED_ATTEMPT for line in new)
    if holds:
        locked.sorting_holds += holds
        fields.add("sorting_holds")
    if failures:
        locked.failed_attempts += failures
        fields.add("failed_attempts")
    furthest = max((STATUS_OF_KIND[line.kind] for line in new if STATUS_OF_KIND[line.kind]),
                   key=STATUS_RANK.__getitem__, default=None)
    if furthest is not None and STATUS_RANK[furthest] > STATUS_RANK[locked.status]:
        locked.status, locked.trust = furthest, trust
        fields |= {"status", "trust"}
        if locked.picked_up_at is None:
            locked.picked_up_at = min(line.at for line in new)
            fields.add("picked_up_at")
        if furthest == ShipmentStatus.DELIVERED:
            locked.delivered_at = max(line.at for line in new if line.kind == Kind.SIGNED)
            fields.add("delivered_at")
    locked.save(update_fields=sorted(fields))
    if holds or failures:
        newest = max(new, key=lambda line: line.at)
        trace_alerts_on_push(shipment=locked, holds_before=holds_before,
                             failures_before=failures_before,
                             line_text=f"{newest.at:%Y-%m-%d %H:%M} {newest.description}")
    if locked.status != previous and locked.direction == Direction.RETURN:
        # A return parcel moves nothing of its order: only after-sales hears of it.
        shipment_event_record(SHIPMENT_RETURN_UPDATED, locked, previous=previous,
                              order_ids=locked.members.values_list("order_id", flat=True))
    elif locked.status != previous:
        order_ids = list(locked.members.values_list("order_id", flat=True))
        shipment_event_record(SHIPMENT_STATUS_CHANGED, locked, order_ids=order_ids,
                              previous=previous)
        if locked.status in RETURNED_STATUSES and previous not in RETURNED_STATUSES:
            why = next((line for line in sorted(new, key=lambda line: line.at, reverse=True)
                        if line.kind in (Kind.REFUSED, Kind.RETURNED)), new[-1])
            shipment_event_record(SHIPMENT_RETURNED, locked, order_ids=order_ids,
                                  previous=previous, reason=why.description[:500])
    newest = max(new, key=lambda line: line.at)
    reason = (f"{locked.carrier.code} {locked.tracking_no}: "
              f"{timezone.localtime(newest.at):%Y-%m-%d %H:%M} {newest.description}")[:480]
    return TraceResult(locked.pk, len(new), previous, locked.status, reason)


# --- return parcels (after-sales, issue 11) -----------------------------------------------------
@transaction.atomic
def return_shipment_record(*, order_id: int, carrier_name: str, tracking_no: str,
                           reason: str = "") -> Shipment | None:
    """The buyer's return parcel for an order, as a shipment the couriers' pushes track
    (``direction`` return), subscribed with Kuaidi100 like any parcel. The carrier is read from
    any of its names (an unknown one is "other"); ``None`` for a number no carrier could
    print (the case keeps what the buyer typed). Idempotent: the same parcel again is found."""
    names = carriers_by_name()
    carrier = names.get(name_key(carrier_name)) or names[name_key(OTHER)]
    number = "".join((tracking_no or "").split()).upper()[:40]
    if not number or not number_matches(carrier.tracking_pattern, number):
        return None
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return None
    now = timezone.now()
    shipment, created = Shipment.objects.get_or_create(
        carrier=carrier, tracking_no=number,
        defaults={"direction": Direction.RETURN, "status": ShipmentStatus.AWAITING_PICKUP,
                  "trust": Trust.AGGREGATOR, "source": Shipment.Source.CHANNEL,
                  "last_event_at": now, "warehouse": _warehouse_of(order.pk),
                  "origin_province": normalise_place(order.receiver_province)[:32]})
    if shipment.direction != Direction.RETURN:
        return None  # the number is an outbound parcel's: not the buyer's return
    ShipmentOrder.objects.get_or_create(shipment=shipment, order=order)
    if created:
        ShipmentEvent.objects.create(
            shipment=shipment, at=now, kind=Kind.OTHER, source=ShipmentEvent.Source.CHANNEL,
            description=f"买家退货寄回 {carrier.name} {number}" + (f"（{reason}）" if reason
                                                                   else ""),
            fingerprint=_fingerprint(now, "return", number))
        shipment_event_record(SHIPMENT_RETURN_UPDATED, shipment, order_ids=[order.pk])
        enqueue_on_commit(subscriptions_send, [shipment.pk])
    return shipment
