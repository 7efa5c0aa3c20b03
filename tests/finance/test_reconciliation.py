"""The reconciliation rules on their own: colours and explanations, to the cent."""
from __future__ import annotations

from decimal import Decimal

from finance.models import Cause, Colour, Kind
from finance.parsers.base import ParsedLine
from finance.reconciliation import Ceiling, OrderFacts, evaluate
from finance.services.matching import allocate
from orders.state_machine import Status
from tests.finance.words import zh


def order(paid: str, status: str = Status.DELIVERED, order_id: int = 1) -> OrderFacts:
    return OrderFacts(order_id, f"MP{order_id}", 1, status, Decimal(paid))


def payment(
    amount: str, *, fee: str = "0", label: str = "微信手续费", gross: str | None = None
) -> ParsedLine:
    gross_amount = Decimal(gross or amount)
    return ParsedLine(
        1,
        "k",
        Kind.PAYMENT,
        gross_amount=gross_amount,
        amount=Decimal(amount),
        discount=max(gross_amount - Decimal(amount), Decimal("0")),
        fee=Decimal(fee),
        fee_label=label,
    )


def refund(amount: str, *, fee: str = "0") -> ParsedLine:
    return ParsedLine(
        2, "r", Kind.REFUND, refund_amount=Decimal(amount), amount=-Decimal(amount),
        fee=Decimal(fee), fee_label="微信手续费",
    )


def fee_row(amount: str, label: str) -> ParsedLine:
    return ParsedLine(3, "f", Kind.FEE, amount=-Decimal(amount), fee_label=label)


def test_exact_amount_is_green():
    verdict = evaluate([order("199.00")], [payment("199.00")])
    assert (verdict.colour, verdict.cause) == (Colour.GREEN, Cause.EXACT)
    assert zh(verdict.explanation) == "金额一致：应收199.00元，实收199.00元"
    assert verdict.difference == Decimal("0.00")


def test_wechat_fee_within_the_ceiling_is_a_cost_and_green():
    verdict = evaluate([order("199.00")], [payment("199.00", fee="0.50000")])
    assert verdict.colour == Colour.GREEN and verdict.cause == Cause.FEE
    assert zh(verdict.explanation) == "应收199.00元，实收198.50元，微信手续费0.50元计入订单成本"
    assert verdict.payment_fee == Decimal("0.50")
    assert (verdict.received, verdict.difference) == (Decimal("198.50"), Decimal("0.00"))


def test_fee_above_the_ceiling_is_yellow_and_says_so():
    tight = Ceiling(payment_fee_percent=Decimal("0.20"))
    verdict = evaluate([order("199.00")], [payment("199.00", fee="0.50000")], ceiling=tight)
    assert verdict.colour == Colour.YELLOW and verdict.cause == Cause.FEE
    assert zh(verdict.explanation) == (
        "应收199.00元，实收198.50元，差额0.50元为微信手续费（手续费0.50元超过上限0.2%，请核查）"
    )
    # Still a cost of the order in its breakdown.
    assert verdict.payment_fee == Decimal("0.50")


def test_the_ceiling_is_inclusive_to_the_cent():
    ceiling = Ceiling(payment_fee_percent=Decimal("0.60"))
    at = evaluate([order("100.00")], [payment("100.00", fee="0.60000")], ceiling=ceiling)
    above = evaluate([order("100.00")], [payment("100.00", fee="0.61000")], ceiling=ceiling)
    assert (at.colour, above.colour) == (Colour.GREEN, Colour.YELLOW)


def test_a_deduction_not_named_as_a_fee_or_commission_needs_a_person():
    verdict = evaluate([order("299.00")], [payment("299.00"), fee_row("20.00", "违规罚款")])
    assert verdict.colour == Colour.YELLOW
    assert zh(verdict.explanation) == "应收299.00元，实收279.00元，差额20.00元为违规罚款"


def test_platform_technical_service_fee_counts_as_commission():
    verdict = evaluate([order("299.00")], [payment("299.00"), fee_row("14.95", "平台技术服务费")])
    assert (verdict.colour, verdict.cause) == (Colour.GREEN, Cause.COMMISSION)
    assert verdict.commission == Decimal("14.95")


def test_five_decimal_fee_is_rounded_half_up_to_the_cent():
    verdict = evaluate([order("199.00")], [payment("199.00", fee="0.49750")])
    assert verdict.received == Decimal("198.50")


def test_commission_row_within_the_ceiling_is_green():
    verdict = evaluate([order("299.00")], [payment("299.00", fee="0"), fee_row("5.98", "淘宝客佣金")])
    assert verdict.colour == Colour.GREEN and verdict.cause == Cause.COMMISSION
    assert zh(verdict.explanation) == "应收299.00元，实收293.02元，淘宝客佣金5.98元计入订单成本"
    assert verdict.commission == Decimal("5.98") and verdict.payment_fee == Decimal("0.00")


def test_commission_above_its_ceiling_is_yellow():
    verdict = evaluate(
        [order("100.00")], [payment("100.00"), fee_row("31.00", "淘宝客佣金")],
    )
    assert verdict.colour == Colour.YELLOW and verdict.cause == Cause.COMMISSION
    assert zh(verdict.explanation).endswith("（佣金31.00元超过上限30%，请核查）")


def test_partial_refund_with_fee_given_back_lists_both():
    verdict = evaluate(
        [order("199.00")], [payment("199.00", fee="1.19000"), refund("20.00", fee="-0.12000")]
    )
    assert verdict.colour == Colour.YELLOW and verdict.cause == Cause.PARTIAL_REFUND
    assert zh(verdict.explanation) == "应收199.00元，实收177.93元，差额21.07元为部分退款20.00元、微信手续费1.07元"
    assert verdict.refunded == Decimal("20.00")


def test_coupon_explains_when_the_order_counts_the_full_price():
    verdict = evaluate([order("199.00")], [payment("189.00", gross="199.00")])
    assert verdict.colour == Colour.YELLOW and verdict.cause == Cause.COUPON
    assert zh(verdict.explanation).endswith("差额10.00元为优惠券")


def test_unexplained_difference_is_red_and_alerts():
    verdict = evaluate([order("199.00")], [payment("150.00")])
    assert (verdict.colour, verdict.cause, verdict.alert) == (
        Colour.RED,
        Cause.AMOUNT_MISMATCH,
        True,
    )
    assert zh(verdict.explanation) == "金额不符：应收199.00元，实收150.00元，差额49.00元无法解释，请核查"


def test_more_money_than_the_order_is_red():
    verdict = evaluate([order("199.00")], [payment("209.00")])
    assert verdict.colour == Colour.RED
    assert "多收10.00元" in zh(verdict.explanation)


def test_money_for_a_cancelled_order_is_red_and_alerts():
    verdict = evaluate([order("199.00", Status.CANCELLED)], [payment("199.00")])
    assert (verdict.colour, verdict.cause, verdict.alert) == (
        Colour.RED,
        Cause.CANCELLED_WITH_MONEY,
        True,
    )
    assert zh(verdict.explanation) == "订单已取消，仍收到199.00元，需退款或核查"


def test_cancelled_order_refunded_in_full_is_green():
    verdict = evaluate([order("199.00", Status.CANCELLED)], [payment("199.00"), refund("199.00")])
    assert (verdict.colour, verdict.cause) == (Colour.GREEN, Cause.FULL_REFUND)


def test_full_refund_of_an_order_not_marked_refunded_needs_a_look():
    verdict = evaluate([order("199.00", Status.DELIVERED)], [payment("199.00"), refund("199.00")])
    assert (verdict.colour, verdict.cause) == (Colour.YELLOW, Cause.FULL_REFUND)


def test_refund_without_a_payment_seen_is_yellow():
    verdict = evaluate([order("199.00")], [refund("20.00")])
    assert (verdict.colour, verdict.cause) == (Colour.YELLOW, Cause.NO_PAYMENT_SEEN)
    assert zh(verdict.explanation) == "仅见退款20.00元，未见收款记录（应收199.00元）"


def test_merged_payment_is_judged_against_both_orders():
    verdict = evaluate(
        [order("100.00", order_id=1), order("99.00", order_id=2)], [payment("199.00")]
    )
    assert verdict.colour == Colour.GREEN
    assert zh(verdict.explanation).startswith("合并付款2笔订单，")


def test_allocation_splits_to_the_cent_and_keeps_the_total():
    shares = allocate(Decimal("1.00"), [Decimal("100.00"), Decimal("100.00"), Decimal("100.00")])
    assert shares == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]
