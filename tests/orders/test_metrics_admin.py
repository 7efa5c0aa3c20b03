"""The management health page: Chinese, definitions, charts drawn offline, filters, the
orders behind each number, roles."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from orders import services
from orders.metrics.services import order_flows_refresh, order_flows_route
from tests.factories import ChannelFactory, OrderFactory

pytestmark = pytest.mark.django_db
PAGE = "/admin/orders/metriccount/"


@pytest.fixture
def zh_client(make_user):
    def login(role):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(make_user(role))
        return client
    return login


@pytest.fixture
def late_order(fresh_rules, make_user):
    """One order paid three days ago and handed over today: late; another paid and never
    shipped (ship-by passed): due, late, not handed over."""
    channel = ChannelFactory(code="shopz", name="测试店")
    wh = make_user("warehouse")
    late, waiting = OrderFactory(channel=channel), OrderFactory(channel=channel)
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    for order in (late, waiting):
        services.order_pay(order=order, actor=None, paid_at=three_days_ago)
    for name in ("start_picking", "start_packing", "print_label", "hand_over"):
        services.order_transition(order=late, name=name, actor=wh)
    order_flows_route(warehouses={late.pk: 5, waiting.pk: 5}, names={5: "杭州仓"})
    order_flows_refresh(order_ids=[late.pk, waiting.pk])
    return late, waiting


def test_a_manager_reads_the_page_in_chinese_with_definitions_and_offline_charts(
        zh_client, late_order):
    response = zh_client("manager").get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "管理健康" in html and "准时发货率" in html and "订单健康指数" in html
    assert "承诺发货时间" in html  # the on-time definition, in Chinese
    assert html.count("class=\"pygal-chart\"") == 4
    # Nothing is loaded from elsewhere: no script and no stylesheet with an address.
    assert not re.search(r"<script[^>]+src=\"(https?:)?//", html)
    assert "kozea.github.io" not in html
    # numerator and denominator of the on-time rate: 0 of 2 due (ship-by a day ago)
    card = html[html.index('data-figure="on_time_ship_rate"'):]
    assert re.search(r"0\s*÷\s*\S+\s*2", card[:600])


def test_filters_and_the_orders_behind_a_number(zh_client, late_order):
    late, waiting = late_order
    client = zh_client("operations")
    html = client.get(PAGE, {"channel": "shopz", "warehouse": 5}).content.decode()
    link = re.search(r'href="(/admin/orders/metriccount/orders/\?[^"]*figure=late[^"]*)"', html)
    assert link, "the on-time rate links to its late orders"
    drill = client.get(link.group(1).replace("&amp;", "&"))
    assert drill.status_code == 200
    body = drill.content.decode()
    assert late.hub_no in body and waiting.hub_no in body
    assert f"/admin/orders/order/{late.pk}/change/" in body
    elsewhere = client.get(PAGE, {"warehouse": 6}).content.decode()
    assert 'data-figure="on_time_ship_rate"' in elsewhere
    assert client.get("/admin/orders/metriccount/orders/", {"figure": "nosuch"}).status_code == 400
    assert client.get(PAGE, {"since": "not-a-day"}).status_code == 200  # the form says why


@pytest.mark.parametrize("role", ["customer_service", "warehouse", "finance"])
def test_other_roles_cannot_open_it(zh_client, role):
    client = zh_client(role)
    assert client.get(PAGE).status_code == 403
    assert client.get("/admin/orders/metriccount/orders/", {"figure": "late"}).status_code == 403
