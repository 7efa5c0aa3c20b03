"""Pinduoduo after-sales: ``pdd.refund.information.get`` (one case, the object under
``refund_information_get_response``) and ``pdd.refund.list.increment.get`` (changed cases,
``refund_increment_get_response.refund_list[]``), or the bare objects.

The two APIs differ and are read as documented: the detail has ``refund_amount`` in fen (an
integer) and ``after_sales_reason``; the list has ``refund_amount`` in yuan (a string),
``after_sale_reason`` and ``created_time``. A bare object is told apart by which reason field
it carries. ``after_sales_type``: 1 refund only, 2 return and refund, 3 exchange, 4 resend (补寄),
5 repair (kept as a return); ``after_sales_status`` per the platform's table (below);
``expire_time`` is when the platform decides for a seller who has not answered.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.adapters.fields import (
    FieldProblem,
    beijing_time,
    fen,
    get,
    id_str,
    quantity,
    text,
    unix_seconds,
    yuan,
)

from aftersales.adapters.common import mapped, unwrap
from aftersales.services import CaseInput, CaseLineInput
from aftersales.state_machine import CaseStatus, Kind

PATHS = (("refund_information_get_response",), ("refund_increment_get_response", "refund_list"))
KINDS = {"1": Kind.REFUND_ONLY, "2": Kind.RETURN, "3": Kind.EXCHANGE, "4": Kind.RESEND,
         "5": Kind.RETURN}
S = CaseStatus
STATUS = {
    "2": S.REQUESTED, "3": S.REQUESTED, "4": S.APPROVED, "5": S.APPROVED, "6": S.REJECTED,
    "7": S.AWAITING_RETURN, "8": S.REQUESTED, "9": S.REJECTED, "10": S.REFUNDED,
    "11": S.WITHDRAWN, "12": S.WITHDRAWN, "13": S.WITHDRAWN, "14": S.REQUESTED,
    "15": S.AWAITING_RETURN, "16": S.RESHIPPED, "17": S.REJECTED, "18": S.RESHIPPED,
    "21": S.REQUESTED, "22": S.AWAITING_RETURN, "24": S.WITHDRAWN, "25": S.CLOSED,
    "27": S.RESHIPPED, "31": S.APPROVED, "32": S.APPROVED,
}


def _is_case(obj: Mapping) -> bool:
    return "order_sn" in obj and "after_sales_status" in obj


def read(item: Any) -> list[CaseInput]:
    return [_case(obj, where) for obj, where in unwrap(item, paths=PATHS, is_case=_is_case,
                                                       where="body")]


def _time(value: Any, where: str):
    """Pinduoduo sends times as 'yyyy-MM-dd HH:mm:ss' or as Unix seconds, by API version."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return unix_seconds(value, where)
    return beijing_time(value, where)


def _case(obj: Mapping, where: str) -> CaseInput:
    problems = []

    def field(reader, key, *args):
        try:
            return reader(get(obj, key, where), f"{where}.{key}", *args)
        except FieldProblem as problem:
            problems.extend(problem.problems)
            return None

    from_list = "after_sale_reason" in obj  # the increment list's own field name
    case_no = field(id_str, "id")
    order_no = field(id_str, "order_sn")
    amount = field(yuan if from_list else fen, "refund_amount")
    requested = field(_time, "created_time" if from_list else "recreated_at")
    deadline = field(_time, "expire_time") if obj.get("expire_time") else None
    count = field(quantity, "goods_number") if obj.get("goods_number") not in (None, "") else 1
    try:
        kind = mapped(KINDS, obj.get("after_sales_type"), f"{where}.after_sales_type",
                      "Pinduoduo after-sales type")
    except FieldProblem as problem:
        problems.extend(problem.problems)
        kind = None
    try:
        status = mapped(STATUS, obj.get("after_sales_status"), f"{where}.after_sales_status",
                        "Pinduoduo after-sales status")
    except FieldProblem as problem:
        problems.extend(problem.problems)
        status = None
    if problems:
        raise FieldProblem(*problems)
    reason = text(obj.get("after_sale_reason" if from_list else "after_sales_reason"))
    return CaseInput(
        channel_case_no=case_no, channel_order_no=order_no, kind=kind, status=status,
        channel_status=str(obj.get("after_sales_status")), amount=amount,
        # Pinduoduo's APIs carry the reason the buyer picked, not a description of their own.
        buyer_words="", platform_reason=reason, requested_at=requested, deadline=deadline,
        return_tracking_no=text(obj.get("tracking_number") or obj.get("express_no")),
        return_carrier=text(obj.get("shipping_name")),
        lines=[CaseLineInput(title=text(obj.get("goods_name")), quantity=count,
                             sku=text(obj.get("outer_id")), channel_sku=text(obj.get("sku_id")))],
        raw=dict(obj),
    )
