"""JD service orders, JOS ``jingdong.asc.query.view``: the response
``{"jingdong_asc_query_view_responce": {"result": {"success": true, "data": {…}}}}``, or the
``data`` object alone.

``data``: ``serviceId``, ``orderId``, ``customerExpect`` (10 return, 20 exchange, 30 repair
(kept as a return), 80 resend of a missing part (补发商品)), ``serviceStatus`` (the ASC service
status: 10001 waiting for approval, 10002 waiting for the buyer's parcel, 10005 waiting for the
goods to arrive, 10009 goods received, 10010 being processed, 10011 finished, 10012 cancelled,
10007 the approval refused), ``questionDesc`` (the buyer's words), ``applyTime`` (ms since
the epoch), ``refundAmount`` (yuan, when JD gives it), ``expressCode`` and ``expressCompany``
(the return parcel), ``wareId`` / ``wareName`` / ``serviceCount``.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from channels.adapters.fields import FieldProblem, get, id_str, quantity, text, unix_seconds, yuan

from aftersales.adapters.common import mapped, unwrap
from aftersales.services import CaseInput, CaseLineInput
from aftersales.state_machine import CaseStatus, Kind

PATHS = (("jingdong_asc_query_view_responce", "result", "data"),)
KINDS = {"10": Kind.RETURN, "20": Kind.EXCHANGE, "30": Kind.RETURN, "80": Kind.RESEND}
STATUS = {"10001": CaseStatus.REQUESTED, "10002": CaseStatus.AWAITING_RETURN,
          "10005": CaseStatus.AWAITING_RETURN, "10009": CaseStatus.RETURNED,
          "10010": CaseStatus.INSPECTED, "10011": CaseStatus.CLOSED,
          "10012": CaseStatus.WITHDRAWN, "10007": CaseStatus.REJECTED}


def _is_case(obj: Mapping) -> bool:
    return "serviceId" in obj


def read(item: Any) -> list[CaseInput]:
    result = (item.get("jingdong_asc_query_view_responce") or {}).get("result") \
        if isinstance(item, Mapping) else None
    if isinstance(result, Mapping) and result.get("success") in (False, "false"):
        raise FieldProblem(f"body: JD answered an error ({text(result.get('errorMsg'))}), "
                           f"not a service order")
    return [_case(obj, where) for obj, where in unwrap(item, paths=PATHS, is_case=_is_case,
                                                       where="body")]


def _millis(value: Any, where: str):
    if value in (None, ""):
        return None
    try:
        return unix_seconds(int(Decimal(str(value)) // 1000), where)
    except (ArithmeticError, ValueError):
        raise FieldProblem(f"{where}: expected milliseconds since the epoch, got "
                           f"'{value}'") from None


def _case(data: Mapping, where: str) -> CaseInput:
    problems = []

    def field(reader, key):
        try:
            return reader(get(data, key, where), f"{where}.{key}")
        except FieldProblem as problem:
            problems.extend(problem.problems)
            return None

    case_no = field(id_str, "serviceId")
    order_no = field(id_str, "orderId")
    requested = field(_millis, "applyTime")
    amount = field(yuan, "refundAmount") if data.get("refundAmount") not in (None, "") \
        else Decimal("0.00")
    count = field(quantity, "serviceCount") if data.get("serviceCount") not in (None, "") else 1
    kind = status = None
    try:
        kind = mapped(KINDS, data.get("customerExpect"), f"{where}.customerExpect",
                      "JD customerExpect")
        status = mapped(STATUS, data.get("serviceStatus"), f"{where}.serviceStatus",
                        "JD serviceStatus")
    except FieldProblem as problem:
        problems.extend(problem.problems)
    if problems:
        raise FieldProblem(*problems)
    return CaseInput(
        channel_case_no=case_no, channel_order_no=order_no, kind=kind, status=status,
        channel_status=str(data.get("serviceStatus")), amount=amount,
        buyer_words=text(data.get("questionDesc")), requested_at=requested,
        return_tracking_no=text(data.get("expressCode")),
        return_carrier=text(data.get("expressCompany")),
        lines=[CaseLineInput(title=text(data.get("wareName")), quantity=count,
                             channel_sku=text(data.get("wareId")))],
        raw=dict(data),
    )
