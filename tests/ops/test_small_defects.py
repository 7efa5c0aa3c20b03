"""Issue 13 item 7, checked one by one: "View site", "None available", stock headers in
Chinese, the decision of an order in risk review, and the ``postgres`` marker."""
from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from logistics.importers import read_sheet, stock_export, stock_import
from logistics.models import FulfilmentDecision, Stock, Warehouse
from orders.state_machine import Status
from tests.conftest import requires_postgres
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chinese(client, make_user):
    def sign_in(role: str | None = None, **kwargs):
        client.force_login(make_user(role, **kwargs))
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
        return client

    return sign_in


def test_view_site_leads_to_the_workbench(chinese):
    client = chinese("customer_service")
    home = client.get(reverse("admin:index")).content.decode()
    link = re.search(r'<div id="user-tools">.*?<a href="([^"]+)">工作台</a>', home, re.S)
    assert link and link.group(1) == reverse("admin:index")
    assert client.get(link.group(1)).status_code == 200
    assert "查看站点" not in home


def test_none_available_is_the_generic_word_outside_the_stock_filter(chinese):
    with translation.override("zh-hans"):
        assert "库存" not in gettext("None available")
        assert pgettext("stock level", "None available") == "无可用库存"
    home = chinese(is_superuser=True).get(reverse("admin:index")).content.decode()
    assert "无可用库存" not in home


def test_stock_import_takes_the_chinese_headers_of_its_export(db):
    # given a stock level, exported by a reader of Chinese
    warehouse = Warehouse.objects.create(code="T9", name="测试仓", priority=1)
    Stock.objects.create(warehouse=warehouse, sku="SKU-Z", on_hand=5)
    with translation.override("zh-hans"):
        content, _type, _name = stock_export(file_format="csv")
    header, *rows = content.decode("utf-8-sig").splitlines()
    assert header == "仓库,SKU,在库,样品占用,低库存阈值,订单已占用,可用", header

    # when the sheet comes back with a new count
    sheet = "\n".join([header, *(row.replace(",5,", ",8,", 1) for row in rows)])
    result = stock_import(dataset=read_sheet(sheet.encode(), file_name="库存.csv"), actor=None,
                          dry_run=True)

    # then every column is recognised and the change read
    assert result.ok, result.problems
    assert result.changes[0]["on_hand"] == (5, 8)


def test_an_order_in_risk_review_is_not_called_allocated(chinese):
    warehouse = Warehouse.objects.create(code="T8", name="测试仓", priority=1)
    order = OrderFactory(status=Status.RISK_REVIEW)
    FulfilmentDecision.objects.create(order=order, warehouse=warehouse,
                                      outcome=FulfilmentDecision.Outcome.ALLOCATED)
    client = chinese(is_superuser=True)
    listing = client.get(reverse("admin:logistics_fulfilmentdecision_changelist")).content.decode()
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    for html in (listing, page):
        assert "已预留库存，风控审核中" in html
    assert '<td class="field-outcome_shown">已分配' not in listing


def test_the_postgres_marker_exists_and_tests_carry_it():
    # pytest.ini declares it (with --strict-markers an undeclared marker fails the run) ...
    ini = configparser.ConfigParser()
    ini.read(ROOT / "pytest.ini")
    assert re.search(r"^\s*postgres:", ini["pytest"]["markers"], re.M)
    # ... requires_postgres is that marker ...
    assert requires_postgres("why").mark.name == "postgres"
    # ... and tests use it, as the README says
    carriers = [path for path in (ROOT / "tests").rglob("test_*.py")
                if "requires_postgres(" in path.read_text(encoding="utf-8")]
    assert len(carriers) >= 5
    assert "marked\n`postgres`" in (ROOT / "README.md").read_text(encoding="utf-8") or \
        "marked `postgres`" in (ROOT / "README.md").read_text(encoding="utf-8")
