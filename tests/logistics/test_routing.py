"""Routing: the destination's warehouse, rule-assigned warehouses first, overflow on capacity."""
from __future__ import annotations

import pytest

from logistics.models import FulfilmentDecision, FulfilmentRule, Warehouse, WarehouseDay
from logistics.services.fulfilment import fulfilment_process
from logistics.services.routing import candidate_warehouses
from orderhub.alerts.models import Alert
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_warehouses(db, no_default_rules, stocked):
    """Only EAST (serves Zhejiang, capacity 2) and WEST (serves Sichuan), both stocked."""
    Warehouse.objects.update(is_active=False)
    east = Warehouse.objects.create(code="EAST", name="East", provinces="浙江, 上海",
                                    priority=1, daily_capacity=2)
    west = Warehouse.objects.create(code="WEST", name="West", provinces="四川", priority=2)
    for warehouse in (east, west):
        stocked(warehouse, "SKU-A", 50)
    return east, west


def routed_to(order) -> str:
    return FulfilmentDecision.objects.get(order=order).warehouse.code


def test_destination_picks_the_warehouse_serving_it(two_warehouses, paid_order):
    sichuan = paid_order(receiver_province="四川省")
    zhejiang = paid_order(receiver_province="浙江省")
    for order in (sichuan, zhejiang):
        fulfilment_process(order_id=order.pk)
    assert (routed_to(sichuan), routed_to(zhejiang)) == ("WEST", "EAST")


def test_capacity_used_overflows_to_the_next_warehouse(two_warehouses, paid_order):
    east, _west = two_warehouses
    # given three orders for Zhejiang and East's capacity of 2 a day
    orders = [paid_order(receiver_province="浙江省") for _ in range(3)]
    for order in orders:
        fulfilment_process(order_id=order.pk)
    # then the third overflows to West, and East's counter says 2
    assert [routed_to(o) for o in orders] == ["EAST", "EAST", "WEST"]
    assert WarehouseDay.objects.get(warehouse=east).assigned == 2
    assert "at capacity today: EAST" in render(FulfilmentDecision.objects.get(order=orders[2]).summary)


def test_a_warehouse_without_the_stock_is_skipped_and_not_counted(two_warehouses, paid_order,
                                                                  stocked):
    east, west = two_warehouses
    stocked(west, "SKU-B", 3)  # only West has B
    order = paid_order({"SKU-B": 1}, receiver_province="浙江省")
    fulfilment_process(order_id=order.pk)
    assert routed_to(order) == "WEST"
    assert not WarehouseDay.objects.filter(warehouse=east, assigned__gt=0).exists()


def test_every_warehouse_full_takes_the_first_over_capacity(two_warehouses, paid_order):
    east, west = two_warehouses
    Warehouse.objects.filter(pk__in=[east.pk, west.pk]).update(daily_capacity=0)
    order = paid_order(receiver_province="浙江省")
    decision = fulfilment_process(order_id=order.pk)
    assert (decision.warehouse.code, decision.over_capacity) == ("EAST", True)
    assert Alert.objects.filter(kind="warehouse_over_capacity").count() == 1


def test_rule_assigned_warehouses_come_first_in_rule_order(two_warehouses, paid_order):
    east, west = two_warehouses
    rule = FulfilmentRule.objects.create(name="West first", priority=1)
    rule.conditions.create(fact="amount", operator="gte", value="0")
    rule.actions.create(kind="assign_warehouse", warehouse=west)
    order = paid_order(receiver_province="浙江省")
    fulfilment_process(order_id=order.pk)
    assert routed_to(order) == "WEST"
    codes = [w.code for w in candidate_warehouses(province="浙江", preferred=[west])]
    assert codes == ["WEST", "EAST"]
