"""Platform after-sales payloads in: each documented format, envelopes and bare objects,
idempotency, never backwards, signed pushes, and cases that come before their order."""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from aftersales.models import Case, CaseDelivery
from channels.models import ChannelEndpoint, RefusedDelivery
from orderhub.core.signing import hub_signature
from orderhub.core.texts import render
from orders.models import Channel, Order
from tests.aftersales import payloads as p

pytestmark = pytest.mark.django_db
SECRET = "after-sales-secret-of-the-test"


@pytest.fixture
def integrator(token_client):
    return token_client("integrator")


def post(client, code, body: bytes):
    return client.post(f"/api/channels/{code}/aftersales/", data=body,
                       content_type="application/json")


@pytest.mark.parametrize("code,body,expected", [
    ("tmall", lambda: p.top_refund_get(p.top_refund()),
     ("2188455637712345", "3957214470011234", "refund_only", "requested", "199.00",
      "no_longer_wanted")),
    ("taobao", lambda: p.top_refunds_receive(p.top_refund(has_good_return=True,
                                                          desc="衣服起球严重，质量太差")),
     ("2188455637712345", "3957214470011234", "return", "requested", "199.00", "quality")),
    ("taobao", lambda: p.top_refund(refund_fee="20.00", desc="少发了一双袜子"),
     ("2188455637712345", "3957214470011234", "partial_refund", "requested", "20.00",
      "missing_item")),
    ("pdd", lambda: p.pdd_information(),
     ("5480012345", "260128-093355512345678", "return", "requested", "59.80", "quality")),
    ("pdd", lambda: p.pdd_increment(p.pdd_increment_item()),
     ("5480012399", "260128-093355599999999", "refund_only", "requested", "29.90",
      "missing_item")),
    ("douyin", lambda: p.douyin_detail(),
     ("7001234567890123456", "6918231234567890123", "return", "requested", "129.00",
      "damaged")),
    ("jd", lambda: p.jd_view(),
     ("1600012345", "300123456789", "exchange", "requested", "0.00", "wrong_item")),
])
def test_each_platform_format_makes_its_case(code, body, expected, integrator):
    answer = post(integrator, code, p.dumps(body()))
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["created"], answer.json()["cases"][0]["result"]) == (1, "created")
    case = Case.objects.get()
    assert (case.channel_case_no, case.channel_order_no, case.kind, case.status,
            str(case.amount), case.reason_category) == expected
    assert case.deciding_words  # the words that decided it are on the case
    assert case.order is None  # the order has not reached the hub yet
    # stored raw first
    delivery = CaseDelivery.objects.get()
    assert bytes(delivery.body) == p.dumps(body()) and delivery.status == "processed"


def test_units_and_deadlines_are_the_platforms_own(integrator):
    post(integrator, "douyin", p.dumps(p.douyin_detail()))
    case = Case.objects.get()
    assert case.requested_at == dt.datetime.fromtimestamp(1769580000, tz=dt.timezone.utc)
    assert case.due_at == dt.datetime.fromtimestamp(1769752800, tz=dt.timezone.utc)
    assert case.buyer_words == "收到的时候杯子碎了，外包装压坏了"
    post(integrator, "tmall", p.dumps(p.top_refund_get(p.top_refund())))
    top = Case.objects.get(channel__code="tmall")
    assert top.due_at.isoformat() == "2026-01-30T02:15:02+00:00"  # 10:15:02 Beijing


def test_the_same_body_twice_gets_the_same_answer_and_changes_nothing(integrator):
    body = p.dumps(p.pdd_increment(p.pdd_increment_item(), p.pdd_increment_item(
        id="5480012400", order_sn="260128-0933555000001")))
    first = post(integrator, "pdd", body).json()
    second = post(integrator, "pdd", body).json()
    assert first == second and first["created"] == 2
    assert Case.objects.count() == 2
    assert CaseDelivery.objects.count() == 2  # both deliveries kept


def test_a_later_report_moves_the_case_and_an_older_one_never_back(integrator):
    post(integrator, "tmall", p.dumps(p.top_refund(has_good_return=True)))
    moved = post(integrator, "tmall", p.dumps(p.top_refund(
        has_good_return=True, status="WAIT_SELLER_CONFIRM_GOODS", company_name="顺丰速运",
        sid="SF1400012345678"))).json()
    assert moved["cases"][0]["result"] == "updated"
    late = post(integrator, "tmall", p.dumps(p.top_refund(
        has_good_return=True, status="WAIT_BUYER_RETURN_GOODS"))).json()
    assert late["cases"][0]["result"] == "unchanged"
    case = Case.objects.get()
    assert (case.status, case.channel_status, case.return_carrier, case.return_tracking_no) == (
        "returned", "WAIT_SELLER_CONFIRM_GOODS", "顺丰速运", "SF1400012345678")
    assert case.history.count() == 2


@pytest.mark.parametrize("code,body,problem", [
    ("tmall", p.top_refund(refund_fee="12.345"), "refund_fee"),
    ("tmall", p.top_refund(status="WHATEVER"), "unknown Taobao refund status 'WHATEVER'"),
    ("pdd", p.pdd_increment(p.pdd_increment_item(after_sales_type=9)),
     "unknown Pinduoduo after-sales type '9'"),
    ("douyin", {"code": 40004, "msg": "invalid token"}, "40004"),
    ("jd", {"jingdong_asc_query_view_responce": {"result": {"success": False,
                                                             "errorMsg": "no auth"}}},
     "no auth"),
    ("jd", {"hello": "world"}, "neither a case nor a documented envelope"),
])
def test_bad_input_is_a_400_that_writes_no_case(code, body, problem, integrator):
    answer = post(integrator, code, p.dumps(body))
    assert answer.status_code == 400
    assert problem in answer.json()["detail"]
    assert Case.objects.count() == 0
    assert CaseDelivery.objects.get().status == "failed"  # kept with its error


def test_a_batch_is_all_or_nothing(integrator):
    body = p.dumps(p.top_refunds_receive(p.top_refund(), p.top_refund(refund_id="2",
                                                                      created="yesterday")))
    assert post(integrator, "taobao", body).status_code == 400
    assert Case.objects.count() == 0


def test_a_channel_without_an_after_sales_api_is_refused(integrator):
    answer = post(integrator, "shopify", b"{}")
    assert answer.status_code == 400 and "customer service" in answer.json()["detail"]


def test_signed_push_is_accepted_and_a_bad_signature_changes_nothing():
    channel = Channel.objects.get(code="pdd")
    ChannelEndpoint.objects.update_or_create(channel=channel, defaults={"webhook_secret": SECRET})
    body = p.dumps(p.pdd_information())
    stamp = str(int(time.time()))
    client = APIClient()
    refused = client.post("/api/channels/pdd/aftersales/", data=body,
                          content_type="application/json", HTTP_X_HUB_TIMESTAMP=stamp,
                          HTTP_X_HUB_SIGNATURE="0" * 64)
    assert refused.status_code == 401
    assert Case.objects.count() == 0 and RefusedDelivery.objects.count() == 1
    signed = client.post("/api/channels/pdd/aftersales/", data=body,
                         content_type="application/json", HTTP_X_HUB_TIMESTAMP=stamp,
                         HTTP_X_HUB_SIGNATURE=hub_signature(secret=SECRET, timestamp=stamp,
                                                            body=body))
    assert signed.status_code == 200, signed.json()
    assert Case.objects.get().history.latest().history_user.username == "system"


def test_unsigned_and_without_a_token_is_a_401():
    answer = APIClient().post("/api/channels/pdd/aftersales/", data=b"{}",
                              content_type="application/json")
    assert answer.status_code == 401 and Case.objects.count() == 0


def test_a_role_without_add_order_is_refused(token_client):
    answer = post(token_client("warehouse"), "pdd", p.dumps(p.pdd_information()))
    assert answer.status_code == 403 and Case.objects.count() == 0


def test_a_case_before_its_order_is_linked_when_the_order_arrives(integrator, order_in,
                                                                  django_capture_on_commit_callbacks):
    post(integrator, "jd", p.dumps(p.jd_view()))
    case = Case.objects.get()
    assert case.order is None
    with django_capture_on_commit_callbacks(execute=True):
        from orders.services import LineInput, OrderInput, order_create
        order = order_create(channel=Channel.objects.get(code="jd"), data=OrderInput(
            channel_order_no="300123456789", status="delivered", lines=[LineInput(
                title="运动鞋 黑色 42", quantity=1, unit_price=Decimal("289.00"),
                channel_sku="100012345678", sku="SHOE-42")]), actor=None, reason="test")
    case.refresh_from_db()
    assert case.order == order
    assert case.lines.get().order_line.sku == "SHOE-42"
    assert render(case.history.latest().history_change_reason) == f"order {order.hub_no} arrived"


def test_new_orders_are_linked_to_waiting_cases_in_two_queries_and_only_on_their_channel(
        integrator, order_in):
    from aftersales.services import cases_link_orders
    post(integrator, "jd", p.dumps(p.jd_view()))  # waits for JD order 300123456789
    case = Case.objects.get()
    elsewhere = order_in("delivered", channel="pdd", channel_order_no="300123456789")
    others = [order_in("paid", channel="jd", channel_order_no=f"3009{i:08d}") for i in range(30)]
    with CaptureQueriesContext(connection) as queries:
        assert cases_link_orders(order_ids=[elsewhere.pk] + [o.pk for o in others]) == 0
    assert [q["sql"].split()[0] for q in queries.captured_queries
            if "SAVEPOINT" not in q["sql"]] == ["SELECT", "SELECT"]
    case.refresh_from_db()
    assert case.order is None  # the same number on another channel is another order
    order = order_in("delivered", channel="jd", channel_order_no="300123456789")
    assert cases_link_orders(order_ids=[o.pk for o in others] + [order.pk]) == 1
    case.refresh_from_db()
    assert case.order == order and case.currency == order.currency


def test_a_known_order_is_linked_at_once(integrator, order_in):
    order = order_in("delivered", channel="douyin", channel_order_no="6918231234567890123")
    answer = post(integrator, "douyin", p.dumps(p.douyin_detail())).json()
    assert answer["cases"][0]["hub_no"] == order.hub_no
    assert Case.objects.get().currency == order.currency


def test_a_refund_the_platform_made_reaches_the_order_and_finance(integrator, order_in):
    order = order_in("paid", channel="tmall", channel_order_no="3957214470011234")
    post(integrator, "tmall", p.dumps(p.top_refund()))
    assert Order.objects.get(pk=order.pk).on_hold  # refund asked before shipping: held
    post(integrator, "tmall", p.dumps(p.top_refund(status="SUCCESS")))
    assert Order.objects.get(pk=order.pk).status == "refunded"
    from orderhub.events.models import Event
    assert Event.objects.filter(kind="aftersales.refund_approved").count() == 1
