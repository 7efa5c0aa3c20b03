"""The order's JSON as /api/schema/ describes it: the sections other apps add (logistics'
``shipments``, ``expected_delivery`` and ``tracking_page``, after-sales' ``return_risk``) are
declared fields, and a real order's answer, parcels and trace included, passes the schema."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from aftersales.risk import return_risks_compute
from tests.api.conftest import CHECKS
from tests.logistics.shipments_kit import SF_TOKEN, SF_URL, labelled, sf_body, sf_route

pytestmark = pytest.mark.usefixtures("wsgi_keeps_connection")
DETAIL = "/api/orders/{hub_no}/"


def test_the_schema_describes_the_sections_other_apps_add(api_schema):
    components = api_schema.raw_schema["components"]["schemas"]
    fields = components["OrderDetail"]["properties"]

    assert fields["shipments"]["items"] == {"$ref": "#/components/schemas/Shipment"}
    assert {"carrier", "tracking_no", "status", "trust", "events"} <= set(
        components["Shipment"]["properties"])
    assert {"at", "description", "location"} <= set(
        components["ShipmentEvent"]["properties"])
    assert fields["expected_delivery"]["format"] == "date-time"
    assert fields["expected_delivery"]["nullable"] is True
    assert (fields["tracking_page"]["type"], fields["tracking_page"]["format"]) == ("string",
                                                                                  "uri")
    assert fields["return_risk"]["nullable"] is True
    assert {"shipments", "expected_delivery", "tracking_page", "return_risk"} <= set(
        components["OrderDetail"]["required"])


def test_a_real_order_with_a_parcel_on_its_way_answers_as_the_schema_says(
        api_schema, auth_header, settings, django_capture_on_commit_callbacks):
    # given a labelled order (paid, placed at 3 am) whose parcel SF collected and moved, with
    # its return-risk score
    settings.ORDERHUB_SF_PUSH_TOKEN = SF_TOKEN
    placed = timezone.make_aware(dt.datetime(2026, 1, 28, 3, 0))
    shipment = labelled(django_capture_on_commit_callbacks, placed_at=placed, paid_at=placed)
    routes = sf_body(
        sf_route(shipment.tracking_no, "54", "顺丰速运 已收取快件", "2026-01-28 18:02:11"),
        sf_route(shipment.tracking_no, "30", "快件到达 【杭州转运中心】", "2026-01-29 06:40:00",
                 address="杭州市", route_id="2"))
    # (pushed through the WSGI application the API calls go through: wsgi_keeps_connection)
    push = api_schema[SF_URL]["POST"].Case(query={"token": SF_TOKEN}, body=json.loads(routes),
                                           media_type="application/json")
    with django_capture_on_commit_callbacks(execute=True):
        assert push.call().status_code == 200
    order = shipment.orders.get()
    return_risks_compute(order_ids=[order.pk])

    # when an integrator reads the order
    case = api_schema[DETAIL]["GET"].Case(path_parameters={"hub_no": order.hub_no})
    response = case.call(headers=auth_header)

    # then the answer passes the schema, and documents every field it has
    case.validate_response(response, checks=CHECKS)
    body = response.json()
    documented = api_schema.raw_schema["components"]["schemas"]["OrderDetail"]["properties"]
    assert set(body) <= set(documented)
    [parcel] = body["shipments"]
    assert parcel["status"] == "in_transit" and len(parcel["events"]) == 3  # label + 2 scans
    assert body["expected_delivery"] is not None
    assert body["tracking_page"].startswith("http")
    assert body["return_risk"]["reasons"] == ["深夜下单（3 点）"]
