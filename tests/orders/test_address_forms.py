"""The address forms (issue 13 item 6): dependent region selects, the regions and parse
endpoints, the split shown to check before saving, and the saving through the service."""
from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import Hold
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.orders.test_admin import contact_form

pytestmark = pytest.mark.django_db
REGIONS = "admin:orders_address_regions"
PARSE = "admin:orders_address_parse"


def test_the_regions_endpoint_lists_the_cities_and_districts_under_a_choice(login, client):
    login("customer_service")
    cities = client.get(reverse(REGIONS), {"province": "浙江省"}).json()
    districts = client.get(reverse(REGIONS), {"province": "浙江省", "city": "杭州市"}).json()
    assert "杭州市" in cities["cities"] and cities["districts"] == []
    assert "西湖区" in districts["districts"] and "南山区" not in districts["districts"]
    assert client.get(reverse(REGIONS), {"province": "火星"}).json() == {
        "cities": [], "districts": []}


def test_the_parse_endpoint_answers_the_parts_and_what_is_missing(login, client):
    login("customer_service")
    body = client.post(reverse(PARSE), {"text": "浙江省杭州市西湖区文三路 90 号 张三 13800001234"}
                       ).json()
    assert body["parts"] == {"name": "张三", "phone": "13800001234", "province": "浙江省",
                             "city": "杭州市", "district": "西湖区", "address": "文三路 90 号"}
    assert body["missing"] == []
    partial = client.post(reverse(PARSE), {"text": "文三路 90 号 张三"}).json()
    assert partial["missing"] == ["phone", "province", "city", "district"]
    assert partial["missing_text"].startswith("Not found, fill in by hand: Phone")
    assert client.post(reverse(PARSE), {"text": "x" * 501}).status_code == 400
    assert client.get(reverse(PARSE)).status_code == 405


def test_only_those_who_change_orders_may_parse(login, client):
    login("finance")
    assert client.post(reverse(PARSE), {"text": "张三"}).status_code == 403
    assert client.get(reverse(REGIONS), {"province": "浙江省"}).status_code == 200


def test_the_endpoints_need_a_staff_login(client):
    response = client.get(reverse(REGIONS), {"province": "浙江省"})
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("url_name, prefix, paste", [
    ("admin:logistics_order_address", "", "pasted"),
    ("admin:orders_order_change", "receiver_", "receiver_paste"),
])
def test_both_forms_offer_the_regions_of_the_order_and_the_paste_box(login, client, url_name,
                                                                    prefix, paste):
    order = OrderFactory(status=Status.PAID)
    login("customer_service")
    html = client.get(reverse(url_name, args=[order.pk])).content.decode()
    assert f'<select name="{prefix}city"' in html and 'data-region="province"' in html
    assert '<option value="杭州市" selected>杭州市</option>' in html
    assert '<option value="西湖区" selected>西湖区</option>' in html
    assert '<option value="滨江区">滨江区</option>' in html  # the same city's other districts
    assert f'name="{paste}"' in html
    assert "orders/addresses.js" in html and "data-address-split" in html


def test_splitting_on_the_address_page_shows_the_parts_and_saves_nothing(login, client):
    order = OrderFactory(status=Status.PAID)
    login("customer_service")
    url = reverse("admin:logistics_order_address", args=[order.pk])
    response = client.post(url, {"split": "1", "pasted": "上海市浦东新区世纪大道100号 李四 139 1234 5678",
                                 "reason": "buyer moved"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="address-parsed-server"' in html and "Check the parts below, then save." in html
    form = response.context["form"]
    assert (form.initial["name"], form.initial["phone"], form.initial["province"],
            form.initial["city"], form.initial["district"], form.initial["address"]) == (
        "李四", "13912345678", "上海市", "上海市", "浦东新区", "世纪大道100号")
    assert '<option value="浦东新区" selected>浦东新区</option>' in html
    order.refresh_from_db()
    assert order.receiver_name == "张伟"  # nothing saved until the person confirms


def test_confirming_saves_through_the_service_and_holds_after_picking(login, client):
    order = OrderFactory(status=Status.PICKING)
    login("customer_service")
    url = reverse("admin:logistics_order_address", args=[order.pk])
    response = client.post(url, {
        "name": "李四", "phone": "13912345678", "province": "上海市", "city": "上海市",
        "district": "浦东新区", "address": "世纪大道100号", "reason": "buyer moved"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.receiver_province, order.receiver_district, order.on_hold) == (
        "上海市", "浦东新区", True)
    assert Hold.objects.filter(order=order, source="address_change").exists()


@pytest.mark.parametrize("regions, field, message", [
    (("浙江省", "深圳市", "南山区"), "city", "Choose a city of the chosen province."),
    (("浙江省", "杭州市", "南山区"), "district", "Choose a district of the chosen city."),
    (("浙江省", "杭州市", ""), "district", "Choose a district of the chosen city."),
    (("火星", "", ""), "province", "Choose the province from the list."),
])
def test_regions_that_do_not_fit_together_are_refused(login, client, regions, field, message):
    order = OrderFactory(status=Status.PAID)
    login("customer_service")
    province, city, district = regions
    response = client.post(reverse("admin:logistics_order_address", args=[order.pk]), {
        "name": "李四", "phone": "13912345678", "province": province, "city": city,
        "district": district, "address": "世纪大道100号", "reason": "buyer moved"})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    order.refresh_from_db()
    assert order.receiver_city == "杭州市"


def test_an_address_stored_in_another_spelling_is_kept_when_only_the_street_changes(
    login, client
):
    order = OrderFactory(status=Status.PAID, receiver_province="浙江", receiver_city="杭州",
                         receiver_district="西湖")
    login("customer_service")
    url = reverse("admin:logistics_order_address", args=[order.pk])
    assert '<option value="浙江" selected>浙江</option>' in client.get(url).content.decode()
    response = client.post(url, {
        "name": order.receiver_name, "phone": order.receiver_phone, "province": "浙江",
        "city": "杭州", "district": "西湖", "address": "文一路 1 号", "reason": "typo"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.receiver_province, order.receiver_address) == ("浙江", "文一路 1 号")


def test_the_order_page_refuses_a_district_of_another_city(login, client):
    order = OrderFactory(status=Status.PAID)
    login("customer_service")
    data = contact_form(order, receiver_province="江苏省", receiver_city="南京市",
                        receiver_district="西湖区")
    response = client.post(reverse("admin:orders_order_change", args=[order.pk]), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["receiver_district"] == [
        "Choose a district of the chosen city."]
    order.refresh_from_db()
    assert order.receiver_city == "杭州市"


def test_those_who_only_read_orders_get_no_paste_box(login, client):
    order = OrderFactory(status=Status.PAID)
    login("warehouse")
    html = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert 'name="receiver_paste"' not in html and order.receiver_city in html
