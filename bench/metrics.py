"""The management figures with 1,000,000 orders: the admin page and ``/api/metrics/health/``
for 30 days, p95 against DESIGN.md §6 (≤ 1 s), with a same-run reference: the same figures
computed the obvious way, by scanning the orders and their history.

    createdb -h 127.0.0.1 -U postgres -T orderhub_bench orderhub_bench_metrics
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_metrics \\
        .venv/bin/python -m bench.metrics [--samples 40] [--rebuild]

Run it on a copy of the bench database (it migrates and writes the aggregates). On first run
(or ``--rebuild``) it gives each order its warehouse from logistics' decisions, as logistics
does when it routes an order, and rebuilds the aggregates from history
(``manage.py metrics_rebuild``), printing how long that took. Then, in this process through
Django's test client (the whole stack: middleware, session or token, the view, JSON or the
template with its four pygal charts): the page and the API for the 30 days ending at the last
day with payments, for all channels, one channel and one warehouse; the page once more with
its charts drawn every time (the chart cache cleared: figures that just changed); and the
reference.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time

from bench import common

# The admin page's static links without collectstatic's manifest (as with DEBUG).
os.environ.setdefault("STATIC_MANIFEST", "0")
common.setup_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.metrics.models import MetricCount  # noqa: E402
from orders.metrics.services import (  # noqa: E402
    metric_counts_snapshot,
    metrics_rebuild,
    order_flows_refresh,
)
from orders.models import Channel, Order  # noqa: E402
from orders.state_machine import LEFT_THE_WAREHOUSE  # noqa: E402

TARGET_MS = 1000.0  # DESIGN.md §6: management dashboard ≤ 1 s with 1,000,000 orders
USERNAME = "bench-metrics-admin"
DAYS = 30


def give_warehouses() -> int:
    """Each order's warehouse from logistics' decisions (what ``order_flows_route`` records
    when logistics routes an order), before the rebuild reads them."""
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO orders_metricwarehouse (warehouse_id, name)
            SELECT id, name FROM logistics_warehouse ON CONFLICT (warehouse_id) DO NOTHING""")
        cursor.execute("""
            INSERT INTO orders_orderflow (order_id, channel_id, warehouse_id, due, on_time,
                                          breakpoint, interventions, late_cause, contribution)
            SELECT d.order_id, o.channel_id, COALESCE(d.warehouse_id, 0), false, false, false,
                   0, '', '{}'::jsonb
            FROM logistics_fulfilmentdecision d JOIN orders_order o ON o.id = d.order_id
            ON CONFLICT (order_id) DO UPDATE SET warehouse_id = EXCLUDED.warehouse_id""")
        return cursor.rowcount


NAIVE_SQL = f"""
WITH period AS (SELECT %(start)s::timestamptz AS start, %(end)s::timestamptz AS stop),
shipped AS (
    SELECT h.id, MIN(h.history_date) AS at FROM orders_historicalorder h
    WHERE h.status IN ({", ".join(f"'{s}'" for s in LEFT_THE_WAREHOUSE)})
    GROUP BY h.id)
SELECT
    COUNT(*) FILTER (WHERE o.paid_at >= p.start AND o.paid_at < p.stop) AS paid,
    COUNT(*) FILTER (WHERE o.paid_at >= p.start AND o.paid_at < p.stop
                     AND s.at IS NOT NULL) AS fulfilled,
    COUNT(*) FILTER (WHERE o.ship_by >= p.start AND o.ship_by < p.stop) AS due,
    COUNT(*) FILTER (WHERE o.ship_by >= p.start AND o.ship_by < p.stop
                     AND s.at <= o.ship_by) AS on_time,
    AVG(EXTRACT(EPOCH FROM s.at - o.paid_at) / 3600)
        FILTER (WHERE s.at >= p.start AND s.at < p.stop) AS ship_hours
FROM orders_order o CROSS JOIN period p LEFT JOIN shipped s ON s.id = o.id
"""


def naive_scan(start: dt.datetime, end: dt.datetime) -> tuple:
    """The obvious way: scan every order and its history for the period's figures (only
    five of them: the rest would need the holds and each step's stay as well)."""
    with connection.cursor() as cursor:
        cursor.execute(NAIVE_SQL, {"start": start, "end": end})
        return cursor.fetchone()


COUNTS_SQL = f"""
SELECT COUNT(*) FILTER (WHERE o.paid_at IS NOT NULL),
       COUNT(*) FILTER (WHERE o.paid_at IS NOT NULL AND EXISTS (
           SELECT 1 FROM orders_historicalorder h WHERE h.id = o.id
           AND h.status IN ({", ".join(f"'{s}'" for s in LEFT_THE_WAREHOUSE)})))
FROM orders_order o WHERE o.id > %s
"""


def agreement(*, after_id: int, samples: int) -> None:
    """Does the rebuild agree with the maintained aggregates? Two checks, printed PASS/FAIL:

    - the handler's path: refreshing a random sample of orders as the event handler does when
      they move (``order_flows_refresh``: it adds each order's new contribution minus the one
      it had) must leave every aggregate as the rebuild left it;
    - an independent count: orders paid, and of those handed over, counted by SQL from the
      orders and their history, against the sums of the rebuilt ``paid`` and ``fulfilled``
      aggregates."""
    before = metric_counts_snapshot()
    ids = list(Order.objects.filter(pk__gt=after_id).values_list("pk", flat=True))
    sample = random.Random(11).sample(ids, min(samples, len(ids)))
    started = time.perf_counter()
    for start in range(0, len(sample), 500):
        order_flows_refresh(order_ids=sample[start:start + 500])
    spent = time.perf_counter() - started
    after = metric_counts_snapshot()
    differ = sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
    print(f"agreement, handler's refresh of {len(sample):,} random orders ({spent:.1f} s): "
          f"{len(before):,} aggregates, {len(differ)} changed: "
          f"{'PASS' if not differ else 'FAIL'}")
    for key in differ[:10]:
        print(f"    {key}: rebuilt {before.get(key)}, after the refresh {after.get(key)}")
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL, [after_id])
        paid, fulfilled = cursor.fetchone()
    sums = dict(MetricCount.objects.filter(key__in=["paid", "fulfilled"]).values("key")
                .annotate(total=Sum("value")).values_list("key", "total"))
    same = (sums.get("paid", 0), sums.get("fulfilled", 0)) == (paid, fulfilled)
    print(f"agreement, counted by SQL: paid {paid:,} / aggregates {sums.get('paid', 0):,}; "
          f"handed over {fulfilled:,} / aggregates {sums.get('fulfilled', 0):,}: "
          f"{'PASS' if same else 'FAIL'}")
    if differ or not same:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--reference-runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--agreement-samples", type=int, default=5000,
                        help="orders refreshed through the handler's path after a rebuild")
    parser.add_argument("--rebuild-days", type=int, default=0,
                        help="rebuild only the orders placed in the last N days of the data "
                             "(0: all); enough for a 30-day period when time is short")
    args = parser.parse_args()
    common.database_url()
    call_command("migrate", verbosity=0)
    orders = Order.objects.count()
    print(f"{orders:,} orders in {connection.settings_dict['NAME']}")
    if args.rebuild or not MetricCount.objects.exists():
        common.timed("warehouses from logistics' decisions", give_warehouses)
        after_id = 0
        if args.rebuild_days:
            newest = Order.objects.order_by("-placed_at").values_list("placed_at", flat=True)[0]
            first = (Order.objects.filter(placed_at__gte=newest - dt.timedelta(
                days=args.rebuild_days)).order_by("pk").values_list("pk", flat=True).first())
            after_id = (first or 1) - 1
            print(f"  rebuilding the orders after id {after_id:,} "
                  f"(placed in the last {args.rebuild_days} days)")
        todo = Order.objects.filter(pk__gt=after_id).count()
        started = time.perf_counter()

        def progress(done: int, last_id: int) -> None:
            spent = time.perf_counter() - started
            rate = done / spent if spent else 0
            eta = (todo - done) / rate if rate else 0
            print(f"  {done:>9,} / {todo:,} orders (to id {last_id:,}) in {spent:6.0f} s: "
                  f"{rate:,.0f} orders/s, {eta:,.0f} s to go", flush=True)

        (flows, rows), seconds = common.timed(
            "metrics_rebuild (from history)",
            lambda: metrics_rebuild(after_id=after_id, progress=progress))
        print(f"  {flows:,} orders → {rows:,} daily aggregates in {seconds:,.1f} s "
              f"({flows / seconds:,.0f} orders/s)")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE orders_metriccount")
            cursor.execute("VACUUM ANALYZE orders_orderflow")
        agreement(after_id=after_id, samples=args.agreement_samples)
    last = Order.objects.exclude(paid_at=None).order_by("-paid_at").values_list(
        "paid_at", flat=True).first()
    until = timezone.localtime(last).date()
    since = until - dt.timedelta(days=DAYS - 1)
    print(f"period {since} – {until} ({DAYS} days); "
          f"{MetricCount.objects.filter(day__gte=since, day__lte=until).count():,} aggregate rows")
    user = get_user_model().objects.filter(username=USERNAME).first()
    if user is None:
        user = get_user_model().objects.create_superuser(USERNAME, "", "bench-only-password")
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    period = {"since": since.isoformat(), "until": until.isoformat()}
    channel = Channel.objects.filter(code="taobao").first() or Channel.objects.first()
    warehouse = (MetricCount.objects.exclude(warehouse_id=0).values_list("warehouse_id", flat=True)
                 .first() or 0)
    queries = {"all channels": period, "one channel": {**period, "channel": channel.code},
               "one warehouse": {**period, "warehouse": warehouse}}

    def get(url: str, query: dict) -> None:
        response = client.get(url, query, secure=True)  # production settings redirect http
        if response.status_code != 200:
            common.fail(f"{url} answered {response.status_code}")

    def get_cold(query: dict) -> None:
        cache.clear()  # every chart drawn again, as for figures that just changed
        get("/admin/orders/metriccount/", query)

    rng = random.Random(7)
    rows = [common.measure("admin page, 30 days, all channels, charts drawn", get_cold,
                           [period] * (args.samples + args.warmup), warmup=args.warmup,
                           target_p95=TARGET_MS)]
    for name, query in queries.items():
        for label, url in (("admin page", "/admin/orders/metriccount/"),
                           ("API", "/api/metrics/health/")):
            values = [query] * (args.samples + args.warmup)
            rng.shuffle(values)
            rows.append(common.measure(f"{label}, 30 days, {name}", lambda q, u=url: get(u, q),
                                       values, warmup=args.warmup, target_p95=TARGET_MS))
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    reference = common.measure("reference: naive full scan (5 figures), all channels",
                               lambda _v: naive_scan(start, end),
                               [None] * (args.reference_runs + 1), warmup=1)
    rows.append(reference)
    common.print_figures(rows)
    page_p95 = max(row.p95 for row in rows[:-1])
    print(f"reference p50 / worst p95 of the page and API: {reference.p50 / page_p95:.0f}x")
    print("naive scan's figures (paid, fulfilled, due, on time, ship hours):",
          naive_scan(start, end))
    if any(row.verdict == "FAIL" for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
