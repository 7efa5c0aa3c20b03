"""The event mechanism (orderhub/events): recorded with the change, handled once, in order per
order, retried with backoff, dead letters staff can retry, and nothing lost when a dispatcher
dies half-way."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone, translation

from orderhub.alerts.models import Alert
from orderhub.core.texts import render
from orderhub.events import dispatch, services
from orderhub.events.dispatch import LEASE, events_dispatch
from orderhub.events.models import Event, EventTask
from orderhub.events.kinds import KIND_LABELS
from orderhub.events.registry import handlers, handles
from orderhub.events.selectors import events_backlog
from orderhub.events.services import (
    DispatchAfterCommit,
    NewEvent,
    event_record,
    event_tasks_discard,
    event_tasks_retry,
    events_purge,
    events_record,
)
from orderhub.webhooks.registry import PUBLIC_EVENT_TYPES
from tests.conftest import requires_postgres, run_together
from tests.factories import OrderFactory

Status = EventTask.TaskStatus
BROKEN: set[int] = set()


# --- test handlers (kinds "test.*" only: no real event reaches them) ---------------------------
@handles("test.noted", "test.skipped", name="tests.notes",
         wants=lambda kind, payload: kind == "test.noted")
def note(events):
    for event in events:
        if event.payload.get("n") in BROKEN:
            raise RuntimeError(f"broken event n={event.payload['n']}")
        # Written to the database, so that a rolled-back batch leaves no trace (as a real
        # handler's writes).
        Group.objects.create(name=f"note-{event.pk}-{event.payload.get('n')}")


@handles("test.group", name="tests.groups")
def make_group(events):
    # A real write: a second run of the same event would hit the unique group name.
    for event in events:
        Group.objects.create(name=f"evt-{event.pk}")


@handles("test.seq", name="tests.sequence", batch_size=7)
def in_sequence(events):
    # Each order's events must arrive in order: step n needs step n - 1 done.
    for event in events:
        n = event.payload["n"]
        if n > 1 and not Group.objects.filter(name=f"seq-{event.order_id}-{n - 1}").exists():
            raise AssertionError(f"order {event.order_id}: step {n} before step {n - 1}")
        Group.objects.create(name=f"seq-{event.order_id}-{n}")


@handles("test.urgent", name="tests.urgent", urgent=True)
def urgent(events):
    for event in events:
        Group.objects.create(name=f"urgent-{event.pk}")


def seen() -> list[int]:
    """The ``n`` of every noted event, in the order the handler saw them."""
    return [int(name.rsplit("-", 1)[1]) for name in
            Group.objects.filter(name__startswith="note-").order_by("id")
            .values_list("name", flat=True)]


@pytest.fixture(autouse=True)
def clean_slate():
    BROKEN.clear()
    yield
    BROKEN.clear()


def tasks_of(handler: str) -> list[EventTask]:
    return list(EventTask.objects.filter(handler=handler).order_by("id"))


# --- recording ------------------------------------------------------------------------------------
def test_an_event_gets_one_task_per_handler_that_wants_it(db):
    # when two events are recorded, one of which no handler wants
    events_record([NewEvent("test.noted", 7, {"n": 1}), NewEvent("test.skipped", 7, {"n": 2})])

    # then both events are kept, and only the wanted one has a task, pending and due now
    assert list(Event.objects.order_by("id").values_list("kind", "order_id")) == [
        ("test.noted", 7), ("test.skipped", 7)]
    [task] = tasks_of("tests.notes")
    assert (task.status, task.attempts, task.order_id) == (Status.PENDING, 0, 7)
    assert task.due_at <= timezone.now()


def test_a_large_batch_gets_its_time_and_task_defaults_from_the_database(db):
    # when more events are recorded than go in by INSERT (COPY on PostgreSQL)
    count = services.COPY_ABOVE + 50
    before = timezone.now()
    events_record([NewEvent("test.noted", n, {"n": n}) for n in range(count)])

    # then every event has its time, and every task is pending, untried and due now
    assert Event.objects.filter(occurred_at__isnull=False).count() == count
    tasks = tasks_of("tests.notes")
    assert len(tasks) == count
    assert {(t.status, t.attempts, t.last_error) for t in tasks} == {(Status.PENDING, 0, "")}
    assert all(before - dt.timedelta(seconds=5) <= t.due_at <= timezone.now() and t.created_at
               for t in tasks)


def test_a_transaction_queues_one_dispatch_however_many_events(
    db, django_capture_on_commit_callbacks
):
    # when a transaction records 50 events one by one and a batch of 50
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            for n in range(50):
                event_record("test.noted", order_id=n, payload={"n": n})
            events_record([NewEvent("test.noted", n, {"n": n}) for n in range(50)])

    # then one dispatch is queued, after commit
    assert [type(callback) for callback in callbacks] == [DispatchAfterCommit]


def test_nothing_is_recorded_when_the_change_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            event_record("test.noted", order_id=1, payload={"n": 1})
            raise RuntimeError("the change failed")
    assert not Event.objects.exists() and not EventTask.objects.exists()
    assert callbacks == []


def test_after_commit_the_handlers_run_inline_in_tests(db, django_capture_on_commit_callbacks):
    # given inline tasks (the test settings), when the recording transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event_record("test.noted", order_id=3, payload={"n": 1})
    # then the handler ran and the task is done
    assert seen() == [1]
    assert tasks_of("tests.notes")[0].status == Status.DONE


# --- dispatching ----------------------------------------------------------------------------------
def test_dispatch_runs_handlers_once_and_marks_tasks_done(db):
    events_record([NewEvent("test.noted", 1, {"n": n}) for n in range(1, 4)])
    report = events_dispatch()
    assert (report.claimed, report.done, report.failed) == (3, 3, 0)
    assert seen() == [1, 2, 3]
    assert {t.status for t in tasks_of("tests.notes")} == {Status.DONE}
    # a second dispatch finds nothing to do
    assert events_dispatch().claimed == 0
    assert len(seen()) == 3


def test_an_urgent_handlers_tasks_are_claimed_before_older_ones(db):
    # given a task of an ordinary handler, then a later one of an urgent handler
    events_record([NewEvent("test.noted", 1, {"n": 1})])
    events_record([NewEvent("test.urgent", 2)])

    # then the dispatcher claims the urgent one first, and the other after it
    report = events_dispatch(limit=1)
    assert (report.claimed, report.done) == (2, 2)
    assert list(Group.objects.filter(name__regex=r"^(urgent|note)-").order_by("id")
                .values_list("name", flat=True)) == [
        f"urgent-{Event.objects.get(kind='test.urgent').pk}",
        f"note-{Event.objects.get(kind='test.noted').pk}-1"]


def test_a_failing_event_is_isolated_and_retried_with_backoff(db):
    # given events of three orders, the second of which breaks its handler
    events_record([NewEvent("test.noted", order, {"n": order}) for order in (1, 2, 3)])
    BROKEN.add(2)

    # when dispatched
    report = events_dispatch()

    # then the others are done, and the broken one waits out its backoff with the error
    assert (report.done, report.failed, report.dead) == (2, 1, 0)
    assert seen() == [1, 3]
    broken = EventTask.objects.get(order_id=2)
    assert (broken.status, broken.attempts) == (Status.PENDING, 1)
    assert "broken event n=2" in broken.last_error
    assert broken.due_at > timezone.now() + dt.timedelta(seconds=3)
    # and once the cause is fixed and the backoff has passed, it is handled
    BROKEN.clear()
    EventTask.objects.filter(pk=broken.pk).update(due_at=timezone.now())
    assert events_dispatch().done == 1
    assert seen() == [1, 3, 2]


def test_later_events_of_an_order_wait_behind_a_failing_one(db):
    # given an order whose first event breaks, and a second event of the same order
    BROKEN.add(1)
    events_record([NewEvent("test.noted", 9, {"n": 1}), NewEvent("test.noted", 9, {"n": 2}),
                   NewEvent("test.noted", 10, {"n": 5})])

    # when dispatched (even again, once the failing one's backoff passed but it still fails)
    events_dispatch()
    EventTask.objects.filter(order_id=9).update(due_at=timezone.now())
    events_dispatch()

    # then the second waits (not handled before the first), the other order went ahead
    assert seen() == [5]
    first, second = EventTask.objects.filter(order_id=9).order_by("id")
    assert (first.attempts, second.status, second.attempts) == (2, Status.PENDING, 0)
    # and when the first succeeds, the second follows, in order
    BROKEN.clear()
    EventTask.objects.filter(order_id=9).update(due_at=timezone.now())
    events_dispatch()
    assert seen() == [5, 1, 2]


def test_dead_letters_block_their_order_until_staff_retry_or_discard(db, make_user, settings):
    settings.ORDERHUB_EVENT_MAX_ATTEMPTS = 2
    BROKEN.add(1)
    events_record([NewEvent("test.noted", 4, {"n": 1}), NewEvent("test.noted", 4, {"n": 2})])

    # when the first fails twice, it becomes a dead letter
    for _ in range(3):
        events_dispatch()
        EventTask.objects.filter(status=Status.PENDING).update(due_at=timezone.now())
    dead, waiting = EventTask.objects.filter(order_id=4).order_by("id")
    assert (dead.status, dead.attempts) == (Status.DEAD, 2)
    # and operations are alerted, once, naming the handler and where to retry it
    alert = Alert.objects.get(kind="event_dead_letter")
    assert (alert.team, alert.data["task_id"]) == ("operations", dead.pk)
    assert alert.title.startswith("§events.alert.dead_letter{")
    assert alert.message.startswith("§events.alert.dead_letter_message{")
    with translation.override("en"):
        assert render(alert.title) == "An effect gave up after 2 attempts: tests.notes (order #4)"
        assert "Retry now" in render(alert.message)
    with translation.override("zh-hans"):
        assert render(alert.title) == "后续处理尝试 2 次后放弃：tests.notes（订单 #4）"
        assert "立即重试" in render(alert.message)
    assert (waiting.status, waiting.attempts) == (Status.PENDING, 0)
    assert events_backlog().dead == 1
    assert seen() == []

    # a warehouse user may not retry it; operations may
    with pytest.raises(Exception, match="may not retry"):
        event_tasks_retry(task_ids=[dead.pk], actor=make_user("warehouse"))
    BROKEN.clear()
    assert event_tasks_retry(task_ids=[dead.pk], actor=make_user("operations")) == 1
    events_dispatch()
    assert seen() == [1, 2]


def test_discarding_a_dead_letter_lets_the_order_go_on(db, make_user, settings):
    settings.ORDERHUB_EVENT_MAX_ATTEMPTS = 1
    BROKEN.add(1)
    events_record([NewEvent("test.noted", 4, {"n": 1}), NewEvent("test.noted", 4, {"n": 2})])
    events_dispatch()
    dead = EventTask.objects.get(status=Status.DEAD)
    ops = make_user("operations")

    with pytest.raises(Exception, match="Say why"):
        event_tasks_discard(task_ids=[dead.pk], actor=ops, reason=" ")
    assert event_tasks_discard(task_ids=[dead.pk], actor=ops, reason="order deleted upstream") == 1
    events_dispatch()

    dead.refresh_from_db()
    assert dead.status == Status.DISCARDED and dead.resolved_by == ops
    assert "order deleted upstream" in dead.last_error
    assert seen() == [2]


def test_a_dispatcher_that_dies_after_claiming_loses_nothing(db):
    # given a dispatcher that claimed tasks and died before running them
    events_record([NewEvent("test.group", 1, {}), NewEvent("test.group", 2, {})])
    claimed = dispatch._claim(limit=10)
    assert len(claimed) == 2
    # then nobody else takes them during the lease
    assert events_dispatch().claimed == 0
    # and after the lease they are claimed and handled, once
    EventTask.objects.update(due_at=timezone.now() - dt.timedelta(seconds=1))
    assert events_dispatch().done == 2
    assert Group.objects.filter(name__startswith="evt-").count() == 2
    assert {t.attempts for t in tasks_of("tests.groups")} == {2}
    assert LEASE >= dt.timedelta(minutes=1)


def test_a_handler_that_dies_half_way_leaves_no_partial_effect(db):
    # given a batch whose handler has written for the first event when the second breaks it
    # (as a process dying between the handler's writes and the done mark)
    BROKEN.add(2)
    events_record([NewEvent("test.noted", 1, {"n": 1}), NewEvent("test.noted", 1, {"n": 2})])

    # when dispatched, the batch is rolled back whole, then retried one event at a time
    events_dispatch()

    # then the first event's write exists once (from its own retry), the second none
    assert seen() == [1]
    # and once fixed, the second is handled once: no duplicate of anything
    BROKEN.clear()
    EventTask.objects.update(due_at=timezone.now())
    events_dispatch()
    assert seen() == [1, 2]
    assert {t.status for t in tasks_of("tests.notes")} == {Status.DONE}


def test_a_task_of_an_unregistered_handler_fails_visibly(db):
    event = Event.objects.create(kind="test.noted")
    EventTask.objects.create(event=event, handler="gone.handler")
    events_dispatch()
    task = EventTask.objects.get(handler="gone.handler")
    assert task.status == Status.PENDING and "No handler named 'gone.handler'" in task.last_error


def test_purge_keeps_what_is_unfinished(db):
    events_record([NewEvent("test.noted", 1, {"n": 1}), NewEvent("test.noted", 2, {"n": 2})])
    BROKEN.add(2)
    events_dispatch()
    Event.objects.update(occurred_at=timezone.now() - dt.timedelta(days=30))
    assert events_purge(keep_days=14) == 1
    assert list(Event.objects.values_list("order_id", flat=True)) == [2]


def test_backlog_reports_the_oldest_pending_age(db):
    assert events_backlog().oldest_pending_age is None
    events_record([NewEvent("test.noted", 1, {"n": 1})])
    EventTask.objects.update(created_at=timezone.now() - dt.timedelta(minutes=3))
    backlog = events_backlog()
    assert backlog.pending == 1
    assert dt.timedelta(minutes=3) <= backlog.oldest_pending_age < dt.timedelta(minutes=4)


# --- PostgreSQL: concurrent dispatchers --------------------------------------------------------
@requires_postgres()
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_handle_each_event_once_and_in_order_per_order():
    # given 40 orders with 5 events each, recorded in several transactions, interleaved
    for step in range(1, 6):
        events_record([NewEvent("test.seq", order, {"n": step}) for order in range(1, 41)])
    events_record([NewEvent("test.group", order, {}) for order in range(1, 201)])

    # when four dispatchers run at once, in small claims
    errors = run_together(lambda: [events_dispatch(limit=25) for _ in range(20)])

    # then every task is done, none failed (order and uniqueness are checked by the handlers)
    assert errors == []
    assert not EventTask.objects.exclude(status=Status.DONE).exists(), list(
        EventTask.objects.exclude(status=Status.DONE).values_list("handler", "last_error")[:3])
    assert not EventTask.objects.exclude(attempts=1).exists()
    assert Group.objects.filter(name__startswith="seq-").count() == 200
    assert Group.objects.filter(name__startswith="evt-").count() == 200


# --- the admin ------------------------------------------------------------------------------------
def test_operations_see_the_dead_letters_and_retry_them_in_the_admin(client, make_user, settings):
    settings.ORDERHUB_EVENT_MAX_ATTEMPTS = 1
    BROKEN.add(1)
    events_record([NewEvent("test.noted", 4, {"n": 1}), NewEvent("test.noted", 5, {"n": 2})])
    events_dispatch()
    dead = EventTask.objects.get(status=Status.DEAD)
    # the warehouse may not open the page; operations may, and see only what needs them
    client.force_login(make_user("warehouse"))
    assert client.get("/admin/events/eventtask/").status_code == 403
    client.force_login(make_user("operations"))
    page = client.get("/admin/events/eventtask/").content.decode()
    assert f'<a href="/admin/events/eventtask/{dead.pk}/change/' in page
    assert "broken event n=1" in page
    assert "/admin/events/eventtask/" in page and page.count('name="_selected_action"') == 1
    # when they retry it after the fix, it is handled
    BROKEN.clear()
    response = client.post("/admin/events/eventtask/", {
        "action": "retry_now", "_selected_action": [dead.pk], "reason": ""}, follow=True)
    assert "1 task(s) will be tried again now." in response.content.decode()
    events_dispatch()
    dead.refresh_from_db()
    assert dead.status == Status.DONE and seen() == [2, 1]


def test_the_events_admin_names_kinds_and_handlers_by_their_labels(client, make_user):
    # given an order's event (handled by the hub's handlers) and a kind without a label
    order = OrderFactory()
    events_record([NewEvent("order.created", order.pk, {"status": "pending_payment"}),
                   NewEvent("test.noted", 4, {"n": 1})])
    client.force_login(make_user("operations"))
    # when operations read the events in Chinese
    html = client.get("/admin/events/event/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # then each kind reads by its label, its code kept as small print; the filter by labels
    assert "订单已创建 <small><code>order.created</code></small>" in html
    assert "test.noted" in html
    assert "?kind=order.status_changed" in html and "订单状态变更</a>" in html
    event = Event.objects.get(kind="order.created")
    page = client.get(f"/admin/events/event/{event.pk}/change/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<code>{&quot;status&quot;: &quot;pending_payment&quot;}</code>" in page
    assert "aftersales.link" not in page.replace('title="aftersales.link"', "")


def test_every_handled_and_public_kind_has_a_label():
    handled = {kind for each in handlers() for kind in each.kinds if not kind.startswith("test.")}
    assert handled | set(PUBLIC_EVENT_TYPES) <= set(KIND_LABELS)
