"""Stock reservation benchmark (DESIGN.md section 6): reservations per second with 8 concurrent
workers on PostgreSQL, and zero units oversold.

Run on a PostgreSQL database of its own (created if missing, migrated, and its order and
logistics tables truncated at every run)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_stock \\
        .venv/bin/python -m bench.reserve

Each worker is a process of its own (as django-q2's workers are), with its own connection. They
start together and run ``logistics.services.fulfilment.fulfilment_process`` (the shipped rules,
routing to the destination's warehouse, the locked reservation with its ledger rows) on their
share of the paid orders. Two scenarios:

- spread: ``--orders`` orders of 1-3 lines over ``--skus`` SKUs stocked in the four default
  warehouses: the everyday case, where workers rarely want the same stock row;
- hot: ``--hot`` orders of one unit of one SKU that has stock for half of them, all in one
  warehouse: every reservation waits for the same row lock, and half of the orders end out of
  stock (held, alerted, holding nothing).

It prints orders/s, reservations (order lines)/s and per-order latency, then checks that the
counters match the ledger and that nothing was oversold.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from bench.common import database_url, ensure_database, fail, percentile, setup_django

PROVINCES = [("浙江省", "杭州市"), ("广东省", "深圳市"), ("北京", "北京市"), ("四川省", "成都市"),
             ("上海市", "上海市"), ("江苏省", "南京市"), ("湖北省", "武汉市"), ("河南省", "郑州市")]
BATCH = 500


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=4000, help="orders in the spread run")
    parser.add_argument("--skus", type=int, default=200, help="SKUs in the spread run")
    parser.add_argument("--hot", type=int, default=1000, help="orders in the hot-SKU run")
    parser.add_argument("--workers", type=int, default=8, help="concurrent worker processes")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


# --- preparing ------------------------------------------------------------------------------------
def reset() -> None:
    """Empty the order and logistics tables (a database of the benchmark's own)."""
    from django.db import connection

    from logistics import models as logistics_models
    from orderhub.alerts.models import Alert
    from orders.models import GiftOrder, HubNumberSerial, Order, OrderLine, OrderTag

    if "bench" not in connection.settings_dict["NAME"]:
        fail("bench.reserve truncates tables: use a database whose name contains 'bench'.")
    models = [
        logistics_models.ParcelMember, logistics_models.Parcel, logistics_models.RuleMatch,
        logistics_models.FulfilmentDecision, logistics_models.Reservation,
        logistics_models.StockMovement, logistics_models.Stock, logistics_models.WarehouseDay,
        OrderTag, Alert, GiftOrder, OrderLine, Order, HubNumberSerial,
    ]
    tables = [m._meta.db_table for m in models]
    tables += [m.history.model._meta.db_table for m in (Order, OrderLine, GiftOrder)]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")


def stock_up(levels: dict[tuple[str, str], int]) -> None:
    """Opening stock through the service (one ledger row each); no daily capacity limits."""
    from logistics.models import Warehouse
    from logistics.services.stock import StockLevel, stock_levels_set

    Warehouse.objects.update(daily_capacity=None)
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    levels_in = [StockLevel(warehouses[code], sku, quantity)
                 for (code, sku), quantity in levels.items()]
    for start in range(0, len(levels_in), BATCH):
        stock_levels_set(levels=levels_in[start:start + BATCH], actor=None,
                         reason="bench opening stock")


def paid_orders(specs: list[list[tuple[str, int]]], rng: random.Random, *, prefix: str
                ) -> list[int]:
    """Create paid orders as ingestion does (``orders_create``), one line per (SKU, quantity)."""
    from django.utils import timezone

    from orders.models import Channel
    from orders.services import LineInput, OrderInput, orders_create
    from orders.state_machine import Status

    channel = Channel.objects.get(code="jd")
    now = timezone.now()
    ids: list[int] = []
    for start in range(0, len(specs), BATCH):
        inputs = []
        for index, lines in enumerate(specs[start:start + BATCH], start=start):
            province, city = rng.choice(PROVINCES)
            inputs.append(OrderInput(
                channel_order_no=f"{prefix}{index:08d}", status=Status.PAID, paid_at=now,
                lines=[LineInput(title=sku, sku=sku, quantity=qty,
                                 unit_price=Decimal(rng.randint(20, 900))) for sku, qty in lines],
                receiver={"name": "测试", "phone": f"139{index:08d}", "province": province,
                          "city": city, "district": "某区", "address": f"某路 {index} 号"},
            ))
        ids += [order.pk for order in orders_create(channel=channel, orders=inputs, actor=None,
                                                    reason="bench")]
    return ids


# --- running --------------------------------------------------------------------------------------
def worker(order_ids: list[int], ready, go, results) -> None:
    """One worker process: wait for the start, process its orders, report timings."""
    setup_django()
    from django.db import connection

    from logistics.services.fulfilment import fulfilment_process

    connection.ensure_connection()
    ready.put(True)
    go.wait()
    timings, outcomes = [], {}
    for order_id in order_ids:
        started = time.perf_counter()
        decision = fulfilment_process(order_id=order_id)
        timings.append((time.perf_counter() - started) * 1000)
        outcomes[decision.outcome] = outcomes.get(decision.outcome, 0) + 1
    connection.close()
    results.put((timings, outcomes))


@dataclass
class Run:
    name: str
    orders: int
    lines: int
    seconds: float
    timings: list[float]
    outcomes: dict[str, int]


def run(name: str, order_ids: list[int], workers: int) -> Run:
    """Process the orders with ``workers`` processes that start together; time the whole."""
    from django.db import connection

    from orders.models import OrderLine

    with connection.cursor() as cursor:
        # Fresh tables have no statistics yet; production has autovacuum's.
        cursor.execute("ANALYZE")
    connection.close()  # nothing shared with the children
    context = mp.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    shares = [order_ids[i::workers] for i in range(workers)]
    processes = [context.Process(target=worker, args=(share, ready, go, results))
                 for share in shares]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=120)
    started = time.perf_counter()
    go.set()
    collected = [results.get(timeout=3600) for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    timings = [t for part, _outcomes in collected for t in part]
    outcomes: dict[str, int] = {}
    for _part, counts in collected:
        for key, value in counts.items():
            outcomes[key] = outcomes.get(key, 0) + value
    lines = OrderLine.objects.filter(order_id__in=order_ids, reservations__status="reserved") \
        .count()
    return Run(name, len(order_ids), lines, seconds, timings, outcomes)


def report(result: Run, workers: int) -> None:
    print(f"\n{result.name}: {result.orders:,} orders, {workers} workers, "
          f"{result.seconds:.2f} s")
    print(f"  {result.orders / result.seconds:9,.0f} orders/s decided (rules, routing, "
          f"reservation, ledger)")
    print(f"  {result.lines / result.seconds:9,.0f} reservations/s (order lines reserved: "
          f"{result.lines:,})")
    print(f"  per order: p50 {percentile(result.timings, 50):.1f} ms, "
          f"p95 {percentile(result.timings, 95):.1f} ms, max {max(result.timings):.1f} ms")
    print(f"  outcomes: {result.outcomes}")


def verify() -> None:
    """Zero oversold: counters never below zero, reserved never above on hand, no drift."""
    from django.db.models import F, Q

    from logistics.models import Stock
    from logistics.services.stock import stock_drift

    oversold = Stock.objects.filter(Q(on_hand__lt=F("reserved") + F("samples"))
                                    | Q(reserved__lt=0)).count()
    drift = stock_drift()
    print(f"\ncheck: {oversold} stock rows oversold, {len(drift)} rows drifted from the ledger "
          f"-> {'PASS' if not oversold and not drift else 'FAIL'}")
    if oversold or drift:
        raise SystemExit(1)


def main() -> None:
    args = parse_args()
    url = database_url()
    ensure_database(url)
    setup_django()
    from django.core.management import call_command

    from logistics.models import FulfilmentDecision

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    reset()
    skus = [f"BENCH-{i:04d}" for i in range(args.skus)]
    stock_up({(code, sku): args.orders * 3 for code in ("SH", "GZ", "BJ", "CD") for sku in skus})
    specs = [[(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 3))]
             for _ in range(args.orders)]
    print(f"prepared {args.orders:,} paid orders over {args.skus} SKUs in 4 warehouses")
    spread = run("spread", paid_orders(specs, rng, prefix="SPREAD"), args.workers)
    report(spread, args.workers)

    stock_up({("SH", "HOT-1"): args.hot // 2})
    hot_ids = paid_orders([[("HOT-1", 1)]] * args.hot, rng, prefix="HOT")
    print(f"\nprepared {args.hot:,} paid orders of one unit of HOT-1 ({args.hot // 2} in stock)")
    hot = run("hot SKU", hot_ids, args.workers)
    report(hot, args.workers)
    allocated = FulfilmentDecision.objects.filter(order_id__in=hot_ids,
                                                  outcome="allocated").count()
    print(f"  HOT-1: {allocated} orders got a unit for {args.hot // 2} in stock")
    verify()


if __name__ == "__main__":
    main()
