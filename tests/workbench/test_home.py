"""The admin's home page is the signed-in role's workbench: counts that link to the filtered
lists holding exactly those orders, the open alerts addressed to the role, the exception
centre."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from orderhub.alerts.models import Alert
from orderhub.alerts.services import alert_raise
from orderhub.workbench.registry import (
    COUNT_CAP,
    Tile,
    capped_count,
    register,
    registry,
    roles,
)
from orderhub.workbench.selectors import TileFigure, workbench_for
from orders.models import GiftOrder, Hold, Order
from orders.state_machine import Status
from tests.factories import GiftOrderFactory, OrderFactory

pytestmark = pytest.mark.django_db


def tiles_of(user) -> dict[str, int]:
    return {figure.tile.key: figure.count for figure in workbench_for(user).tiles}


@pytest.fixture
def floor():
    """A small order book: each number below is counted by hand from it."""
    now = timezone.now()
    late = now - dt.timedelta(hours=1)
    soon = now + dt.timedelta(hours=5)
    orders = {
        "paid": [OrderFactory(status=Status.PAID, ship_by=soon, state_due_at=soon)
                 for _ in range(3)],
        "paid_late": OrderFactory(status=Status.PAID, ship_by=late, state_due_at=late),
        "picking": [OrderFactory(status=Status.PICKING, state_due_at=late) for _ in range(2)],
        "packing_gift": OrderFactory(status=Status.PACKING, state_due_at=soon),
        "packing_scanned": OrderFactory(status=Status.PACKING, state_due_at=soon),
        "pickup": OrderFactory(status=Status.AWAITING_PICKUP),
        "review": OrderFactory(status=Status.RISK_REVIEW, state_due_at=late),
        "held": OrderFactory(status=Status.PAID, hold_reason="买家要求改地址"),
        "delivered": OrderFactory(status=Status.DELIVERED),
    }
    GiftOrderFactory(parent=orders["packing_gift"])
    scanned = GiftOrderFactory(parent=orders["packing_scanned"])
    GiftOrder.objects.filter(pk=scanned.pk).update(status=GiftOrder.GiftStatus.SCANNED)
    Hold.objects.create(order=orders["picking"][0], source=Hold.Source.OUT_OF_STOCK,
                        key="out_of_stock", reason="out of stock")
    return orders


def test_each_role_sees_its_own_counts(floor, make_user):
    # given the floor above, when each role opens its workbench
    warehouse = tiles_of(make_user("warehouse"))
    cs = tiles_of(make_user("customer_service"))
    ops = tiles_of(make_user("operations"))
    finance = tiles_of(make_user("finance"))
    manager = tiles_of(make_user("manager"))

    # then the warehouse counts its floor: 3 paid + 1 late + 1 held paid = 5 to pick, ...
    assert warehouse == {
        "orders.to_pick": 5, "orders.to_pack": 2, "orders.to_label": 2,
        "orders.to_hand_over": 1, "orders.gifts_to_scan": 1,
        # paid_late (due 1 h ago) and both picking orders; review is not in the warehouse yet
        "orders.warehouse_overdue": 3,
        # the board's open work: 5 paid, 2 picking, 2 packing, 1 awaiting the courier
        "logistics.board": 10,
    }
    # customer service: the held order and the out-of-stock one; one promise broken
    assert cs == {"orders.held": 2, "orders.past_ship_by": 1, "aftersales.to_answer": 0,
                  "aftersales.overdue": 0}
    # operations: one to review, 4 steps overdue (paid_late, 2 picking, review), no failures
    assert ops == {"orders.held": 2, "orders.past_ship_by": 1, "orders.to_review": 1,
                   "orders.overdue": 4, "channels.writebacks_failed": 0, "logistics.board": 10,
                   "aftersales.to_answer": 0, "aftersales.overdue": 0}
    assert finance == {"finance.red": 0, "finance.yellow": 0, "finance.no_money": 0}
    # the manager sees all of it
    assert set(manager) == set(warehouse) | set(cs) | set(ops) | set(finance)


def test_exception_centre_groups_stuck_orders_by_reason(floor, make_user):
    # when operations opens the workbench
    rows = {row.label: row.count for row in workbench_for(make_user("operations")).exceptions}
    # then holds count per source and overdue orders per step, in English here
    assert rows == {"Held: Staff": 1, "Held: Out of stock": 1, "Overdue: Picking": 2,
                    "Overdue: Paid": 1, "Overdue: Risk review": 1}


@pytest.mark.parametrize("role", ["customer_service", "warehouse", "operations", "finance",
                                  "manager"])
def test_every_link_opens_a_list_of_exactly_the_counted_orders(floor, make_user, client, role):
    # given a user of the role, signed in
    user = make_user(role)
    client.force_login(user)
    # when the user opens the home page and follows every tile
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    figures = workbench_for(user).tiles
    assert figures  # every staff role has work to see
    for figure in figures:
        assert f'data-tile="{figure.tile.key}" data-count="{figure.count}"' in html
        listed = client.get(figure.url, HTTP_ACCEPT_LANGUAGE="en")
        # then the list opens (no "?e=1" redirect for an unknown filter) with that many rows
        assert listed.status_code == 200, figure.url
        if figure.tile.key == "logistics.board":
            assert sum(work.total for work in listed.context["board"]) == figure.count
        else:
            assert listed.context["cl"].result_count == figure.count, figure.tile.key


def test_home_page_in_chinese_names_the_role_and_its_work(floor, make_user, client):
    client.force_login(make_user("warehouse"))
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for words in ("工作台", "仓库", "待拣货", "赠品待扫描", "异常中心"):
        assert words in html
    assert "View site" not in html and "查看站点" not in html


def test_view_site_leads_to_the_workbench(make_user, client):
    client.force_login(make_user("finance"))
    html = client.get("/admin/orders/order/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<a href="/admin/">\s*Workbench\s*</a>', html)


def test_open_alerts_addressed_to_the_role(make_user):
    # given alerts of two teams, one acknowledged
    warehouse_alert, _ = alert_raise(key="t-1", kind="sla", title="拣货超时", team="warehouse",
                                     notify=False)
    alert_raise(key="t-2", kind="finance_red_line", title="红色对账行", team="finance",
                notify=False)
    done, _ = alert_raise(key="t-3", kind="sla", title="已确认", team="warehouse", notify=False)
    Alert.objects.filter(pk=done.pk).update(status=Alert.AlertStatus.ACKNOWLEDGED)

    def feed(role):
        (alerts,) = [f for f in workbench_for(make_user(role)).feeds if f.feed.key == "alerts.open"]
        return [row.label for row in alerts.rows], alerts.total, urlsplit(alerts.more_url).query

    # then each role sees the open alerts of its team, the manager every open one
    assert feed("warehouse") == (["拣货超时"], 1, "status__exact=open&team__exact=warehouse")
    assert feed("finance") == (["红色对账行"], 1, "status__exact=open&team__exact=finance")
    assert feed("manager")[:2] == (["红色对账行", "拣货超时"], 2)
    assert warehouse_alert.status == Alert.AlertStatus.OPEN


def test_an_alert_stored_as_a_code_reads_as_words_on_the_home_page(make_user, client):
    # given an alert whose title is stored as a code with its parameters
    from orderhub.core.texts import encode
    title = encode("orders.alert.ship_by", hub_no="TB2026120400001", due="2026-12-04 10:00")
    alert_raise(key="t-code", kind="ship_by", title=title, team="warehouse", notify=False)
    client.force_login(make_user("warehouse"))

    # when the warehouse opens its home page, in Chinese and in English
    chinese = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then the alert reads as a sentence in each language, never as its stored code
    assert "§" not in chinese and "orders.alert.ship_by" not in chinese
    assert "TB2026120400001: not shipped by the promised 2026-12-04 10:00" in english
    assert "TB2026120400001" in chinese and "not shipped" not in chinese


def test_a_tile_needs_the_role_and_the_permission_of_its_list(make_user):
    # given a tile for the warehouse that links to a list only finance may open
    register(Tile(key="test.finance_only", label="x", count=lambda: 1, url=lambda: "/x",
                  roles=roles("warehouse"), permission="finance.view_statementline"))
    try:
        assert "test.finance_only" not in tiles_of(make_user("warehouse"))
        assert "test.finance_only" in tiles_of(make_user("manager"))
        # a user with no role sees nothing; a superuser reads the manager's bench
        assert tiles_of(make_user(None)) == {}
        assert "test.finance_only" in tiles_of(make_user(None, is_superuser=True))
    finally:
        registry.unregister("test.finance_only")


def test_counts_stop_at_the_cap_and_say_so(make_user, client):
    # given more orders to pack than a (lowered) cap
    for _ in range(4):
        OrderFactory(status=Status.PICKING)
    picking = Order.objects.filter(status=Status.PICKING)
    # then the count stops one past the cap, and the tile shows "cap+"
    assert capped_count(picking, cap=2) == 3
    assert capped_count(picking, cap=10) == 4
    figure = TileFigure(tile=registry.entries["orders.to_pack"], count=COUNT_CAP + 1, url="/")
    assert (figure.shown, figure.capped) == (COUNT_CAP, True)
