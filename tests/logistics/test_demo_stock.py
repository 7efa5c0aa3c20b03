"""The demo's opening stock: every demo SKU in every active warehouse, through the ledger, once."""
from __future__ import annotations

import io

from django.core.management import call_command

from logistics.models import Stock, StockMovement, Warehouse
from orders.demo_data import GIFT_PRODUCTS, PRODUCTS
from tests.factories import OrderFactory, OrderLineFactory


def test_every_demo_sku_is_stocked_in_every_warehouse_once(db):
    # given an order line of a SKU outside the demo catalogue, wanting many units
    OrderLineFactory(order=OrderFactory(), sku="EXTRA-SKU", quantity=150)
    warehouses = Warehouse.objects.filter(is_active=True).count()
    skus = {p.sku for p in (*PRODUCTS, *GIFT_PRODUCTS)} | {"EXTRA-SKU"}
    # when the demo stock is received
    call_command("seed_demo_stock", stdout=io.StringIO())
    # then each SKU has a row in each warehouse, with a ledger row each
    assert warehouses >= 2
    rows = Stock.objects.all()
    assert {(row.warehouse_id, row.sku) for row in rows} == {
        (w, sku) for w in Warehouse.objects.filter(is_active=True).values_list("pk", flat=True)
        for sku in skus}
    assert StockMovement.objects.filter(kind="receive").count() == len(skus) * warehouses
    assert Stock.objects.get(sku="EXTRA-SKU", warehouse__code="SH").on_hand == 300
    assert Stock.objects.get(sku=PRODUCTS[0].sku, warehouse__code="SH").on_hand == 200
    # and a second run adds nothing
    call_command("seed_demo_stock", stdout=io.StringIO())
    assert StockMovement.objects.count() == len(skus) * warehouses
