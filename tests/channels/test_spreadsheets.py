"""POS spreadsheets: bad rows refuse the whole file with every row reported; the scheduled
folder import moves files aside with a per-row report; the template round-trips."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import tablib
from django_q.models import Schedule

from channels.importers import PosTemplateResource
from channels.models import Delivery
from channels.tasks import spreadsheets_import_folder
from orders.models import Order
from tests.channels import payloads as p

pytestmark = pytest.mark.django_db

GOOD = "S1,店A,2026-01-28 13:00:00,completed,M1,13900139000,POS-BAG,帆布包,1,59.00,59.00"
BAD_ROWS = (
    "S2,店A,2026-01-28 13:00:00,completed,,,POS-BAG,帆布包,-1,59.00,",
    ",店A,2026-01-28 13:00:00,completed,,,POS-BAG,帆布包,1,59.00,",
    "S3,店A,2026-01-28 13:00:00,sold,,,POS-BAG,帆布包,1,59.00,",
    "S4,店A,2026-01-28 13:00:00,completed,,,POS-BAG,帆布包,1,5.999,",
)


def test_a_spreadsheet_with_bad_rows_imports_nothing_and_reports_every_bad_row(channel, post):
    channel("pos")
    response = post("pos", p.pos_csv(GOOD, *BAD_ROWS), content_type="text/csv")
    assert response.status_code == 400
    errors = response.json()["errors"]
    problems = [problem for error in errors for problem in error["problems"]]
    assert len(errors) == 4
    assert any(m.startswith("row 3: quantity") for m in problems)
    assert any(m.startswith("row 4: order_no") for m in problems)
    assert any(m.startswith("row 5: status") and "'sold'" in m for m in problems)
    assert any(m.startswith("row 6: unit_price") for m in problems)
    assert not Order.objects.exists()  # not even the good row


def test_the_daily_schedule_exists_once():
    schedule = Schedule.objects.get(func="channels.tasks.spreadsheets_import_folder")
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.next_run.astimezone().hour in (0, 8)  # 08:00 Beijing = 00:00 UTC


def test_the_folder_import_moves_files_aside_with_a_report(tmp_path, channel, products):
    channel("pos")
    (tmp_path / "orders_daily.csv").write_bytes(p.pos_csv(GOOD))
    (tmp_path / "broken.csv").write_bytes(p.pos_csv(*BAD_ROWS))
    # when the scheduled task runs
    summary = spreadsheets_import_folder(folder=str(tmp_path))
    # then the good file is imported and moved to processed/, the bad one to failed/
    assert summary["orders_daily.csv"].startswith("processed")
    assert summary["broken.csv"].startswith("failed")
    assert Order.objects.get().channel_order_no == "S1"
    assert not list(tmp_path.glob("*.csv"))
    [report] = (tmp_path / "failed").glob("*.report.csv")
    text = report.read_text(encoding="utf-8-sig")
    assert "row 2: quantity" in text and "row 5: unit_price" in text
    [ok_report] = (tmp_path / "processed").glob("*.report.csv")
    assert "S1" in ok_report.read_text(encoding="utf-8-sig")
    # and running again finds nothing left to do
    assert spreadsheets_import_folder(folder=str(tmp_path)) == {}
    assert Delivery.objects.filter(source="scheduled").count() == 2


def test_the_same_file_dropped_twice_duplicates_nothing(tmp_path, channel, products):
    channel("pos")
    for _ in range(2):
        (tmp_path / "orders_daily.csv").write_bytes(p.pos_csv(GOOD))
        spreadsheets_import_folder(folder=str(tmp_path))
    assert Order.objects.count() == 1


def test_the_downloadable_xlsx_template_is_read_back_by_the_pos_adapter(channel, post,
                                                                         products):
    channel("pos")
    template = PosTemplateResource().template()
    book = io.BytesIO(template.export("xlsx"))
    response = post("pos", book.getvalue(),
                    content_type="application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet")
    assert response.status_code == 200, response.json()
    assert Order.objects.get().channel_order_no == "S20260128-0001"


def test_an_xlsx_with_typed_cells_is_read(channel, post, products):
    channel("pos")
    sheet = tablib.Dataset(headers=["订单号", "下单时间", "商品编码", "商品名称", "数量", "单价"])
    sheet.append([20260128001, dt.datetime(2026, 1, 28, 13, 0), "POS-BAG", "帆布包", 2, 59.9])
    response = post("pos", sheet.export("xlsx"), content_type="application/octet-stream")
    assert response.status_code == 200, response.json()
    order = Order.objects.get()
    assert order.channel_order_no == "20260128001"
    assert str(order.lines.get().unit_price) == "59.90"
