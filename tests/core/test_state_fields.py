"""Models with a state machine read their state whatever a query leaves out: the state is noted
when an instance is built (a save checks it is unchanged), and a deferred one would be fetched
with one query per row (orderhub.core.models.StateKeepingQuerySet)."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.models import Case
from orders.models import Order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("narrow", [
    lambda qs: qs.only("pk", "hub_no"),
    lambda qs: qs.defer("status", "receiver_name"),
])
def test_reading_a_few_columns_of_many_orders_is_one_query(narrow):
    OrderFactory.create_batch(5)
    with CaptureQueriesContext(connection) as captured:
        orders = list(narrow(Order.objects.order_by("pk")))
        assert {order.status for order in orders}
    assert len(orders) == 5 and len(captured.captured_queries) == 1


def test_other_fields_are_still_left_out():
    OrderFactory()
    order = Order.objects.only("pk").get()
    assert "receiver_name" in order.get_deferred_fields()
    assert "status" not in order.get_deferred_fields()
    assert Order.objects.defer(None).get().get_deferred_fields() == set()


def test_cases_keep_their_state_too():
    assert "status" in Case.objects.only("pk").query.deferred_loading[0]
