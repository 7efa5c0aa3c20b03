"""The usual answers as one-click actions: each does every step of its answer.

- seven-day no-reason return (七天无理由退货): a return is approved; the buyer sends it back.
- quality exchange (质量问题换货): an exchange is approved; the replacement leaves once the
  return is inspected.
- wrong item resend (发错补发): a resend is approved and the new parcel's order is created.
- partial refund for a missing item (少发部分退款): the partial refund is approved and paid.

Each step is a move through ``case_transition`` (permissions, history and effects as usual),
all in one transaction: an answer is done whole or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from orderhub.core.errors import Conflict
from orderhub.core.history import Actor

from aftersales.models import Case
from aftersales.services import case_transition
from aftersales.state_machine import Kind


@dataclass(frozen=True)
class Answer:
    name: str
    label: str
    kinds: tuple[str, ...]
    moves: tuple[str, ...]
    reason: str


ANSWERS: tuple[Answer, ...] = (
    Answer("seven_day_return", _("Seven-day no-reason return"), (Kind.RETURN,),
           ("approve_return",), "七天无理由退货：同意退货，请在 7 天内寄回，商品完好不影响二次销售"),
    Answer("quality_exchange", _("Quality exchange"), (Kind.EXCHANGE,), ("approve_return",),
           "质量问题换货：同意换货，请寄回问题商品，收到后为您发出新品"),
    Answer("wrong_item_resend", _("Wrong item: resend"), (Kind.RESEND,), ("approve", "reship"),
           "发错商品，深表歉意：已为您补发正确商品"),
    Answer("missing_partial_refund", _("Missing item: partial refund"), (Kind.PARTIAL_REFUND,),
           ("approve", "refund"), "少发商品，深表歉意：已为您退还少发部分的货款"),
)
ANSWERS_BY_NAME = {answer.name: answer for answer in ANSWERS}


@transaction.atomic
def case_answer(*, case: Case, name: str, actor: Actor) -> Case:
    """Apply the usual answer ``name`` to a case: every step, or none."""
    answer = ANSWERS_BY_NAME[name]
    if case.kind not in answer.kinds:
        raise Conflict(f"'{answer.label}' answers {', '.join(answer.kinds)} cases; case "
                       f"{case.case_no} is a {case.kind} case.")
    for move in answer.moves:
        case = case_transition(case=case, name=move, actor=actor, reason=answer.reason)
    return case
