"""Every text finance stores for people is a code with parameters, read in the reader's language:
the Chinese exactly as finance files it, English for the others (orderhub.core.texts)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from finance import texts
from finance.models import Kind
from finance.parsers.base import CellError, RowError, StatementRejected, money
from finance.reconciliation import (
    Ceiling,
    evaluate,
    no_money_verdict,
    not_order_verdict,
    refund_verdict,
    unmatched_verdict,
    unreferenced_fee_verdict,
)
from orderhub.core.texts import is_encoded, render
from orders.state_machine import Status
from tests.finance.test_reconciliation import fee_row, order, payment, refund


def read(value: str, language: str) -> str:
    with translation.override(language):
        return render(value)


TIGHT = Ceiling(payment_fee_percent=Decimal("0.10"))
MERGED = [order("100.00", order_id=1), order("99.00", order_id=2)]

EXPLANATIONS = {
    "exact": (
        lambda: evaluate([order("199.00")], [payment("199.00")]),
        "金额一致：应收199.00元，实收199.00元",
        "amounts agree: expected 199.00, received 199.00",
    ),
    "costs": (
        lambda: evaluate([order("199.00")], [payment("199.00", fee="0.5")]),
        "应收199.00元，实收198.50元，微信手续费0.50元计入订单成本",
        "expected 199.00, received 198.50; 微信手续费 0.50 booked as the order's costs",
    ),
    "fee without a label": (
        lambda: evaluate([order("199.00")], [payment("199.00", fee="0.5", label="")]),
        "应收199.00元，实收198.50元，手续费0.50元计入订单成本",
        "expected 199.00, received 198.50; fee 0.50 booked as the order's costs",
    ),
    "over the ceiling": (
        lambda: evaluate([order("199.00")], [payment("199.00", fee="0.5")], ceiling=TIGHT),
        "应收199.00元，实收198.50元，差额0.50元为微信手续费（手续费0.50元超过上限0.1%，请核查）",
        "expected 199.00, received 198.50; the difference of 0.50 is 微信手续费 (payment fees "
        "0.50 above the ceiling of 0.1%: please check)",
    ),
    "partial refund and fee": (
        lambda: evaluate([order("199.00")], [payment("199.00", fee="1.07"), refund("20.00")]),
        "应收199.00元，实收177.93元，差额21.07元为部分退款20.00元、微信手续费1.07元",
        "expected 199.00, received 177.93; the difference of 21.07 is a partial refund 20.00、"
        "微信手续费 1.07",
    ),
    "coupon": (
        lambda: evaluate([order("199.00")], [payment("189.00", gross="199.00")]),
        "应收199.00元，实收189.00元，差额10.00元为优惠券",
        "expected 199.00, received 189.00; the difference of 10.00 is a coupon",
    ),
    "approved refund": (
        lambda: evaluate([order("199.00")], [payment("199.00"), refund("20.00")],
                         approved_refunds=Decimal("20.00")),
        "应收199.00元，实收179.00元，售后退款20.00元已批准",
        "expected 199.00, received 179.00; after-sales refund 20.00 approved",
    ),
    "approved refund and costs": (
        lambda: evaluate([order("199.00")], [payment("199.00", fee="1.07"), refund("20.00")],
                         approved_refunds=Decimal("20.00")),
        "应收199.00元，实收177.93元，售后退款20.00元已批准，微信手续费1.07元计入订单成本",
        "expected 199.00, received 177.93; after-sales refund 20.00 approved; 微信手续费 1.07 "
        "booked as the order's costs",
    ),
    "refund other than approved": (
        lambda: evaluate([order("199.00")], [payment("199.00"), refund("20.00")],
                         approved_refunds=Decimal("18.00")),
        "应收199.00元，实收179.00元，差额20.00元为部分退款（售后批准退款18.00元，实退20.00元）",
        "expected 199.00, received 179.00; the difference of 20.00 is a partial refund "
        "(after-sales approved a refund of 18.00, 20.00 was refunded)",
    ),
    "shortfall": (
        lambda: evaluate([order("199.00")], [payment("150.00")]),
        "金额不符：应收199.00元，实收150.00元，差额49.00元无法解释，请核查",
        "Amount mismatch: expected 199.00, received 150.00; the difference of 49.00 is "
        "unexplained: please check",
    ),
    "surplus": (
        lambda: evaluate([order("199.00")], [payment("209.00")]),
        "金额不符：应收199.00元，实收209.00元，多收10.00元，无法解释，请核查是否需退款",
        "Amount mismatch: expected 199.00, received 209.00; 10.00 too much that nothing "
        "explains: check whether to refund",
    ),
    "cancelled with money": (
        lambda: evaluate([order("199.00", Status.CANCELLED)], [payment("199.00")]),
        "订单已取消，仍收到199.00元，需退款或核查",
        "the order is cancelled, yet 199.00 was received: refund or check",
    ),
    "no payment seen": (
        lambda: evaluate([order("199.00")], [refund("20.00"), fee_row("0.30", "技术服务费")]),
        "仅见退款20.00元、技术服务费0.30元，未见收款记录（应收199.00元）",
        "only refund 20.00、技术服务费 0.30 seen, no payment (expected 199.00)",
    ),
    "full refund": (
        lambda: evaluate([order("199.00", Status.REFUNDED)], [payment("199.00"), refund("199.00")]),
        "已全额退款199.00元",
        "refunded in full: 199.00",
    ),
    "full refund, order open": (
        lambda: evaluate([order("199.00")], [payment("199.00"), refund("199.00")]),
        "已全额退款199.00元，但订单状态不是已退款，请核对",
        "refunded in full: 199.00, but the order is not marked refunded: please check",
    ),
    "paid together": (
        lambda: evaluate(MERGED, [payment("199.00")]),
        "合并付款2笔订单，金额一致：应收199.00元，实收199.00元",
        "2 orders paid together: amounts agree: expected 199.00, received 199.00",
    ),
    "withdrawal": (
        lambda: not_order_verdict(kind=Kind.WITHDRAWAL, amount=Decimal("-500")),
        "提现500.00元，非订单款项",
        "Withdrawal 500.00: not an order's money",
    ),
    "other money": (
        lambda: not_order_verdict(kind=Kind.OTHER, amount=Decimal("3.2")),
        "其他款项3.20元，非订单款项",
        "other money 3.20: not an order's money",
    ),
    "fee of no order": (
        lambda: unreferenced_fee_verdict(label="软件服务费", amount=Decimal("-99.00")),
        "软件服务费99.00元，非单笔订单费用",
        "软件服务费 99.00: not the fee of one order",
    ),
    "charge of no order": (
        lambda: unreferenced_fee_verdict(label="", amount=Decimal("-99.00")),
        "费用99.00元，非单笔订单费用",
        "a charge 99.00: not the fee of one order",
    ),
    "unmatched, both numbers": (
        lambda: unmatched_verdict(payment_serial_no="4200", merchant_order_no="MP1"),
        "未找到对应订单（支付流水号4200，商户订单号MP1）",
        "No order found (payment serial number 4200, merchant order number MP1)",
    ),
    "unmatched, serial": (
        lambda: unmatched_verdict(payment_serial_no="4200", merchant_order_no=""),
        "未找到对应订单（支付流水号4200）",
        "No order found (payment serial number 4200)",
    ),
    "unmatched, merchant number": (
        lambda: unmatched_verdict(payment_serial_no="", merchant_order_no="MP1"),
        "未找到对应订单（商户订单号MP1）",
        "No order found (merchant order number MP1)",
    ),
    "unmatched, no number": (
        lambda: unmatched_verdict(payment_serial_no="", merchant_order_no=""),
        "未找到对应订单（无流水号）",
        "No order found (no serial number)",
    ),
    "no money": (
        lambda: no_money_verdict(order=order("199.00"), days=15),
        "订单已完成，付款15天后仍未收到回款（应收199.00元）",
        "The order is finished, yet no money came 15 days after payment (expected 199.00)",
    ),
    "refund as approved": (
        lambda: refund_verdict(case_no="AS1", approved=Decimal("20.00"),
                               refunded=Decimal("20.00")),
        "退款20.00元，与售后单AS1批准的退款一致",
        "Refund 20.00, as after-sales case AS1 approved",
    ),
    "refund too much": (
        lambda: refund_verdict(case_no="AS1", approved=Decimal("20.00"),
                               refunded=Decimal("25.00")),
        "售后单AS1批准退款20.00元，实退25.00元，多退5.00元，请核查",
        "After-sales case AS1 approved a refund of 20.00, 25.00 was refunded: 5.00 too much, "
        "please check",
    ),
    "refund too little": (
        lambda: refund_verdict(case_no="AS1", approved=Decimal("20.00"),
                               refunded=Decimal("18.00")),
        "售后单AS1批准退款20.00元，实退18.00元，少退2.00元，请核查",
        "After-sales case AS1 approved a refund of 20.00, 18.00 was refunded: 2.00 too little, "
        "please check",
    ),
}


@pytest.mark.parametrize("name", list(EXPLANATIONS))
def test_each_explanation_is_a_code_read_in_chinese_and_english(name):
    verdict_of, chinese, english = EXPLANATIONS[name]
    stored = verdict_of().explanation
    assert is_encoded(stored), stored
    assert (read(stored, "zh-hans"), read(stored, "en")) == (chinese, english)


def test_the_longest_explanation_keeps_its_amounts(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the hub's language, as in production
    # given eight fees with long labels and both ceilings exceeded
    fees = [fee_row("1.00", f"亚马逊平台配送费(FBAPerUnitFulfillmentFee{n})") for n in range(7)]
    verdict = evaluate([order("10.00")], [payment("10.00"), *fees, fee_row("1.00", "佣金")],
                       ceiling=Ceiling(commission_percent=Decimal("1")))
    # then it fits its column, the amounts whole, the fees as words in the hub's language
    assert len(verdict.explanation) <= 1000
    chinese = read(verdict.explanation, "zh-hans")
    assert chinese.startswith("应收10.00元，实收2.00元，差额8.00元为亚马逊平台配送费")
    assert chinese.endswith("（佣金1.00元超过上限1%、配送费7.00元超过上限35%，请核查）")


OTHER_TEXTS = {
    "consistency": (
        texts.CONSISTENCY_MESSAGE.encode(day=dt.date(2026, 1, 28), channel="天猫旗舰店", hub=98,
                                         figure=100, source="api", deviation="2.00%",
                                         limit="1.0%"),
        "2026-01-28 天猫旗舰店：中枢已支付订单98笔，渠道数据（api）100笔，偏差2.00%，超过1.0%",
        "2026-01-28 天猫旗舰店: 98 paid orders in the hub, 100 in the channel's figures (api), a "
        "deviation of 2.00%, above 1.0%",
    ),
    "line resolved": (
        texts.LINE_RESOLVED.encode(reason="已退款给买家"),
        "对账明细已处理：已退款给买家",
        "statement line resolved: 已退款给买家",
    ),
    "settled by a statement": (
        texts.SETTLED_BY_STATEMENT.encode(statement=7),
        "回款已在对账单 #7 中核对一致",
        "money matched in payment statement #7",
    ),
    "settled": (
        texts.SETTLED.encode(),
        "回款已在对账单中核对一致",
        "money matched in the payment statements",
    ),
    "invoice issued": (
        texts.INVOICE_ISSUED.encode(number="26442000000012345678", day=dt.date(2026, 1, 30)),
        "发票 26442000000012345678 已于 2026-01-30 开具",
        "invoice 26442000000012345678 issued 2026-01-30",
    ),
}


@pytest.mark.parametrize("name", list(OTHER_TEXTS))
def test_alert_messages_and_history_notes_read_in_both_languages(name):
    stored, chinese, english = OTHER_TEXTS[name]
    assert is_encoded(stored)
    assert (read(stored, "zh-hans"), read(stored, "en")) == (chinese, english)


def test_a_statement_refused_for_a_cell_is_a_code_shown_in_the_uploaders_language():
    # given a row whose amount is written in words
    with pytest.raises(CellError) as bad:
        money("五千", "收入金额")
    problem = str(bad.value)
    assert is_encoded(problem)
    # when the import is refused (in Chinese for a Chinese clerk)
    with translation.override("zh-hans"):
        refused = StatementRejected.from_errors([RowError(4, problem)], file_name="bill.csv")
    # then the clerk reads Chinese now, and the alert keeps the code for any later reader
    assert refused.message == "bill.csv 未导入任何数据：第 4 行：收入金额“五千”不是金额"
    assert refused.extra["errors"] == [{"row": 4, "message": "收入金额“五千”不是金额"}]
    assert read(refused.stored, "en") == (
        "Nothing was imported from bill.csv: row 4: 收入金额 '五千' is not an amount")
