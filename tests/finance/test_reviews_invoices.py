"""Finance's decisions on lines, invoices (orders move to invoiced) and costs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import tablib
from django.utils import translation

from finance.admin import InvoiceImportForm
from finance.models import Colour, FeeCeiling, Invoice, LineReview, OrderCost, StatementLine
from finance.parsers.base import StatementRejected
from finance.parsers.generic import dataset_bytes
from finance.services.costs import order_cost_set_shipping
from finance.services.escalation import red_lines_escalate
from finance.services.invoices import invoice_record, invoices_import
from finance.services.reviews import line_confirm, line_resolve
from finance.services.statements import statement_import
from orderhub.core.texts import render
from orderhub.alerts.models import Alert
from orderhub.core.errors import Conflict, PermissionRefused, ValidationFailed
from orders.services import IllegalTransition
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.finance.bills import WechatRow, wechat_bill

pytestmark = pytest.mark.django_db
INVOICE_NO = "26442000000012345678"


def import_rows(actor, *rows: WechatRow) -> None:
    statement_import(
        content=wechat_bill(list(rows)), file_name="b.csv", source="wechatpay", actor=actor
    )


@pytest.fixture
def yellow_line(finance_user, miniprogram):
    # A fee above the channel's ceiling: a person looks.
    FeeCeiling.objects.create(channel=miniprogram, payment_fee_percent=Decimal("0.10"))
    OrderFactory(
        channel=miniprogram,
        payment_serial_no="4200000000000000000201",
        paid_amount=Decimal("199.00"),
    )
    import_rows(
        finance_user, WechatRow("4200000000000000000201", "MP201", settled="199.00", fee="0.50000")
    )
    line = StatementLine.objects.get()
    assert line.colour == Colour.YELLOW
    return line


def test_confirming_a_yellow_line_keeps_who_where_and_why(yellow_line, finance_user, as_request):
    with as_request(finance_user, ip="198.51.100.9"):
        line_confirm(line=yellow_line, actor=finance_user, reason="WeChat fee 0.25% as contracted")
    yellow_line.refresh_from_db()
    assert yellow_line.reviewed_by == finance_user and yellow_line.reviewed_at is not None
    review = LineReview.objects.get()
    assert (review.action, review.colour, review.reason, review.actor, review.ip_address) == (
        LineReview.Action.CONFIRM, Colour.YELLOW, "WeChat fee 0.25% as contracted", finance_user,
        "198.51.100.9",
    )


def test_confirmation_needs_a_reason_and_happens_once(yellow_line, finance_user):
    with pytest.raises(ValidationFailed, match="Give a reason"):
        line_confirm(line=yellow_line, actor=finance_user, reason="  ")
    line_confirm(line=yellow_line, actor=finance_user, reason="ok")
    with pytest.raises(Conflict, match="already confirmed"):
        line_confirm(line=yellow_line, actor=finance_user, reason="again")
    assert LineReview.objects.count() == 1


def test_other_roles_cannot_confirm(yellow_line, make_user):
    with pytest.raises(PermissionRefused):
        line_confirm(line=yellow_line, actor=make_user("operations"), reason="looks fine")


def test_red_lines_are_resolved_not_confirmed_and_their_alert_closes(finance_user):
    import_rows(finance_user, WechatRow("4200000000000000000202", "MP-X", settled="5.00"))
    line = StatementLine.objects.get()
    with pytest.raises(Conflict, match="Only yellow lines are confirmed"):
        line_confirm(line=line, actor=finance_user, reason="x")
    red_lines_escalate(now=line.red_since + dt.timedelta(hours=3))
    line_resolve(line=line, actor=finance_user, reason="refunded to the buyer by hand")
    alert = Alert.objects.get()
    assert alert.status == Alert.AlertStatus.RESOLVED
    assert alert.resolved_by == finance_user
    assert LineReview.objects.get().action == LineReview.Action.RESOLVE


def test_recording_an_invoice_moves_a_delivered_order_and_sets_the_tax(finance_user):
    order = OrderFactory(status=Status.DELIVERED, paid_amount=Decimal("113.00"))
    invoice = invoice_record(
        order=order, number=INVOICE_NO, issued_on=dt.date(2026, 1, 30), amount=Decimal("113.00"),
        tax_amount=Decimal("13.00"), actor=finance_user,
    )
    order.refresh_from_db()
    assert order.status == Status.INVOICED
    assert (
        render(order.history.order_by("-history_id").first().history_change_reason)
        == f"invoice {INVOICE_NO} issued 2026-01-30"
    )
    assert invoice.recorded_by == finance_user
    cost = OrderCost.objects.get(order=order)
    assert (cost.tax, cost.tax_from_invoice, cost.net_revenue) == (
        Decimal("13.00"),
        True,
        Decimal("100.00"),
    )


def test_invoice_for_an_order_not_delivered_is_refused_and_not_kept(finance_user):
    order = OrderFactory(status=Status.PICKING)
    with pytest.raises(IllegalTransition, match="cannot 'invoice'"):
        invoice_record(
            order=order, number=INVOICE_NO, issued_on=dt.date(2026, 1, 30), amount=Decimal("10.00"),
            tax_amount=Decimal("1.00"), actor=finance_user,
        )
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("number", ["1234", "2644200000001234567X", ""])
def test_invoice_number_must_be_twenty_digits(number, finance_user):
    with pytest.raises(ValidationFailed, match="20 digits"):
        invoice_record(
            order=OrderFactory(status=Status.DELIVERED),
            number=number,
            issued_on=dt.date(2026, 1, 30),
            amount=Decimal("10.00"),
            tax_amount=Decimal("1.00"),
            actor=finance_user,
        )


CODES = ["hub_no", "invoice_number", "issued_on", "amount", "tax_amount", "buyer_name"]
CHINESE = ["中枢订单号", "发票号码（20 位）", "开票日期", "含税金额", "税额", "购买方（发票抬头）"]


def _invoice_sheet(rows: list[list[str]], headers: list[str] = CODES) -> bytes:
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append(row)
    return dataset_bytes(dataset, file_format="csv")


def test_invoice_import_dry_run_then_all_or_nothing(finance_user):
    first = OrderFactory(status=Status.DELIVERED)
    second = OrderFactory(status=Status.DELIVERED)
    good = _invoice_sheet([
        [first.hub_no, "26442000000000000001", "2026-01-30", "199.00", "22.89", "杭州某某有限公司"],
        [second.hub_no, "26442000000000000002", "2026-01-30", "199.00", "22.89", ""],
    ])
    preview = invoices_import(content=good, file_name="inv.csv", actor=finance_user, dry_run=True)
    assert [invoice.number for invoice in preview.recorded] == [
        "26442000000000000001",
        "26442000000000000002",
    ]
    assert not Invoice.objects.exists()
    first.refresh_from_db()
    assert first.status == Status.DELIVERED
    # a sheet with one bad row imports nothing, naming the row
    bad = _invoice_sheet([
        [first.hub_no, "26442000000000000001", "2026-01-30", "199.00", "22.89", ""],
        ["NOPE000", "26442000000000000003", "2026-01-30", "1.00", "0.10", ""],
    ])
    with pytest.raises(StatementRejected) as refused:
        invoices_import(content=bad, file_name="inv.csv", actor=finance_user)
    assert refused.value.extra["errors"] == [
        {"row": 3, "message": "no order with hub number 'NOPE000'"}
    ]
    assert not Invoice.objects.exists()
    # the good sheet for real
    invoices_import(content=good, file_name="inv.csv", actor=finance_user)
    assert Invoice.objects.count() == 2
    second.refresh_from_db()
    assert second.status == Status.INVOICED


# Headed as the import page names the columns: in Chinese, in English, and as the codes.
@pytest.mark.parametrize("headers", [
    CHINESE, CODES,
    ["Hub order number", "invoice number (20 digits)", "Issued on", "Amount including tax", "Tax"],
])
def test_invoice_import_reads_the_headers_in_every_language(finance_user, headers):
    order = OrderFactory(status=Status.DELIVERED)
    sheet = _invoice_sheet(
        [[order.hub_no, "26442000000000000001", "2026-01-30", "199.00", "22.89", "某某公司"][
            :len(headers)]], headers=headers)
    invoices_import(content=sheet, file_name="inv.csv", actor=finance_user)
    invoice = Invoice.objects.get()
    assert (invoice.order, invoice.amount, invoice.tax_amount) == (
        order, Decimal("199.00"), Decimal("22.89"))
    assert invoice.buyer_name == ("某某公司" if len(headers) == 6 else "")


def test_invoice_import_names_the_missing_columns_in_chinese(finance_user):
    sheet = _invoice_sheet([["X", "1"]], headers=["中枢订单号", "amount"])
    with translation.override("zh-hans"), pytest.raises(StatementRejected) as refused:
        invoices_import(content=sheet, file_name="inv.csv", actor=finance_user)
    with translation.override("zh-hans"):
        assert "发票号码（20 位）, 开票日期, 税额" in render(refused.value.stored)
        assert "中枢订单号, 发票号码（20 位）" in InvoiceImportForm().fields["file"].label
    with translation.override("en"):
        assert "Hub order number, Invoice number (20 digits)" in InvoiceImportForm(
        ).fields["file"].label


def test_shipping_cost_lowers_net_revenue(finance_user, make_user):
    order = OrderFactory(paid_amount=Decimal("113.00"))
    cost = order_cost_set_shipping(order=order, shipping_cost=Decimal("8.00"), actor=finance_user)
    assert (cost.revenue, cost.tax, cost.shipping_cost, cost.net_revenue) == (
        Decimal("113.00"), Decimal("13.00"), Decimal("8.00"), Decimal("92.00"),
    )
    with pytest.raises(PermissionRefused):
        order_cost_set_shipping(
            order=order, shipping_cost=Decimal("1.00"), actor=make_user("warehouse")
        )
