"""The write-back of the cross-border stores: Amazon's confirmShipment (LWA token, SigV4),
Shopee's v2.logistics.ship_order and Lazada's /order/rts, end to end from the hand-over to the
fake platform, their signatures refused with the wrong secret, and the alert before the
platform's own deadline (LatestShipDate, ship_by_date)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from channels.adapters import ADAPTERS
from channels.outbound import outbound_for
from channels.outbound.amazon import package_reference
from channels.outbound.base import ApiAccess, Reason, ShipConfirmation, Verdict
from channels.outbound.http import http_send
from channels.writeback.deadlines import writeback_deadlines_check
from channels.writeback.models import WriteBack
from orderhub.alerts.models import Alert
from tests.channels.fake_platforms import FakePlatform
from tests.channels.test_outbound import ORDER_NO, access_for
from tests.channels.writeback_kit import awaiting_pickup, connect, hand_over

pytestmark = pytest.mark.django_db
CROSS_BORDER = ["amazon", "shopee", "lazada"]
WB = WriteBack.WriteBackStatus


@pytest.fixture(autouse=True)
def quick(settings):
    settings.ORDERHUB_WRITEBACK_TIMEOUT_SECONDS = 0.5


def connected(code: str, fake: FakePlatform):
    access = access_for(fake)
    return connect(code, fake, platform_settings=dict(access.settings),
                   signing_secret=access.signing_secret)


@pytest.mark.parametrize("code", CROSS_BORDER)
def test_a_handed_over_parcel_is_confirmed_to_the_platform(code, platform,
                                                           django_capture_on_commit_callbacks):
    # given an order of the store waiting for the courier, the store connected to its platform
    fake = platform(code)
    connected(code, fake)
    order = awaiting_pickup(code, channel_order_no=ORDER_NO[code])

    # when the courier collects the parcel
    hand_over(order, django_capture_on_commit_callbacks)

    # then the platform checked the signed request and shipped the order, once
    assert fake.problems == []
    writeback = WriteBack.objects.get(order=order)
    assert writeback.status == WB.CONFIRMED
    assert fake.shipped[ORDER_NO[code]] == 1


@pytest.mark.parametrize("code", CROSS_BORDER)
def test_a_request_signed_with_the_wrong_secret_is_refused(code):
    with FakePlatform(code) as fake:
        access = access_for(fake, app_secret="not-the-secret")
        if code == "amazon":  # the LWA secret is checked at the token; SigV4 with its own key
            access = access_for(fake, signing_secret="not-the-aws-secret")
        outcome = outbound_for(code).confirm(
            ShipConfirmation(ORDER_NO[code], "SF", "SF1"), access=access, send=http_send,
            now=timezone.now())
    assert fake.problems == ["sign"] and fake.shipments == []
    assert (outcome.verdict, outcome.reason) == (Verdict.RETRY, Reason.CREDENTIALS)


def test_amazon_without_a_marketplace_sends_nothing():
    with FakePlatform("amazon") as fake:
        outcome = outbound_for("amazon").confirm(
            ShipConfirmation(ORDER_NO["amazon"], "SF", "SF1"),
            access=ApiAccess(base_url=fake.base_url, app_key="k", app_secret="s",
                             access_token="t"), send=http_send, now=timezone.now())
    assert (outcome.verdict, outcome.reason) == (Verdict.RETRY, Reason.CREDENTIALS)
    assert fake.raw == []


def test_amazon_package_reference_is_a_positive_number_stable_per_tracking_number():
    first = package_reference("1Z999AA10123456784")
    assert first == package_reference("1Z999AA10123456784") and first.isdigit()
    assert int(first) > 0 and first != package_reference("1Z999AA10123456785")


def test_an_amazon_write_back_failing_before_latest_ship_date_alerts(
        platform, django_capture_on_commit_callbacks):
    # given Amazon keeps failing, and the order's LatestShipDate is 50 minutes away
    fake = platform("amazon").next(*["server_error"] * 10)
    connected("amazon", fake)
    order = awaiting_pickup("amazon", channel_order_no=ORDER_NO["amazon"],
                            ship_by=timezone.now() + dt.timedelta(minutes=50))
    hand_over(order, django_capture_on_commit_callbacks)
    assert WriteBack.objects.get(order=order).status == WB.PENDING

    # when the sweep looks at the deadlines
    assert writeback_deadlines_check() == 1

    # then operations are alerted about that order
    alert = Alert.objects.get(kind="writeback_deadline")
    assert alert.order_id == order.pk


@pytest.mark.parametrize(("platform", "status", "shipped"), [
    ("amazon", "Shipped", True), ("amazon", "Unshipped", False),
    ("amazon", "PartiallyShipped", False),
    ("shopee", "SHIPPED", True), ("shopee", "READY_TO_SHIP", False),
    ("lazada", "shipped", True), ("lazada", "delivered,shipped", True),
    ("lazada", "pending,shipped", False), ("lazada", "canceled,shipped", True),
])
def test_the_channels_own_status_says_whether_it_knows_the_shipment(platform, status,
                                                                     shipped):
    assert ADAPTERS[platform].channel_reports_shipped(status) is shipped
