"""Merged parcels: three orders to one address within 24 hours ship as one parcel."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from logistics.models import FulfilmentSettings, Parcel, ParcelMember
from logistics.services.fulfilment import fulfilment_process
from logistics.services.parcels import address_key
from logistics.services.stock_follow import stock_ship_orders
from orders.models import Order
from orders.state_machine import Status
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

# One address, typed three ways (width, spaces, punctuation, region suffixes).
SPELLINGS = [
    {"receiver_province": "浙江省", "receiver_city": "杭州市", "receiver_district": "西湖区",
     "receiver_address": "文三路 90 号"},
    {"receiver_province": "浙江", "receiver_city": "杭州", "receiver_district": "西湖区",
     "receiver_address": "文三路90号"},
    {"receiver_province": "浙江省", "receiver_city": "杭州市", "receiver_district": "西湖区",
     "receiver_address": "文三路９０号，"},
]


def place(paid_order, spelling: dict, *, hours_ago: float = 0, shipping: str = "8.00"):
    order = paid_order(paid_at=timezone.now() - dt.timedelta(hours=hours_ago),
                       shipping_amount=Decimal(shipping), **spelling)
    fulfilment_process(order_id=order.pk)
    return order


def test_address_key_ignores_how_the_address_was_typed(db):
    keys = {address_key(OrderFactory.build(**spelling)) for spelling in SPELLINGS}
    assert len(keys) == 1
    other = OrderFactory.build(**{**SPELLINGS[0], "receiver_address": "文三路 91 号"})
    assert address_key(other) not in keys


def test_third_order_within_24_hours_makes_one_parcel_with_shipping_waived(
        paid_order, only_warehouse, no_default_rules):
    only_warehouse()
    first = place(paid_order, SPELLINGS[0], hours_ago=20)
    second = place(paid_order, SPELLINGS[1], hours_ago=5)
    assert not Parcel.objects.exists()  # two are not enough
    third = place(paid_order, SPELLINGS[2], shipping="6.00")
    parcel = Parcel.objects.get()
    members = {m.order_id: m for m in parcel.members.all()}
    assert set(members) == {first.pk, second.pk, third.pk}
    # the first pays shipping; the later ones have it waived, recorded on the membership
    assert not members[first.pk].shipping_waived
    assert (members[second.pk].shipping_waived, members[second.pk].waived_amount) == (
        True, Decimal("8.00"))
    assert members[third.pk].waived_amount == Decimal("6.00")
    third.refresh_from_db()
    assert third.shipping_amount == Decimal("6.00")  # what the buyer paid is not rewritten
    # a fourth order joins the same parcel
    fourth = place(paid_order, SPELLINGS[0])
    assert ParcelMember.objects.get(order=fourth).parcel == parcel


def test_orders_outside_the_window_are_not_merged(paid_order, only_warehouse, no_default_rules):
    only_warehouse()
    place(paid_order, SPELLINGS[0], hours_ago=30)
    place(paid_order, SPELLINGS[1], hours_ago=2)
    place(paid_order, SPELLINGS[2])
    assert not Parcel.objects.exists()


def test_window_and_group_size_are_configurable(paid_order, only_warehouse, no_default_rules):
    only_warehouse()
    FulfilmentSettings.objects.update(merge_min_orders=2, merge_window_hours=48)
    place(paid_order, SPELLINGS[0], hours_ago=40)
    place(paid_order, SPELLINGS[1])
    assert Parcel.objects.get().members.count() == 2


def test_a_shipped_parcel_takes_no_more_orders(paid_order, only_warehouse, no_default_rules):
    only_warehouse()
    orders = [place(paid_order, spelling) for spelling in SPELLINGS]
    # when the first leaves the warehouse (moved there directly: the test is about parcels)
    Order.objects.filter(pk=orders[0].pk).update(status=Status.IN_TRANSIT)
    stock_ship_orders(order_ids=[orders[0].pk])
    assert Parcel.objects.get().status == Parcel.ParcelStatus.SHIPPED
    late = place(paid_order, SPELLINGS[0])
    assert not ParcelMember.objects.filter(order=late).exists()
