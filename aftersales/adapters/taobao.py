"""Taobao / Tmall refunds, TOP API: ``taobao.refund.get`` (one refund, the
``refund_get_response.refund`` object) and ``taobao.refunds.receive.get`` (the refunds a seller
received, ``refunds_receive_get_response.refunds.refund[]``), or the bare ``Refund`` objects.

Fields of TOP's Refund structure read here: ``refund_id``, ``tid`` (the trade), ``status``
(WAIT_SELLER_AGREE, WAIT_BUYER_RETURN_GOODS, WAIT_SELLER_CONFIRM_GOODS, SELLER_REFUSE_BUYER,
CLOSED, SUCCESS), ``refund_fee`` and ``total_fee`` (yuan strings), ``has_good_return``,
``reason`` (the reason the buyer picked from the platform's list), ``desc`` (the buyer's own
words), ``created`` (Beijing time), ``title``, ``num``, ``outer_id``, ``sku``,
``company_name`` and ``sid`` (the return parcel) and ``refund_remind_timeout.timeout`` (when
the platform acts if the seller does not).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.adapters.fields import (
    FieldProblem,
    beijing_time,
    get,
    id_str,
    quantity,
    text,
    yuan,
)

from aftersales.adapters.common import mapped, unwrap
from aftersales.services import CaseInput, CaseLineInput
from aftersales.state_machine import CaseStatus, Kind

PATHS = (("refund_get_response", "refund"), ("refunds_receive_get_response", "refunds", "refund"))
STATUS = {
    "WAIT_SELLER_AGREE": CaseStatus.REQUESTED,
    "WAIT_BUYER_RETURN_GOODS": CaseStatus.AWAITING_RETURN,
    "WAIT_SELLER_CONFIRM_GOODS": CaseStatus.RETURNED,
    # The seller refused; the buyer may change the request or ask the platform to step in.
    "SELLER_REFUSE_BUYER": CaseStatus.REJECTED,
    "CLOSED": CaseStatus.WITHDRAWN,
    "SUCCESS": CaseStatus.REFUNDED,
}


def _is_refund(obj: Mapping) -> bool:
    return "refund_id" in obj


def read(item: Any) -> list[CaseInput]:
    return [_case(obj, where) for obj, where in unwrap(item, paths=PATHS, is_case=_is_refund,
                                                       where="body")]


def _case(refund: Mapping, where: str) -> CaseInput:
    problems = []

    def field(reader, key, *args, **kwargs):
        try:
            return reader(get(refund, key, where), f"{where}.{key}", *args, **kwargs)
        except FieldProblem as problem:
            problems.extend(problem.problems)
            return None

    case_no = field(id_str, "refund_id")
    order_no = field(id_str, "tid")
    status_code = text(refund.get("status"))
    try:
        status = mapped(STATUS, status_code, f"{where}.status", "Taobao refund status")
    except FieldProblem as problem:
        problems.extend(problem.problems)
        status = None
    amount = field(yuan, "refund_fee")
    total = field(yuan, "total_fee")
    created = field(beijing_time, "created")
    remind = refund.get("refund_remind_timeout")
    deadline = None
    if isinstance(remind, Mapping) and remind.get("exist_timeout") not in (False, "false"):
        try:
            deadline = beijing_time(remind.get("timeout"),
                                    f"{where}.refund_remind_timeout.timeout")
        except FieldProblem as problem:
            problems.extend(problem.problems)
    num = refund.get("num")
    count = field(quantity, "num") if num not in (None, "") else 1
    if problems:
        raise FieldProblem(*problems)
    returns = refund.get("has_good_return") in (True, "true", "True", 1)
    if returns:
        kind = Kind.RETURN
    elif total is not None and amount is not None and amount < total:
        kind = Kind.PARTIAL_REFUND
    else:
        kind = Kind.REFUND_ONLY
    return CaseInput(
        channel_case_no=case_no, channel_order_no=order_no, kind=kind, status=status,
        channel_status=status_code, amount=amount, buyer_words=text(refund.get("desc")),
        platform_reason=text(refund.get("reason")), requested_at=created, deadline=deadline,
        return_carrier=text(refund.get("company_name")), return_tracking_no=text(refund.get("sid")),
        lines=[CaseLineInput(title=text(refund.get("title")), quantity=count,
                             sku=text(refund.get("outer_id")),
                             channel_sku=text(refund.get("sku")).split("|")[0])],
        raw=dict(refund),
    )
