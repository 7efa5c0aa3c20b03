"""The sender: due deliveries out, signed, in order per order, never holding a lock while it
waits on a receiver.

After the fan-out commits, the worker process that ran it sends at once, on a thread of its
own (:func:`send_soon`); a retry, a ping or a re-enabled subscription queue a send task (one
queued at a time, ``orderhub.core.tasks.enqueue_coalesced``); and the sweep runs one every
minute for retries whose backoff has passed and for whatever a dead worker left behind.
Several senders may run at once, in several processes and on several hosts.

1. Claim, in a short transaction: due pending deliveries of active subscriptions, oldest
   first, locked with ``SKIP LOCKED`` on PostgreSQL so that concurrent senders take different
   rows. A delivery waits while an earlier one of the same subscription and order is pending
   (sending elsewhere, or failing and waiting out its backoff): one order's events reach a
   subscriber in the order they happened. Claimed deliveries get a lease (``next_attempt_at``
   moves out by ``LEASE``) and their attempt is counted, so a sender that dies loses nothing:
   the lease ends and another one sends them (at least once).
2. Send, with no transaction open, on a pool of threads: each subscription has up to
   ``LANES`` lanes (an order always takes the same lane, so its deliveries go one after the
   other), so one slow endpoint holds only its own lanes. Timeouts are short
   (``orderhub.webhooks.transport``). Meanwhile the sender keeps claiming what comes due, so a
   slow receiver never holds up the others.
3. Record each attempt in a second short transaction: the attempt row with the receiver's
   status and answer, the delivery's outcome, the subscription's health.

Policy (README "Events out"):
- Success is any 2xx. A failure is retried after 1 min, 5 min, 15 min, 1 h, 3 h, 6 h and 12 h;
  the delivery gives up after ``ORDERHUB_WEBHOOKS_MAX_ATTEMPTS`` (8) attempts, about 22 h
  after the first. Staff can try a given-up delivery again from the admin.
- Order against never blocking: later deliveries of an order wait while an earlier one is
  retrying, but once it gives up they go ahead. A given-up delivery is visible in the admin
  and to the integrator (``GET /api/webhooks/``); each delivery carries the whole object, so
  the next one that arrives brings the integrator up to date. Holding an order's later events
  back for good would leave the integrator wrong for ever instead.
- The breaker: when an endpoint is unreachable or answers 5xx, 408 or 429, its other
  deliveries in the run are not tried; they wait (without counting an attempt) until the
  failed one's next attempt. A dead endpoint costs a request per lane and backoff step, not
  one per delivery. A 4xx is that delivery's own problem and holds nothing else back.
- Switched off: when an endpoint has failed ``DISABLE_AFTER_FAILURES`` (10) attempts in a row
  and no attempt has succeeded for ``DISABLE_AFTER`` (24 h), the subscription is switched off
  and staff are alerted (``orderhub.webhooks.alerting``). A switched-off endpoint gets no new
  deliveries; what it was already owed waits, and is sent, in order, when staff re-enable it
  in the admin.
"""
from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.conf import Conf

from orderhub.core.signing import HUB_SIGNATURE_HEADER, HUB_TIMESTAMP_HEADER, hub_signature
from orderhub.core.tasks import coalesced_started, enqueue_coalesced
from orderhub.core.texts import fit
from orderhub.webhooks import texts
from orderhub.webhooks.alerting import alert_endpoint_disabled
from orderhub.webhooks.models import Delivery, DeliveryAttempt, Subscription, masked_url
from orderhub.webhooks.registry import PING
from orderhub.webhooks.selectors import subscribed_kinds_clear
from orderhub.webhooks.transport import Answer, post, total_timeout

logger = logging.getLogger(__name__)
Status = Delivery.DeliveryStatus

# Seconds before attempt 2, 3, ...; the last value repeats.
BACKOFF_SECONDS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
LEASE = dt.timedelta(minutes=2)  # more than a run's last start plus the total timeout
CLAIM_BATCH = 200
LANES = 4  # concurrent requests to one endpoint at most, per sender
THREADS = 32
CLAIM_INTERVAL = 0.2  # seconds between claims while requests are under way
DISABLE_AFTER_FAILURES = 10
DISABLE_AFTER = dt.timedelta(hours=24)
USER_AGENT = "OrderHub-Webhooks/1.0"
SEND_RUN = "webhooks.send"
THREAD_LINGER = 2.0  # seconds a worker's sender thread waits for more work before it ends


def max_attempts() -> int:
    return int(getattr(settings, "ORDERHUB_WEBHOOKS_MAX_ATTEMPTS", 8))


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th attempt failed."""
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1])


def signed_headers(*, secret: str, body: bytes, event_type: str, delivery_id: int,
                   now: float | None = None) -> dict[str, str]:
    """The headers of one attempt, signed with a fresh timestamp (receivers refuse one more
    than 300 s off, as the hub does)."""
    stamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Hub-Event": event_type,
        "X-Hub-Delivery": str(delivery_id),
        HUB_TIMESTAMP_HEADER: stamp,
        HUB_SIGNATURE_HEADER: hub_signature(secret=secret, timestamp=stamp, body=body),
    }


# --- the queue --------------------------------------------------------------------------------
def queue_send() -> None:
    """Queue a send on the worker (after a commit that wrote deliveries), unless one is queued
    and has not started: that one sends these too."""
    enqueue_coalesced(SEND_RUN, webhooks_send_task)


def webhooks_send_task() -> dict:
    """The django-q2 task: send until nothing is due; queue another if time ran out."""
    coalesced_started(SEND_RUN)
    report = webhooks_send()
    if report.more:
        queue_send()
    return report.as_dict()


# --- the sender thread of a worker process ------------------------------------------------------
_thread_lock = threading.Lock()
_thread_wake = threading.Event()
_thread_alive = False


def send_soon() -> None:
    """After the fan-out commits (in the worker process running the event dispatch): have
    this process's sender thread send now, starting it if none runs.

    Why not a task: a second trip through django-q2's queue costs one more poll and task
    start (p99 404 ms instead of 223 ms at 20 changes/s, bench/webhooks.py), and its ORM
    broker takes queued tasks in no particular order, so when the queue is long a send task
    can wait seconds behind newer ones (7.5 s measured while every task reconnected). The
    thread sends beside the dispatcher (which goes on with other
    events at once), waits ``THREAD_LINGER`` seconds for more work from this process's
    fan-outs, then ends. If the process dies, the leases and the every-minute sweep take over.
    Where tasks run inline (tests, ``Q_SYNC``) the send runs inline too.
    """
    global _thread_alive
    if Conf.SYNC:
        queue_send()
        return
    with _thread_lock:
        if _thread_alive:
            _thread_wake.set()
            return
        _thread_alive = True
    threading.Thread(target=_sender_thread, name="webhooks-sender", daemon=True).start()


def _sender_thread() -> None:
    global _thread_alive
    try:
        while True:
            _thread_wake.clear()
            webhooks_send()
            if _thread_wake.wait(timeout=THREAD_LINGER):
                continue
            with _thread_lock:
                if not _thread_wake.is_set():  # else: woken just now, go on
                    _thread_alive = False
                    return
    except Exception:
        logger.exception("webhook sender thread stopped; the sweep sends what is due")
        with _thread_lock:
            _thread_alive = False
    finally:
        connection.close()  # the thread's own connection


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0
    disabled: list[int] = field(default_factory=list)
    more: bool = False

    def as_dict(self) -> dict:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed,
                "waiting": self.waiting, "disabled": self.disabled, "more": self.more}


# --- claiming ---------------------------------------------------------------------------------
def _claim(*, now: dt.datetime, limit: int, skip: set[int]) -> list[Delivery]:
    """Take up to ``limit`` due deliveries that nothing earlier holds back, with a lease;
    none of the subscriptions in ``skip`` (busy or broken in this run)."""
    after_id = 0
    while True:
        with transaction.atomic():
            due = (Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now,
                                           id__gt=after_id)
                   .filter(Q(subscription__is_active=True) | Q(event_type=PING))
                   .exclude(subscription_id__in=skip)
                   .select_related("subscription").order_by("id"))
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            candidates = list(due[:limit])
            if not candidates:
                return []
            blocked = _held_back(candidates)
            claimed = [delivery for delivery in candidates if delivery.pk not in blocked]
            if claimed:
                Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
                    next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
                for delivery in claimed:
                    delivery.attempts += 1
                return claimed
        if len(candidates) < limit:
            return []
        after_id = candidates[-1].pk  # a page of held-back deliveries: look further


def _held_back(candidates: list[Delivery]) -> set[int]:
    """Ids of candidates behind a pending earlier delivery of the same subscription and order
    that is not among the candidates (being sent elsewhere, or waiting out its backoff)."""
    keys = {(d.subscription_id, d.order_id) for d in candidates if d.order_id is not None}
    if not keys:
        return set()
    ids = {d.pk for d in candidates}
    earlier = (Delivery.objects.filter(
        status=Status.PENDING, id__lt=max(ids),
        subscription_id__in={sub for sub, _order in keys},
        order_id__in={order for _sub, order in keys},
    ).exclude(pk__in=ids).values_list("subscription_id", "order_id", "id"))
    first: dict[tuple[int, int], int] = {}
    for sub, order, pk in earlier:
        if (sub, order) in keys:
            first[(sub, order)] = min(pk, first.get((sub, order), pk))
    return {d.pk for d in candidates
            if d.pk > first.get((d.subscription_id, d.order_id), d.pk)}


# --- sending ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Job:
    """What a lane needs to send one delivery: plain values, no database access."""

    delivery_id: int
    subscription_id: int
    order_id: int | None
    attempt: int
    url: str
    secret: str
    event_type: str
    body: bytes
    claim_no: int  # which claim of the run took it

    @classmethod
    def of(cls, delivery: Delivery, claim_no: int) -> _Job:
        subscription = delivery.subscription
        return cls(delivery.pk, subscription.pk, delivery.order_id, delivery.attempts,
                   subscription.url, subscription.secret, delivery.event_type,
                   delivery.body.encode(), claim_no)


@dataclass(frozen=True)
class _Outcome:
    job: _Job
    at: dt.datetime
    answer: Answer | None = None  # None: not tried in this run, see ``wait_until``
    wait_until: dt.datetime | None = None


@dataclass
class _Lane:
    jobs: deque = field(default_factory=deque)
    running: bool = False
    # Orders whose delivery failed in this lane → the claim that took it. A later delivery of
    # the order from the same claim waits; one from a later claim was checked by that claim
    # against the failed one's recorded outcome (held back while it is retried, free once it
    # gave up).
    failed_orders: dict = field(default_factory=dict)


class _Run:
    """One sender run: lanes of jobs on a thread pool; outcomes come back on a queue and are
    recorded by the calling thread (the only one that touches the database)."""

    def __init__(self, *, stop_starting_at: float) -> None:
        self.stop_starting_at = stop_starting_at
        self.lock = threading.Lock()
        self.lanes: dict[tuple[int, int], _Lane] = {}
        self.broken: dict[int, dt.datetime] = {}  # subscription → when its endpoint is next tried
        self.outcomes: queue.Queue[_Outcome] = queue.Queue()
        self.in_flight: Counter[int] = Counter()
        self.pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="webhooks")

    def add(self, job: _Job) -> None:
        lane_no = (job.order_id if job.order_id is not None else job.delivery_id) % LANES
        self.in_flight[job.subscription_id] += 1
        with self.lock:
            lane = self.lanes.setdefault((job.subscription_id, lane_no), _Lane())
            lane.jobs.append(job)
            if lane.running:
                return
            lane.running = True
        self.pool.submit(self._drain, lane)

    def busy(self) -> set[int]:
        """Subscriptions not to claim for now: enough under way, or their endpoint is down."""
        with self.lock:
            broken = set(self.broken)
        return broken | {sub for sub, n in self.in_flight.items() if n >= 2 * LANES}

    def _drain(self, lane: _Lane) -> None:
        while True:
            with self.lock:
                if not lane.jobs:
                    lane.running = False
                    return
                job = lane.jobs.popleft()
                broken_until = self.broken.get(job.subscription_id)
            now = timezone.now()
            if broken_until is not None:
                outcome = _Outcome(job, now, wait_until=broken_until)
            elif (job.order_id is not None
                  and lane.failed_orders.get(job.order_id) == job.claim_no):
                outcome = _Outcome(job, now, wait_until=now)  # behind the failed one
            elif time.monotonic() >= self.stop_starting_at:
                outcome = _Outcome(job, now, wait_until=now)  # the next run takes it
            else:
                outcome = self._attempt(job, lane, now)
            self.outcomes.put(outcome)

    def _attempt(self, job: _Job, lane: _Lane, now: dt.datetime) -> _Outcome:
        try:
            headers = signed_headers(secret=job.secret, body=job.body,
                                     event_type=job.event_type, delivery_id=job.delivery_id)
            answer = post(url=job.url, body=job.body, headers=headers)
        except Exception as problem:  # noqa: BLE001 - a lane never dies: recorded instead
            logger.exception("webhook delivery %s: unexpected error", job.delivery_id)
            answer = Answer(None, "", f"{type(problem).__name__}: {problem}"[:500], 0, None)
        if not answer.ok:
            if job.order_id is not None:
                lane.failed_orders[job.order_id] = job.claim_no
            if answer.endpoint_down:
                with self.lock:
                    retry_at = now + backoff(job.attempt)
                    self.broken[job.subscription_id] = max(
                        retry_at, self.broken.get(job.subscription_id, retry_at))
        return _Outcome(job, now, answer=answer)

    def collect(self, report: SendReport, *, timeout: float) -> None:
        """Record the outcomes that arrive within ``timeout`` (at least one if any is due)."""
        try:
            outcome = self.outcomes.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            self.in_flight[outcome.job.subscription_id] -= 1
            _record(outcome, report)
            try:
                outcome = self.outcomes.get_nowait()
            except queue.Empty:
                return


def webhooks_send(*, max_seconds: float = 50.0, limit: int = CLAIM_BATCH) -> SendReport:
    """Claim and send due deliveries until none is due or ``max_seconds`` have passed."""
    report = SendReport()
    started = time.monotonic()
    run = _Run(stop_starting_at=started + max_seconds)
    last_claim, claims = 0.0, 0
    # Every started request ends by its total timeout; past this, something is wrong with
    # the run itself: stop, and let the leases hand what is left to the next run.
    give_up_at = run.stop_starting_at + total_timeout() + 5.0
    try:
        while True:
            in_flight = sum(run.in_flight.values())
            if time.monotonic() > give_up_at:
                logger.error("webhook sender: %s deliveries still under way at the end of "
                             "the run; their leases will hand them on", in_flight)
                report.more = True
                return report
            claiming = time.monotonic() < run.stop_starting_at
            if claiming and in_flight < limit and (
                    not in_flight or time.monotonic() - last_claim >= CLAIM_INTERVAL):
                last_claim, claims = time.monotonic(), claims + 1
                claimed = _claim(now=timezone.now(), limit=limit - in_flight, skip=run.busy())
                for delivery in claimed:
                    run.add(_Job.of(delivery, claims))
                in_flight += len(claimed)
            if not in_flight:
                report.more = not claiming
                return report
            run.collect(report, timeout=CLAIM_INTERVAL)
    finally:
        run.pool.shutdown(wait=True)
        while not run.outcomes.empty():  # only after a stop above: keep what was sent
            _record(run.outcomes.get_nowait(), report)


# --- recording ----------------------------------------------------------------------------------
@transaction.atomic
def _record(outcome: _Outcome, report: SendReport) -> None:
    job, answer = outcome.job, outcome.answer
    if answer is None:
        # Not tried: give the delivery back without counting the attempt.
        Delivery.objects.filter(pk=job.delivery_id, status=Status.PENDING).update(
            attempts=F("attempts") - 1, next_attempt_at=outcome.wait_until)
        report.waiting += 1
        return
    if answer.ok:
        status, next_at = Status.SENT, None
    elif job.attempt >= max_attempts() or job.event_type == PING:
        status, next_at = Status.FAILED, None  # a ping is tried once
    else:
        status, next_at = Status.PENDING, outcome.at + backoff(job.attempt)
    if not Delivery.objects.filter(pk=job.delivery_id, status=Status.PENDING).update(
        status=status, next_attempt_at=next_at, last_status_code=answer.status_code,
        sent_at=outcome.at if answer.ok else None,
    ):
        return  # unsubscribed while it was being sent: nothing left to record it on
    DeliveryAttempt.objects.create(
        delivery_id=job.delivery_id, number=job.attempt, at=outcome.at,
        duration_ms=answer.duration_ms, address=answer.address,
        status_code=answer.status_code, response_excerpt=answer.excerpt, error=answer.error,
    )
    if status == Status.SENT:
        report.sent += 1
    elif status == Status.FAILED:
        report.failed += 1
    else:
        report.retrying += 1
    if answer.ok:
        Subscription.objects.filter(pk=job.subscription_id).update(
            consecutive_failures=0, failing_since=None, last_success_at=outcome.at,
            last_attempt_at=outcome.at, last_status_code=answer.status_code, last_error="",
        )
    elif _failure_counted(job.subscription_id, answer, outcome.at):
        report.disabled.append(job.subscription_id)


def _failure_counted(subscription_id: int, answer: Answer, at: dt.datetime) -> bool:
    """Count a failed attempt on the subscription; switch it off when it has failed for too
    long (returns whether it did)."""
    subscription = (Subscription.objects.select_for_update().select_related("owner")
                    .filter(pk=subscription_id).first())
    if subscription is None:
        return False  # deleted meanwhile
    subscription.consecutive_failures += 1
    subscription.failing_since = subscription.failing_since or at
    subscription.last_attempt_at, subscription.last_status_code = at, answer.status_code
    subscription.last_error = answer.error[:500]
    subscription.save(update_fields=["consecutive_failures", "failing_since", "last_attempt_at",
                                     "last_status_code", "last_error"])
    if not (subscription.is_active
            and subscription.consecutive_failures >= DISABLE_AFTER_FAILURES
            and at - subscription.failing_since >= DISABLE_AFTER):
        return False
    hours = (at - subscription.failing_since).total_seconds() / 3600
    subscription_switch_off(
        subscription=subscription, now=at,
        reason=texts.GAVE_UP.encode(hours=f"{hours:.0f}",
                                    failures=subscription.consecutive_failures,
                                    error=answer.error or "?"),
    )
    alert_endpoint_disabled(subscription_id=subscription.pk, url=masked_url(subscription.url),
                            owner=subscription.owner.get_username(),
                            reason=subscription.disabled_reason, disabled_at=at)
    return True


def subscription_switch_off(*, subscription: Subscription, reason: str,
                            now: dt.datetime) -> None:
    """Switch a (locked) subscription off: no new deliveries, the owed ones wait unscheduled."""
    subscription.is_active = False
    subscription.disabled_reason = fit(reason, 500)
    subscription.disabled_at = now
    subscription.save(update_fields=["is_active", "disabled_reason", "disabled_at",
                                     "updated_at"])
    Delivery.objects.filter(subscription=subscription, status=Status.PENDING).update(
        next_attempt_at=None)
    kinds_changed()


def kinds_changed() -> None:
    """Subscriptions changed: this process forgets the subscribed types now and at commit."""
    subscribed_kinds_clear()
    transaction.on_commit(subscribed_kinds_clear)
