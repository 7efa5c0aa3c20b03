"""A real browser (Debian's chromium through Playwright), in Chinese at 1440 × 900: each role's
home page is its workbench, and the header's search box finds orders.

``WORKBENCH_SCREENSHOTS=/some/dir`` keeps a screenshot of each page looked at."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orderhub.alerts.services import alert_raise
from orders.models import Hold
from orders.state_machine import Status
from tests.factories import GiftOrderFactory, OrderFactory
from tests.browser import PASSWORD, browser_type_launch_args, shot, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("a_warehouse")]

@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1440, "height": 900}}


@pytest.fixture
def floor(db):
    now = timezone.now()
    late = now - dt.timedelta(hours=3)
    orders = [OrderFactory(status=Status.PAID, ship_by=late, state_due_at=late)]
    orders += [OrderFactory(status=Status.PAID) for _ in range(2)]
    orders += [OrderFactory(status=Status.PICKING, state_due_at=late)]
    packing = OrderFactory(status=Status.PACKING)
    GiftOrderFactory(parent=packing)
    OrderFactory(status=Status.RISK_REVIEW)
    held = OrderFactory(status=Status.PAID, hold_reason="买家来电要求暂缓发货")
    Hold.objects.create(order=orders[3], source=Hold.Source.OUT_OF_STOCK, key="out_of_stock",
                        reason="缺货：SKU-00001")
    alert_raise(key="b-1", kind="sla", title="订单拣货超时", team="warehouse", notify=False,
                order=orders[3])
    alert_raise(key="b-2", kind="hold", title="订单被拦截，请联系买家", team="customer_service",
                notify=False, order=held)
    return {"packing": packing, "held": held}


# role: (tiles expected with their counts, words on the page)
HOMES = {
    "customer_service": ({"orders.held": "2", "orders.past_ship_by": "1"}, "订单被拦截，请联系买家"),
    "warehouse": ({"logistics.board": "6", "orders.to_pick": "4", "orders.to_pack": "1", "orders.to_label": "1",
                   "orders.gifts_to_scan": "1", "orders.warehouse_overdue": "2"}, "订单拣货超时"),
    "operations": ({"orders.to_review": "1", "orders.overdue": "2",
                    "channels.writebacks_failed": "0"}, "异常中心"),
    "finance": ({"finance.red": "0", "finance.yellow": "0", "finance.no_money": "0"},
                "待处理的红色对账行"),
    "manager": ({"orders.to_pick": "4", "orders.to_review": "1", "finance.red": "0"},
                "订单拣货超时"),
}


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_home_page_is_its_workbench(live_server, page, make_user, floor, role):
    tiles, words = HOMES[role]
    # given a user of the role; when they sign in
    sign_in(page, live_server, make_user(role))
    # then the home page is their workbench, in Chinese, with their counts
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator("#workbench")).to_contain_text(words)
    for key, count in tiles.items():
        expect(page.locator(f'[data-tile="{key}"] .oh-wb-count')).to_have_text(count)
    # and nothing is wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    shot(page, f"home-{role}")
    # and the first tile opens the list it counted
    first = page.locator('.oh-wb-tile:not([data-tile="logistics.board"])').first
    expected = first.get_attribute("data-count")
    first.locator("a").click()
    if expected != "0":
        expect(page.locator("#result_list tbody tr")).to_have_count(int(expected))


def test_warehouse_follows_the_gift_tile_to_the_order(live_server, page, make_user, floor):
    sign_in(page, live_server, make_user("warehouse"))
    page.locator('[data-tile="orders.gifts_to_scan"] a').click()
    page.get_by_role("link", name=floor["packing"].hub_no, exact=True).click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.PACKING)


def test_search_box_finds_one_order_or_lists_several(live_server, page, make_user, floor):
    # given two orders of one receiver, whose phone ends 1234, and a customer service user
    first = OrderFactory(status=Status.PAID, receiver_name="陈静", receiver_phone="13712341234",
                         tracking_no="YT8800012345678")
    OrderFactory(status=Status.IN_TRANSIT, receiver_name="陈静", receiver_phone="13712341234")
    sign_in(page, live_server, make_user("customer_service"))
    # when they type the phone with spaces into the header's box on the home page
    page.fill("#header-search-q", "137 1234 1234")
    page.keyboard.press("Enter")
    # then both orders are listed
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    shot(page, "search-several")
    # when they search a tracking number from the list page: the order opens
    page.fill("#header-search-q", "yt8800012345678")
    page.keyboard.press("Enter")
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.PAID)
    expect(page.locator("h1, #content h2").first).to_be_visible()
    assert first.hub_no in page.content()
    # and the last four digits with the name find them again, from the order page
    page.fill("#header-search-q", "1234 陈静")
    page.keyboard.press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)


def test_order_first_screen_answers_customer_service(live_server, page, make_user, floor):
    # given a packing order whose gift waits for its scan
    sign_in(page, live_server, make_user("customer_service"),
            next_url=f"/admin/orders/order/{floor['packing'].pk}/change/")
    # then the first screen (900 px) says so, shows the gifts, and the timeline starts on it
    blocker = page.locator('[data-blocker="gift_scan"]')
    expect(blocker).to_contain_text("等待赠品扫描")
    for selector in ('[data-blocker="gift_scan"]', "#order-gifts", "#order-delivery-slot",
                     "#order-timeline"):
        top = page.locator(selector).bounding_box()["y"]
        assert top < 900, (selector, top)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    shot(page, "order-first-screen")


def test_the_warehouse_board_refreshes_without_a_page_reload(live_server, page, make_user,
                                                             floor):
    # given the board open, asking for its table every 2 seconds
    sign_in(page, live_server, make_user("warehouse"), next_url="/admin/logistics/pickingqueueentry/board/%3Frefresh%3D2")
    paid = page.locator('[data-warehouse=""] [data-step="paid"]')
    expect(paid).to_have_attribute("data-total", "4")
    shot(page, "warehouse-board")
    page.evaluate("window.stillTheSamePage = true")
    # when two more orders are paid
    OrderFactory(status=Status.PAID)
    OrderFactory(status=Status.PAID)
    # then the board shows them, and the page was not reloaded
    expect(paid).to_have_attribute("data-total", "6", timeout=10_000)
    assert page.evaluate("window.stillTheSamePage") is True
