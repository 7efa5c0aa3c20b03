"""Reading the figures: a period's sums of the daily aggregates, the trend by day, the causes
of lateness, the stuck orders now, and the orders behind a number (the drill-down).

A period is a range of the hub's local days, both ends included, optionally one channel and
one warehouse. Everything but the stuck orders reads ``MetricCount`` (a few hundred rows a
month) and the undecided due orders (ship-by still ahead, an index range on ``OrderFlow``).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from orders.metrics.definitions import (
    DELIVERED,
    DUE,
    LATE,
    ON_TIME,
    PAID,
    SHIPPED,
    STEP,
    STEP_ON_TIME,
    figures,
)
from orders.metrics.models import MetricCount, OrderFlow
from orders.models import Hold, Order
from orders.state_machine import OPEN_STATUSES

#: The counts each day of the trend shows (besides the day's figures).
TREND_KEYS = (PAID, "fulfilled", DUE, ON_TIME, SHIPPED, DELIVERED, "breakpoint", "intervention",
              "steps", "steps_on_time", "holds_lifted", "self_healed", "ship_seconds",
              "transit_seconds")


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def _counts(since: dt.date, until: dt.date, channel_id: int | None,
            warehouse_id: int | None) -> QuerySet:
    rows = MetricCount.objects.filter(day__gte=since, day__lte=until)
    if channel_id is not None:
        rows = rows.filter(channel_id=channel_id)
    if warehouse_id is not None:
        rows = rows.filter(warehouse_id=warehouse_id)
    return rows


def _flows(channel_id: int | None, warehouse_id: int | None) -> QuerySet:
    flows = OrderFlow.objects.all()
    if channel_id is not None:
        flows = flows.filter(channel_id=channel_id)
    if warehouse_id is not None:
        flows = flows.filter(warehouse_id=warehouse_id)
    return flows


def undecided_due(*, since: dt.date, until: dt.date, channel_id: int | None = None,
                  warehouse_id: int | None = None, now: dt.datetime | None = None
                  ) -> dict[str, int]:
    """Due orders of the period whose ship-by time is still ahead and that have not shipped:
    not yet on time or late, so left out of the on-time rate. ``{day: count}``."""
    now = now or timezone.now()
    start, end = _bounds(since, until)
    if now >= end:
        return {}
    ahead = _flows(channel_id, warehouse_id).filter(
        due=True, shipped_at__isnull=True, ship_by__gte=max(start, now), ship_by__lt=end)
    out: dict[str, int] = defaultdict(int)
    for ship_by in ahead.values_list("ship_by", flat=True):
        out[timezone.localtime(ship_by).date().isoformat()] += 1
    return out


def health(*, since: dt.date, until: dt.date, channel_id: int | None = None,
           warehouse_id: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The period's figures (each with numerator and denominator), the trend by day, the
    causes of lateness and each step's on-time rate."""
    rows = _counts(since, until, channel_id, warehouse_id)
    by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sums: dict[str, float] = defaultdict(int)
    for day, key, value in rows.values("day", "key").annotate(v=Sum("value")) \
            .values_list("day", "key", "v"):
        by_day[day.isoformat()][key] += value
        sums[key] += value
    for day, count in undecided_due(since=since, until=until, channel_id=channel_id,
                                    warehouse_id=warehouse_id, now=now).items():
        by_day[day][DUE] -= count
        sums[DUE] -= count
    days = []
    day = since
    while day <= until:
        counts = by_day.get(day.isoformat(), {})
        row = {"day": day.isoformat(), **{key: counts.get(key, 0) for key in TREND_KEYS}}
        row["figures"] = {code: f.value for code, f in figures(counts).items()}
        days.append(row)
        day += dt.timedelta(days=1)
    late = sorted(((key[len(LATE):], value) for key, value in sums.items()
                   if key.startswith(LATE) and value), key=lambda kv: (-kv[1], kv[0]))
    steps = {key[len(STEP):]: value for key, value in sums.items() if key.startswith(STEP)}
    return {
        "since": since.isoformat(), "until": until.isoformat(),
        "channel": channel_id, "warehouse": warehouse_id,
        "figures": {code: f.as_dict() for code, f in figures(sums).items()},
        "days": days,
        "late_causes": [{"cause": cause, "orders": value} for cause, value in late],
        "steps": [{"step": state, "on_time": sums.get(STEP_ON_TIME + state, 0), "total": total,
                   "rate": sums.get(STEP_ON_TIME + state, 0) / total if total else None}
                  for state, total in sorted(steps.items())],
    }


def recent_against_before(*, days: int = 7, today: dt.date | None = None,
                          now: dt.datetime | None = None) -> dict[str, Any]:
    """The figures of the last ``days`` local days (today included) and of the ``days`` before,
    all channels and warehouses, from one read of the daily aggregates (two weeks: a few
    thousand rows at a million orders) and the undecided due orders (an index range)."""
    today = today or timezone.localdate()
    until = today
    since = until - dt.timedelta(days=days - 1)
    before_until = since - dt.timedelta(days=1)
    before_since = before_until - dt.timedelta(days=days - 1)
    recent: dict[str, float] = defaultdict(int)
    before: dict[str, float] = defaultdict(int)
    for day, key, value in (_counts(before_since, until, None, None).values("day", "key")
                            .annotate(v=Sum("value")).values_list("day", "key", "v")):
        (recent if day >= since else before)[key] += value
    for day, count in undecided_due(since=before_since, until=until, now=now).items():
        (recent if dt.date.fromisoformat(day) >= since else before)[DUE] -= count
    return {"since": since, "until": until, "before_since": before_since,
            "before_until": before_until, "figures": figures(recent),
            "before": figures(before)}


def stuck_by_reason(*, channel_id: int | None = None,
                    warehouse_id: int | None = None) -> list[dict[str, Any]]:
    """Orders stuck now, by reason: each open hold's source (``hold:<source>``, an order with
    two holds of different sources counts under both) and the orders the deadline sweep
    marked stuck, by their state (``sla:<status>``); most first."""
    orders = Order.objects.all()
    if channel_id is not None:
        orders = orders.filter(channel_id=channel_id)
    if warehouse_id is not None:
        orders = orders.filter(flow__warehouse_id=warehouse_id)
    holds = (Hold.objects.filter(released_at__isnull=True, order__in=orders)
             .values("source").annotate(n=Count("order_id", distinct=True)))
    # The sweep marks open orders only (a move clears the mark): reading the open states
    # through the status index keeps this off the million closed orders.
    stuck = (orders.filter(status__in=sorted(OPEN_STATUSES), is_stuck=True)
             .values("status").annotate(n=Count("id")))
    out = [(f"hold:{row['source']}", row["n"]) for row in holds]
    out += [(f"sla:{row['status']}", row["n"]) for row in stuck]
    return [{"reason": reason, "orders": n}
            for reason, n in sorted(out, key=lambda kv: (-kv[1], kv[0]))]


#: The drill-down: which orders stand behind each number, by the day it was counted on.
DRILL_DOWN: dict[str, tuple[str, Q]] = {
    "paid": ("paid_at", Q()),
    "not_fulfilled": ("paid_at", Q(shipped_at__isnull=True)),
    "breakpoint": ("paid_at", Q(breakpoint=True)),
    "intervention": ("paid_at", Q(interventions__gt=0)),
    "due": ("ship_by", Q(due=True)),
    "late": ("ship_by", Q(due=True, on_time=False)),
    "shipped": ("shipped_at", Q()),
    "delivered": ("delivered_at", Q()),
}


def drill_down(*, figure: str, since: dt.date, until: dt.date, channel_id: int | None = None,
               warehouse_id: int | None = None) -> QuerySet:
    """The order flows behind one number of the period (``DRILL_DOWN``), newest first.
    ``intervention`` lists the period's paid orders that had any."""
    column, where = DRILL_DOWN[figure]
    start, end = _bounds(since, until)
    return (_flows(channel_id, warehouse_id)
            .filter(where, **{f"{column}__gte": start, f"{column}__lt": end})
            .select_related("order").order_by(f"-{column}"))
