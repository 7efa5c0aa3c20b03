"""Fixtures of the logistics tests: warehouses, stock and paid orders."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from logistics.models import FulfilmentRule, Warehouse
from logistics.services.stock import stock_receive
from orders.state_machine import Status
from tests.factories import OrderFactory, OrderLineFactory


@pytest.fixture
def no_default_rules(db):
    """Only the rules a test writes (the shipped defaults are switched off)."""
    FulfilmentRule.objects.update(is_active=False)


@pytest.fixture
def only_warehouse(db):
    """``only_warehouse("T1", provinces="浙江")``: the one active warehouse."""

    def make(code: str = "T1", **kwargs) -> Warehouse:
        Warehouse.objects.exclude(code=code).update(is_active=False)
        return Warehouse.objects.create(code=code, name=f"Test {code}",
                                        **{"priority": 1, **kwargs})

    return make


@pytest.fixture
def warehouse(db):
    """``warehouse("T2", priority=5)``: one more active warehouse."""

    def make(code: str, **kwargs) -> Warehouse:
        return Warehouse.objects.create(code=code, name=f"Test {code}", **kwargs)

    return make


@pytest.fixture
def stocked(db):
    """``stocked(warehouse, "SKU-A", 10)``: received stock (with its ledger row)."""

    def make(warehouse: Warehouse, sku: str, quantity: int, **extra):
        stock = stock_receive(warehouse=warehouse, sku=sku, quantity=quantity, actor=None,
                              reason="opening stock")
        if extra:
            for name, value in extra.items():
                setattr(stock, name, value)
            stock.save(update_fields=list(extra))
        return stock

    return make


@pytest.fixture
def paid_order(db):
    """``paid_order({"SKU-A": 2}, paid_amount=...)``: a paid order with one line per SKU."""

    def make(lines: dict[str, int] | None = None, *, status: str = Status.PAID, **kwargs):
        kwargs.setdefault("paid_at", timezone.now())
        order = OrderFactory(status=status, **kwargs)
        for sku, quantity in (lines or {"SKU-A": 1}).items():
            OrderLineFactory(order=order, sku=sku, quantity=quantity,
                             unit_price=Decimal("10.00"), amount=Decimal("10.00") * quantity)
        return order

    return make


@pytest.fixture
def the_carriers(db):
    """The shipped carrier table, again after a transactional test flushed what the migration
    seeded (browser tests run on the live server with ``transaction=True``)."""
    from logistics.shipments.carriers import CARRIERS
    from logistics.shipments.models import Carrier

    for code, name, name_en, phone, pattern, k100, aliases in CARRIERS:
        Carrier.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "phone": phone, "tracking_pattern": pattern,
            "kuaidi100_code": k100, "aliases": ",".join(aliases)})

