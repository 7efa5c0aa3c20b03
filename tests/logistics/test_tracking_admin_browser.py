"""A real browser (chromium, Chinese, 1440 × 900): the order page shows the label form and the
buyer's tracking link with its QR code; the warehouse prints the label from it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from logistics.shipments.buyer_page import tracking_page_path
from orders.state_machine import Status
from tests.browser import (  # noqa: F401 - the fixture that launches chromium
    CHINESE_SCREEN,
    browser_type_launch_args,
    shot,
    sign_in,
)
from tests.factories import OrderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("the_carriers")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CHINESE_SCREEN}


def test_the_warehouse_labels_the_order_and_sees_its_qr_code(live_server, page, make_user):
    # given a packed order and a warehouse user
    order = OrderFactory(status=Status.PACKING, receiver_name="张伟")
    user = make_user("warehouse")
    change = f"/admin/orders/order/{order.pk}/change/"
    # when they open the order page
    sign_in(page, live_server, user, next_url=change)
    expect(page.locator("#label-form")).to_be_visible()
    expect(page.locator("#tracking-page svg")).to_be_visible()
    expect(page.locator("#tracking-page a").first).to_have_attribute(
        "href", f"{live_server.url}{tracking_page_path(order)}")
    # and print the label with a scanned number
    page.select_option("#label-form select[name=carrier]", "SF")
    page.fill("#label-form input[name=tracking_no]", "SF1234567890123")
    page.locator("#label-form button").click()
    # then the order waits for the courier and the parcel is listed (the form stays: a split
    # order's further parcel is labelled the same way)
    expect(page.locator(".messagelist .success")).to_contain_text("面单已打印")
    expect(page.locator("#order-shipments")).to_contain_text("SF1234567890123")
    qr = page.locator("#tracking-page svg").bounding_box()
    assert qr["width"] >= 80
    page.locator("#tracking-page").scroll_into_view_if_needed()
    shot(page, "order-page-tracking-qr")
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PICKUP
