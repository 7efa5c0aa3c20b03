"""Staff lists at 1440 × 900 in Chinese: the order list, the reconciliation board and the alert
inbox fit the screen (no horizontal scroll), and the inbox opens grouped on what is mine."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from finance.models import Colour, Kind, Source, Statement, StatementLine
from orderhub.alerts.models import Alert
from orders.models import Channel
from orders.state_machine import Status
from tests.browser import CHINESE_SCREEN, browser_type_launch_args, shot, sign_in  # noqa: F401
from tests.factories import ChannelFactory, OrderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN_WIDTH = CHINESE_SCREEN["viewport"]["width"]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CHINESE_SCREEN}


def assert_fits(page) -> None:
    """Neither the page nor the list's own box scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN_WIDTH
    box = page.evaluate("(() => { const r = document.querySelector('#changelist .results');"
                        " return [r.scrollWidth, r.clientWidth]; })()")
    assert box[0] <= box[1], f"the list scrolls inside its box: {box}"


@pytest.fixture
def busy_orders(db):
    """Orders as a busy day has them: long names and addresses, one held, one overdue."""
    now = timezone.now()
    channel = (Channel.objects.filter(code="tmall").first()
               or ChannelFactory(code="tmall", abbreviation="TM", name="天猫旗舰店", platform="tmall"))
    orders = []
    for n, status in enumerate([Status.PAID, Status.PICKING, Status.PACKING, Status.IN_TRANSIT,
                                Status.RISK_REVIEW, Status.DELIVERED]):
        orders.append(OrderFactory(
            channel=channel, hub_no=f"TM2026012800{n:03d}", status=status,
            receiver_name="欧阳娜娜娜", paid_amount=Decimal("123456.78"), currency="CNY",
            paid_at=now - dt.timedelta(hours=n), ship_by=now + dt.timedelta(hours=20 - 5 * n),
            state_due_at=(now + dt.timedelta(minutes=30 - 20 * n)
                          if status in (Status.PAID, Status.PICKING, Status.PACKING) else None),
        ))
    held = OrderFactory(channel=channel, hub_no="TM2026012800999", status=Status.PICKING,
                        hold_reason="顾客来电要求改地址", paid_at=now)
    return orders, held


def test_order_list_fits_and_marks_only_held_orders(live_server, page, make_user, busy_orders):
    # given a customer-service user and a day's orders, one of them held
    orders, held = busy_orders
    user = make_user("customer_service")

    # when they open the order list in Chinese at 1440 × 900
    sign_in(page, live_server, user, "/admin/orders/order/")
    expect(page.locator("#result_list")).to_be_visible()
    shot(page, "order-list")

    # then every column fits: no sideways scroll
    assert_fits(page)
    header = page.locator("#result_list thead").inner_text()
    for column in ("中枢订单号", "渠道", "状态", "红绿灯", "已拦截", "收件人", "实付", "支付时间"):
        assert column in header, column
    # and only the held order is marked, no "no" icon on the others
    expect(page.locator("#result_list img[alt='False']")).to_have_count(0)
    held_row = page.locator("#result_list tr", has_text=held.hub_no)
    expect(held_row.locator(".oh-hold")).to_have_count(1)
    expect(page.locator("#result_list .oh-hold")).to_have_count(1)
    # and the most urgent order (overdue the longest) is on top
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text(orders[2].hub_no)


def test_reconciliation_board_fits(live_server, page, make_user, busy_orders):
    # given a statement with a line of every colour and long explanations
    orders, _held = busy_orders
    statement = Statement.objects.create(
        source=Source.ALIPAY_ACCOUNT, channel=orders[0].channel, file_name="20260128账务明细.csv",
        file_sha256="a" * 64)
    for n, colour in enumerate([Colour.GREEN, Colour.YELLOW, Colour.RED, Colour.GREY]):
        StatementLine.objects.create(
            statement=statement, line_no=n + 1, line_key=f"k{n}", kind=Kind.PAYMENT,
            payment_serial_no=f"2026012822001412345678901{n:03d}",
            merchant_order_no=f"T200P{n:019d}", occurred_at=timezone.now(),
            amount=Decimal("123456.78"), order=orders[n], channel=orders[n].channel,
            colour=colour, cause="exact",
            explanation="实收金额与订单实付金额不一致，差额为支付宝服务费和淘宝客佣金，需要财务核对后确认",
        )
    user = make_user("finance")

    # when finance opens the board
    sign_in(page, live_server, user, "/admin/finance/statementline/")
    expect(page.locator("#result_list")).to_be_visible()
    shot(page, "reconciliation-board")

    # then it fits the screen
    assert_fits(page)


def test_alert_inbox_fits_and_opens_grouped_on_my_alerts(live_server, page, make_user,
                                                        busy_orders):
    # given 120 silent parcels of one carrier, 2 of another, and an alert of another team
    from tests.ops.test_alert_inbox import carrier, silent_parcels

    carrier("ZTO", "中通快递"), carrier("SF", "顺丰速运")
    silent_parcels("ZTO", 120)
    silent_parcels("SF", 2, start=500)
    orders, _held = busy_orders
    for order in orders[:3]:
        Alert.objects.create(key=f"sla:{order.pk}", kind="sla", team="warehouse",
                             title=f"{order.hub_no}: 仓库拣货超时", order=order,
                             data={"status": "packing"})
    user = make_user("customer_service")

    # when customer service opens the inbox
    sign_in(page, live_server, user, "/admin/alerts/alert/")
    expect(page.locator("#result_list")).to_be_visible()
    shot(page, "alert-inbox")

    # then it fits, and shows their two groups with counts, in words
    assert_fits(page)
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("中通快递")
    expect(page.locator("#result_list")).not_to_contain_text("shipment_stale")

    # when they open the ZTO group
    page.locator("#result_list tr", has_text="中通快递").locator("a.oh-expand").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(100)
    shot(page, "alert-inbox-group")
    assert_fits(page)
