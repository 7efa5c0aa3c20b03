"""Each role's daily task, end to end in a real browser (Debian's chromium through Playwright),
in Chinese at 1440 × 900, as the staff member does it (issue 13 item 10): only clicks, typing
and files, never a URL a person would not follow, and the database checked after.

``BROWSER_SCREENSHOTS=/some/dir`` keeps a screenshot of every step, to look at."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from finance.models import Statement, StatementLine
from logistics.models import FulfilmentRule
from logistics.shipments.models import Carrier
from orderhub.alerts.models import Alert
from orderhub.alerts.services import alert_raise
from orderhub.core.texts import render
from orders import services
from orders.models import GiftOrder, Hold, Order
from orders.state_machine import Status
from tests.browser import (  # noqa: F401 (the launch fixture)
    CHINESE_SCREEN,
    browser_type_launch_args,
    shot,
    sign_in,
)
from tests.factories import GiftOrderFactory, OrderFactory, OrderLineFactory
from tests.finance.bills import WechatRow, wechat_bill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("a_warehouse")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CHINESE_SCREEN}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def fits_the_screen(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440


def move(page, name: str) -> None:
    """Press the order page's button for the move ``name`` (its words are Chinese)."""
    page.locator(f'#order-transition-form button[value="{name}"]').click()


def test_customer_service_finds_holds_and_readdresses_an_order(live_server, page, make_user):
    # given a paid order whose buyer calls: hold it, she is moving to Shanghai
    order = OrderFactory(status=Status.PAID, receiver_name="陈静", receiver_phone="13712345678")
    sign_in(page, live_server, make_user("customer_service"))
    # when customer service types the phone, with spaces, into the header's search box
    page.fill("#header-search-q", "137 1234 5678")
    page.keyboard.press("Enter")
    # then the order opens
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.PAID)
    expect(page.locator("#content")).to_contain_text(order.hub_no)
    shot(page, "cs-1-found")
    # when she holds it with a reason
    page.fill("#hold-reason", "买家来电：暂缓发货，地址要改")
    page.locator("#order-hold-form button[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#order-holds")).to_contain_text("买家来电：暂缓发货，地址要改")
    shot(page, "cs-2-held")
    # and opens the address change from the order page and pastes what the buyer sent
    page.locator("#fulfilment-change-address").click()
    page.fill('textarea[name="pasted"]',
              "收货人：陈静 手机：137-1234-5678 上海市浦东新区世纪大道 100 号 8 楼")
    page.locator("[data-address-split]").click()
    # then the parts fill the fields, the selects too, and are shown to check
    parsed = page.locator("[data-address-parsed]")
    expect(parsed).to_be_visible()
    expect(parsed).to_contain_text("请核对")
    expect(parsed.locator('[data-part="district"]')).to_have_text("浦东新区")
    expect(page.locator('select[name="province"]')).to_have_value("上海市")
    expect(page.locator('select[name="city"]')).to_have_value("上海市")
    expect(page.locator('select[name="district"]')).to_have_value("浦东新区")
    expect(page.locator('input[name="address"]')).to_have_value("世纪大道 100 号 8 楼")
    expect(page.locator('input[name="phone"]')).to_have_value("13712345678")
    fits_the_screen(page)
    shot(page, "cs-3-parsed")
    # and nothing is saved before she confirms
    order.refresh_from_db()
    assert order.receiver_province == "浙江省"
    # when she picks another district by hand (the city list was refilled without a reload)
    page.evaluate("window.stillTheSamePage = true")
    page.select_option('select[name="district"]', "黄浦区")
    page.fill('input[name="reason"]', "买家搬家")
    page.locator('.submit-row input[type="submit"]').click()
    # then the order has the new address, still held, and the history says why
    expect(page.locator(".messagelist .success")).to_be_visible()
    shot(page, "cs-4-saved")
    order.refresh_from_db()
    assert (order.receiver_province, order.receiver_city, order.receiver_district,
            order.receiver_address) == ("上海市", "上海市", "黄浦区", "世纪大道 100 号 8 楼")
    assert order.on_hold and Hold.objects.filter(order=order, released_at__isnull=True).exists()
    with translation.override("en"):
        assert render(order.history.order_by("-history_id").first().history_change_reason) == \
            "address changed: 买家搬家"


def test_customer_service_corrects_the_receiver_on_the_order_page(live_server, page,
                                                                  make_user):
    # given a paid order and the buyer's new address pasted from a chat
    order = OrderFactory(status=Status.PAID)
    sign_in(page, live_server, make_user("customer_service"),
            next_url=f"/admin/orders/order/{order.pk}/change/")
    page.evaluate("window.stillTheSamePage = true")
    # when she changes the province by hand, the city and district lists follow, no reload
    page.select_option('select[name="receiver_province"]', "江苏省")
    expect(page.locator('select[name="receiver_city"] option[value="南京市"]')).to_have_count(1)
    page.select_option('select[name="receiver_city"]', "南京市")
    expect(page.locator('select[name="receiver_district"] option[value="鼓楼区"]')
           ).to_have_count(1)
    expect(page.locator('select[name="receiver_district"] option[value="西湖区"]')
           ).to_have_count(0)
    # and when she pastes the whole address instead and splits it
    page.fill('textarea[name="receiver_paste"]',
              "王芳 139 0000 1111 江苏南京鼓楼区中山路 1 号 2 单元")
    page.locator("[data-address-split]").click()
    parsed = page.locator("[data-address-parsed]")
    expect(parsed).to_contain_text("请核对")
    expect(page.locator('select[name="receiver_district"]')).to_have_value("鼓楼区")
    expect(page.locator('input[name="receiver_name"]')).to_have_value("王芳")
    expect(page.locator('input[name="receiver_phone"]')).to_have_value("13900001111")
    expect(page.locator('input[name="receiver_address"]')).to_have_value("中山路 1 号 2 单元")
    assert page.evaluate("window.stillTheSamePage") is True
    parsed.scroll_into_view_if_needed()
    fits_the_screen(page)
    shot(page, "cs-order-page-parsed")
    # then saving the page changes the receiver through the service
    page.locator('input[name="_save"]').click()
    expect(page.locator(".messagelist")).to_be_visible()
    order.refresh_from_db()
    assert (order.receiver_name, order.receiver_phone, order.receiver_province,
            order.receiver_city, order.receiver_district, order.receiver_address) == (
        "王芳", "13900001111", "江苏省", "南京市", "鼓楼区", "中山路 1 号 2 单元")
    with translation.override("en"):
        assert render(order.history.order_by("-history_id").first().history_change_reason) == \
            "address changed: edited in the admin"


def test_warehouse_picks_packs_with_the_gift_scan_and_hands_over(live_server, page,
                                                                 make_user):
    # given a paid order with a gift to put in the box, and SF Express as a carrier
    Carrier.objects.get_or_create(code="SF", defaults={
        "name": "顺丰速运", "name_en": "SF Express", "tracking_pattern": r"SF\d{12,13}|\d{12}"})
    order = OrderFactory(status=Status.PAID, paid_at=timezone.now())
    OrderLineFactory(order=order)
    gift = GiftOrderFactory(parent=order, sku="GIFT-MUG", title="马克杯")
    sign_in(page, live_server, make_user("warehouse"),
            next_url=f"/admin/orders/order/{order.pk}/change/")
    # when the picker starts picking, then packing
    move(page, "start_picking")
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.PICKING)
    move(page, "start_packing")
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.PACKING)
    # then the label cannot be printed before the gift is scanned
    expect(page.locator('[data-blocker="gift_scan"]')).to_be_visible()
    expect(page.locator('#order-transition-form button[value="print_label"]')).to_have_count(0)
    shot(page, "warehouse-1-packing")
    # when the packer scans the gift
    page.fill("#gift-code", "gift-mug")
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist .success")).to_contain_text(gift.hub_no)
    # then the label can be printed with its parcel (carrier and tracking number scanned),
    # and the parcel handed over to the courier
    shot(page, "warehouse-2-scanned")
    page.select_option('#label-form select[name="carrier"]', "SF")
    page.fill('#label-form input[name="tracking_no"]', "SF1234567890123")
    page.locator("#label-form button[type=submit]").click()
    expect(page.locator("#order-status")).to_have_attribute("data-status",
                                                            Status.AWAITING_PICKUP)
    shot(page, "warehouse-2-label")
    move(page, "hand_over")
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.IN_TRANSIT)
    fits_the_screen(page)
    shot(page, "warehouse-3-handed-over")
    order.refresh_from_db()
    assert order.status == Status.IN_TRANSIT
    assert GiftOrder.objects.get(pk=gift.pk).status != GiftOrder.GiftStatus.PENDING


def test_operations_adds_a_risk_rule_and_approves_the_order_it_holds(live_server, page,
                                                                     make_user):
    sign_in(page, live_server, make_user("operations"),
            next_url="/admin/logistics/fulfilmentrule/add/")
    # when operations writes the rule: paid over 5,000 to Xinjiang goes to risk review
    page.fill("#id_name", "新疆大额订单人工审核")
    page.fill("#id_priority", "10")
    page.select_option("#id_conditions-0-fact", "amount")
    page.select_option("#id_conditions-0-operator", "gt")
    page.fill("#id_conditions-0-value", "5000")
    page.locator("#conditions-group .add-row a").click()
    page.select_option("#id_conditions-1-fact", "province")
    page.select_option("#id_conditions-1-operator", "in")
    page.fill("#id_conditions-1-value", "新疆维吾尔自治区")
    page.select_option("#id_actions-0-kind", "risk_review")
    fits_the_screen(page)
    shot(page, "operations-1-rule")
    page.locator('input[name="_save"]').click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    rule = FulfilmentRule.objects.get(name="新疆大额订单人工审核")
    assert rule.conditions.count() == 2 and rule.actions.get().kind == "risk_review"
    # and a big order to Urumqi is paid
    order = OrderFactory(status=Status.PENDING_PAYMENT, paid_amount=Decimal("8000.00"),
                         goods_amount=Decimal("8000.00"), receiver_province="新疆维吾尔自治区",
                         receiver_city="乌鲁木齐市", receiver_district="天山区")
    OrderLineFactory(order=order)
    services.order_transition(order=order, name="pay", actor=None, reason="channel paid")
    order.refresh_from_db()
    assert order.status == Status.RISK_REVIEW
    # then operations finds it from the workbench and approves it
    page.goto(f"{live_server.url}/admin/")
    page.locator('[data-tile="orders.to_review"] a').click()
    page.get_by_role("link", name=order.hub_no, exact=True).click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.RISK_REVIEW)
    shot(page, "operations-2-review")
    page.fill("#transition-reason", "已电话核实买家")
    move(page, "approve")
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.PAID)
    fits_the_screen(page)
    shot(page, "operations-3-approved")
    order.refresh_from_db()
    assert order.status in (Status.PAID, Status.PICKING)


def test_finance_imports_a_wechat_bill_and_exports_the_board(live_server, page, make_user,
                                                             tmp_path):
    # given two paid orders of the mini-program and the day's WeChat Pay bill (type ALL)
    paid = timezone.make_aware(dt.datetime(2026, 1, 28, 9))
    exact = OrderFactory(status=Status.DELIVERED, hub_no="MP2026012800021",
                         payment_serial_no="4200001234202601280000000021",
                         paid_amount=Decimal("99.00"), paid_at=paid, placed_at=paid)
    OrderFactory(status=Status.DELIVERED, hub_no="MP2026012800022",
                 payment_serial_no="4200001234202601280000000022",
                 paid_amount=Decimal("199.00"), paid_at=paid, placed_at=paid)
    bill = tmp_path / "wechatpay_all_20260128.csv"
    bill.write_bytes(wechat_bill([
        WechatRow("4200001234202601280000000021", exact.hub_no, settled="99.00"),
        WechatRow("4200001234202601280000000022", "MP2026012800022", settled="199.00"),
        WechatRow("4200001234202601280000000099", "MP2026012800099", settled="50.00"),
    ]))
    sign_in(page, live_server, make_user("finance"),
            next_url="/admin/finance/statement/upload/")
    # when finance uploads it, leaving its kind to be detected, and previews it
    page.set_input_files("#id_file", str(bill))
    page.locator('.submit-row input[type="submit"]').click()
    expect(page.locator("#preview tbody tr")).to_have_count(3)
    expect(page.locator("#detected-source")).to_contain_text("微信")
    shot(page, "finance-1-preview")
    assert Statement.objects.count() == 0  # a dry run saves nothing
    # and imports it
    page.locator('#content-main form:has(input[name="token"]) input[type="submit"]').click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    fits_the_screen(page)
    shot(page, "finance-2-board")
    assert StatementLine.objects.count() == 3
    # then the board's export downloads what it shows
    with page.expect_download() as download:
        page.locator("a.oh-export").first.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    sheet = load_workbook(path).active
    serials = {str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value}
    assert {"4200001234202601280000000021", "4200001234202601280000000099"} <= serials


def test_manager_acknowledges_an_alert(live_server, page, make_user):
    # given an alert on a late order that climbed past the team lead to the managers
    order = OrderFactory(status=Status.PICKING)
    alert, _created = alert_raise(key="e2e-late", kind="sla", title=f"订单 {order.hub_no} 拣货超时",
                                  team="warehouse", notify=False, order=order,
                                  level=Alert.Level.DIRECTOR)
    manager = make_user("manager")
    sign_in(page, live_server, manager, next_url="/admin/alerts/alert/")
    # when the manager opens it from the inbox and acknowledges it
    row = page.locator("#result_list tbody tr", has_text=order.hub_no)
    expect(row).to_have_count(1)
    fits_the_screen(page)
    shot(page, "manager-1-inbox")
    row.locator("th a").first.click()
    expect(page.locator("#content")).to_contain_text("拣货超时")
    shot(page, "manager-2-alert")
    page.locator("button", has_text="确认").first.click()
    # then the inbox says so, and the alert stops climbing
    expect(page.locator(".messagelist .success")).to_be_visible()
    shot(page, "manager-3-acknowledged")
    alert.refresh_from_db()
    assert alert.status == Alert.AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by_id == manager.pk
    assert Order.objects.filter(pk=order.pk, status=Status.PICKING).exists()
