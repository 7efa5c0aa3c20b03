"""Shipments: the carrier table, the label (typed, or from the electronic-waybill provider),
merged and split parcels, orders that arrive shipped, existing orders migrated, the events."""
from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from channels.outbound.carriers import HUB_CARRIERS
from channels.writeback.models import WriteBack
from logistics.shipments.carriers import CARRIERS
from logistics.shipments.events import SHIPMENT_CREATED
from logistics.shipments.models import Carrier, Shipment, ShipmentStatus, Trust
from logistics.shipments.delivery import route_transit
from logistics.shipments.services import shipment_label_print
from orderhub.alerts.models import Alert
from orderhub.core.errors import ValidationFailed
from orderhub.events.models import Event
from orders.models import Channel
from orders.services import LineInput, OrderInput, order_create, order_hand_over
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.logistics.fake_kuaidi100 import KEY, SECRET, FakeKuaidi100
from tests.logistics.shipments_kit import SF_NO, labelled

REQUIRED = ["SF", "ZTO", "YTO", "YUNDA", "STO", "JD", "EMS", "JTEXPRESS", "BEST", "DEPPON"]


def shipment_events(kind: str = SHIPMENT_CREATED) -> list[Event]:
    return list(Event.objects.filter(kind=kind).order_by("id"))


# --- carriers -----------------------------------------------------------------------------------
def test_the_migration_seeds_the_carriers_with_chinese_names_and_phones(db):
    carriers = {c.code: c for c in Carrier.objects.all()}
    assert set(REQUIRED) <= set(carriers)
    assert (carriers["SF"].name, carriers["SF"].phone) == ("顺丰速运", "95338")
    assert (carriers["JTEXPRESS"].name, carriers["JTEXPRESS"].kuaidi100_code) == (
        "极兔速递", "jtexpress")


def test_the_carrier_codes_are_the_write_backs():
    # channels may not import logistics: its copy of the codes is held equal here
    assert {code for code, *_rest in CARRIERS} - {"OTHER"} == set(HUB_CARRIERS)


@pytest.mark.parametrize(("carrier", "good", "bad"), [
    ("SF", "SF1234567890123", "SF12345"),
    ("ZTO", "78123456789012", "ZT78123"),
    ("YTO", "YT1234567890123", "1234567890123"),
    ("YUNDA", "4312345678901", "43123"),
    ("JD", "JDVA12345678901", "12345678901"),
    ("EMS", "EA123456789CN", "E123"),
    ("JTEXPRESS", "JT1234567890123", "JT12"),
    ("DEPPON", "DPK123456789012", "DPK1"),
])
def test_a_label_needs_a_number_in_the_carriers_format(db, carrier, good, bad):
    order = OrderFactory(status=Status.PACKING)
    with pytest.raises(ValidationFailed, match="tracking number"):
        shipment_label_print(orders=[order], carrier_code=carrier, tracking_no=bad, actor=None)
    assert not Shipment.objects.exists()
    shipment = shipment_label_print(orders=[order], carrier_code=carrier.lower(),
                                    tracking_no=f" {good.lower()} ", actor=None)
    assert (shipment.carrier.code, shipment.tracking_no) == (carrier, good)


# --- the label through the API ------------------------------------------------------------------
def test_the_label_records_the_parcel_and_moves_the_order_on(token_client):
    client = token_client("warehouse")
    order = OrderFactory(status=Status.PACKING)

    answer = client.post(f"/api/orders/{order.hub_no}/shipments/",
                         {"carrier": "SF", "tracking_no": SF_NO}, format="json")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["carrier"], body["carrier_name"], body["carrier_phone"], body["tracking_no"],
            body["status"], body["trust"], body["orders"]) == (
        "SF", "顺丰速运", "95338", SF_NO, "awaiting_pickup", "red", [order.hub_no])
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == (
        Status.AWAITING_PICKUP, "SF", SF_NO)
    [event] = shipment_events()
    assert (event.order_id, event.payload) == (order.pk, {
        "shipment_id": body["id"], "carrier": "SF", "tracking_no": SF_NO,
        "status": "awaiting_pickup", "previous": ""})


@pytest.mark.parametrize(("role", "body", "status", "message"), [
    ("customer_service", {"carrier": "SF", "tracking_no": SF_NO}, 403, "print labels"),
    ("warehouse", {"carrier": "FEDEX", "tracking_no": SF_NO}, 400, "not a carrier"),
    ("warehouse", {"carrier": "SF", "tracking_no": "SF12"}, 400, "format"),
    ("warehouse", {"carrier": "SF"}, 400, "tracking number"),
])
def test_a_refused_label_writes_nothing(token_client, role, body, status, message):
    order = OrderFactory(status=Status.PACKING)
    answer = token_client(role).post(f"/api/orders/{order.hub_no}/shipments/", body,
                                     format="json")
    assert answer.status_code == status
    assert message in str(answer.json())
    order.refresh_from_db()
    assert order.status == Status.PACKING and not Shipment.objects.exists()
    assert not shipment_events()


def test_an_order_not_packed_or_a_number_taken_is_a_conflict(
    token_client, django_capture_on_commit_callbacks
):
    client = token_client("warehouse")
    picking = OrderFactory(status=Status.PICKING)
    answer = client.post(f"/api/orders/{picking.hub_no}/shipments/",
                         {"carrier": "SF", "tracking_no": SF_NO}, format="json")
    assert answer.status_code == 409 and "packed" in answer.json()["detail"]
    first = labelled(django_capture_on_commit_callbacks)
    other = OrderFactory(status=Status.PACKING)
    answer = client.post(f"/api/orders/{other.hub_no}/shipments/",
                         {"carrier": "SF", "tracking_no": SF_NO}, format="json")
    assert answer.status_code == 409
    assert first.orders.get().hub_no in answer.json()["detail"]


def test_a_merged_parcel_carries_several_orders_and_a_split_order_several_parcels(
    token_client
):
    client = token_client("warehouse")
    one, two = OrderFactory(status=Status.PACKING), OrderFactory(status=Status.PACKING)
    answer = client.post(f"/api/orders/{one.hub_no}/shipments/", {
        "carrier": "ZTO", "tracking_no": "78123456789012", "orders": [two.hub_no]},
        format="json")
    assert answer.status_code == 201
    assert sorted(answer.json()["orders"]) == sorted([one.hub_no, two.hub_no])
    # one event per order of the merged parcel
    assert sorted(e.order_id for e in shipment_events()) == sorted([one.pk, two.pk])
    # the first order's second parcel (split across warehouses)
    answer = client.post(f"/api/orders/{one.hub_no}/shipments/", {
        "carrier": "SF", "tracking_no": SF_NO}, format="json")
    assert answer.status_code == 201
    assert one.shipments.count() == 2 and two.shipments.count() == 1


def test_the_electronic_waybill_gives_the_number(token_client, settings):
    with FakeKuaidi100() as fake:
        settings.ORDERHUB_KUAIDI100_LABEL_URL = f"{fake.base_url}/label/order"
        settings.ORDERHUB_KUAIDI100_KEY, settings.ORDERHUB_KUAIDI100_SECRET = KEY, SECRET
        order = OrderFactory(status=Status.PACKING)
        answer = token_client("warehouse").post(
            f"/api/orders/{order.hub_no}/shipments/", {"carrier": "SF", "waybill": True},
            format="json")
        assert answer.status_code == 201, answer.json()
        assert fake.problems == []
        assert answer.json()["tracking_no"] == "SF1400000000001"
        [(path, form)] = fake.requests
        assert path == "/label/order" and '"kuaidicom":"shunfeng"' in form["param"]
        assert Shipment.objects.get().source == Shipment.Source.WAYBILL
        # a refusal of the provider is said in its words, and nothing is written
        fake.next("refuse")
        other = OrderFactory(status=Status.PACKING)
        answer = token_client("warehouse").post(
            f"/api/orders/{other.hub_no}/shipments/", {"carrier": "SF", "waybill": True},
            format="json")
        assert answer.status_code == 409 and "余额不足" in answer.json()["detail"]
        assert Shipment.objects.count() == 1


# --- orders that arrive shipped, hand-overs, existing orders ------------------------------------
def test_an_order_that_arrives_shipped_brings_its_parcel(db, django_capture_on_commit_callbacks):
    channel = Channel.objects.get(code="taobao")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(channel=channel, actor=None, reason="test", data=OrderInput(
            channel_order_no="3688000000000001", status=Status.IN_TRANSIT, carrier="中通快递",
            tracking_no="78123456789012", channel_status="WAIT_BUYER_CONFIRM_GOODS",
            lines=[LineInput(title="T", quantity=1, unit_price=10)]))
    [shipment] = order.shipments.all()
    assert (shipment.carrier.code, shipment.tracking_no, shipment.status, shipment.trust,
            shipment.source) == ("ZTO", "78123456789012", ShipmentStatus.IN_TRANSIT,
                                 Trust.AGGREGATOR, Shipment.Source.CHANNEL)
    # the channel reported it shipped: nothing to confirm back
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.tracking_no) == ("not_needed", "78123456789012")


def test_staffs_hand_over_moves_the_parcel_and_a_parcel_less_order_alerts(
    db, django_capture_on_commit_callbacks
):
    shipment = labelled(django_capture_on_commit_callbacks)
    order = shipment.orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        order_hand_over(order=order, actor=None, reason="courier came")
    shipment.refresh_from_db()
    assert (shipment.status, shipment.trust) == (ShipmentStatus.IN_TRANSIT, Trust.PERSON)
    [changed] = shipment_events("shipment.status_changed")
    assert (changed.payload["status"], changed.payload["previous"]) == (
        "in_transit", "awaiting_pickup")
    bare = OrderFactory(status=Status.AWAITING_PICKUP)
    with django_capture_on_commit_callbacks(execute=True):
        order_hand_over(order=bare, actor=None, reason="courier came")
    assert Alert.objects.filter(kind="shipment_missing", order=bare).count() == 1


def test_existing_orders_with_a_tracking_number_are_migrated(db):
    migration = importlib.import_module(
        "logistics.migrations.0005_carriers_and_shipments_of_existing_orders")
    delivered = OrderFactory(status=Status.SETTLED, carrier="韵达快递",
                             tracking_no="4312345678901")
    unknown = OrderFactory(status=Status.IN_TRANSIT, carrier="安能物流", tracking_no="AN1")
    merged = [OrderFactory(status=Status.IN_TRANSIT, carrier="shunfeng", tracking_no=SF_NO)
              for _ in range(2)]
    OrderFactory(status=Status.PACKING, carrier="SF", tracking_no="SF9")  # not shipped
    OrderFactory(status=Status.DELIVERED)  # no number

    migration.shipments_of_existing_orders(apps, None)
    migration.shipments_of_existing_orders(apps, None)  # idempotent

    assert Shipment.objects.count() == 3
    assert (delivered.shipments.get().carrier.code, delivered.shipments.get().status) == (
        "YUNDA", ShipmentStatus.DELIVERED)
    assert unknown.shipments.get().carrier.code == "OTHER"
    parcel = Shipment.objects.get(tracking_no=SF_NO)
    assert sorted(parcel.orders.values_list("pk", flat=True)) == sorted(o.pk for o in merged)
    assert parcel.trust == Trust.PERSON and parcel.source == Shipment.Source.MIGRATION


# --- the order's JSON and page, expected delivery -----------------------------------------------
def test_the_orders_json_has_its_parcels_and_expected_delivery(
    token_client, django_capture_on_commit_callbacks
):
    shipment = labelled(django_capture_on_commit_callbacks)
    order = shipment.orders.get()
    body = token_client("customer_service").get(f"/api/orders/{order.hub_no}/").json()
    [parcel] = body["shipments"]
    assert (parcel["carrier"], parcel["tracking_no"], parcel["status"], parcel["trust"]) == (
        "SF", SF_NO, "awaiting_pickup", "red")
    assert parcel["events"][0]["description"] == f"顺丰速运 {SF_NO}"
    # no history on the route yet: the default transit (3 days) from the label
    expected = dt.datetime.fromisoformat(body["expected_delivery"])
    assert expected.utcoffset() == dt.timedelta(hours=8)
    assert abs(expected - (shipment.created_at + dt.timedelta(days=3))) < dt.timedelta(seconds=1)
    bare = OrderFactory(status=Status.PAID)
    body = token_client("customer_service").get(f"/api/orders/{bare.hub_no}/").json()
    assert (body["shipments"], body["expected_delivery"]) == ([], None)


def test_expected_transit_is_the_p80_of_the_carriers_deliveries_on_the_route(db):
    sf = Carrier.objects.get(code="SF")
    now = timezone.now()
    for hours in (20, 24, 26, 30, 36, 40, 44, 48, 60, 90):  # p80 (nearest rank): 48 h
        Shipment.objects.create(
            carrier=sf, tracking_no=f"SF{hours:013d}", source="label",
            status=ShipmentStatus.DELIVERED, origin_province="上海", dest_province="浙江",
            picked_up_at=now - dt.timedelta(days=5),
            delivered_at=now - dt.timedelta(days=5) + dt.timedelta(hours=hours))
    assert route_transit(carrier_id=sf.pk, origin="上海", dest="浙江") == (
        dt.timedelta(hours=48), 10)
    # another route, or another carrier, has no history: the default
    assert route_transit(carrier_id=sf.pk, origin="上海", dest="新疆") == (dt.timedelta(days=3), 0)
    assert route_transit(carrier_id=sf.pk, origin="浙江", dest="浙江") == (dt.timedelta(days=2), 0)


def test_the_order_page_and_the_shipments_admin_show_the_parcels(
    client, make_user, django_capture_on_commit_callbacks
):
    shipment = labelled(django_capture_on_commit_callbacks)
    order = shipment.orders.get()
    client.force_login(make_user("customer_service"))
    page = client.get(f"/admin/orders/order/{order.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Parcels and tracking" in page.content.decode() and SF_NO in page.content.decode()
    listing = client.get("/admin/logistics/shipment/", HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200 and SF_NO in listing.content.decode()
    client.force_login(make_user("finance"))
    assert client.get("/admin/logistics/shipment/").status_code == 403
    client.force_login(make_user("operations"))
    assert "顺丰速运" in client.get("/admin/logistics/carrier/").content.decode()


def test_after_sales_listens_to_the_shipments_returned_event():
    from aftersales import events as aftersales_events
    from logistics.shipments import events

    assert aftersales_events.SHIPMENT_RETURNED == events.SHIPMENT_RETURNED


# --- the plain move cannot skip the parcel ------------------------------------------------------
def test_the_transition_endpoint_refuses_a_label_without_its_parcel(token_client):
    # given a packed order
    order = OrderFactory(status=Status.PACKING)
    # when the warehouse asks for the bare move
    answer = token_client("warehouse").post(
        f"/api/orders/{order.hub_no}/transitions/print_label/", {"reason": "packed"},
        format="json")
    # then it is refused, saying where the parcel is recorded, and nothing moved
    assert answer.status_code == 409
    assert answer.json()["code"] == "parcel_required"
    assert f"/api/orders/{order.hub_no}/shipments/" in answer.json()["detail"]
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == (Status.PACKING, "", "")
    assert not Shipment.objects.exists()
    # a role without the move is still told it may not, and a wrong state is still illegal
    assert token_client("customer_service").post(
        f"/api/orders/{order.hub_no}/transitions/print_label/").status_code == 403
    paid = OrderFactory(status=Status.PAID)
    illegal = token_client("warehouse").post(f"/api/orders/{paid.hub_no}/transitions/print_label/")
    assert illegal.status_code == 409 and illegal.json()["code"] != "parcel_required"


def test_the_shipments_endpoint_labels_the_same_order(token_client,
                                                      django_capture_on_commit_callbacks):
    order = OrderFactory(status=Status.PACKING)
    with django_capture_on_commit_callbacks(execute=True):
        answer = token_client("warehouse").post(
            f"/api/orders/{order.hub_no}/shipments/",
            {"carrier": "SF", "tracking_no": SF_NO}, format="json")
    assert answer.status_code == 201, answer.content
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == (Status.AWAITING_PICKUP, "SF",
                                                                SF_NO)


def test_the_admins_button_and_bulk_move_refuse_a_label_without_its_parcel(client, make_user):
    from django.urls import reverse
    order = OrderFactory(status=Status.PACKING)
    client.force_login(make_user("warehouse"))
    answer = client.post(reverse("admin:orders_order_transition", args=[order.pk, "print_label"]),
                         follow=True)
    assert "a label is printed with its parcel" in answer.content.decode()
    client.post(reverse("admin:orders_order_changelist"),
                {"action": "move_print_label", "_selected_action": [order.pk]}, follow=True)
    order.refresh_from_db()
    assert order.status == Status.PACKING and not Shipment.objects.exists()
