"""Refunds after-sales approved: money finance expects to go out for an order.

After-sales records ``aftersales.refund_approved`` (``finance/events.py``); finance keeps an
:class:`~finance.models.ExpectedRefund` per case (once, by the case's id) and judges the
order's statement lines again: a refund row already imported is matched to it at once, one
imported later is matched on import (``matching._pair_refunds``). Each new match is told to
after-sales as ``finance.refund_matched``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from finance.models import ExpectedRefund, StatementLine
from finance.services.locks import matching_lock
from finance.services.rejudge import lines_rejudge
from orderhub.core.errors import ValidationFailed
from orders.models import Order

_AMOUNT = re.compile(r"^\d{1,12}\.\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Approval:
    order_id: int
    case_id: int
    case_no: str
    amount: Decimal
    currency: str
    kind: str


def approval_read(order_id: int | None, payload: dict) -> Approval | None:
    """An ``aftersales.refund_approved`` event's payload, checked (a 400 names the problem);
    ``None`` for a refund of nothing (a case approved before its amount was known)."""
    if not order_id:
        raise ValidationFailed("A refund approval names no order.")
    case_id = payload.get("case_id")
    if not isinstance(case_id, int) or isinstance(case_id, bool) or case_id <= 0:
        raise ValidationFailed(f"case_id {case_id!r} is not an after-sales case id.")
    case_no = str(payload.get("case_no") or "").strip()
    if not case_no or len(case_no) > 64:
        raise ValidationFailed(f"case_no {payload.get('case_no')!r} is not a case number.")
    amount = payload.get("amount")
    if not isinstance(amount, str) or not _AMOUNT.match(amount):
        raise ValidationFailed(
            f"amount {amount!r} is not a positive amount written with two decimals."
        )
    if Decimal(amount) == 0:
        return None
    currency = payload.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise ValidationFailed(f"currency {currency!r} is not an ISO 4217 code.")
    return Approval(order_id, case_id, case_no, Decimal(amount), currency,
                    str(payload.get("kind") or "")[:20])


@transaction.atomic
def refunds_expect(*, approvals: Sequence[Approval]) -> list[ExpectedRefund]:
    """Expect the approved refunds' money to go out, and match refund rows already imported."""
    matching_lock()
    currencies = dict(
        Order.objects.filter(pk__in={a.order_id for a in approvals}).values_list("id", "currency")
    )
    expected = []
    for approval in approvals:
        if approval.order_id not in currencies:
            raise ValidationFailed(f"No order #{approval.order_id} for case {approval.case_no}.")
        if approval.currency != currencies[approval.order_id]:
            raise ValidationFailed(
                f"Case {approval.case_no} refunds in {approval.currency}, the order was paid in "
                f"{currencies[approval.order_id]}: money is never converted silently."
            )
        refund, created = ExpectedRefund.objects.select_for_update().get_or_create(
            case_id=approval.case_id,
            defaults={"order_id": approval.order_id, "case_no": approval.case_no,
                      "amount": approval.amount, "currency": approval.currency,
                      "kind": approval.kind},
        )
        if not created and refund.statement_line_id is None and refund.amount != approval.amount:
            # Approved again with another amount before any money went out: the latest stands.
            refund.amount = approval.amount
            refund.save(update_fields=["amount"])
        expected.append(refund)
    lines = list(
        StatementLine.objects.select_for_update(of=("self",))
        .filter(order_id__in=currencies.keys(), reviewed_at__isnull=True).order_by("id")
    )
    lines_rejudge(lines)
    return expected
