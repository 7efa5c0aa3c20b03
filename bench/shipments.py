"""Benchmark courier tracking (DESIGN.md section 6): a courier push → shipment and order state
p99 ≤ 200 ms; the trace-alert sweep ≤ 1 s with 1,000,000 shipped orders of which 1% stale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench \\
        .venv/bin/python -m bench.shipments push [--pushes 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_shipments \\
        .venv/bin/python -m bench.shipments sweep [--stale 0.01]

``push`` uses a database of its own, ``<name>_shipments_push`` beside the one given (created if
missing, migrated; the name must contain "bench"). It labels ``--pushes`` orders (awaiting
pickup, SF), then sends each parcel's first Kuaidi100 push (collection and a hub scan, signed)
through the whole HTTP stack in-process (middleware, view, raw storage, sign check, trace,
events) with the after-commit effects run inline (``Q_SYNC``), so one request's time is the
push until the order itself is ``in_transit`` (its move through the transition service, with
its history row and the stock's shipping). It prints p50/p99/max and, as the reference in the
same run, the same change done the obvious way: one UPDATE of the parcel and one of the order
in one transaction, with psycopg and nothing of the hub's in between.

``sweep`` runs on a copy of the million-order bench database (``createdb -T orderhub_bench
orderhub_bench_shipments``): migrating it gives every order that left the warehouse its
shipment (migration 0005); the benchmark then makes ``--open`` (10%) of them open parcels on
their way and ``--stale`` (1%) of all of them silent for three days, and times the stale-trace
sweep: the first run (alerting up to its batch) and a steady run (everything alerted). The
reference is a COUNT of the stale open parcels through the same partial index.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import time
from urllib.parse import urlencode

from bench import common

MODE = sys.argv[1] if len(sys.argv) > 1 else ""
if MODE == "push":
    os.environ["Q_SYNC"] = "1"  # the effects of a push run right after its commit, inline
    common.setup_django_on_own_database("_shipments_push")
else:
    common.setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from logistics.shipments.alerts import stale_trace_sweep  # noqa: E402
from logistics.shipments.models import Carrier, Shipment, ShipmentOrder  # noqa: E402
from orderhub.alerts.models import Alert  # noqa: E402
from orders.models import Channel, Order  # noqa: E402
from orders.state_machine import Status  # noqa: E402

PUSH_TARGET_MS = 200.0
SWEEP_TARGET_SECONDS = 1.0
SALT = "bench-salt"


def _param(number: str) -> str:
    now = timezone.localtime()
    lines = [
        {"context": "快件到达 【深圳华南陆运枢纽】", "time": f"{now:%Y-%m-%d %H:%M:%S}",
         "ftime": f"{now:%Y-%m-%d %H:%M:%S}", "statusCode": "1002", "areaName": "广东省深圳市"},
        {"context": "【深圳市】顺丰速运 已收取快件", "time": f"{now:%Y-%m-%d} 08:00:00",
         "ftime": f"{now:%Y-%m-%d} 08:00:00", "statusCode": "103", "areaName": "广东省深圳市"},
    ]
    return json.dumps({"status": "polling", "billstatus": "got", "message": "", "lastResult": {
        "message": "ok", "state": "0", "status": "200", "condition": "F00", "ischeck": "0",
        "com": "shunfeng", "nu": number, "data": lines}}, ensure_ascii=False)


def _label_orders(count: int) -> list[str]:
    """``count`` orders awaiting pickup, each with its SF parcel (bulk, no effects)."""
    channel = Channel.objects.get(code="jd")
    sf = Carrier.objects.get(code="SF")
    stamp = int(time.time())
    now = timezone.now()
    orders = []
    for n in range(count):
        order = Order(hub_no=f"BSH{stamp}{n:06d}", channel=channel,
                      channel_order_no=f"B{stamp}{n:06d}", receiver_name="张伟",
                      receiver_phone=f"139{n:08d}", receiver_province="浙江",
                      state_entered_at=now, tracking_no=f"SF9{stamp % 10**6:06d}{n:06d}",
                      carrier="SF")
        order.__dict__["status"] = Status.AWAITING_PICKUP
        orders.append(order)
    Order.objects.bulk_create(orders, batch_size=1000)
    shipments = Shipment.objects.bulk_create([
        Shipment(carrier=sf, tracking_no=order.tracking_no, source="label", last_event_at=now)
        for order in orders], batch_size=1000)
    ShipmentOrder.objects.bulk_create([
        ShipmentOrder(shipment=shipment, order=order)
        for shipment, order in zip(shipments, orders)], batch_size=1000)
    return [order.tracking_no for order in orders]


def bench_push(pushes: int) -> bool:
    settings.ORDERHUB_KUAIDI100_SALT = SALT
    settings.ALLOWED_HOSTS = ["*"]
    numbers = _label_orders(pushes)
    client = Client(HTTP_HOST="127.0.0.1")
    samples = []
    for number in numbers:
        param = _param(number)
        sign = hashlib.md5(f"{param}{SALT}".encode()).hexdigest().upper()
        started = common.now_ms()
        answer = client.post("/api/logistics/tracking/kuaidi100/",
                             urlencode({"param": param, "sign": sign}),
                             content_type="application/x-www-form-urlencoded", secure=True)
        samples.append(common.now_ms() - started)
        if answer.status_code != 200:
            common.fail(f"push refused: {answer.status_code} {answer.content[:300]!r}")
    moved = Order.objects.filter(tracking_no__in=numbers, status=Status.IN_TRANSIT).count()
    # the reference: the same two rows changed the obvious way, in one transaction each
    reference = []
    with connection.cursor() as cursor:
        for number in numbers:
            started = common.now_ms()
            with transaction.atomic():
                cursor.execute("UPDATE logistics_shipment SET status = 'in_transit', "
                               "last_event_at = now() WHERE tracking_no = %s", [number])
                cursor.execute("UPDATE orders_order SET updated_at = now() "
                               "WHERE tracking_no = %s", [number])
            reference.append(common.now_ms() - started)
    p50, p99 = common.percentile(samples, 50), common.percentile(samples, 99)
    r50, r99 = common.percentile(reference, 50), common.percentile(reference, 99)
    ok = p99 <= PUSH_TARGET_MS and moved == pushes
    print(f"courier push → shipment and order state, {pushes} pushes "
          f"({moved} orders moved to in_transit)")
    print(f"  push       p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   max {max(samples):7.1f} ms"
          f"   target p99 ≤ {PUSH_TARGET_MS:.0f} ms   {'PASS' if ok else 'FAIL'}")
    print(f"  reference  p50 {r50:7.1f} ms   p99 {r99:7.1f} ms   (two plain UPDATEs)")
    print(f"  ratio p99 {p99 / r99:.1f}x the reference")
    return ok


def bench_sweep(stale: float, open_share: float) -> bool:
    total = Shipment.objects.count()
    if total < 100_000:
        common.fail(f"only {total} shipments: run this on a migrated copy of the million-order "
                    f"bench database (see the module doc)")
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE logistics_shipment SET status = 'delivered', "
                       "stale_alerted_at = NULL WHERE status <> 'delivered'")
        # every n-th parcel open (fresh), every m-th open and silent for three days
        cursor.execute("UPDATE logistics_shipment SET status = 'in_transit', last_event_at = %s "
                       "WHERE id %% %s = 0", [now, round(1 / open_share)])
        cursor.execute("UPDATE logistics_shipment SET status = 'in_transit', "
                       "last_event_at = %s WHERE id %% %s = 1",
                       [now - dt.timedelta(days=3), round(1 / stale)])
        cursor.execute("ANALYZE logistics_shipment")
    Alert.objects.filter(kind="shipment_stale").delete()
    silent = Shipment.objects.filter(status="in_transit", last_event_at__lt=now).count()
    print(f"trace-alert sweep: {total:,} shipments, {silent:,} open and silent for 3 days")
    runs = []
    while True:
        started = time.perf_counter()
        raised = stale_trace_sweep(now=now)
        runs.append((time.perf_counter() - started, raised))
        if raised == 0:
            break
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM logistics_shipment WHERE status IN "
                       "('awaiting_pickup', 'in_transit', 'out_for_delivery') "
                       "AND last_event_at < %s", [now - dt.timedelta(hours=48)])
        cursor.fetchone()
    reference = time.perf_counter() - started
    for index, (seconds, raised) in enumerate(runs, 1):
        print(f"  run {index}: {seconds:6.2f} s, {raised:,} alerts raised")
    steady = runs[-1][0]
    ok = all(seconds <= SWEEP_TARGET_SECONDS for seconds, _raised in runs)
    print(f"  steady run {steady:.3f} s; every run ≤ {SWEEP_TARGET_SECONDS:.0f} s: "
          f"{'PASS' if ok else 'FAIL'}; reference COUNT of the stale {reference:.3f} s")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["push", "sweep"])
    parser.add_argument("--pushes", type=int, default=2000)
    parser.add_argument("--stale", type=float, default=0.01)
    parser.add_argument("--open", dest="open_share", type=float, default=0.1)
    args = parser.parse_args()
    if args.mode == "push":
        common.prepare_own_database(
            "postgres://postgres@127.0.0.1:5432/orderhub_bench_shipments_push")
        ok = bench_push(args.pushes)
    else:
        if "bench" not in common.database_name(common.database_url()) or \
                common.database_name(common.database_url()) == "orderhub_bench":
            common.fail("run the sweep on your own copy of the bench database, e.g. "
                        "orderhub_bench_shipments (it rewrites the shipments' states)")
        ok = bench_sweep(args.stale, args.open_share)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
