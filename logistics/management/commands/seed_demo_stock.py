"""``manage.py seed_demo_stock [--units N]``: every demo SKU is in stock in every warehouse.

The demo's paid orders are reserved as soon as the worker handles their payment; without a
stock row for their SKUs they would all wait for stock. The command gives every active
warehouse a stock row for each SKU of the demo catalogue (``orders.demo_data``: goods and gifts)
and for each SKU any order line already names, received through ``stock_receive`` (a ledger
row each, as goods arriving at the dock): ``--units`` each, or more where the orders already in
the database need more of a SKU (one warehouse can carry all of them). A row that exists is
left as it is, so running the command again adds nothing.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from logistics.models import Stock, Warehouse
from logistics.services.stock import stock_receive
from orders.demo_data import GIFT_PRODUCTS, PRODUCTS
from orders.models import OrderLine

REASON = "demo: opening stock"


class Command(BaseCommand):
    help = "Give every demo SKU stock in every active warehouse (rows that exist are kept)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--units", type=int, default=200,
                            help="Units of each SKU per warehouse (200), more where the orders "
                                 "in the database need more.")

    def handle(self, *args, units: int, **options) -> None:
        if units < 1:
            raise CommandError("--units must be at least 1.")
        warehouses = list(Warehouse.objects.filter(is_active=True).order_by("pk"))
        if not warehouses:
            raise CommandError("No active warehouse: run `manage.py migrate` first.")
        demand = dict(OrderLine.objects.exclude(sku="").values_list("sku")
                      .annotate(units=Sum("quantity")).values_list("sku", "units"))
        skus = sorted({p.sku for p in (*PRODUCTS, *GIFT_PRODUCTS)} | set(demand))
        have = set(Stock.objects.filter(sku__in=skus).values_list("warehouse_id", "sku"))
        added = 0
        for warehouse in warehouses:
            for sku in skus:
                if (warehouse.pk, sku) in have:
                    continue
                stock_receive(warehouse=warehouse, sku=sku, actor=None, reason=REASON,
                              quantity=max(units, 2 * demand.get(sku, 0)))
                added += 1
        self.stdout.write(f"Demo stock: {added} stock rows received ({len(skus)} SKUs in "
                          f"{len(warehouses)} warehouses; {len(have)} rows already there).")
