"""The outbound adapters against local fake platforms: each sends its documented request (the
fake checks path, parameters and signature independently), reads success, the platform's own
error answers, 5xx and timeouts, and says whether a retry can help."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from channels.adapters import ADAPTERS
from channels.outbound import OUTBOUND, outbound_for
from channels.outbound.base import ApiAccess, Reason, ShipConfirmation, Verdict, judge_words
from channels.outbound.carriers import HUB_CARRIERS, carrier_code
from channels.outbound.http import http_send
from orders.models import Channel
from tests.channels.fake_platforms import APP_KEY, SECRET, TOKEN, FakePlatform

PLATFORMS = ["taobao", "tmall", "jd", "pdd", "douyin", "shopify", "amazon", "shopee", "lazada"]
ORDER_NO = {"taobao": "3688123456789012345", "tmall": "3688123456789012346",
            "jd": "298765432101", "pdd": "250128-123456789012345", "douyin": "6943123456789012345",
            "shopify": "5987654321098", "amazon": "114-3941689-8772232",
            "shopee": "260128ABCD1X2Y", "lazada": "473208811150713"}
# The platform's code for SF Express in each table (Shopee's logistics channel names the
# carrier itself: ship_order sends only the tracking number).
SF_CODE = {"taobao": "SF", "tmall": "SF", "jd": "467", "pdd": "44", "douyin": "shunfeng",
           "shopify": "SF Express", "amazon": "SF Express", "shopee": "", "lazada": "SF Express"}
# Carriers outside the table: Shopify and Amazon ("Other" + carrierName) take any name, Shopee
# names none.
ANY_CARRIER = {"shopify", "amazon", "shopee"}


def access_for(fake: FakePlatform, **kwargs) -> ApiAccess:
    """The channel's API access pointing at the fake, with each platform's extra settings."""
    settings, signing = {}, ""
    if fake.platform == "amazon":
        dialect = fake.dialect
        settings = {"marketplace_id": dialect.marketplace, "aws_region": dialect.region,
                    "aws_access_key_id": dialect.aws_key_id,
                    "lwa_token_url": f"{fake.base_url}/auth/o2/token"}
        signing = dialect.aws_secret
    elif fake.platform == "shopee":
        settings = {"shop_id": fake.dialect.shop_id}
    return ApiAccess(**{"base_url": fake.base_url, "app_key": APP_KEY, "app_secret": SECRET,
                        "access_token": TOKEN, "settings": settings, "signing_secret": signing,
                        **kwargs})


def confirm(fake: FakePlatform, *, carrier: str = "SF", tracking_no: str = "SF1234567890123",
            timeout: float = 2.0, codes: dict | None = None):
    access = access_for(fake, carrier_codes=codes or {})
    shipment = ShipConfirmation(ORDER_NO[fake.platform], carrier, tracking_no)
    return outbound_for(fake.platform).confirm(
        shipment, access=access, send=lambda request: http_send(request, timeout=timeout),
        now=timezone.now())


@pytest.fixture(params=PLATFORMS)
def fake(request):
    with FakePlatform(request.param) as platform:
        yield platform


def test_every_platform_has_an_outbound_adapter_naming_its_documentation():
    assert set(OUTBOUND) == set(Channel.Platform.values)
    for platform, adapter in OUTBOUND.items():
        assert adapter.documentation or not adapter.needs_confirmation, platform
    assert not OUTBOUND["miniprogram"].needs_confirmation
    assert not OUTBOUND["pos"].needs_confirmation


def test_a_confirmation_is_sent_as_documented_and_accepted(fake):
    # when the hub confirms SF Express and a tracking number
    outcome = confirm(fake)

    # then the platform checked the request (signature included) and shipped the order
    assert fake.problems == []
    assert outcome.verdict == Verdict.CONFIRMED and outcome.reason == ""
    [shipment] = fake.shipments
    assert (shipment.order_no, shipment.carrier, shipment.tracking_no) == (
        ORDER_NO[fake.platform], SF_CODE[fake.platform], "SF1234567890123")
    # (Amazon's confirmShipment answers 204 No Content: nothing to keep)
    assert (outcome.http_status, bool(outcome.excerpt)) in ((200, True), (204, False))


def test_an_already_shipped_order_is_told_apart(fake):
    # given the platform shipped the order already
    fake.shipped[ORDER_NO[fake.platform]] += 1

    outcome = confirm(fake)

    assert outcome.verdict == Verdict.ALREADY_SHIPPED
    assert outcome.reason == Reason.ALREADY_SHIPPED
    assert fake.problems == []


@pytest.mark.parametrize("platform", ["taobao", "jd", "pdd", "douyin"])
def test_a_refused_carrier_code_is_not_worth_retrying(platform):
    with FakePlatform(platform) as fake:
        fake.next("refuse_carrier")
        outcome = confirm(fake)
    assert outcome.verdict == Verdict.REFUSED
    assert outcome.reason == Reason.CARRIER_REFUSED
    assert outcome.platform_message  # the platform's own words are kept


def test_tops_error_response_keeps_its_sub_code_and_words():
    with FakePlatform("taobao") as fake:
        fake.next("refuse_carrier")
        outcome = confirm(fake)
    assert outcome.platform_code == "isv.logistics-offline-service-error:B27"
    assert outcome.platform_message == "物流公司不支持"
    assert '"error_response"' in outcome.excerpt


def test_a_carrier_without_a_platform_code_sends_nothing(fake):
    # J&T has no JD logistics id in the table; Shopify takes any name
    outcome = confirm(fake, carrier="安能物流")

    if fake.platform in ANY_CARRIER:
        assert outcome.verdict == Verdict.CONFIRMED
        assert fake.shipments[0].carrier == ("" if fake.platform == "shopee" else "安能物流")
    else:
        assert (outcome.verdict, outcome.reason) == (Verdict.REFUSED, Reason.UNKNOWN_CARRIER)
        assert fake.requests == []


def test_the_channels_own_carrier_codes_win_over_the_table():
    with FakePlatform("jd") as fake:
        outcome = confirm(fake, carrier="JTEXPRESS", codes={"JTEXPRESS": "3003"})
    assert outcome.verdict == Verdict.CONFIRMED
    assert fake.shipments[0].carrier == "3003"


def test_a_server_error_is_retried(fake):
    fake.next("server_error")
    outcome = confirm(fake)
    assert (outcome.verdict, outcome.reason) == (Verdict.RETRY, Reason.SERVER_ERROR)
    assert outcome.http_status == 502 and "502" in outcome.excerpt


def test_no_answer_in_time_is_retried(fake):
    fake.delay = 1.0
    fake.next("slow")
    outcome = confirm(fake, timeout=0.2)
    assert (outcome.verdict, outcome.reason) == (Verdict.RETRY, Reason.TIMEOUT)
    assert outcome.http_status is None and "0.2 s" in outcome.detail


def test_the_platforms_own_busy_answer_is_retried(fake):
    fake.next("busy")
    outcome = confirm(fake)
    assert outcome.verdict == Verdict.RETRY
    assert outcome.reason in (Reason.PLATFORM_BUSY, Reason.RATE_LIMITED)


def test_refused_credentials_are_retried_and_no_secret_is_kept(fake):
    # given the platform refuses the token, quoting it back (TOP does echo a session)
    fake.next("credentials")
    outcome = confirm(fake)

    assert (outcome.verdict, outcome.reason) == (Verdict.RETRY, Reason.CREDENTIALS)
    kept = " ".join([outcome.excerpt, outcome.platform_message, outcome.detail])
    assert TOKEN not in kept and SECRET not in kept


def test_a_platform_that_cannot_be_reached_is_retried():
    with FakePlatform("pdd") as fake:
        url = fake.base_url
    access = ApiAccess(base_url=url, app_key=APP_KEY, app_secret=SECRET, access_token=TOKEN)
    outcome = outbound_for("pdd").confirm(
        ShipConfirmation("1", "SF", "SF1"), access=access,
        send=lambda request: http_send(request, timeout=1), now=timezone.now())
    assert (outcome.verdict, outcome.reason) == (Verdict.RETRY, Reason.UNREACHABLE)


def test_a_request_signed_with_the_wrong_secret_is_refused_by_the_fake():
    # the fakes really check signatures: the same request with another secret fails
    with FakePlatform("taobao") as fake:
        access = ApiAccess(base_url=fake.base_url, app_key=APP_KEY, app_secret="other-secret",
                           access_token=TOKEN)
        outcome = outbound_for("taobao").confirm(
            ShipConfirmation("1", "SF", "SF1"), access=access, send=http_send,
            now=timezone.now())
    assert fake.problems == ["sign"]
    assert (outcome.verdict, outcome.reason) == (Verdict.RETRY, Reason.CREDENTIALS)


def test_the_douyin_request_carries_the_system_parameters_in_the_query_only():
    with FakePlatform("douyin") as fake:
        confirm(fake)
    [(path, body)] = fake.raw
    assert path.startswith("/order/logisticsAdd?") and "access_token=" in path
    assert b"access_token" not in body and body.startswith(b'{"company_code":"shunfeng"')


def test_the_timestamp_is_beijing_time():
    with FakePlatform("taobao") as fake:
        access = ApiAccess(base_url=fake.base_url, app_key=APP_KEY, app_secret=SECRET,
                           access_token=TOKEN)
        request = outbound_for("taobao").request(
            ShipConfirmation("1", "SF", "SF1"), access=access, carrier_code="SF",
            now=dt.datetime(2026, 1, 28, 2, 30, tzinfo=dt.UTC))
    assert b"timestamp=2026-01-28+10%3A30%3A00" in request.body


# --- carriers and words ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, code", [
    ("shunfeng", "SF"), ("顺丰速运", "SF"), (" SF ", "SF"), ("zhongtong", "ZTO"),
    ("圆通速递", "YTO"), ("YD", "YUNDA"), ("京东物流", "JD"), ("ems", "EMS"),
    ("极兔速递", "JTEXPRESS"), ("huitongkuaidi", "BEST"), ("德邦快递", "DEPPON"),
    ("ups", "UPS"), ("安能物流", "安能物流"),
])
def test_carrier_names_become_hub_codes(text, code):
    assert carrier_code(text) == code


def test_every_platform_table_is_keyed_by_hub_carrier_codes():
    for adapter in OUTBOUND.values():
        assert set(adapter.CARRIER_CODES) <= set(HUB_CARRIERS), adapter.platform


@pytest.mark.parametrize("words, reason", [
    ("订单已发货，不能重复发货", Reason.ALREADY_SHIPPED),
    ("物流公司不存在", Reason.CARRIER_REFUSED),
    ("订单已取消", Reason.ORDER_NOT_SHIPPABLE),
    ("签名错误", Reason.CREDENTIALS),
    ("调用过于频繁", Reason.RATE_LIMITED),
    ("运单号格式不正确", Reason.INVALID_REQUEST),
    ("something else", Reason.PLATFORM_REFUSED),
])
def test_a_platforms_words_say_what_a_retry_can_do(words, reason):
    outcome = judge_words(words)
    assert outcome.reason == reason
    retried = reason in (Reason.CREDENTIALS, Reason.RATE_LIMITED)
    assert (outcome.verdict == Verdict.RETRY) == retried


# --- the inbound side: does the channel know the shipment already? --------------------------------
@pytest.mark.parametrize("platform, status, shipped", [
    ("taobao", "WAIT_BUYER_CONFIRM_GOODS", True), ("taobao", "WAIT_SELLER_SEND_GOODS", False),
    ("jd", "WAIT_GOODS_RECEIVE_CONFIRM", True), ("jd", "WAIT_SELLER_STOCK_OUT", False),
    ("pdd", "order_status=2 refund_status=1", True),
    ("pdd", "order_status=1 refund_status=1", False),
    ("douyin", "3", True), ("douyin", "2", False),
    ("shopify", "paid/fulfilled", True), ("shopify", "paid/unfulfilled", False),
    ("taobao", "", False),
])
def test_the_channels_own_status_says_whether_it_knows_the_shipment(platform, status, shipped):
    assert ADAPTERS[platform].channel_reports_shipped(status) is shipped
