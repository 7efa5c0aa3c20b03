"""Issue 13 item 3: a platform's named fee or commission within the channel's ceiling is a cost
of the order (green, in its cost breakdown, the order settles); the kind of statement is told
from the file; the board shows money per colour and exports what it shows; a person's review is
never overwritten by a later automatic match."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from finance.models import Colour, FeeCeiling, OrderCost, Source, StatementLine
from finance.parsers.base import StatementRejected
from finance.parsers.detect import detect_source
from finance.services.escalation import red_lines_rematch
from finance.services.reviews import line_confirm, line_resolve
from finance.services.statements import statement_import
from finance.services.settlement import orders_settle_matched
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.finance.bills import AccountRow, WechatRow, alipay_account_bill, wechat_bill
from tests.finance.words import zh

pytestmark = pytest.mark.django_db
BOARD = "/admin/finance/statementline/"
EXPORT = "/admin/finance/statementline/export/"


def _order(channel, serial: str, paid: str, **extra):
    return OrderFactory(
        channel=channel, payment_serial_no=serial, paid_amount=Decimal(paid),
        status=extra.pop("status", Status.INVOICED), **extra,
    )


def _import(actor, content: bytes, source: str = "", name: str = "bill.csv"):
    return statement_import(content=content, file_name=name, source=source, actor=actor)


def test_wechat_fee_within_the_ceiling_is_green_costed_and_settles(finance_user, miniprogram):
    order = _order(miniprogram, "4200000000000000000301", "199.00")
    outcome = _import(
        finance_user, wechat_bill([WechatRow("4200000000000000000301", "MP301", settled="199.00",
                                             fee="1.19400")]),
    )
    assert outcome.counts == {"green": 1, "yellow": 0, "red": 0, "grey": 0}
    line = StatementLine.objects.get()
    assert zh(line.explanation) == "应收199.00元，实收197.81元，微信手续费1.19元计入订单成本"
    assert (line.expected_amount, line.received_amount, line.difference) == (
        Decimal("199.00"), Decimal("197.81"), Decimal("0.00"))
    cost = OrderCost.objects.get(order=order)
    assert (cost.payment_fee, cost.commission) == (Decimal("1.19"), Decimal("0.00"))
    report = orders_settle_matched(actor=finance_user, statement_id=outcome.statement_id)
    assert report.settled == [order.hub_no]
    order.refresh_from_db()
    assert order.status == Status.SETTLED


def test_taobaoke_commission_within_the_ceiling_is_green(finance_user, taobao):
    order = _order(taobao, "2026012822001400000000000401", "299.00", channel_order_no="3012345678901")
    bill = alipay_account_bill([
        AccountRow("20260128001", "2026012822001400000000000401", amount_in="299.00",
                   merchant_no="T200P3012345678901"),
        AccountRow("20260128002", "2026012822001400000000000401", amount_out="17.94",
                   merchant_no="T200P3012345678901", business_type="收费", item="淘宝客佣金代扣款"),
    ])
    outcome = _import(finance_user, bill)
    assert outcome.source == Source.ALIPAY_ACCOUNT  # told from the file
    assert outcome.counts["green"] == 2 and outcome.counts["yellow"] == 0
    assert OrderCost.objects.get(order=order).commission == Decimal("17.94")


def test_a_ceiling_finance_lowered_makes_the_same_fee_yellow(finance_user, miniprogram):
    FeeCeiling.objects.create(channel=miniprogram, payment_fee_percent=Decimal("0.50"))
    order = _order(miniprogram, "4200000000000000000302", "100.00")
    _import(finance_user, wechat_bill([WechatRow("4200000000000000000302", "MP302",
                                                 settled="100.00", fee="0.60000")]))
    line = StatementLine.objects.get()
    assert line.colour == Colour.YELLOW
    assert "手续费0.60元超过上限0.5%" in zh(line.explanation)
    # Above the ceiling or not, the fee is what the order cost.
    assert OrderCost.objects.get(order=order).payment_fee == Decimal("0.60")


def test_partial_refund_still_needs_a_person(finance_user, miniprogram):
    _order(miniprogram, "4200000000000000000303", "199.00")
    outcome = _import(finance_user, wechat_bill([
        WechatRow("4200000000000000000303", "MP303", settled="199.00", fee="1.19400"),
        WechatRow("4200000000000000000303", "MP303", status="REFUND", refund_id="503001",
                  refund="20.00", fee="-0.12000", at="2026-01-28 16:00:00"),
    ]))
    assert outcome.counts["yellow"] == 2
    assert "部分退款" in zh(StatementLine.objects.first().explanation)


# --- the kind of statement, from the file ------------------------------------------------------
@pytest.mark.parametrize("name, source", [
    ("alipay_account_20260128.csv", Source.ALIPAY_ACCOUNT),
    ("alipay_trade_20260128.csv", Source.ALIPAY_TRADE),
    ("wechatpay_all_20260128.csv", Source.WECHATPAY),
    ("generic_statement.csv", Source.GENERIC),
])
def test_each_statement_kind_is_told_from_its_header(statement_file, name, source):
    assert detect_source(statement_file(name), file_name=name) == source


def test_a_file_of_no_known_kind_is_refused_asking_for_the_kind():
    with pytest.raises(StatementRejected, match="choose the kind of statement"):
        detect_source("名称,金额\n苹果,3.00\n".encode(), file_name="fruit.csv")


def test_the_chosen_kind_overrides_detection(finance_user, statement_file):
    # A WeChat Pay bill imported as an Alipay trade bill is read as one, and refused as one.
    with pytest.raises(StatementRejected, match="not an Alipay trade bill"):
        _import(finance_user, statement_file("wechatpay_all_20260128.csv"), source="alipay_trade")
    assert not StatementLine.objects.exists()


def test_the_api_detects_the_kind_when_source_is_left_out(
    client, finance_user, statement_file, wechat_order_refunded, wechat_order_exact
):
    client.force_login(finance_user)
    response = client.post("/api/finance/statements/", {
        "file": io.BytesIO(statement_file("wechatpay_all_20260128.csv")),
    })
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "wechatpay"
    assert (response.json()["green"], response.json()["yellow"]) == (1, 2)


# --- the board: money per colour, export of what it shows --------------------------------------
@pytest.fixture
def board(finance_user, wechat_order_refunded, wechat_order_exact, statement_file, client):
    statement_import(
        content=statement_file("wechatpay_all_20260128.csv"), file_name="w.csv",
        actor=finance_user,
    )
    client.force_login(finance_user)
    return client


def test_board_shows_expected_received_fees_and_difference_per_colour(board):
    response = board.get(BOARD)
    totals = {item["totals"].colour: item["totals"] for item in response.context["colour_totals"]}
    green, yellow = totals["green"], totals["yellow"]
    assert (green.count, green.expected, green.received, green.fees, green.difference) == (
        1, Decimal("99.00"), Decimal("99.00"), Decimal("0.00"), Decimal("0.00"))
    # 199.00 paid, 0.50 fee, 20.00 refunded with 0.05 of the fee given back.
    assert (yellow.count, yellow.expected, yellow.received, yellow.fees, yellow.difference) == (
        2, Decimal("199.00"), Decimal("178.55"), Decimal("0.45"), Decimal("20.45"))
    assert 'id="colour-totals"' in response.content.decode()


def test_board_exports_what_it_shows_as_a_worked_xlsx(board, miniprogram):
    page = board.get(BOARD, {"colour__exact": "yellow"})
    url = dict(page.context["export_urls"])["xlsx"]
    assert "colour__exact=yellow" in url
    with translation.override("en"):
        response = board.get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:Z3"  # 26 columns, the currency among them
    headers = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 2  # the filter went along: only the yellow lines
    by_name = {name: index for index, name in enumerate(headers)}
    first = rows[0]
    assert first[by_name["Channel"]].value == miniprogram.name  # a name, not the code
    assert first[by_name["Colour"]].value == Colour.YELLOW.label
    assert first[by_name["Colour"]].fill.fgColor.rgb == "FFFFF8E1"
    expected = first[by_name["Expected"]]
    assert expected.value == 199 and expected.number_format == "#,##0.00"
    assert sheet.column_dimensions["M"].width >= 50  # the explanation is readable


def test_board_export_csv_and_a_bad_format(board):
    assert board.get(EXPORT, {"_format": "csv"}).status_code == 200
    assert board.get(EXPORT, {"_format": "pdf"}).status_code == 400


def test_board_export_needs_the_export_permission(client, make_user, board):
    client.force_login(make_user("warehouse"))
    assert client.get(EXPORT).status_code == 403


def test_finance_edits_the_fee_ceilings_in_the_admin(board, miniprogram):
    response = board.post("/admin/finance/feeceiling/add/", {
        "channel": miniprogram.pk, "payment_fee_percent": "1.00", "commission_percent": "20.00",
        "fulfilment_fee_percent": "25.00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert FeeCeiling.objects.get(channel=miniprogram).commission_percent == Decimal("20.00")
    assert FeeCeiling.objects.get(channel=miniprogram).fulfilment_fee_percent == Decimal("25.00")


# --- a person's review stands -------------------------------------------------------------------
def test_a_confirmed_line_keeps_its_verdict_when_a_later_statement_rejudges_the_order(
    finance_user, miniprogram
):
    FeeCeiling.objects.create(channel=miniprogram, payment_fee_percent=Decimal("0.10"))
    _order(miniprogram, "4200000000000000000304", "199.00")
    _import(finance_user, wechat_bill([WechatRow("4200000000000000000304", "MP304",
                                                 settled="199.00", fee="1.19400")]), name="a.csv")
    line = StatementLine.objects.get()
    line_confirm(line=line, actor=finance_user, reason="fee agreed with WeChat Pay")
    _import(finance_user, wechat_bill([WechatRow(
        "4200000000000000000304", "MP304", status="REFUND", refund_id="503002", refund="20.00",
        fee="-0.12000", at="2026-01-28 16:00:00")]), name="b.csv")
    line.refresh_from_db()
    assert line.reviewed_at is not None and line.review_reason == "fee agreed with WeChat Pay"
    assert "部分退款" not in zh(line.explanation)  # the verdict the person confirmed
    refund = StatementLine.objects.exclude(pk=line.pk).get()
    assert "部分退款" in zh(refund.explanation)


def test_rematch_leaves_a_resolved_red_line_alone(finance_user, miniprogram):
    _import(finance_user, wechat_bill([WechatRow("4200000000000000000305", "MP305",
                                                 settled="50.00")]))
    line = StatementLine.objects.get()
    assert line.colour == Colour.RED
    line_resolve(line=line, actor=finance_user, reason="test payment, refunded by hand")
    _order(miniprogram, "4200000000000000000305", "50.00")
    assert red_lines_rematch() == 0
    line.refresh_from_db()
    assert (line.colour, line.order_id) == (Colour.RED, None)
