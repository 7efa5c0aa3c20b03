"""A real browser (Debian's chromium) opens the buyer's tracking page on a phone screen
(390 × 844, Chinese): the whole page fits the width, the progress and the parcels read, the
carrier's phone is a link to call; a changed link shows the plain 404 page."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from logistics.shipments.buyer_page import tracking_page_path
from logistics.shipments.models import (
    Carrier,
    Shipment,
    ShipmentEvent,
    ShipmentOrder,
    ShipmentStatus,
    Trust,
)
from tests.browser import browser_type_launch_args, shot  # noqa: F401 - launches chromium
from tests.factories import OrderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("the_carriers")]
PHONE = {"width": 390, "height": 844}
Kind = ShipmentEvent.Kind


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def parcel(order, carrier_code, number, status, lines):
    """A parcel of ``order`` with its trace ``lines`` (hours ago, kind, location, words)."""
    now = timezone.now()
    shipment = Shipment.objects.create(
        carrier=Carrier.objects.get(code=carrier_code), tracking_no=number, status=status,
        trust=Trust.COURIER, source=Shipment.Source.LABEL,
        created_at=now - dt.timedelta(hours=lines[0][0]),
        last_event_at=now - dt.timedelta(hours=lines[-1][0]),
        picked_up_at=now - dt.timedelta(hours=lines[1][0]) if len(lines) > 1 else None)
    ShipmentOrder.objects.create(shipment=shipment, order=order)
    for index, (hours, kind, place, words) in enumerate(lines):
        ShipmentEvent.objects.create(
            shipment=shipment, at=now - dt.timedelta(hours=hours), kind=kind, location=place,
            description=words, source="sf", fingerprint=f"{number}-{index}")
    return shipment


def test_the_buyer_reads_the_tracking_page_on_a_phone(live_server, page):
    # given an order in two parcels: one out for delivery, one stuck for three days
    order = OrderFactory(
        receiver_name="张伟", receiver_phone="13812341234", receiver_province="浙江省",
        receiver_city="杭州市", receiver_district="西湖区",
        receiver_address="文三路 478 号华星时代广场 A 座 1203 室",
        paid_at=timezone.now() - dt.timedelta(hours=100))
    parcel(order, "SF", "SF1234567890123", ShipmentStatus.OUT_FOR_DELIVERY, [
        (26, Kind.LABEL, "", "顺丰速运 SF1234567890123"),
        (24, Kind.COLLECTED, "广东省深圳市", "【深圳市】顺丰速运 已收取快件"),
        (14, Kind.IN_TRANSIT, "广东省深圳市", "快件到达 【深圳华南陆运枢纽】"),
        (6, Kind.IN_TRANSIT, "浙江省杭州市", "快件到达 【杭州转运中心】"),
        (4, Kind.IN_TRANSIT, "浙江省杭州市", "快件已发往 【杭州西湖营业点】"),
        (3, Kind.IN_TRANSIT, "浙江省杭州市", "快件到达 【杭州西湖营业点】"),
        (1, Kind.OUT_FOR_DELIVERY, "浙江省杭州市",
         "快件交给王师傅，正在派送途中（联系电话：13900001111），收件人张伟"),
    ])
    parcel(order, "ZTO", "781234567890123", ShipmentStatus.IN_TRANSIT, [
        (90, Kind.LABEL, "", "中通快递 781234567890123"),
        (88, Kind.COLLECTED, "广东省东莞市", "【东莞市】中通快递 已揽收"),
        (80, Kind.IN_TRANSIT, "广东省东莞市", "快件已到达 【东莞中心】"),
    ])
    page.set_default_timeout(15_000)

    # when the buyer opens the link on the phone
    page.goto(f"{live_server.url}{tracking_page_path(order)}")

    # then the page is in Chinese and fits the phone's width (no sideways scrolling)
    expect(page.locator("h1")).to_have_text("物流追踪")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == PHONE["width"]
    # the progress: out for delivery is the step reached, signing still ahead
    progress = page.locator("#progress li")
    expect(progress).to_have_count(6)
    expect(page.locator("#progress li.current")).to_contain_text("派送中")
    expect(page.locator('#progress li[data-step="signed"]')).not_to_have_class("reached")
    # each parcel with its carrier and a phone to tap; the stuck one says so
    sf = page.locator('.parcel[data-tracking="SF1234567890123"]')
    expect(sf.locator("h2")).to_contain_text("顺丰速运")
    expect(sf.locator('a[href="tel:95338"]')).to_be_visible()
    box = sf.locator("a.tel").bounding_box()
    assert box["height"] >= 32 and box["x"] + box["width"] <= PHONE["width"]
    zto = page.locator('.parcel[data-tracking="781234567890123"]')
    expect(zto.locator(".note")).to_contain_text("可能滞留")
    # the newest five lines shown, the rest folded away
    expect(sf.locator("ul.trace").first.locator("li")).to_have_count(5)
    expect(sf.locator("details summary")).to_have_text("更早的 2 条动态")
    # the receiver masked, in the trace too
    body = page.locator("body").inner_text()
    assert "张*" in body and "138****1234" in body and "文三路**" in body
    assert "张伟" not in body and "13812341234" not in body and "1203" not in body
    shot(page, "tracking-page-phone")

    # and a changed link shows the plain page, not an error
    answer = page.goto(f"{live_server.url}{tracking_page_path(order)[:-3]}x/")
    assert answer.status == 404
    expect(page.locator("#not-found h1")).to_have_text("物流链接无效")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    shot(page, "tracking-page-404")
