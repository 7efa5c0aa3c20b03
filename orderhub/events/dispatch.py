"""Running the handlers: claim due tasks, run each handler on its batch, mark them done.

One dispatch runs right after each commit that recorded events (queued by
``orderhub.events.services``; while a queued one has not started, the next commits rely on it
instead of queueing more, ``orderhub.core.tasks.enqueue_coalesced``) and the sweep runs one
every minute for whatever a lost or dead worker left behind. Several may run at once, on
several workers and hosts:

1. Claim, in a short transaction: due pending tasks, oldest first, locked with ``SKIP LOCKED``
   so that concurrent dispatchers take different rows; the urgent handlers' tasks (a deadline
   of seconds waits on them: ``logistics.stock``) before the others'. A task is held back
   while an earlier task of the same handler and order is unfinished (pending elsewhere,
   failing, or a dead letter): one order's events reach each handler in the order they
   happened. Claimed tasks get a lease (their ``due_at`` moves out by ``LEASE``) and an
   attempt is counted, so a dispatcher that dies leaves them to be claimed again when the
   lease ends, never lost.
2. Run, per handler, in batches: one transaction locks the batch's tasks (skipping any another
   dispatcher finished meanwhile), calls the handler, and marks them done, so the handler's
   writes and the mark commit together: an effect is applied once.
3. A batch that raises is rolled back and its tasks run again one at a time, so one bad event
   does not hold up the others; a task that fails waits out its backoff, and after
   ``max_attempts`` becomes a dead letter (an alert tells staff, who retry it in the admin).
   Later tasks of the same order and handler wait behind it.

No network call is made by the dispatcher itself; a handler that calls out keeps its own
transactions short (the webhook sender does).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from orderhub.alerts.services import alert_raise
from orderhub.core.tasks import coalesced_started, enqueue_coalesced
from orderhub.events import texts
from orderhub.events.models import Event, EventTask
from orderhub.events.registry import Handler, handler, urgent_handler_names

logger = logging.getLogger(__name__)
Status = EventTask.TaskStatus

LEASE = dt.timedelta(minutes=5)
CLAIM_BATCH = 1000
DISPATCH_RUN = "events.dispatch"
# Seconds before attempt 2, 3, ...; the last value repeats.
BACKOFF_SECONDS = (5, 30, 120, 600, 1800, 3600, 7200, 14400)
_local = threading.local()


def max_attempts() -> int:
    return settings.ORDERHUB_EVENT_MAX_ATTEMPTS


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th attempt failed."""
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


@dataclass
class DispatchReport:
    claimed: int = 0
    done: int = 0
    failed: int = 0
    dead: int = 0
    more: bool = False

    def as_dict(self) -> dict[str, int | bool]:
        return {"claimed": self.claimed, "done": self.done, "failed": self.failed,
                "dead": self.dead, "more": self.more}


# --- the running flag and the queue -------------------------------------------------------------
def dispatch_running() -> bool:
    """Whether this thread is inside a dispatch (its handlers' events queue no new one)."""
    return getattr(_local, "running", False)


def queue_dispatch() -> None:
    """Queue a dispatch on the worker (called after a commit that recorded events), unless one
    is queued and has not started: that one handles these events too."""
    enqueue_coalesced(DISPATCH_RUN, events_dispatch_task)


def events_dispatch_task() -> dict:
    """The django-q2 task: dispatch until nothing is due; queue another if time ran out."""
    coalesced_started(DISPATCH_RUN)
    report = events_dispatch()
    if report.more:
        queue_dispatch()
    return report.as_dict()


# --- dispatching --------------------------------------------------------------------------------
def events_dispatch(*, max_seconds: float = 50.0, limit: int = CLAIM_BATCH) -> DispatchReport:
    """Claim and run due tasks until none is due or ``max_seconds`` have passed."""
    report = DispatchReport()
    deadline = time.monotonic() + max_seconds
    before = dispatch_running()
    _local.running = True
    try:
        while True:
            claimed = _claim(limit=limit)
            if not claimed:
                return report
            report.claimed += len(claimed)
            _run(claimed, report)
            if time.monotonic() > deadline:
                report.more = True
                return report
    finally:
        _local.running = before


def _claim(*, limit: int) -> list[EventTask]:
    """Take up to ``limit`` due tasks that nothing earlier holds back, with a lease: the
    urgent handlers' first (a paid order's decision is held to seconds; the figures and scores
    of a peak day's orders can follow after), then any."""
    urgent = urgent_handler_names()
    if urgent:
        claimed = _claim_where(Q(handler__in=urgent), limit=limit)
        if claimed:
            return claimed
    return _claim_where(Q(), limit=limit)


def _claim_where(where: Q, *, limit: int) -> list[EventTask]:
    after_id = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            due = EventTask.objects.filter(
                where, status=Status.PENDING, due_at__lte=now, id__gt=after_id
            ).order_by("id")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            candidates = list(due[:limit])
            if not candidates:
                return []
            blocked = _held_back(candidates)
            claimed = [task for task in candidates if task.pk not in blocked]
            if claimed:
                EventTask.objects.filter(pk__in=[task.pk for task in claimed]).update(
                    due_at=now + LEASE, attempts=F("attempts") + 1,
                )
                for task in claimed:
                    task.attempts += 1
                return claimed
        if len(candidates) < limit:
            return []
        after_id = candidates[-1].pk  # a page of held-back tasks: look further


def _held_back(candidates: Sequence[EventTask]) -> set[int]:
    """Ids of candidates behind an unfinished earlier task of the same handler and order that
    is not among the candidates (claimed elsewhere, failing, or a dead letter)."""
    keys = {(task.handler, task.order_id) for task in candidates if task.order_id is not None}
    if not keys:
        return set()
    ids = {task.pk for task in candidates}
    earlier = (
        EventTask.objects.filter(
            status__in=[Status.PENDING, Status.DEAD], id__lt=max(ids),
            handler__in={name for name, _order in keys},
            order_id__in={order_id for _name, order_id in keys},
        ).exclude(pk__in=ids).values_list("handler", "order_id", "id")
    )
    first: dict[tuple[str, int], int] = {}
    for name, order_id, pk in earlier:
        if (name, order_id) in keys:
            first[(name, order_id)] = min(pk, first.get((name, order_id), pk))
    return {task.pk for task in candidates
            if task.pk > first.get((task.handler, task.order_id), task.pk)}


def _run(claimed: list[EventTask], report: DispatchReport) -> None:
    events = Event.objects.in_bulk({task.event_id for task in claimed})
    per_handler: dict[str, list[EventTask]] = defaultdict(list)
    for task in claimed:
        per_handler[task.handler].append(task)
    for name, tasks in per_handler.items():
        registered = handler(name)
        if registered is None:
            for task in tasks:
                _fail(task, f"No handler named {name!r} is registered (was it removed?).",
                      report)
            continue
        for start in range(0, len(tasks), registered.batch_size):
            batch = tasks[start:start + registered.batch_size]
            try:
                report.done += _run_batch(registered, batch, events)
            except Exception:  # noqa: BLE001 - isolate the bad event below
                if len(batch) == 1:
                    _fail(batch[0], traceback.format_exc(), report)
                else:
                    _run_one_by_one(registered, batch, events, report)


def _run_batch(registered: Handler, batch: Sequence[EventTask], events: dict[int, Event]) -> int:
    """Run the handler on the batch and mark it done, in one transaction; returns how many."""
    with transaction.atomic():
        live = list(
            EventTask.objects.select_for_update()
            .filter(pk__in=[task.pk for task in batch], status=Status.PENDING)
            .order_by("id").values_list("pk", "event_id")
        )
        if not live:
            return 0
        registered.func([events[event_id] for _pk, event_id in live])
        EventTask.objects.filter(pk__in=[pk for pk, _event in live]).update(
            status=Status.DONE, done_at=timezone.now(), last_error="",
        )
    return len(live)


def _run_one_by_one(registered: Handler, batch: Sequence[EventTask], events: dict[int, Event],
                    report: DispatchReport) -> None:
    failed_orders: set[int] = set()
    for task in batch:
        if task.order_id is not None and task.order_id in failed_orders:
            _release(task)  # waits behind the failed one (the in-order check holds it back)
            continue
        try:
            report.done += _run_batch(registered, [task], events)
        except Exception:  # noqa: BLE001 - recorded on the task, retried with backoff
            _fail(task, traceback.format_exc(), report)
            if task.order_id is not None:
                failed_orders.add(task.order_id)


def _release(task: EventTask) -> None:
    """Give a claimed task back without counting the attempt."""
    EventTask.objects.filter(pk=task.pk, status=Status.PENDING).update(
        due_at=timezone.now(), attempts=F("attempts") - 1,
    )


def _fail(task: EventTask, error: str, report: DispatchReport) -> None:
    """Record a failed attempt: retry after the backoff, or give up (a dead letter)."""
    logger.warning("event task %s (%s, event %s) failed, attempt %s: %s", task.pk,
                   task.handler, task.event_id, task.attempts, error.strip().splitlines()[-1])
    dead = task.attempts >= max_attempts()
    with transaction.atomic():
        EventTask.objects.filter(pk=task.pk, status=Status.PENDING).update(
            status=Status.DEAD if dead else Status.PENDING,
            due_at=timezone.now() + backoff(task.attempts), last_error=error[-4000:],
        )
    report.failed += 1
    if dead:
        report.dead += 1
        logger.error("event task %s (%s) is a dead letter after %s attempts", task.pk,
                     task.handler, task.attempts)
        _dead_letter_alert(task, error)


def _dead_letter_alert(task: EventTask, error: str) -> None:
    """Operations hear of a dead letter at once: an effect waits for a person (one alert per
    task; the alert says where to retry it)."""
    last = (error.strip().splitlines() or [""])[-1][:300]
    alert_raise(
        key=f"event-dead-letter:{task.pk}", kind="event_dead_letter", team="operations",
        title=texts.DEAD_LETTER_TITLE.encode(attempts=task.attempts, handler=task.handler,
                                             order=task.order_id or "—"),
        message=texts.DEAD_LETTER_MESSAGE.encode(handler=task.handler, event=task.event_id,
                                                 attempts=task.attempts, error=last),
        data={"task_id": task.pk, "handler": task.handler, "event_id": task.event_id,
              "order_id": task.order_id},
    )
