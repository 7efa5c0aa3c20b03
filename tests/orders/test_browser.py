"""A real browser (Debian's chromium through Playwright) drives the order back office."""
from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.state_machine import Status
from tests.browser import PASSWORD, browser_type_launch_args  # noqa: F401 (fixture)
from tests.factories import OrderFactory, OrderLineFactory
from orderhub.core.texts import render

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("a_warehouse")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Asia/Shanghai"}


def test_warehouse_starts_picking_a_paid_order(live_server, page, make_user):
    # given a paid order and a warehouse user
    order = OrderFactory(status=Status.PAID, paid_at=timezone.now())
    OrderLineFactory(order=order)
    user = make_user("warehouse")
    page.set_default_timeout(15_000)

    # when the user signs in, opens the order from the list and starts picking with a reason
    page.goto(f"{live_server.url}/admin/login/?next=/admin/orders/order/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.get_by_role("link", name=order.hub_no, exact=True).click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.PAID)
    expect(page.get_by_role("button", name="Refund")).to_have_count(0)
    page.fill("#transition-reason", "wave 3, aisle B")
    page.get_by_role("button", name="Start picking").click()

    # then the page reports success and shows the new status and the reason in the history
    expect(page.locator(".messagelist .success")).to_contain_text("Start picking done")
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.PICKING)
    expect(page.locator("#order-timeline")).to_contain_text("wave 3, aisle B")
    # and the database agrees, with who, from where and why
    order.refresh_from_db()
    assert order.status == Status.PICKING
    latest = order.history.order_by("-history_id").first()
    assert latest.status == Status.PICKING
    assert latest.history_user_id == user.pk
    assert render(latest.history_change_reason) == "wave 3, aisle B"
    assert latest.ip_address == "127.0.0.1"
