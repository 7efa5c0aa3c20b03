"""Fulfilment on arrival (DESIGN.md §6): paid orders decided, routed and reserved by the
worker right after their ingestion commits, not on a later sweep.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench \\
        .venv/bin/python -m bench.fulfilment [--orders 12437] [--steady 200 --rate 20]

Runs on a database of its own (``<name>_fulfilment``: emptied of orders and stock and loaded by
the benchmark), with a real ``manage.py qcluster`` (2 workers, the production settings) started
by the benchmark. Four warehouses hold every SKU of the catalogue; the shipped fulfilment rules
are on.

1. The reference, the obvious way: 1,000 paid orders of the same kind ingested while no worker
   runs, then decided one after another with ``fulfilment_process`` in this process.
2. The peak day: the 12,437 orders of ``bench.ingest`` (eight channels, their own formats)
   pushed through the batch API by two processes at once while the worker runs; printed: the
   push, and the time from the last push's answer until the last paid order has its decision
   (target ≤ 10 s), and the worker's rate against the reference's.
3. A steady stream: ``--steady`` orders (200) pushed one per request at ``--rate`` a second
   (20); for each, the time from its order row's commit to its decision's commit (p50/p99,
   target p99 ≤ 2 s), against the same decision run inline right after the commit.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time

from bench import common

# Forked pushers cannot share a connection pool (its threads do not survive a fork): plain
# connections, one per process, as separate web worker processes would have.
os.environ["DB_POOL"] = "0"
common.setup_django_on_own_database("_fulfilment")

from django.db import connection  # noqa: E402

from bench import ingest  # noqa: E402
from logistics.models import (  # noqa: E402
    FulfilmentDecision,
    Parcel,
    Reservation,
    Stock,
    StockMovement,
    Warehouse,
    WarehouseDay,
)
from logistics.services.fulfilment import ELIGIBLE, fulfilment_process  # noqa: E402
from logistics.services.stock import StockLevel, stock_levels_set  # noqa: E402
from orderhub.events.models import Event, EventTask  # noqa: E402
from orders.models import Order  # noqa: E402

STOCK_PER_SKU = 1_000_000
REFERENCE_ORDERS = 1_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=12_437)
    parser.add_argument("--page", type=int, default=500, help="orders per push")
    parser.add_argument("--steady", type=int, default=200, help="orders of the steady stream")
    parser.add_argument("--rate", type=float, default=20.0, help="orders a second, steady")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("Q_WORKERS", "2")),
                        help="django-q2 workers of the qcluster (Q_WORKERS)")
    return parser.parse_args()


# --- set-up -------------------------------------------------------------------------------------
def reset() -> None:
    """Empty orders, events, decisions and stock (the ledger with its counters)."""
    ingest.reset_tables()
    tables = [model._meta.db_table for model in (
        EventTask, Event, Reservation, FulfilmentDecision, Parcel, WarehouseDay, StockMovement,
        Stock)]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
        cursor.execute("TRUNCATE django_q_ormq, django_q_task RESTART IDENTITY")


def stock_everything(skus: list[str]) -> None:
    """Every SKU, plenty of it, in the four shipped warehouses (a peak day is not a sell-out)."""
    levels = [StockLevel(warehouse, sku, STOCK_PER_SKU)
              for warehouse in Warehouse.objects.filter(is_active=True) for sku in skus]
    stock_levels_set(levels=levels, actor=None, reason="bench: opening stock")


_worker: subprocess.Popen | None = None  # the running qcluster, watched while waiting


def start_worker(workers: int) -> subprocess.Popen:
    """``manage.py qcluster`` on this database, as in production (its own log in the cwd)."""
    env = common.worker_environment(Q_WORKERS=str(workers), LOG_LEVEL="WARNING")
    log = open("bench-fulfilment-qcluster.log", "w")  # noqa: SIM115 - kept open for the child
    global _worker
    _worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=common.REPO_ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    return _worker


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()  # qcluster stops its own processes on SIGTERM
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, 9)
        worker.wait()


def undecided() -> int:
    return (Order.objects.filter(status__in=ELIGIBLE, fulfilment__isnull=True).count())


def wait_until_decided() -> float:
    """Seconds until no paid order in the warehouse's hands lacks a decision."""
    return _wait_while(undecided, "orders still undecided")


def wait_until_no_task_pending() -> float:
    """Seconds until no event task is pending (every handler has caught up)."""
    return _wait_while(EventTask.objects.filter(status="pending").count, "event tasks pending")


def _wait_while(left, what: str, *, limit: float = 300.0) -> float:
    """Seconds until ``left()`` is 0; stops the benchmark if the worker exits or time runs out."""
    started = time.perf_counter()
    while left():
        if _worker is not None and _worker.poll() is not None:
            common.fail(f"the worker stopped (exit status {_worker.returncode}); see "
                        f"bench-fulfilment-qcluster.log")
        if time.perf_counter() - started > limit:
            common.fail(f"{left()} {what} after {limit:g} s; see bench-fulfilment-qcluster.log")
        time.sleep(0.05)
    return time.perf_counter() - started


# --- the three measurements ----------------------------------------------------------------------
def reference(specs: list[dict], page: int) -> float:
    """Orders a second, deciding one at a time in this process (the obvious way)."""
    ingest.api_path(specs, page, workers=1)
    ids = list(Order.objects.filter(status__in=ELIGIBLE, fulfilment__isnull=True)
               .order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    for order_id in ids:
        fulfilment_process(order_id=order_id)
    seconds = time.perf_counter() - started
    # Their events are handled (the decisions exist): the worker finds nothing left to do.
    EventTask.objects.filter(status="pending").update(status="done")
    return len(ids) / seconds


def peak_day(specs: list[dict], page: int) -> tuple[float, float, int]:
    """(push seconds, seconds after the last push until every order is decided, orders)."""
    started = time.perf_counter()
    pushed, created = ingest.api_path(specs, page, workers=2)
    after = wait_until_decided()
    total = time.perf_counter() - started
    print(f"  pushed {created:,} orders in {pushed:.2f} s; every paid order decided "
          f"{after:.2f} s after the last answer ({total:.2f} s from the first push)")
    # The decisions go first (logistics.stock is urgent); the figures, return-risk scores and
    # the rest of the day's event tasks follow.
    rest = after + wait_until_no_task_pending()
    print(f"  every other task of the day done {rest:.2f} s after the last answer")
    return pushed, after, created


def steady(specs: list[dict], rate: float) -> list[float]:
    """Seconds from each order's commit to its decision's, at ``rate`` orders a second."""
    client = ingest._client()
    first_id = (Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    interval = 1.0 / rate
    started = time.perf_counter()
    for index, spec in enumerate(specs):
        time.sleep(max(0.0, started + index * interval - time.perf_counter()))
        body, content_type = ingest.page_body(spec["channel"], [spec])
        response = client.post(f"/api/channels/{spec['channel']}/orders/", data=body,
                               content_type=content_type, secure=True)
        if response.status_code != 200:
            common.fail(f"push {index}: {response.status_code} {response.content[:300]!r}")
    wait_until_decided()
    rows = (FulfilmentDecision.objects.filter(order_id__gt=first_id)
            .values_list("order__created_at", "decided_at"))
    return [(decided - created).total_seconds() for created, decided in rows]


def inline_latency(specs: list[dict]) -> list[float]:
    """The same: the decision run right after the commit, in this process (the floor)."""
    seconds = []
    for spec in specs:
        body, content_type = ingest.page_body(spec["channel"], [spec])
        # secure: production settings redirect plain http (SECURE_SSL_REDIRECT).
        response = ingest._client().post(f"/api/channels/{spec['channel']}/orders/", data=body,
                                         content_type=content_type, secure=True)
        if response.status_code != 200:
            common.fail(f"inline push: {response.status_code} {response.content[:300]!r}")
        order = Order.objects.order_by("-pk").first()
        if order.status in ELIGIBLE:
            fulfilment_process(order_id=order.pk)
            decided = FulfilmentDecision.objects.get(order=order).decided_at
            seconds.append((decided - order.created_at).total_seconds())
    EventTask.objects.filter(status="pending").update(status="done")
    return seconds


def renumbered(specs: list[dict], prefix: int) -> list[dict]:
    """The same kind of orders with channel order numbers of their own."""
    return [{**spec, "no": f"{prefix}{spec['no']}"} for spec in specs]


def main() -> None:
    args = parse_args()
    common.prepare_own_database("postgres://postgres@127.0.0.1:5432/orderhub_bench_fulfilment")
    rng = random.Random(args.seed)
    reset()
    skus = ingest.prepare_catalogue(rng)
    stock_everything(skus)
    day = ingest.make_day(args.orders, rng, skus)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"{Warehouse.objects.filter(is_active=True).count()} warehouses stocked")

    print("1. reference: decided one at a time in this process (no worker)")
    one_by_one = reference(renumbered(day[:REFERENCE_ORDERS], 7), args.page)
    floor = inline_latency(renumbered(day[:50], 8))
    print(f"  {one_by_one:,.0f} orders/s; one decision right after its commit: "
          f"p50 {common.percentile(floor, 50) * 1000:.0f} ms, "
          f"p99 {common.percentile(floor, 99) * 1000:.0f} ms")

    worker = start_worker(args.workers)
    try:
        time.sleep(3)  # the cluster's processes start
        print(f"2. the peak day through the batch API, the worker ({args.workers} processes) "
              f"running "
              f"({len(day):,} orders, pages of {args.page}, 2 uploads at a time)")
        pushed, after, created = peak_day(day, args.page)
        rate = created / (pushed + after)
        print(f"  worker's rate over the day: {rate:,.0f} orders/s = "
              f"{rate / one_by_one:.1f}x the one-at-a-time reference")
        print(f"  target: decided within 10 s of the last push: "
              f"{'PASS' if after <= 10 else 'FAIL'}")

        print(f"3. a steady stream: {args.steady} orders, one per push, {args.rate:g}/s")
        stream = renumbered(ingest.make_day(args.steady, rng, skus), 9)
        latencies = steady(stream, args.rate)
        p50, p99 = (common.percentile(latencies, p) for p in (50, 99))
        floor_p99 = common.percentile(floor, 99)
        print(f"  commit to decision: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max "
              f"{max(latencies) * 1000:.0f} ms over {len(latencies)} paid orders "
              f"(inline floor p99 {floor_p99 * 1000:.0f} ms: {p99 / floor_p99:.1f}x)")
        print(f"  target: p99 <= 2 s: {'PASS' if p99 <= 2 else 'FAIL'}")
    finally:
        stop_worker(worker)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
