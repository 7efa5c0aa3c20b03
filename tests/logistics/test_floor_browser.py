"""The scan station in a real browser (Debian's chromium), in Chinese at 1440 × 900, keyboard
only: a paid order with a gift is picked, packed with its gift scanned, labelled with a typed
tracking number and handed over; a wrong item is refused in red. The pick list is looked at
as printed (A4).

``BROWSER_SCREENSHOTS=/some/dir`` keeps a screenshot of each step."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from logistics.models import FulfilmentDecision
from logistics.shipments.services import shipment_label_print
from logistics.warehouse.models import PickLocation
from orders.models import GiftOrder, Product
from orders.state_machine import Status
from tests.browser import CHINESE_SCREEN, browser_type_launch_args, shot, sign_in  # noqa: F401
from tests.factories import GiftOrderFactory, OrderFactory, OrderLineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CHINESE_SCREEN}


@pytest.fixture
def paid_with_gift(a_warehouse, the_carriers):
    """A paid order of two T-shirts and a mug, allocated to the test warehouse, with a gift;
    the carrier table (flushed with the migration's data in a transactional test)."""
    Product.objects.create(sku="TEE-WHITE-L", name="纯棉短袖T恤 白色 L", barcode="6901234567892")
    Product.objects.create(sku="GIFT-MUG", name="品牌马克杯", barcode="6909876543210")
    due = timezone.now() - dt.timedelta(minutes=40)
    order = OrderFactory(status=Status.PAID, paid_at=timezone.now(), state_due_at=due)
    OrderLineFactory(order=order, sku="TEE-WHITE-L", title="纯棉短袖T恤 白色 L", quantity=2)
    OrderLineFactory(order=order, sku="MUG-BLUE", title="陶瓷马克杯 蓝色", quantity=1)
    GiftOrderFactory(parent=order, sku="GIFT-MUG", title="品牌马克杯（赠品）")
    FulfilmentDecision.objects.create(order=order, outcome="allocated", warehouse=a_warehouse)
    PickLocation.objects.create(warehouse=a_warehouse, sku="TEE-WHITE-L", location="A-03-2")
    PickLocation.objects.create(warehouse=a_warehouse, sku="MUG-BLUE", location="B-11-1")
    return order


def scan(page, code: str) -> None:
    """What a handheld scanner does: types the code into the focused field and presses Enter."""
    page.keyboard.type(code)
    press(page, "Enter")


def press(page, key: str) -> None:
    """A key that sends the station's form: wait for the answer page (post, then redirect)."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_the_scan_station_from_paid_to_handed_over_by_keyboard(page, live_server, make_user,
                                                               paid_with_gift):
    order = paid_with_gift
    user = make_user("warehouse")
    station = reverse("admin:logistics_scan_station")
    sign_in(page, live_server, user, next_url=station)
    expect(page.locator("#scan-input")).to_be_focused()
    expect(page.locator("h1")).to_contain_text("扫描台")
    shot(page, "station-1-ready")
    # the order, by its channel number
    scan(page, order.channel_order_no)
    expect(page.locator("#scan-result")).to_contain_text("请逐件扫描商品")
    expect(page.locator("#station-items")).to_contain_text("A-03-2")
    expect(page.locator("#scan-input")).to_be_focused()
    # a wrong item: refused in red, nothing counted
    scan(page, "SOCK-BLACK-M")
    expect(page.locator("#scan-result.error")).to_contain_text("商品错误")
    expect(page.locator("#scan-station")).to_have_attribute("data-state", "error")
    expect(page.locator("#station-items")).to_contain_text("0 / 2")
    expect(page.locator("#scan-input")).to_be_focused()
    shot(page, "station-2-wrong-item")
    # the items: the T-shirts by barcode, the mug by SKU
    scan(page, "6901234567892")
    expect(page.locator("#station-items")).to_contain_text("1 / 2")
    scan(page, "6901234567892")
    scan(page, "MUG-BLUE")
    expect(page.locator("#scan-result.ok")).to_contain_text("开始打包")
    expect(page.locator(".oh-steps li.current")).to_contain_text("赠品")
    shot(page, "station-3-gift-step")
    # the gift, by its barcode
    scan(page, "6909876543210")
    expect(page.locator("#scan-result.ok")).to_contain_text("赠品 GIFT-MUG 已扫描")
    # the carrier, then the typed tracking number (a typo first)
    scan(page, "SF")
    expect(page.locator("#station-carrier")).to_contain_text("顺丰速运")
    scan(page, "SF12345")
    expect(page.locator("#scan-result.error")).to_be_visible()
    scan(page, "SF1234567890123")
    expect(page.locator("#scan-result.ok")).to_contain_text("SF1234567890123")
    expect(page.locator(".oh-steps li.current")).to_contain_text("交接")
    shot(page, "station-4-labelled")
    # hand over: Enter on the empty field
    press(page, "Enter")
    expect(page.locator("#scan-result.ok")).to_contain_text("已交接快递员")
    expect(page.locator(".oh-steps li.current")).to_contain_text("扫描订单")
    shot(page, "station-5-handed-over")
    # no sideways scroll at 1440 × 900
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    order.refresh_from_db()
    assert order.status == Status.IN_TRANSIT
    assert (order.carrier, order.tracking_no) == ("SF", "SF1234567890123")
    assert order.gift_orders.get().status == GiftOrder.GiftStatus.SCANNED
    users = {row.history_user_id for row in order.history.all()[:4]}
    assert users == {user.pk}


def test_esc_leaves_the_order_and_the_queue_and_pick_list_read_well(page, live_server,
                                                                    make_user, paid_with_gift):
    order = paid_with_gift
    user = make_user("warehouse")
    queue = reverse("admin:logistics_pickingqueueentry_changelist")
    sign_in(page, live_server, user, next_url=queue)
    # the queue at 1440 × 900: goods with their locations, overdue in words, no sideways scroll
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("TEE-WHITE-L × 2 @ A-03-2")
    expect(row).to_contain_text("已超时")
    expect(row.locator(".oh-mark-gift")).to_be_visible()
    expect(row.locator(".oh-mark-held")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    shot(page, "queue")
    # make a wave of it: the pick list opens
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "make_wave")
    page.locator("button[name=index]").click()
    expect(page.locator("#pick-list")).to_contain_text("A-03-2")
    expect(page.locator("#pick-list")).to_contain_text("赠品")
    shot(page, "pick-list-screen")
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    shot(page, "pick-list-print")
    # printed as the page asks: one A4 sheet (595 × 842 points), the page's own size
    pdf = page.pdf(prefer_css_page_size=True)
    sheets = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert len(sheets) == 1
    assert [round(float(size)) for size in sheets[0]] == [595, 842]
    page.emulate_media(media="screen")
    # at the station: the order is on the table; Esc leaves it where it is
    page.goto(f"{live_server.url}{reverse('admin:logistics_scan_station')}")
    scan(page, order.hub_no)
    expect(page.locator("#station-order")).to_contain_text(order.hub_no)
    press(page, "Escape")
    expect(page.locator("#scan-result.ok")).to_contain_text("保持原状")
    expect(page.locator("#station-order")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == Status.PICKING  # left where it was


def test_a_couriers_parcels_are_handed_over_from_the_batch_page(page, live_server, make_user,
                                                                paid_with_gift):
    numbers = ["SF1234567890001", "SF1234567890002"]
    orders = []
    for number in numbers:
        order = OrderFactory(status=Status.PACKING)
        shipment_label_print(orders=[order], carrier_code="SF", tracking_no=number, actor=None)
        orders.append(order)
    sign_in(page, live_server, make_user("warehouse"),
            next_url=reverse("admin:logistics_handover"))
    expect(page.locator("#handover-carrier")).to_contain_text("顺丰速运 (SF) · 2 单待揽收")
    # the courier's manifest, scanned: one number per line, plus one the hub does not know
    page.locator("#handover-manifest").click()
    for number in [*numbers, "SF9999999999999"]:
        page.keyboard.type(number)
        page.keyboard.press("Enter")
    page.locator("#handover-form [type=submit]").click()
    results = page.locator("#handover-results")
    expect(results).to_contain_text("已交接")
    expect(results).to_contain_text("没有包裹使用此单号")
    expect(page.locator(".messagelist")).to_contain_text("已交接 2 个订单；1 项未交接")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    shot(page, "handover-results")
    for order in orders:
        order.refresh_from_db()
        assert order.status == Status.IN_TRANSIT
