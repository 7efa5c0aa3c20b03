"""Choosing the warehouse of a paid order and reserving its stock there.

Candidates, in order: the warehouses that matching rules assigned (in rule order), then the
active warehouses that serve the destination province (by their priority), then the rest (by
priority). The first candidate with capacity left today and every tracked line in stock gets
the order. When every candidate with the stock is full today, the first of them takes it over
capacity (flagged, and operations are alerted) rather than leaving a paid order unrouted.

Capacity is a soft daily limit read from the day's counter before routing; the counter is
incremented by ``capacity_count`` as the very last write of the order's transaction, so its
row lock is held for one statement instead of the whole fulfilment (a hot row otherwise: every
order of the warehouse would wait for it). Concurrent workers can therefore overshoot a
capacity by at most their number, which a daily figure in the thousands absorbs.

Each stock attempt runs in a savepoint: a warehouse that turns out to be short releases the
row locks it took (no lock is kept on a warehouse that was not chosen, so two orders can never
deadlock across warehouses) and holds no stock. SKUs without a stock row anywhere are not
stock-managed by the hub (the seller keeps them elsewhere); they are routed but not reserved,
and the decision says so.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from logistics.models import Reservation, Warehouse, WarehouseDay
from logistics.rules import normalise_place, split_values
from logistics.services.stock import Shortage, stock_levels, stock_reserve_lines
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
            parts.append(f"routed to {self.warehouse.code}; {held} unit(s) reserved")
        if self.over_capacity:
            parts.append("every candidate warehouse was at capacity: taken over capacity")
        elif self.full:
            parts.append(f"at capacity today: {', '.join(self.full)}")
        if self.shortages:
            parts.append("short: " + "; ".join(
                f"{s.sku} at {s.warehouse} (needs {s.needed}, {s.available} available)"
                for s in self.shortages))
        if self.untracked:
            parts.append(f"not stock-managed (nothing reserved): {', '.join(self.untracked)}")
        return ". ".join(parts)

    def out_of_stock_reason(self) -> str:
        """``out of stock: SKU X (needs 2, 0 available)``: the best any warehouse could do."""
        best: dict[str, Shortage] = {}
        for shortage in self.shortages:
            if shortage.sku not in best or shortage.available > best[shortage.sku].available:
                best[shortage.sku] = shortage
        # Commas, not semicolons or slashes: the hold reason joins several reasons with " / ".
        return "out of stock: " + ", ".join(
            f"SKU {s.sku} (needs {s.needed}, {s.available} available)"
            for s in sorted(best.values(), key=lambda s: s.sku)
        )


def serves(warehouse: Warehouse, province: str) -> bool:
    wanted = normalise_place(province)
    served = {normalise_place(p) for p in split_values(warehouse.provinces)}
    return bool(wanted) and wanted in served


def candidate_warehouses(*, province: str, preferred: Sequence[Warehouse]) -> list[Warehouse]:
    """Rule-assigned first, then those serving the province, then the rest (by priority)."""
    active = list(Warehouse.objects.filter(is_active=True).order_by("priority", "code"))
    chosen = [w for w in preferred if w.is_active]
    chosen += [w for w in active if serves(w, province)]
    chosen += active
    seen: set[int] = set()
    return [w for w in chosen if not (w.pk in seen or seen.add(w.pk))]


def capacity_count(*, warehouse: Warehouse) -> None:
    """Count one more order for the warehouse today (call it last: it locks the day's row)."""
    day = timezone.localdate()
    if WarehouseDay.objects.filter(warehouse=warehouse, day=day).update(
            assigned=F("assigned") + 1):
        return
    try:
        with transaction.atomic():
            WarehouseDay.objects.create(warehouse=warehouse, day=day, assigned=1)
    except IntegrityError:
        # Created by a concurrent routing: count on the row it made.
        WarehouseDay.objects.filter(warehouse=warehouse, day=day).update(
            assigned=F("assigned") + 1)


def _used_today(warehouses: Sequence[Warehouse]) -> dict[int, int]:
    """Orders each capacity-limited warehouse was given today (one query)."""
    limited = [w.pk for w in warehouses if w.daily_capacity is not None]
    if not limited:
        return {}
    return dict(WarehouseDay.objects.filter(warehouse_id__in=limited, day=timezone.localdate())
                .values_list("warehouse_id", "assigned"))


class _Short(Exception):
    """Rolls back one warehouse's attempt (its savepoint)."""

    def __init__(self, shortages: list[Shortage]) -> None:
        super().__init__()
        self.shortages = shortages


def _attempt(
    *, order: Order, lines: Sequence[OrderLine], warehouse: Warehouse, reason: str
) -> list[Reservation]:
    """Reserve every line in one warehouse, in a savepoint (``_Short`` when it cannot)."""
    if not lines:
        return []
    with transaction.atomic():
        reservations, shortages = stock_reserve_lines(
            order=order, lines=lines, warehouse=warehouse, reason=reason
        )
        if shortages:
            raise _Short(shortages)  # rolls back the savepoint: its row locks are released
        return reservations


def allocate(*, order: Order, preferred: Sequence[Warehouse] = (), reason: str = "") -> Allocation:
    """Route the (locked) order and reserve its stock, or report the shortages.

    One unlocked read of the SKUs' levels in every warehouse picks the warehouses that look
    able to cover the order; only those are locked and checked for real. A warehouse that looks
    short is not locked at all, which keeps the many losers of a sell-out cheap: their "out of
    stock" is what the committed stock said, and the retry sweep tries again after a restock.
    """
    lines = list(order.lines.order_by("pk"))
    levels = stock_levels(line.sku for line in lines)
    tracked = {sku for _warehouse_id, sku in levels}
    to_reserve = [line for line in lines if line.sku in tracked]
    needed: Counter[str] = Counter()
    for line in to_reserve:
        needed[line.sku] += line.quantity
    result = Allocation(untracked=sorted({
        line.sku or f"'{line.title}' (unmapped)" for line in lines if line.sku not in tracked
    }))
    reason = reason or f"order {order.hub_no} paid"
    candidates = candidate_warehouses(province=order.receiver_province, preferred=preferred)
    used = _used_today(candidates)
    able, full = [], []
    for warehouse in candidates:
        short = [Shortage(warehouse.code, sku, quantity, levels.get((warehouse.pk, sku), 0))
                 for sku, quantity in sorted(needed.items())
                 if levels.get((warehouse.pk, sku), 0) < quantity]
        if short:
            result.shortages += short
        elif warehouse.daily_capacity is not None and \
                used.get(warehouse.pk, 0) >= warehouse.daily_capacity:
            full.append(warehouse)
        else:
            able.append(warehouse)
    for over, tries in ((False, able), (True, full)):
        for warehouse in tries:
            try:
                reservations = _attempt(order=order, lines=to_reserve, warehouse=warehouse,
                                        reason=reason)
            except _Short as short:
                result.shortages += short.shortages
                continue
            result.warehouse, result.reservations = warehouse, reservations
            result.over_capacity = over
            break
        if result.ok:
            break
    result.full = [w.code for w in full]
    if result.ok:
        result.shortages = []
    return result
