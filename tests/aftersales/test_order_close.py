"""The last after-sales case closed closes the order (售后关闭): the ``close`` move's condition
in the orders state machine, kept by the after-sales app through the orders service."""
from __future__ import annotations

import pytest

from django.utils import translation

from aftersales import texts
from aftersales.effects import orders_close_after_cases
from aftersales.services import CaseInput, case_receive, case_transition
from orderhub.core.texts import render
from orderhub.events.dispatch import events_dispatch
from orders import services
from orders.holds import order_hold, order_release_hold
from orders.models import Channel, Order
from orders.services import IllegalTransition
from orders.state_machine import AfterSalesState, Status

pytestmark = pytest.mark.django_db


def history_reasons(order):
    return list(order.history.order_by("history_id").values_list("history_change_reason",
                                                                  flat=True))


@pytest.mark.parametrize("status", [Status.DELIVERED, Status.INVOICED, Status.SETTLED,
                                    Status.ARCHIVED])
def test_the_last_case_closed_closes_the_order(status, open_case, order_in, manager):
    # given an order past delivery with two cases, a partial refund and a resend
    order = order_in(status)
    first = open_case("partial_refund", order=order, amount="20.00", words="少发了一双袜子")
    second = open_case("resend", order=order, words="发错颜色了")
    order.refresh_from_db()
    assert order.aftersales_state == AfterSalesState.OPEN
    # then nobody may close it while a case is open, and the move is not offered
    with pytest.raises(IllegalTransition):
        services.order_close(order=order, actor=manager, reason="tidy up")
    assert "close" not in {t.name for t in order.get_available_status_transitions()}
    # when the first case closes, the order stays as it is
    for name in ("approve", "refund", "close"):
        case_transition(case=first, name=name, actor=None)
    assert Order.objects.get(pk=order.pk).status == status
    # when the last one closes, the order is closed by the system with the case as the reason
    for name in ("approve", "reship", "close"):
        case_transition(case=second, name=name, actor=None)
    order.refresh_from_db()
    assert (order.status, order.aftersales_state) == (Status.CLOSED, AfterSalesState.CLOSED)
    latest = order.history.latest()
    assert latest.history_change_reason == texts.CASE_CLOSED.encode(case=second.case_no)
    assert render(latest.history_change_reason) == f"after-sales {second.case_no} closed"
    with translation.override("zh-hans"):
        assert render(latest.history_change_reason) == f"售后 {second.case_no} 关闭"
    assert latest.history_user.username == "system"
    assert texts.CASE_OPEN.encode(case=first.case_no) in history_reasons(order)


def test_a_rejected_case_closes_a_delivered_order_too(open_case):
    case = open_case("return", status="delivered", words="不想要了")
    case_transition(case=case, name="reject", actor=None, reason="超过七天无理由退货期")
    assert Order.objects.get(pk=case.order_id).status == Status.CLOSED


def test_an_order_before_delivery_closes_once_delivered(open_case):
    # given a resend asked while the parcel is on its way, and its case closed
    case = open_case("resend", status="in_transit", words="少发了")
    for name in ("approve", "reship", "close"):
        case_transition(case=case, name=name, actor=None)
    # then the order goes on to delivery: closing is for orders the buyer has
    order = Order.objects.get(pk=case.order_id)
    assert (order.status, order.aftersales_state) == (Status.IN_TRANSIT, AfterSalesState.CLOSED)
    # when the buyer signs for it, and its event is handled
    services.order_deliver(order=order, actor=None)
    events_dispatch()
    # then the order is closed by the system, saying why
    order.refresh_from_db()
    assert order.status == Status.CLOSED
    latest = order.history.latest()
    assert latest.history_user.username == "system"
    assert render(latest.history_change_reason) == (
        "after-sales over: every case had closed before the order could close (not yet "
        "delivered, or held)")


def test_a_full_refund_leaves_the_order_refunded(open_case):
    case = open_case("refund_only", status="delivered", words="质量太差")
    for name in ("approve", "refund", "close"):
        case_transition(case=case, name=name, actor=None)
    assert Order.objects.get(pk=case.order_id).status == Status.REFUNDED


def test_a_held_order_waits_and_closes_once_released(open_case, manager):
    # given a delivered order held while its only case closes
    case = open_case("resend", status="delivered")
    order_hold(order=case.order, actor=manager, reason="买家投诉处理中")
    for name in ("approve", "reship", "close"):
        case_transition(case=case, name=name, actor=None)
    order = Order.objects.get(pk=case.order_id)
    assert (order.status, order.aftersales_state) == (Status.DELIVERED, AfterSalesState.CLOSED)
    # when the hold is lifted, and its event is handled
    order_release_hold(order=order, actor=manager, reason="投诉已处理")
    events_dispatch()
    # then the order closes
    order.refresh_from_db()
    assert (order.status, order.on_hold) == (Status.CLOSED, False)


def test_delivery_or_a_release_closes_only_orders_whose_cases_all_closed(
        order_in, open_case, manager):
    # given one delivered order never with a case, and one with a case still open
    untouched = order_in("in_transit")
    still_open = open_case("resend", status="in_transit").order
    for order in (untouched, still_open):
        order_hold(order=order, actor=manager, reason="核对地址")
    # when both are released and delivered, events handled
    for order in (untouched, still_open):
        order_release_hold(order=order, actor=manager, reason="地址无误")
        services.order_deliver(order=order, actor=None)
    events_dispatch()
    # then neither closes: nothing of after-sales ended for them
    assert set(Order.objects.filter(pk__in=[untouched.pk, still_open.pk])
               .values_list("status", "aftersales_state")) == {
        (Status.DELIVERED, AfterSalesState.NONE), (Status.DELIVERED, AfterSalesState.OPEN)}
    # and running the closing again changes nothing (idempotent)
    assert orders_close_after_cases(order_ids=[untouched.pk, still_open.pk]) == 0


def test_an_archived_order_without_cases_closes_as_before(order_in, manager):
    order = order_in("archived")
    services.order_close(order=order, actor=manager)
    assert order.status == Status.CLOSED


def test_the_platform_closing_the_last_case_closes_the_order(order_in):
    # given a delivered JD order and the platform's case about it, then closed by the platform
    order = order_in("delivered", channel_order_no="300777000111")
    jd = Channel.objects.get(code="jd")
    data = CaseInput(channel_case_no="JD-AS-9001", channel_order_no="300777000111",
                     kind="exchange", status="requested", buyer_words="尺码不对想换")
    case, result = case_receive(channel=jd, data=data, actor=None)
    assert result == "created"
    assert Order.objects.get(pk=order.pk).aftersales_state == AfterSalesState.OPEN
    data.status = "withdrawn"
    case_receive(channel=jd, data=data, actor=None)
    assert Order.objects.get(pk=order.pk).status == Status.CLOSED
