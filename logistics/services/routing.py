"""Choosing the warehouse of paid orders and reserving their stock there, a batch at a time.

Candidates, in order: the warehouses that matching rules assigned (in rule order), then the
active warehouses that serve the destination province (by their priority), then the rest (by
priority). The first candidate with capacity left today and every tracked line in stock gets
the order. When every candidate with the stock is full today, the first of them takes it over
capacity (flagged, and operations are alerted) rather than leaving a paid order unrouted.

A batch (one order, or the hundreds of one ingestion) is allocated with one read of the SKUs'
levels in every warehouse, unlocked, which shows the warehouses that look able to cover each
order; only those stock rows are then locked, in one query in primary-key order (the lock order
of STYLE.md: the orders first, then stock rows by id, so two batches never deadlock), and the
orders are allocated one after another against the locked counters, in memory. A warehouse
that looked short is not locked at all, which keeps the many losers of a sell-out cheap: their
"out of stock" is what the committed stock said, and a restock retries them.

Capacity is a soft daily limit read from the day's counter before routing; the counters are
incremented by ``capacity_count`` as the very last write of the transaction, so their row lock
is held for one statement. Concurrent batches can therefore overshoot a capacity by at most
what each routed, which a daily figure in the thousands absorbs.

SKUs without a stock row anywhere are not stock-managed by the hub (the seller keeps them
elsewhere); they are routed but not reserved, and the decision says so.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from logistics import texts
from logistics.models import Reservation, Stock, StockMovement, Warehouse, WarehouseDay
from logistics.rules import normalise_place, split_values
from orderhub.core.bulk import insert_instances
from logistics.services.stock import (
    Shortage,
    stock_changed_record,
    stock_for_update,
    stock_levels,
    stock_movement,
    stock_rows_save,
)
from orders.models import Order, OrderLine


@dataclass
class Allocation:
    """Where the order goes and what was held, or why it could not be placed."""

    warehouse: Warehouse | None = None
    reservations: list[Reservation] = field(default_factory=list)
    shortages: list[Shortage] = field(default_factory=list)
    full: list[str] = field(default_factory=list)
    over_capacity: bool = False
    untracked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.warehouse is not None

    def summary(self) -> str:
        parts = []
        if self.warehouse is not None:
            held = sum(r.quantity for r in self.reservations)
            parts.append(texts.ROUTED.encode(warehouse=self.warehouse.code, units=held))
        if self.over_capacity:
            parts.append(texts.OVER_CAPACITY.encode())
        elif self.full:
            parts.append(texts.AT_CAPACITY.encode(warehouses=list(self.full)))
        if self.shortages:
            parts.append(texts.SHORT.encode(shortages=[
                texts.SHORT_AT.encode(sku=s.sku, warehouse=s.warehouse, needed=s.needed,
                                      available=s.available) for s in self.shortages]))
        if self.untracked:
            parts.append(texts.UNTRACKED.encode(skus=list(self.untracked)))
        return texts.SUMMARY.encode(parts=parts) if parts else ""

    def best_shortages(self) -> list[Shortage]:
        """Per SKU, the best any warehouse could do (what the hold and the alert name)."""
        best: dict[str, Shortage] = {}
        for shortage in self.shortages:
            if shortage.sku not in best or shortage.available > best[shortage.sku].available:
                best[shortage.sku] = shortage
        return sorted(best.values(), key=lambda s: s.sku)


@dataclass
class Plan:
    """One order to allocate: its lines and the warehouses its rules prefer."""

    order: Order
    lines: Sequence[OrderLine]
    preferred: Sequence[Warehouse] = ()
    reason: str = ""


def provinces_served(warehouse: Warehouse) -> frozenset[str]:
    return frozenset(normalise_place(p) for p in split_values(warehouse.provinces))


def serves(warehouse: Warehouse, province: str) -> bool:
    wanted = normalise_place(province)
    return bool(wanted) and wanted in provinces_served(warehouse)


def active_warehouses() -> list[Warehouse]:
    return list(Warehouse.objects.filter(is_active=True).order_by("priority", "code"))


def candidate_warehouses(
    *, province: str, preferred: Sequence[Warehouse], active: Sequence[Warehouse] | None = None,
    served: dict[int, frozenset[str]] | None = None,
) -> list[Warehouse]:
    """Rule-assigned first, then those serving the province, then the rest (by priority).
    ``served``: each active warehouse's provinces, worked out once for a batch."""
    active = list(active) if active is not None else active_warehouses()
    served = served if served is not None else {w.pk: provinces_served(w) for w in active}
    wanted = normalise_place(province)
    chosen = [w for w in preferred if w.is_active]
    chosen += [w for w in active if wanted and wanted in served[w.pk]]
    chosen += active
    seen: set[int] = set()
    return [w for w in chosen if not (w.pk in seen or seen.add(w.pk))]


def capacity_count(*, counts: Counter[int] | dict[int, int]) -> None:
    """Count the orders each warehouse was given today (call it last: it locks the day's rows,
    in warehouse order)."""
    day = timezone.localdate()
    for warehouse_id, count in sorted(counts.items()):
        if not count:
            continue
        if WarehouseDay.objects.filter(warehouse_id=warehouse_id, day=day).update(
                assigned=F("assigned") + count):
            continue
        try:
            with transaction.atomic():
                WarehouseDay.objects.create(warehouse_id=warehouse_id, day=day, assigned=count)
        except IntegrityError:
            # Created by a concurrent routing: count on the row it made.
            WarehouseDay.objects.filter(warehouse_id=warehouse_id, day=day).update(
                assigned=F("assigned") + count)


def _used_today(warehouses: Sequence[Warehouse]) -> dict[int, int]:
    """Orders each capacity-limited warehouse was given today (one query)."""
    limited = [w.pk for w in warehouses if w.daily_capacity is not None]
    if not limited:
        return {}
    return dict(WarehouseDay.objects.filter(warehouse_id__in=limited, day=timezone.localdate())
                .values_list("warehouse_id", "assigned"))


class StockBook:
    """The stock rows a batch may reserve from, locked, counted down in memory as it goes."""

    def __init__(self, rows: Iterable[Stock]) -> None:
        self.rows = {(stock.warehouse_id, stock.sku): stock for stock in rows}
        self.changed: dict[int, Stock] = {}

    @classmethod
    def lock(cls, wanted: dict[int, set[str]]) -> StockBook:
        """Lock the rows of these SKUs in these warehouses (``{warehouse id: skus}``), one
        query, in primary-key order."""
        if not wanted:
            return cls([])
        where = Q()
        for warehouse_id, skus in sorted(wanted.items()):
            where |= Q(warehouse_id=warehouse_id, sku__in=sorted(skus))
        return cls(stock_for_update().filter(where).order_by("pk"))

    def available(self, warehouse_id: int, sku: str) -> int:
        stock = self.rows.get((warehouse_id, sku))
        return stock.available if stock is not None else 0

    def covers(self, warehouse_id: int, needed: Counter[str]) -> bool:
        return all(self.available(warehouse_id, sku) >= n for sku, n in needed.items())

    def reserve(self, *, order: Order, lines: Sequence[OrderLine], warehouse_id: int,
                reason: str) -> tuple[list[Reservation], list[StockMovement]]:
        """Hold every line in the warehouse (the caller checked ``covers``)."""
        reservations, movements = [], []
        for line in lines:
            stock = self.rows[(warehouse_id, line.sku)]
            reservations.append(Reservation(order=order, order_line=line, stock=stock,
                                            quantity=line.quantity))
            movements.append(stock_movement(stock, StockMovement.Kind.RESERVE, line.quantity,
                                            reserved=line.quantity, reason=reason,
                                            order_id=order.pk, line_id=line.pk))
            self.changed[stock.pk] = stock
        return reservations, movements


def allocate_many(plans: Sequence[Plan]) -> tuple[list[Allocation], Counter[int]]:
    """Route and reserve a batch of (locked) orders, in the given order; returns each one's
    allocation and how many orders each warehouse took (for ``capacity_count``, which the
    caller runs last)."""
    skus = {line.sku for plan in plans for line in plan.lines if line.sku}
    levels = stock_levels(skus)
    tracked = {sku for _warehouse_id, sku in levels}
    active = active_warehouses()
    served = {warehouse.pk: provinces_served(warehouse) for warehouse in active}
    used = Counter(_used_today(active))
    wants: list[tuple[Plan, list[OrderLine], Counter[str], list[Warehouse]]] = []
    to_lock: dict[int, set[str]] = {}
    for plan in plans:
        lines = [line for line in plan.lines if line.sku in tracked]
        needed: Counter[str] = Counter()
        for line in lines:
            needed[line.sku] += line.quantity
        candidates = candidate_warehouses(province=plan.order.receiver_province,
                                          preferred=plan.preferred, active=active, served=served)
        wants.append((plan, lines, needed, candidates))
        for warehouse in candidates:
            if needed and all(levels.get((warehouse.pk, sku), 0) >= n
                              for sku, n in needed.items()):
                to_lock.setdefault(warehouse.pk, set()).update(needed)
    book = StockBook.lock(to_lock)
    allocations, reservations, movements = [], [], []
    taken: Counter[int] = Counter()
    for plan, lines, needed, candidates in wants:
        allocation = Allocation(untracked=sorted({
            line.sku or f"'{line.title}' (unmapped)" for line in plan.lines
            if line.sku not in tracked}))
        able, full = [], []
        for warehouse in candidates:
            # Locked rows count what the batch left of them; a row not locked is one whose
            # warehouse looked short, and its committed level is what the order was told.
            short = [Shortage(warehouse.code, sku, n, left)
                     for sku, n in sorted(needed.items())
                     if (left := book.available(warehouse.pk, sku) if (warehouse.pk, sku)
                         in book.rows else levels.get((warehouse.pk, sku), 0)) < n]
            if short:
                allocation.shortages += short
            elif warehouse.daily_capacity is not None and \
                    used[warehouse.pk] >= warehouse.daily_capacity:
                full.append(warehouse)
            else:
                able.append(warehouse)
        chosen = able[0] if able else (full[0] if full else None)
        allocation.full = [w.code for w in full]
        if chosen is not None:
            allocation.warehouse, allocation.over_capacity = chosen, not able
            allocation.shortages = []
            held, moved = book.reserve(order=plan.order, lines=lines, warehouse_id=chosen.pk,
                                       reason=plan.reason or f"order {plan.order.hub_no} paid")
            allocation.reservations = held
            reservations += held
            movements += moved
            used[chosen.pk] += 1
            taken[chosen.pk] += 1
        allocations.append(allocation)
    insert_instances(reservations)
    stock_rows_save(book.changed.values(), movements)
    stock_changed_record(book.changed.values(), movements)
    return allocations, taken
