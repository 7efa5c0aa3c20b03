"""Statement parsers on files written to the platforms' formats: GBK, tabs, backticks, footers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orderhub.core.texts import render
from finance.models import Kind
from finance.parsers import alipay, generic, wechatpay
from finance.parsers.base import HUB_TZ, StatementRejected, clean_cell, taobao_order_no
from tests.finance.bills import (
    AccountRow,
    WechatRow,
    alipay_account_bill,
    wechat_bill,
)


def test_alipay_account_bill_reads_gbk_tabs_header_and_footer(statement_file):
    # given the hand-written account bill (GBK, '#' lines above and below, tab-padded values)
    content = statement_file("alipay_account_20260128.csv")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    # when it is parsed
    parsed = alipay.parse_account_bill(content, file_name="a.csv")
    # then every row is read, padding gone, and the header and footer facts are kept
    assert parsed.errors == []
    assert parsed.account == "20881234567890120156"
    assert parsed.period_start == dt.datetime(2026, 1, 28, tzinfo=HUB_TZ)
    assert parsed.period_end == dt.datetime(2026, 1, 29, tzinfo=HUB_TZ)
    assert parsed.summary["收入笔数"] == 3 and parsed.summary["支出笔数"] == 2
    assert [line.kind for line in parsed.lines] == [
        Kind.PAYMENT, Kind.PAYMENT, Kind.FEE, Kind.WITHDRAWAL, Kind.PAYMENT,
    ]
    first, _second, commission, withdrawal, _last = parsed.lines
    assert first.payment_serial_no == "2026012822001412340001"
    assert first.merchant_order_no == "T200P3012345678901"
    assert first.amount == first.gross_amount == Decimal("199.00")
    assert first.line_no == 6
    assert first.occurred_at == dt.datetime(2026, 1, 28, 10, 15, 30, tzinfo=HUB_TZ)
    # an expense printed with its minus sign and one without are both expenses
    assert commission.amount == Decimal("-5.98") and commission.fee_label == "淘宝客佣金"
    assert withdrawal.amount == Decimal("-5000.00")


def test_alipay_account_bill_cut_short_is_refused_by_its_footer():
    # given a bill whose footer counts more income rows than it holds
    content = alipay_account_bill(
        [AccountRow("1001", "2026012822001400000001", amount_in="10.00")], income_count=2
    )
    # when parsed, then the footer line is reported
    parsed = alipay.parse_account_bill(content)
    assert len(parsed.errors) == 1
    assert "footer counts 2 收入 rows but the file has 1" in render(parsed.errors[0].message)


def test_alipay_trade_bill_reads_trades_and_refunds(statement_file):
    parsed = alipay.parse_trade_bill(statement_file("alipay_trade_20260128.csv"))
    assert parsed.errors == []
    trade, refund = parsed.lines
    assert (trade.kind, trade.gross_amount, trade.amount, trade.fee) == (
        Kind.PAYMENT, Decimal("199.00"), Decimal("199.00"), Decimal("1.19"),
    )
    # the refund row has negative amounts in the bill and gives part of the fee back
    assert (refund.kind, refund.refund_amount, refund.amount, refund.fee) == (
        Kind.REFUND, Decimal("50.00"), Decimal("-50.00"), Decimal("-0.30"),
    )
    assert refund.business_serial_no == "R2026012800001"
    assert trade.line_key != refund.line_key
    assert parsed.summary["交易笔数"] == 1 and parsed.summary["退款笔数"] == 1


def test_wechat_bill_reads_backticks_five_decimal_fees_refunds_and_summary(statement_file):
    parsed = wechatpay.parse_trade_bill(statement_file("wechatpay_all_20260128.csv"))
    assert parsed.errors == []
    assert parsed.account == "1900000109"
    assert parsed.summary["总交易单数"] == "3"
    payment, exact, refund = parsed.lines
    assert payment.payment_serial_no == "4200001234202601281234567890"
    assert payment.merchant_order_no == "MP2026012800011"
    assert payment.fee == Decimal("0.49750") and payment.fee_label == "微信手续费"
    assert exact.fee == Decimal("0.00000")
    assert refund.kind == Kind.REFUND
    assert refund.refund_amount == Decimal("20.00")
    assert refund.fee == Decimal("-0.05000")
    assert refund.business_serial_no == "50300001232026012800001"


def test_wechat_bill_whose_summary_counts_other_rows_is_refused():
    content = wechat_bill(
        [WechatRow("4200000000000000000001", "MP1", settled="10.00")], declared_rows=2
    )
    parsed = wechatpay.parse_trade_bill(content)
    assert [error.line_no for error in parsed.errors] == [4]
    assert "总交易单数 says 2 but the file has 1 rows" in render(parsed.errors[0].message)


def test_wechat_bill_without_summary_is_incomplete():
    parsed = wechatpay.parse_trade_bill(wechat_bill([WechatRow("42001", "MP1")], summary=False))
    assert "summary lines" in render(parsed.errors[0].message)


def test_bad_amount_is_reported_with_its_row():
    content = wechat_bill([
        WechatRow("42001", "MP1", settled="10.00"),
        WechatRow("42002", "MP2", settled="12.3x"),
    ])
    parsed = wechatpay.parse_trade_bill(content)
    assert len(parsed.errors) == 1
    assert parsed.errors[0].line_no == 3
    assert "应结订单金额 '12.3x' is not an amount" in render(parsed.errors[0].message)


def test_a_file_of_another_kind_is_refused():
    with pytest.raises(StatementRejected, match="not an Alipay account bill"):
        alipay.parse_account_bill(wechat_bill([WechatRow("42001", "MP1")]))
    with pytest.raises(StatementRejected, match="not a WeChat Pay trade bill"):
        wechatpay.parse_trade_bill(alipay_account_bill([AccountRow("1", "2", amount_in="1.00")]))


def test_generic_statement_is_read_through_the_column_template(statement_file):
    parsed = generic.parse_generic(statement_file("generic_statement.csv"), file_name="g.csv")
    assert parsed.errors == []
    payment, refund, withdrawal = parsed.lines
    assert (payment.kind, payment.amount, payment.fee, payment.fee_label) == (
        Kind.PAYMENT, Decimal("259.00"), Decimal("2.59"), "京东支付手续费",
    )
    assert (refund.kind, refund.refund_amount, refund.amount) == (
        Kind.REFUND, Decimal("59.00"), Decimal("-59.00"),
    )
    assert withdrawal.kind == Kind.WITHDRAWAL and withdrawal.amount == Decimal("-1000.00")
    assert payment.occurred_at == dt.datetime(2026, 1, 28, 9, tzinfo=HUB_TZ)


def test_generic_xlsx_from_the_template_and_its_row_errors():
    # given the downloadable template, filled in and saved as xlsx
    dataset = generic.template_dataset()
    assert list(dataset.headers) == list(generic.GenericStatementResource.Meta.fields)
    dataset.append(["payment", "S1", "", "2026-01-28 09:00:00", "10.00", "", "", "", "", ""])
    dataset.append(["payment", "S2", "", "2026-01-28 09:00:00", "ten", "", "", "", "", ""])
    content = generic.dataset_bytes(dataset, file_format="xlsx")
    # when parsed, then the good row is read and the bad one reported by its row number
    parsed = generic.parse_generic(content, file_name="filled.xlsx")
    assert [line.payment_serial_no for line in parsed.lines] == ["S1"]
    assert [error.line_no for error in parsed.errors] == [3]


def test_generic_without_the_template_columns_is_refused():
    with pytest.raises(StatementRejected, match="lacks kind, payment_serial_no"):
        generic.parse_generic(b"a,b\n1,2\n", file_name="x.csv")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("2026012822001\t", "2026012822001"),
        ("`4200001", "4200001"),
        ('="3012"', "3012"),
        (" x ", "x"),
    ],
)
def test_cell_padding_is_removed(raw, clean):
    assert clean_cell(raw) == clean


def test_taobao_merchant_order_numbers_name_the_trade():
    assert taobao_order_no("T200P3012345678901") == "3012345678901"
    assert taobao_order_no("MP2026012800011") == ""


@pytest.mark.parametrize("amount", ["1e999999", "99999999999999", "-1e20", "Infinity", "NaN",
                                    "sNaN"])
def test_amounts_too_large_or_not_finite_are_row_errors(amount):
    # (issue 13 item 8: a cell error with its row, never a column overflow or a 500)
    content = wechat_bill([
        WechatRow("42001", "MP1", settled="10.00"),
        WechatRow("42002", "MP2", settled=amount),
    ])
    parsed = wechatpay.parse_trade_bill(content)
    assert [error.line_no for error in parsed.errors] == [3]
    assert "应结订单金额" in render(parsed.errors[0].message)
