"""Chat-group robot webhooks, in each platform's documented format.

- DingTalk custom robot: POST the webhook URL (``…/robot/send?access_token=…``) with
  ``{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atMobiles", "isAtAll"}}``.
  With signing on, ``timestamp`` (milliseconds) and ``sign`` are added to the query string:
  ``sign`` = URL-encoded Base64 of HMAC-SHA256 keyed with the secret over
  ``"<timestamp>\\n<secret>"``. A mentioned mobile must also appear as ``@mobile`` in the text.
  Success is ``{"errcode": 0}``.
- Feishu custom bot: POST ``{"msg_type": "text", "content": {"text"}}``; with signature
  verification on, the body also carries ``timestamp`` (seconds, a string) and ``sign`` =
  Base64 of HMAC-SHA256 keyed with ``"<timestamp>\\n<secret>"`` over an empty message.
  Success is ``{"code": 0}`` (older bots answer ``{"StatusCode": 0}``).
- WeCom group robot: POST the webhook URL (``…/webhook/send?key=…``) with
  ``{"msgtype": "text", "text": {"content", "mentioned_mobile_list"}}``; no signature (the key
  in the URL is the secret). Success is ``{"errcode": 0}``.

Timestamps are the real clock's: the platforms refuse signatures more than an hour off.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from orderhub.alerts.models import NotificationTarget

TIMEOUT_SECONDS = 10
Transport = NotificationTarget.Transport


class DeliveryError(Exception):
    """The message did not get through; the text says why (kept on the delivery row)."""


@dataclass(frozen=True)
class AlertText:
    """What a message says, in plain text and in Markdown."""

    title: str
    lines: tuple[str, ...]

    @property
    def plain(self) -> str:
        return "\n".join((self.title, *self.lines))

    @property
    def markdown(self) -> str:
        return "\n\n".join((f"### {self.title}", *(f"- {line}" for line in self.lines)))


@dataclass(frozen=True)
class RobotRequest:
    url: str
    body: dict

    def encoded(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def _hmac_base64(key: str, message: str) -> str:
    digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def dingtalk_sign(*, secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` before URL-encoding: the secret is the key."""
    return _hmac_base64(secret, f"{timestamp_ms}\n{secret}")


def feishu_sign(*, secret: str, timestamp: int) -> str:
    """Feishu's ``sign``: ``"<timestamp>\\n<secret>"`` is the key, the message is empty."""
    return _hmac_base64(f"{timestamp}\n{secret}", "")


def _with_query(url: str, params: dict[str, str]) -> str:
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}{urllib.parse.urlencode(params)}"


def dingtalk_request(target: NotificationTarget, text: AlertText, *, now: float) -> RobotRequest:
    mobiles = target.mobiles
    mentions = " ".join(f"@{mobile}" for mobile in mobiles)
    body = {
        "msgtype": "markdown",
        "markdown": {"title": text.title, "text": f"{text.markdown}\n\n{mentions}".rstrip()},
        "at": {"atMobiles": mobiles, "isAtAll": False},
    }
    url = target.webhook_url
    if target.secret:
        timestamp_ms = int(now * 1000)
        url = _with_query(url, {
            "timestamp": str(timestamp_ms),
            "sign": dingtalk_sign(secret=target.secret, timestamp_ms=timestamp_ms),
        })
    return RobotRequest(url, body)


def feishu_request(target: NotificationTarget, text: AlertText, *, now: float) -> RobotRequest:
    body: dict = {"msg_type": "text", "content": {"text": text.plain}}
    if target.secret:
        timestamp = int(now)
        body = {"timestamp": str(timestamp),
                "sign": feishu_sign(secret=target.secret, timestamp=timestamp), **body}
    return RobotRequest(target.webhook_url, body)


def wecom_request(target: NotificationTarget, text: AlertText, *, now: float) -> RobotRequest:
    content: dict = {"content": text.plain}
    if target.mobiles:
        content["mentioned_mobile_list"] = target.mobiles
    return RobotRequest(target.webhook_url, {"msgtype": "text", "text": content})


BUILDERS = {
    Transport.DINGTALK: dingtalk_request,
    Transport.FEISHU: feishu_request,
    Transport.WECOM: wecom_request,
}


def robot_request(target: NotificationTarget, text: AlertText, *, now: float | None = None):
    """The request to send ``text`` through the robot ``target``."""
    return BUILDERS[target.transport](target, text, now=time.time() if now is None else now)


def _refusal(transport: str, answer: dict) -> str | None:
    """The platform's own error in a 200 answer, or ``None`` when it accepted the message."""
    if transport == Transport.FEISHU:
        code = answer.get("code", answer.get("StatusCode"))
        message = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code, message = answer.get("errcode"), answer.get("errmsg", "")
    if code == 0:
        return None
    return f"{transport} refused the message: code {code}: {message}"


def robot_post(target: NotificationTarget, text: AlertText) -> None:
    """Post ``text`` to the robot; raises :class:`DeliveryError` with the reason if refused."""
    request = robot_request(target, text)
    http_request = urllib.request.Request(
        request.url, data=request.encoded(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(http_request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from the {target.transport} robot: "
                            f"{exc.read()[:200].decode('utf-8', 'replace')}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"cannot reach the {target.transport} robot: "
                            f"{getattr(exc, 'reason', exc)}") from None
    try:
        answer = json.loads(raw)
    except ValueError:
        raise DeliveryError(f"the {target.transport} robot answered something that is not "
                            f"JSON: {raw[:200]!r}") from None
    if not isinstance(answer, dict):
        raise DeliveryError(f"unexpected answer from the {target.transport} robot: {answer!r}")
    refusal = _refusal(target.transport, answer)
    if refusal:
        raise DeliveryError(refusal)

