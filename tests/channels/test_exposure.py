"""What a push can never do (issue 13 items 8 and 9): a refused push leaves a bounded record;
NUL bytes and invalid UTF-8 answer 400, never 500; a timestamp from the future is refused like
a stale one; an amount that cannot be right, or an address cut to fit, is flagged on the order;
raw payloads are shown only to the roles that need them."""
from __future__ import annotations

import time

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from channels.models import Delivery, RefusedDelivery
from orderhub.core.signing import hub_signature
from orderhub.core.texts import is_encoded, render
from orders.models import Order, OrderTag
from tests.channels import payloads as p
from tests.channels.conftest import SECRET

pytestmark = pytest.mark.django_db


def _signed(body: bytes, stamp: int, **headers) -> dict:
    return {"HTTP_X_HUB_TIMESTAMP": str(stamp),
            "HTTP_X_HUB_SIGNATURE": hub_signature(secret=SECRET, timestamp=str(stamp), body=body),
            **headers}


def test_a_refused_push_keeps_a_bounded_record_not_all_its_headers(channel):
    # Given a push with a wrong signature, 200 extra headers and a huge, NUL-laden body
    channel("jd")
    body = b"\x00" * 10 + p.dumps(p.jd_order()) + b"x" * 100_000
    noise = {f"HTTP_X_NOISE_{i}": "n" * 1000 for i in range(200)}
    response = APIClient().post("/api/channels/jd/orders/", data=body,
                                content_type="application/json", HTTP_X_HUB_TIMESTAMP=str(
                                    int(time.time())), HTTP_X_HUB_SIGNATURE="ab" * 500,
                                HTTP_USER_AGENT="u" * 5000, **noise)

    # Then it is refused, and the record keeps the signature headers only, each cut
    assert response.status_code == 401
    refusal = RefusedDelivery.objects.get()
    assert set(refusal.headers) == {"Content-Type", "Content-Length", "User-Agent",
                                    "X-Hub-Timestamp", "X-Hub-Signature"}
    assert max(len(value) for value in refusal.headers.values()) == 256
    assert 1000 < len(refusal.body_excerpt) <= 4096 and "\x00" not in refusal.body_excerpt
    assert refusal.body_size == len(body)


def test_a_timestamp_from_the_future_is_refused_like_a_stale_one(channel):
    channel("jd")
    body = p.dumps(p.jd_order())
    response = APIClient().post("/api/channels/jd/orders/", data=body,
                                content_type="application/json",
                                **_signed(body, int(time.time()) + 400))
    assert response.status_code == 401
    assert "s off; at most 300 s are accepted" in response.json()["detail"]
    assert not Order.objects.exists()


@pytest.mark.parametrize("body", [
    b'{"orderId": "1\x00"}', b"\x00\x00\x00", b'{"orderId": "\xff\xfe"}', b"\xff" * 20,
    b'[{"orderId": "\\u0000", "orderPayment": "1e999999"}]',
], ids=["nul-in-string", "only-nul", "bad-utf8-in-string", "bad-utf8", "escaped-nul"])
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "token"])
def test_nul_bytes_and_invalid_utf8_answer_400_and_write_nothing(channel, integrator, body,
                                                                signed):
    # Given a body no channel sends, signed by the channel or posted with a token
    channel("jd")
    if signed:
        response = APIClient().post("/api/channels/jd/orders/", data=body,
                                    content_type="application/json",
                                    **_signed(body, int(time.time())))
    else:
        response = integrator.post("/api/channels/jd/orders/", data=body,
                                   content_type="application/json")

    # Then it is a 400 with a message, and no order exists
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    assert not Order.objects.exists()


def test_a_negative_payment_is_flagged_on_the_order(channel, post, products):
    channel("jd")
    response = post("jd", p.dumps(p.jd_order(orderPayment="-289.00")))
    assert response.status_code == 200, response.json()
    assert "implausible_amount" in response.json()["orders"][0]["flags"]
    tag = OrderTag.objects.get(tag="implausible_amount")
    assert is_encoded(tag.note)
    with translation.override("en"):
        assert render(tag.note) == "negative: paid amount -289.00"
    with translation.override("zh-hans"):
        assert render(tag.note) == "金额为负：实付金额 -289.00"


def test_an_address_cut_to_fit_is_flagged_on_the_order(channel, post, products):
    channel("jd")
    consignee = {**p.jd_order()["consigneeInfo"], "fullAddress": "建国路" * 120}
    response = post("jd", p.dumps(p.jd_order(consigneeInfo=consignee)))
    assert response.status_code == 200, response.json()
    assert "address_clipped" in response.json()["orders"][0]["flags"]
    order = Order.objects.get()
    assert len(order.receiver_address) == 255
    assert OrderTag.objects.get(order=order, tag="address_clipped").note == "cut to fit: address"


@pytest.mark.parametrize("role, sees", [("finance", False), ("customer_service", True),
                                        ("operations", True), ("manager", True)])
def test_raw_payloads_are_shown_only_to_roles_that_need_them(channel, post, products, make_user,
                                                            role, sees):
    # Given a delivery whose payload carries the buyer's phone
    channel("jd")
    consignee = {**p.jd_order()["consigneeInfo"], "mobile": "13912345678"}
    post("jd", p.dumps(p.jd_order(consigneeInfo=consignee)))
    delivery = Delivery.objects.get()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))

    # When the role opens the delivery in the admin
    page = client.get(f"/admin/channels/delivery/{delivery.pk}/change/")

    # Then the page opens, and the phone is on it only for roles that need it
    assert page.status_code == 200
    assert ("13912345678" in page.content.decode()) == sees
