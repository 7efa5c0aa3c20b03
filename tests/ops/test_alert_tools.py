"""Operations' tools for alerts: a test message to a target, the ladder's kinds as choices and
its warning when a rung notifies nobody."""
from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from orderhub.alerts.models import EscalationStep, NotificationTarget
from tests.alerts.test_notify import robot  # noqa: F401 (fixture: a chat platform on 127.0.0.1)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rules")]

TARGETS = reverse("admin:alerts_notificationtarget_changelist")
LADDER = reverse("admin:alerts_escalationstep_changelist")


@pytest.fixture
def operations(client, make_user):
    client.force_login(make_user("operations"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_test_message_reaches_the_robot_and_says_so(operations, robot):
    # given a DingTalk robot target
    target = NotificationTarget.objects.create(
        name="运营群", transport="dingtalk", webhook_url=f"{robot.url}/robot/send?access_token=T")

    # when operations sends it a test message from the list
    response = operations.post(TARGETS, {"action": "send_test", "_selected_action": [target.pk]},
                               follow=True)

    # then the robot got one markdown message, and the page says it was accepted, in Chinese
    [request] = robot.requests
    assert "测试消息" in request["body"]["markdown"]["title"]
    assert any("已被接受" in text and "运营群" in text for text in messages_of(response))


def test_a_refused_test_message_shows_the_reason(operations, robot):
    robot.answers.append((200, {"errcode": 310000, "errmsg": "keywords not in content"}))
    target = NotificationTarget.objects.create(
        name="仓库群", transport="dingtalk", webhook_url=f"{robot.url}/robot/send?access_token=T")
    response = operations.post(TARGETS, {"action": "send_test", "_selected_action": [target.pk]},
                               follow=True)
    [text] = [t for t in messages_of(response) if "仓库群" in t]
    assert "未能送达" in text and "keywords not in content" in text


def test_a_test_e_mail_is_sent(operations):
    target = NotificationTarget.objects.create(name="主管邮箱", transport="email",
                                               email_to="boss@example.com")
    operations.post(TARGETS, {"action": "send_test", "_selected_action": [target.pk]})
    [message] = mail.outbox
    assert message.to == ["boss@example.com"] and "测试消息" in message.subject


def test_roles_without_the_ladder_cannot_send_test_messages(client, make_user):
    client.force_login(make_user("warehouse"))
    target = NotificationTarget.objects.create(name="x", transport="email", email_to="a@b.cn")
    response = client.post(TARGETS, {"action": "send_test", "_selected_action": [target.pk]})
    assert response.status_code == 403 and mail.outbox == []


def test_the_ladder_kind_is_chosen_from_the_declared_kinds(operations):
    page = operations.get(reverse("admin:alerts_escalationstep_add")).content.decode()
    assert '<select name="kind"' in page and "包裹长时间无轨迹" in page
    # a typed code that no app declares is refused
    response = operations.post(reverse("admin:alerts_escalationstep_add"), {
        "kind": "slaa", "level": 1, "after_minutes": 0, "to_team_lead": "on"})
    assert response.status_code == 200 and not EscalationStep.objects.filter(kind="slaa").exists()


def test_the_ladder_warns_when_a_level_notifies_nobody(operations):
    # given a level-2 rung for silent parcels with no recipients
    response = operations.post(reverse("admin:alerts_escalationstep_add"), {
        "kind": "shipment_stale", "level": 2, "after_minutes": 30}, follow=True)

    # then saving it warns, and so does the ladder's list, in words
    assert EscalationStep.objects.filter(kind="shipment_stale", level=2).exists()
    warnings = [t for t in messages_of(response) if "无人接收" in t or "没有通知任何人" in t]
    assert warnings and "包裹长时间无轨迹" in warnings[0]
    listing = operations.get(LADDER)
    assert any("包裹长时间无轨迹" in t for t in messages_of(listing))
    # and once it has a recipient the warning is gone
    target = NotificationTarget.objects.create(name="总监", transport="email", email_to="d@x.cn")
    EscalationStep.objects.get(kind="shipment_stale", level=2).recipients.add(target)
    assert not any("包裹长时间无轨迹" in t for t in messages_of(operations.get(LADDER)))
