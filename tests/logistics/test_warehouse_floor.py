"""The warehouse floor (issue 10 item 8): waves and their printable pick lists, the queue most
overdue first, the keyboard scan station, a courier's batch hand-over."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from logistics.models import FulfilmentDecision
from logistics.shipments.models import Shipment
from logistics.shipments.services import shipment_label_print
from logistics.warehouse.models import PickLocation, Wave
from logistics.warehouse.services import (
    StationState,
    handover_batch,
    manifest_numbers,
    station_scan,
    station_waybill,
    waves_create,
)
from logistics import texts
from orderhub.core.errors import PermissionRefused, ValidationFailed
from orderhub.core.texts import is_encoded, render
from orders.models import GiftOrder, Order, Product
from orders.state_machine import Status
from tests.factories import GiftOrderFactory, OrderFactory
from tests.logistics.fake_kuaidi100 import KEY, SECRET, FakeKuaidi100

pytestmark = pytest.mark.django_db
QUEUE = "admin:logistics_pickingqueueentry_changelist"
STATION = "admin:logistics_scan_station"
HANDOVER = "admin:logistics_handover"


@pytest.fixture
def queued(only_warehouse, paid_order):
    """``queued({"SKU-A": 2}, due_in=-2)``: a paid order allocated to warehouse T1, its step
    due ``due_in`` hours from now."""
    place = {}

    def make(lines=None, *, warehouse=None, due_in: float = 1.0, **kwargs):
        if warehouse is None:
            warehouse = place.get("T1") or place.setdefault("T1", only_warehouse("T1"))
        order = paid_order(lines, state_due_at=timezone.now() + dt.timedelta(hours=due_in),
                           **kwargs)
        FulfilmentDecision.objects.create(order=order, outcome="allocated", warehouse=warehouse)
        return order

    make.place = place
    return make


def in_english(value: str) -> str:
    with translation.override("en"):
        return render(value)


def history_reasons(order: Order) -> list[tuple[str, str]]:
    """The order's history after its creation: (reason as an English reader reads it, user)."""
    return [(in_english(row.history_change_reason),
             row.history_user.username if row.history_user else "")
            for row in order.history.order_by("history_id")][1:]


# --- waves and pick lists -----------------------------------------------------------------------
def test_a_wave_sums_the_goods_per_sku_and_location_and_marks_gifts(client, login, queued):
    # given two orders sharing a SKU, one with a gift, and the SKUs' locations in T1
    one = queued({"SKU-A": 2, "SKU-B": 1}, due_in=-3)
    two = queued({"SKU-A": 3}, due_in=-1)
    GiftOrderFactory(parent=one, sku="GIFT-MUG", quantity=1)
    warehouse = queued.place["T1"]
    PickLocation.objects.create(warehouse=warehouse, sku="SKU-A", location="A-01-1")
    PickLocation.objects.create(warehouse=warehouse, sku="SKU-B", location="B-07-3")
    user = login("warehouse")
    # when the warehouse makes a wave of both from the queue
    response = client.post(reverse(QUEUE), {
        "action": "make_wave", "_selected_action": [one.fulfilment.pk, two.fulfilment.pk]})
    # then it lands on the wave's pick list (one click), both orders picking, by the user
    wave = Wave.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:logistics_wave_picklist", args=[wave.pk])
    for order in (one, two):
        order.refresh_from_db()
        assert order.status == Status.PICKING
        assert history_reasons(order)[-1] == ("wave pick list", user.username)
    page = client.get(response["Location"])
    assert page.status_code == 200
    rows = [(r.location, r.sku, r.quantity, r.gift) for r in page.context["pick"].rows]
    assert rows == [("A-01-1", "SKU-A", 5, False), ("B-07-3", "SKU-B", 1, False),
                    ("—", "GIFT-MUG", 1, True)]
    html = page.content.decode()
    # printable: A4, no admin chrome, the wave's number and barcode, warehouse, time, boxes
    assert "size: A4" in html and 'id="header"' not in html and "nav-sidebar" not in html
    assert wave.number in html and "<svg" in html and "T1" in html
    assert html.count('role="checkbox"') == 3
    assert [o.pk for o in page.context["pick"].orders] == [one.pk, two.pk]  # most overdue first
    # and the queue links each order to its pick list
    queue = client.get(reverse(QUEUE)).content.decode()
    assert reverse("admin:logistics_wave_picklist", args=[wave.pk]) in queue


def test_a_wave_leaves_out_held_and_already_waved_orders_with_reasons(login, queued, make_user):
    held = queued(hold_reason="address check")
    free = queued()
    actor = make_user("warehouse")
    made = waves_create(order_ids=[held.pk, free.pk], actor=actor)
    assert [w.orders.get() for w in made.waves] == [free]
    again = waves_create(order_ids=[free.pk], actor=actor)
    assert again.waves == []
    assert any(held.hub_no in m and "held" in m for m in made.refused)
    assert any(free.hub_no in m and "already in wave" in m for m in again.refused)
    with pytest.raises(PermissionRefused):
        waves_create(order_ids=[free.pk], actor=make_user("customer_service"))


def test_pick_list_needs_the_wave_permission(client, login, queued, make_user):
    made = waves_create(order_ids=[queued().pk], actor=make_user("warehouse"))
    login("finance")
    url = reverse("admin:logistics_wave_picklist", args=[made.waves[0].pk])
    assert client.get(url).status_code == 403


# --- the queue ----------------------------------------------------------------------------------
def test_the_queue_runs_across_warehouses_most_overdue_first(client, login, queued, warehouse):
    # given orders in two warehouses, due at different times (one held, one urgent)
    other = warehouse("B2", priority=5)
    soon = queued({"SKU-A": 1}, due_in=2)
    late = queued({"SKU-B": 2}, warehouse=other, due_in=-5)
    little_late = queued({"SKU-C": 1}, due_in=-0.5, hold_reason="buyer asked to wait")
    urgent = queued({"SKU-D": 1}, due_in=3, priority=Order.Priority.URGENT)
    PickLocation.objects.create(warehouse=other, sku="SKU-B", location="C-02-4")
    login("warehouse")
    response = client.get(reverse(QUEUE))
    # then by how far past due, whatever the warehouse
    assert [e.order_id for e in response.context["cl"].result_list] == [
        late.pk, little_late.pk, soon.pk, urgent.pk]
    html = response.content.decode()
    # SKU, quantity and location on the row; overdue in words; only the held order marked
    assert "<b>SKU-B</b> × 2 @ C-02-4" in html and "<b>SKU-A</b> × 1 @ —" in html
    assert "overdue" in html
    assert html.count('class="oh-mark-held"') == 1
    assert html.count('class="oh-mark-urgent"') == 1
    assert "icon-no.svg" not in html  # no red cross on every normal row
    assert reverse(STATION) in html and reverse(HANDOVER) in html


# --- the scan station ---------------------------------------------------------------------------
def scan(client, code: str, action: str = "scan"):
    response = client.post(reverse(STATION), {"code": code, "action": action})
    assert response.status_code == 302
    page = client.get(reverse(STATION))
    result = page.context["result"]
    return {**result, "message": in_english(result["message"])}, page


def test_the_station_takes_an_order_from_paid_to_handed_over(client, login, queued):
    # given a paid order of two units and a gift; the product's barcode known
    Product.objects.create(sku="SKU-A", name="T恤", barcode="6901234567892")
    order = queued({"SKU-A": 2})
    gift = GiftOrderFactory(parent=order, sku="GIFT-MUG")
    user = login("warehouse")
    # scan the order by its channel number: picking starts
    result, page = scan(client, order.channel_order_no)
    assert result["ok"], result
    assert page.context["step"] == "items"
    # a wrong item is refused and nothing is counted
    result, page = scan(client, "SKU-ZZZ")
    assert not result["ok"] and "Wrong item" in result["message"]
    assert 'data-state="error"' in page.content.decode()
    assert page.context["items"][0]["counted"] == 0
    # the two units: once by barcode, once by SKU (any case); a third is too many
    assert scan(client, "6901234567892")[0]["ok"]
    result, page = scan(client, "sku-a")
    assert result["ok"] and "packing" in result["message"]
    order.refresh_from_db()
    assert order.status == Status.PACKING
    # the gift step: a wrong gift refused, then the gift
    assert page.context["step"] == "gifts"
    result, _page = scan(client, "SKU-A")
    assert not result["ok"] and "Wrong gift" in result["message"]
    assert scan(client, "GIFT-MUG")[0]["ok"]
    gift.refresh_from_db()
    assert gift.status == GiftOrder.GiftStatus.SCANNED and gift.scanned_by == user
    # the tracking number: carrier first, then a number in the wrong format, then a good one
    result, page = scan(client, "SF1234567890123")
    assert not result["ok"] and "carrier" in result["message"].lower()
    assert scan(client, "SF")[0]["ok"]
    result, _page = scan(client, "12AB")
    assert not result["ok"] and "not a" in result["message"]
    result, page = scan(client, "sf1234567890123")
    assert result["ok"], result
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == (
        Status.AWAITING_PICKUP, "SF", "SF1234567890123")
    assert page.context["step"] == "hand_over"
    # a label that is not this order's is refused; its own hands it over
    assert not scan(client, "SF9999999999999")[0]["ok"]
    result, page = scan(client, "SF1234567890123")
    assert result["ok"] and result["finished"]
    order.refresh_from_db()
    assert order.status == Status.IN_TRANSIT
    assert page.context["step"] == "order" and page.context["order"] is None
    # every move is in the order's history as the user, from the station
    assert history_reasons(order) == [
        ("scan station", user.username),
        ("scan station: all 2 item(s) scanned", user.username),
        ("scan station", user.username),
        ("scan station", user.username),
    ]


def test_too_many_of_an_item_is_refused_and_esc_leaves_the_order(client, login, queued):
    order = queued({"SKU-A": 1, "SKU-B": 1})
    login("warehouse")
    scan(client, order.hub_no.lower())
    assert scan(client, "SKU-A")[0]["ok"]
    result, page = scan(client, "SKU-A")
    assert not result["ok"] and "Too many" in result["message"]
    assert [i["counted"] for i in page.context["items"]] == [1, 0]
    result, page = scan(client, "", action="cancel")
    assert result["ok"] and order.hub_no in result["message"]
    assert page.context["order"] is None
    order.refresh_from_db()
    assert order.status == Status.PICKING  # left where it was, nothing undone


def test_the_station_refuses_held_unknown_and_finished_orders(client, login, queued):
    held = queued(hold_reason="address check")
    done = OrderFactory(status=Status.DELIVERED)
    login("warehouse")
    assert "held" in scan(client, held.hub_no)[0]["message"]
    assert "No order" in scan(client, "NOPE-123")[0]["message"]
    assert "nothing" in scan(client, done.hub_no)[0]["message"]
    held.refresh_from_db()
    assert held.status == Status.PAID


def test_the_pick_list_barcode_brings_the_waves_next_order(client, login, queued, make_user):
    first, second = queued(due_in=-2), queued(due_in=-1)
    wave = waves_create(order_ids=[first.pk, second.pk], actor=make_user("warehouse")).waves[0]
    login("warehouse")
    result, page = scan(client, wave.number)
    assert result["ok"] and page.context["order"] == first


@pytest.mark.parametrize("role", ["customer_service", "finance", "operations", "integrator"])
def test_the_station_and_hand_over_are_the_warehouses(client, login, role):
    login(role)
    assert client.get(reverse(STATION)).status_code == 403
    assert client.post(reverse(STATION), {"code": "x"}).status_code == 403
    assert client.get(reverse(HANDOVER)).status_code == 403


def test_the_station_opens_for_the_warehouse(client, login):
    login("warehouse")
    page = client.get(reverse(STATION))
    assert page.status_code == 200 and 'id="scan-input"' in page.content.decode()


def test_the_waybill_key_gets_the_number_from_kuaidi100(settings, make_user, queued):
    user = make_user("warehouse")
    order = OrderFactory(status=Status.PACKING)
    state = StationState(order_id=order.pk, carrier="SF")
    with FakeKuaidi100() as fake:
        settings.ORDERHUB_KUAIDI100_LABEL_URL = f"{fake.base_url}/label/order"
        settings.ORDERHUB_KUAIDI100_KEY, settings.ORDERHUB_KUAIDI100_SECRET = KEY, SECRET
        result = station_waybill(state=state, actor=user)
        assert result.ok, result.message
        assert fake.problems == []
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PICKUP and order.tracking_no == "SF1400000000001"
    assert Shipment.objects.get().source == Shipment.Source.WAYBILL


def test_a_scan_without_the_permissions_is_refused(make_user):
    with pytest.raises(PermissionRefused):
        station_scan(state=StationState(), code="x", actor=make_user("customer_service"))


# --- batch hand-over ----------------------------------------------------------------------------
def labelled(carrier: str, number: str) -> Order:
    order = OrderFactory(status=Status.PACKING)
    shipment_label_print(orders=[order], carrier_code=carrier, tracking_no=number, actor=None)
    order.refresh_from_db()
    return order


def test_a_carriers_parcels_are_handed_over_in_one_step(client, login):
    one, two = labelled("SF", "SF1234567890001"), labelled("SF", "SF1234567890002")
    other = labelled("ZTO", "781234567890")
    user = login("warehouse")
    page = client.get(reverse(HANDOVER))
    assert page.status_code == 200 and "SF" in page.content.decode()
    response = client.post(reverse(HANDOVER), {"carrier": "SF", "manifest": ""})
    results = response.context["results"]
    assert sorted((r.hub_no, r.moved) for r in results) == sorted(
        [(one.hub_no, True), (two.hub_no, True)])
    for order in (one, two):
        order.refresh_from_db()
        assert order.status == Status.IN_TRANSIT
        assert history_reasons(order)[-1] == ("batch hand-over: SF, all labelled parcels",
                                              user.username)
    other.refresh_from_db()
    assert other.status == Status.AWAITING_PICKUP


def test_a_manifest_hands_over_its_parcels_and_says_why_not_for_the_rest(make_user):
    one, two = labelled("SF", "SF1234567890001"), labelled("SF", "SF1234567890002")
    gone = labelled("ZTO", "781234567890")
    user = make_user("warehouse")
    handover_batch(actor=user, tracking_numbers=["781234567890"])
    numbers = manifest_numbers("sf1234567890001, 781234567890\nSF0000000000000 sf1234567890001")
    assert numbers == ["SF1234567890001", "781234567890", "SF0000000000000"]
    results = handover_batch(actor=user, tracking_numbers=numbers)
    by_number = {r.tracking_no: r for r in results}
    assert by_number["SF1234567890001"].moved and by_number["SF1234567890001"].hub_no == one.hub_no
    assert not by_number["781234567890"].moved and gone.hub_no == by_number["781234567890"].hub_no
    assert "not waiting" in in_english(by_number["781234567890"].why)
    assert not by_number["SF0000000000000"].moved
    assert by_number["SF0000000000000"].why == texts.HANDOVER_NO_PARCEL.encode()
    two.refresh_from_db()
    assert two.status == Status.AWAITING_PICKUP  # not on the manifest
    with pytest.raises(ValidationFailed):
        manifest_numbers(" ".join(f"SF{n:013d}" for n in range(501)))
    with pytest.raises(PermissionRefused):
        handover_batch(actor=make_user("customer_service"), carrier_code="SF")


def test_control_characters_in_a_scan_or_manifest_are_no_error(client, login, queued):
    order = queued()
    login("warehouse")
    result, _page = scan(client, f"\x00{order.hub_no}\x1b")
    assert result["ok"], result
    assert manifest_numbers("SF1234567890001\x00SF1234567890002") == [
        "SF1234567890001", "SF1234567890002"]
    response = client.post(reverse(HANDOVER), {"carrier": "", "manifest": "SF\x0012"})
    assert response.status_code == 200


def test_pick_locations_are_pasted_all_or_nothing(client, login, only_warehouse):
    warehouse = only_warehouse("T1")
    PickLocation.objects.create(warehouse=warehouse, sku="SKU-A", location="Z-99-9")
    login("warehouse")
    url = reverse("admin:logistics_picklocation_paste")
    refused = client.post(url, {"warehouse": warehouse.pk,
                                "lines": "SKU-B\tB-01-1\nSKU-C only-sku-no-location extra\n"})
    assert refused.status_code == 200
    assert "Line 2" in refused.content.decode()
    assert PickLocation.objects.count() == 1
    done = client.post(url, {"warehouse": warehouse.pk,
                             "lines": "SKU-A\ta-03-2\r\nSKU-B, B-01-1\n\nSKU-C  C-07-4\n"})
    assert done.status_code == 302
    assert dict(PickLocation.objects.values_list("sku", "location")) == {
        "SKU-A": "A-03-2", "SKU-B": "B-01-1", "SKU-C": "C-07-4"}
    login("customer_service")
    assert client.get(url).status_code == 403


def test_an_order_held_on_the_table_takes_no_more_scans(client, login, queued):
    order = queued({"SKU-A": 2})
    login("warehouse")
    scan(client, order.hub_no)
    Order.objects.filter(pk=order.pk).update(on_hold=True)  # held elsewhere meanwhile
    result, page = scan(client, "SKU-A")
    assert not result["ok"] and "held" in result["message"]
    assert page.context["items"][0]["counted"] == 0


def test_the_stations_answers_and_history_are_codes_read_in_the_readers_language(
        client, login, queued):
    # given an order on the table with one item counted
    order = queued({"SKU-A": 2})
    login("warehouse")
    scan(client, order.hub_no)
    # when a wrong item is scanned
    client.post(reverse(STATION), {"code": "SKU-ZZZ", "action": "scan"})
    # then the session keeps the answer as a code, and each reader reads it in their language
    stored = client.session["orderhub.scan_station"]["result"]["message"]
    assert stored == texts.SCAN_WRONG_ITEM.encode(code="SKU-ZZZ", hub_no=order.hub_no)
    with translation.override("zh-hans"):
        assert render(stored) == f"商品错误：“SKU-ZZZ”不在订单 {order.hub_no} 中。请放回，未做任何记录。"
    assert in_english(stored).startswith("Wrong item: 'SKU-ZZZ'")
    page = client.get(reverse(STATION), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "商品错误" in page.content.decode() and "§" not in page.content.decode()
    # and the counted item's history row (picking started) is a code too
    scan(client, "SKU-A")
    scan(client, "SKU-A")
    reasons = list(order.history.order_by("history_id")
                   .values_list("history_change_reason", flat=True))[1:]
    assert reasons == [texts.STATION.encode(), texts.STATION_PACKED.encode(total=2)]
    assert all(is_encoded(reason) for reason in reasons)
    with translation.override("zh-hans"):
        assert [render(reason) for reason in reasons] == ["扫描台", "扫描台：2 件商品已全部扫描"]


@pytest.mark.parametrize(("carrier", "numbers", "english", "chinese"), [
    ("SF", [], "batch hand-over: SF, all labelled parcels", "批量交接：SF，全部已贴面单的包裹"),
    ("SF", ["SF1234567890001"], "batch hand-over: SF manifest", "批量交接：SF 交接清单"),
    ("", ["SF1234567890001"], "batch hand-over: manifest", "批量交接：交接清单"),
])
def test_a_batch_hand_overs_history_note_is_a_code(make_user, carrier, numbers, english,
                                                    chinese):
    order = labelled("SF", "SF1234567890001")
    handover_batch(actor=make_user("warehouse"), carrier_code=carrier, tracking_numbers=numbers)
    reason = order.history.latest("history_id").history_change_reason
    assert is_encoded(reason) and in_english(reason) == english
    with translation.override("zh-hans"):
        assert render(reason) == chinese
