"""Customer identity across channels: matching by weights, merges and their undo, masked
phones, suspected duplicate orders."""
from __future__ import annotations

import pytest
from django.utils import translation

from channels.models import CustomerIdentity, IdentityMatchSettings, IdentityMerge
from channels.services import identity
from channels.services.identity import identity_merge_undo
from orderhub.core.errors import PermissionRefused
from orderhub.core.texts import is_encoded, render
from orders.models import Customer, Order, OrderTag
from tests.channels import payloads as p

pytestmark = pytest.mark.django_db


def customer_of(code: str, number: str) -> int | None:
    return Order.objects.get(channel__code=code, channel_order_no=number).customer_id


def test_the_same_phone_on_two_channels_is_one_customer(channel, post):
    channel("pdd"), channel("miniprogram")
    post("pdd", p.dumps(p.pdd_order(receiver_phone="13700137000")))
    post("miniprogram", p.dumps(p.miniprogram_order(
        buyer={"openid": "o-1", "phone": "+86 137-0013-7000"})))
    pdd_customer = customer_of("pdd", "260128-123456789012345")
    assert pdd_customer is not None
    assert customer_of("miniprogram", "MP2026012800001") == pdd_customer
    assert Customer.objects.get(pk=pdd_customer).phone == "13700137000"
    # and the customer keeps both identities
    kinds = set(CustomerIdentity.objects.filter(customer_id=pdd_customer)
                .values_list("kind", flat=True))
    assert {"phone", "wechat_openid"} <= kinds


def test_masked_phones_never_merge_two_people(channel, post):
    # given two Douyin buyers whose masked phones look the same
    channel("douyin")
    post("douyin", p.dumps(p.douyin_order(order_id="1", doudian_open_id="buyer-a")))
    post("douyin", p.dumps(p.douyin_order(order_id="2", doudian_open_id="buyer-b")))
    # then they stay two customers, and no masked phone became an identity
    assert customer_of("douyin", "1") != customer_of("douyin", "2")
    assert not CustomerIdentity.objects.filter(value__contains="*").exists()


def test_a_device_alone_is_below_the_threshold(channel, post):
    channel("miniprogram")
    post("miniprogram", p.dumps(p.miniprogram_order(
        order_no="A", buyer={"openid": "o-a", "device_id": "shared-ipad"},
        receiver={**p.miniprogram_order()["receiver"], "phone": "13100000001"})))
    post("miniprogram", p.dumps(p.miniprogram_order(
        order_no="B", buyer={"openid": "o-b", "device_id": "shared-ipad"},
        receiver={**p.miniprogram_order()["receiver"], "phone": "13100000002"})))
    assert customer_of("miniprogram", "A") != customer_of("miniprogram", "B")


def test_weights_are_configurable(channel, post):
    IdentityMatchSettings.objects.update(device_weight="0.80")
    channel("miniprogram")
    for number, openid, phone in (("A", "o-a", "13100000001"), ("B", "o-b", "13100000002")):
        post("miniprogram", p.dumps(p.miniprogram_order(
            order_no=number, buyer={"openid": openid, "device_id": "one-phone"},
            receiver={**p.miniprogram_order()["receiver"], "phone": phone})))
    assert customer_of("miniprogram", "A") == customer_of("miniprogram", "B")


def two_people_then_one_order_links_them(channel, post):
    channel("jd"), channel("miniprogram")
    # a JD buyer (known by the JD open id) and a mini-program buyer (known by a phone)
    post("jd", p.dumps(p.jd_order(orderId="J1", open_id_buyer="jd-buyer-1")))
    post("miniprogram", p.dumps(p.miniprogram_order(order_no="M1", buyer={"openid": "o-m1"})))
    jd_customer, mp_customer = customer_of("jd", "J1"), customer_of("miniprogram", "M1")
    assert jd_customer != mp_customer
    # then a JD order of the same JD buyer, shipped to the mini-program buyer's own phone
    post("jd", p.dumps(p.jd_order(orderId="J2", open_id_buyer="jd-buyer-1", consigneeInfo={
        "fullname": "陈六", "mobile": "13800138000", "province": "上海市", "city": "上海市",
        "county": "浦东新区", "fullAddress": "世纪大道100号"})))
    return jd_customer, mp_customer


def test_an_order_that_links_two_customers_merges_them_and_the_merge_can_be_undone(
    channel, post, make_user
):
    jd_customer, mp_customer = two_people_then_one_order_links_them(channel, post)
    # then the two are one customer: the older one keeps every order and identity
    merge = IdentityMerge.objects.get()
    assert (merge.survivor_id, merge.absorbed_id) == (jd_customer, mp_customer)
    assert set(Order.objects.values_list("customer_id", flat=True)) == {jd_customer}
    assert not CustomerIdentity.objects.filter(customer_id=mp_customer).exists()
    mp_order = Order.objects.get(channel_order_no="M1")
    reason = mp_order.history.order_by("-history_id").first().history_change_reason
    assert is_encoded(reason)
    with translation.override("en"):
        assert render(reason).startswith("customer merge: same person: shared identities in ")
    with translation.override("zh-hans"):
        assert render(reason).startswith("客户合并：同一人：")
    assert "§" not in render(reason)
    # when someone with the right undoes it
    identity_merge_undo(merge=merge, actor=make_user("operations"), reason="different people")
    # then the merged customer has its orders and identities back, with history
    assert customer_of("miniprogram", "M1") == mp_customer
    assert CustomerIdentity.objects.filter(customer_id=mp_customer, kind="phone").exists()
    assert "undone" in Customer.objects.get(pk=mp_customer).note
    # and the next order with the same evidence does not merge them again
    post("jd", p.dumps(p.jd_order(orderId="J3", open_id_buyer="jd-buyer-1", consigneeInfo={
        "fullname": "陈六", "mobile": "13800138000"})))
    assert IdentityMerge.objects.count() == 1
    assert customer_of("miniprogram", "M1") == mp_customer


def test_undoing_a_merge_needs_the_permission(channel, post, make_user):
    two_people_then_one_order_links_them(channel, post)
    with pytest.raises(PermissionRefused):
        identity_merge_undo(merge=IdentityMerge.objects.get(), actor=make_user("warehouse"),
                            reason="no")
    assert IdentityMerge.objects.get().undone_at is None


def test_same_person_same_items_shortly_after_is_flagged_as_a_suspected_duplicate(channel,
                                                                                  post):
    channel("tmall"), channel("taobao")
    post("tmall", p.dumps(p.top_trade(receiver_mobile="13900001111")))
    # the same buyer orders the same item on Taobao 20 minutes later
    second = post("taobao", p.dumps(p.top_trade(
        tid_str="99", created="2026-01-28 09:35:02", receiver_mobile="13900001111",
    ))).json()["orders"][0]
    # and a different item an hour later
    other = p.top_trade(tid_str="100", created="2026-01-28 10:15:02",
                        receiver_mobile="13900001111")
    other["orders"]["order"][0]["outer_sku_id"] = "SOMETHING-ELSE"
    third = post("taobao", p.dumps(other)).json()["orders"][0]
    assert "duplicate_suspected" in second["flags"]
    flag = OrderTag.objects.get(tag="duplicate_suspected")
    assert flag.order.channel_order_no == "99"
    assert is_encoded(flag.note)
    with translation.override("en"):
        assert "20 min apart" in render(flag.note)
    with translation.override("zh-hans"):
        assert "相隔 20 分钟" in render(flag.note)
    assert "duplicate_suspected" not in third["flags"]
    assert Order.objects.count() == 3  # flagged for review, never dropped


def test_duplicates_within_one_batch_are_flagged(channel, post, products):
    channel("miniprogram")
    first = p.miniprogram_order(order_no="X1")
    second = p.miniprogram_order(order_no="X2", created_at="2026-01-28T12:05:00+08:00")
    answers = post("miniprogram", p.dumps([first, second])).json()["orders"]
    assert [a["flags"] for a in answers] == [[], ["duplicate_suspected"]]


def test_new_identities_are_written_in_the_order_of_their_unique_index(channel, post,
                                                                       monkeypatch):
    # Two batches pushed at once that share new buyers must take the unique index's entries
    # in one order, or each holds one the other waits for ("deadlock detected" on
    # uniq_identity, seen with bench/serve.py's two uploads at a time).
    written = []
    real_copy = identity.copy_rows_skipping_conflicts
    real_bulk = CustomerIdentity.objects.bulk_create

    def copy(model, rows):
        written.extend(rows)
        return real_copy(model, rows)

    def bulk(objs, **kwargs):  # SQLite's path
        written.extend({"value": o.value, "kind": o.kind} for o in objs)
        return real_bulk(objs, **kwargs)

    monkeypatch.setattr(identity, "copy_rows_skipping_conflicts", copy)
    monkeypatch.setattr(CustomerIdentity.objects, "bulk_create", bulk)
    channel("jd")
    # given a page whose buyers come in descending order
    buyers = [f"o-jd-order-{n:03d}" for n in range(20, 0, -1)]
    response = post("jd", p.dumps(p.jd_search_response(
        *[p.jd_order(orderId=f"3100000{n:05d}", open_id_buyer=buyer)
          for n, buyer in enumerate(buyers)])))
    assert response.status_code == 200, response.content
    # then their identities were written in ascending (value, kind) order, all of them
    keys = [(row["value"], row["kind"]) for row in written]
    assert [value for value, _ in keys] == sorted(buyers)
    assert keys == sorted(keys)
