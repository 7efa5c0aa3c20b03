"""Concurrent identical deliveries give the same answer (issue 13 item 8): the same body posted
by several clients at the same instant makes one order; exactly one answer says "created", the
others "updated" with nothing changed, and no request fails. PostgreSQL (SQLite serialises
writers and ignores row locks)."""
from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import ChannelEndpoint
from orders.models import Channel, Order
from tests.channels import payloads as p
from tests.conftest import requires_postgres, run_together
from tests.factories import ProductFactory

pytestmark = [requires_postgres("concurrent deliveries"), pytest.mark.django_db(transaction=True)]


def test_the_same_delivery_four_times_at_once_creates_one_order(make_user, a_warehouse):
    # Given an integrator, the products and one JD order's body
    # (transactional tests run on a flushed database: the migration's channels may be gone)
    jd, _ = Channel.objects.get_or_create(
        code="jd", defaults={"abbreviation": "JD", "name": "京东POP店", "platform": "jd"})
    ChannelEndpoint.objects.update_or_create(channel=jd, defaults={"webhook_secret": "s"})
    for sku in ("SKU-TEE-WHITE-L", "MB-C200"):
        ProductFactory(sku=sku, name=sku)
    key = Token.objects.create(user=make_user("integrator", username="erp")).key
    body = p.dumps(p.jd_order())
    answers = []

    def deliver():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.post("/api/channels/jd/orders/", data=body,
                               content_type="application/json")
        answers.append((response.status_code, response.json()))

    # When four clients post it at the same instant
    errors = run_together(deliver, threads=4)

    # Then one order exists, every request was answered 200, one "created" and three
    # "updated" that changed nothing, all with the same hub number
    assert errors == []
    assert [status for status, _body in answers] == [200] * 4, answers
    orders = [body["orders"][0] for _status, body in answers]
    assert sorted(o["result"] for o in orders) == ["created", "updated", "updated", "updated"]
    assert all(not o["changed"] for o in orders if o["result"] == "updated")
    assert len({o["hub_no"] for o in orders}) == 1
    assert Order.objects.count() == 1
