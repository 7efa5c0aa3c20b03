"""The orders API (DESIGN.md section 4): auth, list and filters, detail, transitions, holds,
schema and docs."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders import holds, services
from orders.models import Channel, Order
from orders.sla.config import deadline_config, deadline_config_clear
from orders.state_machine import Status
from tests.factories import (
    ChannelFactory,
    GiftOrderFactory,
    OrderFactory,
    OrderLineFactory,
)
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def api(token_client):
    """``api("warehouse")``: a token client (``token_client``) of that role, a manager's by
    default."""
    return lambda role="manager", **kwargs: token_client(role, **kwargs)


def detail_url(order: Order) -> str:
    return f"/api/orders/{order.hub_no}/"


def transition_url(order: Order, name: str) -> str:
    return f"/api/orders/{order.hub_no}/transitions/{name}/"


def hub_numbers(response) -> list[str]:
    return [row["hub_no"] for row in response.json()["results"]]


# --- authentication and permissions ------------------------------------------------------------
def test_token_authentication_reads_an_order(api):
    # given an order and a client with a token
    order = OrderFactory()
    client = api("integrator")
    # when it asks for the order
    response = client.get(detail_url(order))
    # then it gets it
    assert response.status_code == 200
    assert response.json()["hub_no"] == order.hub_no


def test_session_authentication_reads_orders(make_user):
    # given staff logged in through the browser session
    order = OrderFactory()
    user = make_user("customer_service")
    client = APIClient()
    assert client.login(username=user.username, password="pass-for-tests-1")
    # when they list orders, then they see them
    response = client.get("/api/orders/")
    assert response.status_code == 200
    assert hub_numbers(response) == [order.hub_no]


@pytest.mark.parametrize("authorization", [None, "Token not-a-real-key"])
def test_without_valid_credentials_the_api_answers_401_json(authorization):
    # given a client with no token or a wrong one
    order = OrderFactory()
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    # when it reads or writes, then it is refused with a JSON message and the auth scheme
    for response in (client.get("/api/orders/"), client.post(transition_url(order, "pay"))):
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["code"] in {"not_authenticated", "authentication_failed"}
        assert response.json()["detail"]
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_user_without_the_view_permission_is_refused_403(api):
    # given a staff user in no role
    order = OrderFactory()
    client = api(None)
    # when they read orders, then they are refused with a message naming the permission
    for url in ("/api/orders/", detail_url(order)):
        response = client.get(url)
        assert response.status_code == 403
        assert "orders.view_order" in response.json()["detail"]
        assert response.json()["code"] == "permission_denied"


# --- list ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "query"),
    [
        ("receiver_phone", "13900000001", "13900000001"),
        ("hub_no", "JD2026012899001", "jd2026012899001"),
        ("channel_order_no", "3100000000000000001", "3100000000000000001"),
        ("tracking_no", "SF1234567890123", " SF1234567890123 "),
    ],
)
def test_q_finds_an_order_by_phone_hub_channel_or_tracking_number(api, field, value, query):
    # given the order looked for among others
    wanted = OrderFactory(**{field: value})
    OrderFactory.create_batch(2)
    # when customer service searches for the number
    response = api("customer_service").get("/api/orders/", {"q": query})
    # then exactly that order is found
    assert response.status_code == 200
    assert hub_numbers(response) == [wanted.hub_no]


def test_list_filters_by_status_stage_channel_hold_and_paid_time(api):
    # given orders in several states, channels, holds and payment times
    jd = Channel.objects.get(code="jd")
    paid_jan = OrderFactory(
        status=Status.PAID, channel=jd, paid_at=dt.datetime(2026, 1, 28, 9, 0, tzinfo=SHANGHAI)
    )
    picking = OrderFactory(
        status=Status.PICKING, paid_at=dt.datetime(2026, 2, 3, 9, 0, tzinfo=SHANGHAI)
    )
    held = OrderFactory(status=Status.PACKING, on_hold=True, hold_reason="address changed")
    pending = OrderFactory(status=Status.PENDING_PAYMENT)
    client = api("customer_service")

    def found(**params) -> set[str]:
        response = client.get("/api/orders/", params)
        assert response.status_code == 200, response.json()
        return set(hub_numbers(response))

    # then each filter keeps exactly its orders
    assert found(status="paid") == {paid_jan.hub_no}
    assert found(status=["paid", "picking"]) == {paid_jan.hub_no, picking.hub_no}
    assert found(stage="allocated") == {picking.hub_no, held.hub_no}
    assert found(channel="jd") == {paid_jan.hub_no}
    assert found(channel="JD") == {paid_jan.hub_no}
    assert found(on_hold="true") == {held.hub_no}
    assert found(on_hold="false") == {paid_jan.hub_no, picking.hub_no, pending.hub_no}
    assert found(paid_after="2026-02-01T00:00:00+08:00") == {picking.hub_no}
    assert found(paid_before="2026-02-01") == {paid_jan.hub_no}
    assert found(paid_after="2026-01-28T09:00:00", paid_before="2026-01-28T09:00:01") == {
        paid_jan.hub_no
    }


def test_paid_time_with_an_unescaped_plus_in_the_offset_is_understood(api):
    # given an order paid at 09:00 Shanghai time
    order = OrderFactory(paid_at=dt.datetime(2026, 1, 28, 9, 0, tzinfo=SHANGHAI))
    # when the offset's "+" arrives as a space (not URL-encoded by the client)
    response = api().get("/api/orders/?paid_after=2026-01-28T08:59:00+08:00")
    # then it still means +08:00
    assert response.status_code == 200
    assert hub_numbers(response) == [order.hub_no]


@pytest.mark.parametrize(
    ("params", "field", "names"),
    [
        ({"status": "shipped"}, "status", ["pending_payment", "in_transit", "refunded"]),
        ({"status": ["paid", "lost"]}, "status", ["pending_payment", "refunded"]),
        ({"stage": "done"}, "stage", ["created", "allocated", "off_path"]),
        ({"channel": "ebay"}, "channel", ["jd", "tmall", "shopify"]),
        ({"paid_after": "28/01/2026"}, "paid_after", ["YYYY-MM-DD"]),
        ({"paid_before": "yesterday"}, "paid_before", ["YYYY-MM-DD"]),
        ({"on_hold": "maybe"}, "on_hold", ["true or false"]),
        ({"paid_after": "2026-02-01", "paid_before": "2026-01-01"}, "paid_before", ["later"]),
        ({"cursor": "garbage"}, "cursor", ["Invalid cursor"]),
    ],
)
def test_invalid_filter_answers_400_naming_the_valid_values(api, params, field, names):
    # given an order, when the list is asked with an invalid filter value
    OrderFactory()
    response = api().get("/api/orders/", params)
    # then the answer is 400 JSON whose message names the field and what is valid
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    for name in names:
        assert name in body["detail"]
    assert body["detail"].startswith(f"Invalid input: {field}: ")


def test_list_is_cursor_paginated_newest_first(api):
    # given five orders
    orders = OrderFactory.create_batch(5)
    newest_first = [order.hub_no for order in reversed(orders)]
    client = api()
    # when the list is read two at a time, following the next links
    first = client.get("/api/orders/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    # then the pages follow each other without gaps or repeats, and no count is made
    pages = [first, second, third]
    assert [row["hub_no"] for page in pages for row in page["results"]] == newest_first
    assert [len(page["results"]) for page in pages] == [2, 2, 1]
    assert third["next"] is None
    assert first["previous"] is None
    assert "count" not in first


def test_list_page_size_defaults_to_50_and_is_capped_at_200(api):
    # given 51 orders
    OrderFactory.create_batch(51)
    client = api()
    # then a page has 50 by default and a page size above 200 is capped, not refused
    assert len(client.get("/api/orders/").json()["results"]) == 50
    capped = client.get("/api/orders/", {"page_size": 1000})
    assert capped.status_code == 200
    assert len(capped.json()["results"]) == 51


def test_list_item_is_compact_with_codes_decimal_strings_and_offsets(api):
    # given a paid JD order
    order = OrderFactory(
        status=Status.PAID, channel=Channel.objects.get(code="jd"), channel_order_no="30001",
        paid_amount=Decimal("1234.50"), paid_at=dt.datetime(2026, 1, 28, 1, 2, 3, tzinfo=dt.UTC),
        receiver_phone="13800000000",
    )
    # when it is listed
    row = api().get("/api/orders/").json()["results"][0]
    # then the row has the compact fields in the contract's formats
    assert row == {
        "hub_no": order.hub_no,
        "channel": "jd",
        "channel_order_no": "30001",
        "status": "paid",
        "stage": "paid",
        "on_hold": False,
        "paid_amount": "1234.50",
        "currency": "CNY",
        "paid_at": "2026-01-28T09:02:03+08:00",
        "receiver": {"name": "张伟", "phone": "13800000000", "province": "浙江省", "city": "杭州市"},
        "created_at": row["created_at"],
        # made by the factory, not orders_create: no deadlines were computed for it
        "ship_by": None,
        "state_due_at": None,
        "is_stuck": False,
        "traffic_light": "green",
    }
    assert row["created_at"].endswith("+08:00")


@pytest.mark.parametrize("orders", [2, 30])
def test_list_query_count_does_not_grow_with_the_page(api, django_assert_num_queries, orders):
    # given some orders from several channels
    OrderFactory.create_batch(orders)
    client = api("customer_service")
    # when a page is read: token, user permissions, group permissions, the page itself
    with django_assert_num_queries(4):
        response = client.get("/api/orders/", {"page_size": 200})
    # then every order is on it
    assert len(response.json()["results"]) == orders


# --- detail -------------------------------------------------------------------------------------
@pytest.fixture
def full_order(manager, as_request):
    """A paid Tmall order with two lines, a gift and a history of three rows."""
    order = OrderFactory(
        status=Status.PENDING_PAYMENT, channel=ChannelFactory(code="tmallx", skips_invoicing=True),
        goods_amount=Decimal("398.00"), shipping_amount=Decimal("10.00"),
        discount_amount=Decimal("20.50"), paid_amount=Decimal("387.50"),
        placed_at=dt.datetime(2026, 1, 28, 0, 30, tzinfo=dt.UTC), tracking_no="SF100",
        carrier="SF",
    )
    OrderLineFactory(order=order, sku="TS-01", channel_sku="C-1", title="T恤", quantity=2,
                     unit_price=Decimal("99.00"), amount=Decimal("198.00"))
    OrderLineFactory(order=order, sku="TS-02", channel_sku="C-2", title="卫衣", quantity=1,
                     unit_price=Decimal("200.00"), amount=Decimal("200.00"))
    GiftOrderFactory(parent=order, quantity=1)
    with as_request(manager, ip="198.51.100.9"):
        services.order_pay(
            order=order, actor=manager, reason="Alipay notify",
            paid_at=dt.datetime(2026, 1, 28, 2, 0, tzinfo=dt.UTC),
            payment_serial_no="2026012822001",
        )
        holds.order_hold(order=order, actor=manager, reason="address check")
    return Order.objects.get(pk=order.pk)


def test_detail_has_the_contract_fields_in_their_formats(api, full_order):
    # when the order is read
    body = api("manager").get(detail_url(full_order)).json()
    # then the fields of DESIGN.md section 4 are there, in their formats
    assert body["hub_no"] == full_order.hub_no
    assert body["channel"] == "tmallx"
    assert body["channel_order_no"] == full_order.channel_order_no
    assert (body["status"], body["status_label"], body["stage"]) == ("paid", "Paid", "paid")
    assert (body["on_hold"], body["hold_reason"]) == (True, "Staff: address check")
    [hold] = body["holds"]
    assert (hold["source"], hold["reason"], hold["is_open"], hold["placed_by"]) == (
        "person", "address check", True, "manager")
    assert body["priority"] == 0
    assert (body["paid_amount"], body["goods_amount"]) == ("387.50", "398.00")
    assert (body["shipping_amount"], body["discount_amount"]) == ("10.00", "20.50")
    assert body["currency"] == "CNY"
    assert body["payment_serial_no"] == "2026012822001"
    assert body["paid_at"] == "2026-01-28T10:00:00+08:00"
    assert body["placed_at"] == "2026-01-28T08:30:00+08:00"
    assert body["ship_by"] == "2026-01-30T10:00:00+08:00"  # paid + the 48 h default promise
    assert (body["carrier"], body["tracking_no"]) == ("SF", "SF100")
    assert body["receiver"] == {
        "name": "张伟", "phone": full_order.receiver_phone, "province": "浙江省",
        "city": "杭州市", "district": "西湖区", "address": "文三路 90 号",
    }
    assert body["lines"] == [
        {"sku": "TS-01", "channel_sku": "C-1", "title": "T恤", "quantity": 2,
         "unit_price": "99.00", "amount": "198.00"},
        {"sku": "TS-02", "channel_sku": "C-2", "title": "卫衣", "quantity": 1,
         "unit_price": "200.00", "amount": "200.00"},
    ]
    assert body["gift_orders"] == [
        {"hub_no": f"{full_order.hub_no}GIFT", "status": "pending", "sku": "GIFT-MUG",
         "title": "品牌马克杯（赠品）", "quantity": 1},
    ]


def test_detail_history_says_who_when_where_why_and_what_changed(api, full_order):
    # when the order is read
    history = api().get(detail_url(full_order)).json()["history"]
    # then its timeline lists creation, payment and hold, oldest first
    assert [entry["type"] for entry in history] == ["created", "changed", "changed"]
    assert [entry["reason"] for entry in history] == [
        "created by test", "Alipay notify", "hold: address check",
    ]
    payment = history[1]
    assert payment["user"] == "manager"
    assert payment["ip_address"] == "198.51.100.9"
    assert payment["status"] == "paid"
    assert payment["at"].endswith("+08:00")
    assert {"field": "status", "old": "pending_payment", "new": "paid"} in payment["changes"]


def test_detail_lists_the_legal_moves_and_those_the_user_may_make(api, full_order):
    # given a held paid order (forward moves wait for the release)
    # then everyone sees the legal moves, and each role only its own among them
    assert api("manager").get(detail_url(full_order)).json()["allowed_transitions"] == [
        "cancel", "refund",
    ]
    assert api("customer_service").get(detail_url(full_order)).json()[
        "permitted_transitions"
    ] == ["cancel"]
    assert api("warehouse").get(detail_url(full_order)).json()["permitted_transitions"] == []


@pytest.mark.parametrize("extra_rows", [0, 4])
def test_detail_query_count_is_fixed(api, django_assert_num_queries, extra_rows, manager):
    # given an order with more or fewer lines, gifts and history rows
    order = OrderFactory(status=Status.PAID)
    OrderLineFactory.create_batch(1 + extra_rows, order=order)
    if extra_rows:
        GiftOrderFactory(parent=order)
        for _ in range(extra_rows // 2):
            holds.order_hold(order=order, actor=manager, reason="check")
            holds.order_release_hold(order=order, actor=manager, reason="ok")
    client = api("warehouse")
    # when it is read: token, 2 × permissions, order, lines, gifts, holds, history, and the
    # sections other apps add (logistics: its parcels, none here; after-sales: the return-risk
    # score)
    with django_assert_num_queries(10):
        response = client.get(detail_url(order))
    # then it is all there
    assert len(response.json()["lines"]) == 1 + extra_rows
    assert len(response.json()["history"]) == 1 + extra_rows


def test_unknown_order_is_404_with_a_message(api):
    response = api().get("/api/orders/JD2099010100001/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No order with hub number 'JD2099010100001'.", "code": "not_found",
    }


# --- transitions --------------------------------------------------------------------------------
def test_transition_answers_the_updated_order_and_records_user_ip_and_reason(api):
    # given a paid order and a warehouse integrator with a token
    order = OrderFactory(status=Status.PAID)
    client = api("warehouse")
    # when it starts picking with a reason from its address
    response = client.post(
        transition_url(order, "start_picking"), {"reason": "wave 12"}, format="json",
        REMOTE_ADDR="198.51.100.23",
    )
    # then the answer is the updated order, and the history names the token's user, IP, reason
    assert response.status_code == 200
    assert response.json()["status"] == "picking"
    assert response.json()["history"][-1]["reason"] == "wave 12"
    order.refresh_from_db()
    assert order.status == Status.PICKING
    latest = order.history.order_by("-history_id").first()
    assert latest.history_user == client.user
    assert latest.ip_address == "198.51.100.23"
    assert render(latest.history_change_reason) == "wave 12"


def test_transition_accepts_an_empty_body(api):
    # given a paid order
    order = OrderFactory(status=Status.PAID)
    # when it is moved with no body at all, then the move's label is the reason
    response = api("warehouse").post(transition_url(order, "start_picking"))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Status.PICKING
    assert render(order.history.order_by("-history_id").first().history_change_reason) == "Start picking"


def test_illegal_transition_is_409_naming_the_state_and_allowed_moves(api):
    # given a delivered order
    order = OrderFactory(status=Status.DELIVERED)
    # when the warehouse tries to pick it
    response = api("manager").post(transition_url(order, "start_picking"), {}, format="json")
    # then it is refused with the current state and the moves allowed from it
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert "it is 'delivered'" in body["detail"]
    assert "allowed from here: invoice, refund" in body["detail"]
    assert body["current_state"] == "delivered"
    assert body["allowed_transitions"] == ["invoice", "refund"]
    order.refresh_from_db()
    assert order.status == Status.DELIVERED


def test_role_without_the_moves_permission_is_403_and_nothing_changes(api):
    # given a delivered order
    order = OrderFactory(status=Status.DELIVERED)
    # when the warehouse tries to refund it
    response = api("warehouse").post(
        transition_url(order, "refund"), {"reason": "buyer asked"}, format="json"
    )
    # then it is refused, saying which permission is missing, and the order is untouched
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "orders.refund_order" in response.json()["detail"]
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert order.history.count() == 1


def test_unknown_transition_is_404_listing_the_valid_ones(api):
    order = OrderFactory(status=Status.PAID)
    response = api().post(transition_url(order, "teleport"))
    assert response.status_code == 404
    assert "There is no transition 'teleport'" in response.json()["detail"]
    assert "start_picking" in response.json()["detail"]


def test_transition_of_an_unknown_order_is_404(api):
    response = api().post("/api/orders/JD2099010100001/transitions/cancel/")
    assert response.status_code == 404
    assert "JD2099010100001" in response.json()["detail"]


def test_forward_move_of_a_held_order_is_409(api):
    # given an order held by customer service
    order = OrderFactory(status=Status.PAID, on_hold=True, hold_reason="address changed")
    # when the warehouse tries to pick it, then it is refused until released
    response = api("warehouse").post(transition_url(order, "start_picking"))
    assert response.status_code == 409
    assert response.json()["code"] == "order_on_hold"
    assert "address changed" in response.json()["detail"]
    assert response.json()["allowed_transitions"] == ["cancel", "refund"]


def test_reason_longer_than_500_characters_is_400(api):
    order = OrderFactory(status=Status.PAID)
    response = api().post(transition_url(order, "cancel"), {"reason": "x" * 501}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert "500" in response.json()["detail"]
    order.refresh_from_db()
    assert order.status == Status.PAID


# --- holds --------------------------------------------------------------------------------------
def test_hold_and_release_through_the_api(api):
    # given a paid order and customer service
    order = OrderFactory(status=Status.PAID)
    client = api("customer_service")
    # when they hold it, then it is held and forward moves are refused
    held = client.post(f"{detail_url(order)}hold/", {"reason": "buyer called"}, format="json")
    assert held.status_code == 200
    assert held.json()["on_hold"] is True
    assert [(h["source"], h["reason"], h["is_open"]) for h in held.json()["holds"]] == [
        ("person", "buyer called", True)]
    assert api("warehouse").post(transition_url(order, "start_picking")).status_code == 409
    # when they release it, then it can move again
    released = client.post(f"{detail_url(order)}release/", {"reason": "confirmed"}, format="json")
    assert released.status_code == 200
    assert released.json()["on_hold"] is False
    assert released.json()["history"][-1]["reason"] == "release: confirmed"


def test_hold_needs_a_reason(api):
    order = OrderFactory(status=Status.PAID)
    response = api("customer_service").post(f"{detail_url(order)}hold/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    order.refresh_from_db()
    assert order.on_hold is False


def test_hold_needs_the_hold_permission_and_release_needs_a_hold(api):
    order = OrderFactory(status=Status.PAID)
    refused = api("finance").post(f"{detail_url(order)}hold/", {"reason": "x"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Your role may not hold or release orders (needs permission 'orders.hold_order').")
    not_held = api().post(f"{detail_url(order)}release/", {"reason": "x"}, format="json")
    assert not_held.status_code == 409
    assert "is not on hold" in not_held.json()["detail"]


# --- tokens from the command line, schema and docs ---------------------------------------------
def test_drf_create_token_makes_a_token_the_api_accepts(make_user):
    # given an integrator account and an order
    user = make_user("integrator", username="erp")
    order = OrderFactory()
    # when an administrator makes a token on the command line
    out = io.StringIO()
    call_command("drf_create_token", "erp", stdout=out)
    key = re.search(r"Generated token (\w+) for user erp", out.getvalue()).group(1)
    # then the API accepts it as that user
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(detail_url(order))
    assert response.status_code == 200
    assert Token.objects.get(key=key).user == user


def test_schema_is_openapi_3_with_the_order_endpoints():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/orders/", "/api/orders/{hub_no}/", "/api/orders/{hub_no}/transitions/{name}/",
        "/api/orders/{hub_no}/hold/", "/api/orders/{hub_no}/release/",
    ):
        assert path in schema["paths"]
    transition = schema["paths"]["/api/orders/{hub_no}/transitions/{name}/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= transition["responses"].keys()


def test_schema_validates_without_warnings(tmp_path):
    # fails (SchemaGenerationError) on any warning, e.g. an undocumented or ambiguous field
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert "/api/orders/{hub_no}/" in (tmp_path / "schema.yaml").read_text()


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_are_served_from_local_static_files(url):
    # when the docs page is opened
    response = APIClient().get(url)
    html = response.content.decode()
    # then everything it loads comes from our static files: no CDN, no internet
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(src.endswith(".js") for src in assets)
    assert all(src.startswith("/static/drf_spectacular_sidecar/") for src in assets)
    assert not re.search(r"https?://", html)
    # and the static files are really there
    for src in assets:
        assert APIClient().get(src).status_code == 200


def test_paid_at_is_rendered_in_shanghai_time_whatever_the_stored_zone(api):
    order = OrderFactory(paid_at=timezone.make_aware(dt.datetime(2026, 1, 28, 23, 59, 59)))
    assert api().get(detail_url(order)).json()["paid_at"] == "2026-01-28T23:59:59+08:00"


# --- deadline fields in the orders API ----------------------------------------------------------
def test_order_rows_show_the_deadlines_and_the_light_at_the_same_query_count(
    api, django_assert_num_queries
):
    deadline_config_clear()  # the rules of this test's database (the cache is per process)
    # given orders with a ship-by promise, one of them close to it
    for _ in range(3):
        order = OrderFactory(status=Status.PENDING_PAYMENT)
        services.order_pay(order=order, actor=None)
    late = OrderFactory(status=Status.PICKING, ship_by=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    client = api("customer_service")
    deadline_config()  # the rules are cached per process (reloaded once a minute)
    # when the list is read: token, user permissions, group permissions, the page
    with django_assert_num_queries(4):
        rows = client.get("/api/orders/").json()["results"]
    # then every row has its deadlines and light
    by_hub = {row["hub_no"]: row for row in rows}
    assert by_hub[late.hub_no]["traffic_light"] == "red"
    assert {row["traffic_light"] for hub, row in by_hub.items() if hub != late.hub_no} == {"green"}
    paid = next(row for hub, row in by_hub.items() if hub != late.hub_no)
    assert paid["ship_by"].endswith("+08:00") and paid["state_due_at"].endswith("+08:00")
    assert paid["is_stuck"] is False
    detail = client.get(f"/api/orders/{late.hub_no}/").json()
    assert (detail["traffic_light"], detail["is_stuck"]) == ("red", False)
