"""Cleaning: product aliases to master SKUs, unknown SKUs flagged (and fixed by reprocessing),
test orders dropped, invalid contacts flagged, masked phones left alone."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from channels.models import Delivery, TestOrderRule
from channels.selectors import delivery_answer_shown
from channels.texts import TEST_MARKED, TEST_ORDER
from orderhub.core.texts import is_encoded, render
from orders.models import Order, OrderTag, ProductAlias
from tests.channels import payloads as p
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def tags_of(order: Order) -> set[str]:
    return set(OrderTag.objects.filter(order=order).values_list("tag", flat=True))


def test_aliases_by_code_and_by_title_map_to_one_master_sku(channel, post):
    # given one master SKU and three names channels use for it
    benz = ProductFactory(sku="MB-C200-118", name="Mercedes-Benz C200 1:18 model")
    for alias in ("奔驰C200 车模 1:18", "Mercedes-Benz C200 model 1:18", "MB-C200"):
        ProductAlias.objects.create(product=benz, alias=alias)
    channel("tmall"), channel("shopify")
    # when Tmall sends the seller code and Shopify sends its SKU "MB-C200" too
    post("tmall", p.dumps(p.top_trade()))
    post("shopify", p.shopify_order().encode())
    # then both lines are the master SKU, and so is a line known only by its title
    trade = p.top_trade(tid_str="2", tid=2)
    trade["orders"]["order"][0]["outer_sku_id"] = ""
    trade["orders"]["order"][0]["sku_id"] = "999"
    post("tmall", p.dumps(trade))
    lines = Order.objects.values_list("lines__sku", "lines__product")
    assert set(lines) == {("MB-C200-118", benz.pk)}


def test_a_channel_alias_wins_over_a_global_one(channel, post):
    global_product = ProductFactory(sku="GLOBAL")
    jd_product = ProductFactory(sku="JD-ONLY")
    jd = channel("jd")
    ProductAlias.objects.create(product=global_product, alias="SKU-TEE-WHITE-L")
    ProductAlias.objects.create(product=jd_product, alias="sku-tee-white-l", channel=jd)
    post("jd", p.dumps(p.jd_order()))
    assert Order.objects.get().lines.order_by("pk").first().sku == "JD-ONLY"


def test_an_unknown_sku_is_flagged_not_dropped_and_reprocessing_maps_it(channel, post):
    # given a JD order whose second line nobody has mapped
    channel("jd")
    ProductFactory(sku="SKU-TEE-WHITE-L")
    answer = post("jd", p.dumps(p.jd_order())).json()["orders"][0]
    order = Order.objects.get()
    assert "unmapped_sku" in answer["flags"]
    assert order.lines.count() == 2
    note = OrderTag.objects.get(order=order, tag="unmapped_sku").note
    assert is_encoded(note) and "100012345679" in render(note)
    with translation.override("zh-hans"):
        assert render(note).startswith("没有对应的主 SKU：")
    # when operations add the alias and reprocess the deliveries with unmapped SKUs
    shorts = ProductFactory(sku="SHORTS-BLACK-M")
    ProductAlias.objects.create(product=shorts, alias="运动短裤 黑 M")
    call_command("reprocess_events", "--unmapped")
    # then the line has its master SKU and the flag is gone
    assert set(order.lines.values_list("sku", flat=True)) == {"SKU-TEE-WHITE-L",
                                                              "SHORTS-BLACK-M"}
    assert "unmapped_sku" not in tags_of(order)
    assert Order.objects.count() == 1


def test_test_orders_are_dropped_by_rule_and_by_the_platform_flag(channel, post):
    channel("jd"), channel("shopify")
    TestOrderRule.objects.create(name="internal", field=TestOrderRule.Field.CHANNEL_ORDER_NO,
                                 match=TestOrderRule.Match.STARTS_WITH, value="TEST-")
    by_rule = post("jd", p.dumps(p.jd_order(orderId="TEST-1"))).json()["orders"][0]
    by_name = post("jd", p.dumps(p.jd_order(orderId="2", consigneeInfo={
        "fullname": "测试", "mobile": "13800000000"}))).json()["orders"][0]
    by_flag = post("shopify", p.shopify_order(test=True).encode()).json()["orders"][0]
    assert [a["result"] for a in (by_rule, by_name, by_flag)] == ["dropped"] * 3
    assert by_rule["hub_no"] is None
    assert "internal" in by_rule["note"]
    assert "platform marks it" in by_flag["note"]
    # the delivery keeps the note as a code; the API and the admin render it for their reader
    stored = Delivery.objects.latest("pk").result
    assert stored["orders"][0]["note"] == TEST_ORDER.encode(why=TEST_MARKED.encode())
    with translation.override("zh-hans"):
        assert delivery_answer_shown(stored)["orders"][0]["note"] == "测试订单：平台标记为测试订单"
    assert not Order.objects.exists()


def test_an_invalid_contact_is_flagged_and_a_masked_phone_is_not(channel, post):
    channel("pdd")
    post("pdd", p.dumps(p.pdd_order(order_sn="1", receiver_phone="0571-8888")))
    post("pdd", p.dumps(p.pdd_order(order_sn="2", receiver_phone="1387677****")))
    post("pdd", p.dumps(p.pdd_order(order_sn="3", receiver_phone="+86 138 0013 8000")))
    invalid, masked, valid = Order.objects.order_by("channel_order_no")
    assert "invalid_contact" in tags_of(invalid)
    note = OrderTag.objects.get(order=invalid, tag="invalid_contact").note
    assert is_encoded(note) and "mainland mobile" in render(note)
    with translation.override("zh-hans"):
        assert render(note) == "收货人电话“0571-8888”不是大陆手机号（以 1 开头的 11 位数字）"
    assert "invalid_contact" not in tags_of(masked)
    assert masked.receiver_phone == "1387677****"
    assert "invalid_contact" not in tags_of(valid)
