"""The order list's default order: most urgent first (the earlier of the state's due time and
the ship-by promise, while the promise matters), then newest; read from order_urgency_idx."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from orders.models import Order
from orders.state_machine import Status
from tests.conftest import requires_postgres
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def first_page(user) -> list[str]:
    request = RequestFactory().get("/admin/orders/order/")
    request.user = user
    changelist = admin.site.get_model_admin(Order).get_changelist_instance(request)
    return [order.hub_no for order in changelist.result_list]


def test_overdue_orders_come_first_then_the_newest(make_user):
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    # given a shipped order whose old promise is long past (it no longer matters) ...
    OrderFactory(hub_no="JD01", status=Status.IN_TRANSIT, ship_by=now - 48 * hour)
    # ... a picking order due in an hour, a paid one whose promise is 30 minutes away,
    OrderFactory(hub_no="JD02", status=Status.PICKING, state_due_at=now + hour,
                 ship_by=now + 20 * hour)
    OrderFactory(hub_no="JD03", status=Status.PAID, state_due_at=now + 3 * hour,
                 ship_by=now + hour / 2)
    # ... a packing order already overdue, and two finished orders
    OrderFactory(hub_no="JD04", status=Status.PACKING, state_due_at=now - hour)
    OrderFactory(hub_no="JD05", status=Status.CLOSED)
    OrderFactory(hub_no="JD06", status=Status.CANCELLED)

    # then the list opens on the overdue one, then by urgency, then the rest newest first
    assert first_page(make_user(is_superuser=True)) == [
        "JD04", "JD03", "JD02", "JD06", "JD05", "JD01"]


@requires_postgres("the planner's choice of index")
def test_the_list_order_is_read_from_its_index(make_user):
    for n in range(5):
        OrderFactory(status=Status.PAID, state_due_at=timezone.now())
    request = RequestFactory().get("/admin/orders/order/")
    request.user = make_user(is_superuser=True)
    changelist = admin.site.get_model_admin(Order).get_changelist_instance(request)
    sql, params = changelist.result_list[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        # a tiny table is scanned anyway: forbid that, so the plan shows whether the index
        # expression and the ORDER BY are the same expression
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_urgency_idx" in plan, plan
