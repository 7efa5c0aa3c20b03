"""Stock import/export: dry run first, all rows or none, every bad row reported by number."""
from __future__ import annotations

import pytest
from django.utils import translation
from import_export.formats.base_formats import XLSX

from logistics.forms import StockImportForm
from logistics.importers import read_sheet, stock_export, stock_import
from logistics.models import Stock, StockMovement
from orderhub.core.errors import PermissionRefused, ValidationFailed

pytestmark = pytest.mark.django_db


def sheet(text: str):
    return read_sheet(text.encode(), file_name="stock.csv")


def test_dry_run_previews_and_saves_nothing(only_warehouse, make_user):
    only_warehouse("T1")
    result = stock_import(dataset=sheet("warehouse,sku,on_hand,samples\nT1,SKU-A,12,2\n"),
                          actor=make_user("warehouse"), dry_run=True)
    assert result.ok and not result.applied
    assert result.changes == [{"row": 2, "warehouse": "T1", "sku": "SKU-A", "on_hand": (0, 12),
                               "samples": (0, 2), "new": True}]
    assert not Stock.objects.exists()


def test_import_applies_every_row_with_an_adjustment_in_the_ledger(only_warehouse, stocked,
                                                                   make_user):
    warehouse = only_warehouse("T1")
    stocked(warehouse, "SKU-A", 5)
    text = "warehouse,sku,on_hand,low_stock_threshold\nT1,SKU-A,8,\nT1,SKU-B,20,5\n"
    result = stock_import(dataset=sheet(text), actor=make_user("warehouse"), dry_run=False)
    assert result.applied
    levels = {s.sku: (s.on_hand, s.low_stock_threshold) for s in Stock.objects.all()}
    assert levels == {"SKU-A": (8, 3), "SKU-B": (20, 5)}
    adjustments = StockMovement.objects.filter(kind="adjust").order_by("stock__sku")
    assert [(m.stock.sku, m.on_hand_delta, m.reason) for m in adjustments] == [
        ("SKU-A", 3, "§logistics.stock.import_unnamed"),
        ("SKU-B", 20, "§logistics.stock.import_unnamed")]


def test_one_bad_row_imports_nothing_and_each_bad_row_is_reported(only_warehouse, make_user):
    only_warehouse("T1")
    text = ("warehouse,sku,on_hand\n"
            "T1,SKU-A,10\n"
            "T1,SKU-B,ten\n"
            "XX,SKU-C,1\n"
            "T1,SKU-D,2.5\n"
            "T1,SKU-A,4\n"
            "T1,,3\n")
    result = stock_import(dataset=sheet(text), actor=make_user("warehouse"), dry_run=False)
    assert not result.applied
    assert [(p.row, p.message) for p in result.problems] == [
        (3, "on_hand 'ten' is not a whole number"),
        (4, "warehouse 'XX' does not exist (warehouses: BJ, CD, GZ, SH, T1)"),
        (5, "on_hand '2.5' is not a whole number"),
        (6, "SKU-A at T1 is already on row 2"),
        (7, "sku is empty"),
    ]
    assert not Stock.objects.exists() and not StockMovement.objects.exists()


def test_a_level_below_what_is_reserved_is_a_bad_row(only_warehouse, stocked, make_user):
    stock = stocked(only_warehouse("T1"), "SKU-A", 5)
    Stock.objects.filter(pk=stock.pk).update(reserved=4)
    result = stock_import(dataset=sheet("warehouse,sku,on_hand\nT1,SKU-A,3\n"),
                          actor=make_user("warehouse"), dry_run=False)
    assert [p.message for p in result.problems] == [
        "SKU-A at T1: on hand 3 is less than what is reserved for orders (4) plus samples (0)"]
    stock.refresh_from_db()
    assert stock.on_hand == 5


def test_missing_columns_and_roles_without_the_permission_are_refused(only_warehouse,
                                                                      make_user):
    only_warehouse("T1")
    with pytest.raises(ValidationFailed, match="lacks the column"):
        stock_import(dataset=sheet("warehouse,sku\nT1,A\n"), actor=None, dry_run=True)
    with pytest.raises(PermissionRefused, match="logistics.import_stock"):
        stock_import(dataset=sheet("warehouse,sku,on_hand\nT1,A,1\n"),
                     actor=make_user("customer_service"), dry_run=True)


def test_the_upload_page_and_a_refusal_name_the_columns_in_chinese(only_warehouse):
    only_warehouse("T1")
    with translation.override("zh-hans"):
        assert StockImportForm().fields["file"].help_text == (
            "xlsx 或 UTF-8 编码的 csv，列为 仓库, SKU, 在库（样品占用, 低库存阈值 可选）。"
            "导出文件的列与此相同。")
        with pytest.raises(ValidationFailed) as refused:
            stock_import(dataset=sheet("仓库,sku\nT1,A\n"), actor=None, dry_run=True)
    assert refused.value.message == (
        "表格缺少列 在库；必须包含 仓库, SKU, 在库 列（可另有 样品占用, 低库存阈值）。")


def test_export_has_the_import_columns_and_round_trips(only_warehouse, stocked):
    stocked(only_warehouse("T1"), "SKU-A", 7)
    with translation.override("en"):  # headers in the reader's language
        content, content_type, name = stock_export(file_format="csv")
    assert (content_type, name) == ("text/csv; charset=utf-8", "stock.csv")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "warehouse,SKU,on hand,reserved samples,low-stock threshold,reserved for orders,available")
    assert "T1,SKU-A,7,0,3,0,7" in text
    result = stock_import(dataset=sheet(text), actor=None, dry_run=True)
    assert result.ok and result.changes[0]["on_hand"] == (7, 7)
    with translation.override("en"):
        xlsx, _type, xlsx_name = stock_export(file_format="xlsx")
    assert xlsx_name == "stock.xlsx"
    assert XLSX().create_dataset(xlsx).dict[0]["SKU"] == "SKU-A"


def test_the_import_takes_the_column_headers_in_chinese(only_warehouse, stocked):
    # Given a sheet whose headers staff wrote as the admin shows them in Chinese
    stocked(only_warehouse("T1"), "SKU-A", 7)
    chinese = sheet("仓库,SKU,在库,样品占用,低库存阈值,订单已占用\nT1,SKU-A,9,1,2,0\n")

    # When it is checked
    result = stock_import(dataset=chinese, actor=None, dry_run=True)

    # Then the columns are recognised and the change read
    assert result.ok, result.problems
    assert result.changes[0]["on_hand"] == (7, 9)


@pytest.mark.parametrize("value", ["99999999999999999999", "1e999999", "inf", "-inf", "NaN",
                                   "1e-999999"])
def test_counts_too_large_too_small_or_not_finite_are_row_problems(only_warehouse, value):
    only_warehouse("T1")
    result = stock_import(dataset=sheet(f"warehouse,sku,on_hand\nT1,A,{value}\n"), actor=None,
                          dry_run=False)
    assert not result.ok and not result.applied
    assert result.problems[0].row == 2
