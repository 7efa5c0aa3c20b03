"""Refunds after-sales approved (issue 11 item 6, the finance side): the event
``aftersales.refund_approved`` makes an expected outgoing amount; the refund rows of the
Alipay and WeChat Pay statements match it (green to the cent, yellow with the words when they
differ), and each match is told to after-sales as ``finance.refund_matched``.

Most tests record after-sales' event themselves (its payload is the contract); the last one
goes through after-sales' own services, end to end.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.models import Case
from aftersales.services import case_open, case_transition
from finance.events import REFUND_APPROVED, REFUND_MATCHED
from finance.models import Colour, ExpectedRefund, StatementLine
from finance.services.refunds import approval_read
from finance.services.reviews import line_confirm
from finance.services.statements import statement_import
from orderhub.core.errors import ValidationFailed
from orderhub.events.dispatch import events_dispatch
from orderhub.events.models import Event, EventTask
from orderhub.events.services import event_record
from orders.state_machine import Status
from tests.factories import OrderFactory, OrderLineFactory
from tests.finance.bills import TradeRow, WechatRow, alipay_trade_bill, wechat_bill
from tests.finance.words import zh

pytestmark = pytest.mark.django_db
SERIAL = "4200000000000000000701"


@pytest.fixture
def order(miniprogram):
    return OrderFactory(channel=miniprogram, payment_serial_no=SERIAL, paid_amount=Decimal("199.00"),
                        status=Status.DELIVERED)


def approve(order, *, case_id: int = 31, amount: str = "20.00", case_no: str = "AS2026012800031"):
    """What after-sales records when it approves a refund, then the worker's dispatch."""
    event_record(REFUND_APPROVED, order_id=order.pk, payload={
        "case_id": case_id, "case_no": case_no, "amount": amount, "currency": "CNY",
        "kind": "partial_refund",
    })
    report = events_dispatch()
    assert not EventTask.objects.exclude(status=EventTask.TaskStatus.DONE).filter(
        handler="finance.expect_refund").exists(), report


def import_wechat(actor, *rows, name="bill.csv"):
    return statement_import(content=wechat_bill(list(rows)), file_name=name, actor=actor)


PAYMENT = WechatRow(SERIAL, "MP701", settled="199.00", fee="1.19400")


def refund_row(amount: str, refund_id: str = "503070001") -> WechatRow:
    return WechatRow(SERIAL, "MP701", status="REFUND", refund_id=refund_id, refund=amount,
                     fee="-0.12000", at="2026-01-28 16:00:00")


def matched_events():
    return list(Event.objects.filter(kind=REFUND_MATCHED).values_list("order_id", "payload"))


def test_a_refund_row_equal_to_the_approved_refund_is_green_and_told_to_aftersales(
    finance_user, order
):
    approve(order)
    assert ExpectedRefund.objects.get().amount == Decimal("20.00")
    outcome = import_wechat(finance_user, PAYMENT, refund_row("20.00"))
    refund_line = StatementLine.objects.get(kind="refund")
    assert (refund_line.colour, refund_line.cause) == (Colour.GREEN, "aftersales_refund")
    assert zh(refund_line.explanation) == "退款20.00元，与售后单AS2026012800031批准的退款一致"
    # The payment needs nobody either: the partial refund is the approved one, the fee a cost.
    payment_line = StatementLine.objects.get(kind="payment")
    assert payment_line.colour == Colour.GREEN
    assert zh(payment_line.explanation) == (
        "应收199.00元，实收177.93元，售后退款20.00元已批准，微信手续费1.07元计入订单成本"
    )
    assert outcome.counts["green"] == 2
    expected = ExpectedRefund.objects.get()
    assert (expected.statement_line_id, expected.colour) == (refund_line.pk, Colour.GREEN)
    assert matched_events() == [(order.pk, {
        "case_id": 31, "statement_line_id": refund_line.pk, "colour": "green",
    })]


def test_a_refund_row_that_differs_is_yellow_with_the_words(finance_user, order):
    approve(order)
    import_wechat(finance_user, PAYMENT, refund_row("18.00"))
    refund_line = StatementLine.objects.get(kind="refund")
    assert refund_line.colour == Colour.YELLOW
    assert zh(refund_line.explanation) == (
        "售后单AS2026012800031批准退款20.00元，实退18.00元，少退2.00元，请核查"
    )
    assert StatementLine.objects.get(kind="payment").colour == Colour.YELLOW
    assert [payload["colour"] for _order, payload in matched_events()] == ["yellow"]


def test_an_approval_after_the_statement_matches_the_refund_row_already_imported(
    finance_user, order
):
    import_wechat(finance_user, PAYMENT, refund_row("20.00"))
    assert set(StatementLine.objects.values_list("colour", flat=True)) == {Colour.YELLOW}
    approve(order)
    assert set(StatementLine.objects.values_list("colour", flat=True)) == {Colour.GREEN}
    refund_line = StatementLine.objects.get(kind="refund")
    assert matched_events() == [(order.pk, {
        "case_id": 31, "statement_line_id": refund_line.pk, "colour": "green",
    })]
    statement = refund_line.statement
    statement.refresh_from_db()
    assert (statement.green_count, statement.yellow_count) == (2, 0)


def test_the_same_approval_twice_expects_the_money_once_and_tells_once(finance_user, order):
    approve(order)
    approve(order)
    import_wechat(finance_user, PAYMENT, refund_row("20.00"))
    approve(order)
    assert ExpectedRefund.objects.count() == 1
    assert len(matched_events()) == 1


def test_two_cases_two_refund_rows_each_matched_to_its_amount(finance_user, order):
    approve(order, case_id=41, case_no="AS41", amount="30.00")
    approve(order, case_id=42, case_no="AS42", amount="20.00")
    import_wechat(finance_user, PAYMENT, refund_row("20.00", "503070002"),
                  WechatRow(SERIAL, "MP701", status="REFUND", refund_id="503070003",
                            refund="30.00", at="2026-01-28 17:00:00"))
    pairs = dict(ExpectedRefund.objects.values_list("case_id", "statement_line__refund_amount"))
    assert pairs == {41: Decimal("30.00"), 42: Decimal("20.00")}
    assert set(StatementLine.objects.filter(kind="refund").values_list("colour", flat=True)) == {
        Colour.GREEN}


def test_alipay_trade_bill_refund_rows_match_too(finance_user, taobao):
    order = OrderFactory(channel=taobao, payment_serial_no="2026012822001400000000000702",
                         paid_amount=Decimal("88.00"), status=Status.DELIVERED)
    approve(order, case_id=51, case_no="AS51", amount="8.00")
    statement_import(content=alipay_trade_bill([
        TradeRow("2026012822001400000000000702", "T200P702", "88.00", "88.00"),
        TradeRow("2026012822001400000000000702", "T200P702", "8.00", "-8.00",
                 business_type="退款", batch="RF702"),
    ]), file_name="trade.csv", actor=finance_user)
    refund_line = StatementLine.objects.get(kind="refund")
    assert refund_line.colour == Colour.GREEN
    assert ExpectedRefund.objects.get().statement_line_id == refund_line.pk


def test_a_refund_the_person_already_confirmed_keeps_their_verdict(finance_user, order):
    import_wechat(finance_user, PAYMENT, refund_row("18.00"))
    refund_line = StatementLine.objects.get(kind="refund")
    line_confirm(line=refund_line, actor=finance_user, reason="buyer kept 2.00 as agreed")
    approve(order)
    refund_line.refresh_from_db()
    assert refund_line.review_reason == "buyer kept 2.00 as agreed"
    assert refund_line.cause != "aftersales_refund"
    assert not matched_events()


@pytest.mark.parametrize("payload, problem", [
    ({"case_id": "31", "case_no": "AS1", "amount": "20.00", "currency": "CNY"}, "case_id"),
    ({"case_id": 31, "case_no": "", "amount": "20.00", "currency": "CNY"}, "case_no"),
    ({"case_id": 31, "case_no": "AS1", "amount": 20, "currency": "CNY"}, "amount"),
    ({"case_id": 31, "case_no": "AS1", "amount": "20.5", "currency": "CNY"}, "amount"),
    ({"case_id": 31, "case_no": "AS1", "amount": "-1.00", "currency": "CNY"}, "amount"),
    ({"case_id": 31, "case_no": "AS1", "amount": "20.00", "currency": "rmb"}, "currency"),
])
def test_a_malformed_approval_is_refused_naming_the_field(payload, problem):
    with pytest.raises(ValidationFailed, match=problem):
        approval_read(7, payload)


def test_an_approval_of_nothing_expects_nothing(order):
    assert approval_read(order.pk, {"case_id": 71, "case_no": "AS71", "amount": "0.00",
                                    "currency": "CNY"}) is None
    approve(order, case_id=71, case_no="AS71", amount="0.00")
    assert not ExpectedRefund.objects.exists()


def test_an_approval_in_another_currency_is_refused_and_writes_nothing(order):
    event_record(REFUND_APPROVED, order_id=order.pk, payload={
        "case_id": 61, "case_no": "AS61", "amount": "3.00", "currency": "USD", "kind": "x"})
    events_dispatch()
    assert not ExpectedRefund.objects.exists()
    task = EventTask.objects.get(handler="finance.expect_refund")
    assert task.status != EventTask.TaskStatus.DONE and "never converted" in task.last_error


def test_end_to_end_with_aftersales_the_case_learns_its_refund_was_paid_out(
    finance_user, miniprogram
):
    """After-sales merged: its own refund, through both apps' events."""
    order = OrderFactory(channel=miniprogram, payment_serial_no=SERIAL,
                         paid_amount=Decimal("199.00"), goods_amount=Decimal("199.00"),
                         status=Status.DELIVERED)
    OrderLineFactory(order=order, sku="TS-WHITE-L", quantity=2, unit_price=Decimal("99.50"),
                     amount=Decimal("199.00"))
    case = case_open(order=order, kind="partial_refund", actor=None,
                     buyer_words="少发了一件", amount=Decimal("20.00"))
    case_transition(case=case, name="approve", actor=None)
    case_transition(case=case, name="refund", actor=None)
    events_dispatch()
    assert ExpectedRefund.objects.get().case_id == case.pk
    import_wechat(finance_user, PAYMENT, refund_row("20.00"))
    events_dispatch()
    refund_line = StatementLine.objects.get(kind="refund")
    case = Case.objects.get(pk=case.pk)
    assert (case.refund_statement_line_id, case.refund_colour) == (refund_line.pk, "green")
