"""The return-risk score of paid orders: the customer's history, the SKU's, the hour."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftersales.models import ReturnRisk
from aftersales.risk import return_risk_score, return_risks_compute
from orders.models import Order
from orders.services import order_pay
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


def test_a_customer_who_returns_a_lot_and_a_late_night_order_score_high(order_in, open_case):
    customer = CustomerFactory()
    for _ in range(5):
        earlier = order_in("delivered")
        earlier.customer = customer
        earlier.paid_at = timezone.now()
        earlier.save(update_fields=["customer", "paid_at"])
        open_case("return", order=earlier)
    order = order_in("paid")
    order.customer, order.paid_at = customer, timezone.now()
    order.placed_at = dt.datetime(2026, 1, 28, 2, 30, tzinfo=BEIJING)
    order.save(update_fields=["customer", "paid_at", "placed_at"])
    score, reasons = return_risk_score(order)
    # customer: 5 cases / 5 orders = 50 + 10; the SKU: 5 of 5 other lines = 30; 2:30 am: 10
    assert score == 100
    assert reasons[0].startswith("该客户 5 单中有 5 次售后") and "深夜下单（2 点）" in reasons


def test_a_first_time_daytime_buyer_scores_zero(order_in):
    order = order_in("paid")
    order.paid_at = timezone.now()
    order.placed_at = dt.datetime(2026, 1, 28, 14, 0, tzinfo=BEIJING)
    order.save(update_fields=["paid_at", "placed_at"])
    assert return_risk_score(order) == (0, [])


def test_paying_an_order_scores_it_and_the_api_and_page_show_it(
        order_in, token_client, make_user, django_capture_on_commit_callbacks):
    order = order_in("pending_payment")
    with django_capture_on_commit_callbacks(execute=True):
        order_pay(order=order, actor=None)
    risk = ReturnRisk.objects.get(order=order)
    answer = token_client("integrator").get(f"/api/aftersales/risk/{order.hub_no}/")
    assert answer.status_code == 200
    assert (answer.json()["hub_no"], answer.json()["score"]) == (order.hub_no, risk.score)
    assert token_client("integrator").get("/api/aftersales/risk/NOPE1/").status_code == 404
    from django.test import Client
    client = Client()
    client.force_login(make_user("customer_service"))
    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert "/ 100" in page.content.decode()


def test_an_unpaid_order_is_not_scored(order_in):
    order = order_in("pending_payment")
    assert return_risks_compute(order_ids=[order.pk]) == 0


def test_scoring_a_batch_costs_the_same_queries_for_3_orders_as_for_12(order_in):
    """A peak day scores its paid orders in batches of hundreds: no query per order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count: int) -> int:
        orders = [order_in("paid") for _ in range(count)]
        Order.objects.filter(pk__in=[o.pk for o in orders]).update(paid_at=timezone.now())
        with CaptureQueriesContext(connection) as captured:
            assert return_risks_compute(order_ids=[o.pk for o in orders]) == count
        return len(captured.captured_queries)

    assert queries_for(3) == queries_for(12)
