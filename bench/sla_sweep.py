"""Benchmark the deadline sweep (DESIGN.md section 6): ≤ 1 s with 1,000,000 open orders, its
cost following the overdue orders, not all orders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_sla \\
        .venv/bin/python -m bench.sla_sweep [--orders 1000000] [--overdue 0.01]

Uses a database of its own, ``<name>_sla`` beside the one given (created if missing, migrated,
its orders and alerts emptied; the name must contain "bench"). Loads ``--orders`` open orders with COPY (every state before
delivered, with due times, payment and ship-by as the services set them), of which
``--overdue`` (1%) are past their state's due time (a fifth of those also past their ship-by),
and times the sweep as at a fixed moment:

- the first run: it raises an alert per overdue order (10,000), marks them stuck with a history
  row each and plans their deliveries (a mailbox per team lead is configured);
- a steady run (the next minute's, as at the same moment): everything is already alerted.

Then it adds as many open orders again, none overdue, and times both once more. Each figure is
the median of three runs (the first run after resetting the alerts). Targets: the steady run
≤ 1 s, and the second data set no more than 1.3 times the first.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench import common

SUFFIX = "_sla"
common.setup_django_on_own_database(SUFFIX)

# Models, Django's connection and the loader's helpers only once Django is set up (above).
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.load_orders import Table  # noqa: E402
from orderhub.alerts.ladder import ladders, ladders_clear  # noqa: E402
from orderhub.alerts.models import Alert, NotificationTarget, Team  # noqa: E402
from orders.models import SHIP_BY_WATCHED_STATUSES, Channel, Order  # noqa: E402
from orders.sla.config import deadline_config, deadline_config_clear  # noqa: E402
from orders.sla.sweep import SLA_STATUSES, batch_size, sla_sweep  # noqa: E402
from orders.state_machine import Status  # noqa: E402

SUGGESTED = "postgres://postgres@127.0.0.1:5432/orderhub_bench_sla"
TARGET_SECONDS = 1.0
TARGET_RATIO = 1.3
REPEATS = 3
BATCH = 50_000
# Open orders by state (everything before delivered), in percent.
STATUS_SHARES = {
    Status.PENDING_PAYMENT: 5, Status.PAID: 20, Status.RISK_REVIEW: 1, Status.PICKING: 20,
    Status.PACKING: 15, Status.AWAITING_PICKUP: 14, Status.IN_TRANSIT: 25,
}
PAST_SHIP_BY_SHARE = 0.2


class OrderRows:
    """Open orders as COPY rows, with the deadlines the services would have stored."""

    def __init__(self, *, now: dt.datetime, seed: int) -> None:
        self.now = now
        self.rng = random.Random(seed)
        self.table = Table.of(Order, skip=["id"])
        self.channels = list(Channel.objects.order_by("code").values_list("pk", flat=True))
        self.statuses = list(STATUS_SHARES)
        self.weights = list(STATUS_SHARES.values())
        self.config = deadline_config()
        self.timed = [status for status in self.statuses
                      if self.config.allowance(status, None) is not None]
        self.timed_weights = [STATUS_SHARES[status] for status in self.timed]
        self.serial = 0

    def _one(self, *, overdue: bool) -> dict:
        rng, now = self.rng, self.now
        self.serial += 1
        channel_id = self.channels[self.serial % len(self.channels)]
        # An overdue order is in a state with an SLA; the others in any open state.
        statuses, weights = (self.timed, self.timed_weights) if overdue else (
            self.statuses, self.weights)
        status = rng.choices(statuses, weights=weights)[0]
        allowance = self.config.allowance(status, channel_id)
        due = None
        if allowance is not None:
            lateness = dt.timedelta(minutes=rng.uniform(1, 180))
            early = dt.timedelta(minutes=rng.uniform(0.5, allowance.minutes))
            due = now - lateness if overdue else now + early
            entered = due - allowance.delta
        else:
            entered = now - dt.timedelta(minutes=rng.uniform(1, 600))
        paid_at = entered - dt.timedelta(minutes=rng.uniform(0, 120))
        promise = self.config.promise(channel_id)
        ship_by = None
        if status != Status.PENDING_PAYMENT and promise is not None:
            ship_by = paid_at + dt.timedelta(hours=promise.hours)
            if overdue and rng.random() < PAST_SHIP_BY_SHARE:
                ship_by = now - dt.timedelta(minutes=rng.uniform(1, 60))
        row = dict(self.table.template)
        row.update(
            hub_no=f"BS{self.serial:012d}", channel_id=channel_id,
            channel_order_no=f"S{self.serial:012d}", status=status, currency="CNY",
            paid_at=paid_at if status != Status.PENDING_PAYMENT else None, placed_at=paid_at,
            ship_by=ship_by, state_entered_at=entered, state_due_at=due, created_at=paid_at,
            updated_at=entered, receiver_phone=f"139{self.serial % 10**8:08d}",
        )
        return row

    def rows(self, *, count: int, overdue: int) -> Iterator[dict]:
        late = set(self.rng.sample(range(count), overdue))
        for index in range(count):
            yield self._one(overdue=index in late)


def load(rows: OrderRows, *, count: int, overdue: int) -> None:
    progress = common.Progress(total=count, unit="orders")
    batch: list[dict] = []
    with connection.cursor() as cursor:
        for row in rows.rows(count=count, overdue=overdue):
            batch.append(row)
            if len(batch) == BATCH:
                rows.table.copy(cursor.cursor, batch)
                progress.advance(len(batch))
                batch = []
        if batch:
            rows.table.copy(cursor.cursor, batch)
            progress.advance(len(batch))
    with connection.cursor() as cursor:
        # As after any bulk load: statistics and the visibility map, so plans are settled.
        cursor.execute("VACUUM ANALYZE orders_order")


def reset_alerts() -> None:
    """Back to before the first run: no alerts, nothing stuck, no sweep history rows, and the
    dead row versions of the previous repeat vacuumed away (as autovacuum would)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE alerts_alert, alerts_alertevent, alerts_alertdelivery")
        cursor.execute("UPDATE orders_order SET is_stuck = false WHERE is_stuck")
        cursor.execute("TRUNCATE orders_historicalorder")
        cursor.execute("VACUUM ANALYZE orders_order")
        cursor.execute("ANALYZE alerts_alert")


def empty_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE orders_order, orders_historicalorder, alerts_alert, "
                       "alerts_alertevent, alerts_alertdelivery CASCADE")
    NotificationTarget.objects.all().delete()
    for team in (Team.WAREHOUSE, Team.OPERATIONS):
        NotificationTarget.objects.create(name=f"{team} lead", transport="email", team=team,
                                          email_to=f"{team}-lead@example.com")
    deadline_config_clear()
    ladders_clear()


def seconds(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


@dataclass
class Figures:
    open_orders: int
    alerts: int
    burst_total: float  # raising every overdue order's alert, batch after batch
    burst_runs: int
    burst_slowest: float  # the slowest of those runs (one transaction each)
    steady: float  # a run once everything is alerted


def measure(now: dt.datetime) -> Figures:
    """Medians over three repeats of the burst (after a reset) and of the steady run."""
    totals, slowest, steady, runs = [], [], [], 0
    for _ in range(REPEATS):
        reset_alerts()
        times, backlog = [], True
        while backlog:
            started = time.perf_counter()
            backlog = sla_sweep(now=now).backlog
            times.append(time.perf_counter() - started)
        totals.append(sum(times))
        slowest.append(max(times))
        runs = len(times)
    for _ in range(REPEATS):
        steady.append(seconds(lambda: sla_sweep(now=now)))
    return Figures(Order.objects.count(), Alert.objects.count(), statistics.median(totals), runs,
                   statistics.median(slowest), statistics.median(steady))


def plans(now: dt.datetime) -> list[str]:
    """The planner's choice for the two breach queries (to show they use the indexes)."""
    sla = Order.objects.filter(state_due_at__lte=now, status__in=SLA_STATUSES)
    ship = Order.objects.filter(ship_by__lte=now, status__in=SHIP_BY_WATCHED_STATUSES)
    return [" ".join(query.order_by().only("id").explain().split()[:5]) for query in (sla, ship)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--overdue", type=float, default=0.01, help="share of overdue orders")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    common.prepare_own_database(SUGGESTED)
    empty_database()
    now = timezone.now().replace(microsecond=0)
    overdue = int(args.orders * args.overdue)
    rows = OrderRows(now=now, seed=args.seed)
    deadline_config()
    ladders()

    results: list[Figures] = []
    for add, late in [(args.orders, overdue), (args.orders, 0)]:
        print(f"loading {add:,} open orders ({late:,} overdue)")
        load(rows, count=add, overdue=late)
        results.append(measure(now))
        print(f"  plans: {' | '.join(plans(now))}")
    print()
    print(f"batch: {batch_size():,} new alerts per run (ORDERHUB_SLA_SWEEP_BATCH)")
    print(f"{'open orders':>12}  {'alerts':>7}  {'sweep run':>10}  {'burst: all raised':>18}  "
          f"{'runs':>4}  {'slowest run':>11}")
    for row in results:
        print(f"{row.open_orders:>12,}  {row.alerts:>7,}  {row.steady:>8.3f} s  "
              f"{row.burst_total:>16.3f} s  {row.burst_runs:>4}  {row.burst_slowest:>9.3f} s")
    one, two = results
    ratio = two.steady / one.steady
    verdict = "PASS" if one.steady <= TARGET_SECONDS and ratio <= TARGET_RATIO else "FAIL"
    print(f"ratio 2nd/1st: sweep run {ratio:.2f}, burst {two.burst_total / one.burst_total:.2f}, "
          f"slowest burst run {two.burst_slowest / one.burst_slowest:.2f}")
    print(f"target: a sweep run <= {TARGET_SECONDS:.0f} s at {one.open_orders:,} open orders "
          f"and 2nd/1st <= {TARGET_RATIO}: {verdict}")


if __name__ == "__main__":
    main()
