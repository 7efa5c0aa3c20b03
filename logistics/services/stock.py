"""Stock writes: every change of a counter is made here, with its ledger row.

Locking (STYLE.md): the order row first (callers that reserve, release or deduct hold it),
then stock rows in primary-key order with ``select_for_update``. Reserving checks every line
before writing anything, so a failed attempt holds nothing; the caller's savepoint releases
the row locks it took. The CHECK constraints on ``Stock`` are the last line of defence: a write
that would make any counter negative, or reserve more than is on hand, fails in the database.

Low stock: each crossing of a row's threshold (available falls to it or below) raises one
alert, keyed by the row and the crossing; the alert is resolved when the row is restocked
above the threshold, and the next crossing alerts again.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from logistics.models import Reservation, Stock, StockMovement, Warehouse
from orderhub.alerts.models import Alert
from orderhub.alerts.services import alert_raise, alert_resolve
from orderhub.core.errors import NotFound, PermissionRefused, ValidationFailed
from orders.locks import order_lock
from orders.models import Order, OrderLine
from orders.services import Actor
from orders.state_machine import Status

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


def _movement(
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
        reserved_delta=reserved, samples_delta=samples, reason=reason[:255], order_id=order_id,
        order_line_id=line_id, actor=_user(actor),
    )


def _save(stocks: Iterable[Stock], movements: Sequence[StockMovement]) -> None:
    for stock in stocks:
        stock.save(update_fields=["on_hand", "reserved", "samples", "updated_at"])
        low_stock_check(stock=stock)
    StockMovement.objects.bulk_create(movements)


def low_stock_check(*, stock: Stock) -> None:
    """Alert once per crossing below the threshold; re-arm (and resolve) when restocked.
    The caller holds the row's lock."""
    low = stock.available <= stock.low_stock_threshold
    if low == stock.low_stock_alerted:
        return
    if low:
        stock.low_stock_crossings += 1
        stock.low_stock_alerted = True
        stock.save(update_fields=["low_stock_alerted", "low_stock_crossings"])
        alert_raise(
            key=low_stock_key(stock), kind="low_stock", team="warehouse",
            title=f"Low stock: {stock.sku} at {stock.warehouse.code} ({stock.available} left)",
            message=(
                f"{stock.sku} in {stock.warehouse.name}: {stock.available} available "
                f"(threshold {stock.low_stock_threshold}; on hand {stock.on_hand}, reserved "
                f"{stock.reserved}, samples {stock.samples})."
            ),
            data={"stock_id": stock.pk, "sku": stock.sku, "warehouse": stock.warehouse.code,
                  "available": stock.available},
        )
        return
    stock.low_stock_alerted = False
    stock.save(update_fields=["low_stock_alerted"])
    alert = Alert.objects.filter(key=low_stock_key(stock)).first()
    if alert is not None:
        alert_resolve(alert=alert, actor=None,
                      resolution=f"restocked: {stock.available} available")


def low_stock_key(stock: Stock) -> str:
    return f"stock-low:{stock.pk}:{stock.low_stock_crossings}"


def _stock_for_update():
    """Stock rows locked with their warehouse joined but not locked: ``FOR UPDATE`` without
    ``OF`` would lock the warehouse row too, serialising (and deadlocking) every order of the
    warehouse on it."""
    return Stock.objects.select_for_update(of=("self",)).select_related("warehouse")


def _locked_row(*, warehouse: Warehouse, sku: str) -> Stock:
    """The stock row of ``sku`` in ``warehouse``, locked; created (empty) when missing."""
    found = _stock_for_update().filter(
        warehouse=warehouse, sku=sku
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            Stock.objects.create(warehouse=warehouse, sku=sku)
    except IntegrityError:
        pass  # created by someone else meanwhile: lock theirs
    return _stock_for_update().get(
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
    movement = _movement(stock, Kind.RECEIVE, quantity, on_hand=quantity,
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
        _stock_for_update()
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
            movements.append(_movement(
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


def stock_reserve_lines(
    *, order: Order, lines: Sequence[OrderLine], warehouse: Warehouse, reason: str
) -> tuple[list[Reservation], list[Shortage]]:
    """Reserve every line in ``warehouse``, or nothing: returns the reservations, or the
    shortages when any line cannot be covered (then nothing was written).

    The caller holds the order's lock inside a transaction (``routing.allocate``).
    """
    needed = Counter()
    for line in lines:
        needed[line.sku] += line.quantity
    rows = {
        stock.sku: stock for stock in
        _stock_for_update().filter(warehouse=warehouse, sku__in=needed).order_by("pk")
    }
    shortages = [
        Shortage(warehouse.code, sku, quantity, rows[sku].available if sku in rows else 0)
        for sku, quantity in sorted(needed.items())
        if sku not in rows or rows[sku].available < quantity
    ]
    if shortages:
        return [], shortages
    reservations, movements = [], []
    for line in lines:
        stock = rows[line.sku]
        reservations.append(Reservation(order=order, order_line=line, stock=stock,
                                        quantity=line.quantity))
        movements.append(_movement(stock, Kind.RESERVE, line.quantity, reserved=line.quantity,
                                   reason=reason, order_id=order.pk, line_id=line.pk))
    Reservation.objects.bulk_create(reservations)
    _save(sorted(rows.values(), key=lambda s: s.pk), movements)
    return reservations, []


def _left_the_warehouse(order: Order) -> bool:
    """Whether the order was ever handed to the courier (its history reached in_transit)."""
    return order.history.filter(status=Status.IN_TRANSIT).exists()


def _close_reservations(*, order_id: int, to: str, reason: str, actor: Actor) -> int:
    """Release or deduct the order's open reservations; returns the units moved."""
    order = order_lock(order_id)
    if to == Active.RELEASED and _left_the_warehouse(order):
        # Refunded after the courier took it (e.g. refused at the door): the goods are gone
        # until after-sales receives them back, so they leave stock; they are not available.
        to = Active.DEDUCTED
        reason = f"{reason}; the parcel had left the warehouse"
    reservations = list(
        Reservation.objects.filter(order_id=order_id, status=Active.RESERVED).order_by("pk")
    )
    if not reservations:
        return 0
    stocks = {
        stock.pk: stock for stock in _stock_for_update()
        .filter(pk__in={r.stock_id for r in reservations}).order_by("pk")
    }
    movements = []
    for reservation in reservations:
        stock, quantity = stocks[reservation.stock_id], reservation.quantity
        if to == Active.RELEASED:
            movements.append(_movement(stock, Kind.RELEASE, quantity, reserved=-quantity,
                                       reason=reason, order_id=order_id,
                                       line_id=reservation.order_line_id, actor=actor))
        else:
            movements.append(_movement(stock, Kind.DEDUCT, quantity, reserved=-quantity,
                                       on_hand=-quantity, reason=reason, order_id=order_id,
                                       line_id=reservation.order_line_id, actor=actor))
        reservation.status = to
        reservation.closed_at = timezone.now()
    Reservation.objects.bulk_update(reservations, ["status", "closed_at"])
    _save(stocks.values(), movements)
    return sum(r.quantity for r in reservations)


@transaction.atomic
def stock_release_order(*, order_id: int, reason: str, actor: Actor = None) -> int:
    """Give back what a cancelled or refunded order held (idempotent); returns the units."""
    return _close_reservations(order_id=order_id, to=Active.RELEASED, reason=reason, actor=actor)


@transaction.atomic
def stock_deduct_order(*, order_id: int, reason: str, actor: Actor = None) -> int:
    """The order left the warehouse: its reserved units leave on-hand stock (idempotent)."""
    return _close_reservations(order_id=order_id, to=Active.DEDUCTED, reason=reason, actor=actor)


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
        return (
            f"{s.sku} at {s.warehouse.code}: counters on hand {s.on_hand} / reserved "
            f"{s.reserved} / samples {s.samples}; ledger {self.ledger_on_hand} / "
            f"{self.ledger_reserved} / {self.ledger_samples}; open reservations "
            f"{self.reservations}"
        )


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
            title=f"Stock counters drifted: {drift.stock.sku} at {drift.stock.warehouse.code}",
            message=drift.describe(), data={"stock_id": drift.stock.pk,
                                            "signature": drift.signature},
        )
    return drifts
