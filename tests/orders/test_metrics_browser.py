"""A real browser (Debian's chromium) opens the management health page in Chinese at
1440 × 900: the figures with their definitions on the first screen, the charts drawn, a
filter applied, and the orders behind a number one click away."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders import services
from orders.metrics.services import order_flows_refresh, order_flows_route
from tests.factories import ChannelFactory, OrderFactory
from tests.browser import (  # noqa: F401 - the fixture that launches chromium
    PASSWORD,
    browser_type_launch_args,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("a_warehouse")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1440, "height": 900}}


def test_a_manager_reads_the_health_page_in_chinese(live_server, page, make_user):
    # given an order paid three days ago and handed over today (late), on its own channel
    channel = ChannelFactory(code="shopq", name="旗舰店")
    late = OrderFactory(channel=channel)
    services.order_pay(order=late, actor=None, paid_at=timezone.now() - dt.timedelta(days=3))
    for name in ("start_picking", "start_packing", "print_label", "hand_over"):
        services.order_transition(order=late, name=name, actor=None)
    order_flows_route(warehouses={late.pk: 3}, names={3: "杭州仓"})
    order_flows_refresh(order_ids=[late.pk])
    manager = make_user("manager")
    page.set_default_timeout(15_000)

    # when the manager signs in and opens the page
    page.goto(f"{live_server.url}/admin/login/?next=/admin/orders/metriccount/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()

    # then the figures, in Chinese, with their definitions, fill the first screen
    expect(page.locator("h1")).to_contain_text("管理健康看板")
    on_time = page.locator('[data-figure="on_time_ship_rate"]')
    expect(on_time).to_contain_text("准时发货率")
    expect(on_time).to_contain_text("0.00%")
    expect(on_time).to_contain_text("承诺发货时间")
    box = on_time.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900
    expect(page.locator('[data-figure="order_health_index"]')).to_contain_text("订单健康指数")
    expect(page.locator("#mh-charts svg.pygal-chart")).to_have_count(4)

    # when the manager picks the channel and the warehouse
    page.select_option("#mh-channel", "shopq")
    page.select_option("#mh-warehouse", "3")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#mh-channel")).to_have_value("shopq")

    # then the on-time rate's orders are one click away, and lead to the order
    on_time.get_by_role("link", name="查看订单").click()
    expect(page.locator("#mh-orders")).to_contain_text(late.hub_no)
    page.get_by_role("link", name=late.hub_no).click()
    expect(page).to_have_url(f"{live_server.url}/admin/orders/order/{late.pk}/change/")
