"""The logistics admin: picking queue, rules with checked rows, stock import, the order-page
panel and its actions, decisions with retry; what each role may open."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from logistics.models import FulfilmentDecision, FulfilmentRule, Stock, StockMovement
from logistics.services.fulfilment import fulfilment_process
from orders.models import GiftOrder, Order
from orders.state_machine import Status
from tests.factories import GiftOrderFactory, OrderFactory
from tests.factories import open_reasons
from logistics import texts
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_picking_queue_without_due_times_is_by_ship_by_across_warehouses(
        login, client, only_warehouse, warehouse, paid_order, no_default_rules):
    # given two warehouses and orders with different priorities and ship-by times, and no
    # step due time (most overdue first is tests/logistics/test_warehouse_floor.py's)
    first, second = only_warehouse("A1"), warehouse("B2", priority=2)
    now = timezone.now()

    def queued(code_warehouse, **kwargs):
        order = paid_order(**kwargs)
        FulfilmentDecision.objects.create(order=order, outcome="allocated",
                                          warehouse=code_warehouse)
        return order

    late = queued(first, ship_by=now + dt.timedelta(hours=20))
    soon = queued(first, ship_by=now + dt.timedelta(hours=2))
    urgent = queued(first, ship_by=now + dt.timedelta(hours=30), priority=Order.Priority.URGENT)
    other = queued(second, ship_by=now)
    queued(first, status=Status.AWAITING_PICKUP)  # packed already: not in the queue
    login("warehouse")
    # when the queue is opened
    response = client.get(reverse("admin:logistics_pickingqueueentry_changelist"))
    # then the earliest ship-by first, whatever the warehouse or the priority
    assert response.status_code == 200
    assert [e.order_id for e in response.context["cl"].result_list] == [
        other.pk, soon.pk, late.pk, urgent.pk]
    filtered = client.get(reverse("admin:logistics_pickingqueueentry_changelist"),
                          {"warehouse__id__exact": second.pk})
    assert [e.order_id for e in filtered.context["cl"].result_list] == [other.pk]


def test_start_picking_from_the_queue_calls_the_service(login, client, paid_order,
                                                        only_warehouse):
    order = paid_order()
    FulfilmentDecision.objects.create(order=order, outcome="allocated",
                                      warehouse=only_warehouse())
    login("warehouse")
    response = client.post(reverse("admin:logistics_pickingqueueentry_changelist"), {
        "action": "start_picking", "_selected_action": [order.fulfilment.pk]}, follow=True)
    order.refresh_from_db()
    assert order.status == Status.PICKING
    assert "Picking started for 1 order(s)." in messages_of(response)
    reason = order.history.order_by("-history_id").first().history_change_reason
    assert reason == texts.PICKING_QUEUE.encode() and render(reason) == "picking queue"
    with translation.override("zh-hans"):
        assert render(reason) == "拣货队列"


def test_operations_write_rules_and_impossible_conditions_are_refused(login, client):
    login("operations")
    url = reverse("admin:logistics_fulfilmentrule_add")
    form = {
        "name": "Big orders", "priority": "5", "match": "all", "is_active": "on",
        "description": "",
        "conditions-TOTAL_FORMS": "1", "conditions-INITIAL_FORMS": "0",
        "conditions-0-fact": "amount", "conditions-0-operator": "contains",
        "conditions-0-value": "abc",
        "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0",
        "actions-0-kind": "set_priority", "actions-0-position": "0",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "does not apply to" in refused.content.decode()
    assert "Choose the priority." in refused.content.decode()
    form.update({"conditions-0-operator": "gt", "conditions-0-value": "10000",
                 "actions-0-priority": "20"})
    assert client.post(url, form).status_code == 302
    rule = FulfilmentRule.objects.get(name="Big orders")
    assert [(c.fact, c.operator, c.value) for c in rule.conditions.all()] == [
        ("amount", "gt", "10000")]
    assert rule.history.count() == 1  # audited


def test_stock_import_in_the_admin_previews_then_applies(login, client, only_warehouse):
    only_warehouse("T1")
    login("warehouse")
    url = reverse("admin:logistics_stock_import")
    upload = SimpleUploadedFile("count.csv", b"warehouse,sku,on_hand\nT1,SKU-A,30\n")
    preview = client.post(url, {"file": upload})
    assert preview.status_code == 200
    assert "Dry run of count.csv" in preview.content.decode()
    assert not Stock.objects.exists()
    stored = preview.context["stored"]
    applied = client.post(url, {"stored": stored, "file_name": "count.csv"}, follow=True)
    assert "1 stock row(s) imported from count.csv." in messages_of(applied)
    assert Stock.objects.get().on_hand == 30
    # the ledger names the file, in the reader's language
    reason = StockMovement.objects.get().reason
    assert reason == texts.STOCK_IMPORT.encode(file="count.csv")
    with translation.override("zh-hans"):
        assert render(reason) == "库存导入：count.csv"
    # a forged stored name is not read
    forged = client.post(url, {"stored": "../../etc/passwd", "file_name": "x"})
    assert "The preview expired" in forged.content.decode()


def test_stock_import_with_a_bad_row_offers_no_import(login, client, only_warehouse):
    only_warehouse("T1")
    login("warehouse")
    upload = SimpleUploadedFile("bad.csv", b"warehouse,sku,on_hand\nT1,SKU-A,3\nT1,SKU-B,x\n")
    response = client.post(reverse("admin:logistics_stock_import"), {"file": upload})
    page = response.content.decode()
    assert "on_hand &#x27;x&#x27; is not a whole number" in page
    assert response.context.get("stored") is None and 'name="stored"' not in page
    assert not Stock.objects.exists()


def test_stock_export_and_import_need_their_permissions(login, client, only_warehouse,
                                                        stocked):
    stocked(only_warehouse("T1"), "SKU-A", 3)
    login("customer_service")
    assert client.get(reverse("admin:logistics_stock_import")).status_code == 403
    assert client.get(reverse("admin:logistics_stock_export", args=["csv"])).status_code == 403
    assert client.get(reverse("admin:logistics_stock_changelist")).status_code == 200
    login("operations")
    export = client.get(reverse("admin:logistics_stock_export", args=["csv"]))
    assert export.status_code == 200 and b"T1,SKU-A,3" in export.content


def panel(order: Order, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    with translation.override("en"):
        return Template("{% load logistics_admin %}{% order_fulfilment_panel order %}").render(
            Context({"request": request, "order": order, "csrf_token": "t"}))


def test_order_panel_shows_why_gifts_and_the_scan_box(make_user, only_warehouse, stocked,
                                                      paid_order):
    stocked(only_warehouse("T1"), "SKU-A", 5)
    order = paid_order({"SKU-A": 1}, receiver_province="西藏", paid_amount="7000.00")
    fulfilment_process(order_id=order.pk)
    html = panel(order, make_user("customer_service"))
    assert "Risk: over 5,000 to Xinjiang" in html and "sent to risk review" in html
    assert 'id="fulfilment-reservations"' in html
    assert 'id="fulfilment-scan"' not in html  # no gift, and not packing
    packing = OrderFactory(status=Status.PACKING)
    GiftOrderFactory(parent=packing)
    assert 'id="fulfilment-scan"' in panel(packing, make_user("warehouse"))
    assert 'id="fulfilment-scan"' not in panel(packing, make_user("customer_service"))
    assert "Waiting to be scanned" in panel(packing, make_user("customer_service"))


def test_admin_scan_address_and_refund_views_call_the_services(login, client):
    order = OrderFactory(status=Status.PACKING)
    gift = GiftOrderFactory(parent=order, sku="GIFT-MUG")
    login("warehouse")
    scanned = client.post(reverse("admin:logistics_order_scan", args=[order.pk]),
                          {"code": "GIFT-MUG"}, follow=True)
    assert f"Gift {gift.hub_no} scanned." in messages_of(scanned)
    assert GiftOrder.objects.get().status == "scanned"
    login("customer_service")
    address_url = reverse("admin:logistics_order_address", args=[order.pk])
    form = client.get(address_url)
    assert form.context["form"].initial["address"] == "文三路 90 号"
    changed = client.post(address_url, {
        "name": "张伟", "phone": "13900000000", "province": "浙江省", "city": "杭州市",
        "district": "西湖区", "address": "文一路 1 号", "reason": "buyer called"}, follow=True)
    assert any("the order is held" in m for m in messages_of(changed))
    order.refresh_from_db()
    assert (order.receiver_address, order.on_hold) == ("文一路 1 号", True)
    refund = client.post(reverse("admin:logistics_order_refund_request", args=[order.pk]),
                         {"reason": "wrong size"}, follow=True)
    order.refresh_from_db()
    assert order.holds.get(source="refund_request").reason == "wrong size"
    assert any("held for the refund request" in m for m in messages_of(refund))


def test_admin_address_view_shows_the_refusal(login, client):
    order = OrderFactory(status=Status.DELIVERED)
    login("customer_service")
    response = client.post(reverse("admin:logistics_order_address", args=[order.pk]), {
        "name": "张伟", "phone": "1", "province": order.receiver_province,
        "city": order.receiver_city, "district": order.receiver_district, "address": "x",
        "reason": "late"})
    assert response.status_code == 200
    assert "Ask the carrier to redirect the parcel." in response.content.decode()


def test_retry_action_on_decisions(login, client, only_warehouse, stocked, paid_order,
                                   no_default_rules):
    warehouse = only_warehouse()
    stocked(warehouse, "SKU-A", 1)
    order = paid_order({"SKU-A": 2})
    decision = fulfilment_process(order_id=order.pk)
    assert decision.outcome == "out_of_stock"
    stocked(warehouse, "SKU-A", 1)
    login("warehouse")
    response = client.post(reverse("admin:logistics_fulfilmentdecision_changelist"), {
        "action": "retry_reservation", "_selected_action": [decision.pk]}, follow=True)
    assert "1 order(s) now have their stock." in messages_of(response)
    decision.refresh_from_db()
    assert (decision.outcome, decision.attempts) == ("allocated", 2)


@pytest.mark.parametrize(("role", "url_name", "status"), [
    ("finance", "admin:logistics_fulfilmentrule_changelist", 403),
    ("warehouse", "admin:logistics_fulfilmentrule_changelist", 403),
    ("operations", "admin:logistics_fulfilmentrule_changelist", 200),
    ("customer_service", "admin:logistics_pickingqueueentry_changelist", 403),
    ("warehouse", "admin:logistics_pickingqueueentry_changelist", 200),
    ("customer_service", "admin:logistics_fulfilmentdecision_changelist", 200),
    ("finance", "admin:logistics_parcel_changelist", 200),
    ("finance", "admin:logistics_stock_changelist", 403),
    ("manager", "admin:logistics_stockmovement_changelist", 200),
    ("manager", "admin:logistics_warehouse_changelist", 200),
    ("operations", "admin:logistics_fulfilmentsettings_changelist", 200),
])
def test_pages_per_role(login, client, role, url_name, status):
    login(role)
    assert client.get(reverse(url_name)).status_code == status


def test_the_order_page_shows_the_logistics_card(client, make_user):
    # given an order being picked and customer service (who may change addresses)
    order = OrderFactory(status=Status.PICKING)
    client.force_login(make_user("customer_service"))
    # when the order page is opened
    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    # then the logistics card (added by logistics to the orders admin) is on it
    assert response.status_code == 200
    assert reverse("admin:logistics_order_address", args=[order.pk]) in response.content.decode()
