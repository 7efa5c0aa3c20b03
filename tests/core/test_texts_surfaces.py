"""Where stored texts are read: the admin (lists, change pages, history as sentences), the API by
``Accept-Language`` (zh-hans by default) and alert messages in the target's language."""
from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orderhub.alerts.models import Alert, NotificationTarget
from orderhub.alerts.notify.deliveries import alert_text
from orderhub.alerts.services import alert_raise
from orders import texts as order_texts
from orders.holds import order_hold, order_release_hold
from orders.services import order_start_picking
from orders.state_machine import Status
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_order(manager):
    order = OrderFactory(status=Status.PAID)
    order_hold(order=order, actor=manager, reason="买家要求改地址")
    order_release_hold(order=order, actor=manager, reason="地址已确认")
    order_start_picking(order=order, actor=manager)  # no reason: the move's own words
    return order


def api_client(user, language: str | None) -> APIClient:
    client = APIClient(**({"HTTP_ACCEPT_LANGUAGE": language} if language else {}))
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_renders_stored_texts_in_the_asked_language_zh_hans_by_default(
        settings, manager, held_order):
    settings.LANGUAGE_CODE = "zh-hans"
    url = f"/api/orders/{held_order.hub_no}/"
    reasons = {}
    for language in ("en", "zh-hans", None):
        body = api_client(manager, language).get(url).json()
        reasons[language] = [entry["reason"] for entry in body["history"]][1:]
    assert reasons["en"] == ["hold: 买家要求改地址", "release: 地址已确认", "Start picking"]
    assert reasons["zh-hans"] == ["暂停：买家要求改地址", "解除暂停：地址已确认", "开始拣货"]
    assert reasons[None] == reasons["zh-hans"]
    assert not any(reason.startswith("§") for reason in reasons["en"])


def test_alerts_read_in_the_api_language_and_in_the_targets_language(settings, manager):
    order = OrderFactory(status=Status.PICKING)
    alert, _ = alert_raise(key="t:1", kind="address_changed", order=order, team="warehouse",
                           title=order_texts.ADDRESS_CHANGED_TITLE.encode(hub_no=order.hub_no),
                           message=order_texts.REFUND_MESSAGE.encode(reason="拍错了"))
    body = api_client(manager, "zh-hans").get(f"/api/alerts/?order={order.hub_no}").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert rows[0]["title"] == f"订单 {order.hub_no}：拣货开始后修改了地址（已暂停）"
    # the chat robot's message, in the target's language (zh-hans unless set otherwise)
    assert NotificationTarget._meta.get_field("language").default == "zh-hans"
    chinese = alert_text(alert, language="zh-hans")
    english = alert_text(alert, language="en")
    assert chinese.title == f"[L1] 订单 {order.hub_no}：拣货开始后修改了地址（已暂停）"
    assert "买家申请退款（拍错了），订单已暂停。" in chinese.plain and "负责团队：仓库" in chinese.plain
    assert english.title.endswith("address changed after picking started (held)")
    assert "warehouse" not in chinese.plain


def test_the_admin_lists_and_pages_show_stored_texts_in_chinese(settings, manager):
    settings.LANGUAGE_CODE = "zh-hans"
    order = OrderFactory(status=Status.PICKING)
    alert, _ = alert_raise(key="t:2", kind="address_changed", order=order, team="warehouse",
                           title=order_texts.ADDRESS_CHANGED_TITLE.encode(hub_no=order.hub_no))
    client = Client()
    client.force_login(manager)
    # (the inbox list opens on what is addressed to the reader; the alert's own page always shows)
    for url in (f"/admin/alerts/alert/{alert.pk}/change/",):
        html = client.get(url).content.decode()
        assert "拣货开始后修改了地址" in html, url
        assert "§orders.alert" not in html, url


def test_the_history_page_reads_as_sentences_with_local_times(settings, manager, held_order):
    settings.LANGUAGE_CODE = "zh-hans"
    manager.first_name, manager.last_name = "张三", ""
    manager.save()
    client = Client()
    client.force_login(manager)
    html = client.get(f"/admin/orders/order/{held_order.pk}/history/").content.decode()
    # the move: status from its label to its label, with the reason, by whom
    rows = html.split('id="change-history"')[1].split("</table>")[0].split("<tr>")
    moved = [row for row in rows if "将状态从 已支付 改为 仓库拣货" in row]
    assert len(moved) == 1 and "张三 将" in moved[0] and "（原因：开始拣货）" in moved[0]
    held = [row for row in rows if "将已拦截从 否 改为 是" in row]
    assert len(held) == 1 and "（原因：暂停：买家要求改地址）" in held[0]
    for raw in ("picking", "False", "True", "§"):
        assert raw not in html.split('id="change-history"')[1].split("</table>")[0], raw
    latest = held_order.history.order_by("-history_id").first()
    local = latest.history_date.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in html


def test_an_alert_kind_level_or_status_is_never_stored_in_the_alert_as_words(manager):
    order = OrderFactory(status=Status.PICKING)
    alert, _ = alert_raise(key="t:3", kind="x", order=order,
                           title=order_texts.SLA_TITLE.encode(hub_no="JD1", status=Status.PICKING,
                                                              minutes=120))
    stored = Alert.objects.get(pk=alert.pk).title
    assert stored.startswith("§orders.alert.sla") and "Picking" not in stored
