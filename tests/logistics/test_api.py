"""The logistics API: gift scan, address change, refund request, an order's fulfilment, stock."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from logistics.models import Stock
from logistics.services.fulfilment import fulfilment_process
from orders.models import GiftOrder
from orders.state_machine import Status
from tests.factories import GiftOrderFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(make_user):
    """``api("warehouse")``: an English-speaking client with a token of a user in that role."""

    def client_for(role: str) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_user(role)).key}")
        return client

    return client_for


def test_scan_endpoint_scans_the_gift_and_answers_with_the_order(api):
    order = OrderFactory(status=Status.PACKING)
    gift = GiftOrderFactory(parent=order, sku="GIFT-MUG")
    response = api("warehouse").post(f"/api/orders/{order.hub_no}/scan/", {"code": "GIFT-MUG"},
                                     format="json")
    assert response.status_code == 200
    assert response.json()["gift_orders"] == [
        {"hub_no": gift.hub_no, "status": "scanned", "sku": "GIFT-MUG", "title": gift.title,
         "quantity": 1}]
    assert "print_label" in response.json()["allowed_transitions"]


def test_scan_endpoint_refusals_are_json_with_a_message(api):
    order = OrderFactory(status=Status.PACKING)
    GiftOrderFactory(parent=order, sku="GIFT-MUG")
    wrong = api("warehouse").post(f"/api/orders/{order.hub_no}/scan/", {"code": "NOPE"},
                                  format="json")
    assert wrong.status_code == 400
    assert "Code 'NOPE' is not gift" in wrong.json()["detail"]
    forbidden = api("customer_service").post(f"/api/orders/{order.hub_no}/scan/",
                                             {"code": "GIFT-MUG"}, format="json")
    assert forbidden.status_code == 403
    assert "orders.pack_order" in forbidden.json()["detail"]
    none = api("warehouse").post(f"/api/orders/{OrderFactory().hub_no}/scan/",
                                 {"code": "X"}, format="json")
    assert none.status_code == 409
    assert "no gift waiting to be scanned" in none.json()["detail"]
    missing = api("warehouse").post(f"/api/orders/{order.hub_no}/scan/", {}, format="json")
    assert missing.status_code == 400 and "code" in missing.json()["errors"]
    assert GiftOrder.objects.get().status == "pending"


def test_print_label_transition_is_refused_until_scanned_with_the_gift_named(api):
    order = OrderFactory(status=Status.PACKING)
    gift = GiftOrderFactory(parent=order)
    response = api("warehouse").post(f"/api/orders/{order.hub_no}/shipments/",
                                     {"carrier": "SF", "tracking_no": "SF1234567890123"},
                                     format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "gift_not_scanned"
    assert gift.hub_no in response.json()["detail"]


def test_address_change_endpoint_holds_an_order_being_picked(api):
    order = OrderFactory(status=Status.PICKING)
    response = api("customer_service").post(
        f"/api/orders/{order.hub_no}/address/",
        {"receiver": {"address": "新地址 8 号"}, "reason": "buyer called"}, format="json")
    body = response.json()
    assert response.status_code == 200
    assert (body["receiver"]["address"], body["on_hold"]) == ("新地址 8 号", True)
    assert body["history"][-1]["reason"] == (
        "address changed: buyer called; held: picking had started")
    shipped = OrderFactory(status=Status.IN_TRANSIT)
    refused = api("customer_service").post(
        f"/api/orders/{shipped.hub_no}/address/",
        {"receiver": {"address": "x"}, "reason": "late"}, format="json")
    assert refused.status_code == 409 and "carrier" in refused.json()["detail"]
    empty = api("customer_service").post(f"/api/orders/{order.hub_no}/address/",
                                         {"receiver": {}, "reason": "x"}, format="json")
    assert empty.status_code == 400


def test_refund_request_endpoint(api):
    order = OrderFactory(status=Status.PAID)
    response = api("customer_service").post(f"/api/orders/{order.hub_no}/refund-request/",
                                            {"reason": "不想要了"}, format="json")
    assert response.status_code == 200
    assert [(h["source"], h["reason"]) for h in response.json()["holds"]] == [
        ("refund_request", "不想要了")]
    assert api("finance").post(f"/api/orders/{order.hub_no}/refund-request/",
                               {"reason": "x"}, format="json").status_code == 403


def test_fulfilment_endpoint_says_why_the_order_is_where_it_is(api, only_warehouse, stocked,
                                                               paid_order,
                                                               django_assert_max_num_queries):
    stocked(only_warehouse("T1"), "SKU-A", 5)
    order = paid_order({"SKU-A": 2}, receiver_province="新疆", paid_amount="6000.00")
    fulfilment_process(order_id=order.pk)
    client = api("customer_service")
    # (13: the order's detail now prefetches its return-risk score too, one query)
    with django_assert_max_num_queries(13):
        response = client.get(f"/api/orders/{order.hub_no}/fulfilment/")
    body = response.json()
    assert response.status_code == 200
    assert (body["decided"], body["outcome"], body["warehouse"]) == (True, "allocated", "T1")
    assert body["matched_rules"][0]["rule"].startswith("Risk: over 5,000")
    assert body["matched_rules"][0]["done"] == "sent to risk review"
    assert "paid amount 6000.00" in body["matched_rules"][0]["seen"]
    assert body["summary"].startswith("routed to T1; 2 unit(s) reserved")
    # the same stored texts, asked for in Chinese
    client.credentials(HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese = client.get(f"/api/orders/{order.hub_no}/fulfilment/").json()
    assert "实付金额 6000.00" in chinese["matched_rules"][0]["seen"]
    assert chinese["summary"].startswith("分配到 T1；已占用 2 件")
    assert "§" not in str(chinese)
    assert [(r["sku"], r["quantity"], r["status"]) for r in body["reservations"]] == [
        ("SKU-A", 2, "reserved")]
    undecided = client.get(f"/api/orders/{OrderFactory().hub_no}/fulfilment/").json()
    assert (undecided["decided"], undecided["matched_rules"]) == (False, [])
    assert api("finance").get(f"/api/orders/{order.hub_no}/fulfilment/").status_code == 403


def test_stock_list_and_low_filter(api, only_warehouse, stocked):
    warehouse = only_warehouse("T1")
    stocked(warehouse, "SKU-A", 10)
    stocked(warehouse, "SKU-B", 2)
    client = api("customer_service")
    rows = client.get("/api/logistics/stock/").json()["results"]
    assert [(r["sku"], r["available"]) for r in rows] == [("SKU-A", 10), ("SKU-B", 2)]
    low = client.get("/api/logistics/stock/", {"low": "true"}).json()["results"]
    assert [r["sku"] for r in low] == ["SKU-B"]
    assert api("finance").get("/api/logistics/stock/").status_code == 403


def test_stock_import_endpoint_dry_run_then_apply_and_bad_rows(api, only_warehouse):
    only_warehouse("T1")
    client = api("integrator")
    good = b"warehouse,sku,on_hand\nT1,SKU-A,9\n"
    preview = client.post("/api/logistics/stock/import/",
                          {"file": SimpleUploadedFile("s.csv", good)}, format="multipart")
    assert preview.status_code == 200
    assert (preview.json()["applied"], preview.json()["rows"]) == (False, 1)
    assert not Stock.objects.exists()
    applied = client.post("/api/logistics/stock/import/",
                          {"file": SimpleUploadedFile("s.csv", good), "dry_run": "false"},
                          format="multipart")
    assert applied.json()["applied"] is True
    assert Stock.objects.get().on_hand == 9
    bad = client.post("/api/logistics/stock/import/",
                      {"file": SimpleUploadedFile("s.csv", b"warehouse,sku,on_hand\nT1,SKU-A,1\n"
                                                           b"T1,SKU-B,-2\n"),
                       "dry_run": "false"}, format="multipart")
    assert bad.status_code == 400
    assert bad.json()["rows"] == [{"row": 3, "message": "on_hand cannot be negative (-2)"}]
    assert Stock.objects.get().on_hand == 9
