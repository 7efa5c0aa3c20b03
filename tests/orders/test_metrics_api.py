"""``GET /api/metrics/health/``: figures with numerator and denominator, roles, bad input."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders import services
from orders.metrics.services import order_flows_refresh, order_flows_route
from tests.factories import ChannelFactory, OrderFactory

pytestmark = pytest.mark.django_db
URL = "/api/metrics/health/"


@pytest.fixture
def paid_orders(fresh_rules, make_user):
    """Three orders paid an hour ago (none shipped; ship-by 47 h ahead), one of them handed
    over already, on two channels."""
    a, b = ChannelFactory(code="shopa"), ChannelFactory(code="shopb")
    wh = make_user("warehouse")
    orders = [OrderFactory(channel=a), OrderFactory(channel=a), OrderFactory(channel=b)]
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    for order in orders:
        services.order_pay(order=order, actor=None, paid_at=hour_ago)
    for name in ("start_picking", "start_packing", "print_label", "hand_over"):
        services.order_transition(order=orders[0], name=name, actor=wh)
    order_flows_route(warehouses={orders[0].pk: 7, orders[1].pk: 7}, names={7: "杭州仓"})
    order_flows_refresh(order_ids=[o.pk for o in orders])
    return {"a": a, "b": b, "orders": orders}


def test_a_manager_reads_each_figure_with_its_numerator_and_denominator(token_client,
                                                                        paid_orders):
    client = token_client("manager")
    until = (timezone.localdate() + dt.timedelta(days=3)).isoformat()  # their ship-by days
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"until": until})
    assert response.status_code == 200, response.content
    body = response.json()
    figures = body["figures"]
    assert set(figures) >= {"on_time_ship_rate", "channel_fulfilment_rate",
                            "payment_to_ship_hours", "transit_days", "breakpoint_rate",
                            "interventions_per_1000", "order_health_index", "status_timeliness",
                            "cross_system_consistency", "self_healed"}
    assert figures["channel_fulfilment_rate"] == {
        "value": pytest.approx(1 / 3, abs=1e-6), "numerator": 1, "denominator": 3,
        "unit": "ratio"}
    # Handed over before its ship-by: on time. The two others are due 47 h ahead and
    # unshipped: not decided yet, left out of the rate.
    assert (figures["on_time_ship_rate"]["numerator"],
            figures["on_time_ship_rate"]["denominator"]) == (1, 1)
    assert body["since"] == (timezone.localdate() - dt.timedelta(days=26)).isoformat()
    assert len(body["days"]) == 30  # 30 days up to 'until' by default
    assert body["stuck_by_reason"] == []
    assert len(queries) <= 8  # aggregates, undecided, stuck (+ auth)


def test_by_channel_and_warehouse(token_client, paid_orders):
    client = token_client("operations")
    by_b = client.get(URL, {"channel": "shopb"}).json()["figures"]
    assert (by_b["channel_fulfilment_rate"]["numerator"],
            by_b["channel_fulfilment_rate"]["denominator"]) == (0, 1)
    by_w = client.get(URL, {"warehouse": 7}).json()["figures"]
    assert by_w["channel_fulfilment_rate"]["denominator"] == 2
    today = timezone.localdate().isoformat()
    moment = client.get(URL, {"since": f"{today}T00:00:00+08:00", "until": today})
    assert moment.status_code == 200
    assert moment.json()["figures"]["channel_fulfilment_rate"]["denominator"] == 3


@pytest.mark.parametrize("role", ["customer_service", "warehouse", "finance", "integrator"])
def test_other_roles_are_refused(token_client, role):
    response = token_client(role).get(URL)
    assert response.status_code == 403
    assert "orders.view_metriccount" in response.json()["detail"]


def test_no_credentials_is_401(client):
    assert client.get(URL).status_code in (401, 403)


@pytest.mark.parametrize("query, field", [
    ({"since": "yesterday"}, "since"),
    ({"since": "2026-11-02T10:00:00"}, "since"),  # no offset: which day is it?
    ({"since": "2026-11-05", "until": "2026-11-01"}, "since"),
    ({"since": "2024-01-01", "until": "2026-11-01"}, "since"),
    ({"channel": "nosuch"}, "channel"),
    ({"warehouse": "x"}, "warehouse"),
])
def test_bad_input_is_a_400_naming_the_field(token_client, query, field):
    response = token_client("manager").get(URL, query)
    assert response.status_code == 400
    assert field in response.json()["errors"]
