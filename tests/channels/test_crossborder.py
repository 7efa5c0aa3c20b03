"""Amazon, Shopee and Lazada orders through POST /api/channels/<code>/orders/: each format's
units and traps, the status tables, orders that arrive in two parts, idempotency, AFN orders
kept out of the warehouses, and a bad payload of each kind (4xx, a message, nothing written)."""
from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pytest
from django.utils import translation

from channels.adapters import ADAPTERS
from channels.adapters import fields as f
from channels.adapters.amazon import STATUS_TABLE as AMAZON_STATUSES
from channels.adapters.lazada import rolled_up
from channels.adapters.lazada import STATUS_TABLE as LAZADA_STATUSES
from channels.adapters.shopee import STATUS_TABLE as SHOPEE_STATUSES
from channels.models import ChannelOrderPart, CustomerIdentity, Delivery
from logistics.models import FulfilmentDecision, Reservation
from orderhub.core.texts import is_encoded, render
from orderhub.events.dispatch import events_dispatch
from orders.models import Order
from orders.state_machine import Status
from tests.channels import crossborder_payloads as x

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc


def answer_of(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()


def only(code: str) -> Order:
    return Order.objects.select_related("channel").get(channel__code=code)


# --- Amazon --------------------------------------------------------------------------------------
def test_amazon_orders_and_items_together_make_one_order_in_dollars(channel, post):
    channel("amazon")
    body = x.dumps([x.amazon_get_orders(), x.amazon_get_order_items()])

    answer = answer_of(post("amazon", body))

    [result] = answer["orders"]
    assert result["result"] == "created" and result["hub_no"].startswith("AMZ")
    order = only("amazon")
    assert order.channel_order_no == x.AMAZON_ORDER_ID
    assert order.currency == "USD"
    assert order.status == Status.PAID
    assert (order.goods_amount, order.shipping_amount, order.discount_amount,
            order.paid_amount) == (Decimal("42.98"), Decimal("4.99"), Decimal("2.00"),
                                   Decimal("45.97"))
    # ItemPrice is the price of the whole quantity: the unit price is divided out
    tee = order.lines.get(channel_sku="KIDS-TEE-RED-110")
    assert (tee.quantity, tee.unit_price, tee.amount) == (2, Decimal("12.99"), Decimal("25.98"))
    # UTC times, the ship-by from LatestShipDate
    assert order.placed_at == dt.datetime(2026, 1, 28, 2, 15, 2, tzinfo=UTC)
    assert order.ship_by == dt.datetime(2026, 1, 30, 7, 59, 59, tzinfo=UTC)
    # the hub number carries the Beijing date of placing (10:15 in Beijing)
    assert order.hub_no.startswith("AMZ20260128")
    assert order.receiver_name == "Jane Doe" and order.receiver_province == "WA"
    assert CustomerIdentity.objects.filter(
        kind="amazon_buyer", value="3lk9x2mzq8w7@marketplace.amazon.com").exists()


def test_an_amazon_order_waits_for_its_items_and_is_completed_when_they_come(channel, post):
    channel("amazon")
    # given getOrders alone: the order is kept, not created (an order needs its lines)
    first = answer_of(post("amazon", x.dumps(x.amazon_get_orders())))
    assert first["orders"] == [{"channel_order_no": x.AMAZON_ORDER_ID, "hub_no": None,
                                "result": "waiting", "changed": False, "flags": [],
                                "note": "kept until getOrderItems (its items) arrive"}]
    assert first["waiting"] == 1 and Order.objects.count() == 0
    assert ChannelOrderPart.objects.filter(kind="order").count() == 1

    # when getOrderItems arrives alone
    second = answer_of(post("amazon", x.dumps(x.amazon_get_order_items())))

    # then the order is created from both parts
    assert second["orders"][0]["result"] == "created"
    order = only("amazon")
    assert order.lines.count() == 2 and order.paid_amount == Decimal("45.97")

    # and a later getOrders alone (the usual poll) moves it, completed with the items kept
    shipped = x.amazon_order(OrderStatus="Shipped", LastUpdateDate="2026-01-29T01:00:00Z")
    third = answer_of(post("amazon", x.dumps(x.amazon_get_orders(shipped))))
    assert third["orders"][0]["result"] == "updated"
    order.refresh_from_db()
    assert order.status == Status.IN_TRANSIT and order.lines.count() == 2


def test_items_that_arrive_before_their_order_wait_too(channel, post):
    channel("amazon")
    first = answer_of(post("amazon", x.dumps(x.amazon_get_order_items())))
    assert first["orders"][0]["note"] == "kept until getOrders (the order) arrives"
    stored = Delivery.objects.latest("pk").result["orders"][0]["note"]
    assert is_encoded(stored)
    with translation.override("zh-hans"):
        assert render(stored) == "已暂存，等待getOrders（订单）到达"
    second = answer_of(post("amazon", x.dumps(x.amazon_order())))  # the bare Order object
    assert second["created"] == 1
    assert only("amazon").lines.count() == 2


@pytest.mark.parametrize(("code", "status"), [
    ("Pending", Status.PENDING_PAYMENT), ("PendingAvailability", Status.PENDING_PAYMENT),
    ("Unshipped", Status.PAID), ("PartiallyShipped", Status.PAID),
    ("Shipped", Status.IN_TRANSIT), ("InvoiceUnconfirmed", Status.IN_TRANSIT),
    ("Canceled", Status.CANCELLED), ("Unfulfillable", Status.CANCELLED),
])
def test_every_amazon_order_status_maps(code, status):
    raw = {**x.amazon_order(OrderStatus=code), "OrderItems": x.amazon_items()}
    assert ADAPTERS["amazon"].to_canonical(raw).status == status
    assert set(AMAZON_STATUSES) >= {code}


def test_amazon_afn_orders_are_recorded_but_never_reach_the_warehouse(channel, post,
                                                                       products):
    channel("amazon")
    afn = x.amazon_order(FulfillmentChannel="AFN")
    answer = answer_of(post("amazon", x.dumps([x.amazon_get_orders(afn),
                                               x.amazon_get_order_items()])))
    order = only("amazon")
    assert order.status == Status.PAID
    assert "fulfilled_by_channel" in answer["orders"][0]["flags"]
    # when the worker runs the paid order's effects, and again once Amazon ships it
    events_dispatch()
    shipped = x.amazon_order(FulfillmentChannel="AFN", OrderStatus="Shipped",
                             LastUpdateDate="2026-01-29T01:00:00Z")
    answer_of(post("amazon", x.dumps(x.amazon_get_orders(shipped))))
    events_dispatch()
    # then logistics left it alone: no decision, no reservation, no stock moved
    order.refresh_from_db()
    assert order.status == Status.IN_TRANSIT
    assert not FulfilmentDecision.objects.filter(order=order).exists()
    assert not Reservation.objects.filter(order_id=order.pk).exists()
    # while an MFN order in the same state is decided
    mfn = "114-0000001-0000001"
    answer_of(post("amazon", x.dumps([x.amazon_get_orders(x.amazon_order(AmazonOrderId=mfn)),
                                      x.amazon_get_order_items(mfn)])))
    events_dispatch()
    assert FulfilmentDecision.objects.filter(order__channel_order_no=mfn).exists()


def test_amazon_pending_order_without_order_total_sums_its_items():
    raw = {**x.amazon_order(OrderStatus="Pending"), "OrderItems": x.amazon_items()}
    del raw["OrderTotal"]
    order = ADAPTERS["amazon"].to_canonical(raw)
    assert order.paid_amount == Decimal("45.97") and order.currency == "USD"
    assert order.paid_at is None


def test_a_cancelled_amazon_order_with_zeroed_quantities_is_still_recorded():
    items = x.amazon_items(QuantityOrdered=0)
    for item in items:
        del item["ItemPrice"]
    order = ADAPTERS["amazon"].to_canonical(
        {**x.amazon_order(OrderStatus="Canceled", OrderTotal=None), "OrderItems": items})
    assert order.status == Status.CANCELLED
    assert [(line.outer_sku, line.quantity) for line in order.lines] == [
        ("KIDS-TEE-RED-110", 1), ("KIDS-SOCK-5P", 1)]
    # an order that is not cancelled must have something ordered
    with pytest.raises(f.FieldProblem, match="no item with a quantity ordered"):
        ADAPTERS["amazon"].to_canonical({**x.amazon_order(), "OrderItems": items})


def test_amazon_money_in_two_currencies_is_refused_never_converted():
    items = x.amazon_items()
    items[1]["ItemPrice"] = {"CurrencyCode": "CAD", "Amount": "17.00"}
    with pytest.raises(f.FieldProblem, match="in CAD, but the order is in USD"):
        ADAPTERS["amazon"].to_canonical({**x.amazon_order(), "OrderItems": items})


def test_amazon_amount_as_a_number_is_exact_and_a_third_decimal_refused():
    items = x.amazon_items()
    items[1]["ItemPrice"]["Amount"] = Decimal("17.00")  # a number instead of the string
    order = ADAPTERS["amazon"].to_canonical({**x.amazon_order(), "OrderItems": items})
    assert order.goods_amount == Decimal("42.98")
    items[1]["ItemPrice"]["Amount"] = "17.005"
    with pytest.raises(f.FieldProblem, match="more than two decimal places"):
        ADAPTERS["amazon"].to_canonical({**x.amazon_order(), "OrderItems": items})


def test_amazon_time_without_offset_is_refused():
    with pytest.raises(f.FieldProblem, match="PurchaseDate.*no UTC offset"):
        ADAPTERS["amazon"].to_canonical({**x.amazon_order(PurchaseDate="2026-01-28T02:15:02"),
                                         "OrderItems": x.amazon_items()})


# --- Shopee --------------------------------------------------------------------------------------
def test_shopee_detail_numbers_unix_seconds_and_region_currency(channel, post):
    channel("shopee")
    answer = answer_of(post("shopee", x.dumps(x.shopee_detail_response())))
    assert answer["orders"][0]["hub_no"].startswith("SHP")
    order = only("shopee")
    assert order.currency == "SGD" and order.status == Status.PAID
    assert order.paid_amount == Decimal("25.89")  # a JSON number, read exactly
    line = order.lines.get()
    assert (line.quantity, line.unit_price, line.channel_sku) == (2, Decimal("11.95"),
                                                                  "KIDS-TEE-RED-110")
    assert order.placed_at == dt.datetime(2026, 1, 28, 2, 15, 2, tzinfo=UTC)
    assert order.ship_by == dt.datetime.fromtimestamp(1769825702, tz=UTC)
    assert CustomerIdentity.objects.filter(kind="shopee_buyer", value="1234567890123").exists()
    # Shopee's phone has the country code without the plus: stored dialable
    assert order.receiver_phone == "+6591234567"
    assert answer["orders"][0]["flags"] == ["unmapped_sku"]


def test_shopee_indonesia_sells_in_rupiah_without_minor_units():
    raw = x.shopee_order(region="ID", currency=None, total_amount=150000,
                         estimated_shipping_fee=10000,
                         item_list=[{**x.shopee_order()["item_list"][0],
                                     "model_discounted_price": 70000}])
    order = ADAPTERS["shopee"].to_canonical(raw)
    assert order.currency == "IDR"  # from the region when the answer names none
    assert order.paid_amount == Decimal("150000.00")
    assert order.lines[0].unit_price == Decimal("70000.00")


def test_shopee_currency_that_contradicts_the_region_is_refused():
    with pytest.raises(f.FieldProblem, match="MYR does not match region SG"):
        ADAPTERS["shopee"].to_canonical(x.shopee_order(currency="MYR"))


def test_shopee_all_digit_order_sn_keeps_its_leading_zero():
    order = ADAPTERS["shopee"].to_canonical(x.shopee_order(order_sn="0260128123456"))
    assert order.channel_order_no == "0260128123456"


@pytest.mark.parametrize(("code", "status", "held"), [
    ("UNPAID", Status.PENDING_PAYMENT, False), ("READY_TO_SHIP", Status.PAID, False),
    ("PROCESSED", Status.PAID, False), ("RETRY_SHIP", Status.PAID, False),
    ("SHIPPED", Status.IN_TRANSIT, False), ("TO_CONFIRM_RECEIVE", Status.DELIVERED, False),
    ("IN_CANCEL", Status.PAID, True), ("CANCELLED", Status.CANCELLED, False),
    ("TO_RETURN", Status.DELIVERED, False), ("COMPLETED", Status.DELIVERED, False),
    ("INVOICE_PENDING", Status.PAID, True),
])
def test_every_shopee_order_status_maps(code, status, held):
    order = ADAPTERS["shopee"].to_canonical(x.shopee_order(order_status=code))
    assert (order.status, bool(order.hold_reason)) == (status, held)
    assert code in SHOPEE_STATUSES


def test_shopee_in_cancel_holds_the_order(channel, post):
    channel("shopee")
    answer_of(post("shopee", x.dumps(x.shopee_detail_response(
        x.shopee_order(order_status="IN_CANCEL")))))
    assert only("shopee").on_hold


# --- Lazada --------------------------------------------------------------------------------------
def test_lazada_orders_and_items_with_string_prices_and_offsets(channel, post):
    channel("lazada")
    body = x.dumps([x.lazada_orders_response(), x.lazada_items_response()])
    answer = answer_of(post("lazada", body))
    assert answer["orders"][0]["hub_no"].startswith("LZD")
    order = only("lazada")
    assert order.channel_order_no == "473208811150713"  # a 15-digit JSON number, exact
    assert order.currency == "MYR" and order.status == Status.PAID
    # "1,299.00": thousands separators read exactly; shipping added, voucher taken off
    assert (order.goods_amount, order.paid_amount) == (Decimal("1299.00"), Decimal("1297.00"))
    # one item per unit on Lazada: two jackets make one line of two
    line = order.lines.get()
    assert (line.quantity, line.unit_price) == (2, Decimal("649.50"))
    assert order.placed_at == dt.datetime(2026, 1, 28, 2, 15, 2, tzinfo=UTC)
    assert order.ship_by == dt.datetime(2026, 1, 30, 15, 59, 59, tzinfo=UTC)
    # a Malaysian phone is not checked as a mainland mobile (the country is MY)
    assert "invalid_contact" not in answer["orders"][0]["flags"]


def test_lazada_items_alone_then_the_order(channel, post):
    channel("lazada")
    first = answer_of(post("lazada", x.dumps(x.lazada_items_response())))
    assert first["orders"][0]["result"] == "waiting"
    second = answer_of(post("lazada", x.dumps(x.lazada_orders_response())))
    assert second["orders"][0]["result"] == "created"


@pytest.mark.parametrize(("statuses", "status", "tag"), [
    (["unpaid", "unpaid"], Status.PENDING_PAYMENT, ""),
    (["pending", "packed"], Status.PAID, ""),
    (["shipped", "ready_to_ship"], Status.PAID, "partially_shipped"),
    (["shipped", "shipped"], Status.IN_TRANSIT, ""),
    (["delivered", "shipped"], Status.IN_TRANSIT, ""),
    (["delivered", "canceled"], Status.DELIVERED, "partially_cancelled"),
    (["canceled", "canceled"], Status.CANCELLED, ""),
    (["failed", "delivered"], Status.IN_TRANSIT, ""),
])
def test_lazada_item_statuses_roll_up_to_the_order(statuses, status, tag):
    rolled = rolled_up([LAZADA_STATUSES[s] for s in statuses])
    assert (rolled.status, rolled.tag) == (status, tag)
    items = [x.lazada_item(i + 1, status=s) for i, s in enumerate(statuses)]
    order = ADAPTERS["lazada"].to_canonical({**x.lazada_order(), "order_items": items})
    assert order.status == status
    assert order.channel_status == ",".join(sorted(set(statuses)))


def test_lazada_items_in_two_currencies_are_refused():
    items = [x.lazada_item(1), x.lazada_item(2, currency="SGD")]
    with pytest.raises(f.FieldProblem, match="several currencies"):
        ADAPTERS["lazada"].to_canonical({**x.lazada_order(), "order_items": items})


def test_lazada_time_without_offset_is_refused():
    with pytest.raises(f.FieldProblem, match="created_at"):
        ADAPTERS["lazada"].to_canonical({**x.lazada_order(created_at="2026-01-28 10:15:02"),
                                         "order_items": x.lazada_items()})


# --- the same rules as every channel -------------------------------------------------------
BODIES = {
    "amazon": lambda: x.dumps([x.amazon_get_orders(), x.amazon_get_order_items()]),
    "shopee": lambda: x.dumps(x.shopee_detail_response()),
    "lazada": lambda: x.dumps([x.lazada_orders_response(), x.lazada_items_response()]),
}


@pytest.mark.parametrize("code", sorted(BODIES))
def test_the_same_delivery_twice_duplicates_nothing(code, channel, post):
    channel(code)
    first = answer_of(post(code, BODIES[code]()))
    history = Order.history.count()
    second = answer_of(post(code, BODIES[code]()))
    assert second == first and Order.objects.count() == 1
    assert Order.history.count() == history


@pytest.mark.parametrize("code", sorted(BODIES))
def test_a_signed_push_is_accepted_and_a_bad_signature_changes_nothing(code, channel,
                                                                       signed_post):
    channel(code)
    refused = signed_post(code, BODIES[code](), secret="not-the-secret")
    assert refused.status_code == 401 and Order.objects.count() == 0
    assert answer_of(signed_post(code, BODIES[code]()))["created"] == 1


def test_an_older_delivery_never_moves_an_order_backwards(channel, post):
    channel("shopee")
    answer_of(post("shopee", x.dumps(x.shopee_detail_response(
        x.shopee_order(order_status="SHIPPED", update_time=1769600000)))))
    stale = answer_of(post("shopee", x.dumps(x.shopee_detail_response(
        x.shopee_order(order_status="READY_TO_SHIP", update_time=1769566802)))))
    assert stale["orders"][0]["note"] == "older than the last delivery applied: ignored"
    assert only("shopee").status == Status.IN_TRANSIT


BAD = [
    ("amazon", lambda: x.dumps({"errors": [{"code": "InvalidInput",
                                            "message": "Invalid CreatedAfter"}]}),
     "SP-API error answer"),
    ("amazon", lambda: x.dumps([x.amazon_get_orders(x.amazon_order(OrderStatus="Lost")),
                                x.amazon_get_order_items()]), "unknown amazon status 'Lost'"),
    ("amazon", lambda: x.dumps(x.amazon_get_orders(x.amazon_order(
        OrderTotal={"CurrencyCode": "USD", "Amount": "12,99"}))), "OrderTotal.Amount"),
    ("shopee", lambda: x.dumps({"request_id": "r", "error": "error_auth",
                                "message": "Invalid access_token."}), "error_auth"),
    ("shopee", lambda: x.dumps(x.shopee_detail_response(x.shopee_order(
        create_time=1769566502.5))), "create_time: expected Unix seconds"),
    ("shopee", lambda: x.dumps(x.shopee_detail_response(x.shopee_order(
        buyer_user_id=1.2345678901234567e18))), "buyer_user_id: ids must be strings"),
    ("lazada", lambda: x.dumps({"code": "IllegalAccessToken", "type": "ISP",
                                "message": "The specified access token is invalid",
                                "request_id": "r"}), "IllegalAccessToken"),
    ("lazada", lambda: x.dumps(x.lazada_items_response(
        (x.LAZADA_ORDER_ID, [x.lazada_item(1, item_price="12.5.0")]))), "item_price"),
    ("lazada", lambda: x.dumps(x.lazada_orders_response(x.lazada_order(
        statuses=["in_space"]))), "unknown lazada status 'in_space'"),
]


@pytest.mark.parametrize(("code", "body", "words"), BAD)
def test_a_bad_payload_is_refused_with_a_message_and_writes_nothing(code, body, words,
                                                                    channel, post):
    channel(code)
    response = post(code, body())
    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert Order.objects.count() == 0 and ChannelOrderPart.objects.count() == 0
    assert Delivery.objects.get().status == Delivery.Status.FAILED


def test_every_cross_border_adapter_names_its_documentation():
    hosts = {"amazon": "developer-docs.amazon.com/sp-api", "shopee": "open.shopee.com",
             "lazada": "open.lazada.com"}
    for platform, host in hosts.items():
        adapter = ADAPTERS[platform]
        assert all(host in page for page in adapter.documentation), platform
        assert host in sys.modules[type(adapter).__module__].__doc__, platform
