"""Importing statements: matching cases, all or nothing, once per file and per row."""
from __future__ import annotations

from decimal import Decimal

import pytest

from finance.models import (
    Cause,
    ChannelFigure,
    Colour,
    Kind,
    OrderCost,
    Statement,
    StatementLine,
)
from finance.parsers.base import StatementRejected
from finance.services.statements import statement_import
from orderhub.alerts.models import Alert
from orderhub.core.errors import Conflict, PermissionRefused, ValidationFailed
from orderhub.events.models import EventTask
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.finance.bills import AccountRow, WechatRow, alipay_account_bill, wechat_bill
from orderhub.core.texts import render
from tests.finance.words import zh

pytestmark = pytest.mark.django_db


def taobao_order(channel, tid: str, serial: str, paid: str, status: str = Status.INVOICED):
    return OrderFactory(
        channel=channel, channel_order_no=tid, payment_serial_no=serial,
        paid_amount=Decimal(paid), goods_amount=Decimal(paid), status=status,
    )


def wechat_order(
    channel, hub_no: str, transaction_id: str, paid: str, status: str = Status.DELIVERED
):
    return OrderFactory(
        channel=channel, hub_no=hub_no, channel_order_no=f"wx-{hub_no}",
        payment_serial_no=transaction_id, paid_amount=Decimal(paid), status=status,
    )


def import_file(content: bytes, source: str, actor, **kwargs):
    return statement_import(
        content=content, file_name=f"{source}.csv", source=source, actor=actor, **kwargs
    )


def line_for(serial: str, kind: str = Kind.PAYMENT) -> StatementLine:
    return StatementLine.objects.get(payment_serial_no=serial, kind=kind)


def test_alipay_account_bill_exact_commission_withdrawal_and_unknown(
    finance_user, taobao, statement_file
):
    # given the two Taobao orders the account bill pays for
    exact = taobao_order(taobao, "3012345678901", "2026012822001412340001", "199.00")
    with_commission = taobao_order(taobao, "3012345678902", "2026012822001412340002", "299.00")
    # when finance imports the bill
    outcome = import_file(
        statement_file("alipay_account_20260128.csv"), "alipay_account", finance_user
    )
    # then each row has its colour and explanation
    # (the 淘宝客佣金 is within the channel's ceiling: a cost of the order, green)
    assert outcome.counts == {"green": 3, "yellow": 0, "red": 1, "grey": 1}
    statement = outcome.statement
    assert statement.channel == taobao and statement.imported_by == finance_user
    assert (
        statement.green_count,
        statement.yellow_count,
        statement.red_count,
        statement.grey_count,
    ) == (3, 0, 1, 1)
    green = line_for("2026012822001412340001")
    assert (green.order, green.colour, zh(green.explanation)) == (
        exact,
        Colour.GREEN,
        "金额一致：应收199.00元，实收199.00元",
    )
    # the commission row names another serial: it is matched by its merchant order number T200P<tid>
    commission = line_for("2026012822001412340009", Kind.FEE)
    assert commission.order == with_commission
    assert commission.colour == line_for("2026012822001412340002").colour == Colour.GREEN
    assert zh(commission.explanation) == "应收299.00元，实收293.02元，淘宝客佣金5.98元计入订单成本"
    withdrawal = StatementLine.objects.get(kind=Kind.WITHDRAWAL)
    assert (withdrawal.order, withdrawal.colour, zh(withdrawal.explanation)) == (
        None,
        Colour.GREY,
        "提现5000.00元，非订单款项",
    )
    unknown = line_for("2026012822001412349999")
    assert (unknown.order, unknown.colour, unknown.cause) == (
        None,
        Colour.RED,
        Cause.UNKNOWN_SERIAL,
    )
    assert unknown.red_since is not None
    # an unknown serial escalates after 2 hours, not at once
    assert not Alert.objects.exists()


def test_wechat_fee_and_partial_refund(finance_user, miniprogram, statement_file):
    refunded = wechat_order(
        miniprogram, "MP2026012800011", "4200001234202601281234567890", "199.00"
    )
    exact = wechat_order(miniprogram, "MP2026012800012", "4200001234202601281234567891", "99.00")
    outcome = import_file(statement_file("wechatpay_all_20260128.csv"), "wechatpay", finance_user)
    assert outcome.counts == {"green": 1, "yellow": 2, "red": 0, "grey": 0}
    assert StatementLine.objects.get(order=exact).colour == Colour.GREEN
    paid, back = StatementLine.objects.filter(order=refunded).order_by("line_no")
    assert paid.kind == Kind.PAYMENT and back.kind == Kind.REFUND
    assert zh(paid.explanation) == zh(back.explanation) == (
        "应收199.00元，实收178.55元，差额20.45元为部分退款20.00元、微信手续费0.45元"
    )
    assert paid.cause == Cause.PARTIAL_REFUND


def test_fee_alone_reads_as_finance_writes_it(finance_user, miniprogram):
    wechat_order(miniprogram, "MP2026012800021", "4200000000000000000021", "199.00")
    content = wechat_bill(
        [WechatRow("4200000000000000000021", "MP2026012800021", settled="199.00", fee="0.50000")]
    )
    import_file(content, "wechatpay", finance_user)
    assert zh(line_for("4200000000000000000021").explanation) == "应收199.00元，实收198.50元，微信手续费0.50元计入订单成本"


def test_refund_in_a_later_statement_recolours_the_earlier_payment(finance_user, miniprogram):
    # given a payment matched green yesterday
    order = wechat_order(miniprogram, "MP2026012800031", "4200000000000000000031", "100.00")
    import_file(
        wechat_bill([WechatRow("4200000000000000000031", "MP2026012800031", settled="100.00")]),
        "wechatpay",
        finance_user,
    )
    first_statement = Statement.objects.get()
    assert line_for("4200000000000000000031").colour == Colour.GREEN
    # when today's bill brings a partial refund of it
    later = wechat_bill(
        [
            WechatRow(
                "4200000000000000000031",
                "MP2026012800031",
                status="REFUND",
                refund_id="5030000031",
                merchant_refund_no="RF31",
                refund="30.00",
                refund_requested="30.00",
                at="2026-01-29 09:00:00",
            ),
        ]
    )
    import_file(later, "wechatpay", finance_user)
    # then both lines say so, and yesterday's statement counts are redone
    payment = line_for("4200000000000000000031")
    assert payment.colour == Colour.YELLOW
    assert zh(payment.explanation) == "应收100.00元，实收70.00元，差额30.00元为部分退款"
    first_statement.refresh_from_db()
    assert (first_statement.green_count, first_statement.yellow_count) == (0, 1)
    assert OrderCost.objects.get(order=order).revenue == Decimal("70.00")


def test_same_file_twice_adds_nothing(finance_user, taobao, statement_file):
    taobao_order(taobao, "3012345678901", "2026012822001412340001", "199.00")
    content = statement_file("alipay_account_20260128.csv")
    first = import_file(content, "alipay_account", finance_user)
    lines = StatementLine.objects.count()
    again = import_file(content, "alipay_account", finance_user)
    assert again.duplicate and again.statement == first.statement
    # the file itself is kept, as imported, for the auditors
    assert first.statement.original.read() == content
    assert again.counts == first.counts
    assert Statement.objects.count() == 1
    assert StatementLine.objects.count() == lines == 5


def test_overlapping_files_import_each_row_once(finance_user, miniprogram):
    wechat_order(miniprogram, "MP2026012800041", "4200000000000000000041", "10.00")
    row = WechatRow("4200000000000000000041", "MP2026012800041", settled="10.00")
    other = WechatRow("4200000000000000000042", "MP2026012800042", settled="20.00")
    import_file(wechat_bill([row]), "wechatpay", finance_user)
    outcome = import_file(wechat_bill([row, other]), "wechatpay", finance_user)
    assert (outcome.line_count, outcome.skipped_lines) == (1, 1)
    assert StatementLine.objects.filter(payment_serial_no=row.transaction_id).count() == 1


def test_money_for_a_cancelled_order_is_red_with_an_alert(finance_user, miniprogram):
    order = wechat_order(
        miniprogram, "MP2026012800051", "4200000000000000000051", "88.00", status=Status.CANCELLED
    )
    content = wechat_bill([WechatRow("4200000000000000000051", "MP2026012800051", settled="88.00")])
    outcome = import_file(content, "wechatpay", finance_user)
    line = line_for("4200000000000000000051")
    assert (outcome.counts["red"], line.colour, line.cause) == (
        1,
        Colour.RED,
        Cause.CANCELLED_WITH_MONEY,
    )
    alert = Alert.objects.get()
    assert alert.order == order and alert.kind == "finance_cancelled_with_money"
    assert alert.key == f"finance:cancelled_with_money:{line.line_key}"
    assert zh(alert.message) == "订单已取消，仍收到88.00元，需退款或核查"


def test_amount_different_from_the_order_is_flagged(finance_user, miniprogram):
    wechat_order(miniprogram, "MP2026012800061", "4200000000000000000061", "199.00")
    import_file(
        wechat_bill([WechatRow("4200000000000000000061", "MP2026012800061", settled="150.00")]),
        "wechatpay",
        finance_user,
    )
    assert line_for("4200000000000000000061").cause == Cause.AMOUNT_MISMATCH
    assert Alert.objects.get().kind == "finance_amount_mismatch"


def test_dry_run_writes_nothing(finance_user, taobao, statement_file):
    taobao_order(taobao, "3012345678901", "2026012822001412340001", "199.00")
    outcome = import_file(
        statement_file("alipay_account_20260128.csv"), "alipay_account", finance_user, dry_run=True
    )
    assert outcome.dry_run and outcome.statement is None
    assert outcome.counts == {"green": 1, "yellow": 0, "red": 3, "grey": 1}
    # red rows come first in the preview
    assert [line.colour for line in outcome.preview][:3] == [Colour.RED] * 3
    assert not Statement.objects.exists() and not StatementLine.objects.exists()
    assert not OrderCost.objects.exists() and not Alert.objects.exists()


def test_one_bad_row_refuses_the_whole_file(finance_user, miniprogram):
    wechat_order(miniprogram, "MP2026012800071", "4200000000000000000071", "10.00")
    content = wechat_bill([
        WechatRow("4200000000000000000071", "MP2026012800071", settled="10.00"),
        WechatRow("4200000000000000000072", "MP2026012800072", settled="abc"),
    ])
    with pytest.raises(StatementRejected) as refused:
        import_file(content, "wechatpay", finance_user)
    assert refused.value.message.startswith(
        "Nothing was imported from wechatpay.csv: row 3: 应结订单金额 'abc'"
    )
    assert refused.value.extra["errors"] == [{"row": 3, "message": "应结订单金额 'abc' is not an amount"}]
    assert not StatementLine.objects.exists() and not Statement.objects.exists()


def test_matched_money_settles_the_order_after_commit(
    finance_user, taobao, statement_file, django_capture_on_commit_callbacks, run_tasks_inline
):
    # given an invoiced order and one still in transit
    invoiced = taobao_order(
        taobao, "3012345678901", "2026012822001412340001", "199.00", Status.INVOICED
    )
    moving = taobao_order(
        taobao, "3012345678902", "2026012822001412340002", "299.00", Status.IN_TRANSIT
    )
    # when the bill is imported and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        import_file(statement_file("alipay_account_20260128.csv"), "alipay_account", finance_user)
    # then the invoiced order is settled by the finance user (the statement's event is handled
    # right after the commit); the other waits for delivery
    assert EventTask.objects.get(handler="finance.settle_statement").status == "done"
    invoiced.refresh_from_db()
    moving.refresh_from_db()
    assert invoiced.status == Status.SETTLED
    latest = invoiced.history.order_by("-history_id").first()
    assert latest.history_user == finance_user
    assert "payment statement #" in render(latest.history_change_reason)
    assert moving.status == Status.IN_TRANSIT


def test_cost_breakdown_from_the_statement(finance_user, taobao, statement_file):
    order = taobao_order(taobao, "3012345678902", "2026012822001412340002", "299.00")
    import_file(statement_file("alipay_account_20260128.csv"), "alipay_account", finance_user)
    cost = OrderCost.objects.get(order=order)
    assert (cost.revenue, cost.commission, cost.payment_fee) == (
        Decimal("299.00"),
        Decimal("5.98"),
        Decimal("0.00"),
    )
    # VAT included in the price at 13%: 299 × 0.13 / 1.13
    assert cost.tax == Decimal("34.40")
    assert cost.net_revenue == Decimal("258.62")


def test_trade_bill_fills_the_channels_own_figure(finance_user, miniprogram, statement_file):
    wechat_order(miniprogram, "MP2026012800011", "4200001234202601281234567890", "199.00")
    import_file(statement_file("wechatpay_all_20260128.csv"), "wechatpay", finance_user)
    figure = ChannelFigure.objects.get()
    assert (figure.channel, str(figure.day), figure.source, figure.paid_orders) == (
        miniprogram, "2026-01-28", "wechatpay", 2,
    )


@pytest.mark.parametrize("role", ["customer_service", "warehouse", "operations", "integrator"])
def test_only_finance_and_managers_import(role, make_user, statement_file):
    with pytest.raises(PermissionRefused, match="only finance and managers"):
        import_file(statement_file("wechatpay_all_20260128.csv"), "wechatpay", make_user(role))
    assert not Statement.objects.exists()


def test_manager_may_import(manager, statement_file):
    outcome = import_file(statement_file("wechatpay_all_20260128.csv"), "wechatpay", manager)
    assert outcome.statement.imported_by == manager


def test_unknown_source_and_empty_file_are_refused(finance_user):
    with pytest.raises(ValidationFailed, match="Unknown statement source 'paypal'"):
        import_file(b"x", "paypal", finance_user)
    with pytest.raises(ValidationFailed, match="is empty"):
        import_file(b"", "wechatpay", finance_user)


def test_generic_statement_matches_by_serial(finance_user, statement_file):
    order = OrderFactory(payment_serial_no="JDPAY2026012800001", paid_amount=Decimal("259.00"))
    outcome = import_file(statement_file("generic_statement.csv"), "generic", finance_user)
    assert outcome.counts == {"green": 0, "yellow": 2, "red": 0, "grey": 1}
    assert zh(line_for("JDPAY2026012800001").explanation) == (
        "应收259.00元，实收197.41元，差额61.59元为部分退款59.00元、京东支付手续费2.59元"
    )
    assert line_for("JDPAY2026012800001").order == order


def test_merchant_order_number_finds_an_order_without_serial(finance_user, miniprogram):
    order = wechat_order(miniprogram, "MP2026012800081", "", "10.00")
    import_file(
        wechat_bill([WechatRow("4200000000000000000081", "MP2026012800081", settled="10.00")]),
        "wechatpay",
        finance_user,
    )
    assert line_for("4200000000000000000081").order == order


def test_account_bill_with_expense_as_plain_number(finance_user, taobao):
    order = taobao_order(taobao, "3012345678911", "2026012822001400000011", "50.00")
    content = alipay_account_bill(
        [
            AccountRow(
                "9001",
                "2026012822001400000011",
                amount_in="50.00",
                merchant_no="T200P3012345678911",
            ),
            AccountRow(
                "9002",
                "2026012822001400000011",
                amount_out="0.30",
                merchant_no="T200P3012345678911",
                item="交易服务费",
                business_type="收费",
            ),
        ]
    )
    import_file(content, "alipay_account", finance_user)
    assert zh(line_for("2026012822001400000011").explanation) == "应收50.00元，实收49.70元，支付宝服务费0.30元计入订单成本"
    assert OrderCost.objects.get(order=order).payment_fee == Decimal("0.30")


def test_set_based_lookups_give_the_same_answers(
    finance_user, miniprogram, monkeypatch, django_assert_max_num_queries
):
    # given the path for many keys (a temporary table and one join on PostgreSQL) for any size
    monkeypatch.setattr("finance.services.bulk.TEMP_TABLE_ABOVE", 0)
    orders = [
        wechat_order(miniprogram, f"MP20260128009{n:02d}", f"42000000000000000009{n:02d}", "30.00")
        for n in range(5)
    ]
    rows = [WechatRow(order.payment_serial_no, order.hub_no, settled="30.00") for order in orders]
    import_file(wechat_bill(rows), "wechatpay", finance_user)
    # when a later bill refunds one of them, with an unknown serial beside it
    later = wechat_bill([
        WechatRow(orders[0].payment_serial_no, orders[0].hub_no, status="REFUND", refund_id="5039",
                  merchant_refund_no="RF9", refund="5.00", at="2026-01-29 10:00:00"),
        WechatRow("4299999999999999999999", "MP-NONE", settled="1.00", at="2026-01-29 10:00:01"),
    ])
    with django_assert_max_num_queries(60):
        outcome = import_file(later, "wechatpay", finance_user)
    # then the refund finds its order and the earlier line, the unknown serial stays red
    assert outcome.counts == {"green": 0, "yellow": 1, "red": 1, "grey": 0}
    assert line_for(orders[0].payment_serial_no).colour == Colour.YELLOW
    assert StatementLine.objects.filter(colour=Colour.GREEN).count() == 4


def test_a_row_written_by_a_concurrent_import_is_refused_not_doubled(finance_user, monkeypatch):
    # given a row that another import stored after this one checked for it
    content = wechat_bill([WechatRow("4200000000000000000951", "MP951", settled="5.00")])
    first = import_file(content, "wechatpay", finance_user)
    StatementLine.objects.filter(statement=first.statement).update(statement=None)
    Statement.objects.all().delete()
    monkeypatch.setattr(
        "finance.services.statements._new_lines", lambda lines, source: (list(lines), 0)
    )
    # when the same rows are written again, then the unique line key refuses the import
    with pytest.raises(Conflict, match="overlaps an import"):
        import_file(content, "wechatpay", finance_user)
    assert StatementLine.objects.count() == 1
