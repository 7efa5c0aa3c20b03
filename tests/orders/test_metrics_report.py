"""The weekly health report: each step's on-time rate, the top three causes of lateness, the
week against the week before; sent once, by e-mail and chat robot, to every rung's recipients
through the alerts' delivery; a django-q2 schedule; readable in the admin."""
from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django_q.models import Schedule

from orderhub.alerts.models import Alert, AlertDelivery, EscalationStep, NotificationTarget
from orders.metrics.models import MetricCount, WeeklyHealthReport
from orders.metrics.report import last_full_week, weekly_health_report_send

pytestmark = pytest.mark.django_db
WEEK = dt.date(2026, 11, 2)  # a Monday


def counts(day: dt.date, **values: int) -> None:
    for key, value in values.items():
        MetricCount.objects.create(day=day, channel_id=1, warehouse_id=0,
                                   key=key.replace("__", ":"), value=value)


@pytest.fixture
def two_weeks(fresh_rules):
    # this week: 10 due, 8 on time; picking 7 of 10 on time, packing 10 of 10; late: 1 held by
    # a person, 3 too long in picking, 1 too long in packing, 2 held out of stock
    counts(WEEK + dt.timedelta(days=2), due=10, on_time=8, paid=10, fulfilled=9,
           steps=20, steps_on_time=17, step__picking=10, step_on_time__picking=7,
           step__packing=10, step_on_time__packing=10)
    counts(WEEK + dt.timedelta(days=6), **{"late__hold__person": 1, "late__state__picking": 3,
                                           "late__state__packing": 1,
                                           "late__hold__out_of_stock": 2})
    # the week before: 5 due, all on time
    counts(WEEK - dt.timedelta(days=3), due=5, on_time=5, paid=5, fulfilled=5)
    # outside both weeks (counts nowhere)
    counts(WEEK + dt.timedelta(days=7), due=100)


@pytest.fixture
def recipients():
    lead = NotificationTarget.objects.create(name="运营主管", transport="email", team="operations",
                                             email_to="ops-lead@example.com")
    owner = NotificationTarget.objects.create(
        name="老板群", transport="dingtalk",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc")
    EscalationStep.objects.get(kind="", level=3).recipients.add(owner)
    return lead, owner


def test_the_report_says_the_week_against_the_week_before(two_weeks, recipients, settings,
                                                          django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "zh-hans"  # the hub's language (the tests' default is English)
    with mock.patch("orderhub.alerts.notify.deliveries.robot_post") as robot, \
            django_capture_on_commit_callbacks(execute=True):
        report = weekly_health_report_send(week_start=WEEK)
    text = report.text
    assert text.startswith("健康周报 2026-11-02 – 2026-11-08")
    assert "准时发货率: 80.00% (100.00%) — 8 ÷ 10" in text
    assert "渠道履约率: 90.00% (100.00%) — 9 ÷ 10" in text
    assert "仓库拣货: 70.00% (7/10)" in text and "打包称重: 100.00% (10/10)" in text
    # top three causes, most first: picking 3, out of stock 2, then person 1 and packing 1
    # (a tie, in the causes' code order: hold:person before state:packing)
    assert "1. 停留过久：仓库拣货: 3" in text
    assert "2. 被拦截：缺货: 2" in text
    assert "3. 被拦截：员工: 1" in text
    assert "停留过久：打包称重" not in text  # the fourth cause is left out
    # sent through the alerts' delivery: the operations lead by e-mail, the owner's robot
    assert [m.to for m in mail.outbox] == [["ops-lead@example.com"]]
    assert "8 ÷ 10" in mail.outbox[0].body
    assert robot.call_count == 1 and robot.call_args.args[0].name == "老板群"
    alert = Alert.objects.get(pk=report.alert_id)
    assert (alert.kind, alert.status) == ("weekly_health_report", "resolved")
    # once per week: again, nothing more is sent
    with django_capture_on_commit_callbacks(execute=True):
        again = weekly_health_report_send(week_start=WEEK)
    assert again.pk == report.pk
    assert AlertDelivery.objects.count() == 2 and len(mail.outbox) == 1


def test_last_full_week_and_the_schedule():
    assert last_full_week(dt.date(2026, 11, 9)) == WEEK  # a Monday: the week that just ended
    assert last_full_week(dt.date(2026, 11, 15)) == WEEK  # a Sunday: that week has not ended
    schedule = Schedule.objects.get(name="Weekly health report")
    assert (schedule.func, schedule.schedule_type, schedule.cron) == (
        "orders.metrics.tasks.weekly_health_report", "C", "0 8 * * 1")


def test_managers_read_the_reports_in_the_admin(two_weeks, make_user):
    report = weekly_health_report_send(week_start=WEEK)
    manager = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    manager.force_login(make_user("manager"))
    page = manager.get(f"/admin/orders/weeklyhealthreport/{report.pk}/change/")
    assert page.status_code == 200 and "8 ÷ 10" in page.content.decode()
    clerk = Client()
    clerk.force_login(make_user("warehouse"))
    assert clerk.get("/admin/orders/weeklyhealthreport/").status_code == 403
