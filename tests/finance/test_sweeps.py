"""The scheduled sweeps: red-line escalation, rematching, missing money, consistency, settlement."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django_q.models import Schedule

from finance import tasks
from finance.services import settlement
from finance.models import Cause, Colour, ConsistencyCheck, Kind, StatementLine
from finance.services.consistency import (
    channel_figure_record,
    consistency_check,
    deviation_of,
    tolerance,
)
from finance.services.escalation import red_lines_escalate, red_lines_rematch
from finance.services.reviews import line_resolve
from finance.services.settlement import missing_money_sweep, orders_settle_matched
from finance.services.statements import statement_import
from orderhub.alerts.models import Alert
from orderhub.events.dispatch import events_dispatch
from orders.holds import order_hold
from orders.services import order_deliver, order_invoice
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.finance.bills import WechatRow, wechat_bill
from orderhub.core.texts import render
from tests.finance.words import zh

pytestmark = pytest.mark.django_db


def import_wechat(actor, *rows: WechatRow):
    return statement_import(
        content=wechat_bill(list(rows)), file_name="bill.csv", source="wechatpay", actor=actor
    )


def test_the_schedules_exist_after_migrate():
    schedules = dict(
        Schedule.objects.filter(name__startswith="finance:").values_list("func", "minutes")
    )
    assert schedules == {
        "finance.tasks.finance_consistency_check": 30,
        "finance.tasks.finance_red_line_sweep": 10,
    }  # (settling follows events: no settlement sweep)


def test_red_line_escalates_after_two_hours_once(finance_user):
    # given a line whose serial no order has
    import_wechat(finance_user, WechatRow("4200000000000000000101", "MP-NONE", settled="10.00"))
    line = StatementLine.objects.get()
    # when the sweep runs before two hours, then nothing is raised
    assert red_lines_escalate(now=line.red_since + dt.timedelta(minutes=119)) == 0
    # when it runs after two hours, then one alert for the line, and not again
    later = line.red_since + dt.timedelta(hours=2, minutes=1)
    assert red_lines_escalate(now=later) == 1
    assert red_lines_escalate(now=later + dt.timedelta(hours=1)) == 0
    alert = Alert.objects.get()
    assert (alert.kind, alert.team, alert.key) == (
        "finance_red_line",
        "finance",
        f"finance:red:{line.line_key}",
    )
    line.refresh_from_db()
    assert line.escalated_at == later


def test_resolved_red_line_does_not_escalate(finance_user):
    import_wechat(finance_user, WechatRow("4200000000000000000102", "MP-NONE", settled="10.00"))
    line = StatementLine.objects.get()
    line_resolve(line=line, actor=finance_user, reason="test payment by the shop owner")
    assert red_lines_escalate(now=timezone.now() + dt.timedelta(hours=3)) == 0


def test_red_line_turns_green_when_its_order_arrives(finance_user, miniprogram):
    # given a statement imported before the channel delivered the order
    import_wechat(
        finance_user, WechatRow("4200000000000000000111", "MP2026012800111", settled="66.00")
    )
    assert StatementLine.objects.get().colour == Colour.RED
    # when the order arrives and the sweep matches again
    order = OrderFactory(
        channel=miniprogram,
        payment_serial_no="4200000000000000000111",
        paid_amount=Decimal("66.00"),
    )
    assert red_lines_rematch() == 1
    # then the line is green and belongs to the order; the statement's counts follow
    line = StatementLine.objects.select_related("statement").get()
    assert (line.order, line.colour, line.red_since) == (order, Colour.GREEN, None)
    assert (line.statement.green_count, line.statement.red_count) == (1, 0)


def test_finished_order_without_money_after_its_window_turns_red(finance_user, settings):
    settings.FINANCE_SETTLEMENT_WINDOW_DAYS = {"default": 15}
    now = timezone.now()
    late = OrderFactory(status=Status.DELIVERED, paid_at=now - dt.timedelta(days=16))
    OrderFactory(
        status=Status.DELIVERED, paid_at=now - dt.timedelta(days=14)
    )  # still in its window
    OrderFactory(status=Status.IN_TRANSIT, paid_at=now - dt.timedelta(days=30))  # not finished
    assert missing_money_sweep(now=now) == 1
    assert missing_money_sweep(now=now) == 0  # once per order
    line = StatementLine.objects.get()
    assert (line.order, line.kind, line.colour, line.cause) == (
        late,
        Kind.MISSING,
        Colour.RED,
        Cause.NO_MONEY,
    )
    assert zh(line.explanation) == "订单已完成，付款15天后仍未收到回款（应收199.00元）"


def test_money_arriving_late_clears_the_missing_line(finance_user, miniprogram):
    order = OrderFactory(
        channel=miniprogram, status=Status.DELIVERED, payment_serial_no="4200000000000000000121",
        paid_at=timezone.now() - dt.timedelta(days=40),
    )
    missing_money_sweep()
    import_wechat(finance_user, WechatRow("4200000000000000000121", "MP121", settled="199.00"))
    assert set(StatementLine.objects.filter(order=order).values_list("colour", flat=True)) == {
        Colour.GREEN
    }


def test_consistency_within_tolerance_raises_nothing(miniprogram):
    day = timezone.localdate() - dt.timedelta(days=1)
    paid_at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    for _ in range(3):
        OrderFactory(channel=miniprogram, paid_at=paid_at, status=Status.PAID)
    channel_figure_record(channel=miniprogram, day=day, paid_orders=3)
    (check,) = consistency_check()
    assert (check.hub_paid_orders, check.channel_paid_orders, check.within_tolerance) == (
        3,
        3,
        True,
    )
    assert not Alert.objects.exists()


def test_consistency_deviation_over_tolerance_alerts_once(miniprogram):
    # given the channel counts 4 paid orders yesterday and the hub 3
    day = timezone.localdate() - dt.timedelta(days=1)
    paid_at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    for _ in range(3):
        OrderFactory(channel=miniprogram, paid_at=paid_at, status=Status.PAID)
    channel_figure_record(channel=miniprogram, day=day, paid_orders=4)
    # when the check runs (twice)
    consistency_check()
    consistency_check()
    # then one alert names the channel and the deviation
    check = ConsistencyCheck.objects.get()
    assert (check.hub_paid_orders, check.within_tolerance) == (3, False)
    assert check.deviation == Decimal("0.25")
    alert = Alert.objects.get()
    assert alert.kind == "finance_consistency"
    assert alert.key == f"finance:consistency:miniprogram:{day:%Y-%m-%d}:api"
    with translation.override("en"):
        assert "differ from the channel's figure by 25.00%" in render(alert.title)


def test_consistency_boundary_is_strictly_over_point_three_percent():
    assert deviation_of(997, 1000) <= tolerance()
    assert deviation_of(996, 1000) > tolerance()


def test_an_order_settles_when_it_becomes_settleable(
    finance_user, manager, miniprogram
):
    # given money matched while the order was still in transit
    order = OrderFactory(
        channel=miniprogram, status=Status.IN_TRANSIT, payment_serial_no="4200000000000000000131",
        paid_amount=Decimal("20.00"),
    )
    import_wechat(finance_user, WechatRow("4200000000000000000131", "MP131", settled="20.00"))
    assert orders_settle_matched(actor=None).settled == []
    # when it is delivered and invoiced, then the move's event settles it, as the system
    order_deliver(order=order, actor=manager)
    events_dispatch()
    order.refresh_from_db()
    assert order.status == Status.DELIVERED  # the channel needs an invoice first
    order_invoice(order=order, actor=manager)
    events_dispatch()
    order.refresh_from_db()
    assert order.status == Status.SETTLED
    assert order.history.order_by("-history_id").first().history_user.username == "system"


def test_a_statements_orders_are_settled_in_batches_and_the_held_one_waits(
    finance_user, miniprogram, make_user, monkeypatch
):
    monkeypatch.setattr(settlement, "SETTLE_BATCH", 2)  # several batches, one transaction each
    # given five invoiced orders paid in one statement, one of them held
    orders = [
        OrderFactory(channel=miniprogram, status=Status.INVOICED, paid_amount=Decimal("20.00"),
                     payment_serial_no=f"42000000000000000002{n:02d}")
        for n in range(5)
    ]
    held = orders[2]
    order_hold(order=held, actor=None, reason="buyer disputes the charge")
    statement = import_wechat(finance_user, *[
        WechatRow(order.payment_serial_no, order.hub_no, settled="20.00") for order in orders
    ]).statement
    # when a role that may not settle tries, then every order is listed as refused, none moves
    refused = orders_settle_matched(actor=make_user("warehouse"), statement_id=statement.pk)
    assert refused.settled == []
    assert [hub_no for hub_no, _why in refused.refused] == [order.hub_no for order in orders]
    assert "may not 'settle'" in refused.refused[0][1]
    # when finance settles the statement's orders
    report = orders_settle_matched(actor=finance_user, statement_id=statement.pk)
    # then the four others are settled by the finance user, and the held one waits, saying why
    assert report.settled == [order.hub_no for order in orders if order is not held]
    assert report.refused == [(held.hub_no, f"Order {held.hub_no} is on hold (Staff: buyer disputes "
                                            f"the charge); release the hold before 'settle'.")]
    for order in orders:
        order.refresh_from_db()
        latest = order.history.latest("history_id")
        if order is held:
            with translation.override("en"):
                assert (order.status, render(latest.history_change_reason)) == (
                    Status.INVOICED, "hold: buyer disputes the charge")
        else:
            assert order.status == Status.SETTLED
            assert latest.history_user == finance_user
            assert render(latest.history_change_reason) == (
                f"money matched in payment statement #{statement.pk}")


def test_red_line_sweep_task_runs_all_three(finance_user):
    assert tasks.finance_red_line_sweep() == {"rematched": 0, "no_money": 0, "escalated": 0}
    assert tasks.finance_consistency_check() == {"checked": 0, "off": 0}


def test_background_import_that_fails_tells_finance(finance_user):
    stored = default_storage.save("finance/pending/" + "0" * 64, ContentFile(b"not a bill"))
    try:
        assert tasks.import_statement_file(stored, "x.csv", "wechatpay", None, finance_user.pk) == {
            "imported": False
        }
    finally:
        default_storage.delete(stored)
    alert = Alert.objects.get()
    assert alert.kind == "finance_import_failed"
    assert "not a WeChat Pay trade bill" in render(alert.message)  # a code, read in English here
