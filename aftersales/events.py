"""What the after-sales app tells the other apps, and what it hears from them.

Recorded by ``aftersales.services`` in the transaction of the change (``orderhub.events``).
The payloads are the contracts with the other apps; keep them exactly.
"""
from __future__ import annotations

from decimal import Decimal

from orderhub.events.services import event_record

#: ``{"case_id", "kind", "status", "channel_case_no"}``: a case was opened.
CASE_CREATED = "aftersales.created"
#: ``{"case_id", "from", "to", "move"}``: one move of the case state machine.
CASE_STATUS_CHANGED = "aftersales.status_changed"
#: ``{"case_id", "case_no", "amount" (string, 2 decimals), "currency", "kind"}``: a refund was
#: approved; finance expects it as an outgoing amount and matches statement rows to it.
REFUND_APPROVED = "aftersales.refund_approved"

# Heard from other apps (their payloads, as agreed):
#: logistics: ``{"shipment_id", "carrier", "tracking_no", "status", "previous", "reason"}``, a
#: parcel refused or returned to sender: a return case is opened (or found) for the order.
SHIPMENT_RETURNED = "shipment.returned"
#: logistics: the same payload, about a buyer's return parcel (a shipment marked as a return):
#: recorded when it is tracked (``previous`` "") and at each move; signed → case returned.
SHIPMENT_RETURN_UPDATED = "shipment.return_updated"
#: finance: ``{"case_id", "statement_line_id", "colour"}``: a statement's refund row matched.
REFUND_MATCHED = "finance.refund_matched"


def case_created_record(case) -> None:
    event_record(CASE_CREATED, order_id=case.order_id, payload={
        "case_id": case.pk, "kind": case.kind, "status": case.status,
        "channel_case_no": case.channel_case_no})


def case_moved_record(case, *, source: str, move: str) -> None:
    event_record(CASE_STATUS_CHANGED, order_id=case.order_id, payload={
        "case_id": case.pk, "from": source, "to": case.status, "move": move})


def refund_approved_record(case) -> None:
    event_record(REFUND_APPROVED, order_id=case.order_id, payload={
        "case_id": case.pk, "case_no": case.case_no,
        "amount": str(Decimal(case.amount).quantize(Decimal("0.01"))),
        "currency": case.currency, "kind": case.kind})
