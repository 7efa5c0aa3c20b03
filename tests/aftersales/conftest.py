"""Fixtures of the after-sales tests: orders with lines, cases, clients by role."""
from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.services import case_open
from orders.models import Channel
from tests.factories import OrderFactory, OrderLineFactory


@pytest.fixture
def order_in(db):
    """``order_in("picking")``: a JD order with one line (SKU TS-WHITE-L, 2 × 99.50)."""

    def make(status: str = "delivered", *, channel: str = "jd", channel_order_no: str = "",
             paid: str = "199.00"):
        extra = {"channel_order_no": channel_order_no} if channel_order_no else {}
        order = OrderFactory(status=status, channel=Channel.objects.get(code=channel),
                             paid_amount=Decimal(paid), goods_amount=Decimal(paid), **extra)
        OrderLineFactory(order=order, sku="TS-WHITE-L", channel_sku="4401233", quantity=2,
                         unit_price=Decimal("99.50"), amount=Decimal(paid))
        return order

    return make


@pytest.fixture
def open_case(order_in):
    """``open_case("return", status="delivered")``: a case opened by the hub on a new order."""

    def make(kind: str = "return", *, status: str = "delivered", words: str = "质量不好，起球了",
             amount: str | None = None, order=None):
        order = order or order_in(status)
        return case_open(order=order, kind=kind, actor=None, buyer_words=words,
                         amount=Decimal(amount) if amount is not None else None)

    return make
