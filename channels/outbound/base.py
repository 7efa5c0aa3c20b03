"""Confirming a shipment to the platform an order came from: the contract of the outbound
adapters (one per platform, ``channels/outbound/<platform>.py``) and how an answer is read.

An adapter knows one platform's documented request (method, parameters, signature, envelope)
and its documented answers, and turns every answer into an :class:`Outcome` that says whether
trying the same request again can help:

- ``CONFIRMED``: the platform accepted the carrier and tracking number.
- ``RETRY``: the platform did not decide (no answer in time, a refused connection, HTTP 5xx or
  429, its own "busy" or "limited" codes, refused credentials that staff may renew): the sender
  tries again after a backoff.
- ``REFUSED``: the platform decided against this request (no code for the carrier, a code it
  refuses, a bad tracking number, an order it will not ship): the same request will be refused
  again, so the write-back fails at once and a person acts (fix the carrier table or the order)
  and retries it.
- ``ALREADY_SHIPPED``: the platform says the order is shipped already. Whether that is our own
  earlier attempt (whose answer was lost) or someone else's shipment is for the sender to judge
  from the write-back's history.

Adapters touch no database and never raise on a platform's answer; the HTTP call is handed in
(``send``), so the sender calls them with no transaction open and the tests with a local fake
platform. Secrets never leave an adapter except inside the signed request: answers are kept as
an excerpt with every secret blanked out (:meth:`ApiAccess.redact`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

BEIJING = ZoneInfo("Asia/Shanghai")
EXCERPT_CHARS = 2000


class Verdict(StrEnum):
    CONFIRMED = "confirmed"
    RETRY = "retry"
    REFUSED = "refused"
    ALREADY_SHIPPED = "already_shipped"


class Reason(models.TextChoices):
    """Why a write-back is not (or not yet) confirmed: a code, rendered in words at the edge."""

    NO_CONFIRMATION = "no_confirmation", _("The channel takes no shipping confirmation")
    WRITEBACK_OFF = "writeback_off", _("Write-back is off for this channel (no API access)")
    CHANNEL_REPORTED_SHIPPED = "channel_reported_shipped", _(
        "The channel itself reports the order shipped")
    ALREADY_CONFIRMED = "already_confirmed", _(
        "Another tracking number of the order is confirmed already")
    NO_TRACKING_NO = "no_tracking_no", _("The order has no tracking number")
    TIMEOUT = "timeout", _("The platform did not answer in time")
    UNREACHABLE = "unreachable", _("The platform could not be reached")
    SERVER_ERROR = "server_error", _("The platform answered with a server error")
    RATE_LIMITED = "rate_limited", _("The platform limits the calls for now")
    PLATFORM_BUSY = "platform_busy", _("The platform is busy or failed internally")
    BAD_ANSWER = "bad_answer", _("The platform's answer could not be read")
    ANSWER_LOST = "answer_lost", _("The sender stopped before the answer was recorded")
    CREDENTIALS = "credentials", _("The platform refused the channel's API credentials")
    UNKNOWN_CARRIER = "unknown_carrier", _("No platform code is known for the carrier")
    CARRIER_REFUSED = "carrier_refused", _("The platform refused the carrier code")
    ALREADY_SHIPPED = "already_shipped", _("The platform says the order is shipped already")
    ORDER_NOT_SHIPPABLE = "order_not_shippable", _(
        "The platform will not ship the order (cancelled, refunded or unknown)")
    INVALID_REQUEST = "invalid_request", _("The platform refused the request's parameters")
    PLATFORM_REFUSED = "platform_refused", _("The platform refused the confirmation")


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to. ``platform_code``/``platform_message`` are the platform's own
    words (e.g. TOP's sub_code and sub_msg); ``detail`` is ours (HTTP status, the exception)."""

    verdict: Verdict
    reason: str = ""
    platform_code: str = ""
    platform_message: str = ""
    detail: str = ""
    excerpt: str = ""
    http_status: int | None = None
    retry_after: float | None = None  # seconds, when the platform said how long to wait

    @property
    def summary(self) -> str:
        """One line for logs and the record: the platform's code and words, else ours."""
        words = " ".join(filter(None, [self.platform_code, self.platform_message]))
        return words or self.detail


def confirmed(**kwargs: Any) -> Outcome:
    return Outcome(Verdict.CONFIRMED, **kwargs)


def retry(reason: str, **kwargs: Any) -> Outcome:
    return Outcome(Verdict.RETRY, reason, **kwargs)


def refused(reason: str, **kwargs: Any) -> Outcome:
    verdict = Verdict.ALREADY_SHIPPED if reason == Reason.ALREADY_SHIPPED else Verdict.REFUSED
    return Outcome(verdict, reason, **kwargs)


# --- what goes out and what comes back ----------------------------------------------------------
@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class HttpAnswer:
    """The platform's answer; ``status`` is ``None`` when none came (``error`` says why)."""

    status: int | None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    error: str = ""
    timed_out: bool = False


Send = Callable[[HttpRequest], HttpAnswer]


@dataclass(frozen=True)
class ApiAccess:
    """A channel's API credentials as an adapter needs them (``ChannelApiAccess.as_access``).

    ``carrier_codes`` maps a hub carrier code (or a carrier's text) to the platform's code and
    wins over the adapter's table: a seller's account may use codes of its own.
    """

    base_url: str
    app_key: str = ""
    app_secret: str = ""
    access_token: str = ""
    carrier_codes: Mapping[str, str] = field(default_factory=dict)
    #: Platform parameters that are no secret: Amazon's marketplace_id, aws_region and
    #: aws_access_key_id, Shopee's shop_id.
    settings: Mapping[str, str] = field(default_factory=dict)
    #: A second secret where the platform signs with one (Amazon: the AWS secret access key).
    signing_secret: str = ""

    def redact(self, text: str) -> str:
        """``text`` with every secret of this access blanked out."""
        for secret in (self.app_secret, self.access_token, self.signing_secret):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "••••")
        return text

    def __repr__(self) -> str:  # never print a secret, even in a traceback
        return f"ApiAccess(base_url={self.base_url!r}, app_key={self.app_key!r})"


@dataclass(frozen=True)
class ShipConfirmation:
    """What is confirmed: the channel's own order number, the carrier (a hub carrier code, see
    ``carriers.py``) and the tracking number."""

    channel_order_no: str
    carrier: str
    tracking_no: str


# --- the adapter contract -----------------------------------------------------------------------
class OutboundAdapter:
    """Base of the per-platform outbound adapters."""

    platform: ClassVar[str]
    #: The documentation the request and the answers follow.
    documentation: ClassVar[tuple[str, ...]] = ()
    #: False where the platform has nothing to confirm (the seller's own channels).
    needs_confirmation: ClassVar[bool] = True
    #: The production endpoint, used when the channel's access names none.
    default_base_url: ClassVar[str] = ""
    #: Hub carrier code → the platform's code for that carrier.
    CARRIER_CODES: ClassVar[Mapping[str, str]] = {}

    def carrier_code(self, carrier: str, access: ApiAccess) -> str:
        """The platform's code for ``carrier`` ("" when none is known)."""
        return access.carrier_codes.get(carrier) or self.CARRIER_CODES.get(carrier, "")

    def confirm(self, shipment: ShipConfirmation, *, access: ApiAccess, send: Send,
                now: dt.datetime) -> Outcome:
        """Confirm the shipment to the platform: one documented request, its answer read."""
        if not self.base_url(access):
            return retry(Reason.CREDENTIALS, detail="the channel's API access names no base URL")
        code = self.carrier_code(shipment.carrier, access)
        if not code:
            return refused(Reason.UNKNOWN_CARRIER,
                           detail=f"no {self.platform} code for carrier {shipment.carrier!r}")
        answer = send(self.request(shipment, access=access, carrier_code=code, now=now))
        return self.read(answer, access=access)

    def request(self, shipment: ShipConfirmation, *, access: ApiAccess, carrier_code: str,
                now: dt.datetime) -> HttpRequest:  # pragma: no cover - abstract
        raise NotImplementedError

    def base_url(self, access: ApiAccess) -> str:
        return (access.base_url or self.default_base_url).rstrip("/")

    # --- reading an answer -----------------------------------------------------------------------
    def read(self, answer: HttpAnswer, *, access: ApiAccess) -> Outcome:
        """Transport and HTTP status first (the same for every platform), then the body."""
        parsed = self.parse(answer, access=access)
        if isinstance(parsed, Outcome):
            return parsed
        data, facts = parsed
        outcome = self.read_json(answer.status, data, answer.headers)
        return replace(outcome, platform_message=access.redact(outcome.platform_message),
                       **facts)

    def parse(self, answer: HttpAnswer, *,
              access: ApiAccess) -> Outcome | tuple[dict[str, Any], dict[str, Any]]:
        """The answer's JSON object and the facts every outcome keeps (excerpt, HTTP status),
        or the outcome itself when there is no JSON object to read."""
        if answer.status is None:
            reason = Reason.TIMEOUT if answer.timed_out else Reason.UNREACHABLE
            return retry(reason, detail=access.redact(answer.error))
        excerpt = access.redact(answer.body[:EXCERPT_CHARS * 2].decode("utf-8", "replace"))
        facts = {"excerpt": excerpt[:EXCERPT_CHARS], "http_status": answer.status}
        if answer.status == 429:
            return retry(Reason.RATE_LIMITED, detail="HTTP 429",
                         retry_after=retry_after_seconds(answer.headers), **facts)
        if answer.status >= 500:
            return retry(Reason.SERVER_ERROR, detail=f"HTTP {answer.status}", **facts)
        try:
            data = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if not isinstance(data, dict):
            if answer.status in (401, 403):
                return retry(Reason.CREDENTIALS, detail=f"HTTP {answer.status}", **facts)
            return retry(Reason.BAD_ANSWER, detail=f"HTTP {answer.status}: not a JSON object",
                         **facts)
        return data, facts

    def read_json(self, status: int, data: dict[str, Any],
                  headers: Mapping[str, str]) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """HTTP ``Retry-After`` in seconds (the delta-seconds form; dates are ignored)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def beijing_timestamp(now: dt.datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time, the timestamp TOP, JOS and 抖店 ask for."""
    return now.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def sorted_pairs(params: Mapping[str, str]) -> str:
    """``k1v1k2v2…`` over the non-empty parameters sorted by name (byte order)."""
    return "".join(f"{key}{params[key]}" for key in sorted(params) if params[key] != "")


def md5_sign(params: Mapping[str, str], secret: str) -> str:
    """Upper-case hex MD5 of ``secret + k1v1k2v2… + secret`` over every parameter but ``sign``:
    how TOP (``sign_method=md5``), JOS and Pinduoduo each document their signature."""
    return hashlib.md5((secret + sorted_pairs(params) + secret).encode()).hexdigest().upper()


def signed_form_post(url: str, params: dict[str, str], secret: str) -> HttpRequest:
    """A form POST of ``params`` with their :func:`md5_sign` added as ``sign``."""
    params = {**params, "sign": md5_sign(params, secret)}
    return HttpRequest("POST", url,
                       {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                       urlencode(params).encode())


# --- a platform's own words -> what a retry can do -------------------------------------------------
# Where a platform's codes alone do not say what went wrong (a generic "business error" with a
# message), its words do. The lists hold the platforms' usual wording, Chinese and English;
# checked in this order, so that "签名错误" is credentials and not a bad request.
_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Reason.RATE_LIMITED, ("频繁", "限流", "流控", "超限", "rate limit", "too many",
                           "frequency")),
    (Reason.PLATFORM_BUSY, ("繁忙", "系统异常", "系统错误", "服务不可用", "稍后重试", "超时",
                            "busy", "unavailable", "internal error", "timeout")),
    (Reason.CREDENTIALS, ("token", "授权", "签名", "session", "app_key", "appkey", "权限",
                          "signature", "permission", "unauthori")),
    (Reason.ALREADY_SHIPPED, ("已发货", "已经发货", "重复发货", "已出库", "已经出库",
                              "already shipped", "already consigned", "consigned")),
    (Reason.CARRIER_REFUSED, ("物流公司", "快递公司", "承运商", "company", "carrier",
                              "logistics_id", "logicoprid")),
    (Reason.ORDER_NOT_SHIPPABLE, ("取消", "关闭", "退款", "不存在", "不允许发货", "状态不",
                                  "cancel", "closed", "refund", "not exist", "not found")),
    (Reason.INVALID_REQUEST, ("参数", "运单号", "单号", "parameter", "invalid", "missing")),
)
_TRANSIENT = {Reason.RATE_LIMITED, Reason.PLATFORM_BUSY, Reason.CREDENTIALS}


def judge_words(*texts: str, code: str = "", message: str = "") -> Outcome:
    """The outcome a platform's error words point to (refused when none of them says more)."""
    haystack = " ".join(texts).lower()
    for reason, words in _WORDS:
        if any(word in haystack for word in words):
            make = retry if reason in _TRANSIENT else refused
            return make(reason, platform_code=code, platform_message=message)
    return refused(Reason.PLATFORM_REFUSED, platform_code=code, platform_message=message)
