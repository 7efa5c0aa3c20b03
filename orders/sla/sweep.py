"""The deadline sweep (every minute, and ``manage.py sla_sweep [--now …]``).

One run, as at ``now``, in one transaction:

1. Breaches. Orders past their state's due time (``state_due_at <= now``) and orders past
   their promised ship-by time and not yet handed over (``ship_by <= now``): range queries on
   partial indexes that hold only orders with such a deadline and carry the columns read, so
   a run costs what is overdue, not the size of the table. Each breach has a key
   (``orders.sla.deadlines``); those without an alert yet are locked (``SKIP LOCKED``: an
   order moving right now is seen next run), checked again, marked stuck with a history row
   as the system user, and get a level-1 alert.
2. Resolution. An unresolved breach alert whose key is no longer among the breaches found
   (the order moved on, started a new stay, was handed over) is resolved by the hub; its
   timeline stays.
3. Escalation. Open alerts whose next rung is due climb the ladder
   (``orderhub.alerts.services``).

Idempotent: a breach is its key, so running twice, or late after downtime, neither duplicates
nor misses (a stay that ended before any run is recorded by the move itself). A burst is
raised in batches, most overdue first (``sla_sweep_until_done`` runs them back to back, each
its own short transaction, so that no run holds thousands of order locks for long).
Deliveries are planned in the same transaction and sent after commit.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from orderhub.alerts.models import Alert
from orderhub.alerts.services import (
    UNRESOLVED,
    AlertSpec,
    Climb,
    alerts_escalate,
    alerts_raise_many,
    alerts_resolve_many,
)
from orderhub.core.history import system_user, system_user_id
from orders import texts
from orders.holds import open_holds
from orders.locks import orders_lock
from orders.models import SHIP_BY_WATCHED_STATUSES, Hold, Order
from orders.sla.config import STEPS_OF_STATUS, DeadlineConfig, deadline_config
from orders.sla.deadlines import SHIP_BY_KIND, SLA_KIND, ship_by_breach_key, sla_breach_key
from orders.state_machine import Status

SLA_STATUSES = tuple(STEPS_OF_STATUS)
BREACH_KINDS = (SLA_KIND, SHIP_BY_KIND)
# What the candidate queries read: the columns of the partial indexes (index-only scans).
_CANDIDATE_FIELDS = ("id", "status", "channel_id", "state_entered_at")


@dataclass(frozen=True)
class Breach:
    """One overdue order as the sweep found it (plain values, before any lock)."""

    kind: str
    key: str
    order_id: int
    status: str
    channel_id: int
    entered_at: dt.datetime | None
    due_at: dt.datetime
    hub_no: str = ""


@dataclass
class SweepReport:
    now: dt.datetime
    raised: list[Breach] = field(default_factory=list)
    marked_stuck: int = 0
    resolved: int = 0
    climbs: list[Climb] = field(default_factory=list)
    skipped_locked: int = 0
    backlog: int = 0

    def as_dict(self) -> dict[str, int | str]:
        return {
            "now": self.now.isoformat(), "raised": len(self.raised),
            "marked_stuck": self.marked_stuck, "resolved": self.resolved,
            "escalated": len(self.climbs), "skipped_locked": self.skipped_locked,
            "backlog": self.backlog,
        }


def batch_size() -> int:
    return int(getattr(settings, "ORDERHUB_SLA_SWEEP_BATCH", 1000))


def _chunks(values: Sequence, size: int | None = None) -> Iterator[Sequence]:
    # SQLite limits the parameters of one statement; PostgreSQL takes big IN lists well.
    size = size or (5000 if connection.vendor == "postgresql" else 500)
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- 1. breaches --------------------------------------------------------------------------------
def _sla_candidates(now: dt.datetime, config: DeadlineConfig) -> list[Breach]:
    rows = (Order.objects.filter(state_due_at__lte=now, status__in=SLA_STATUSES).order_by()
            .values_list(*_CANDIDATE_FIELDS, "state_due_at"))
    found = []
    for order_id, status, channel_id, entered_at, due_at in rows:
        allowance = config.allowance(status, channel_id)
        # A stored due time older than a loosened policy is not a breach under the new one.
        if entered_at is None or allowance is None or entered_at + allowance.delta > now:
            continue
        key = sla_breach_key(order_id=order_id, status=status, entered_at=entered_at)
        found.append(Breach(SLA_KIND, key, order_id, status, channel_id, entered_at, due_at))
    return found


def _ship_by_candidates(now: dt.datetime) -> list[Breach]:
    # The same condition as the partial index order_ship_by_open_idx, so that it is used.
    rows = (Order.objects.filter(ship_by__lte=now, status__in=SHIP_BY_WATCHED_STATUSES)
            .order_by().values_list(*_CANDIDATE_FIELDS, "ship_by"))
    return [
        Breach(SHIP_BY_KIND, ship_by_breach_key(order_id=order_id, ship_by=ship_by), order_id,
               status, channel_id, entered_at, ship_by)
        for order_id, status, channel_id, entered_at, ship_by in rows
    ]


def _without_alert(breaches: list[Breach]) -> list[Breach]:
    keys = [breach.key for breach in breaches]
    existing: set[str] = set()
    for chunk in _chunks(keys):
        existing.update(
            Alert.objects.filter(key__in=chunk).order_by().values_list("key", flat=True))
    return [breach for breach in breaches if breach.key not in existing]


def _still_breached(breach: Breach, order: Order, now: dt.datetime) -> bool:
    if breach.kind == SLA_KIND:
        return (order.status == breach.status and order.state_entered_at == breach.entered_at
                and order.state_due_at is not None and order.state_due_at <= now)
    return order.status in SHIP_BY_WATCHED_STATUSES and order.ship_by == breach.due_at


def _lock_orders(ids: Sequence[int]) -> dict[int, Order]:
    # Busy orders are left to the next run: a sweep never waits for a move.
    return orders_lock(ids, skip_locked=True)


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _spec(breach: Breach, order: Order, now: dt.datetime, config: DeadlineConfig) -> AlertSpec:
    allowance = config.allowance(breach.status, breach.channel_id)
    team = allowance.team if allowance else "warehouse"
    held = texts.HELD_NOTE.encode(holds=[
        texts.HOLD_LINE.encode(source=Hold.Source(hold.source), reason=hold.reason)
        for hold in open_holds(order)]) if order.on_hold else ""
    status = Status(breach.status)
    late = _minutes(now - breach.due_at)
    if breach.kind == SLA_KIND:
        title = texts.SLA_TITLE.encode(hub_no=order.hub_no, status=status,
                                       minutes=allowance.minutes)
        message = texts.SLA_MESSAGE.encode(hub_no=order.hub_no, status=status,
                                           entered=breach.entered_at, due=breach.due_at,
                                           late=late, held=held)
    else:
        title = texts.SHIP_BY_TITLE.encode(hub_no=order.hub_no, due=breach.due_at)
        message = texts.SHIP_BY_MESSAGE.encode(hub_no=order.hub_no, due=breach.due_at,
                                               status=status, late=late, held=held)
    return AlertSpec(
        key=breach.key, kind=breach.kind, title=title, message=message,
        order_id=breach.order_id, team=team,
        data={"hub_no": order.hub_no, "status": breach.status,
              "entered_at": breach.entered_at.isoformat() if breach.entered_at else None,
              "due_at": breach.due_at.isoformat()},
    )


def _history_in_sql(order_ids: list[int], reasons: dict[int, str], at: dt.datetime) -> None:
    """PostgreSQL: the history rows as INSERT … SELECT from the updated orders.

    The same rows simple-history writes (every tracked column, the date, the system user, the
    reason, type "~"), without building thousands of model instances in Python: that took
    most of a burst's time.
    """
    history = Order.history.model
    columns = [field.column for field in history.tracked_fields]
    quote = connection.ops.quote_name
    tracked = ", ".join(quote(column) for column in columns)
    selected = ", ".join(f"o.{quote(column)}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({tracked}, history_date, "
            f"history_change_reason, history_type, history_user_id) "
            f"SELECT {selected}, %s, r.reason, '~', %s FROM {quote(Order._meta.db_table)} o "
            f"JOIN unnest(%s::bigint[], %s::text[]) AS r(id, reason) ON o.id = r.id",
            [at, system_user_id(), order_ids, [reasons[pk] for pk in order_ids]],
        )


def _mark_stuck(orders: list[Order], reasons: dict[int, str]) -> int:
    """Set ``is_stuck`` with one history row per order, as the system user."""
    to_mark = [order for order in orders if not order.is_stuck]
    if not to_mark:
        return 0
    changed_at = timezone.now()
    ids = [order.pk for order in to_mark]
    # One UPDATE for all (bulk_update's per-row CASE is slow at this size); the rows are
    # locked, so nobody changed them since they were read.
    for chunk in _chunks(ids):
        Order.objects.filter(pk__in=chunk).update(is_stuck=True, updated_at=changed_at)
    if connection.vendor == "postgresql":
        _history_in_sql(ids, reasons, changed_at)
        return len(ids)
    for order in to_mark:
        order.is_stuck, order.updated_at = True, changed_at
        order._change_reason = reasons[order.pk]
    # With no fields, bulk_update_with_history writes the history rows only.
    bulk_update_with_history(to_mark, Order, [], batch_size=1000, default_user=system_user())
    return len(to_mark)


def _raise_breaches(breaches: list[Breach], now: dt.datetime, config: DeadlineConfig,
                    report: SweepReport, limit: int) -> None:
    new = sorted(_without_alert(breaches), key=lambda breach: (breach.due_at, breach.key))
    report.backlog = max(len(new) - limit, 0)
    new = new[:limit]
    if not new:
        return
    locked = _lock_orders(sorted({breach.order_id for breach in new}))
    report.skipped_locked = len({breach.order_id for breach in new} - set(locked))
    confirmed = [
        dataclasses.replace(breach, hub_no=locked[breach.order_id].hub_no) for breach in new
        if breach.order_id in locked and _still_breached(breach, locked[breach.order_id], now)
    ]
    specs = [_spec(breach, locked[breach.order_id], now, config) for breach in confirmed]
    alerts_raise_many(specs=specs, now=now)
    reasons = {spec.order_id: texts.DEADLINE_SWEEP.encode(title=spec.title) for spec in specs}
    report.marked_stuck = _mark_stuck([locked[order_id] for order_id in reasons], reasons)
    report.raised = confirmed


# --- 2. resolution ------------------------------------------------------------------------------
def _resolve_moved_on(breaches: list[Breach], now: dt.datetime, report: SweepReport) -> None:
    """Resolve the breach alerts whose breach is over: their key is not found any more."""
    current = {breach.key for breach in breaches}
    over = [
        (alert_id, order_id) for alert_id, key, order_id in
        Alert.objects.filter(status__in=UNRESOLVED, kind__in=BREACH_KINDS).order_by()
        .values_list("pk", "key", "order_id")
        if key not in current
    ]
    if not over:
        return
    statuses = dict(Order.objects.filter(pk__in={order_id for _, order_id in over})
                    .order_by().values_list("pk", "status"))
    report.resolved = alerts_resolve_many(
        resolutions={alert_id: f"no longer overdue: the order moved on "
                               f"(now '{statuses.get(order_id, 'gone')}')"
                     for alert_id, order_id in over},
        now=now,
    )


# --- the run ------------------------------------------------------------------------------------
@transaction.atomic
def sla_sweep(*, now: dt.datetime | None = None, limit: int | None = None) -> SweepReport:
    """Run the deadline sweep as at ``now`` (default: the real clock); see the module doc.

    Raises at most ``limit`` new alerts (``ORDERHUB_SLA_SWEEP_BATCH``, 1,000), the most
    overdue first; the report's ``backlog`` says how many breaches wait for the next run.
    """
    now = now or timezone.now()
    config = deadline_config()
    report = SweepReport(now=now)
    breaches = [*_sla_candidates(now, config), *_ship_by_candidates(now)]
    _raise_breaches(breaches, now, config, report, limit or batch_size())
    _resolve_moved_on(breaches, now, report)
    report.climbs = alerts_escalate(now=now)
    return report


def sla_sweep_until_done(
    *, now: dt.datetime | None = None, max_runs: int = 50
) -> list[SweepReport]:
    """Sweep batch after batch until no breach waits (the scheduled task and the command)."""
    reports = [sla_sweep(now=now)]
    while reports[-1].backlog and len(reports) < max_runs:
        reports.append(sla_sweep(now=now))
    return reports
