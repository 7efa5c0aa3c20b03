"""The couriers' push formats, read into :class:`TraceUpdate` (one per parcel).

Kuaidi100 (快递100 订阅推送, the callback of ``poll.kuaidi100.com/poll``): a form POST with
``param`` (JSON) and ``sign`` = upper-case MD5 of ``param`` + the salt given when subscribing.
``param`` is ``{"status": "polling"|"shutdown"|"abort"|"updateall", "billstatus", "message",
"lastResult": {"message", "state", "status", "condition", "ischeck", "com", "nu",
"data": [{"context", "time", "ftime", "status", "statusCode", "areaName", …}, …]}}`` with the
whole trace, newest line first; times are Beijing time ``YYYY-MM-DD HH:MM:SS``. ``state`` (and
each line's ``statusCode`` with ``resultv2=4``, or its ``status`` words with ``resultv2=1``)
is Kuaidi100's status code: 0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签, 5 派件, 6 退回, 7 转投,
8 and 10-13 清关, 14 拒签; sub-codes refine them (103 已揽收, 208 滞留, 204/206 派件异常 or
无法联系, 203 拒收, 301-304 签收, 501 投柜, …). The answer is
``{"result": true, "returnCode": "200", "message": "成功"}``; a refusal is ``"result": false``
with ``returnCode`` ``"500"`` and the reason (Kuaidi100 then pushes again later).

SF Express (顺丰开放平台 路由推送 ``RoutePushService``, JSON): ``{"Body": {"WaybillRoute": [{"id",
"mailno", "orderid", "acceptTime": "YYYY-MM-DD HH:MM:SS", "acceptAddress", "remark",
"opCode", "reasonCode", "reasonName"}, …]}}`` (up to 10 routes, incremental: each route node
once). The answer is ``{"return_code": "0000", "return_msg": "成功"}``; ``"1000"`` is a failure
(SF pushes the routes again). Route codes read here: 50/54 收件, 30/31/36/105/106/130 转运,
34/125 滞留, 44/204 派送中, 33/70 派送不成功 (70 with a refusal reason: 拒收), 80/8000 签收,
99/648 退回; any other code is kept in the trace and moves nothing.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from logistics.shipments.models import ShipmentEvent
from logistics.shipments.services import TraceLine, TraceUpdate
from orderhub.core.errors import ValidationFailed

Kind = ShipmentEvent.Kind
MAX_LINES = 500

# --- Kuaidi100 ------------------------------------------------------------------------------------
KUAIDI100_STATE_KINDS: dict[str, str] = {
    "0": Kind.IN_TRANSIT, "1": Kind.COLLECTED, "2": Kind.OTHER, "3": Kind.SIGNED,
    "4": Kind.RETURNED, "5": Kind.OUT_FOR_DELIVERY, "6": Kind.RETURNED, "7": Kind.IN_TRANSIT,
    "8": Kind.IN_TRANSIT, "10": Kind.IN_TRANSIT, "11": Kind.IN_TRANSIT, "12": Kind.IN_TRANSIT,
    "13": Kind.IN_TRANSIT, "14": Kind.REFUSED,
    # sub-codes (resultv2=4)
    "101": Kind.OTHER, "102": Kind.OTHER, "103": Kind.COLLECTED,
    "1001": Kind.IN_TRANSIT, "1002": Kind.IN_TRANSIT, "1003": Kind.IN_TRANSIT,
    "201": Kind.OTHER, "202": Kind.OTHER, "203": Kind.REFUSED, "204": Kind.FAILED_ATTEMPT,
    "205": Kind.OUT_FOR_DELIVERY, "206": Kind.FAILED_ATTEMPT, "207": Kind.FAILED_ATTEMPT,
    "208": Kind.SORTING_HOLD, "209": Kind.OTHER, "210": Kind.OTHER, "211": Kind.OTHER,
    "301": Kind.SIGNED, "302": Kind.SIGNED, "303": Kind.SIGNED, "304": Kind.SIGNED,
    "401": Kind.OTHER, "501": Kind.OUT_FOR_DELIVERY, "601": Kind.RETURNED,
}
# The same codes' words, as each line carries them with resultv2=1.
KUAIDI100_WORD_KINDS: dict[str, str] = {
    "在途": Kind.IN_TRANSIT, "揽收": Kind.COLLECTED, "疑难": Kind.OTHER, "签收": Kind.SIGNED,
    "退签": Kind.RETURNED, "派件": Kind.OUT_FOR_DELIVERY, "退回": Kind.RETURNED,
    "转投": Kind.IN_TRANSIT, "清关": Kind.IN_TRANSIT, "待清关": Kind.IN_TRANSIT,
    "清关中": Kind.IN_TRANSIT, "已清关": Kind.IN_TRANSIT, "清关异常": Kind.OTHER,
    "拒签": Kind.REFUSED, "滞留": Kind.SORTING_HOLD,
}


def beijing_time(text: Any, where: str) -> dt.datetime:
    """``YYYY-MM-DD HH:MM:SS`` in Beijing time (the hub's zone), as couriers write it."""
    try:
        naive = dt.datetime.strptime(str(text).strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ValidationFailed(f"{where}: '{text}' is not a time like 2026-01-28 10:15:02.") \
            from None
    return timezone.make_aware(naive)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def kuaidi100_param_read(param: str) -> tuple[str, TraceUpdate]:
    """``(push status, update)`` from a Kuaidi100 push's ``param``; ValidationFailed names
    what is wrong."""
    try:
        data = json.loads(param)
    except ValueError:
        raise ValidationFailed("param is not JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("lastResult"), dict):
        raise ValidationFailed("param has no lastResult object.")
    result = data["lastResult"]
    number = _text(result.get("nu"))
    if not number:
        raise ValidationFailed("lastResult.nu (the tracking number) is missing.")
    rows = result.get("data") or []
    if not isinstance(rows, list) or len(rows) > MAX_LINES:
        raise ValidationFailed(f"lastResult.data must be a list of at most {MAX_LINES} lines.")
    state = _text(result.get("state"))
    lines = []
    for index, row in enumerate(rows):
        where = f"lastResult.data[{index}]"
        if not isinstance(row, dict) or not _text(row.get("context")):
            raise ValidationFailed(f"{where} has no context.")
        code = _text(row.get("statusCode"))
        word = _text(row.get("status"))
        kind = KUAIDI100_STATE_KINDS.get(code) or KUAIDI100_WORD_KINDS.get(word)
        if kind is None:
            # Lines without a code of their own: the newest one is the parcel's state.
            kind = KUAIDI100_STATE_KINDS.get(state, Kind.OTHER) if index == 0 else Kind.OTHER
            code = code or (state if index == 0 else "")
        lines.append(TraceLine(
            at=beijing_time(row.get("ftime") or row.get("time"), where),
            description=_text(row.get("context")), kind=kind, courier_code=code or word,
            location=_text(row.get("areaName") or row.get("location"))))
    return _text(data.get("status")), TraceUpdate(
        tracking_no=number, lines=lines, carrier_hint=_text(result.get("com")))


# --- SF Express ---------------------------------------------------------------------------------
SF_OP_KINDS: dict[str, str] = {
    "50": Kind.COLLECTED, "54": Kind.COLLECTED,
    "30": Kind.IN_TRANSIT, "31": Kind.IN_TRANSIT, "36": Kind.IN_TRANSIT,
    "105": Kind.IN_TRANSIT, "106": Kind.IN_TRANSIT, "130": Kind.IN_TRANSIT,
    "34": Kind.SORTING_HOLD, "125": Kind.SORTING_HOLD,
    "44": Kind.OUT_FOR_DELIVERY, "204": Kind.OUT_FOR_DELIVERY,
    "33": Kind.FAILED_ATTEMPT, "70": Kind.FAILED_ATTEMPT,
    "80": Kind.SIGNED, "8000": Kind.SIGNED,
    "99": Kind.RETURNED, "648": Kind.RETURNED,
}
SF_REFUSAL_WORD = "拒收"


def sf_routes_read(body: bytes) -> list[TraceUpdate]:
    """One update per waybill in an SF route push; ValidationFailed names what is wrong."""
    try:
        data = json.loads(body)
    except ValueError:
        raise ValidationFailed("The body is not JSON.") from None
    routes = (data.get("Body") or {}).get("WaybillRoute") if isinstance(data, dict) else None
    if isinstance(routes, dict):
        routes = [routes]
    if not isinstance(routes, list) or not routes:
        raise ValidationFailed("Body.WaybillRoute is missing or empty.")
    if len(routes) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} routes in one push.")
    updates: dict[str, TraceUpdate] = {}
    for index, route in enumerate(routes):
        where = f"Body.WaybillRoute[{index}]"
        if not isinstance(route, dict):
            raise ValidationFailed(f"{where} is not an object.")
        number = _text(route.get("mailno"))
        op_code = _text(route.get("opCode"))
        remark = _text(route.get("remark"))
        if not number or not op_code or not remark:
            raise ValidationFailed(f"{where} needs mailno, opCode and remark.")
        kind = SF_OP_KINDS.get(op_code, Kind.OTHER)
        reason = _text(route.get("reasonName"))
        if kind == Kind.FAILED_ATTEMPT and SF_REFUSAL_WORD in f"{reason}{remark}":
            kind = Kind.REFUSED
        description = f"{remark}（{reason}）" if reason and reason not in remark else remark
        updates.setdefault(number, TraceUpdate(tracking_no=number, carrier_hint="SF")).lines \
            .append(TraceLine(at=beijing_time(route.get("acceptTime"), where),
                              description=description, kind=kind, courier_code=op_code,
                              location=_text(route.get("acceptAddress"))))
    return list(updates.values())
