"""A batch of paid orders is decided in a batch: one query per step for all of them, so that a
peak day keeps up with ingestion (DESIGN.md §6: the day fulfilled within 10 s of the last push).
"""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from logistics.models import FulfilmentDecision, Reservation, WarehouseDay
from logistics.services.fulfilment import fulfilment_decide
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db


def decide_counting_queries(order_ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as queries:
        fulfilment_decide(order_ids=order_ids)
    return len(queries)


def test_deciding_many_orders_costs_the_queries_of_deciding_a_few(
    only_warehouse, stocked, paid_order, warehouse,
):
    # given the shipped default rules, two warehouses with stock, and paid orders to several
    # addresses, each with two lines
    east = only_warehouse("EAST", provinces="浙江")
    west = warehouse("WEST", provinces="四川", priority=5)
    for each in (east, west):
        stocked(each, "SKU-A", 500)
        stocked(each, "SKU-B", 500)

    def orders(count: int) -> list[int]:
        return [paid_order({"SKU-A": 1, "SKU-B": 2},
                           receiver_province="浙江省" if n % 2 else "四川省",
                           receiver_address=f"文三路 {n} 号").pk for n in range(count)]

    # when 5 orders, then 60 orders, are decided in one batch each
    few = decide_counting_queries(orders(5))
    many = decide_counting_queries(orders(60))

    # then the big batch costs no more queries than the small one (none per order; the small
    # one also created the day's capacity counters)
    assert many <= few, (few, many)
    assert FulfilmentDecision.objects.filter(outcome="allocated").count() == 65
    assert Reservation.objects.count() == 130
    # and the capacity counters count every order
    assert sum(WarehouseDay.objects.values_list("assigned", flat=True)) == 65


def test_a_batch_allocates_against_what_earlier_orders_of_the_batch_took(
    only_warehouse, stocked, paid_order, no_default_rules,
):
    # given 5 units and a batch of 4 orders for 2 each
    stock = stocked(only_warehouse(), "SKU-A", 5)
    ids = [paid_order({"SKU-A": 2}).pk for _ in range(4)]
    # when they are decided together
    decisions = fulfilment_decide(order_ids=ids)
    # then the first two have their units (in id order), the others are out of stock with
    # what was left when their turn came
    assert [decisions[pk].outcome for pk in ids] == [
        "allocated", "allocated", "out_of_stock", "out_of_stock"]
    stock.refresh_from_db()
    assert (stock.reserved, stock.available) == (4, 1)
    with translation.override("en"):
        assert "needs 2, 1 available" in render(decisions[ids[2]].summary)
