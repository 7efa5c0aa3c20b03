"""The order page's first screen says what the order waits for, in words (orders/blockers.py),
and shows the timeline before the order's fields."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from orders.blockers import blocker_text, order_blockers
from orders.models import GiftOrder, Hold
from orders.state_machine import Status
from tests.factories import GiftOrderFactory, OrderFactory

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 1, 28, 15, 0))


def said(order, lang="en") -> list[str]:
    holds = list(Hold.objects.filter(order=order, released_at__isnull=True).order_by("id"))
    gifts = list(order.gift_orders.order_by("id"))
    with override(lang):
        return [blocker_text(b) for b in order_blockers(order=order, holds=holds, gifts=gifts,
                                                         now=NOW)]


def test_a_packing_order_waits_for_its_gift_scan():
    order = OrderFactory(status=Status.PACKING)
    GiftOrderFactory(parent=order)
    assert said(order) == ["Waiting for the gift scan: 品牌马克杯（赠品） (GIFT-MUG)"]
    assert said(order, "zh-hans") == ["等待赠品扫描：品牌马克杯（赠品） (GIFT-MUG)"]
    # once scanned, the label can be printed
    GiftOrder.objects.filter(parent=order).update(status=GiftOrder.GiftStatus.SCANNED)
    assert said(order) == ["Being packed: the label can be printed"]


def test_holds_in_words_with_their_reasons_and_the_skus_short():
    order = OrderFactory(status=Status.PICKING)
    Hold.objects.create(order=order, source=Hold.Source.ADDRESS_CHANGE, key="address",
                        reason="买家改地址到上海")
    Hold.objects.create(order=order, source=Hold.Source.OUT_OF_STOCK, key="out_of_stock",
                        reason="SKU A-1 (needs 2, 0 available)", params={"shortages": [
                            {"sku": "A-1", "needed": 2, "available": 0}]})
    assert said(order) == [
        "Held: Address changed after picking — 买家改地址到上海",
        "Out of stock: SKU A-1 (needs 2, 0 available)",
        "Being picked in the warehouse",
    ]
    assert said(order, "zh-hans")[1] == "缺货：SKU A-1（需要 2，可用 0）"


def test_waiting_for_the_courier_and_late():
    order = OrderFactory(status=Status.AWAITING_PICKUP, carrier="SF", tracking_no="SF1400012345678",
                         state_due_at=NOW - dt.timedelta(minutes=95))
    assert said(order) == [
        "This step is overdue: it was due at 2026-01-28 13:25, 1 hour ago",
        "Waiting for the courier's collection (SF SF1400012345678)",
    ]


@pytest.mark.parametrize("status, words", [
    (Status.PENDING_PAYMENT, "Waiting for the buyer's payment"),
    (Status.PAID, "Waiting for the warehouse to start picking"),
    (Status.RISK_REVIEW, "Waiting for operations' risk review"),
    (Status.IN_TRANSIT, "On its way with the courier"),
    (Status.SETTLED, "Done: nothing waits"),
    (Status.CANCELLED, "Cancelled"),
])
def test_each_state_says_what_it_waits_for(status, words):
    assert said(OrderFactory(status=status)) == [words]


def test_the_first_screen_comes_before_the_details(client, make_user):
    order = OrderFactory(status=Status.PACKING, tracking_no="")
    GiftOrderFactory(parent=order)
    client.force_login(make_user("customer_service"))
    html = client.get(reverse("admin:orders_order_change", args=[order.pk]),
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-blocker="gift_scan"' in html and "等待赠品扫描" in html
    # blockers, the delivery slot, gifts, then the timeline, and only then the fields
    positions = [html.index(marker) for marker in (
        'id="order-blockers"', 'id="order-delivery-slot"', 'id="order-gifts"',
        'id="order-timeline"', "<fieldset")]
    assert positions == sorted(positions)


def test_a_summary_panel_fills_the_delivery_slot(client, make_user):
    from orders.admin import OrderAdmin

    def expected_delivery(request, order):
        return "<p id='eta'>预计 1 月 30 日送达</p>"

    expected_delivery.placement = "summary"
    OrderAdmin.page_panels.append(expected_delivery)
    try:
        order = OrderFactory(status=Status.IN_TRANSIT)
        client.force_login(make_user("customer_service"))
        html = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    finally:
        OrderAdmin.page_panels.remove(expected_delivery)
    slot = html[html.index('id="order-delivery-slot"'):html.index('id="order-timeline"')]
    assert "预计 1 月 30 日送达" in slot
