"""Writes of the warehouse floor: waves, the scan station's steps, a courier's batch hand-over.

Nothing here moves an order by itself: every move is the order's own transition service
(``orders.services``: start picking, start packing, hand over), the label is
``logistics.shipments.services.shipment_label_print`` and a gift is ``orders.services.gift_scan``,
each called as the signed-in user with a reason, so the order's history says who did what at
the station. What only the station knows (which items were counted so far) lives in the
station's :class:`StationState`, kept in the user's session: a wrong or extra item is refused
and nothing is written.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from logistics import texts
from logistics.models import FulfilmentDecision
from logistics.selectors import QUEUE_STATUSES
from logistics.shipments.carriers import OTHER, name_key
from logistics.shipments.models import Shipment
# The waybill request as the label service makes it (one place asks Kuaidi100 for a number).
from logistics.shipments.services import (
    carriers_by_name,
    shipment_label_print,
    waybill_number_get,
)
from logistics.warehouse.models import PickLocation, Wave, WaveOrder
from logistics.warehouse.selectors import (
    awaiting_pickup_shipments,
    order_goods,
    orders_scanned,
    skus_of_code,
)
from orderhub.core.errors import DomainError, PermissionRefused, ValidationFailed
from orderhub.core.history import Actor
from orders.models import GiftOrder, Order, Product
from orders.services import (
    gift_scan,
    order_hand_over,
    order_start_packing,
    order_start_picking,
)
from orders.state_machine import Status

STATION_REASON = texts.STATION.encode()
# What the floor needs to run the station: pick, pack (gifts), label, hand over.
STATION_PERMISSIONS = ("logistics.use_scan_station", "orders.pick_order", "orders.pack_order",
                       "orders.ship_order", "logistics.print_label")
WAVE_PERMISSIONS = ("orders.pick_order", "logistics.add_wave")
HANDOVER_PERMISSIONS = ("logistics.hand_over_batch", "orders.ship_order")
MANIFEST_LIMIT = 500


def check_permissions(actor: Actor, permissions: Iterable[str]) -> None:
    missing = [perm for perm in permissions if actor is None or not actor.has_perm(perm)]
    if missing:
        raise PermissionRefused(_("Your role may not do this (needs permission %(perms)s).")
                                % {"perms": ", ".join(missing)})


# --- waves --------------------------------------------------------------------------------------
@dataclass
class WavesMade:
    waves: list[Wave] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@transaction.atomic
def waves_create(*, order_ids: Sequence[int], actor: Actor) -> WavesMade:
    """One wave per warehouse from the chosen queue orders (in the order given: the queue's,
    most overdue first); paid orders start picking. Orders already in a wave, held, or no
    longer in the warehouse's hands are left out, each with its reason."""
    check_permissions(actor, WAVE_PERMISSIONS)
    made = WavesMade()
    decisions = {d.order_id: d for d in FulfilmentDecision.objects.filter(
        order_id__in=order_ids, outcome=FulfilmentDecision.Outcome.ALLOCATED,
    ).select_related("order", "warehouse")}
    waved = dict(WaveOrder.objects.filter(order_id__in=order_ids)
                 .values_list("order_id", "wave_id"))
    chosen: dict[int, list[Order]] = {}
    # Moves in id order (the lock order); the wave keeps the queue's order.
    for order_id in sorted(decisions):
        order = decisions[order_id].order
        if order_id in waved:
            made.refused.append(_("Order %(hub_no)s is already in wave %(wave)s.")
                                % {"hub_no": order.hub_no, "wave": f"W{waved[order_id]:06d}"})
            continue
        if order.status not in QUEUE_STATUSES:
            made.refused.append(_("Order %(hub_no)s is no longer waiting to be picked.")
                                % {"hub_no": order.hub_no})
            continue
        if order.on_hold:
            made.refused.append(_("Order %(hub_no)s is held: release it first.")
                                % {"hub_no": order.hub_no})
            continue
        if order.status == Status.PAID:
            try:
                order_start_picking(order=order, actor=actor,
                                    reason=texts.WAVE_PICKING.encode())
            except DomainError as refused:
                made.refused.append(refused.message)
                continue
        chosen.setdefault(decisions[order_id].warehouse_id, []).append(order)
    position_of = {order_id: index for index, order_id in enumerate(order_ids)}
    for warehouse_id, orders in sorted(chosen.items()):
        wave = Wave.objects.create(warehouse_id=warehouse_id, created_by=_user(actor))
        WaveOrder.objects.bulk_create([
            WaveOrder(wave=wave, order=order, position=position)
            for position, order in enumerate(sorted(orders,
                                                    key=lambda o: position_of[o.pk]))])
        made.waves.append(wave)
    return made


def _user(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- the scan station ---------------------------------------------------------------------------
class Step:
    ORDER = "order"
    ITEMS = "items"
    GIFTS = "gifts"
    LABEL = "label"
    HAND_OVER = "hand_over"


@dataclass
class StationState:
    """What the station is doing: the order on the table, the items counted so far, the
    carrier whose labels are on the printer. Kept in the session as a plain dict."""

    order_id: int | None = None
    counted: dict[str, int] = field(default_factory=dict)
    carrier: str = ""

    @classmethod
    def load(cls, data: dict | None) -> StationState:
        data = data if isinstance(data, dict) else {}
        counted = data.get("counted") if isinstance(data.get("counted"), dict) else {}
        return cls(order_id=data.get("order_id") if isinstance(data.get("order_id"), int)
                   else None,
                   counted={str(k): int(v) for k, v in counted.items()
                            if isinstance(v, int)},
                   carrier=str(data.get("carrier") or ""))

    def dump(self) -> dict:
        return {"order_id": self.order_id, "counted": self.counted, "carrier": self.carrier}

    def leave(self) -> None:
        self.order_id, self.counted = None, {}


@dataclass
class ScanResult:
    ok: bool
    message: str  # a stored text (``logistics.texts``) or a refusal's words: shown through render
    finished: bool = False  # the order left the station (handed over)


def station_order(state: StationState) -> Order | None:
    if state.order_id is None:
        return None
    return Order.objects.select_related("channel").filter(pk=state.order_id).first()


def station_step(state: StationState, order: Order | None) -> str:
    """The step the order on the table is at, read from the order itself."""
    if order is None:
        return Step.ORDER
    if order.status == Status.PICKING:
        return Step.ITEMS
    if order.status == Status.PACKING:
        if order.gift_orders.filter(status=GiftOrder.GiftStatus.PENDING).exists():
            return Step.GIFTS
        return Step.LABEL
    if order.status == Status.AWAITING_PICKUP:
        return Step.HAND_OVER
    return Step.ORDER


def scanned_text(text: str) -> str:
    """What a scanner or keyboard sent, without control characters (a NUL cannot even be
    looked up in PostgreSQL) and the blanks around it."""
    return _CONTROL.sub("", text or "").strip()


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def station_scan(*, state: StationState, code: str, actor: Actor) -> ScanResult:
    """One scan (or typed code and Enter) at the station; ``state`` is updated in place."""
    check_permissions(actor, STATION_PERMISSIONS)
    code = scanned_text(code)
    order = station_order(state)
    if order is None or station_step(state, order) == Step.ORDER:
        state.leave()
        return _scan_order(state, code, actor)
    step = station_step(state, order)
    if order.on_hold:
        # Held while on the table (an address change, a refund request): nothing more is done
        # to it here, nothing is counted; whoever owns the hold releases it.
        return ScanResult(False, _held(order))
    try:
        if step == Step.ITEMS:
            return _scan_item(state, order, code, actor)
        if step == Step.GIFTS:
            return _scan_gift(order, code, actor)
        if step == Step.LABEL:
            return _scan_label(state, order, code, actor)
        return _scan_hand_over(state, order, code, actor)
    except DomainError as refused:
        return ScanResult(False, refused.message)


def station_waybill(*, state: StationState, actor: Actor) -> ScanResult:
    """The label's number from the electronic-waybill provider (the station's waybill key)."""
    check_permissions(actor, STATION_PERMISSIONS)
    order = station_order(state)
    if order is None or station_step(state, order) != Step.LABEL:
        return ScanResult(False, texts.SCAN_WAYBILL_TOO_EARLY.encode())
    if not state.carrier:
        return ScanResult(False, _carrier_first())
    # The provider is asked outside any transaction (no lock is held over the network).
    try:
        number = waybill_number_get(order=order, carrier_code=state.carrier)
        shipment = shipment_label_print(orders=[order], carrier_code=state.carrier,
                                        tracking_no=number, actor=actor,
                                        source=Shipment.Source.WAYBILL, reason=STATION_REASON)
    except DomainError as refused:
        return ScanResult(False, refused.message)
    return _labelled(order, shipment)


def _scan_order(state: StationState, code: str, actor: Actor) -> ScanResult:
    if not code:
        return ScanResult(False, texts.SCAN_ORDER.encode())
    found = orders_scanned(code)
    if not found:
        return ScanResult(False, texts.SCAN_UNKNOWN.encode(code=code))
    if len(found) > 1:
        return ScanResult(False, texts.SCAN_SEVERAL.encode(
            code=code, orders=", ".join(o.hub_no for o in found)))
    order = found[0]
    if order.status not in (Status.PAID, Status.PICKING, Status.PACKING,
                            Status.AWAITING_PICKUP):
        return ScanResult(False, texts.SCAN_NOTHING_TO_DO.encode(
            hub_no=order.hub_no, status=Status(order.status)))
    if order.on_hold:
        return ScanResult(False, _held(order))
    if order.status == Status.PAID:
        try:
            order_start_picking(order=order, actor=actor, reason=STATION_REASON)
        except DomainError as refused:
            return ScanResult(False, refused.message)
    state.order_id, state.counted = order.pk, {}
    shown = (texts.SCAN_EACH_ITEM if order.status in (Status.PAID, Status.PICKING)
             else texts.SCAN_ON_TABLE)
    return ScanResult(True, shown.encode(hub_no=order.hub_no))


def _held(order: Order) -> str:
    return texts.SCAN_HELD.encode(hub_no=order.hub_no)


def items_to_scan(state: StationState, order: Order) -> list[tuple[str, int, int]]:
    """``(sku, counted, wanted)`` per SKU of the order."""
    return [(sku, state.counted.get(sku, 0), wanted)
            for sku, wanted in sorted(order_goods(order).items())]


def _scan_item(state: StationState, order: Order, code: str, actor: Actor) -> ScanResult:
    if not code:
        return ScanResult(False, texts.SCAN_NEXT_ITEM.encode())
    names = skus_of_code(code)
    wanted = order_goods(order)
    sku = next((sku for sku in sorted(wanted) if sku.lower() in names), None)
    if sku is None:
        gift = _gift_for(order, names)
        if gift is not None:
            gift_scan(gift=gift, actor=actor, code=code)
            return ScanResult(True, texts.SCAN_GIFT_DONE.encode(sku=gift.sku))
        return ScanResult(False, texts.SCAN_WRONG_ITEM.encode(code=code, hub_no=order.hub_no))
    counted = state.counted.get(sku, 0)
    if counted >= wanted[sku]:
        return ScanResult(False, texts.SCAN_TOO_MANY.encode(hub_no=order.hub_no,
                                                            wanted=wanted[sku], sku=sku))
    state.counted[sku] = counted + 1
    if all(state.counted.get(s, 0) >= n for s, n in wanted.items()):
        total = sum(wanted.values())
        order_start_packing(order=order, actor=actor,
                            reason=texts.STATION_PACKED.encode(total=total))
        return ScanResult(True, texts.SCAN_ALL_ITEMS.encode(hub_no=order.hub_no))
    return ScanResult(True, texts.SCAN_COUNTED.encode(sku=sku, counted=counted + 1,
                                                      wanted=wanted[sku]))


def _gift_for(order: Order, names: set[str]) -> GiftOrder | None:
    pending = list(order.gift_orders.filter(status=GiftOrder.GiftStatus.PENDING).order_by("pk"))
    barcodes = dict(Product.objects.filter(sku__in=[g.sku for g in pending])
                    .values_list("sku", "barcode"))
    for gift in pending:
        if gift.sku.lower() in names or (barcodes.get(gift.sku) or "").lower() in names:
            return gift
    return None


def _scan_gift(order: Order, code: str, actor: Actor) -> ScanResult:
    gift = _gift_for(order, skus_of_code(code)) if code else None
    if gift is None:
        waiting = ", ".join(f"{g.sku} {g.title}" for g in order.gift_orders.filter(
            status=GiftOrder.GiftStatus.PENDING).order_by("pk"))
        return ScanResult(False, texts.SCAN_WRONG_GIFT.encode(code=code, hub_no=order.hub_no,
                                                              gifts=waiting))
    gift_scan(gift=gift, actor=actor, code=code)
    return ScanResult(True, texts.SCAN_GIFT_DONE.encode(sku=gift.sku))


def _carrier_first() -> str:
    return texts.SCAN_CARRIER_FIRST.encode()


def station_carrier_name(code: str) -> str:
    carrier = carriers_by_name().get(name_key(code)) if code else None
    return carrier.name if carrier is not None else ""


def _scan_label(state: StationState, order: Order, code: str, actor: Actor) -> ScanResult:
    if not code:
        return ScanResult(False, texts.SCAN_LABEL.encode())
    carrier = carriers_by_name().get(name_key(code))
    if carrier is not None and carrier.is_active and carrier.code != OTHER:
        state.carrier = carrier.code
        return ScanResult(True, texts.SCAN_CARRIER.encode(name=carrier.name))
    if not state.carrier:
        return ScanResult(False, _carrier_first())
    shipment = shipment_label_print(orders=[order], carrier_code=state.carrier,
                                    tracking_no=code, actor=actor, reason=STATION_REASON)
    return _labelled(order, shipment)


def _labelled(order: Order, shipment: Shipment) -> ScanResult:
    return ScanResult(True, texts.SCAN_LABELLED.encode(
        hub_no=order.hub_no, carrier=shipment.carrier.name, number=shipment.tracking_no))


def _scan_hand_over(state: StationState, order: Order, code: str, actor: Actor) -> ScanResult:
    mine = {order.hub_no.upper(), *(number.upper() for number in order.shipments.values_list(
        "tracking_no", flat=True))}
    if code and code.upper() not in mine:
        return ScanResult(False, texts.SCAN_NOT_THE_LABEL.encode(code=code,
                                                                 hub_no=order.hub_no))
    order_hand_over(order=order, actor=actor, reason=STATION_REASON)
    state.leave()
    return ScanResult(True, texts.SCAN_HANDED_OVER.encode(hub_no=order.hub_no), finished=True)


# --- a courier's batch hand-over ----------------------------------------------------------------
@dataclass
class HandedOver:
    hub_no: str
    tracking_no: str
    moved: bool
    why: str = ""  # a stored text or a refusal's words, shown through render


def manifest_numbers(text: str) -> list[str]:
    """The tracking numbers of a pasted or scanned manifest (one per line, or separated by
    spaces, commas or semicolons), upper case, each once, in their order."""
    seen: dict[str, None] = {}
    for number in re.split(r"[\s,;，；]+", _CONTROL.sub(" ", text or "")):
        if number:
            seen.setdefault(number.upper(), None)
    numbers = list(seen)
    if len(numbers) > MANIFEST_LIMIT:
        raise ValidationFailed(_("A manifest holds at most %(limit)d numbers; this one has "
                                 "%(count)d.") % {"limit": MANIFEST_LIMIT,
                                                   "count": len(numbers)})
    return numbers


def handover_batch(*, actor: Actor, carrier_code: str = "",
                   tracking_numbers: Sequence[str] = ()) -> list[HandedOver]:
    """Hand the courier every label-printed order of a carrier, or those of a manifest's
    parcels: each order through its own hand-over service; a result per order (or number)."""
    check_permissions(actor, HANDOVER_PERMISSIONS)
    if not carrier_code and not tracking_numbers:
        raise ValidationFailed(_("Choose the carrier or scan its manifest."))
    shipments = awaiting_pickup_shipments(carrier_code=carrier_code,
                                          tracking_numbers=tracking_numbers)
    results: list[HandedOver] = []
    known = {shipment.tracking_no.upper() for shipment in shipments}
    for number in tracking_numbers:
        if number not in known:
            results.append(HandedOver("", number, False, texts.HANDOVER_NO_PARCEL.encode()))
    done: set[int] = set()
    if not tracking_numbers:
        reason = texts.HANDOVER_ALL.encode(carrier=carrier_code)
    elif carrier_code:
        reason = texts.HANDOVER_CARRIER_MANIFEST.encode(carrier=carrier_code)
    else:
        reason = texts.HANDOVER_MANIFEST.encode()
    for shipment in shipments:
        for order in sorted(shipment.orders.all(), key=lambda o: o.pk):
            if order.pk in done:
                continue
            done.add(order.pk)
            if order.status != Status.AWAITING_PICKUP:
                results.append(HandedOver(order.hub_no, shipment.tracking_no, False,
                                          texts.HANDOVER_NOT_WAITING.encode(
                                              status=Status(order.status))))
                continue
            try:
                order_hand_over(order=order, actor=actor, reason=reason)
            except DomainError as refused:
                results.append(HandedOver(order.hub_no, shipment.tracking_no, False,
                                          refused.message))
                continue
            results.append(HandedOver(order.hub_no, shipment.tracking_no, True))
    return results


# --- pick locations -----------------------------------------------------------------------------
LOCATION_PERMISSIONS = ("logistics.add_picklocation", "logistics.change_picklocation")
LOCATION_LINES_LIMIT = 5000
_LOCATION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._/-]{0,31}")


def location_lines(text: str) -> list[tuple[str, str]]:
    """``SKU location`` per line, as pasted from a spreadsheet's two columns (tab) or typed
    (spaces, a comma); every bad line is named, and then nothing is read."""
    rows, problems = [], []
    lines = [line for line in _CONTROL.sub(lambda m: m.group() if m.group() in "\t\n" else "",
                                           text or "").splitlines() if line.strip()]
    if len(lines) > LOCATION_LINES_LIMIT:
        raise ValidationFailed(_("At most %(limit)d lines at once; this has %(count)d.")
                               % {"limit": LOCATION_LINES_LIMIT, "count": len(lines)})
    for number, line in enumerate(lines, start=1):
        parts = [part for part in re.split(r"[\t,，]+|\s+", line.strip()) if part]
        if len(parts) != 2 or len(parts[0]) > 64 or not _LOCATION.fullmatch(parts[1]):
            problems.append(_("Line %(number)d ('%(line)s'): write the SKU and its location, "
                              "e.g. TEE-WHITE-L A-03-2.")
                            % {"number": number, "line": line.strip()[:80]})
            continue
        rows.append((parts[0], parts[1].upper()))
    if problems:
        raise ValidationFailed(" ".join(problems[:10]))
    if not rows:
        raise ValidationFailed(_("Paste at least one line: a SKU and its location."))
    return rows


@transaction.atomic
def pick_locations_set(*, warehouse_id: int, rows: Sequence[tuple[str, str]],
                       actor: Actor) -> tuple[int, int]:
    """Set where each SKU is picked in one warehouse (a SKU's last line wins); returns how
    many locations were added and how many changed."""
    check_permissions(actor, LOCATION_PERMISSIONS)
    wanted = dict(rows)
    known = {row.sku: row for row in PickLocation.objects.select_for_update().filter(
        warehouse_id=warehouse_id, sku__in=list(wanted))}
    added = [PickLocation(warehouse_id=warehouse_id, sku=sku, location=location)
             for sku, location in wanted.items() if sku not in known]
    changed = [known[sku] for sku, location in wanted.items()
               if sku in known and known[sku].location != location]
    for row in changed:
        row.location = wanted[row.sku]
    PickLocation.objects.bulk_create(added)
    PickLocation.objects.bulk_update(changed, ["location"])
    return len(added), len(changed)
