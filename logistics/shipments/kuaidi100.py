"""The Kuaidi100 client: subscribing a tracking number, and the electronic waybill (电子面单).

Both are form POSTs, standard library only, a timeout always; answers are read into plain
results, never exceptions for what the service said.

- Subscription (订阅, ``https://poll.kuaidi100.com/poll``): ``schema=json`` and ``param`` =
  ``{"company": <kuaidi100 code>, "number", "to", "key", "parameters": {"callbackurl",
  "salt", "resultv2": "4"}}``. Answer ``{"result": true, "returnCode": "200", "message":
  "提交成功"}``; ``501`` is "already subscribed" (taken as done); ``700``/``701``/``702``
  (bad request), ``600``/``601`` (account, key) are refusals; ``500`` or no answer: try later.
- Electronic waybill (``https://api.kuaidi100.com/label/order``): ``method=order``, ``key``,
  ``t`` (milliseconds), ``sign`` = upper-case MD5 of ``param`` + ``t`` + ``key`` + ``secret``,
  ``param`` = ``{"printType": "IMAGE", "partnerId", "partnerKey", "kuaidicom", "recMan":
  {"name", "mobile", "printAddr"}, "sendMan": {…}, "cargo", "count", "orderId", …}``. Answer
  ``{"success": true, "code": 200, "message": "success", "data": {"kuaidinum", "taskId",
  "label", …}}``; anything else is refused in its own words.
"""
from __future__ import annotations

import hashlib
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

MAX_ANSWER_BYTES = 256 * 1024
SUBSCRIBED_CODES = {"200", "501"}  # 501: this number is subscribed already
RETRY_CODES = {"500", "503"}


@dataclass(frozen=True)
class Answer:
    ok: bool
    retry: bool = False
    code: str = ""
    message: str = ""
    data: dict[str, Any] | None = None


def _post(url: str, form: dict[str, str]) -> tuple[int | None, bytes, str]:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(form).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    timeout = settings.ORDERHUB_KUAIDI100_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(MAX_ANSWER_BYTES), ""
    except urllib.error.HTTPError as answer:
        with answer:
            return answer.code, answer.read(MAX_ANSWER_BYTES), ""
    except (TimeoutError, socket.timeout):
        return None, b"", f"no answer within {timeout:g} s"
    except (urllib.error.URLError, OSError, ValueError) as problem:
        return None, b"", f"connection failed: {getattr(problem, 'reason', problem)}"


def _answer_json(status: int | None, body: bytes, error: str) -> dict[str, Any] | Answer:
    """The answer's JSON object, or the failed :class:`Answer` when there is none (no answer
    at all is tried again later, as is a server error)."""
    if status is None:
        return Answer(False, retry=True, message=error)
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Answer(False, retry=status >= 500, code=str(status),
                      message=f"HTTP {status}: not JSON")
    return data


def subscribe(*, company: str, number: str, to: str, callback_url: str) -> Answer:
    """Ask Kuaidi100 to follow ``number`` and push its trace to ``callback_url``."""
    param = {"company": company, "number": number, "to": to,
             "key": settings.ORDERHUB_KUAIDI100_KEY,
             "parameters": {"callbackurl": callback_url,
                            "salt": settings.ORDERHUB_KUAIDI100_SALT, "resultv2": "4"}}
    status, body, error = _post(settings.ORDERHUB_KUAIDI100_POLL_URL, {
        "schema": "json", "param": json.dumps(param, ensure_ascii=False, separators=(",", ":"))})
    data = _answer_json(status, body, error)
    if isinstance(data, Answer):
        return data
    code = str(data.get("returnCode", ""))
    message = str(data.get("message", ""))
    if code in SUBSCRIBED_CODES:
        return Answer(True, code=code, message=message)
    return Answer(False, retry=code in RETRY_CODES or status >= 500, code=code, message=message)


def label_sign(param: str, t: str) -> str:
    """The electronic waybill's signature: upper-case MD5 of param + t + key + secret."""
    text = f"{param}{t}{settings.ORDERHUB_KUAIDI100_KEY}{settings.ORDERHUB_KUAIDI100_SECRET}"
    return hashlib.md5(text.encode()).hexdigest().upper()


@dataclass(frozen=True)
class WaybillRequest:
    company: str  # Kuaidi100 code
    order_ref: str
    receiver_name: str
    receiver_phone: str
    receiver_address: str
    cargo: str
    count: int = 1


def waybill_order(request: WaybillRequest) -> Answer:
    """Ask Kuaidi100 for an electronic waybill; ``data["kuaidinum"]`` is the tracking number."""
    param = json.dumps({
        "printType": "IMAGE", "partnerId": settings.ORDERHUB_KUAIDI100_PARTNER_ID,
        "partnerKey": settings.ORDERHUB_KUAIDI100_PARTNER_KEY, "kuaidicom": request.company,
        "recMan": {"name": request.receiver_name, "mobile": request.receiver_phone,
                   "printAddr": request.receiver_address},
        "sendMan": {"name": settings.ORDERHUB_SHIPPER_NAME,
                    "mobile": settings.ORDERHUB_SHIPPER_PHONE,
                    "printAddr": settings.ORDERHUB_SHIPPER_ADDRESS},
        "cargo": request.cargo, "count": request.count, "orderId": request.order_ref,
    }, ensure_ascii=False, separators=(",", ":"))
    t = str(int(time.time() * 1000))
    status, body, error = _post(settings.ORDERHUB_KUAIDI100_LABEL_URL, {
        "method": "order", "key": settings.ORDERHUB_KUAIDI100_KEY, "t": t,
        "sign": label_sign(param, t), "param": param})
    data = _answer_json(status, body, error)
    if isinstance(data, Answer):
        return data
    payload = data.get("data") if isinstance(data.get("data"), dict) else {}
    number = str(payload.get("kuaidinum") or "").strip()
    if data.get("success") is True and str(data.get("code")) == "200" and number:
        return Answer(True, code="200", message=str(data.get("message", "")), data=payload)
    return Answer(False, retry=status >= 500, code=str(data.get("code", status)),
                  message=str(data.get("message") or "no tracking number in the answer"))
