"""A stock sheet's bad rows read in the language of whoever uploads it."""
from __future__ import annotations

import pytest
from django.utils import translation

from logistics.importers import read_sheet, stock_import
from orderhub.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def sheet(text: str):
    return read_sheet(text.encode(), file_name="stock.csv")


def test_a_chinese_clerk_reads_the_bad_rows_in_chinese(only_warehouse, make_user):
    only_warehouse("T1")
    text = "warehouse,sku,on_hand\nT1,SKU-A,五千\nXX,SKU-B,1\nT1,,1\nT1,SKU-C,-2\n"
    with translation.override("zh-hans"):
        result = stock_import(dataset=sheet(text), actor=make_user("warehouse"), dry_run=True)
    assert [(p.row, p.message) for p in result.problems] == [
        (2, "on_hand“五千”不是整数"),
        (3, "仓库“XX”不存在（现有仓库：BJ, CD, GZ, SH, T1）"),
        (4, "sku 为空"),
        (5, "on_hand 不能为负数（-2）"),
    ]


def test_a_sheet_without_the_columns_is_refused_in_chinese(make_user):
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        stock_import(dataset=sheet("sku,qty\nA,1\n"), actor=make_user("warehouse"), dry_run=True)
    assert refused.value.message.startswith("表格缺少列 仓库, 在库；")
