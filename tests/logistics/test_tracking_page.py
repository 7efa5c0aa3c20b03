"""The buyer's tracking page (物流溯源码): the signed link in the order's JSON, its QR code on the
order page, a tampered link refused with a 404 page, the progress with its times, the parcels'
carriers and phones, exception notes, and the buyer's personal data masked."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from logistics.shipments.buyer_page import (
    mask_address,
    mask_name,
    mask_phone,
    tracking_hub_no,
    tracking_order_get,
    tracking_page_path,
    tracking_token,
    tracking_view,
)
from logistics.shipments.models import Shipment, ShipmentStatus
from tests.factories import OrderFactory
from tests.logistics.shipments_kit import SF_NO, SF_TOKEN, SF_URL, labelled, sf_body, sf_route

RECEIVER = {"receiver_name": "张伟", "receiver_phone": "13812341234",
            "receiver_province": "浙江省", "receiver_city": "杭州市", "receiver_district": "西湖区",
            "receiver_address": "文三路 478 号华星时代广场 A 座 1203 室"}


@pytest.fixture(autouse=True)
def couriers(settings, db):
    settings.ORDERHUB_SF_PUSH_TOKEN = SF_TOKEN


def sf_push(client, *routes):
    answer = client.post(f"{SF_URL}?token={SF_TOKEN}", sf_body(*routes),
                         content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer


def journey(client, number=SF_NO):
    """Collected, through a hub, out for delivery, signed by the receiver (named in the line)."""
    sf_push(client,
            sf_route(number, "54", "顺丰速运 已收取快件", "2026-01-28 18:02:11", route_id="1"),
            sf_route(number, "30", "快件到达 【杭州转运中心】", "2026-01-29 06:40:00",
                     address="杭州市", route_id="2"),
            sf_route(number, "44", "快件交给王师傅，正在派送途中（联系电话：13900001111）",
                     "2026-01-29 09:10:00", address="杭州市", route_id="3"),
            sf_route(number, "80", "已签收，签收人：张伟（13812341234）", "2026-01-29 11:30:00",
                     address="杭州市", route_id="4"))


# --- masking ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "masked"), [("张伟", "张*"), ("欧阳娜娜", "欧***"), ("", "")])
def test_the_receivers_name_shows_its_first_character_only(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812341234", "138****1234"), ("138 1234 1234", "138****1234"),
    ("+8613812341234", "+86****1234"), ("5678", "**78"), ("", "")])
def test_the_phone_keeps_its_first_three_and_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("address", "masked"), [
    ("文三路 478 号华星时代广场 A 座 1203 室", "文三路**"),
    ("南京西路1266号恒隆广场", "南京西路**"),
    ("幸福小区三栋二单元", "幸福小区**"),
    ("西溪湿地旁边的白房子", "西溪湿**"),
])
def test_the_address_loses_its_door_number(address, masked):
    assert mask_address(address) == masked


# --- the link -----------------------------------------------------------------------------------
def test_the_link_is_signed_and_a_changed_one_opens_nothing(db):
    order = OrderFactory(**RECEIVER)
    token = tracking_token(order)
    assert tracking_hub_no(token) == order.hub_no
    other = OrderFactory()
    forged = f"{other.hub_no}:{token.rsplit(':', 1)[1]}"
    assert tracking_hub_no(forged) is None
    assert tracking_hub_no(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert tracking_hub_no(order.hub_no) is None


@pytest.mark.parametrize("path", ["/t/NOPE/", "/t/JD1:abc/", "/t/%00%ff/", "/t/x:y:z/qr.svg"])
def test_a_bad_or_tampered_link_gets_a_plain_404_page_in_chinese(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("text/html")
    assert "链接无效" in answer.content.decode()


def test_a_signed_link_of_an_order_that_no_longer_exists_is_a_404(client, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    order = shipment.orders.get()
    path = tracking_page_path(order)
    Shipment.objects.all().delete()
    order.delete()
    assert client.get(path).status_code == 404


def test_the_orders_json_carries_its_tracking_page(token_client,
                                                   django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    order = shipment.orders.get()
    body = token_client("customer_service").get(f"/api/orders/{order.hub_no}/").json()
    assert body["tracking_page"] == f"http://testserver{tracking_page_path(order)}"
    page = Client().get(body["tracking_page"].removeprefix("http://testserver"))
    assert page.status_code == 200


def test_the_base_url_makes_the_link_when_set(token_client, settings,
                                              django_capture_on_commit_callbacks):
    settings.ORDERHUB_BASE_URL = "https://hub.example.com/"
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    order = shipment.orders.get()
    body = token_client("customer_service").get(f"/api/orders/{order.hub_no}/").json()
    assert body["tracking_page"] == f"https://hub.example.com{tracking_page_path(order)}"


# --- what the page shows ------------------------------------------------------------------------
def test_the_page_shows_the_progress_with_times_and_masks_the_receiver(
        client, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    order = shipment.orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        journey(client)
    page = client.get(tracking_page_path(order))
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Language"] == "zh-hans"
    # masked everywhere, including the courier's signature line
    assert "张*" in html and "138****1234" in html and "文三路**" in html
    for private in ("张伟", "13812341234", "478", "1203"):
        assert private not in html
    # the courier's own phone in the trace is the courier's, shown as it is
    assert "13900001111" in html
    # the carrier, its phone as a link to call
    assert "顺丰速运" in html and 'href="tel:95338"' in html
    view = tracking_view(tracking_order_get(order.hub_no))
    steps = {step.name: step for step in view.steps}
    assert all(step.reached for step in view.steps)
    assert [step.name for step in view.steps if step.current] == ["signed"]
    at = lambda text: timezone.make_aware(dt.datetime.fromisoformat(text))  # noqa: E731
    assert steps["handed_over"].at == at("2026-01-28 18:02:11")
    assert steps["in_transit"].at == at("2026-01-29 06:40:00")
    assert steps["out_for_delivery"].at == at("2026-01-29 09:10:00")
    assert steps["signed"].at == at("2026-01-29 11:30:00")
    assert "已签收" in html and "已支付" in html


def test_a_parcel_just_labelled_is_packed_and_nothing_later(
        client, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    view = tracking_view(tracking_order_get(shipment.orders.get().hub_no))
    reached = [step.name for step in view.steps if step.reached]
    assert reached == ["paid", "packed"]
    assert view.steps[1].at == shipment.events.get(kind="label").at
    assert view.expected is not None
    assert view.parcels[0].notes == []


def test_an_order_without_a_parcel_says_it_is_being_prepared(client, db):
    order = OrderFactory(paid_at=timezone.now(), **RECEIVER)
    html = client.get(tracking_page_path(order)).content.decode()
    assert "正在备货" in html


def test_a_refused_parcel_says_so_in_plain_words(client, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    with django_capture_on_commit_callbacks(execute=True):
        sf_push(client,
                sf_route(SF_NO, "54", "顺丰速运 已收取快件", "2026-01-28 18:02:11", route_id="1"),
                sf_route(SF_NO, "70", "派送不成功", "2026-01-29 10:00:00", reason="客户拒收",
                         route_id="2"))
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.REFUSED
    html = client.get(tracking_page_path(shipment.orders.get())).content.decode()
    assert "拒收" in html and "退款或补发" in html


def test_a_stuck_parcel_says_it_may_be_stuck(client, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    Shipment.objects.filter(pk=shipment.pk).update(
        status=ShipmentStatus.IN_TRANSIT, last_event_at=timezone.now() - dt.timedelta(hours=80))
    html = client.get(tracking_page_path(shipment.orders.get())).content.decode()
    assert "80 小时" in html and "可能" in html


def test_the_page_speaks_english_when_asked(client, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    page = client.get(tracking_page_path(shipment.orders.get()) + "?lang=en",
                      HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page["Content-Language"] == "en"
    assert "Parcel tracking" in page.content.decode()


def test_the_page_asks_few_queries(client, django_capture_on_commit_callbacks,
                                   django_assert_max_num_queries):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    path = tracking_page_path(shipment.orders.get())
    # the order, its parcels with carriers, their traces, the route's transit times
    with django_assert_max_num_queries(5):
        assert client.get(path).status_code == 200


# --- the QR code --------------------------------------------------------------------------------
def test_the_qr_code_is_an_svg_of_the_link_and_downloads(client, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    order = shipment.orders.get()
    path = reverse("tracking-qr", args=[tracking_token(order)])
    answer = client.get(path)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/svg+xml"
    expected = segno.make(f"http://testserver{tracking_page_path(order)}", error="m")
    assert answer.content.decode() == expected.svg_inline(scale=8, omitsize=False)
    download = client.get(path + "?" + urlencode({"download": 1}))
    assert download["Content-Disposition"] == (
        f'attachment; filename="tracking-{order.hub_no}.svg"')


def test_the_order_page_shows_the_qr_code_and_its_download(client, make_user,
                                                           django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks, **RECEIVER)
    order = shipment.orders.get()
    client.force_login(make_user("customer_service"))
    html = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert 'id="tracking-page"' in html and "<svg" in html
    assert tracking_page_path(order) in html
    assert reverse("tracking-qr", args=[tracking_token(order)]) + "?download=1" in html


# --- the order page's label form (the bare move is refused: tests/logistics/test_shipments.py) --
def test_the_order_pages_label_form_records_the_parcel(client, make_user,
                                                       django_capture_on_commit_callbacks):
    order = OrderFactory(status="packing", **RECEIVER)
    client.force_login(make_user("warehouse"))
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    url = reverse("admin:logistics_shipment_label", args=[order.pk])
    assert f'action="{url}"' in page and 'value="SF"' in page
    # a typo is refused with the carrier's format, and nothing changes
    wrong = client.post(url, {"carrier": "SF", "tracking_no": "SF12"}, follow=True)
    assert "SF12" in wrong.content.decode()
    assert not Shipment.objects.exists()
    # the right number labels the order
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"carrier": "SF", "tracking_no": SF_NO})
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == ("awaiting_pickup", "SF", SF_NO)
    # a role without the permission cannot post it
    client.force_login(make_user("customer_service"))
    assert client.post(url, {"carrier": "SF", "tracking_no": "SF1234567890124"}).status_code == 403
