"""The after-sales case state machine, one table for every kind of case.

Like ``orders/state_machine.py``, this table is the single source of truth: the
``@transition`` methods on :class:`aftersales.models.Case` are built from it, the services
dispatch on it and the admin shows it. A move lists the kinds it applies to, so each kind has
its own path through the same states:

- ``refund_only`` / ``partial_refund``: requested → approved → refunded → closed
- ``return``: requested → awaiting_return → returned → inspected → refunded → closed
- ``exchange``: requested → awaiting_return → returned → inspected → reshipped → closed
- ``resend``: requested → approved → reshipped → closed

From any open state a case can be rejected (the seller refuses) or withdrawn (the buyer or the
platform closes it); ``closed``, ``rejected`` and ``withdrawn`` are final.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("Refund only")
    RETURN = "return", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    RESEND = "resend", _("Resend")


class CaseStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for an answer")
    APPROVED = "approved", _("Approved")
    AWAITING_RETURN = "awaiting_return", _("Waiting for the return parcel")
    RETURNED = "returned", _("Return received")
    INSPECTED = "inspected", _("Return inspected")
    REFUNDED = "refunded", _("Refunded")
    RESHIPPED = "reshipped", _("New parcel sent")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


FINAL_CASE_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN})
OPEN_CASE_STATUSES = tuple(s for s in CaseStatus.values if s not in FINAL_CASE_STATUSES)
# How far along a case is, whatever its kind: a platform's report never moves a case back.
CASE_RANK = {
    CaseStatus.REQUESTED: 0, CaseStatus.APPROVED: 1, CaseStatus.AWAITING_RETURN: 1,
    CaseStatus.RETURNED: 2, CaseStatus.INSPECTED: 3, CaseStatus.REFUNDED: 4,
    CaseStatus.RESHIPPED: 4, CaseStatus.REJECTED: 5, CaseStatus.WITHDRAWN: 5,
    CaseStatus.CLOSED: 6,
}

REFUND_KINDS = (Kind.REFUND_ONLY, Kind.PARTIAL_REFUND)
RETURN_KINDS = (Kind.RETURN, Kind.EXCHANGE)
ALL_KINDS = tuple(Kind.values)

# Custom permissions on Case: who answers, who inspects, who confirms the money.
CASE_PERMISSIONS = (
    ("answer_case", "Can answer after-sales cases"),
    ("inspect_return", "Can receive and inspect returns"),
    ("confirm_refund", "Can confirm refunds against statements"),
)


@dataclass(frozen=True)
class CaseMove:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    kinds: tuple[str, ...]
    permission: str
    note: str

    @property
    def permission_name(self) -> str:
        return f"aftersales.{self.permission}"


_OPEN_BEFORE_MONEY = (CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.AWAITING_RETURN,
                      CaseStatus.RETURNED, CaseStatus.INSPECTED)

CASE_MOVES: tuple[CaseMove, ...] = (
    CaseMove("approve", _("Approve"), (CaseStatus.REQUESTED,), CaseStatus.APPROVED,
             (*REFUND_KINDS, Kind.RESEND), "answer_case",
             _("Customer service agrees to refund or to resend.")),
    CaseMove("approve_return", _("Approve the return"), (CaseStatus.REQUESTED,),
             CaseStatus.AWAITING_RETURN, RETURN_KINDS, "answer_case",
             _("Customer service agrees; the buyer sends the goods back.")),
    CaseMove("receive_return", _("Return received"), (CaseStatus.AWAITING_RETURN,),
             CaseStatus.RETURNED, RETURN_KINDS, "inspect_return",
             _("The return parcel arrived at the warehouse.")),
    CaseMove("inspect", _("Inspect the return"), (CaseStatus.RETURNED,), CaseStatus.INSPECTED,
             RETURN_KINDS, "inspect_return",
             _("The warehouse records the goods as good (restocked) or damaged (written off).")),
    CaseMove("refund", _("Refund"), (CaseStatus.APPROVED, CaseStatus.INSPECTED),
             CaseStatus.REFUNDED, (*REFUND_KINDS, Kind.RETURN), "answer_case",
             _("The refund is approved; finance expects it on a statement.")),
    CaseMove("reship", _("Send the new parcel"), (CaseStatus.APPROVED, CaseStatus.INSPECTED),
             CaseStatus.RESHIPPED, (Kind.EXCHANGE, Kind.RESEND), "answer_case",
             _("A new outbound order <hub_no>R<n> is created for the replacement.")),
    CaseMove("close", _("Close"), (CaseStatus.REFUNDED, CaseStatus.RESHIPPED),
             CaseStatus.CLOSED, ALL_KINDS, "answer_case", _("Nothing more to do on the case.")),
    CaseMove("reject", _("Reject"), _OPEN_BEFORE_MONEY, CaseStatus.REJECTED, ALL_KINDS,
             "answer_case", _("The seller refuses the request (with the reason).")),
    CaseMove("withdraw", _("Withdrawn"), _OPEN_BEFORE_MONEY, CaseStatus.WITHDRAWN, ALL_KINDS,
             "answer_case", _("The buyer or the platform closed the request.")),
)
CASE_MOVES_BY_NAME = {move.name: move for move in CASE_MOVES}
#: The seller owes the next step: these count against the answer deadline.
WAITING_ON_SELLER = (CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.RETURNED,
                     CaseStatus.INSPECTED)
