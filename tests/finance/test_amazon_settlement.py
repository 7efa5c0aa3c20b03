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

from finance.events import REFUND_APPROVED, REFUND_MATCHED
from finance.models import Colour, ExpectedRefund, Kind, OrderCost, Source, StatementLine
from finance.parsers.amazon import amazon_amount, parse_settlement_report
from finance.parsers.base import CellError, StatementRejected
from finance.services.statements import statement_import
from orderhub.events.dispatch import events_dispatch
from orderhub.events.models import Event
from orderhub.events.services import event_record
from orders.models import Channel
from orders.state_machine import Status
from tests.factories import ChannelFactory, OrderFactory

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
    # The tee: 39.99 (+3.20 tax −3.20 withheld by Amazon) to the cent; 6.00 commission and 3.86
    # FBA fee (24.7 % of the order) within the default ceiling: costs, green.
    tee = lines_of(orders["tee"])
    assert {line.colour for line in tee} == {Colour.GREEN} and tee.count() == 5
    assert tee[0].explanation == (
        "应收39.99元，实收30.13元，亚马逊佣金及费用(Commission)6.00元、"
        "亚马逊佣金及费用(FBAPerUnitFulfillmentFee)3.86元计入订单成本"
    )
    assert OrderCost.objects.get(order=orders["tee"]).commission == Decimal("9.86")
    assert OrderCost.objects.get(order=orders["tee"]).currency == "USD"
    # The socks: the promotion is in the order's amount; 10.35 of fees is 44 %: a look.
    socks = lines_of(orders["socks"])
    assert {line.colour for line in socks} == {Colour.YELLOW}
    assert "佣金10.35元超过上限30%" in socks[0].explanation
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
    assert "add up to 23.74" in parsed.errors[0].message


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
