"""抖店 after-sales detail, ``afterSale.Detail``: the response ``{"code": 10000, "msg": …,
"data": {"process_info": {"after_sale_info": {…}, "order_info": {…}}}}``, or its
``process_info`` alone.

``after_sale_info``: ``after_sale_id``, ``after_sale_type`` (0 return and refund, 1 refund
only after shipping, 2 refund only before shipping, 3 exchange, 7 resend (补寄)),
``after_sale_status`` (6 waiting for the seller, 7 waiting for the buyer's return, 11 the
return is on its way / arrived, 12 succeeded, 27 the seller refused, 28 failed, 29 the seller
refused the returned goods), ``refund_amount`` in fen, ``apply_time`` and ``status_deadline``
in Unix seconds, ``reason`` (the platform's reason), ``reason_remark`` (the buyer's words),
``return_logistics_code`` and ``return_logistics_company_name``. ``order_info``:
``shop_order_id`` and ``related_order_info[]`` (``product_name``, ``item_quantity``,
``shop_sku_code``, ``sku_id``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.adapters.fields import FieldProblem, fen, get, id_str, quantity, text, unix_seconds

from aftersales.adapters.common import mapped, unwrap
from aftersales.services import CaseInput, CaseLineInput
from aftersales.state_machine import CaseStatus, Kind

PATHS = (("data", "process_info"),)
KINDS = {"0": Kind.RETURN, "1": Kind.REFUND_ONLY, "2": Kind.REFUND_ONLY, "3": Kind.EXCHANGE,
         "7": Kind.RESEND}
STATUS = {"6": CaseStatus.REQUESTED, "7": CaseStatus.AWAITING_RETURN,
          "11": CaseStatus.RETURNED, "12": CaseStatus.REFUNDED, "27": CaseStatus.REJECTED,
          "28": CaseStatus.WITHDRAWN, "29": CaseStatus.REJECTED}


def _is_case(obj: Mapping) -> bool:
    return "after_sale_info" in obj


def read(item: Any) -> list[CaseInput]:
    if isinstance(item, Mapping) and "code" in item and str(item.get("code")) != "10000":
        raise FieldProblem(f"body.code: the platform answered {item.get('code')} "
                           f"({text(item.get('msg'))}), not a case")
    return [_case(obj, where) for obj, where in unwrap(item, paths=PATHS, is_case=_is_case,
                                                       where="body")]


def _case(process: Mapping, where: str) -> CaseInput:
    info = process.get("after_sale_info") or {}
    order = process.get("order_info") or {}
    here = f"{where}.after_sale_info"
    problems = []

    def field(reader, obj, key, spot):
        try:
            return reader(get(obj, key, spot), f"{spot}.{key}")
        except FieldProblem as problem:
            problems.extend(problem.problems)
            return None

    case_no = field(id_str, info, "after_sale_id", here)
    order_no = field(id_str, order, "shop_order_id", f"{where}.order_info")
    amount = field(fen, info, "refund_amount", here)
    requested = field(unix_seconds, info, "apply_time", here)
    deadline = field(unix_seconds, info, "status_deadline", here)
    for key, table, name in (("after_sale_type", KINDS, "after-sale type"),
                             ("after_sale_status", STATUS, "after-sale status")):
        try:
            mapped(table, info.get(key), f"{here}.{key}", f"抖店 {name}")
        except FieldProblem as problem:
            problems.extend(problem.problems)
    lines = []
    for i, related in enumerate(order.get("related_order_info") or []):
        spot = f"{where}.order_info.related_order_info[{i}]"
        count = field(quantity, related, "item_quantity", spot) \
            if related.get("item_quantity") not in (None, "") else 1
        lines.append(CaseLineInput(title=text(related.get("product_name")), quantity=count or 1,
                                   sku=text(related.get("shop_sku_code")),
                                   channel_sku=text(related.get("sku_id"))))
    if problems:
        raise FieldProblem(*problems)
    return CaseInput(
        channel_case_no=case_no, channel_order_no=order_no,
        kind=KINDS[str(info.get("after_sale_type"))],
        status=STATUS[str(info.get("after_sale_status"))],
        channel_status=str(info.get("after_sale_status")), amount=amount,
        buyer_words=text(info.get("reason_remark")), platform_reason=text(info.get("reason")),
        requested_at=requested, deadline=deadline,
        return_tracking_no=text(info.get("return_logistics_code")),
        return_carrier=text(info.get("return_logistics_company_name")),
        lines=lines, raw=dict(process),
    )
