"""The alerts API (``GET /api/alerts/?order=<hub_no>``, acknowledge, resolve)."""
from __future__ import annotations

import datetime as dt

import pytest

from orderhub.alerts.models import Alert
from orderhub.alerts.services import alert_raise
from orders import services
from orders.models import Channel
from orders.sla.sweep import sla_sweep
from orders.state_machine import Status
from tests.factories import OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rules")]


@pytest.fixture
def api(token_client):
    """``api()``: a token client of the warehouse; ``api("manager")`` of another role."""
    return lambda role="warehouse": token_client(role)


@pytest.fixture
def breached():
    """An order 3 h in picking with its level-1 SLA alert, and an alert of another order."""
    order = OrderFactory(status=Status.PAID, channel=Channel.objects.get(code="jd"))
    order = services.order_start_picking(order=order, actor=None)
    sla_sweep(now=order.state_entered_at + dt.timedelta(hours=3))
    alert_raise(key="stock:1", kind="low_stock", title="SKU-1 low", team="warehouse",
                order=OrderFactory())
    return order


def test_alerts_of_an_order_with_the_contract_fields(api, breached):
    response = api().get("/api/alerts/", {"order": breached.hub_no})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["kind"], row["level"], row["status"], row["order"]) == (
        "sla", 1, "open", breached.hub_no)
    assert row["created_at"].endswith("+08:00")
    assert row["team"] == "warehouse" and row["level_label"] == "Team lead"


@pytest.mark.parametrize(("params", "kinds"), [
    ({"kind": "low_stock"}, ["low_stock"]),
    ({"level": "1"}, ["low_stock", "sla"]),
    ({"level": "2"}, []),
    ({"status": ["open", "acknowledged"]}, ["low_stock", "sla"]),
    ({"status": "resolved"}, []),
    ({"team": "warehouse"}, ["low_stock", "sla"]),
])
def test_alert_filters(api, breached, params, kinds):
    response = api("customer_service").get("/api/alerts/", params)
    assert sorted(row["kind"] for row in response.json()["results"]) == kinds


def test_unknown_order_is_404_and_bad_filters_are_400(api, breached):
    client = api()
    missing = client.get("/api/alerts/", {"order": "JD2099010100001"})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No order with hub number 'JD2099010100001'."
    bad = client.get("/api/alerts/", {"level": "9"})
    assert bad.status_code == 400 and "Valid values: 1, 2, 3" in bad.json()["detail"]


def test_a_user_without_a_role_may_not_read_alerts(api, breached):
    response = api(None).get("/api/alerts/")
    assert response.status_code == 403
    assert "alerts.view_alert" in response.json()["detail"]


def test_the_list_costs_the_same_queries_for_one_or_many_alerts(api, django_assert_num_queries):
    for number in range(30):
        alert_raise(key=f"k{number}", kind="low_stock", title="low", order=OrderFactory())
    client = api()
    # token, user permissions, group permissions, the page
    with django_assert_num_queries(4):
        response = client.get("/api/alerts/", {"page_size": 200})
    assert len(response.json()["results"]) == 30


def test_acknowledge_then_resolve_records_who_and_when(api, breached):
    client = api("warehouse")
    alert = Alert.objects.get(order=breached)
    response = client.post(f"/api/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["acknowledged_by"]) == ("acknowledged", client.user.username)
    assert body["next_escalation_at"] is None
    # acknowledging twice is a conflict with a message
    again = client.post(f"/api/alerts/{alert.pk}/acknowledge/")
    assert again.status_code == 409 and "already acknowledged" in again.json()["detail"]
    # resolving needs a resolution
    assert client.post(f"/api/alerts/{alert.pk}/resolve/", {}).status_code == 400
    resolved = client.post(f"/api/alerts/{alert.pk}/resolve/", {"resolution": "picked by hand"})
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["resolution"]) == (
        "resolved", "picked by hand")
    assert [event["kind"] for event in resolved.json()["events"]] == [
        "raised", "acknowledged", "resolved"]
    assert resolved.json()["events"][1]["actor"] == client.user.username


def test_acknowledging_an_unknown_alert_is_404(api):
    response = api().post("/api/alerts/999999/acknowledge/")
    assert response.status_code == 404 and response.json()["detail"] == "No alert #999999."


def test_the_schema_documents_the_alert_endpoints(api):
    schema = api().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    listing = schema["paths"]["/api/alerts/"]["get"]
    assert {"400", "403", "404"} <= set(listing["responses"])
    assert {"order", "kind", "level", "status"} <= {p["name"] for p in listing["parameters"]}
    assert {"403", "404", "409"} <= set(
        schema["paths"]["/api/alerts/{alert_id}/acknowledge/"]["post"]["responses"])
