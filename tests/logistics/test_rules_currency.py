"""Money in the order's currency: a yuan threshold of the fulfilment rules compares a foreign
order at the rate finance keeps for the order's day (and says so), and without a rate it does
not guess; the monthly consistency report never adds two currencies."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from finance import exports
from logistics.services.fulfilment import fulfilment_process
from orders.models import Channel, ExchangeRate
from orders.money import in_yuan, rates_for
from orders.state_machine import Status
from tests.logistics.test_rules import matched

pytestmark = pytest.mark.django_db
RISK = "Risk: over 5,000 to Xinjiang, Tibet, Hong Kong, Macau or Taiwan"
PAID_AT = dt.datetime(2026, 1, 28, 10, 0, tzinfo=dt.timezone.utc)


def usd_order(paid_order, amount: str):
    return paid_order(receiver_province="香港特别行政区", paid_amount=Decimal(amount),
                      currency="USD", paid_at=PAID_AT)


def test_a_dollar_order_is_compared_in_yuan_at_the_rate_of_its_day(paid_order):
    # given finance's rates: 7.00 from January, 7.30 from February
    ExchangeRate.objects.create(currency="USD", yuan_per_unit=Decimal("7.00"),
                                valid_from=dt.date(2026, 1, 1))
    ExchangeRate.objects.create(currency="USD", yuan_per_unit=Decimal("7.30"),
                                valid_from=dt.date(2026, 2, 1))
    # when an order of 800 dollars paid on 28 January (5,600 yuan) is decided
    order = usd_order(paid_order, "800.00")
    fulfilment_process(order_id=order.pk)
    order.refresh_from_db()
    # then the 5,000-yuan risk rule holds, and what it saw names the dollars
    assert order.status == Status.RISK_REVIEW and RISK in matched(order)
    assert order.paid_amount == Decimal("800.00") and order.currency == "USD"  # unchanged


def test_700_dollars_stay_under_5000_yuan(paid_order):
    ExchangeRate.objects.create(currency="USD", yuan_per_unit=Decimal("7.00"),
                                valid_from=dt.date(2026, 1, 1))
    order = usd_order(paid_order, "700.00")  # 4,900 yuan: a plain 700 > 5,000 test says no
    fulfilment_process(order_id=order.pk)
    order.refresh_from_db()
    assert order.status != Status.RISK_REVIEW


def test_without_a_rate_no_amount_condition_holds(paid_order):
    order = usd_order(paid_order, "9000.00")  # not compared as if it were yuan
    fulfilment_process(order_id=order.pk)
    order.refresh_from_db()
    assert order.status != Status.RISK_REVIEW and RISK not in matched(order)


def test_in_yuan_names_the_rate_used():
    rate = ExchangeRate.objects.create(currency="SGD", yuan_per_unit=Decimal("5.321"),
                                       valid_from=dt.date(2026, 1, 1))
    rates = rates_for(currencies={"SGD", "CNY"})
    assert in_yuan(Decimal("25.89"), "SGD", day=dt.date(2026, 1, 28), rates=rates) == (
        Decimal("137.76"), rate)
    assert in_yuan(Decimal("25.89"), "SGD", day=dt.date(2025, 12, 31), rates=rates) == (
        None, None)
    assert in_yuan(Decimal("9.90"), "CNY", day=dt.date(2026, 1, 28), rates=rates) == (
        Decimal("9.90"), None)


def test_the_monthly_report_keeps_each_currency_apart(paid_order, make_user):
    # given a Shopee shop paid in Singapore dollars and in ringgit in January
    shopee = Channel.objects.get(code="shopee")
    for amount, currency in (("25.89", "SGD"), ("10.00", "SGD"), ("88.00", "MYR")):
        paid_order(channel=shopee, paid_amount=Decimal(amount), currency=currency,
                   paid_at=PAID_AT)
    finance = make_user("finance", username="fin")
    # when finance exports January's consistency report
    table = exports.monthly_table(actor=finance, month=dt.date(2026, 1, 1))
    headers, rows = [str(header) for header in table.headers], list(table.rows)
    row = dict(zip(headers, next(r for r in rows if r[0] == "shopee")))
    # then the paid amounts are per currency, never one sum
    assert row["Currency"] == "MYR, SGD"
    assert row["Paid amount"] == "MYR 88.00; SGD 35.89"
