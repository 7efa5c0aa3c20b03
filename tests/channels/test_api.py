"""POST /api/channels/<code>/orders/: ways in, signatures, stored deliveries, idempotency,
order of deliveries and channel statuses (DESIGN.md section 4)."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from channels.models import Delivery, RefusedDelivery
from orderhub.core.signing import hub_signature
from orders import holds, services
from orders.models import Order, OrderTag
from orders.state_machine import Status
from tests.channels import payloads as p
from tests.conftest import requires_postgres
from tests.factories import open_reasons
from orderhub.core.texts import is_encoded, render

pytestmark = pytest.mark.django_db
HUB_NO = re.compile(r"^[A-Z]+\d{8}\d{5}$")


def only_order(code: str) -> Order:
    return Order.objects.select_related("channel").get(channel__code=code)


# --- ways in -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "body", "prefix", "paid"), [
    ("tmall", lambda: p.dumps(p.top_fullinfo_response()), "TM", "388.00"),
    ("taobao", lambda: p.dumps(p.top_sold_response(p.top_trade())), "TB", "388.00"),
    ("jd", lambda: p.dumps(p.jd_search_response(p.jd_order())), "JD", "289.00"),
    ("pdd", lambda: p.dumps(p.pdd_response(p.pdd_order())), "PDD", "59.80"),
    ("douyin", lambda: p.dumps(p.douyin_detail_response(p.douyin_order())), "DY", "129.00"),
    ("shopify", lambda: p.shopify_order().encode(), "SH", "405.50"),
    ("miniprogram", lambda: p.dumps(p.miniprogram_order()), "MP", "120.00"),
])
def test_batch_api_creates_the_order_with_hub_number_history_and_stored_delivery(
    code, body, prefix, paid, channel, post, products
):
    # given the channel's documented payload, posted by an integrator with a token
    channel(code)
    raw = body()
    # when it is posted
    response = post(code, raw)
    # then the answer names the hub number and says created
    assert response.status_code == 200, response.json()
    [answer] = response.json()["orders"]
    assert answer["result"] == "created"
    assert HUB_NO.match(answer["hub_no"]) and answer["hub_no"].startswith(prefix)
    order = only_order(code)
    assert order.hub_no == answer["hub_no"]
    assert order.paid_amount == Decimal(paid)
    assert order.lines.count() >= 1
    # and the order's history names the integrator and the delivery
    created = order.history.get()
    assert created.history_user.username == "erp"
    assert "delivery #" in render(created.history_change_reason)
    # and the delivery is kept verbatim with its outcome
    delivery = Delivery.objects.get()
    assert delivery.body_bytes == raw
    assert delivery.status == Delivery.Status.PROCESSED
    assert delivery.headers["Authorization"] == "[redacted]"
    assert response["X-Hub-Delivery"] == str(delivery.pk)


def test_pos_spreadsheet_posted_as_csv(channel, post, products):
    channel("pos")
    body = p.pos_csv("S1,店A,2026-01-28 13:00:00,completed,M1,13900139000,POS-BAG,帆布包,2,59.00,")
    response = post("pos", body, content_type="text/csv")
    assert response.status_code == 200, response.json()
    order = only_order("pos")
    assert order.status == Status.DELIVERED
    assert order.lines.get().product == products["POS-BAG"]


def test_the_same_payload_twice_gets_the_same_answer_and_duplicates_nothing(channel, post):
    # given a delivered order
    channel("jd")
    body = p.dumps(p.jd_search_response(p.jd_order()))
    first = post("jd", body)
    history = Order.history.count()
    # when exactly the same body arrives again
    second = post("jd", body)
    # then the answer is the same, and nothing was written but the stored delivery
    assert second.status_code == 200
    assert second.json() == first.json()
    assert Order.objects.count() == 1
    assert Order.history.count() == history
    again = Delivery.objects.order_by("-pk").first()
    assert again.replay_of_id == int(first["X-Hub-Delivery"])


def test_a_redelivery_in_another_envelope_updates_the_same_order(channel, post):
    channel("tmall")
    created = post("tmall", p.dumps(p.top_fullinfo_response())).json()["orders"][0]
    updated = post("tmall", p.dumps(p.top_sold_response(p.top_trade()))).json()["orders"][0]
    assert (updated["hub_no"], updated["result"]) == (created["hub_no"], "updated")
    assert Order.objects.count() == 1


# --- signatures --------------------------------------------------------------------------------
def test_a_signed_push_is_accepted_without_a_token(channel, signed_post):
    channel("jd")
    response = signed_post("jd", p.dumps(p.jd_order()))
    assert response.status_code == 200, response.json()
    order = only_order("jd")
    assert order.history.get().history_user.username == "system"
    assert Delivery.objects.get().source == "webhook"


def test_shopify_hmac_is_accepted(channel, signed_post):
    channel("shopify")
    response = signed_post("shopify", p.shopify_order().encode())
    assert response.status_code == 200, response.json()
    assert only_order("shopify").channel_order_no == p.SHOPIFY_ORDER_ID


@pytest.mark.parametrize("case", ["wrong secret", "stale timestamp", "shopify wrong secret"])
def test_a_refused_signature_changes_nothing_but_the_refusal_record(case, channel, signed_post):
    code = "shopify" if case.startswith("shopify") else "jd"
    channel(code)
    body = p.shopify_order().encode() if code == "shopify" else p.dumps(p.jd_order())
    # when the push is signed with the wrong secret, or more than 300 s ago
    if case == "stale timestamp":
        response = signed_post(code, body, timestamp=int(time.time()) - 301)
    else:
        response = signed_post(code, body, secret="not-the-channel-secret")
    # then it is refused with a message, and only a refused-delivery record is written
    assert response.status_code == 401
    assert response.json()["code"] == "signature_refused"
    # (301 s or a little more: a loaded machine may take a second between signing and checking)
    skew = re.search(r"is (\d+) s off", response.json()["detail"])
    assert (skew is not None and 301 <= int(skew.group(1)) <= 305) == (case == "stale timestamp")
    refusal = RefusedDelivery.objects.get()
    assert refusal.channel_code == code and refusal.body_size == len(body)
    assert not Delivery.objects.exists()
    assert not Order.objects.exists()


def test_a_tampered_body_is_refused(channel):
    channel("jd")
    stamp = str(int(time.time()))
    signature = hub_signature(secret="test-secret-made-by-the-test", timestamp=stamp,
                              body=p.dumps(p.jd_order()))
    response = APIClient().post("/api/channels/jd/orders/", data=p.dumps(p.jd_order(
        orderPayment="0.01")), content_type="application/json", HTTP_X_HUB_TIMESTAMP=stamp,
        HTTP_X_HUB_SIGNATURE=signature)
    assert response.status_code == 401
    assert not Order.objects.exists()


def test_unsigned_anonymous_and_unprivileged_posts_are_refused(channel, make_user):
    channel("jd")
    anonymous = APIClient().post("/api/channels/jd/orders/", data=p.dumps(p.jd_order()),
                                 content_type="application/json")
    assert anonymous.status_code == 401
    warehouse = APIClient()
    warehouse.force_authenticate(make_user("warehouse"))
    refused = warehouse.post("/api/channels/jd/orders/", data=p.dumps(p.jd_order()),
                             content_type="application/json")
    assert refused.status_code == 403
    assert "orders.add_order" in refused.json()["detail"]
    assert not Delivery.objects.exists() and not Order.objects.exists()


def test_an_unknown_channel_is_404_with_the_channel_codes(post):
    response = post("ebay", b"{}")
    assert response.status_code == 404
    assert "taobao" in response.json()["detail"]


# --- malformed payloads ----------------------------------------------------------------------
def test_malformed_json_is_400_and_the_delivery_is_kept_as_failed(channel, post):
    channel("jd")
    response = post("jd", b'{"orderId": "1", ')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Malformed JSON")
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error.startswith("Malformed JSON")
    assert delivery.body_bytes == b'{"orderId": "1", '


def test_a_body_that_is_not_text_is_kept_byte_for_byte(channel, post):
    """Any byte (NUL, invalid UTF-8) is stored as it came: on PostgreSQL the body is sent as a
    binary parameter (orderhub.core.bulk.binary_write), not as a literal in the SQL."""
    channel("jd")
    raw = b"\x00\xff\xfe{\"orderId\": \"1\"}" + bytes(range(256)) * 4000
    response = post("jd", raw)
    assert response.status_code == 400
    delivery = Delivery.objects.get()
    assert delivery.body_bytes == raw
    assert delivery.body_sha256 == hashlib.sha256(raw).hexdigest()


@requires_postgres("column compression")
def test_stored_bodies_compress_with_lz4_where_the_server_offers_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                       "WHERE name = 'default_toast_compression'")
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL was built without LZ4")
        cursor.execute("SELECT attname, attcompression FROM pg_attribute "
                       "WHERE attrelid = 'channels_delivery'::regclass "
                       "AND attname IN ('body', 'result') ORDER BY attname")
        assert cursor.fetchall() == [("body", "l"), ("result", "l")]


def test_a_batch_with_an_unreadable_order_imports_nothing_and_lists_every_problem(channel,
                                                                                   post):
    channel("jd")
    good = p.jd_order(orderId="1")
    no_payment = p.jd_order(orderId="2")
    del no_payment["orderPayment"]
    bad_quantity = p.jd_order(orderId="3")
    bad_quantity["itemInfoList"][0]["itemTotal"] = "zero"
    response = post("jd", p.dumps(p.jd_search_response(good, no_payment, bad_quantity)))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "malformed_payload"
    assert "2 of 3 orders could not be read, nothing was imported" in body["detail"]
    assert [(e["index"], e["channel_order_no"]) for e in body["errors"]] == [(1, "2"), (2, "3")]
    assert body["errors"][0]["problems"] == ["orderInfo.orderPayment: missing"]
    assert "itemTotal" in body["errors"][1]["problems"][0]
    assert not Order.objects.exists()
    assert Delivery.objects.get().status == Delivery.Status.FAILED


def test_a_body_that_is_not_orders_is_400(channel, post):
    channel("douyin")
    response = post("douyin", b'{"code": 10000, "data": {}}')
    assert response.status_code == 400
    assert "No douyin order found" in response.json()["detail"]


# --- order of deliveries and channel statuses -----------------------------------------------------
def test_an_older_delivery_after_a_newer_one_changes_nothing(channel, post):
    channel("taobao")
    shipped = p.top_trade(status="WAIT_BUYER_CONFIRM_GOODS", modified="2026-01-28 18:00:00",
                          receiver_address="新地址 1 号")
    paid = p.top_trade(status="WAIT_SELLER_SEND_GOODS", modified="2026-01-28 09:16:41")
    post("taobao", p.dumps(shipped))
    history = Order.history.count()
    # when the older "paid" delivery arrives late
    answer = post("taobao", p.dumps(paid)).json()["orders"][0]
    # then the order stays shipped with the newer address, and nothing was recorded
    order = only_order("taobao")
    assert order.status == Status.IN_TRANSIT
    assert order.receiver_address == "新地址 1 号"
    assert (answer["result"], answer["changed"]) == ("updated", False)
    assert "older" in answer["note"]
    assert Order.history.count() == history


def test_a_paid_push_for_an_order_already_picking_changes_nothing(channel, post):
    channel("jd")
    post("jd", p.dumps(p.jd_order()))
    order = only_order("jd")
    services.order_start_picking(order=order, actor=None, reason="warehouse")
    history = order.history.count()
    # when JD pushes the same paid state again, later
    answer = post("jd", p.dumps(p.jd_order(modified="2026-01-28 12:00:00"))).json()["orders"][0]
    order.refresh_from_db()
    assert order.status == Status.PICKING
    assert not order.on_hold
    assert order.history.count() == history
    assert answer["changed"] is False


def test_a_status_ahead_walks_forward_through_each_legal_move(channel, post):
    channel("jd")
    post("jd", p.dumps(p.jd_order()))
    post("jd", p.dumps(p.jd_order(orderState="WAIT_GOODS_RECEIVE_CONFIRM", waybill="JDV1",
                                  logisticsId="jd", modified="2026-01-28 15:00:00")))
    order = only_order("jd")
    assert order.status == Status.IN_TRANSIT
    assert order.tracking_no == "JDV1"
    steps = list(order.history.order_by("history_id").values_list("status", flat=True))
    assert steps[-4:] == [Status.PICKING, Status.PACKING, Status.AWAITING_PICKUP,
                          Status.IN_TRANSIT]
    last = order.history.order_by("-history_id").first()
    assert last.history_user.username == "system"
    assert "WAIT_GOODS_RECEIVE_CONFIRM" in last.history_change_reason


def test_a_channel_cancel_before_the_warehouse_cancels(channel, post):
    channel("jd")
    post("jd", p.dumps(p.jd_order()))
    post("jd", p.dumps(p.jd_order(orderState="TRADE_CANCELED", modified="2026-01-28 11:00:00")))
    assert only_order("jd").status == Status.CANCELLED


def test_a_channel_cancel_in_the_warehouse_holds_the_order_with_the_reason(channel, post):
    channel("jd")
    post("jd", p.dumps(p.jd_order()))
    order = only_order("jd")
    services.order_start_picking(order=order, actor=None, reason="warehouse")
    answer = post("jd", p.dumps(p.jd_order(orderState="TRADE_CANCELED",
                                           modified="2026-01-28 11:00:00"))).json()["orders"][0]
    order.refresh_from_db()
    assert order.status == Status.PICKING
    assert order.on_hold
    [hold] = order.holds.all()
    assert (hold.source, hold.key) == ("channel", "channel:cancel")
    assert "cancelled the order after the warehouse took it" in render(hold.reason)
    assert answer["changed"] is True
    # the hold's reason and the answer's note are codes, each reader reads them in their language
    assert is_encoded(hold.reason) and "§" not in answer["note"]
    assert Delivery.objects.latest("pk").result["orders"][0]["note"].startswith(
        "§orders.channel.on_hold")
    with translation.override("zh-hans"):
        assert "仓库接单后平台取消了订单" in render(hold.reason)


def test_the_history_of_a_channels_change_names_the_fields_in_the_readers_language(channel,
                                                                                    post):
    # given an order, when the channel sends it again with another buyer note
    channel("jd")
    post("jd", p.dumps(p.jd_order()))
    post("jd", p.dumps(p.jd_order(orderRemark="请尽快发货", modified="2026-01-28 11:00:00")))
    # then its history row names the delivery and the changed field, as a code
    reason = only_order("jd").history.order_by("-history_id").first().history_change_reason
    assert reason.startswith("§orders.history.channel_fields")
    with translation.override("en"):
        assert render(reason).endswith(": buyer note")
    with translation.override("zh-hans"):
        assert render(reason).endswith("：买家留言") and "§" not in render(reason)


def test_a_locked_order_is_held_and_released_when_jd_unlocks_it(channel, post):
    channel("jd")
    post("jd", p.dumps(p.jd_order(orderState="LOCKED")))
    order = only_order("jd")
    [hold] = order.holds.all()
    assert order.on_hold and hold.key == "channel:stop"
    # the hold's why is a code too, JD's own status kept as a parameter
    assert hold.reason.startswith("§channels.hold.stops")
    assert '"why":{"$x":"channels.hold.locked_cancel","p":{"platform":"JD","status":"LOCKED"}}' \
        in hold.reason
    with translation.override("en"):
        assert render(hold.reason).endswith(
            ": the channel stops the order: JD: order locked, the buyer asked to cancel (LOCKED)")
    with translation.override("zh-hans"):
        assert render(hold.reason).endswith("：渠道要求停止发货：JD：订单已锁定，买家申请取消（LOCKED）")
    # a person's hold placed meanwhile stays when the channel lifts its own
    holds.order_hold(order=order, actor=None, reason="call the buyer first")
    post("jd", p.dumps(p.jd_order(modified="2026-01-28 12:00:00")))
    order.refresh_from_db()
    hold.refresh_from_db()
    assert hold.released_at is not None and "no longer stops" in render(hold.release_reason)
    assert order.on_hold and open_reasons(order) == ["call the buyer first"]


def test_an_address_change_after_picking_started_holds_the_order(channel, post):
    channel("tmall")
    post("tmall", p.dumps(p.top_trade()))
    order = only_order("tmall")
    services.order_start_picking(order=order, actor=None, reason="warehouse")
    post("tmall", p.dumps(p.top_trade(receiver_address="改到 2 号", modified="2026-01-28 10:00:00")))
    order.refresh_from_db()
    assert order.receiver_address == "改到 2 号"
    assert order.on_hold and "receiver changed" in open_reasons(order)[0]


def test_a_batch_costs_the_same_number_of_queries_for_2_or_20_orders(channel, post):
    channel("jd")
    small = p.dumps(p.jd_search_response(*[p.jd_order(orderId=f"A{i}") for i in range(2)]))
    large = p.dumps(p.jd_search_response(*[p.jd_order(orderId=f"B{i}") for i in range(20)]))
    with CaptureQueriesContext(connection) as two:
        assert post("jd", small).status_code == 200
    with CaptureQueriesContext(connection) as twenty:
        assert post("jd", large).status_code == 200
    assert Order.objects.count() == 22
    # no per-order query: ten times the orders, the same statements (within a small margin
    # for SQLite's id read-back)
    assert len(twenty.captured_queries) <= len(two.captured_queries) + 2


def test_ship_by_and_tags_are_stored(channel, post):
    channel("pdd")
    post("pdd", p.dumps(p.pdd_order(refund_status=2)))
    order = only_order("pdd")
    assert order.ship_by == dt.datetime(2026, 1, 30, 3, 0, 5, tzinfo=dt.timezone.utc)
    assert order.on_hold
    assert OrderTag.objects.filter(order=order, tag="refund_requested").exists()


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("orderPayment", "99999999999999999999999999999", "out of range"),
    ("orderPayment", 1e300, "out of range"),
    ("itemTotal", 10**30, "out of range"),
])
def test_absurd_amounts_and_quantities_are_400_never_500(channel, post, field, value, problem):
    # given a JD order with an absurd amount or quantity
    channel("jd")
    order = p.jd_order()
    if field == "itemTotal":
        order["itemInfoList"][0]["itemTotal"] = value
    else:
        order[field] = value
    # when it is posted, then it is refused with the field named, and nothing is imported
    response = post("jd", p.dumps(order))
    assert response.status_code == 400
    assert problem in str(response.json())
    assert not Order.objects.exists()


@pytest.mark.parametrize("stamp", ["²", "9" * 5000, "1" + "0" * 400])
def test_a_nonsense_timestamp_is_refused_not_a_crash(channel, stamp):
    # given a push whose X-Hub-Timestamp is not Unix seconds
    channel("jd")
    response = APIClient().post(
        "/api/channels/jd/orders/", data=p.dumps(p.jd_order()), content_type="application/json",
        HTTP_X_HUB_TIMESTAMP=stamp, HTTP_X_HUB_SIGNATURE="0" * 64,
    )
    # then it is refused like any bad signature, and only the refusal is recorded
    assert response.status_code == 401
    assert "Unix seconds" in response.json()["detail"]
    assert RefusedDelivery.objects.count() == 1
    assert not Order.objects.exists()
