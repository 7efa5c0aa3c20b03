"""Stock writes: every change of a counter is made here, with its ledger row.

Locking (STYLE.md): the order rows first (callers that reserve, release or deduct hold them),
then stock rows in primary-key order with ``select_for_update``, in one query. Reserving
(``logistics.services.routing``) checks every line against the locked counters before writing
anything, so an order that cannot be covered holds nothing. The CHECK constraints on ``Stock``
are the last line of defence: a write that would make any counter negative, or reserve more
than is on hand, fails in the database.

Every write records a ``stock.changed`` event in its transaction; after commit the logistics
handlers check the rows' low-stock thresholds and retry the out-of-stock orders waiting for
those SKUs. Low stock: each crossing of a row's threshold (available falls to it or below)
raises one alert, keyed by the row and the crossing; the alert is resolved when the row is
restocked above the threshold, and the next crossing alerts again.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.utils import timezone

from logistics import texts
from logistics.models import FulfilmentDecision, Reservation, Stock, StockMovement, Warehouse
from orderhub.alerts.models import Alert
from orderhub.alerts.services import alert_raise, alert_resolve
from orderhub.core.bulk import insert_instances, update_columns
from orderhub.core.errors import PermissionRefused, ValidationFailed
from orderhub.core.texts import choice, fit
from orderhub.events.services import NewEvent, events_record
from orders.locks import order_lock
from orders.models import Order, OrderLine
from orders.services import Actor
from orders.state_machine import AWAITING_SHIPMENT, Status

#: ``{"stock_id": <id>, "sku": <sku>, "up": <bool>, "crossed": <bool>}``: a stock row's
#: counters changed so that a handler must act: ``up`` when more is available than before,
#: ``crossed`` when the row went below its low-stock threshold or back above it.
STOCK_CHANGED = "stock.changed"

IMPORT_STOCK = "logistics.import_stock"
Kind = StockMovement.Kind
Active = Reservation.ReservationStatus


@dataclass(frozen=True)
class Shortage:
    """An SKU a warehouse cannot supply for an order."""

    warehouse: str
    sku: str
    needed: int
    available: int


def check_stock_permission(actor: Actor) -> None:
    if actor is not None and not actor.has_perm(IMPORT_STOCK):
        raise PermissionRefused(
            f"Your role may not change stock levels (needs permission '{IMPORT_STOCK}')."
        )


def _user(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def stock_movement(
    stock: Stock, kind: str, quantity: int, *, reason: str, on_hand: int = 0, reserved: int = 0,
    samples: int = 0, order_id: int | None = None, line_id: int | None = None,
    actor: Actor = None,
) -> StockMovement:
    """Apply the deltas to the locked row in memory and return its (unsaved) ledger row."""
    stock.on_hand += on_hand
    stock.reserved += reserved
    stock.samples += samples
    return StockMovement(
        stock=stock, kind=kind, quantity=quantity, on_hand_delta=on_hand,
        reserved_delta=reserved, samples_delta=samples, reason=fit(reason, 255), order_id=order_id,
        order_line_id=line_id, actor=_user(actor),
    )


def stock_rows_save(stocks: Iterable[Stock], movements: Sequence[StockMovement]) -> None:
    """Write the locked rows' new counters (one statement) and their ledger rows."""
    rows = sorted(stocks, key=lambda stock: stock.pk)
    now = timezone.now()
    for stock in rows:
        stock.updated_at = now
    update_columns(rows, ["on_hand", "reserved", "samples", "updated_at"])
    insert_instances(movements)


def stock_changed_record(stocks: Iterable[Stock], movements: Sequence[StockMovement]) -> None:
    """Tell the handlers what changed that they act on: a row whose low-stock state flips
    (``crossed``: the alert to raise or resolve) and a row with more available than before
    (``up``: the out-of-stock orders waiting for it). Most reservations do neither, and record
    nothing: a peak day's thousands of them cost no event each."""
    up = {m.stock.pk for m in movements
          if m.on_hand_delta - m.reserved_delta - m.samples_delta > 0}
    events_record([
        NewEvent(STOCK_CHANGED, None, {"stock_id": stock.pk, "sku": stock.sku,
                                       "up": stock.pk in up, "crossed": crossed})
        for stock in sorted(stocks, key=lambda stock: stock.pk)
        if (crossed := (stock.available <= stock.low_stock_threshold)
            != stock.low_stock_alerted) or stock.pk in up
    ])


def _save(stocks: Iterable[Stock], movements: Sequence[StockMovement]) -> None:
    stocks = list(stocks)
    stock_rows_save(stocks, movements)
    stock_changed_record(stocks, movements)


@transaction.atomic
def low_stock_check(*, stock_ids: Sequence[int]) -> int:
    """Alert once per crossing below the threshold; re-arm (and resolve) when restocked.
    Returns how many rows crossed. Locks the rows (in id order)."""
    crossed = 0
    for stock in stock_for_update().filter(pk__in=list(stock_ids)).order_by("pk"):
        low = stock.available <= stock.low_stock_threshold
        if low == stock.low_stock_alerted:
            continue
        crossed += 1
        if low:
            stock.low_stock_crossings += 1
            stock.low_stock_alerted = True
            stock.save(update_fields=["low_stock_alerted", "low_stock_crossings"])
            alert_raise(
                key=low_stock_key(stock), kind="low_stock", team="warehouse",
                title=texts.LOW_STOCK_TITLE.encode(sku=stock.sku, warehouse=stock.warehouse.code,
                                                   available=stock.available),
                message=texts.LOW_STOCK_MESSAGE.encode(
                    sku=stock.sku, warehouse=stock.warehouse.name, available=stock.available,
                    threshold=stock.low_stock_threshold, on_hand=stock.on_hand,
                    reserved=stock.reserved, samples=stock.samples),
                data={"stock_id": stock.pk, "sku": stock.sku, "warehouse": stock.warehouse.code,
                      "available": stock.available},
            )
            continue
        stock.low_stock_alerted = False
        stock.save(update_fields=["low_stock_alerted"])
        alert = Alert.objects.filter(key=low_stock_key(stock)).first()
        if alert is not None:
            alert_resolve(alert=alert, actor=None,
                          resolution=texts.RESTOCKED.encode(available=stock.available))
    return crossed


def low_stock_key(stock: Stock) -> str:
    return f"stock-low:{stock.pk}:{stock.low_stock_crossings}"


def stock_for_update():
    """Stock rows locked with their warehouse joined but not locked: ``FOR UPDATE`` without
    ``OF`` would lock the warehouse row too, serialising (and deadlocking) every order of the
    warehouse on it."""
    return Stock.objects.select_for_update(of=("self",)).select_related("warehouse")


def _locked_row(*, warehouse: Warehouse, sku: str) -> Stock:
    """The stock row of ``sku`` in ``warehouse``, locked; created (empty) when missing."""
    found = stock_for_update().filter(
        warehouse=warehouse, sku=sku
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            Stock.objects.create(warehouse=warehouse, sku=sku)
    except IntegrityError:
        pass  # created by someone else meanwhile: lock theirs
    return stock_for_update().get(
        warehouse=warehouse, sku=sku
    )


# --- goods in and stocktakes ------------------------------------------------------------------
@transaction.atomic
def stock_receive(
    *, warehouse: Warehouse, sku: str, quantity: int, actor: Actor, reason: str
) -> Stock:
    """Goods arrived: on hand grows by ``quantity``."""
    check_stock_permission(actor)
    sku = sku.strip()
    if quantity <= 0:
        raise ValidationFailed(f"Received quantity must be positive, not {quantity}.")
    if not sku:
        raise ValidationFailed("Say which SKU was received.")
    stock = _locked_row(warehouse=warehouse, sku=sku)
    movement = stock_movement(stock, Kind.RECEIVE, quantity, on_hand=quantity,
                         reason=reason or "received", actor=actor)
    _save([stock], [movement])
    return stock


@dataclass(frozen=True)
class StockLevel:
    """Counted levels of one SKU in one warehouse (a stocktake or an import row)."""

    warehouse: Warehouse
    sku: str
    on_hand: int
    samples: int | None = None
    low_stock_threshold: int | None = None


def level_problem(level: StockLevel, stock: Stock | None) -> str | None:
    """Why a counted level cannot be applied to the current row, or ``None``."""
    reserved = stock.reserved if stock is not None else 0
    samples = level.samples if level.samples is not None else (stock.samples if stock else 0)
    if level.on_hand < 0 or samples < 0:
        return "quantities cannot be negative"
    if level.on_hand < reserved + samples:
        return (
            f"on hand {level.on_hand} is less than what is reserved for orders ({reserved}) "
            f"plus samples ({samples})"
        )
    return None


@transaction.atomic
def stock_levels_set(
    *, levels: Sequence[StockLevel], actor: Actor, reason: str
) -> list[Stock]:
    """Set counted levels (a stocktake or an import): one adjustment row per change.

    All or nothing: one impossible level refuses the whole set. Rows are locked in primary-key
    order (missing rows are created first), as every stock writer does.
    """
    check_stock_permission(actor)
    if not reason.strip():
        raise ValidationFailed("Say why the stock levels change.")
    keyed = {(level.warehouse.pk, level.sku.strip()): level for level in levels}
    if len(keyed) != len(levels):
        raise ValidationFailed("The same SKU and warehouse appear more than once.")
    for level in levels:
        if not level.sku.strip():
            raise ValidationFailed("A row has no SKU.")
    existing = {
        (stock.warehouse_id, stock.sku) for stock in Stock.objects.filter(
            warehouse_id__in={w for w, _s in keyed}, sku__in={s for _w, s in keyed})
    }
    for warehouse_id, sku in sorted(keyed.keys() - existing):
        _locked_row(warehouse=keyed[(warehouse_id, sku)].warehouse, sku=sku)
    rows = (
        stock_for_update()
        .filter(warehouse_id__in={w for w, _s in keyed}, sku__in={s for _w, s in keyed})
        .order_by("pk")
    )
    changed, movements, problems = [], [], []
    for stock in rows:
        level = keyed.get((stock.warehouse_id, stock.sku))
        if level is None:
            continue
        problem = level_problem(level, stock)
        if problem:
            problems.append(f"{stock.sku} at {stock.warehouse.code}: {problem}")
            continue
        on_hand_delta = level.on_hand - stock.on_hand
        samples_delta = 0 if level.samples is None else level.samples - stock.samples
        if on_hand_delta or samples_delta:
            movements.append(stock_movement(
                stock, Kind.ADJUST, on_hand_delta or samples_delta, on_hand=on_hand_delta,
                samples=samples_delta, reason=reason, actor=actor,
            ))
        if level.low_stock_threshold is not None:
            stock.low_stock_threshold = level.low_stock_threshold
            stock.save(update_fields=["low_stock_threshold"])
        changed.append(stock)
    if problems:
        raise ValidationFailed("Stock levels refused: " + "; ".join(problems) + ".")
    _save(changed, movements)
    return changed


# --- orders: reserve, release, deduct ----------------------------------------------------------
def stock_levels(skus: Iterable[str]) -> dict[tuple[int, str], int]:
    """Available units per (warehouse id, SKU) for these SKUs, unlocked (one query). A SKU
    missing from every warehouse is not stock-managed by the hub."""
    wanted = {sku for sku in skus if sku}
    if not wanted:
        return {}
    rows = Stock.objects.filter(sku__in=wanted).annotate(
        left=F("on_hand") - F("reserved") - F("samples")
    ).values_list("warehouse_id", "sku", "left")
    return {(warehouse_id, sku): left for warehouse_id, sku, left in rows}


def orders_left_the_warehouse(order_ids: Iterable[int]) -> set[int]:
    """Which of these orders were ever handed to the courier (their history reached
    in_transit): a refund after that finds the goods gone, not back on the shelf."""
    ids = list(order_ids)
    if not ids:
        return set()
    return set(Order.history.model.objects.filter(id__in=ids, status=Status.IN_TRANSIT)
               .values_list("id", flat=True).distinct())


def stock_reservations_close(
    *, orders: dict[int, str], reason: str, actor: Actor = None
) -> dict[int, int]:
    """Release or deduct the open reservations of (locked) orders: ``{order id: to}`` with
    ``to`` ``released`` or ``deducted``. Returns the units moved per order (idempotent: an
    order with nothing open moves nothing). A release of an order that had already left the
    warehouse (refused at the door, refunded) deducts instead: the goods went with the parcel
    and are not available until after-sales receives them back.
    """
    left = orders_left_the_warehouse(
        [order_id for order_id, to in orders.items() if to == Active.RELEASED])
    reservations = list(
        Reservation.objects.filter(order_id__in=list(orders), status=Active.RESERVED)
        .order_by("order_id", "pk"))
    if not reservations:
        return {}
    stocks = {
        stock.pk: stock for stock in stock_for_update()
        .filter(pk__in={r.stock_id for r in reservations}).order_by("pk")
    }
    movements, moved, now = [], Counter(), timezone.now()
    for reservation in reservations:
        order_id = reservation.order_id
        to = Active.DEDUCTED if order_id in left else orders[order_id]
        why = texts.PARCEL_HAD_LEFT.encode(reason=reason) if order_id in left else reason
        stock, quantity = stocks[reservation.stock_id], reservation.quantity
        if to == Active.RELEASED:
            movements.append(stock_movement(stock, Kind.RELEASE, quantity, reserved=-quantity,
                                            reason=why, order_id=order_id,
                                            line_id=reservation.order_line_id, actor=actor))
        else:
            movements.append(stock_movement(stock, Kind.DEDUCT, quantity, reserved=-quantity,
                                            on_hand=-quantity, reason=why, order_id=order_id,
                                            line_id=reservation.order_line_id, actor=actor))
        reservation.status, reservation.closed_at = to, now
        moved[order_id] += quantity
    Reservation.objects.bulk_update(reservations, ["status", "closed_at"], batch_size=1000)
    _save(stocks.values(), movements)
    return dict(moved)


@transaction.atomic
def stock_release_order(*, order_id: int, reason: str, actor: Actor = None) -> int:
    """Give back what a cancelled or refunded order held (idempotent); returns the units."""
    order_lock(order_id)
    return stock_reservations_close(orders={order_id: Active.RELEASED}, reason=reason,
                                    actor=actor).get(order_id, 0)


@transaction.atomic
def stock_deduct_order(*, order_id: int, reason: str, actor: Actor = None) -> int:
    """The order left the warehouse: its reserved units leave on-hand stock (idempotent)."""
    order_lock(order_id)
    return stock_reservations_close(orders={order_id: Active.DEDUCTED}, reason=reason,
                                    actor=actor).get(order_id, 0)


# --- drift check ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Drift:
    """A stock row whose counters disagree with its ledger or its reservations."""

    stock: Stock
    ledger_on_hand: int
    ledger_reserved: int
    ledger_samples: int
    reservations: int

    @property
    def signature(self) -> str:
        s = self.stock
        return (f"{s.on_hand - self.ledger_on_hand}:{s.reserved - self.ledger_reserved}:"
                f"{s.samples - self.ledger_samples}:{s.reserved - self.reservations}")

    def describe(self) -> str:
        s = self.stock
        return texts.DRIFT_MESSAGE.encode(
            sku=s.sku, warehouse=s.warehouse.code, on_hand=s.on_hand, reserved=s.reserved,
            samples=s.samples, ledger_on_hand=self.ledger_on_hand,
            ledger_reserved=self.ledger_reserved, ledger_samples=self.ledger_samples,
            reservations=self.reservations)


def stock_drift() -> list[Drift]:
    """Every stock row whose counters differ from the sum of its ledger or reservations."""
    ledger = {
        row["stock_id"]: row for row in StockMovement.objects.values("stock_id").annotate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"),
            samples=Sum("samples_delta"),
        )
    }
    held = dict(
        Reservation.objects.filter(status=Active.RESERVED).values("stock_id")
        .annotate(total=Sum("quantity")).values_list("stock_id", "total")
    )
    drifts = []
    for stock in Stock.objects.select_related("warehouse").order_by("pk").iterator(2000):
        sums = ledger.get(stock.pk, {})
        drift = Drift(
            stock=stock, ledger_on_hand=sums.get("on_hand") or 0,
            ledger_reserved=sums.get("reserved") or 0, ledger_samples=sums.get("samples") or 0,
            reservations=held.get(stock.pk, 0),
        )
        if drift.signature != "0:0:0:0":
            drifts.append(drift)
    return drifts


def stock_drift_check() -> list[Drift]:
    """The scheduled check: one alert per stock row and kind of difference."""
    drifts = stock_drift()
    for drift in drifts:
        alert_raise(
            key=f"stock-drift:{drift.stock.pk}:{drift.signature}", kind="stock_drift",
            team="warehouse", level=Alert.Level.DIRECTOR,
            title=texts.DRIFT_TITLE.encode(sku=drift.stock.sku,
                                           warehouse=drift.stock.warehouse.code),
            message=drift.describe(), data={"stock_id": drift.stock.pk,
                                            "signature": drift.signature},
        )
    return drifts


# --- orders whose reservations do not match their state -----------------------------------------
@dataclass(frozen=True)
class OrderDrift:
    """An order holding stock after it ended, or in the warehouse holding none."""

    order_id: int
    hub_no: str
    status: str
    problem: str  # "holds_after_end" or "holds_none"
    units: int = 0

    def describe(self) -> str:
        status = choice(Status, self.status)
        if self.problem == HOLDS_AFTER_END:
            return texts.ORDER_HOLDS_AFTER_END.encode(hub_no=self.hub_no, status=status,
                                                      units=self.units)
        return texts.ORDER_HOLDS_NONE.encode(hub_no=self.hub_no, status=status)


HOLDS_AFTER_END = "holds_after_end"
HOLDS_NONE = "holds_none"
# A paid order is decided within seconds; one older than this without stock is a problem.
DRIFT_GRACE = dt.timedelta(minutes=10)


def orders_stock_drift(*, now: dt.datetime | None = None) -> list[OrderDrift]:
    """Orders whose reservations do not match their state (three indexed queries).

    - In a state that holds no stock (unpaid, shipped, cancelled, refunded, closed) with
      reservations still open.
    - Paid and in the warehouse's hands for longer than ``DRIFT_GRACE`` with no decision, or
      with an allocated decision but no open reservation while a line's SKU is stock-managed.
    """
    now = now or timezone.now()
    drifts = []
    held = (Reservation.objects.filter(status=Active.RESERVED)
            .exclude(order__status__in=AWAITING_SHIPMENT)
            .values("order_id", "order__hub_no", "order__status")
            .annotate(units=Sum("quantity")).order_by("order_id"))
    for row in held:
        drifts.append(OrderDrift(row["order_id"], row["order__hub_no"], row["order__status"],
                                 HOLDS_AFTER_END, row["units"]))
    open_reservation = Reservation.objects.filter(order_id=OuterRef("pk"), status=Active.RESERVED)
    tracked_line = OrderLine.objects.filter(
        order_id=OuterRef("pk"), sku__in=Stock.objects.values("sku"))
    decision = FulfilmentDecision.objects.filter(order_id=OuterRef("pk"))
    allocated = decision.filter(outcome=FulfilmentDecision.Outcome.ALLOCATED)
    empty = (
        Order.objects.filter(status__in=AWAITING_SHIPMENT, paid_at__lt=now - DRIFT_GRACE,
                             state_entered_at__lt=now - DRIFT_GRACE)
        .filter(~Exists(decision) | (Exists(allocated) & ~Exists(open_reservation)
                                     & Exists(tracked_line)))
        .order_by("pk").values_list("pk", "hub_no", "status")
    )
    drifts += [OrderDrift(pk, hub_no, status, HOLDS_NONE) for pk, hub_no, status in empty]
    return drifts


def orders_stock_drift_check(*, now: dt.datetime | None = None) -> list[OrderDrift]:
    """The scheduled check: one alert per order and problem."""
    drifts = orders_stock_drift(now=now)
    orders = Order.objects.in_bulk([drift.order_id for drift in drifts])
    for drift in drifts:
        alert_raise(
            key=f"order-stock-drift:{drift.order_id}:{drift.problem}", kind="order_stock_drift",
            team="warehouse", level=Alert.Level.DIRECTOR, order=orders.get(drift.order_id),
            title=drift.describe(), message=drift.describe(),
            data={"problem": drift.problem, "units": drift.units},
        )
    return drifts
