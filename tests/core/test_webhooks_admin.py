"""The webhooks admin: every subscription for managers (secrets and URL tokens masked), each
delivery with its body and attempts, the actions (re-enable, retry, ping) and the add form.
(That the app imports no domain app is held by tests/test_layers.py.)"""
from __future__ import annotations

import pytest
from django.utils import timezone, translation

from orderhub.core.texts import is_encoded, render
from orderhub.webhooks.models import Delivery, DeliveryAttempt, Subscription
from tests.core.conftest import SECRET
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
URL = "https://hooks.erp.example/orderhub"


@pytest.fixture(autouse=True)
def public_dns(fake_dns):
    fake_dns["hooks.erp.example"] = ["93.184.216.34"]
    return fake_dns


@pytest.fixture
def owned(make_user):
    """Two integrators' subscriptions, one with a delivery and its attempts."""
    first = Subscription.objects.create(owner=make_user("integrator", username="erp"), url=URL,
                                        secret=SECRET, events=["order.created"])
    Subscription.objects.create(owner=make_user("integrator", username="wms"),
                                url="https://other.erp.example/x?token=abc",
                                secret="another-secret-of-wms-0000", events=["order.held"])
    order = OrderFactory()
    delivery = Delivery.objects.create(
        subscription=first, event_id=7, event_type="order.created", order_id=order.pk,
        body='{"id":"evt_7","type":"order.created"}', status="failed", attempts=2)
    for number, code in ((1, 500), (2, 503)):
        DeliveryAttempt.objects.create(delivery=delivery, number=number, at=timezone.now(),
                                       duration_ms=12, status_code=code,
                                       response_excerpt=f"upstream {code}", error=f"HTTP {code}")
    return first, delivery


def test_a_manager_sees_every_subscription_masked(client, manager, owned):
    client.force_login(manager)
    page = client.get("/admin/webhooks/subscription/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "hooks.erp.example" in html and "other.erp.example/x?…" in html
    assert "token=abc" not in html and SECRET not in html
    detail = client.get(f"/admin/webhooks/subscription/{owned[0].pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "••••" + SECRET[-4:] in html and SECRET not in html
    assert f"/admin/webhooks/delivery/{owned[1].pk}/change/" in html


def test_a_delivery_shows_its_body_and_every_attempt_with_the_answer(client, manager, owned):
    client.force_login(manager)
    page = client.get(f"/admin/webhooks/delivery/{owned[1].pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "upstream 500" in html and "upstream 503" in html and "evt_7" in html
    listing = client.get("/admin/webhooks/delivery/", {"subscription__id__exact": owned[0].pk})
    assert listing.status_code == 200
    assert f"/admin/webhooks/delivery/{owned[1].pk}/change/" in listing.content.decode()


def test_admin_actions_retry_re_enable_and_ping(client, manager, owned, settings):
    subscription, delivery = owned
    client.force_login(manager)
    Subscription.objects.filter(pk=subscription.pk).update(is_active=False,
                                                           disabled_reason="failing")
    response = client.post("/admin/webhooks/subscription/", {
        "action": "enable", "_selected_action": [subscription.pk]}, follow=True)
    assert "1 subscription re-enabled" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.disabled_reason == ""
    response = client.post("/admin/webhooks/delivery/", {
        "action": "retry", "_selected_action": [delivery.pk]}, follow=True)
    assert "1 delivery will be tried again now" in response.content.decode()
    response = client.post("/admin/webhooks/subscription/", {
        "action": "ping", "_selected_action": [subscription.pk]}, follow=True)
    assert "1 test ping queued" in response.content.decode()
    assert Delivery.objects.filter(event_type="ping", subscription=subscription).exists()


def test_a_manager_adds_a_subscription_and_sees_its_secret_once(client, manager, make_user):
    integrator = make_user("integrator", username="erp")
    client.force_login(manager)
    assert client.get("/admin/webhooks/subscription/add/").status_code == 200
    refused = client.post("/admin/webhooks/subscription/add/", {
        "owner": integrator.pk, "url": "http://127.0.0.1/x", "events": ["order.created"]})
    assert refused.status_code == 200 and "a loopback address" in refused.content.decode()
    response = client.post("/admin/webhooks/subscription/add/", {
        "owner": integrator.pk, "url": URL, "events": ["order.created", "order.held"]},
        follow=True)
    subscription = Subscription.objects.get()
    assert subscription.secret in response.content.decode()
    assert subscription.events == ["order.created", "order.held"]


def test_operations_see_and_customer_service_do_not(client, make_user, owned):
    client.force_login(make_user("operations"))
    assert client.get("/admin/webhooks/subscription/").status_code == 200
    assert client.get("/admin/webhooks/delivery/").status_code == 200
    client.force_login(make_user("customer_service"))
    assert client.get("/admin/webhooks/subscription/").status_code == 403


def test_the_admin_speaks_chinese(client, manager, owned):
    client.force_login(manager)
    page = client.get("/admin/webhooks/delivery/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "Webhook 投递" in html and "立即重试已放弃的投递" in html
    page = client.get(f"/admin/webhooks/subscription/{owned[0].pk}/change/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "最近投递" in page.content.decode() and "健康状况" in page.content.decode()
    # the event types read by their labels, their codes (the contract's) as small print
    page = client.get("/admin/webhooks/subscription/add/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "订单状态变更 <small><code>order.status_changed</code></small>" in page.content.decode()
    page = client.get("/admin/webhooks/subscription/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "订单被拦截" in page.content.decode()



def test_switching_off_in_the_admin_stores_who_and_why_as_a_code(client, manager, owned):
    # given an active subscription
    subscription, _delivery = owned
    client.force_login(manager)
    # when staff switch it off in the admin
    client.post("/admin/webhooks/subscription/", {
        "action": "disable", "_selected_action": [subscription.pk]}, follow=True)
    # then the reason is a code, read in each reader's language (the admin's page in Chinese)
    subscription.refresh_from_db()
    assert not subscription.is_active and is_encoded(subscription.disabled_reason)
    with translation.override("en"):
        assert render(subscription.disabled_reason) == (
            f"switched off by {manager.get_username()}: in the admin")
    with translation.override("zh-hans"):
        assert render(subscription.disabled_reason) == (
            f"由 {manager.get_username()} 停用：在后台操作")
    page = client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "在后台操作" in page.content.decode() and "§" not in page.content.decode()
