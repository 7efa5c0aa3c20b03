"""Amazon's settlement report (flat file V2, issue 14 item 4) as a finance statement source:
principal matched to the ``amazon`` order (``order-id`` = channel order number) to the cent,
commissions and fulfilment fees as the order's costs, refunds matched to the refunds
after-sales approved, the deposit checked against the sum of the rows.

``tests/finance/files/amazon_settlement_v2.txt`` is written from Amazon's documentation of
``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`` (tab-separated; the summary row first).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from orderhub.core.texts import render
from finance.events import REFUND_APPROVED, REFUND_MATCHED
from finance.models import (
    Cause,
    Colour,
    ExpectedRefund,
    FeeCeiling,
    Kind,
    OrderCost,
    Source,
    StatementLine,
)
from finance.parsers.amazon import amazon_amount, fee_label, parse_settlement_report
from finance.parsers.base import CellError, StatementRejected
from finance.reconciliation import fee_cause
from finance.services.statements import statement_import
from orderhub.events.dispatch import events_dispatch
from orderhub.events.models import Event
from orderhub.events.services import event_record
from orders.models import Channel
from orders.state_machine import Status
from tests.factories import ChannelFactory, OrderFactory
from tests.finance.words import zh

pytestmark = pytest.mark.django_db
FILE = "amazon_settlement_v2.txt"


@pytest.fixture
def amazon(db):
    """The ``amazon`` channel (the cross-border channels are built on another branch)."""
    found = Channel.objects.filter(code="amazon").first()
    return found or ChannelFactory(code="amazon", abbreviation="AMZ", name="Amazon",
                                   currency="USD")


def amazon_order(channel, number: str, paid: str, status=Status.DELIVERED):
    return OrderFactory(channel=channel, channel_order_no=number, paid_amount=Decimal(paid),
                        currency="USD", payment_serial_no="", status=status)


@pytest.fixture
def orders(amazon):
    return {
        "tee": amazon_order(amazon, "113-4527193-2086624", "39.99"),
        "socks": amazon_order(amazon, "114-8839201-5523107", "23.38"),
        "hat": amazon_order(amazon, "112-1029384-7766554", "18.00", Status.REFUNDED),
    }


def lines_of(order):
    return StatementLine.objects.filter(order=order).order_by("line_no")


def test_the_report_is_told_from_its_header_and_reconciled(
    finance_user, orders, statement_file
):
    outcome = statement_import(content=statement_file(FILE), file_name=FILE, actor=finance_user)
    assert outcome.source == Source.AMAZON_SETTLEMENT
    statement = outcome.statement
    assert (statement.account, statement.summary["total-amount"]) == ("11893207331", "23.20")
    # The tee: 39.99 (+3.20 tax −3.20 withheld by Amazon) to the cent; 6.00 commission (15 %)
    # and 3.86 FBA fee (9.7 %), each within its default ceiling: costs, green.
    tee = lines_of(orders["tee"])
    assert {line.colour for line in tee} == {Colour.GREEN} and tee.count() == 5
    assert zh(tee[0].explanation) == (
        "应收39.99元，实收30.13元，亚马逊佣金(Commission)6.00元、"
        "亚马逊平台配送费(FBAPerUnitFulfillmentFee)3.86元计入订单成本"
    )
    # each is its own kind of cost in the order's breakdown: the commission, the FBA fee
    cost = OrderCost.objects.get(order=orders["tee"])
    assert (cost.commission, cost.fulfilment_fee, cost.payment_fee, cost.currency) == (
        Decimal("6.00"), Decimal("3.86"), Decimal("0.00"), "USD")
    assert cost.net_revenue == cost.revenue - Decimal("9.86") - cost.tax
    # The socks: the promotion is in the order's amount; the 3.51 commission (15.0 % of 23.38)
    # is within 30 % and the 6.84 FBA fee (29.3 %) within 35 %. Together they are 44 %: one
    # mixed ceiling would have flagged a normal small FBA order.
    socks = lines_of(orders["socks"])
    assert {line.colour for line in socks} == {Colour.GREEN}
    # The storage fee names no order: not an order's money.
    storage = StatementLine.objects.get(order__isnull=True)
    assert (storage.kind, storage.colour) == (Kind.FEE, Colour.GREY)
    assert StatementLine.objects.filter(currency="USD").count() == 13


def test_an_amazon_order_number_on_another_channel_is_not_matched(finance_user, statement_file,
                                                                   amazon):
    other = ChannelFactory()
    OrderFactory(channel=other, channel_order_no="113-4527193-2086624", paid_amount=Decimal("39.99"))
    statement_import(content=statement_file(FILE), file_name=FILE, actor=finance_user)
    assert not StatementLine.objects.filter(order__isnull=False).exists()
    assert StatementLine.objects.filter(colour=Colour.RED).count() == 12


def test_the_refund_is_matched_to_the_refund_aftersales_approved(
    finance_user, orders, statement_file
):
    event_record(REFUND_APPROVED, order_id=orders["hat"].pk, payload={
        "case_id": 91, "case_no": "AS-AMZ-91", "amount": "18.00", "currency": "USD",
        "kind": "return"})
    events_dispatch()
    statement_import(content=statement_file(FILE), file_name=FILE, actor=finance_user)
    refund = StatementLine.objects.get(kind=Kind.REFUND)
    assert (refund.order, refund.colour) == (orders["hat"], Colour.GREEN)
    assert ExpectedRefund.objects.get().statement_line == refund
    assert Event.objects.get(kind=REFUND_MATCHED).payload == {
        "case_id": 91, "statement_line_id": refund.pk, "colour": "green"}


def test_a_report_that_does_not_add_up_to_its_deposit_is_refused(
    finance_user, orders, statement_file
):
    content = statement_file(FILE).replace(b"\t23.20\tUSD", b"\t25.20\tUSD")
    with pytest.raises(StatementRejected, match="add up to 23.20 USD but total-amount deposited "
                                                "is 25.20"):
        statement_import(content=content, file_name=FILE, actor=finance_user)
    assert not StatementLine.objects.exists()


def test_a_row_cut_from_the_report_is_caught_by_the_deposit(statement_file):
    content = b"\n".join(
        line for line in statement_file(FILE).split(b"\n") if b"RefundCommission" not in line)
    parsed = parse_settlement_report(content)
    assert "add up to 23.74" in render(parsed.errors[0].message)


def test_a_bad_amount_is_refused_naming_its_row(finance_user, orders, statement_file):
    content = statement_file(FILE).replace(b"\t-3.86\t", b"\t-3.8x6\t")
    with pytest.raises(StatementRejected, match="row 7: amount '-3.8x6' is not an amount"):
        statement_import(content=content, file_name=FILE, actor=finance_user)
    assert not StatementLine.objects.exists()


def test_a_file_without_the_columns_is_not_a_settlement_report():
    with pytest.raises(StatementRejected, match="not an Amazon settlement report"):
        parse_settlement_report(b"settlement-id\tamount\n1\t2.00\n")


@pytest.mark.parametrize("text, value", [
    ("-4.05", Decimal("-4.05")), ("95,00", Decimal("95.00")), ("1.234,56", Decimal("1234.56")),
    ("1,234.56", Decimal("1234.56")), ("", Decimal("0")),
])
def test_amounts_in_each_marketplace_format(text, value):
    assert amazon_amount(text, "amount") == value


@pytest.mark.parametrize("text", ["1.005", "NaN", "Infinity", "1e400", "abc"])
def test_amounts_that_are_not_to_the_cent_are_refused(text):
    with pytest.raises(CellError):
        amazon_amount(text, "amount")


def test_the_same_report_twice_adds_nothing(finance_user, orders, statement_file):
    statement_import(content=statement_file(FILE), file_name=FILE, actor=finance_user)
    again = statement_import(content=statement_file(FILE) + b"\n", file_name="again.txt",
                             actor=finance_user)
    assert again.line_count == 0 and again.skipped_lines == 13


@pytest.mark.parametrize(("commission", "fulfilment", "colours", "words"), [
    # commission ceiling 10 %: the tee's 6.00 (> 4.00) and the socks' 3.51 (> 2.34) are over
    # it; their FBA fees are within 35 % and not named
    ("10.00", "35.00", {"tee": Colour.YELLOW, "socks": Colour.YELLOW},
     {"tee": "佣金6.00元超过上限10%", "socks": "佣金3.51元超过上限10%"}),
    # fulfilment ceiling 20 %: the socks' 6.84 FBA fee (> 4.68) is over it, the tee's 3.86
    # (≤ 8.00) is not; both commissions are within 30 %
    ("30.00", "20.00", {"tee": Colour.GREEN, "socks": Colour.YELLOW},
     {"socks": "配送费6.84元超过上限20%"}),
])
def test_commission_and_fulfilment_fees_are_each_held_to_their_own_ceiling(
    finance_user, orders, statement_file, amazon, commission, fulfilment, colours, words
):
    FeeCeiling.objects.create(channel=amazon, commission_percent=Decimal(commission),
                              fulfilment_fee_percent=Decimal(fulfilment))
    statement_import(content=statement_file(FILE), file_name=FILE, actor=finance_user)
    for name, colour in colours.items():
        first = lines_of(orders[name])[0]
        assert first.colour == colour, zh(first.explanation)
        if name in words:
            assert words[name] in zh(first.explanation)
            # the other kind, within its own ceiling, is not said to be over
            other = "配送费" if words[name].startswith("佣金") else "佣金"
            assert f"{other}" not in zh(first.explanation).split("（", 1)[1]


@pytest.mark.parametrize(("description", "cause"), [
    ("Commission", Cause.COMMISSION), ("ReferralFee", Cause.COMMISSION),
    ("RefundCommission", Cause.COMMISSION), ("VariableClosingFee", Cause.COMMISSION),
    ("FBAPerUnitFulfillmentFee", Cause.FULFILMENT_FEE), ("FBAWeightBasedFee", Cause.FULFILMENT_FEE),
    ("FBAPerOrderFulfillmentFee", Cause.FULFILMENT_FEE),
    ("ShippingChargeback", Cause.FULFILMENT_FEE), ("DigitalServicesFee", Cause.FEE),
    ("GiftwrapChargeback", None),
])
def test_each_amazon_fee_is_told_by_its_kind(description, cause):
    assert fee_cause(fee_label(description)) == cause
