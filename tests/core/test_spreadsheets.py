"""Exports never carry a formula someone typed (issue 13 item 8): finance's reports and what
django-import-export writes (stock), csv and xlsx alike."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from finance import exports
from logistics.importers import stock_export
from logistics.models import Stock, Warehouse
from orderhub.core.spreadsheets import formula_safe

RISKY = ['=HYPERLINK("http://evil.example","退款")', "+1+2", "-2+3", "@SUM(A1)", "\t=1",
         "\r=1"]


@pytest.mark.parametrize("text", RISKY)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.50", "+3", "正常备注", "", Decimal("-5.00"), 7, None])
def test_numbers_and_plain_text_are_left_alone(value):
    assert formula_safe(value) == value


def test_control_characters_xlsx_cannot_hold_are_replaced():
    assert formula_safe("a\x00b\x01") == "a\ufffdb\ufffd"


def _table():
    return exports.Table(name="t", title="t", headers=["note", "amount"],
                         rows=[[text, Decimal("-1.00")] for text in RISKY] + [["a\x00b", 1]])


def test_finance_csv_neutralises_formulas():
    body = b"".join(exports.csv_chunks(_table())).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert [row[0] for row in rows[1:-1]] == ["'" + text for text in RISKY]
    assert rows[1][1] == "-1.00"


def test_finance_xlsx_neutralises_formulas_and_writes_control_characters():
    sheet = load_workbook(exports.xlsx_file(_table())).active
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    # (xlsx keeps line ends as \n)
    assert values[:-1] == ["'" + text.replace("\r", "\n") for text in RISKY]
    assert values[-1] == "a\ufffdb"
    assert sheet.cell(row=2, column=2).data_type == "n"  # amounts stay numbers


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_stock_export_neutralises_a_typed_formula(file_format):
    warehouse = Warehouse.objects.first() or Warehouse.objects.create(code="BJ", name="北京仓")
    Stock.objects.create(warehouse=warehouse, sku="=cmd|' /C calc'!A0", on_hand=3)

    content, _type, _name = stock_export(file_format=file_format)

    if file_format == "csv":
        text = content.decode("utf-8-sig")
    else:
        text = " ".join(str(cell) for row in load_workbook(io.BytesIO(content)).active
                        .iter_rows(values_only=True) for cell in row)
    assert "'=cmd|' /C calc'!A0" in text
