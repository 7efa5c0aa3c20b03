"""Each adapter against payloads written from its platform's documentation: envelopes, amounts
and their units, times, ids, status tables, lines, masked fields."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from channels import texts
from channels.adapters import ADAPTERS
from channels.adapters.base import PayloadError, parse_json
from channels.adapters.fields import BEIJING, FieldProblem
from channels.adapters.miniprogram import MiniProgramOrderSerializer
from channels.adapters.pos import POS_COLUMNS
from orderhub.core.texts import render
from orders.state_machine import Status
from tests.channels import payloads as p


def read(platform: str, body: bytes, **kwargs):
    adapter = ADAPTERS[platform]
    return [adapter.to_canonical(raw) for raw in adapter.read(body=body, **kwargs)]


# --- Taobao / Tmall ---------------------------------------------------------------------------
def test_top_fullinfo_response_is_read_with_exact_units():
    # given taobao.trade.fullinfo.get's response, envelope and all
    [order] = read("tmall", p.dumps(p.top_fullinfo_response()))
    # then the 19-digit tid is kept as a string and money is exact yuan
    assert order.channel_order_no == "3842719048812345678"
    assert order.paid_amount == Decimal("388.00")
    assert (order.goods_amount, order.shipping_amount, order.discount_amount) == (
        Decimal("398.00"), Decimal("10.00"), Decimal("20.00"))
    assert order.payment_serial_no == "2026012822001156781234567890"
    # and "yyyy-MM-dd HH:mm:ss" is Beijing time
    assert order.placed_at == dt.datetime(2026, 1, 28, 9, 15, 2, tzinfo=BEIJING)
    assert order.placed_at.astimezone(dt.timezone.utc).hour == 1
    # and the status, the masked phone (as given), the buyer id and the line
    assert (order.status, order.channel_status) == (Status.PAID, "WAIT_SELLER_SEND_GOODS")
    assert order.receiver["phone"] == "138****5621"
    assert order.receiver["province"] == "浙江省"
    assert order.buyer_ids == [("taobao_open_uid", "AAHk5d-EAAeGwJedwSHpg8bT")]
    [line] = order.lines
    assert (line.quantity, line.unit_price, line.amount) == (2, Decimal("199.00"),
                                                             Decimal("398.00"))
    assert (line.channel_sku, line.outer_sku) == ("5012345678901", "MB-C200")


def test_top_trades_sold_get_response_and_bare_trades_and_lists():
    body = p.dumps(p.top_sold_response(p.top_trade(tid_str="1"), p.top_trade(tid_str="2")))
    assert [o.channel_order_no for o in read("taobao", body)] == ["1", "2"]
    mixed = p.dumps([p.top_trade(tid_str="3"), p.top_fullinfo_response(tid_str="4")])
    assert [o.channel_order_no for o in read("taobao", mixed)] == ["3", "4"]


@pytest.mark.parametrize(("code", "status"), [
    ("TRADE_NO_CREATE_PAY", Status.PENDING_PAYMENT), ("WAIT_BUYER_PAY", Status.PENDING_PAYMENT),
    ("PAY_PENDING", Status.PENDING_PAYMENT), ("WAIT_PRE_AUTH_CONFIRM", Status.PENDING_PAYMENT),
    ("WAIT_SELLER_SEND_GOODS", Status.PAID), ("PAID_FORBID_CONSIGN", Status.PAID),
    ("SELLER_CONSIGNED_PART", Status.PAID), ("WAIT_BUYER_CONFIRM_GOODS", Status.IN_TRANSIT),
    ("TRADE_BUYER_SIGNED", Status.DELIVERED), ("TRADE_FINISHED", Status.DELIVERED),
    ("TRADE_CLOSED", Status.REFUNDED), ("TRADE_CLOSED_BY_TAOBAO", Status.CANCELLED),
])
def test_every_top_trade_status_maps(code, status):
    [order] = read("taobao", p.dumps(p.top_trade(status=code)))
    assert order.status == status


def test_top_paid_forbid_consign_must_not_ship_and_partial_shipment_is_flagged():
    [forbidden] = read("taobao", p.dumps(p.top_trade(status="PAID_FORBID_CONSIGN")))
    assert forbidden.hold_reason == texts.HOLD_SHIPPING_FORBIDDEN.encode(
        platform="TOP", status="PAID_FORBID_CONSIGN")
    with translation.override("en"):
        assert render(forbidden.hold_reason) == (
            "TOP: paid but shipping forbidden (PAID_FORBID_CONSIGN)")
    with translation.override("zh-hans"):
        assert render(forbidden.hold_reason) == "TOP：已付款但平台禁止发货（PAID_FORBID_CONSIGN）"
    [partial] = read("taobao", p.dumps(p.top_trade(status="SELLER_CONSIGNED_PART")))
    assert ("partially_shipped", "SELLER_CONSIGNED_PART") in partial.tags
    assert partial.hold_reason == ""


def test_top_line_refund_request_holds_before_shipping():
    trade = p.top_trade()
    trade["orders"]["order"][0]["refund_status"] = "WAIT_SELLER_AGREE"
    [order] = read("taobao", p.dumps(trade))
    assert order.hold_reason == texts.HOLD_REFUND_ASKED.encode(platform="Taobao")
    with translation.override("zh-hans"):
        assert render(order.hold_reason) == "Taobao：买家在发货前申请退款"
    assert order.tags[0] == ("refund_requested",
                             texts.FLAG_LINE_REFUND.encode(platform="Taobao"))
    with translation.override("zh-hans"):
        assert render(order.tags[0][1]) == "Taobao：有商品行正在退款"


def test_unknown_top_status_is_refused_by_name():
    with pytest.raises(FieldProblem, match="unknown taobao status 'SOMETHING_NEW'"):
        read("taobao", p.dumps(p.top_trade(status="SOMETHING_NEW")))


# --- JD -----------------------------------------------------------------------------------------
def test_jos_search_response_is_read():
    [order] = read("jd", p.dumps(p.jd_search_response(p.jd_order())))
    assert order.channel_order_no == "300123456789"
    assert order.paid_amount == Decimal("289.00")
    assert order.discount_amount == Decimal("10.00")
    assert order.goods_amount == Decimal("299.00")
    assert order.paid_at == dt.datetime(2026, 1, 28, 10, 0, 30, tzinfo=BEIJING)
    assert order.receiver == {"name": "李*", "phone": "139****0001", "province": "北京",
                              "city": "北京市", "district": "朝阳区",
                              "address": "北京朝阳区建国路**号"}
    assert [(l.channel_sku, l.outer_sku, l.quantity, l.unit_price) for l in order.lines] == [
        ("100012345678", "SKU-TEE-WHITE-L", 1, Decimal("99.00")),
        ("100012345679", "", 1, Decimal("200.00")),
    ]
    assert order.buyer_ids == [("jd_open_id", "o-jd-buyer-8812")]


@pytest.mark.parametrize(("state", "status", "held"), [
    ("WAIT_SELLER_STOCK_OUT", Status.PAID, False), ("WAIT_SELLER_DELIVERY", Status.PAID, False),
    ("WAIT_SEND_CODE", Status.PAID, False), ("PAUSE", Status.PAID, True),
    ("POP_ORDER_PAUSE", Status.PAID, True), ("LOCKED", Status.PAID, True),
    ("WAIT_GOODS_RECEIVE_CONFIRM", Status.IN_TRANSIT, False),
    ("FINISHED_L", Status.DELIVERED, False), ("TRADE_CANCELED", Status.CANCELLED, False),
])
def test_every_jd_order_state_maps(state, status, held):
    [order] = read("jd", p.dumps(p.jd_order(orderState=state, waybill="JDV000123")))
    assert (order.status, bool(order.hold_reason)) == (status, held)
    assert order.tracking_no == "JDV000123"


# --- Pinduoduo ----------------------------------------------------------------------------------
def test_pdd_amounts_as_json_numbers_in_yuan_are_exact():
    [order] = read("pdd", p.dumps(p.pdd_response(p.pdd_order())))
    # 59.8 arrives as a JSON number: parsed as Decimal, never a float
    assert order.paid_amount == Decimal("59.80")
    assert order.goods_amount == Decimal("69.80")
    assert order.discount_amount == Decimal("10.00")
    assert order.lines[0].unit_price == Decimal("34.90")
    assert (order.lines[0].channel_sku, order.lines[0].outer_sku) == ("987654321", "SKU-SOCK-5")
    assert order.ship_by == dt.datetime(2026, 1, 30, 11, 0, 5, tzinfo=BEIJING)
    assert (order.status, order.channel_status) == (Status.PAID,
                                                    "order_status=1 refund_status=1")
    assert order.receiver["address"] == "科技园1号"


@pytest.mark.parametrize(("overrides", "status", "held"), [
    ({"order_status": 2}, Status.IN_TRANSIT, False),
    ({"order_status": 3}, Status.DELIVERED, False),
    ({"refund_status": 2}, Status.PAID, True),
    ({"refund_status": 3}, Status.PAID, True),
    ({"refund_status": 4}, Status.REFUNDED, False),
    ({"confirm_status": 2}, Status.CANCELLED, False),
    ({"group_status": 0}, Status.PAID, True),
])
def test_pdd_status_refund_and_group_codes(overrides, status, held):
    [order] = read("pdd", p.dumps(p.pdd_order(**overrides)))
    assert (order.status, bool(order.hold_reason)) == (status, held)


def test_pdd_group_buy_hold_is_a_code_with_the_group_status():
    [order] = read("pdd", p.dumps(p.pdd_order(group_status=0)))
    assert order.hold_reason == texts.HOLD_GROUP_FORMING.encode(platform="Pinduoduo", status="0")
    with translation.override("en"):
        assert render(order.hold_reason) == "Pinduoduo: group buy not formed yet (group_status 0)"
    with translation.override("zh-hans"):
        assert render(order.hold_reason) == "Pinduoduo：拼团尚未成团（group_status 0）"


def test_pdd_masked_phone_after_shipping_is_kept_as_given():
    [order] = read("pdd", p.dumps(p.pdd_order(order_status=2, receiver_phone="1387677****")))
    assert order.receiver["phone"] == "1387677****"


def test_amount_with_three_decimals_is_refused():
    with pytest.raises(FieldProblem, match="pay_amount: 59.805 has more than two decimal"):
        read("pdd", b'{"order_sn": "1", "order_status": 1, "pay_amount": 59.805, '
                    b'"item_list": [{"goods_name": "x", "goods_count": 1, "goods_price": 1}]}')


# --- 抖店 ---------------------------------------------------------------------------------------
def test_douyin_fen_and_unix_seconds():
    [order] = read("douyin", p.dumps(p.douyin_detail_response(p.douyin_order())))
    assert order.channel_order_no == "6918231234567890123"
    assert order.paid_amount == Decimal("129.00")  # 12900 fen
    assert order.shipping_amount == Decimal("8.00")
    assert order.goods_amount == Decimal("130.00")  # order_amount 13800 less shipping 800
    assert order.discount_amount == Decimal("9.00")
    assert order.placed_at == dt.datetime(2026, 1, 28, 3, 0, tzinfo=dt.timezone.utc)
    assert order.placed_at.astimezone(BEIJING).hour == 11
    [line] = order.lines
    assert (line.unit_price, line.amount, line.quantity) == (Decimal("65.00"),
                                                             Decimal("130.00"), 2)
    assert line.channel_sku == "1741234567890123456"  # int64 beyond 2^53, exact
    # the encrypted post_tel does not fit; the documented masked one is kept as given
    assert order.receiver["phone"] == "186****7777"
    assert order.receiver["address"] == "玉林街道 玉林路**号"
    assert order.buyer_ids == [("douyin_open_id", "1@#abcDEFghiJKL==")]


@pytest.mark.parametrize(("code", "status"), [
    (1, Status.PENDING_PAYMENT), (105, Status.PAID), (2, Status.PAID), (101, Status.PAID),
    (3, Status.IN_TRANSIT), (4, Status.CANCELLED), (5, Status.DELIVERED),
])
def test_every_douyin_order_status_maps(code, status):
    [order] = read("douyin", p.dumps(p.douyin_order(order_status=code)))
    assert order.status == status


def test_douyin_amount_in_fen_must_be_whole():
    with pytest.raises(FieldProblem, match="pay_amount: amounts in fen are whole numbers"):
        read("douyin", p.dumps(p.douyin_order(pay_amount="129.5")))


# --- Shopify -------------------------------------------------------------------------------------
def test_shopify_webhook_ids_beyond_2_53_money_strings_and_offsets():
    [order] = read("shopify", p.shopify_order().encode())
    assert order.channel_order_no == p.SHOPIFY_ORDER_ID
    assert float(p.SHOPIFY_ORDER_ID) != int(p.SHOPIFY_ORDER_ID)  # a float would have lost it
    assert order.currency == "USD"
    assert order.paid_amount == Decimal("405.50")
    assert order.shipping_amount == Decimal("10.00")
    assert order.placed_at == dt.datetime(2026, 1, 28, 1, 15, 47, tzinfo=dt.timezone.utc)
    assert order.status == Status.PAID
    assert order.receiver_country == "CA"
    assert order.buyer_ids == [("shopify_customer", "7207191167038492123")]
    assert order.lines[0].channel_sku == "4470921592861234567"
    assert order.lines[0].title == "Mercedes-Benz C200 model 1:18"
    assert order.device_id.startswith("shopify:")


@pytest.mark.parametrize(("financial", "fulfilment", "cancelled", "status"), [
    ("pending", None, None, Status.PENDING_PAYMENT),
    ("authorized", None, None, Status.PAID),
    ("paid", "partial", None, Status.PAID),
    ("paid", "fulfilled", None, Status.IN_TRANSIT),
    ("refunded", None, None, Status.REFUNDED),
    ("voided", None, "2026-01-28T10:00:00-05:00", Status.CANCELLED),
    ("paid", None, "2026-01-28T10:00:00-05:00", Status.CANCELLED),
])
def test_shopify_financial_and_fulfilment_status(financial, fulfilment, cancelled, status):
    body = p.shopify_order(financial_status=financial, fulfillment_status=fulfilment,
                           cancelled_at=cancelled).encode()
    [order] = read("shopify", body)
    assert order.status == status


def test_shopify_test_orders_are_marked():
    [order] = read("shopify", p.shopify_order(test=True).encode())
    assert order.is_test


# --- mini-program -------------------------------------------------------------------------------
def test_miniprogram_format_is_the_documented_serializer():
    raw = p.miniprogram_order()
    # the API docs' schema accepts exactly what the adapter reads
    assert MiniProgramOrderSerializer(data=raw).is_valid(), MiniProgramOrderSerializer(
        data=raw).errors
    [order] = read("miniprogram", p.dumps([raw]))
    assert (order.channel_order_no, order.paid_amount, order.status) == (
        "MP2026012800001", Decimal("120.00"), Status.PAID)
    assert order.payment_serial_no == "4200001234202601281234567890"
    assert ("wechat_openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o") in order.buyer_ids
    assert order.device_id == "dev-77aa"


# --- POS ----------------------------------------------------------------------------------------
def test_pos_csv_rows_make_orders_with_lines():
    body = p.pos_csv("P1,店A,2026-01-28 13:00:00,completed,M1,13900139000,POS-BAG,帆布包,1,59.00,",
                     "P1,店A,2026-01-28 13:00:00,completed,M1,13900139000,POS-CUP,杯子,2,10.50,",
                     "P2,店A,2026-01-28 13:05:00,refunded,,,POS-BAG,帆布包,1,59.00,")
    first, second = read("pos", body, content_type="text/csv")
    assert [(l.outer_sku, l.quantity, l.unit_price) for l in first.lines] == [
        ("POS-BAG", 1, Decimal("59.00")), ("POS-CUP", 2, Decimal("10.50"))]
    assert first.status == Status.DELIVERED  # a counter sale
    assert first.buyer_ids == [("pos_member", "M1")]
    assert second.status == Status.REFUNDED


def test_pos_bad_rows_are_each_reported_with_their_row_number():
    body = p.pos_csv("P1,店A,2026-01-28 13:00:00,completed,,,POS-BAG,帆布包,x,59.00,",
                     "P1,店A,2026-01-28 13:00:00,completed,,,POS-CUP,杯子,1,abc,",
                     "P2,店A,28/01/2026,completed,,,POS-BAG,帆布包,1,59.00,")
    adapter = ADAPTERS["pos"]
    raws = adapter.read(body=body, content_type="text/csv")
    problems = []
    for raw in raws:
        with pytest.raises(FieldProblem) as refused:
            adapter.to_canonical(raw)
        problems.extend(refused.value.problems)
    assert any(m.startswith("row 2: quantity") for m in problems)
    assert any(m.startswith("row 3: unit_price") for m in problems)
    assert any(m.startswith("row 4: ordered_at") for m in problems)


def test_pos_header_without_required_columns_is_refused():
    with pytest.raises(PayloadError, match="lacks required columns: 订单号"):
        read("pos", "门店,商品名称\n店A,包\n".encode(), content_type="text/csv")


def test_pos_columns_have_unique_keys_and_labels():
    assert len({c.key for c in POS_COLUMNS}) == len({c.label for c in POS_COLUMNS}) == len(
        POS_COLUMNS)


# --- bodies --------------------------------------------------------------------------------------
def test_big_integers_stay_exact_and_decimals_are_decimal():
    payload = parse_json(b'{"id": 5820982911946154508, "price": 0.1}')
    assert payload["id"] == 5820982911946154508
    assert payload["price"] == Decimal("0.1")


def test_malformed_json_names_where():
    with pytest.raises(PayloadError, match="Malformed JSON: Expecting"):
        parse_json(b'{"orderId": ')


def test_an_id_sent_as_a_decimal_number_is_refused():
    with pytest.raises(FieldProblem, match="ids must be strings or whole numbers"):
        read("jd", b'{"orderId": 3.00123456789e11, "orderState": "WAIT_SELLER_STOCK_OUT", '
                   b'"orderPayment": "1.00", "itemInfoList": []}')
