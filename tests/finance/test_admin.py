"""The finance back office: board, upload with preview, reviews, invoices, reports."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from finance.models import Colour, Invoice, LineReview, OrderCost, Statement, StatementLine
from finance.services.costs import order_cost_set_shipping
from finance.services.statements import statement_import
from finance.tasks import import_statement_file
from orderhub.alerts.models import Alert
from orderhub.core.texts import is_encoded, render
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.finance.bills import WechatRow, wechat_bill
from tests.finance.words import zh

pytestmark = pytest.mark.django_db
BOARD = "/admin/finance/statementline/"
UPLOAD = "/admin/finance/statement/upload/"


@pytest.fixture
def finance_client(client, finance_user):
    client.force_login(finance_user)
    return client


@pytest.fixture
def imported(finance_user, wechat_order_refunded, wechat_order_exact, statement_file):
    return statement_import(
        content=statement_file("wechatpay_all_20260128.csv"), file_name="w.csv", source="wechatpay",
        actor=finance_user,
    ).statement


def test_board_counts_lines_per_colour_and_filters(finance_client, imported):
    response = finance_client.get(BOARD)
    assert response.status_code == 200
    counts = {
        item["totals"].colour: item["totals"].count for item in response.context["colour_totals"]
    }
    # The paid-in-full order's 0.50 WeChat fee is a cost (green); the partial refund is yellow.
    assert counts == {"green": 1, "yellow": 2, "red": 0, "grey": 0}
    yellow = finance_client.get(
        BOARD, {"colour__exact": "yellow", "statement__id__exact": imported.pk}
    )
    assert yellow.status_code == 200
    assert {line.colour for line in yellow.context["cl"].result_list} == {Colour.YELLOW}
    # the explanation reads in the clerk's language (English here), never as its stored code
    assert "expected 199.00, received 178.55" in yellow.content.decode()
    assert "§finance" not in yellow.content.decode()


@pytest.mark.parametrize("role", ["customer_service", "warehouse", "operations"])
def test_other_roles_do_not_see_finance_in_the_admin(role, client, make_user, imported):
    client.force_login(make_user(role))
    assert client.get(BOARD).status_code == 403
    assert client.get(UPLOAD).status_code == 403
    index = client.get("/admin/")
    assert "/admin/finance/" not in index.content.decode()


def test_upload_previews_then_imports(finance_client, miniprogram):
    OrderFactory(
        channel=miniprogram,
        payment_serial_no="4200000000000000000301",
        paid_amount=Decimal("10.00"),
    )
    content = wechat_bill([
        WechatRow("4200000000000000000301", "MP301", settled="10.00"),
        WechatRow("4200000000000000000302", "MP302", settled="20.00"),
    ])
    # when finance previews the file
    preview = finance_client.post(
        UPLOAD, {"file": SimpleUploadedFile("b.csv", content), "source": "wechatpay"},
    )
    # then the colours are shown and nothing is saved
    assert preview.status_code == 200
    outcome = preview.context["outcome"]
    assert (outcome.counts["green"], outcome.counts["red"]) == (1, 1)
    assert not Statement.objects.exists()
    # when the preview is confirmed, then the lines are imported and the board shows them
    done = finance_client.post(
        UPLOAD,
        {
            "token": preview.context["token"],
            "source": "wechatpay",
            "channel": "",
            "file_name": "b.csv",
        },
    )
    statement = Statement.objects.get()
    assert done.status_code == 302
    assert done["Location"].endswith(f"?statement__id__exact={statement.pk}")
    assert statement.file_name == "b.csv" and statement.line_count == 2


def test_upload_of_a_bad_file_lists_the_rows(finance_client):
    content = wechat_bill([WechatRow("42001", "MP1", settled="bad")])
    response = finance_client.post(
        UPLOAD, {"file": SimpleUploadedFile("b.csv", content), "source": "wechatpay"}
    )
    assert response.status_code == 200
    assert response.context["problem_rows"] == [
        {"row": 2, "message": "应结订单金额 'bad' is not an amount"}
    ]
    assert not Statement.objects.exists()


def test_confirm_action_asks_for_a_reason_then_confirms(finance_client, imported):
    yellow = list(StatementLine.objects.filter(colour=Colour.YELLOW).values_list("pk", flat=True))
    data = {"action": "confirm_lines", ACTION_CHECKBOX_NAME: [str(pk) for pk in yellow]}
    asked = finance_client.post(BOARD, {**data, "index": 0})
    assert asked.status_code == 200 and "form" in asked.context
    done = finance_client.post(BOARD, {**data, "reason": "fee and refund agreed with the platform"})
    assert done.status_code == 302
    assert LineReview.objects.count() == 2
    assert not StatementLine.objects.filter(colour=Colour.YELLOW, reviewed_at__isnull=True).exists()


def test_template_and_reports_download(finance_client, imported):
    template = finance_client.get(reverse("admin:finance_statement_template", args=["csv"]))
    assert template.content.decode("utf-8-sig").startswith(
        "kind,payment_serial_no,merchant_order_no"
    )
    report = finance_client.get(
        reverse("admin:finance_reports"),
        {"report": "reconciliation", "statement": imported.pk, "format": "xlsx"},
    )
    assert report.status_code == 200
    assert (
        report["Content-Disposition"]
        == f'attachment; filename="reconciliation-statement-{imported.pk}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert sheet.max_row == 4
    monthly = finance_client.get(
        reverse("admin:finance_reports"), {"report": "monthly", "month": "2026-01", "format": "csv"}
    )
    assert monthly.status_code == 200
    assert "miniprogram" in b"".join(monthly.streaming_content).decode("utf-8-sig")


def test_record_invoice_view(finance_client):
    order = OrderFactory(status=Status.DELIVERED)
    response = finance_client.post(reverse("admin:finance_invoice_record"), {
        "hub_no": order.hub_no, "number": "26442000000099999999", "issued_on": "2026-01-30",
        "amount": "199.00", "tax_amount": "22.89", "buyer_name": "",
    })
    assert response.status_code == 302
    assert Invoice.objects.get().order == order
    order.refresh_from_db()
    assert order.status == Status.INVOICED


def test_statement_and_cost_pages_open(finance_client, imported, statement_file):
    original = finance_client.get(reverse("admin:finance_statement_original", args=[imported.pk]))
    assert b"".join(original.streaming_content) == statement_file("wechatpay_all_20260128.csv")
    assert finance_client.get(reverse("admin:finance_statement_changelist")).status_code == 200
    assert (
        finance_client.get(
            reverse("admin:finance_statement_change", args=[imported.pk])
        ).status_code
        == 200
    )
    assert finance_client.get(reverse("admin:finance_ordercost_changelist")).status_code == 200
    assert finance_client.get(reverse("admin:finance_invoice_changelist")).status_code == 200
    assert finance_client.get(reverse("admin:finance_channelfigure_changelist")).status_code == 200


def test_large_confirmed_file_is_imported_in_the_background(
    finance_client, monkeypatch, run_tasks_inline, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("finance.admin.INLINE_IMPORT_BYTES", 0)
    content = wechat_bill([WechatRow("4200000000000000000401", "MP401", settled="10.00")])
    preview = finance_client.post(
        UPLOAD, {"file": SimpleUploadedFile("big.csv", content), "source": "wechatpay"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = finance_client.post(
            UPLOAD,
            {
                "token": preview.context["token"],
                "source": "wechatpay",
                "channel": "",
                "file_name": "big.csv",
            },
        )
    assert done.status_code == 302
    assert run_tasks_inline == ["finance.tasks.import_statement_file"]
    assert Statement.objects.get().file_name == "big.csv"


@pytest.mark.parametrize(("role", "sees_costs"), [("finance", True), ("manager", True), ("warehouse", False)])
def test_order_page_shows_the_cost_breakdown_to_finance_only(role, sees_costs, client, make_user):
    # given an order with a recorded shipping cost
    order = OrderFactory(status=Status.DELIVERED)
    order_cost_set_shipping(order=order, shipping_cost=Decimal("8.50"), actor=None)
    client.force_login(make_user(role))
    # when the order page is opened
    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    # then only finance and managers see the breakdown
    assert response.status_code == 200
    assert ("8.50" in response.content.decode()) is sees_costs


def test_upload_without_a_kind_detects_it_and_imports_as_detected(finance_client, miniprogram):
    OrderFactory(channel=miniprogram, payment_serial_no="4200000000000000000311",
                 paid_amount=Decimal("10.00"))
    content = wechat_bill([WechatRow("4200000000000000000311", "MP311", settled="10.00")])
    preview = finance_client.post(UPLOAD, {"file": SimpleUploadedFile("b.csv", content)})
    assert preview.status_code == 200
    assert preview.context["source"] == "wechatpay"
    assert 'id="detected-source"' in preview.content.decode()
    done = finance_client.post(UPLOAD, {
        "token": preview.context["token"], "source": preview.context["source"],
        "channel": "", "file_name": "b.csv",
    })
    assert done.status_code == 302
    assert Statement.objects.get().source == "wechatpay"


def test_order_page_shows_the_fulfilment_fee_apart_from_the_commission(finance_client):
    # given an Amazon order whose statement charged a commission and an FBA fee
    order = OrderFactory(status=Status.DELIVERED)
    OrderCost.objects.create(order=order, revenue=Decimal("39.99"), commission=Decimal("6.00"),
                             fulfilment_fee=Decimal("3.86"), net_revenue=Decimal("30.13"))
    # when finance opens the order page in Chinese (the language the request activates is
    # put back after it: the tests after this one read English)
    with translation.override("en"):
        response = finance_client.get(reverse("admin:orders_order_change", args=[order.pk]),
                                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then the breakdown names the fulfilment fee as its own cost
    page = response.content.decode()
    assert "平台配送费" in page and "3.86" in page and "6.00" in page


def test_a_statement_refused_off_the_request_alerts_in_the_readers_language(finance_user):
    # given a confirmed upload whose amount is written in words, imported in the background
    content = wechat_bill([WechatRow("4200000000000000000402", "MP402", settled="五千")])
    stored = default_storage.save("finance/uploads/bad.csv", ContentFile(content))
    # when the task imports it
    assert import_statement_file(stored, "bad.csv", "wechatpay", None, finance_user.pk) == {
        "imported": False}
    # then the alert keeps the refusal as a code: Chinese for a Chinese reader, English for others
    message = Alert.objects.get(kind="finance_import_failed").message
    assert is_encoded(message)
    assert zh(message).startswith("bad.csv 未导入任何数据：第 ")
    assert "应结订单金额“五千”不是金额" in zh(message)
    with translation.override("en"):
        assert "应结订单金额 '五千' is not an amount" in render(message)
