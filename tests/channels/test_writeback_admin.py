"""The write-back in the admin: its list and page with the attempts, the card on the order page,
the retry (action and button) for those who may, and the channels' API access with masked
secrets."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from channels.writeback.models import ChannelApiAccess, WriteBack
from channels.writeback.services import writeback_request
from orders.models import Channel
from orders.state_machine import Status
from tests.channels.fake_platforms import SECRET, TOKEN
from tests.channels.writeback_kit import awaiting_pickup, connect

WB = WriteBack.WriteBackStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(platform, settings, django_capture_on_commit_callbacks):
    """A JD write-back refused by the platform (carrier code), one attempt on record."""
    fake = platform("jd").next("refuse_carrier")
    connect("jd", fake)
    order = awaiting_pickup("jd", status=Status.IN_TRANSIT)
    with django_capture_on_commit_callbacks(execute=True):
        writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="SF1234567890123")
    writeback = WriteBack.objects.get(order=order)
    assert writeback.status == WB.FAILED
    return writeback


def logged_in(client, make_user, role: str):
    client.force_login(make_user(role))
    return client


def order_page(client, writeback: WriteBack):
    return client.get(reverse("admin:orders_order_change", args=[writeback.order_id]))


def test_a_manager_sees_the_write_backs_their_attempts_and_the_api_access(
    client, make_user, failed
):
    client = logged_in(client, make_user, "manager")
    listing = client.get(reverse("admin:channels_writeback_changelist"))
    assert listing.status_code == 200
    assert failed.order.hub_no in listing.content.decode()
    page = client.get(reverse("admin:channels_writeback_change", args=[failed.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "物流公司ID不正确" in body and "The platform refused the carrier code" in body
    assert "refused" in body  # the attempt's outcome, in the inline
    for name in ("changelist", "add"):
        assert client.get(reverse(f"admin:channels_channelapiaccess_{name}")).status_code == 200


def test_the_order_page_shows_the_write_back_and_its_retry_button(client, make_user, failed):
    client = logged_in(client, make_user, "manager")
    body = order_page(client, failed).content.decode()
    assert 'id="order-writeback"' in body
    assert "SF1234567890123" in body and "物流公司ID不正确" in body
    assert reverse("admin:channels_writeback_retry", args=[failed.pk]) in body


@pytest.mark.parametrize("role, sees, may_retry", [
    ("operations", True, True), ("customer_service", True, False),
    ("warehouse", True, False), ("finance", False, False),
])
def test_who_sees_the_card_and_who_may_retry(client, make_user, failed, role, sees, may_retry):
    client = logged_in(client, make_user, role)
    page = order_page(client, failed)
    if page.status_code == 403:  # finance may not open orders at all
        assert not sees
        return
    body = page.content.decode()
    assert ('id="order-writeback"' in body) is sees
    retry_url = reverse("admin:channels_writeback_retry", args=[failed.pk])
    assert (retry_url in body) is may_retry
    answer = client.post(retry_url, {"next": "/admin/"})
    assert answer.status_code == (302 if may_retry else 403)
    failed.refresh_from_db()
    assert failed.status == (WB.PENDING if may_retry else WB.FAILED)


def test_the_retry_button_sends_it_again_and_returns_to_the_order(
    client, make_user, failed, django_capture_on_commit_callbacks
):
    client = logged_in(client, make_user, "operations")
    ChannelApiAccess.objects.filter(channel__code="jd").update(carrier_codes={"SF": "467"})
    order_url = reverse("admin:orders_order_change", args=[failed.order_id])
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("admin:channels_writeback_retry", args=[failed.pk]),
                             {"next": order_url})
    assert answer.status_code == 302 and answer["Location"] == order_url
    failed.refresh_from_db()
    assert failed.status == WB.CONFIRMED  # the fake platform took it this time
    assert failed.retried_by.groups.filter(name="operations").exists()


def test_the_retry_action_is_offered_to_those_who_may_use_it(client, make_user, failed):
    url = reverse("admin:channels_writeback_changelist")
    ops = logged_in(client, make_user, "operations")
    assert "retry_now" in dict(ops.get(url).context["action_form"].fields["action"].choices)
    answer = ops.post(url, {"action": "retry_now", "_selected_action": [failed.pk]})
    assert answer.status_code == 302
    failed.refresh_from_db()
    assert failed.status == WB.PENDING

    client.logout()
    cs = logged_in(client, make_user, "customer_service")
    assert cs.get(url).context["action_form"] is None  # no action is theirs


def test_the_api_access_keeps_secrets_masked_and_replaces_them(client, make_user):
    client = logged_in(client, make_user, "operations")
    channel = Channel.objects.get(code="pdd")
    answer = client.post(reverse("admin:channels_channelapiaccess_add"), {
        "channel": channel.pk, "writeback_enabled": "on", "base_url": "",
        "app_key": "client-id-1", "carrier_codes": '{"JTEXPRESS": "384"}',
        "new_app_secret": SECRET, "new_access_token": TOKEN,
    })
    assert answer.status_code == 302, answer.content.decode()[:2000]
    access = ChannelApiAccess.objects.get(channel=channel)
    assert (access.app_secret, access.access_token, access.carrier_codes) == (
        SECRET, TOKEN, {"JTEXPRESS": "384"})

    for url in (reverse("admin:channels_channelapiaccess_changelist"),
                reverse("admin:channels_channelapiaccess_change", args=[access.pk])):
        body = client.get(url).content.decode()
        assert SECRET not in body and TOKEN not in body
        assert "••••" + TOKEN[-4:] in body

    # saving without new secrets keeps them
    client.post(reverse("admin:channels_channelapiaccess_change", args=[access.pk]), {
        "channel": channel.pk, "writeback_enabled": "on", "base_url": "", "app_key": "x",
        "carrier_codes": "{}", "new_app_secret": "", "new_access_token": "",
    })
    access.refresh_from_db()
    assert (access.app_key, access.app_secret, access.access_token) == ("x", SECRET, TOKEN)


def test_customer_service_may_not_change_api_access(client, make_user):
    client = logged_in(client, make_user, "customer_service")
    assert client.get(reverse("admin:channels_channelapiaccess_add")).status_code == 403


def test_the_card_speaks_chinese(client, make_user, failed):
    client = logged_in(client, make_user, "manager")
    url = reverse("admin:orders_order_change", args=[failed.order_id])
    # (override: the request switches this thread's language; the block switches it back)
    with translation.override("en"):
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "向渠道回传发货" in body and "平台拒绝了快递公司编码" in body and "立即重试" in body
