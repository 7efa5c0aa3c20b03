"""Keeping the figures: refresh orders' contributions, route them, rebuild from history.

:func:`order_flows_refresh` is state-based, not a replay of deltas: it reads what the hub knows
of each order now (row, history, holds), computes its contribution (``definitions``), and adds
the difference from what the order had contributed before to the daily aggregates. A late or
repeated event therefore does no harm, and the outcome is what :func:`metrics_rebuild`
computes from history for the same orders. Writes to the aggregates are sorted upserts
(``value = value + delta``), so that concurrent refreshes of different orders neither lose an
addition nor deadlock.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from django.db import connection, transaction
from django.db.models import Q
from psycopg.types.json import Jsonb

from orderhub.core.bulk import copy_supported, insert_tuples

from orderhub.core.history import system_user_id
from orders.metrics.definitions import (
    HoldRow,
    OrderFacts,
    Row,
    contributions,
    order_facts,
)
from orders.metrics.models import MetricCount, MetricWarehouse, OrderFlow
from orders.models import Hold, Order
from orders.sla.config import DeadlineConfig, deadline_config

AggregateKey = tuple[str, int, int, str]  # day, channel, warehouse, key
CHUNK = 2000
REBUILD_CHUNK = 10_000


def _facts_of(order_ids: Sequence[int] | None, config: DeadlineConfig, *,
              id_range: tuple[int, int] | None = None
              ) -> Iterator[tuple[int, int, OrderFacts]]:
    """(order id, channel id, facts) of each order that exists, in three queries: the orders
    ``order_ids``, or those with ``low < id <= high`` (``id_range``: a rebuild reads the
    table in ranges, which the indexes serve without shipping a list of ids)."""
    if id_range is not None:
        low, high = id_range
        of_orders = Q(pk__gt=low, pk__lte=high)
        of_history, of_holds = Q(id__gt=low, id__lte=high), Q(order_id__gt=low, order_id__lte=high)
    else:
        ids = list(order_ids or ())
        of_orders, of_history, of_holds = Q(pk__in=ids), Q(id__in=ids), Q(order_id__in=ids)
    orders = list(Order.objects.filter(of_orders).order_by("pk")
                  .values_list("pk", "channel_id", "paid_at", "ship_by"))
    rows: dict[int, list[Row]] = defaultdict(list)
    for order_id, at, status, user_id in (
        Order.history.model.objects.filter(of_history)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "history_date", "status", "history_user_id").iterator(5000)
    ):
        rows[order_id].append(Row(at, status, user_id))
    holds: dict[int, list[HoldRow]] = defaultdict(list)
    for order_id, *hold in (
        Hold.objects.filter(of_holds).order_by("id")
        .values_list("order_id", "source", "placed_at", "placed_by_id", "released_at",
                     "released_by_id")
    ):
        holds[order_id].append(HoldRow(*hold))
    system = system_user_id()
    for order_id, channel_id, paid_at, ship_by in orders:
        def allowance(status: str, channel_id=channel_id) -> int | None:
            rule = config.allowance(status, channel_id)
            return rule.minutes if rule is not None else None

        yield order_id, channel_id, order_facts(
            paid_at=paid_at, ship_by=ship_by, rows=rows.pop(order_id, ()),
            holds=holds.pop(order_id, ()), system_user_id=system, allowance_minutes=allowance,
        )


def _flow(order_id: int, channel_id: int, warehouse_id: int, facts: OrderFacts,
          contribution: dict[str, int]) -> OrderFlow:
    return OrderFlow(
        order_id=order_id, channel_id=channel_id, warehouse_id=warehouse_id,
        paid_at=facts.paid_at, ship_by=facts.ship_by, shipped_at=facts.shipped_at,
        delivered_at=facts.delivered_at, ended_at=facts.ended_at, due=facts.due,
        on_time=facts.on_time, breakpoint=facts.breakpoint,
        interventions=min(len(facts.interventions), 32767), late_cause=facts.late_cause,
        contribution=contribution,
    )


_FLOW_FIELDS = ["channel_id", "warehouse_id", "paid_at", "ship_by", "shipped_at", "delivered_at",
                "ended_at", "due", "on_time", "breakpoint", "interventions", "late_cause",
                "contribution"]


def _add(deltas: dict[AggregateKey, int], contribution: Mapping[str, int], channel_id: int,
         warehouse_id: int, sign: int) -> None:
    for name, value in contribution.items():
        day, key = name.split("|", 1)
        deltas[(day, channel_id, warehouse_id, key)] += sign * value


def _apply(deltas: Mapping[AggregateKey, int]) -> None:
    """Add each delta to its aggregate row, creating it; sorted, so that concurrent refreshes
    take the rows' locks in one order."""
    rows = [(dt.date.fromisoformat(day), ch, wh, key, value)
            for (day, ch, wh, key), value in sorted(deltas.items()) if value]
    if not rows:
        return
    table = connection.ops.quote_name(MetricCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (day, channel_id, warehouse_id, key, value) "
            f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT (day, channel_id, warehouse_id, key) "
            f"DO UPDATE SET value = {table}.value + EXCLUDED.value", rows)


@transaction.atomic
def order_flows_refresh(*, order_ids: Iterable[int],
                        warehouses: Mapping[int, int] | None = None) -> int:
    """Bring the figures of these orders up to date (idempotent); ``warehouses`` gives some of
    them their warehouse. Returns how many orders were refreshed."""
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    warehouses = warehouses or {}
    old = {flow.order_id: flow
           for flow in OrderFlow.objects.select_for_update().filter(order_id__in=ids)
           .order_by("order_id")}
    deltas: dict[AggregateKey, int] = defaultdict(int)
    flows = []
    for order_id, channel_id, facts in _facts_of(ids, deadline_config()):
        before = old.get(order_id)
        warehouse_id = warehouses.get(order_id, before.warehouse_id if before else 0)
        contribution = contributions(facts)
        if before is not None:
            _add(deltas, before.contribution, before.channel_id, before.warehouse_id, -1)
        _add(deltas, contribution, channel_id, warehouse_id, +1)
        flows.append(_flow(order_id, channel_id, warehouse_id, facts, contribution))
    _apply(deltas)
    OrderFlow.objects.bulk_create(flows, update_conflicts=True, unique_fields=["order"],
                                  update_fields=_FLOW_FIELDS)
    return len(flows)


def order_flows_route(*, warehouses: Mapping[int, int | None],
                      names: Mapping[int, str] | None = None) -> int:
    """Logistics routed these orders to these warehouses (``{order id: warehouse id}``, with
    the warehouses' ``names``): their figures move to that warehouse."""
    for warehouse_id, name in (names or {}).items():
        MetricWarehouse.objects.update_or_create(warehouse_id=warehouse_id,
                                                 defaults={"name": name[:100]})
    wanted = {order_id: warehouse_id or 0 for order_id, warehouse_id in warehouses.items()}
    moved = _flows_move(wanted)
    rest = [order_id for order_id in wanted if order_id not in moved]
    return len(moved) + order_flows_refresh(order_ids=rest, warehouses=wanted)


@transaction.atomic
def _flows_move(warehouses: Mapping[int, int]) -> set[int]:
    """Orders whose figures are already kept move them, as they stand, to their new warehouse:
    routing changes where an order counts, not what it counts (a later refresh takes it from
    there). Returns the orders handled; those without figures yet are refreshed instead."""
    flows = list(OrderFlow.objects.select_for_update().filter(order_id__in=sorted(warehouses))
                 .order_by("order_id"))
    deltas: dict[AggregateKey, int] = defaultdict(int)
    changed = []
    for flow in flows:
        target = warehouses[flow.order_id]
        if flow.warehouse_id == target:
            continue
        _add(deltas, flow.contribution, flow.channel_id, flow.warehouse_id, -1)
        _add(deltas, flow.contribution, flow.channel_id, target, +1)
        flow.warehouse_id = target
        changed.append(flow)
    _apply(deltas)
    OrderFlow.objects.bulk_update(changed, ["warehouse_id"], batch_size=1000)
    return {flow.order_id for flow in flows}


def _flow_row(flow: OrderFlow) -> tuple:
    """An order flow as a row for ``insert_tuples`` (``_FLOW_COLUMNS``)."""
    contribution = Jsonb(flow.contribution) if copy_supported() else flow.contribution
    return (flow.order_id, *(getattr(flow, name) for name in _FLOW_FIELDS[:-1]), contribution)


_FLOW_COLUMNS = ["order_id", *_FLOW_FIELDS]


def metrics_rebuild(*, chunk: int = REBUILD_CHUNK, after_id: int = 0,
                    progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Recompute every order's contribution from history and replace the daily aggregates
    with their sums (the warehouses logistics gave are kept). Returns (orders, aggregate
    rows). Run it with the event handlers quiet (a maintenance window): events handled while
    it runs are counted again by the next refresh of those orders, not lost. ``after_id``
    leaves older orders out (their contributions are dropped too): for a benchmark's recent
    period only. ``progress(orders done, last order id)`` is called after each chunk.

    The definitions stay in one place (``definitions``, pure Python, the same functions the
    event handler calls): a rebuild cannot disagree with the maintained figures by restating
    them in SQL. What makes a million orders feasible is the reading and writing around them:
    the orders, their history and their holds are read by id range (index range scans, no
    list of ids shipped per query), and each chunk's flows are replaced by a range delete and
    one ``COPY`` (PostgreSQL) instead of an upsert built row by row."""
    config = deadline_config()
    known = dict(OrderFlow.objects.filter(order_id__gt=after_id).exclude(warehouse_id=0)
                 .values_list("order_id", "warehouse_id").iterator(10000))
    totals: dict[AggregateKey, int] = defaultdict(int)
    orders = 0
    last = after_id
    while True:
        bounds = list(Order.objects.filter(pk__gt=last).order_by("pk")
                      .values_list("pk", flat=True)[chunk - 1:chunk])
        high = bounds[0] if bounds else None
        if high is None:
            high = Order.objects.filter(pk__gt=last).order_by("-pk").values_list(
                "pk", flat=True).first()
            if high is None:
                break
        flows = []
        for order_id, channel_id, facts in _facts_of(None, config, id_range=(last, high)):
            warehouse_id = known.get(order_id, 0)
            contribution = contributions(facts)
            _add(totals, contribution, channel_id, warehouse_id, +1)
            flows.append(_flow(order_id, channel_id, warehouse_id, facts, contribution))
        with transaction.atomic():
            OrderFlow.objects.filter(order_id__gt=last, order_id__lte=high).delete()
            insert_tuples(OrderFlow, _FLOW_COLUMNS, [_flow_row(flow) for flow in flows])
        orders += len(flows)
        last = high
        if progress is not None:
            progress(orders, last)
    with transaction.atomic():
        MetricCount.objects.all().delete()
        insert_tuples(MetricCount, ["day", "channel_id", "warehouse_id", "key", "value"], [
            (dt.date.fromisoformat(day), ch, wh, key, value)
            for (day, ch, wh, key), value in sorted(totals.items()) if value])
    return orders, sum(1 for value in totals.values() if value)


def metric_counts_snapshot() -> dict[AggregateKey, int]:
    """Every non-zero aggregate as a dict (to compare the maintained with the rebuilt)."""
    return {(day.isoformat(), ch, wh, key): value for day, ch, wh, key, value in
            MetricCount.objects.exclude(value=0)
            .values_list("day", "channel_id", "warehouse_id", "key", "value")}
