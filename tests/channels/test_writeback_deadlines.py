"""The write-back deadline: unconfirmed an hour before the order's ship-by time → one alert;
confirmed later → the alert resolves; the sweep reads the unconfirmed write-backs only."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone, translation
from django_q.models import Schedule

from channels.writeback.deadlines import (
    GRACE,
    writeback_deadlines_check,
    writebacks_near_deadline,
)
from channels.writeback.models import WriteBack
from channels.writeback.services import writeback_request
from channels.writeback.tasks import writebacks_sweep
from orderhub.alerts.models import Alert
from orderhub.core.texts import is_encoded, render
from orders.state_machine import Status
from tests.channels.writeback_kit import awaiting_pickup, connect, due_now, hand_over
from tests.conftest import requires_postgres

WB = WriteBack.WriteBackStatus


@pytest.fixture(autouse=True)
def quick(settings, db):
    settings.ORDERHUB_WRITEBACK_TIMEOUT_SECONDS = 0.3


def failing(platform, capture, *, ship_in: dt.timedelta, code: str = "jd") -> WriteBack:
    """A write-back whose platform keeps answering 502, the order due to ship in ``ship_in``."""
    fake = platform(code).next(*["server_error"] * 10)
    connect(code, fake)
    order = awaiting_pickup(code, ship_by=timezone.now() + ship_in)
    hand_over(order, capture)
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.attempts) == (WB.PENDING, 1)
    return writeback


def deadline_alerts() -> list[Alert]:
    return list(Alert.objects.filter(kind="writeback_deadline").order_by("id"))


def test_a_write_back_failing_an_hour_before_the_deadline_alerts_once(
    platform, django_capture_on_commit_callbacks
):
    writeback = failing(platform, django_capture_on_commit_callbacks,
                        ship_in=dt.timedelta(minutes=50))

    assert writeback_deadlines_check() == 1
    assert writeback_deadlines_check() == 0  # once

    [alert] = deadline_alerts()
    assert alert.order_id == writeback.order_id and alert.team == "operations"
    assert "not confirmed" in render(alert.title) and alert.data["writeback_id"] == writeback.pk
    assert "HTTP 502" in render(alert.message) or "server error" in render(alert.message)
    writeback.refresh_from_db()
    assert writeback.deadline_alerted_at is not None


def test_a_deadline_further_away_waits(platform, django_capture_on_commit_callbacks):
    writeback = failing(platform, django_capture_on_commit_callbacks,
                        ship_in=dt.timedelta(hours=3))
    assert writeback_deadlines_check() == 0
    # … until the clock reaches the hour before it
    assert writeback_deadlines_check(now=writeback.ship_by - dt.timedelta(minutes=59)) == 1


def test_a_new_write_back_gets_its_first_attempt_before_any_alert(db):
    connect("pdd")
    order = awaiting_pickup("pdd", status=Status.IN_TRANSIT,
                           ship_by=timezone.now() + dt.timedelta(minutes=20))
    [writeback] = writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="SF1")
    assert writeback.attempts == 0
    assert writeback_deadlines_check() == 0
    assert writeback_deadlines_check(now=timezone.now() + GRACE + dt.timedelta(seconds=1)) == 1


def test_confirmed_and_unneeded_write_backs_never_alert(platform,
                                                      django_capture_on_commit_callbacks):
    connect("taobao", platform("taobao"))
    confirmed = awaiting_pickup("taobao", ship_by=timezone.now() + dt.timedelta(minutes=5))
    hand_over(confirmed, django_capture_on_commit_callbacks)
    unneeded = awaiting_pickup("pos", ship_by=timezone.now() + dt.timedelta(minutes=5))
    hand_over(unneeded, django_capture_on_commit_callbacks)
    assert set(WriteBack.objects.values_list("status", flat=True)) == {WB.CONFIRMED,
                                                                       WB.NOT_NEEDED}
    assert writeback_deadlines_check(now=timezone.now() + dt.timedelta(hours=2)) == 0


def test_a_write_back_that_gave_up_alerts_at_the_deadline_too(
    platform, django_capture_on_commit_callbacks
):
    fake = platform("douyin").next("refuse_carrier")
    connect("douyin", fake)
    order = awaiting_pickup("douyin", ship_by=timezone.now() + dt.timedelta(minutes=30))
    hand_over(order, django_capture_on_commit_callbacks)
    assert WriteBack.objects.get(order=order).status == WB.FAILED
    assert writeback_deadlines_check() == 1


def test_confirming_resolves_the_write_backs_alerts(platform,
                                                    django_capture_on_commit_callbacks):
    # given a write-back alerted for its deadline
    writeback = failing(platform, django_capture_on_commit_callbacks,
                        ship_in=dt.timedelta(minutes=30), code="pdd")
    assert writeback_deadlines_check() == 1

    # when the platform accepts it at last (the every-minute sweep sends what is due)
    connect("pdd", platform("pdd"))
    due_now(writeback)
    assert writebacks_sweep()["confirmed"] == 1

    # then the hub resolves the alert
    writeback.refresh_from_db()
    assert (writeback.status, writeback.attempts) == (WB.CONFIRMED, 2)
    [alert] = deadline_alerts()
    assert alert.status == Alert.AlertStatus.RESOLVED
    assert render(alert.resolution) == "confirmed to the channel"


def test_the_sweep_is_scheduled_every_minute(db):
    schedule = Schedule.objects.get(func="channels.writeback.tasks.writebacks_sweep")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES, 1, -1)


def test_the_sweep_costs_one_query_when_nothing_is_due(
    platform, django_capture_on_commit_callbacks, django_assert_num_queries
):
    connect("jd", platform("jd"))
    for n in range(5):
        order = awaiting_pickup("jd", channel_order_no=f"29876543{n}",
                                ship_by=timezone.now() + dt.timedelta(minutes=5))
        hand_over(order, django_capture_on_commit_callbacks)
    with django_assert_num_queries(1):
        assert writeback_deadlines_check() == 0


@requires_postgres("the planner")
def test_the_deadline_sweep_reads_the_partial_index(db):
    # its rows come from the index of unconfirmed, unalerted write-backs alone
    sql, params = writebacks_near_deadline(now=timezone.now()).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "writeback_deadline_idx" in plan


def test_alerts_are_codes_read_in_each_readers_language_whatever_the_request_spoke(
    platform, django_capture_on_commit_callbacks
):
    # given a failing write-back near its deadline, checked where English is active
    writeback = failing(platform, django_capture_on_commit_callbacks,
                        ship_in=dt.timedelta(minutes=10))
    with translation.override("en"):
        writeback_deadlines_check()
    # then the alert is stored as codes, and reads in Chinese for a Chinese reader
    [alert] = deadline_alerts()
    assert is_encoded(alert.title) and is_encoded(alert.message)
    with translation.override("zh-hans"):
        title, message = render(alert.title), render(alert.message)
    assert "尚未向 jd 回传发货" in title and "平台返回服务器错误" in message
    assert writeback.order.hub_no in title and "§" not in title + message
    with translation.override("en"):
        assert "not confirmed to jd" in render(alert.title)
