"""The spreadsheets finance files: reconciliation, differences, monthly consistency, costs."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from finance import exports
from finance.services.statements import statement_import
from orderhub.core.errors import PermissionRefused
from orders.state_machine import Status
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
JAN_28 = timezone.make_aware(dt.datetime(2026, 1, 28, 9))


@pytest.fixture(autouse=True)
def english():
    # Headers are interface strings; the assertions read the English source.
    with translation.override("en"):
        yield


@pytest.fixture
def reconciled(finance_user, miniprogram, wechat_order_refunded, statement_file):
    OrderFactory(
        channel=miniprogram,
        hub_no="MP2026012800013",
        payment_serial_no="4200009999",
        paid_amount=Decimal("50.00"),
        status=Status.DELIVERED,
        paid_at=JAN_28,
        placed_at=JAN_28,
    )
    return statement_import(
        content=statement_file("wechatpay_all_20260128.csv"), file_name="w.csv", source="wechatpay",
        actor=finance_user,
    ).statement


def rows_of(table: exports.Table, file_format: str) -> list[list]:
    _name, _type, body = exports.render(table, file_format)
    content = b"".join(body)
    if file_format == "csv":
        assert content.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return [
        list(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
    ]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_reconciliation_result_has_every_line_with_colour_and_costs(
    file_format, reconciled, finance_user
):
    rows = rows_of(
        exports.reconciliation_table(actor=finance_user, statement=reconciled), file_format
    )
    header, *lines = rows
    assert header[:6] == [
        "Row",
        "Occurred at",
        "Kind",
        "Payment serial number",
        "Merchant order number",
        "Hub order number",
    ]
    assert len(lines) == 3
    first = dict(zip(header, lines[0]))
    assert first["Hub order number"] == "MP2026012800011"
    assert first["Explanation"] == (
        "expected 199.00, received 178.55; the difference of 20.45 is a partial refund 20.00、"
        "微信手续费 0.45"
    )
    # revenue 179.00 (199.00 less the 20.00 refund) − fee 0.45 − VAT 20.59 = 157.96
    assert Decimal(str(first["Payment fee"])) == Decimal("0.45")
    assert Decimal(str(first["Net revenue"])) == Decimal("157.96")


def test_difference_report_holds_only_yellow_and_red(reconciled, finance_user, miniprogram):
    table = exports.differences_table(
        actor=finance_user,
        channel=miniprogram,
        start=dt.date(2026, 1, 28),
        end=dt.date(2026, 1, 28),
    )
    header, *lines = rows_of(table, "csv")
    colours = {dict(zip(header, line))["Colour"] for line in lines}
    assert len(lines) == 3  # two yellow lines of the partial refund, one red unknown serial
    assert colours == {"Yellow: explained difference", "Red: unmatched or unexplained"}
    assert table.name == "differences-miniprogram-2026-01-28_2026-01-28"


def test_monthly_consistency_report(reconciled, finance_user):
    header, *rows = rows_of(
        exports.monthly_table(actor=finance_user, month=dt.date(2026, 1, 1)), "xlsx"
    )
    row = dict(zip(header, next(row for row in rows if row[0] == "miniprogram")))
    assert (row["Orders"], row["Paid"], row["Settled (money matched)"], row["Missing money"]) == (
        2,
        2,
        1,
        1,
    )
    assert row["Differences"] == 3
    assert row["Commonest causes"] == "Partial refund: 2; No order with this serial number: 1"


def test_cost_breakdown_export(reconciled, finance_user):
    header, *rows = rows_of(exports.costs_table(actor=finance_user), "csv")
    assert header == [
        "Hub order number",
        "Channel",
        "Paid at",
        "Paid amount",
        "Currency",
        "Revenue",
        "Commission",
        "Payment fee",
        "Fulfilment fee",
        "Shipping",
        "Tax",
        "Tax from invoice",
        "Net revenue",
    ]
    assert [row[0] for row in rows] == ["MP2026012800011"]


def test_exports_are_for_finance_and_managers_only(make_user):
    with pytest.raises(PermissionRefused):
        exports.monthly_table(actor=make_user("customer_service"), month=dt.date(2026, 1, 1))
