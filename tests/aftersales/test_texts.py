"""What after-sales writes in the case's and the order's history and in the stock ledger is
stored as a code with parameters and read in the reader's language (English and zh-hans)."""
from __future__ import annotations

import pytest
from django.utils import translation

from aftersales import texts
from aftersales.models import Case
from aftersales.services import case_refund_confirm, case_transition
from logistics.models import StockMovement
from orderhub.core.texts import is_encoded, render
from orders.models import Hold, Order

pytestmark = pytest.mark.django_db


def both(value: str) -> tuple[str, str]:
    """``value`` rendered in English, then in Chinese."""
    with translation.override("en"):
        english = render(value)
    with translation.override("zh-hans"):
        return english, render(value)


def test_a_refund_request_holds_the_order_with_a_coded_reason(open_case):
    # given a refund asked while the order is being picked
    case = open_case("refund_only", status="picking", words="拍错了")
    # then the hold names the case as a code, not as words
    hold = Hold.objects.get(order_id=case.order_id, released_at__isnull=True)
    assert hold.reason == texts.REFUND_ASKED_HOLD.encode(case=case.case_no)
    assert both(hold.reason) == (
        f"after-sales {case.case_no}: the buyer asked for a refund, stop shipping",
        f"售后 {case.case_no}: 买家申请退款，停止发货")
    # and the case's first history row says it was opened
    opened = Case.objects.get(pk=case.pk).history.earliest().history_change_reason
    assert both(opened) == ("case opened", "售后单已创建")


def test_a_move_without_a_reason_is_noted_by_its_label_and_a_reject_names_it(open_case):
    # given a refund request on a paid order
    case = open_case("refund_only", status="paid")
    # when it is approved with no reason, then rejected
    case_transition(case=case, name="approve", actor=None)
    approved = Case.objects.get(pk=case.pk).history.latest().history_change_reason
    case_transition(case=case, name="reject", actor=None, reason="已发货无法拦截")
    # then the approval reads as the move's label, not as words frozen in one language
    assert approved == "§aftersales.move.approve"
    assert both(approved) == ("Approve", "同意")
    # and the order's release names the case and the move, in each language
    released = Hold.objects.get(order_id=case.order_id).release_reason
    assert is_encoded(released)
    assert both(released) == (f"after-sales {case.case_no}: Reject",
                              f"售后 {case.case_no}: 拒绝")


def test_a_damaged_return_is_restocked_then_written_off_with_coded_reasons(open_case,
                                                                           a_warehouse):
    # given a return received at the warehouse
    case = open_case("return")
    for name in ("approve_return", "receive_return"):
        case_transition(case=case, name=name, actor=None)
    # when it is inspected damaged
    case_transition(case=case, name="inspect", actor=None, inspection="damaged")
    # then both ledger rows name the case
    reasons = list(StockMovement.objects.filter(stock__sku="TS-WHITE-L").order_by("id")
                   .values_list("reason", flat=True))
    assert [both(reason) for reason in reasons] == [
        (f"return {case.case_no}: inspected good, back on the shelf",
         f"退货 {case.case_no}: 验货良品，入库"),
        (f"return {case.case_no}: inspected damaged, written off",
         f"退货 {case.case_no}: 验货破损，报废"),
    ]


@pytest.mark.parametrize("colour,english,chinese", [
    ("green", "green", "绿"),
    ("red", "red", "red"),  # a colour after-sales has no word for is kept as reported
])
def test_a_refund_matched_by_finance_names_the_colour(colour, english, chinese, open_case):
    # given a refunded case
    case = open_case("refund_only", status="delivered")
    for name in ("approve", "refund"):
        case_transition(case=case, name=name, actor=None)
    # when finance matches the refund on a statement
    case_refund_confirm(case_id=case.pk, statement_line_id=None, colour=colour)
    # then the history reads the colour in the reader's language
    reason = Case.objects.get(pk=case.pk).history.latest().history_change_reason
    assert both(reason) == (f"refund matched on a statement ({english})",
                            f"退款已在对账单中匹配（{chinese}）")


def test_the_order_notes_its_cases_in_the_readers_language(open_case):
    # given a resend case that closes
    case = open_case("resend", status="delivered", words="发错颜色了")
    for name in ("approve", "reship", "close"):
        case_transition(case=case, name=name, actor=None)
    # then the order's history holds codes that read in both languages
    reasons = set(Order.objects.get(pk=case.order_id).history
                  .values_list("history_change_reason", flat=True))
    assert texts.CASE_OPEN.encode(case=case.case_no) in reasons
    assert both(texts.CASE_OPEN.encode(case=case.case_no)) == (
        f"after-sales {case.case_no} in progress", f"售后 {case.case_no} 处理中")
    replacement = Order.objects.get(hub_no__startswith=f"{case.order.hub_no}R")
    created = replacement.history.earliest().history_change_reason
    assert both(created) == (f"after-sales {case.case_no}: new outbound order",
                             f"售后 {case.case_no}: 新发货单")
