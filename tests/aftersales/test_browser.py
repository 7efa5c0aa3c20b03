"""What customer service sees, in a real browser, in Chinese at 1440 × 900: the customer's page
with their after-sales cases on every channel, and the order page with its return-risk score."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.risk import return_risks_compute
from aftersales.services import case_open
from orders.models import Channel
from orders.state_machine import Status
from tests.browser import CHINESE_SCREEN, browser_type_launch_args, shot, sign_in  # noqa: F401
from tests.factories import ChannelFactory, CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CHINESE_SCREEN}


def order_of(customer, channel: str, *, status: str = Status.DELIVERED, days_ago: int = 0):
    at = timezone.now() - dt.timedelta(days=days_ago)
    # (a transactional test before this one may have flushed the channels migrations made)
    shop = Channel.objects.filter(code=channel).first() or ChannelFactory(code=channel)
    order = OrderFactory(status=status, customer=customer, channel=shop, paid_at=at,
                         placed_at=at, paid_amount=Decimal("259.00"))
    OrderLineFactory(order=order, sku="DRESS-RED-M", title="碎花连衣裙 红色 M", quantity=1,
                     unit_price=Decimal("259.00"), amount=Decimal("259.00"))
    return order


def test_customer_service_sees_the_customers_cases_and_the_orders_risk(live_server, page,
                                                                         make_user):
    # given a customer with orders on JD and Taobao, each sent back, and a new paid order
    customer = CustomerFactory(name="林晓雯")
    jd, taobao = order_of(customer, "jd", days_ago=20), order_of(customer, "taobao", days_ago=9)
    cases = [case_open(order=jd, kind="return", actor=None, buyer_words="尺码偏小，穿不上"),
             case_open(order=taobao, kind="refund_only", actor=None, buyer_words="颜色和图片不符")]
    new = order_of(customer, "taobao", status=Status.PAID)
    return_risks_compute(order_ids=[new.pk])
    user = make_user("customer_service")

    # when customer service opens the customer's page
    sign_in(page, live_server, user, next_url=f"/admin/orders/customer/{customer.pk}/change/")
    card = page.locator(".oh-card", has_text="售后")
    # then both cases are listed with their channel, order, kind and status, in Chinese
    for case, order in zip(cases, (jd, taobao)):
        row = card.locator("tr", has_text=case.case_no)
        expect(row).to_contain_text(order.hub_no)
        expect(row).to_contain_text(order.channel.name)
    expect(card).to_contain_text("退货退款")
    shot(page, "aftersales-customer-cases")

    # when they open the new order, its return-risk score and reasons are shown
    page.goto(f"{live_server.url}/admin/orders/order/{new.pk}/change/")
    risk = page.locator(".oh-card", has_text="退货风险")
    expect(risk).to_contain_text("/ 100")
    expect(risk).to_contain_text("该客户 2 单中有 2 次售后")
    risk.scroll_into_view_if_needed()
    shot(page, "aftersales-order-risk")
