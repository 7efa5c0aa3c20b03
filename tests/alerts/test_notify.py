"""Alert deliveries: the DingTalk, Feishu and WeCom robot formats and signatures, checked on a
local HTTP server; e-mail through Django's mail backend; sent only after commit; failures
retried with backoff, recorded, and given up on."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.utils import translation

from orderhub.alerts.models import AlertDelivery, AlertEvent, NotificationTarget
from orderhub.alerts.notify.deliveries import alert_deliveries_send
from orderhub.alerts.services import alert_raise
from orderhub.core.texts import render
from tests.factories import OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rules")]

OK = (200, {"errcode": 0, "errmsg": "ok"})


class RobotServer:
    """A chat platform on 127.0.0.1: records each request, answers from a script."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                parts = urlsplit(self.path)
                server.requests.append({
                    "path": parts.path, "query": parse_qs(parts.query),
                    "content_type": self.headers["Content-Type"], "body": json.loads(raw),
                })
                status, answer = server.answers.pop(0) if server.answers else OK
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture
def robot():
    server = RobotServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def warehouse_target(transport: str, url: str, **kwargs) -> NotificationTarget:
    return NotificationTarget.objects.create(
        name=f"仓库群 {transport}", transport=transport, team="warehouse", webhook_url=url,
        **kwargs,
    )


def raise_alert(key: str = "sla:test:1"):
    """A level-1 warehouse alert on an order; its deliveries are planned, not yet sent."""
    order = OrderFactory(hub_no="JD2026012800042")
    alert, _created = alert_raise(key=key, kind="sla", title="JD2026012800042: Picking over "
                                  "its SLA (120 min)", message="2 h 1 min in picking.",
                                  order=order, team="warehouse")
    return alert


def hmac_base64(key: str, message: str) -> str:
    return base64.b64encode(
        hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    ).decode()


# --- the formats --------------------------------------------------------------------------------
def test_dingtalk_markdown_signed_in_the_query_string_and_sent_after_commit(
    robot, django_capture_on_commit_callbacks
):
    # given a signed DingTalk robot for the warehouse lead, mentioning a mobile
    secret = "SEC0123456789abcdef"
    warehouse_target("dingtalk", f"{robot.url}/robot/send?access_token=TOKEN1",
                     secret=secret, mention_mobiles="13800138000")
    before = time.time()
    # when an alert is raised, nothing is sent until the transaction commits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        alert = raise_alert()
        assert robot.requests == []
    assert len(callbacks) == 1
    # then DingTalk got the documented markdown message with timestamp and sign
    [request] = robot.requests
    timestamp = request["query"]["timestamp"][0]
    assert request["path"] == "/robot/send"
    assert request["query"]["access_token"] == ["TOKEN1"]
    assert before * 1000 - 1 <= int(timestamp) <= time.time() * 1000 + 1
    assert request["query"]["sign"] == [hmac_base64(secret, f"{timestamp}\n{secret}")]
    body = request["body"]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == f"[L1] {alert.title}"
    assert "JD2026012800042" in body["markdown"]["text"]
    assert "@13800138000" in body["markdown"]["text"]
    assert body["at"] == {"atMobiles": ["13800138000"], "isAtAll": False}
    assert request["content_type"].startswith("application/json")
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert alert.events.filter(kind=AlertEvent.Kind.NOTIFIED).count() == 1


def test_feishu_text_signed_in_the_body(robot):
    secret = "feishu-secret"
    warehouse_target("feishu", f"{robot.url}/open-apis/bot/v2/hook/abc-123", secret=secret)
    robot.answers = [(200, {"code": 0, "msg": "success", "data": {}})]
    alert = raise_alert()
    # when the deliveries are sent
    report = alert_deliveries_send()
    # then the body carries timestamp (seconds) and sign (HMAC keyed "timestamp\nsecret" over
    # an empty message)
    [request] = robot.requests
    body = request["body"]
    assert request["path"] == "/open-apis/bot/v2/hook/abc-123"
    assert set(body) == {"timestamp", "sign", "msg_type", "content"}
    assert abs(int(body["timestamp"]) - time.time()) < 5
    assert body["sign"] == hmac_base64(f"{body['timestamp']}\n{secret}", "")
    assert body["msg_type"] == "text"
    assert body["content"]["text"].startswith(f"[L1] {alert.title}\n")
    assert report.as_dict() == {"sent": 1, "retrying": 0, "failed": 0}


def test_wecom_text_with_mentions_and_no_signature(robot):
    warehouse_target("wecom", f"{robot.url}/cgi-bin/webhook/send?key=KEY-1",
                     mention_mobiles="13800138000,13900139000")
    alert = raise_alert()
    alert_deliveries_send()
    [request] = robot.requests
    assert request["query"] == {"key": ["KEY-1"]}
    assert request["body"] == {
        "msgtype": "text",
        "text": {"content": request["body"]["text"]["content"],
                 "mentioned_mobile_list": ["13800138000", "13900139000"]},
    }
    assert request["body"]["text"]["content"].startswith(f"[L1] {alert.title}")


def test_email_through_the_configured_mail_backend():
    NotificationTarget.objects.create(name="仓库主管", transport="email", team="warehouse",
                                      email_to="lead@example.com, deputy@example.com")
    alert = raise_alert()
    alert_deliveries_send()
    [message] = mail.outbox
    assert message.to == ["lead@example.com", "deputy@example.com"]
    assert message.subject == f"[L1] {alert.title}"
    assert "JD2026012800042" in message.body


# --- failures -----------------------------------------------------------------------------------
def test_a_failing_endpoint_is_retried_with_backoff_and_every_failure_recorded(robot):
    warehouse_target("dingtalk", f"{robot.url}/robot/send?access_token=T")
    robot.answers = [(500, {"error": "down"}),
                     (200, {"errcode": 310000, "errmsg": "keywords not in content"}), OK]
    alert = raise_alert()
    t0 = AlertDelivery.objects.get().next_attempt_at  # due as soon as it is planned
    # when the first attempt meets a 500
    alert_deliveries_send(now=t0)
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at == t0 + dt.timedelta(minutes=1)
    # then nothing is tried before the backoff has passed
    alert_deliveries_send(now=t0 + dt.timedelta(seconds=30))
    assert len(robot.requests) == 1
    # the second attempt is refused by the platform (recorded with its code), the third works
    alert_deliveries_send(now=t0 + dt.timedelta(minutes=1))
    delivery.refresh_from_db()
    assert "code 310000: keywords not in content" in delivery.last_error
    assert delivery.next_attempt_at == t0 + dt.timedelta(minutes=3)
    alert_deliveries_send(now=t0 + dt.timedelta(minutes=3))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (
        "sent", 3, t0 + dt.timedelta(minutes=3))
    assert list(alert.events.values_list("kind", flat=True)) == [
        "raised", "delivery_failed", "delivery_failed", "notified",
    ]


def test_after_the_last_attempt_the_delivery_is_given_up_and_shown(robot, settings):
    settings.ORDERHUB_ALERT_DELIVERY_ATTEMPTS = 2
    warehouse_target("wecom", f"{robot.url}/cgi-bin/webhook/send?key=K")
    robot.answers = [(502, {}), (502, {})]
    alert = raise_alert()
    t0 = AlertDelivery.objects.get().next_attempt_at
    alert_deliveries_send(now=t0)
    report = alert_deliveries_send(now=t0 + dt.timedelta(minutes=1))
    delivery = AlertDelivery.objects.get()
    assert report.failed == [delivery.pk]
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)
    note = alert.events.last().note
    assert note.startswith('§alerts.note.gave_up{"attempts":2,"error":"HTTP 502')
    with translation.override("en"):
        assert render(note).startswith("gave up on 仓库群 wecom after 2 attempts: HTTP 502")
    with translation.override("zh-hans"):
        assert render(note).startswith("向 仓库群 wecom 发送 2 次均失败，已放弃：HTTP 502")


def test_an_unreachable_robot_is_an_error_not_a_crash(robot):
    url = f"{robot.url}/robot/send?access_token=T"
    robot.httpd.shutdown()
    robot.httpd.server_close()
    warehouse_target("dingtalk", url)
    raise_alert()
    report = alert_deliveries_send()
    assert report.retrying and "cannot reach" in AlertDelivery.objects.get().last_error


def test_the_same_rung_is_never_delivered_twice():
    NotificationTarget.objects.create(name="lead", transport="email", team="warehouse",
                                      email_to="lead@example.com")
    alert = raise_alert()
    # when the same alert is raised again (another sweep) and deliveries run twice
    alert_raise(key=alert.key, kind="sla", title=alert.title, team="warehouse")
    alert_deliveries_send()
    alert_deliveries_send()
    # then one e-mail
    assert AlertDelivery.objects.count() == 1 and len(mail.outbox) == 1
